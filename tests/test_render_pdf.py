"""The printed handout as a reader gets it: text pulled out of plan.pdf, pages seen as images."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess

import pytest
from factories import PROFILE_YAML
from PIL import Image
from pypdf import PdfReader

ATHLETES = ("alex-morgan", "jordan-lee", "sam-okafor")
MM = 72 / 25.4  # PDF points per millimetre


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
def test_page_one_has_the_summary_timeline_pain_rule_and_red_flags(handouts, athlete):
    reader, plan = handouts[athlete]
    text = reader.pages[0].extract_text()
    for expected in [plan["athlete"]["name"], "Plan as of Mon 23 Nov 2026", "Timeline",
                     day(plan["injury"]["diagnosed"]), "The pain rule",
                     "Red flags: stop and call"]:
        assert expected in text
    for phase in plan["phases"]:
        assert phase["title"] in text
        assert day(phase["start"]) in text and day(phase["end"]) in text


@pytest.mark.parametrize("athlete", ATHLETES)
def test_every_page_carries_name_as_of_date_and_page_x_of_y(handouts, athlete):
    reader, plan = handouts[athlete]
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"Page {number} of {total}" in text
        assert plan["athlete"]["name"] in text
        assert "Plan as of Mon 23 Nov 2026" in text


def test_the_week_table_has_every_week_with_a_box_per_session(handouts):
    reader, plan = handouts["jordan-lee"]
    text = "\n".join(p.extract_text() for p in reader.pages)
    for week in plan["weeks"]:
        start = dt.date.fromisoformat(week["start"])
        assert f"{start.day} {start:%b} –" in text
    assert "Pain" in text and "0-10" in text
    # strength stage 1 is done 3 times a week: three boxes on its line
    assert re.search(r"Strength stage 1: 3 times a week, a rest day between ☐☐☐\n", text)
    assert re.search(r"Non-weight-bearing exercises: daily ☐{7}\n", text)


@pytest.mark.parametrize("athlete", ATHLETES)
def test_no_week_row_is_split_across_pages(handouts, athlete):
    """A row starts with its dates; every one of its session lines follows on the same page."""
    reader, plan = handouts[athlete]
    pages = [p.extract_text().split("Before moving on: the checklists")[0].splitlines()
             for p in reader.pages]
    for week in plan["weeks"]:
        start = dt.date.fromisoformat(week["start"])
        marker = re.compile(rf"^(?:\d+ )?{start.day} {start:%b} –$")
        found = [(i, n) for i, lines in enumerate(pages) for n, line in enumerate(lines)
                 if marker.match(line)]
        assert len(found) == 1, (week["number"], found)
        page, line = found[0]
        rest = pages[page][line + 3:]  # after the dates cell: "1 Dec –", "7 Dec", "2026"
        following = next((n for n, text in enumerate(rest) if re.match(
            r"^(?:\d+ )?\d{1,2} [A-Z][a-z]{2} –$", text) or re.match(r"^\d+$", text)), len(rest))
        row = rest[:following]
        assert sum("☐" in text for text in row) == len(week["sessions"]), (week["number"], row)
        assert any(text.startswith("Then:") for text in row) == bool(week["gate"])


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
    assert "Your plan on your phone" in flat


def test_base_url_must_be_a_web_address(project):
    result = project.rehab("build", "--base-url", "plans.example.org")
    assert result.exit_code == 2
    assert "not a site address" in result.output
