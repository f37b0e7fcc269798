"""`rehab dashboard`: the clinic's one-file view of every athlete, flags first, with a chart of
each plan and of the last 8 weeks of each imported log. Private, self-contained, escaped."""

from __future__ import annotations

import datetime as dt
import json
import re
import stat
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from factories import PROFILE_YAML, TODAY, make_profile

from generator.config import load_settings
from generator.dashboard import CALM, athlete_view, make_dashboard, order
from generator.load import Inputs
from generator.render.dashboard import render_dashboard
from generator.schedule import schedule
from generator.status import Seen, status_row

AS_OF = ("--today", TODAY.isoformat())
DAY = dt.timedelta(days=1)
RESTRICTED = PROFILE_YAML.replace("Test Athlete", "Ann Lee").replace(
    "  prior_bone_stress_injuries: 0\n  risk_factors: []\n",
    "  prior_bone_stress_injuries: 2\n  risk_factors: [low_energy_availability, "
    "menstrual_dysfunction, low_bone_density, low_bmi, late_menarche]\n")
REFERRAL = PROFILE_YAML.replace("Test Athlete", "Kim Cho").replace(
    "fracture_side: compression", "fracture_side: tension")


def import_logs(project, tmp_path):
    """Jordan: pain 4 yesterday and a red flag today; Sam: stopped logging 10 days ago;
    Alex: every planned session done, no pain."""
    def days(athlete):
        plan = json.loads(project.rehab("plan", athlete, "--format", "json").output)
        return {dt.date.fromisoformat(d["date"]): d["sessions"] for w in plan["weeks"]
                for d in w["days"]}

    def write(athlete, entries):
        path = tmp_path / f"{athlete}-log.json"
        path.write_text(json.dumps({"athlete": athlete, "plan_as_of": TODAY.isoformat(),
                                    "entries": entries}))
        assert project.rehab("import-log", str(path), *AS_OF).exit_code == 0

    def entry(day, done, pain, **extra):
        return {"date": day.isoformat(), "done": done, "pain": pain, "note": None, **extra}

    jordan = days("jordan-lee")
    write("jordan-lee", [entry(TODAY - n * DAY, jordan[TODAY - n * DAY][:1],
                               4 if n == 1 else 1, **({"red_flag": True} if n == 0 else {}))
                         for n in range(20, -1, -1)])
    sam = days("sam-okafor")
    write("sam-okafor", [entry(TODAY - n * DAY, sam[TODAY - n * DAY], 0)
                         for n in range(30, 9, -1)])
    alex = days("alex-morgan")
    write("alex-morgan", [entry(TODAY - n * DAY, alex[TODAY - n * DAY], 0)
                          for n in range(55, -1, -1)])


@pytest.fixture
def clinic(example_project, tmp_path):
    """The examples, a restricted athlete, a referral, and three imported logs. (Mia, whose
    page is in German, is left out: the clinic these tests know has the five others;
    tests/test_i18n.py checks her row is in English.)"""
    (example_project.plans / "mia-hoffmann.yaml").unlink()
    example_project.write_profile("ann-lee", RESTRICTED)
    example_project.write_profile("kim-cho", REFERRAL)
    import_logs(example_project, tmp_path)
    return example_project


def dashboard_of(project, *args):
    result = project.rehab("dashboard", *AS_OF, *args)
    path = project.root / ".rehab" / "dashboard.html"
    return result, path.read_text() if path.exists() else ""


class Page(HTMLParser):
    """Each athlete's row group (tbody with data-id) and the text shown."""

    def __init__(self, html: str):
        super().__init__()
        self.athletes: list[dict] = []
        self.tags: list[tuple[str, dict]] = []
        self.text = ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "tbody" and "data-id" in attrs:
            self.athletes.append(attrs)

    def handle_data(self, data):
        self.text += data


# --- what the clinician sees ------------------------------------------------------------------

def test_every_athlete_is_a_row_flags_first_then_by_next_step(clinic):
    result, html = dashboard_of(clinic)
    assert result.exit_code == 1  # Kim needs referral: as `rehab status`, the exit says so
    assert result.output == ("wrote .rehab/dashboard.html: 7 athletes, 6 with a flag (private: "
                             "keep it at the clinic)\n")
    rows = Page(html).athletes
    # referral first; then pain and a red flag (Jordan); a step overdue (Ann, with the Triad
    # CRA's review flag); a log that stopped (Sam); the Triad CRA's review flag alone (Tomas
    # and Rosa, by the date of their next step); Alex, without a flag, last
    assert [r["data-id"] for r in rows] == ["kim-cho", "jordan-lee", "ann-lee", "sam-okafor",
                                            "tomas-reyes", "rosa-lindqvist", "alex-morgan"]
    assert [r["data-flags"] for r in rows] == [
        "referral", "pain|red flag|setback", "overdue step|review flag",
        "no recent log|review flag", "review flag", "review flag", ""]
    assert rows[1]["data-gate"] == "2026-12-01" and rows[1]["data-pain"] == "4"
    assert rows[3]["data-log"] == str(TODAY - 10 * DAY)


def test_equal_flags_go_by_the_date_of_the_next_step(protocol):
    def seen(athlete, diagnosed):
        plan = schedule(make_profile(id=athlete, diagnosed=diagnosed), protocol, TODAY)
        return athlete_view(Seen(status_row(plan, TODAY), plan=plan), TODAY)

    later, sooner = seen("bea", dt.date(2026, 10, 13)), seen("cal", dt.date(2026, 10, 6))
    assert later.rank == sooner.rank == CALM
    assert later.row.next_step.earliest > sooner.row.next_step.earliest
    assert [a.row.athlete for a in order([later, sooner])] == ["cal", "bea"]


def test_each_row_has_the_plan_chart_and_the_log_chart_with_text_alternatives(clinic):
    _, html = dashboard_of(clinic)
    page = Page(html)
    svgs = [attrs for tag, attrs in page.tags if tag == "svg" and "role" in attrs]
    assert all(a["role"] == "img" and a["aria-labelledby"] for a in svgs)
    assert len([a for a in svgs if a["aria-labelledby"].startswith("plan-")]) == 6  # not Kim
    assert len([a for a in svgs if a["aria-labelledby"].startswith("log-")]) == 3  # Ann: no log
    assert "Plan of Jordan Lee" in page.text and "Log of Jordan Lee, last 8 weeks" in page.text
    jordan = json.loads(clinic.rehab("plan", "jordan-lee", "--format", "json").output)
    planned = sum(len(d["sessions"]) for w in jordan["weeks"][4:12] for d in w["days"]
                  if d["date"] <= TODAY.isoformat())
    # one session ticked on each of the last 21 days that had one (rest days: none)
    done = sum(bool(d["sessions"]) for w in jordan["weeks"] for d in w["days"]
               if (TODAY - 20 * DAY).isoformat() <= d["date"] <= TODAY.isoformat())
    assert (f"Weeks 5 to 12: {done} of {planned} planned sessions done "
            f"({round(100 * done / planned)}%); 21 days logged; highest pain 4 on 22 Nov 2026 "
            "(stop at 3); 1 red-flag day.") in page.text
    # the same data as tables: every phase of the plan, every recorded event, every week
    table = html[html.index("Phases of Jordan Lee"):html.index("Log of Jordan Lee, last")]
    assert table.count("<tr><td>") == len(jordan["phases"]) + len(jordan["events"])
    assert "Setback: back to full weight-bearing for at least 1 week" in table
    assert "No log imported yet" in html  # Ann
    # Sam's log stopped: his chart's last week says so instead of 0 of N done
    sam = html[html.index("Log of Sam Okafor, last"):]
    assert ">no log</text>" in sam[:sam.index("</svg>")]


def test_the_clinician_reads_flags_notes_and_the_triad_score_in_full(clinic):
    _, html = dashboard_of(clinic)
    text = Page(html).text
    assert "Triad CRA 7: restricted" in text
    assert "Triad CRA 7: restricted (Female Athlete Triad Cumulative Risk Assessment" in text
    assert "Hip effusion on the first MRI" in text  # Sam's review flag in full
    assert "tension-side (superolateral) fracture" in text  # Kim's referral
    assert "Bone-health work-up" in text  # the plan's reminders are there, folded
    ann = html[html.index("Triad CRA 7: restricted: Female Athlete"):]
    assert re.search(r"<td>Low BMI</td><td>1</td>", ann)
    assert re.search(r"<td>Total \(6 or more: restricted from training and competition "
                     r"\(provisional\), or disqualified\)</td><td>7</td>", ann)


def test_a_profiles_clinician_notes_are_shown_when_the_profile_has_them(clinic):
    """A private `clinician_notes:` field in the profile shows on the dashboard as Markdown,
    escaped like every note; only under the athletes who have it (Jordan, of the examples)."""
    settings = load_settings(plans=clinic.plans, content=clinic.root / "content",
                             templates=clinic.root / "templates", today=TODAY)
    inputs = Inputs(settings)
    board = make_dashboard(settings, inputs)
    alex = next(a for a in board.athletes if a.row.athlete == "alex-morgan")
    private = SimpleNamespace(clinician_notes="**Mother** asks about fuelling <script>x</script>")
    noted = athlete_view(Seen(alex.row, private, alex.seen.plan, alex.seen.log), TODAY)
    html = render_dashboard(type(board)(TODAY, (noted,)), inputs.env)
    assert "<strong>Mother</strong> asks about fuelling &lt;script&gt;" in html
    assert "Clinician notes" in html
    examples = render_dashboard(board, inputs.env)
    assert examples.count("Clinician notes") == 1  # Jordan's
    assert "dietitian review booked for 30 Nov" in examples


# --- private, self-contained, escaped -----------------------------------------------------------

def test_it_is_private_and_never_inside_the_site(clinic):
    result, _ = dashboard_of(clinic)
    path = clinic.root / ".rehab" / "dashboard.html"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (clinic.root / ".rehab" / ".gitignore").read_text().splitlines()[-1] == "*"
    assert not clinic.site.exists()  # nothing built, nothing published
    inside = clinic.rehab("dashboard", *AS_OF, "--out", "site/clinic.html")
    assert inside.exit_code == 1
    assert inside.output.startswith("error: site/clinic.html: the dashboard must not be inside "
                                    "the site folder (site): it names every athlete")
    assert not (clinic.site / "clinic.html").exists()
    elsewhere = clinic.rehab("dashboard", *AS_OF, "--out", "reports/today.html")
    assert "wrote reports/today.html" in elsewhere.output
    assert (clinic.root / "reports" / "today.html").read_text() == path.read_text()


def test_nothing_in_it_loads_or_runs_from_elsewhere(clinic):
    _, html = dashboard_of(clinic)
    page = Page(html)
    csp = next(a["content"] for t, a in page.tags if a.get("http-equiv") ==
               "Content-Security-Policy")
    assert csp.startswith("default-src 'none'; style-src 'sha256-")
    assert "script-src 'sha256-" in csp and "unsafe" not in csp
    assert [t for t, a in page.tags if t == "script"] == ["script"]  # its own, inline
    assert not [a for t, a in page.tags if "src" in a or t == "link"]
    assert not [a for t, a in page.tags if any(v and "url(" in v and "#" not in v
                                               for v in a.values())]


def test_every_typed_text_is_escaped(project, tmp_path):
    hostile = PROFILE_YAML.replace("Test Athlete", "<script>alert(1)</script> Eve").replace(
        "  progress: []", "")
    project.write_profile("eve", hostile + "progress:\n  - {date: 2026-10-20, event: "
                          "partial_weight_bearing, note: '<img src=x onerror=alert(2)>'}\n")
    result, html = dashboard_of(project)
    assert result.exit_code == 0, result.output
    assert "<script>alert" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Eve" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html


def test_open_shows_it_in_the_browser(clinic, monkeypatch):
    opened = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    clinic.rehab("dashboard", *AS_OF, "--open")
    assert opened == [(clinic.root / ".rehab" / "dashboard.html").resolve().as_uri()]


def test_a_profile_with_errors_is_a_row_that_says_so(example_project):
    example_project.write_profile("broken", PROFILE_YAML.replace("side: left", "side: lft"))
    result, html = dashboard_of(example_project)
    assert result.exit_code == 1
    first = Page(html).athletes[0]
    assert (first["data-id"], first["data-flags"]) == ("broken", "profile error")
    assert "1 error in the profile" in html
    assert "injury.side: &#39;lft&#39; is not allowed" in html


def test_the_charts_are_black_white_and_grey_so_they_print_on_any_printer(clinic):
    _, html = dashboard_of(clinic)
    colours = set(re.findall(r'(?:fill|stroke)="([^"]+)"', html))
    for colour in colours - {"none", "#fff", "#000"}:
        if colour.startswith("url(#"):
            continue
        red, green, blue = (colour[1:3], colour[3:5], colour[5:7])
        assert len(colour) == 7 and red == green == blue, colour
