"""The printed handout as a reader gets it: text pulled out of plan.pdf, pages seen as images."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from factories import PROFILE_YAML, ROOT
from PIL import Image
from pypdf import PdfReader

ATHLETES = ("alex-morgan", "jordan-lee", "sam-okafor", "tomas-reyes", "rosa-lindqvist")
MM = 72 / 25.4  # PDF points per millimetre


def pain_rule(plan: dict) -> str:
    """The protocol's pain rule, as written in its content folder."""
    root = Path(__file__).resolve().parents[1]
    return (root / "content" / plan["protocol"] / "text" / "pain-rule.md").read_text()


def day(value: str) -> str:
    date = dt.date.fromisoformat(value)
    return f"{date:%a} {date.day} {date:%b %Y}"


@pytest.fixture(scope="module")
def handouts(built_examples):
    return {a: (PdfReader(built_examples.folder(a) / "plan.pdf"),
                json.loads((built_examples.folder(a) / "plan.json").read_text()))
            for a in ATHLETES}


@pytest.fixture(scope="module")
def page_images(built_examples, tmp_path_factory):
    """Every page of every example handout as a 50 dpi greyscale-or-colour PNG."""
    if not shutil.which("pdftoppm"):
        pytest.fail("pdftoppm is missing (apt-get install poppler-utils; .ci/run does)")
    out = tmp_path_factory.mktemp("pages")
    images = {}
    for athlete in ATHLETES:
        subprocess.run(["pdftoppm", "-png", "-r", "50", str(built_examples.folder(athlete) /
                        "plan.pdf"), str(out / athlete)], check=True)
        images[athlete] = [Image.open(p).convert("RGB")
                           for p in sorted(out.glob(f"{athlete}-*.png"))]
    return images


@pytest.mark.parametrize("athlete", ATHLETES)
def test_page_one_has_the_summary_notes_so_far_pain_rule_and_red_flags(handouts, athlete):
    reader, plan = handouts[athlete]
    text = reader.pages[0].extract_text()
    for expected in [plan["athlete"]["name"], "Plan as of Mon 23 Nov 2026",
                     day(plan["injury"]["diagnosed"]), "Notes from", "So far", "The pain rule",
                     "Red flags: stop and call"]:
        assert expected in text, expected


@pytest.mark.parametrize("athlete", ATHLETES)
def test_the_pain_column_points_to_the_one_pain_rule_where_it_is(handouts, athlete):
    reader, plan = handouts[athlete]
    pages = [page.extract_text() for page in reader.pages]
    pointing = [i for i, text in enumerate(pages) if "follow the pain rule on page 1" in text]
    assert pointing and "The pain rule" in pages[0]
    # the rule is said once: the red flags do not give other instructions for exercise pain
    lead = pain_rule(plan).split("**")[1][:30]  # its first words, in bold
    assert sum(" ".join(text.split()).count(lead) for text in pages) == 1, lead


@pytest.mark.parametrize("athlete", ATHLETES)
def test_every_page_carries_name_as_of_date_and_page_x_of_y(handouts, athlete):
    reader, plan = handouts[athlete]
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"Page {number} of {total}" in text
        assert plan["athlete"]["name"] in text
        assert "Plan as of Mon 23 Nov 2026" in text


def detail_weeks(plan: dict) -> list[dict]:
    current = plan["current_week"]
    return plan["weeks"][current - 1:current - 1 + 8]


def test_the_next_eight_weeks_in_detail_with_a_box_per_session(handouts):
    reader, plan = handouts["jordan-lee"]
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "The next 8 weeks" in text
    for week in plan["weeks"]:
        start = dt.date.fromisoformat(week["start"])
        shown = re.search(rf"(^|\n)(\d+ )?{start.day} {start:%b}( –)?\n", text) is not None
        assert shown == (week in detail_weeks(plan)), week["number"]
    assert "Pain" in text and "0-10" in text
    # strength stage 1 is done 3 times a week: three boxes on its line
    assert re.search(r"Strength stage 1: 3 times a week, a rest day between ☐☐☐\n", text)


def test_past_weeks_are_summarised_and_later_ones_are_a_timeline(handouts):
    reader, plan = handouts["jordan-lee"]
    text = "\n".join(p.extract_text() for p in reader.pages)
    so_far = text[text.index("So far"):text.index("The pain rule")].replace("\n", " ")
    assert ("Weeks 1–11, Tue 1 Sep 2026 – Mon 16 Nov 2026: Non-weight-bearing for 8 weeks, "
            "partial weight-bearing for 2 weeks") in so_far  # not "strength stage 1 2 weeks"
    assert "Setback: back to full weight-bearing" in so_far
    later = text[text.index("After that: the road ahead"):text.index("How to do the exercises")]
    last_detailed = detail_weeks(plan)[-1]["number"]
    for phase in plan["phases"]:
        assert (phase["title"] in later) == (phase["last_week"] > last_detailed), phase


def test_how_tos_for_this_step_and_the_next_and_drawings_for_the_rest_of_the_8_weeks(handouts):
    reader, _ = handouts["jordan-lee"]
    text = "\n".join(p.extract_text() for p in reader.pages)
    # names wrap beside their drawings: read the lines as one text
    how_tos = text[text.index("How to do the exercises"):text.index("Sources")].replace("\n", " ")
    assert "Now: Full weight-bearing" in how_tos and "Next: Strength stage 1" in how_tos
    assert "Sit to stand, weight on the good leg" in how_tos  # this week's
    assert "Bodyweight squat" in how_tos  # the next step's
    assert "Ankle pumps" not in how_tos  # done
    # strength stages 2 and 3 start within the 8 weeks: their exercises, drawn, named and
    # dosed, with the how-tos left to the page
    assert "Then: Strength stage 2, from Tue 15 Dec 2026" in how_tos
    assert "Then: Strength stage 3, from Tue 29 Dec 2026" in how_tos
    assert "Goblet squat · 3 sets of 10" in how_tos
    assert "holding one dumbbell or kettlebell against your chest" not in how_tos



@pytest.mark.parametrize("athlete", ATHLETES)
def test_no_week_row_is_split_across_pages(handouts, athlete):
    """A row starts with its number and dates; each of its session lines (one with boxes per
    session) follows on the same page, before the next row starts."""
    reader, plan = handouts[athlete]
    pages = [p.extract_text().split("Before you move on")[0] for p in reader.pages]
    for week in detail_weeks(plan):
        start = dt.date.fromisoformat(week["start"])
        found = [(i, m) for i, text in enumerate(pages) for m in re.finditer(
            rf"(?m)^(?:{week['number']}\n(?:now\n)?)?(?:{week['number']} )?{start.day} {start:%b}"
            r"(?: –)?$", text)]
        assert len(found) == 1, (week["number"], found)
        page, match = found[0]
        rest = pages[page][match.end():]
        following = re.search(rf"(?m)^{week['number'] + 1}( |$)", rest)
        row = rest[:following.start() if following else len(rest)].splitlines()
        assert sum("☐" in text for text in row) == len(week["sessions"]), (week["number"], row)


@pytest.mark.parametrize("athlete", ATHLETES)
def test_fonts_are_embedded(handouts, athlete):
    reader, _ = handouts[athlete]
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            parts = [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]
            for part in parts:
                descriptor = part["/FontDescriptor"].get_object()
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), \
                    font["/BaseFont"]


@pytest.mark.parametrize("athlete", ATHLETES)
def test_pages_are_neither_blank_nor_overflowing(page_images, athlete):
    for number, image in enumerate(page_images[athlete], start=1):
        grey = image.convert("L")
        width, height = grey.size
        assert grey.getextrema()[0] < 128, f"page {number} is blank"
        # the side margins are 12 mm; nothing may reach the outer 8 mm of either side
        strip = round(8 / 25.4 * 50)
        for box in ((0, 0, strip, height), (width - strip, 0, width, height)):
            assert grey.crop(box).getextrema()[0] > 240, f"page {number} overflows at {box}"


@pytest.mark.parametrize("athlete", ATHLETES)
def test_handout_prints_in_black_and_white(page_images, athlete):
    """No colour carries meaning: every pixel of every page is a shade of grey."""
    for number, image in enumerate(page_images[athlete], start=1):
        red, green, blue = (channel.tobytes() for channel in image.split())
        assert red == green == blue, f"page {number} has colour"


# --- print sizes, structure, references ---------------------------------------------------

def printed(reader) -> list[tuple[int, float, str]]:
    """Every piece of text as drawn: (page, size in points, text)."""
    out = []
    for number, page in enumerate(reader.pages, start=1):
        def visit(text, cm, tm, font, size, number=number):
            if text.strip():
                scale = math.hypot(tm[0], tm[1]) * math.hypot(cm[0], cm[1])
                out.append((number, round(size * scale, 2), text.strip()))
        page.extract_text(visitor_text=visit)
    return out


@pytest.mark.parametrize("athlete", ATHLETES)
def test_print_is_large_enough_to_read_and_tick(handouts, athlete):
    """Nothing under 9 pt (tables, labels); running text 10 pt; tick boxes at least 4 mm."""
    reader, plan = handouts[athlete]
    drawn = printed(reader)
    assert min(size for _, size, _ in drawn) >= 9
    body = [size for _, size, text in drawn if text.startswith((
        pain_rule(plan).split("**")[1][:20], "Stop and contact your clinician", "Tick a box",
        "A program made this plan"))]
    assert len(body) >= 4 and min(body) >= 10
    glyph = 1469 / 2048  # the height of ☐ in DejaVu Sans, in ems
    boxes = [size for _, size, text in drawn if "☐" in text]
    assert boxes and min(boxes) * glyph / MM >= 4


@pytest.mark.parametrize("athlete", ATHLETES)
def test_at_most_eight_pages(handouts, athlete):
    reader, _ = handouts[athlete]
    assert len(reader.pages) <= 8


@pytest.mark.parametrize("athlete", ATHLETES)
def test_every_cross_reference_names_a_checklist_printed_after_it(handouts, athlete):
    """"Then: the checklist before X, with the checklists below": that checklist is in
    "Before you move on", after the reference (no page number: target-counter() makes
    WeasyPrint lay out the pages before its target twice)."""
    reader, _ = handouts[athlete]
    texts = [p.extract_text().replace("\n", " ") for p in reader.pages]
    refs = [(number, title) for number, text in enumerate(texts) for title in re.findall(
        r"the checklist (before .+?), with the checklists below", text)]
    assert refs
    section = next(i for i, text in enumerate(texts) if "Before you move on Each step" in text)
    for number, title in refs:
        assert number <= section
        assert title[0].upper() + title[1:] in " ".join(texts[section:]), title
    assert "gates page" not in "".join(texts)


@pytest.mark.parametrize("athlete", ATHLETES)
def test_no_heading_is_left_alone_at_the_foot_of_a_page(handouts, athlete):
    """Every heading (the PDF's bookmarks) has text after it on its own page."""
    reader, plan = handouts[athlete]
    # running heads and feet, and list bullets (drawn after the page's text)
    running = re.compile(r"^(Page \d+ of \d+|Draft plan: .*|(.* )?Plan as of .*|•)$")

    def headings(items):
        for item in items:
            yield from headings(item) if isinstance(item, list) else [item]

    found = list(headings(reader.outline))
    assert len(found) > 5
    for item in found:
        number = reader.get_destination_page_number(item)
        lines = [line for line in reader.pages[number].extract_text().splitlines()
                 if not running.match(line.strip())]
        at = max(i for i, line in enumerate(lines) if line.startswith(item.title[:30]))
        assert at < len(lines) - 1, (item.title, number + 1, lines[-3:])


@pytest.mark.parametrize("athlete", ATHLETES)
def test_the_pdf_is_tagged_for_screen_readers_and_reflow(handouts, athlete):
    reader, _ = handouts[athlete]
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en"
    kinds: set[str] = set()

    def walk(node):
        node = node.get_object()
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif hasattr(node, "keys") and "/S" in node:
            kinds.add(node["/S"])
            if "/K" in node:
                walk(node["/K"])

    walk(root["/StructTreeRoot"]["/K"])
    assert {"/H1", "/H2", "/Table", "/TR", "/L", "/LI", "/P"} <= kinds, kinds


def test_clinician_only_text_stays_off_the_handout(handouts):
    reader, _ = handouts["sam-okafor"]
    text = "".join(p.extract_text() for p in reader.pages)
    for words in ("For clinician review", "Hip effusion", "Check:", "overrides.", "usual range"):
        assert words not in text, words


def test_a4_by_default_letter_by_option_or_profile(project):
    project.write_profile("us-athlete", PROFILE_YAML + "paper: letter\n")
    project.write_profile("eu-athlete", PROFILE_YAML)

    def sizes():
        return {a: [round(float(x) / MM) for x in
                    PdfReader(project.folder(a) / "plan.pdf").pages[0].mediabox[2:]]
                for a in ("us-athlete", "eu-athlete")}

    assert project.rehab("build").exit_code == 0
    assert sizes() == {"us-athlete": [216, 279], "eu-athlete": [210, 297]}
    assert project.rehab("build", "--paper", "letter").exit_code == 0
    assert sizes() == {"us-athlete": [216, 279], "eu-athlete": [216, 279]}


def test_qr_code_only_when_the_site_address_is_known(built_examples, project):
    text = PdfReader(built_examples.folder("jordan-lee") / "plan.pdf").pages[0].extract_text()
    assert "Your plan on your phone" not in text

    project.write_profile("test-athlete", PROFILE_YAML)
    result = project.rehab("build", "--base-url", "https://plans.example.org/clinic/")
    assert result.exit_code == 0, result.output
    page = PdfReader(project.folder("test-athlete") / "plan.pdf").pages[0]
    flat = page.extract_text().replace("\n", "")
    token = project.folder("test-athlete").name  # the page's address, never the id
    assert f"https://plans.example.org/clinic/{token}/" in flat
    assert "Your plan on your phone" in page.extract_text().replace("\n", " ")


def test_base_url_must_be_a_web_address(project):
    result = project.rehab("build", "--base-url", "plans.example.org")
    assert result.exit_code == 2
    assert "not a site address" in result.output


def test_weasyprint_is_imported_without_searching_for_its_libraries():
    """import_weasyprint() skips ctypes' library search (ldconfig, gcc and ld as processes)
    and puts find_library back."""
    code = ("import ctypes.util, subprocess\n"
            "calls = []\n"
            "real = subprocess.Popen.__init__\n"
            "def spy(self, *a, **k):\n"
            "    calls.append(a[0])\n"
            "    real(self, *a, **k)\n"
            "subprocess.Popen.__init__ = spy\n"
            "before = ctypes.util.find_library\n"
            "from generator.render.pdf import import_weasyprint\n"
            "weasyprint = import_weasyprint()\n"
            "assert weasyprint.HTML(string='<p>x</p>').write_pdf().startswith(b'%PDF')\n"
            "assert ctypes.util.find_library is before\n"
            "print(len(calls))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == "0"


@pytest.mark.parametrize("athlete", ["jordan-lee", "sam-okafor"])
def test_the_handout_is_the_pdf_weasyprint_makes_of_its_html_as_it_is(built_examples, athlete):
    """The handout is the PDF WeasyPrint makes of the page with its <style> elements in
    place, byte for byte, twice with one renderer, as a build makes its handouts (the
    renderer parses them once and gives them apart; while the drawings were inline <svg>
    that drew them at other sizes)."""
    import generator.render.html as html_render
    from generator.profile import load_profile
    from generator.protocol import load_protocols
    from generator.render.environment import make_environment
    from generator.render.pdf import PdfRenderer
    from generator.schedule import schedule

    today = dt.date.fromisoformat(json.loads(
        (built_examples.folder(athlete) / "plan.json").read_text())["as_of"])
    protocols = load_protocols(ROOT / "content")
    profile = load_profile(ROOT / "plans" / f"{athlete}.yaml", protocols, today)
    protocol = protocols[profile.protocol]
    page = html_render.render_handout(make_environment(ROOT / "templates"),
                                      schedule(profile, protocol, today), protocol, profile)
    assert page.count("<style>") == 3  # the page's, the handout's, the paper size
    templates = ROOT / "templates"
    renderer = PdfRenderer([templates, ROOT / "content"])
    ours = [renderer.render(page, templates) for _ in range(2)]
    as_it_is = renderer._weasyprint.HTML(
        string=page, base_url=templates.resolve().as_uri() + "/", url_fetcher=renderer._fetcher,
        media_type="print").write_pdf(font_config=renderer._fonts, pdf_variant="pdf/ua-1")
    assert ours[0] == ours[1] == as_it_is
