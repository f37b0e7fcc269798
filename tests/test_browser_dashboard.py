"""The clinic's dashboard in Chromium, opened as a clinician opens it (a file on the disk):
no console error, no request, axe clean, and its few lines of script filter and order."""

from __future__ import annotations

import pytest
from test_browser import AXE, _require, browser  # noqa: F401  (fixtures)
from test_dashboard import AS_OF, clinic, dashboard_of  # noqa: F401  (fixtures)

DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def opened(browser, clinic):  # noqa: F811
    """Open the dashboard file; yields (page, what the page asked for and complained of)."""
    _, html = dashboard_of(clinic)
    path = clinic.root / ".rehab" / "dashboard.html"
    contexts = []

    def open_it(**options):
        context = browser.new_context(viewport=DESKTOP, **options)
        contexts.append(context)
        page = context.new_page()
        seen = {"errors": [], "requests": []}
        page.on("console", lambda m: m.type in ("error", "warning")
                and seen["errors"].append(m.text))
        page.on("pageerror", lambda e: seen["errors"].append(str(e)))
        context.on("request", lambda r: seen["requests"].append(r.url))
        page.goto(path.resolve().as_uri())
        page.wait_for_load_state("load")
        return page, seen, path

    yield open_it
    for context in contexts:
        context.close()


def shown(page) -> list[str]:
    return page.eval_on_selector_all("#athletes > tbody:not([hidden])",
                                     "rows => rows.map(r => r.dataset.id)")


def test_it_opens_offline_with_no_console_error_and_no_request(opened):
    page, seen, path = opened()
    assert seen["errors"] == []
    assert seen["requests"] == [path.resolve().as_uri()]  # the file itself, nothing else
    assert page.locator("h1").inner_text() == "Clinic dashboard"
    assert page.locator("#shown").inner_text() == "7 of 7 athletes shown"
    assert shown(page) == ["kim-cho", "jordan-lee", "ann-lee", "sam-okafor", "tomas-reyes",
                           "rosa-lindqvist", "alex-morgan"]
    assert page.locator("svg.chart").count() == 6 + 3  # a plan each (not Kim), three logs


def test_filter_by_flag_and_protocol_and_order_by_name(opened):
    page, seen, _ = opened()
    page.select_option("#f-flag", "pain")
    assert shown(page) == ["jordan-lee"]
    assert page.locator("#shown").inner_text() == "1 of 7 athletes shown"
    page.select_option("#f-flag", "*")
    assert shown(page) == ["kim-cho", "jordan-lee", "ann-lee", "sam-okafor", "tomas-reyes",
                           "rosa-lindqvist"]
    page.select_option("#f-flag", "")
    page.select_option("#f-protocol", "Femoral neck stress fracture")
    assert "kim-cho" not in shown(page)  # no plan, so no protocol to match
    page.select_option("#f-protocol", "")
    page.select_option("#f-order", "name")
    assert shown(page) == ["alex-morgan", "ann-lee", "jordan-lee", "kim-cho", "rosa-lindqvist",
                           "sam-okafor", "tomas-reyes"]
    page.select_option("#f-order", "log")
    assert shown(page)[:2] == ["sam-okafor", "alex-morgan"]  # the oldest last log first
    page.select_option("#f-order", "pain")
    assert shown(page)[0] == "jordan-lee"
    assert seen["errors"] == []


def test_without_its_script_every_athlete_shows_flags_first(opened):
    page, _, _ = opened(java_script_enabled=False)
    assert not page.locator("#controls").is_visible()
    assert shown(page) == ["kim-cho", "jordan-lee", "ann-lee", "sam-okafor", "tomas-reyes",
                           "rosa-lindqvist", "alex-morgan"]


def test_axe_finds_no_serious_or_critical_violation(opened):
    _require(None if AXE.exists() else f"{AXE} is missing: run `npm ci`")
    # bypass_csp: the file's policy rightly refuses any script but its own, axe included
    page, _, _ = opened(bypass_csp=True)
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [f"{v['id']} ({v['impact']}): {v['help']} at "
           + ", ".join(n["target"][0] for n in v["nodes"][:3])
           for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == []
