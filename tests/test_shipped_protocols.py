"""Every protocol the package ships, as a clinic meets it: a real plan for its example athlete,
longer plans for worse injuries and more history, no plan at a high-risk site, and nothing of
another injury's wording in its athlete's page, handout or calendar."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from factories import plain_injury, profile_for
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.plan import Plan, Referral
from generator.schedule import schedule

EXAMPLES = {  # the example athlete of each protocol (plans/)
    "femoral-neck-stress-fracture": "jordan-lee",
    "tibial-bone-stress-injury": "tomas-reyes",
    "metatarsal-bone-stress-injury": "rosa-lindqvist",
}
# words of the femoral neck's page that no other bone's plan may carry
FEMORAL = re.compile(r"femoral|femur|groin|hip pain|hip or groin|crutches for every step",
                     re.I)


def first_run(plan: Plan) -> dt.date:
    return next(w.start for w in plan.weeks if w.walk_run)


def test_each_shipped_protocol_has_an_example_athlete(protocols):
    assert sorted(EXAMPLES) == sorted(protocols)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_a_worse_injury_or_more_history_never_runs_sooner(shipped_protocol, data):
    protocol = shipped_protocol
    levels = protocol.severity_levels
    severity = data.draw(st.sampled_from(levels[:-1]))
    prior = data.draw(st.integers(0, 2))
    factors = tuple(protocol.history_fields["risk_factors"].values)
    some = data.draw(st.lists(st.sampled_from(factors), unique=True, max_size=2))
    more = data.draw(st.lists(st.sampled_from(factors), unique=True, max_size=2))
    day = dt.date(2026, 3, 3)
    base = profile_for(protocol, diagnosed=day, severity=severity,
                       prior_bone_stress_injuries=prior, risk_factors=tuple(some))
    worse = profile_for(protocol, diagnosed=day,
                        severity=levels[levels.index(severity) + data.draw(st.integers(0, 1))],
                        prior_bone_stress_injuries=prior + data.draw(st.integers(0, 2)),
                        risk_factors=tuple(dict.fromkeys(some + more)))
    assert first_run(schedule(worse, protocol, day)) >= first_run(schedule(base, protocol, day))
    assert len(schedule(worse, protocol, day).weeks) >= len(schedule(base, protocol, day).weeks)


def test_every_referral_rule_gives_no_plan(shipped_protocol):
    """A profile that meets a referral rule (a high-risk site, a displaced fracture) gets a
    referral instead of a plan, with the rule's reason for the clinician."""
    protocol = shipped_protocol
    assert protocol.referral
    for rule in protocol.referral:
        injury = plain_injury(protocol)
        for condition in rule.conditions:
            injury[condition.field] = (condition.value[0] if condition.test == "one_of"
                                       else condition.value)
        result = schedule(profile_for(protocol, injury=injury), protocol, dt.date(2026, 11, 23))
        assert isinstance(result, Referral), (protocol.id, rule.reason)
        assert rule.reason in result.reasons


@pytest.mark.parametrize(("protocol_id", "athlete"), sorted(EXAMPLES.items()))
def test_the_example_plan_names_its_own_injury_everywhere(built_examples, protocol_id, athlete):
    folder = built_examples.folder(athlete)
    plan = (folder / "plan.json").read_text()
    assert f'"protocol": "{protocol_id}"' in plan
    page = re.sub(r"<[^>]+>", " ", (folder / "index.html").read_text())
    calendar = (folder / "plan.ics").read_text()
    title = built_examples.rehab("protocols").output.split(protocol_id, 1)[1].split("\n")[0]
    assert title.strip() in page  # the injury's name, at the top of the page
    if protocol_id != "femoral-neck-stress-fracture":
        for text in (page, calendar, plan):
            assert not FEMORAL.findall(text), FEMORAL.findall(text)[:3]


@pytest.mark.parametrize(("site_field", "high_risk"), [
    ("site: posteromedial", "site: anterior_cortex"),
])
def test_a_high_risk_tibial_site_withdraws_the_published_plan(example_project, site_field,
                                                              high_risk):
    project = example_project
    assert project.rehab("build", "--no-pdf", "tomas-reyes").exit_code == 0
    folder = project.folder("tomas-reyes")
    assert (folder / "index.html").is_file()
    profile = project.root / "plans" / "tomas-reyes.yaml"
    profile.write_text(profile.read_text().replace(site_field, high_risk, 1))
    result = project.rehab("build", "--no-pdf", "tomas-reyes")
    assert result.exit_code == 1
    assert "REFERRAL tomas-reyes: no plan made" in result.stderr
    assert "anterior tibial cortex" in result.stderr
    assert not folder.exists()


@pytest.mark.parametrize("base", ["metatarsal: 5", "metatarsal: 2"])
def test_the_base_of_the_fifth_or_second_metatarsal_gets_a_referral(example_project, base):
    project = example_project
    profile = project.root / "plans" / "rosa-lindqvist.yaml"
    text = re.sub(r"metatarsal: \d", base, profile.read_text(), count=1)
    profile.write_text(re.sub(r"region: \w+", "region: base", text, count=1))
    result = project.rehab("check", "rosa-lindqvist")
    assert result.exit_code == 1
    assert "REFERRAL" in result.output or "REFERRAL" in (result.stderr or "")


def test_an_unreadable_field_a_referral_rule_needs_takes_the_plan_down(example_project):
    """Rosa's injury is re-recorded as the 5th metatarsal with a typo in its region: it may be
    the high-risk base or shaft, so her running plan goes offline until the typo is fixed. A
    typo that no referral could hang on (any region of the 3rd) keeps the last good plan."""
    project = example_project
    assert project.rehab("build", "--no-pdf", "rosa-lindqvist").exit_code == 0
    folder = project.folder("rosa-lindqvist")
    profile = project.root / "plans" / "rosa-lindqvist.yaml"
    good = profile.read_text()
    third = re.sub(r"metatarsal: \d", "metatarsal: 3", good, count=1)
    profile.write_text(third)
    assert project.rehab("build", "--no-pdf", "rosa-lindqvist").exit_code == 0
    profile.write_text(re.sub(r"region: \w+", "region: bass", third, count=1))
    kept = project.rehab("build", "--no-pdf", "rosa-lindqvist")
    assert kept.exit_code == 1 and "injury.region: 'bass' is not allowed" in kept.output
    assert (folder / "index.html").is_file()  # no region of the 3rd is a referral
    typo = re.sub(r"metatarsal: \d", "metatarsal: 5", good, count=1)
    profile.write_text(re.sub(r"region: \w+", "region: bass", typo, count=1))
    result = project.rehab("build", "--no-pdf", "rosa-lindqvist")
    assert result.exit_code == 1
    assert "REFERRAL rosa-lindqvist: no plan made" in result.stderr
    assert "possibly: injury.region could not be read" in result.stderr
    assert not folder.exists()
