"""Cumulative risk scores as protocol data: the Triad CRA (De Souza et al. 2014) for the femoral
neck protocol, seen by the clinician (build report, `rehab status`, plan.json), never by the
athlete (page, handout, calendar)."""

from __future__ import annotations

import json
import shutil

import pytest
from factories import PROFILE_YAML, ROOT, TODAY, make_profile

from generator.errors import InputError
from generator.protocol import load_protocol, load_protocols
from generator.schedule import schedule
from generator.status import status_row

ALL_FIVE = ("low_energy_availability", "menstrual_dysfunction", "low_bone_density", "low_bmi",
            "late_menarche")
RESTRICTED_YAML = PROFILE_YAML.replace(
    "  prior_bone_stress_injuries: 0\n  risk_factors: []\n",
    "  prior_bone_stress_injuries: 2\n  risk_factors: [" + ", ".join(ALL_FIVE) + "]\n")


def cra(plan):
    return next(r for r in plan.risk_scores if r.id == "triad_cra")


def test_two_prior_fractures_and_all_five_triad_risk_factors_score_7_restricted(protocol):
    plan = schedule(make_profile(prior_bone_stress_injuries=2, risk_factors=ALL_FIVE),
                    protocol, TODAY)
    score = cra(plan)
    assert (score.score, score.band) == (7, "restricted")
    assert score.short == "Triad CRA 7: restricted"
    # a review flag for the clinician, with the band's meaning and how the table was read
    flag = next(n for n in plan.notes if n.short == "Triad CRA 7: restricted")
    assert flag.kind == "review_flag" and flag.audience == "clinician"
    assert flag.text.startswith(
        "Triad CRA 7: restricted (Female Athlete Triad Cumulative Risk Assessment, De Souza et "
        "al. 2014: 6 or more points, restricted from training and competition (provisional), "
        "or disqualified).")
    assert "scores 2: add 1 for each" in flag.text
    assert flag.text in plan.review_flags
    assert "Triad CRA 7: restricted" in status_row(plan, TODAY).flags
    assert plan.to_dict()["risk_scores"] == [
        {"id": "triad_cra", "name": "Triad CRA", "score": 7, "band": "restricted"}]
    # which items scored is for the clinic (status, dashboard), not plan.json
    assert dict(score.items) == {
        "Low energy availability, with or without disordered eating": 1, "Low BMI": 1,
        "Delayed menarche": 1, "Oligomenorrhoea or amenorrhoea": 1, "Low BMD": 1,
        "Stress reactions or fractures (this one at a high-risk site)": 2}


@pytest.mark.parametrize("factors, total, band, kind", [
    ((), 2, "provisional", "reminder"),  # the femoral neck itself: a high-risk site, 2 points
    (ALL_FIVE[:3], 5, "provisional", "reminder"),
    (ALL_FIVE[:4], 6, "restricted", "review_flag"),
])
def test_the_bands_0_1_full_2_5_provisional_6_or_more_restricted(protocol, factors, total, band,
                                                                 kind):
    plan = schedule(make_profile(risk_factors=factors), protocol, TODAY)
    assert (cra(plan).score, cra(plan).band, cra(plan).notice) == (total, band, kind)
    # every athlete of this protocol is at least provisional: said at build and check (a
    # reminder, as the bone-health work-up), but not a flag on every row of `rehab status`
    flagged = [n.short for n in plan.notes if n.kind == "review_flag"]
    assert flagged == ([f"Triad CRA {total}: {band}"] if kind == "review_flag" else [])
    assert any(n.kind == kind and n.short == f"Triad CRA {total}: {band}" for n in plan.notes)


def test_prior_injuries_do_not_add_to_the_fracture_item_beyond_its_2_points(protocol):
    one = schedule(make_profile(prior_bone_stress_injuries=1, risk_factors=("low_bmi",)),
                   protocol, TODAY)
    assert cra(one).score == 3


def test_status_and_the_build_report_show_the_score_the_athlete_never_does(project):
    project.write_profile("ann-lee", RESTRICTED_YAML.replace("Test Athlete", "Ann Lee"))
    built = project.rehab("build")
    assert built.exit_code == 0, built.output
    assert "check  ann-lee: Triad CRA 7: restricted (Female Athlete Triad" in built.output
    status = project.rehab("status", "--today", TODAY.isoformat())
    assert "Triad CRA 7: restricted" in status.output.splitlines()[3]
    data = json.loads(project.rehab("status", "--format", "json", "--today",
                                    TODAY.isoformat()).output)
    assert data["athletes"][0]["risk_scores"] == [{
        "id": "triad_cra", "name": "Triad CRA", "score": 7, "band": "restricted",
        "clearance": "restricted from training and competition (provisional), or disqualified",
        "items": [["Low energy availability, with or without disordered eating", 1],
                  ["Low BMI", 1], ["Delayed menarche", 1], ["Oligomenorrhoea or amenorrhoea", 1],
                  ["Low BMD", 1],
                  ["Stress reactions or fractures (this one at a high-risk site)", 2]]}]
    folder = project.folder("ann-lee")
    from pypdf import PdfReader

    handout = "\n".join(p.extract_text() for p in PdfReader(folder / "plan.pdf").pages)
    for shown in ((folder / "index.html").read_text(), (folder / "plan.ics").read_text(),
                  handout):
        assert "CRA" not in shown and "7: restricted" not in shown
        assert "restricted from training" not in shown  # (the sources name the tool only)


def test_a_protocol_without_a_risk_table_has_no_score(protocols):
    toy = load_protocols(ROOT / "tests" / "protocols")["metatarsal-stress-fracture"]
    assert toy.risk_scores == ()


@pytest.fixture
def editable(tmp_path):
    folder = tmp_path / "femoral-neck-stress-fracture"
    shutil.copytree(ROOT / "content" / "femoral-neck-stress-fracture", folder)
    return folder


def _edit(folder, old, new):
    path = folder / "protocol.yaml"
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def _problems(folder):
    with pytest.raises(InputError) as caught:
        load_protocol(folder)
    return [str(p) for p in caught.value.problems]


def test_a_risk_table_is_checked_like_any_rule(editable):
    _edit(editable, "{points: 1, when: {risk_factors: low_bmi}}",
          "{points: 1, when: {risk_factor: low_bmi}}")
    _edit(editable, "{points: 1, when: {risk_factors: late_menarche}}",
          "{points: 1, when: {prior_bone_stress_injuries: {includes: 2}}}")
    _edit(editable, "      - {from: 2, name: provisional",
          "      - {from: 7, name: provisional")
    found = _problems(editable)
    assert any("risk_scores[0].items[1].points[0].when.risk_factor: unknown field "
               "'risk_factor' (did you mean 'risk_factors'?)" in p for p in found), found
    assert any("risk_scores[0].items[2].points[0].when.prior_bone_stress_injuries: includes "
               "tests a set field; 'prior_bone_stress_injuries' is int" in p for p in found)
    assert any("risk_scores[0].bands: bands must start from 0 and go up" in p for p in found)
    assert all("protocol.yaml:" in p for p in found)  # each at its line


def test_a_clinic_may_score_prior_injuries_and_flag_every_band_above_full(editable):
    """The table is data: counting prior injuries instead (a protocol for a low-risk site)
    makes full clearance reachable, and provisional a review flag."""
    _edit(editable, "points: [{points: 2, when: always}]",
          "points: [{points: 1, when: {prior_bone_stress_injuries: 1}}, "
          "{points: 2, when: {prior_bone_stress_injuries: {at_least: 2}}}]")
    protocol = load_protocol(editable)
    clear = schedule(make_profile(risk_factors=("low_bmi",)), protocol, TODAY)
    assert (cra(clear).score, cra(clear).band, cra(clear).notice) == (1, "full", "")
    provisional = schedule(make_profile(prior_bone_stress_injuries=1, risk_factors=("low_bmi",)),
                           protocol, TODAY)
    assert cra(provisional).notice == "review_flag"
    assert "Triad CRA 2: provisional" in status_row(provisional, TODAY).flags
