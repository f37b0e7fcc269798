"""Private by default, and nothing a person typed runs or fetches anything."""

from __future__ import annotations

import json
import re
import shutil
import socket
import stat
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pypdf
import pytest
from conftest import Project
from factories import ROOT, copy_project

import generator.render.pdf
from generator.errors import InputError
from generator.render.pdf import PdfRenderer
from generator.secret import TOKEN_PATTERN, folder_token, load_or_create_key, read_key

EXAMPLES = {"alex-morgan": "Alex Morgan", "jordan-lee": "Jordan Lee", "sam-okafor": "Sam Okafor",
            "tomas-reyes": "Tomas Reyes", "rosa-lindqvist": "Rosa Lindqvist",
            "mia-hoffmann": "Mia Hoffmann"}
# links a page may carry: safe schemes, anchors, and the athlete's own files beside it
SAFE_HREF = re.compile(r"^(https?:|mailto:|tel:|#|plan\.(pdf|json|ics)$|manifest\.webmanifest$"
                       r"|icon\.svg$|drawings\.svg#\w+$)")


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text shown."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text = ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text += data


def site_files(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*") if p.is_file())


# --- the folder name ---------------------------------------------------------------------


def test_each_athlete_gets_an_unguessable_stable_folder(built_examples):
    folders = sorted(p.name for p in built_examples.site.iterdir() if p.is_dir())
    assert len(folders) == len(EXAMPLES)
    key = read_key(built_examples.root / ".rehab" / "secret.key")
    assert folders == sorted(folder_token(key, athlete) for athlete in EXAMPLES)
    for folder in folders:
        assert TOKEN_PATTERN.match(folder)
        assert not any(part in folder for name in EXAMPLES for part in name.split("-"))


def test_the_token_depends_on_the_key_not_only_the_id():
    key_a, key_b = b"a" * 32, b"b" * 32
    assert folder_token(key_a, "jordan-lee") == folder_token(key_a, "jordan-lee")
    assert folder_token(key_a, "jordan-lee") != folder_token(key_b, "jordan-lee")
    assert folder_token(key_a, "jordan-lee") != folder_token(key_a, "jordan-le")


def test_the_key_file_is_private_and_outside_the_site(built_examples):
    key_file = built_examples.root / ".rehab" / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert not key_file.resolve().is_relative_to(built_examples.site.resolve())
    assert "/.rehab/" in (ROOT / ".gitignore").read_text().splitlines()
    key_text = key_file.read_text().strip()
    for path in site_files(built_examples.site):
        assert key_text.encode() not in path.read_bytes()


def test_the_key_is_made_once_and_then_reused(tmp_path):
    path = tmp_path / "state" / "secret.key"
    key = load_or_create_key(path)
    assert len(key) == 32
    assert load_or_create_key(path) == key
    assert sorted(p.name for p in path.parent.iterdir()) == [".gitignore", "secret.key"]


def test_a_damaged_key_file_is_an_input_error(tmp_path):
    path = tmp_path / "secret.key"
    path.write_text("not a key\n")
    with pytest.raises(InputError, match="is not a key file"):
        load_or_create_key(path)


def test_build_prints_and_link_repeats_each_folder(example_project):
    project = example_project
    assert project.rehab("link", "jordan-lee").stderr.startswith(
        "error: .rehab/secret.key: no key file yet (`rehab build` creates it on the first build; "
        "if athletes have links already, restore it from your backup)")
    result = project.rehab("build", "--no-pdf")
    for athlete in EXAMPLES:
        link = project.rehab("link", athlete)
        assert link.exit_code == 0
        assert re.fullmatch(r"site/[0-9a-f]{32}/\n", link.stdout)
        assert f"built  {athlete} -> {link.stdout.strip()}\n" in result.stdout
    assert project.rehab("link", "nobody").exit_code == 1


def test_check_and_plan_make_no_key(example_project):
    assert example_project.rehab("check").exit_code == 0
    assert example_project.rehab("plan", "jordan-lee").exit_code == 0
    assert not (example_project.root / ".rehab").exists()


def test_a_key_file_inside_the_site_is_refused(example_project):
    result = example_project.rehab("build", "--no-pdf", "--out", ".")
    assert result.exit_code == 1
    assert ("error: .rehab/secret.key: the key file must not be inside the site folder: it would "
            "be published") in result.stderr
    assert not (example_project.root / ".rehab").exists()


# --- a lost key is never replaced silently -----------------------------------------------


@pytest.fixture
def built_no_pdf(example_project):
    assert example_project.rehab("build", "--no-pdf").exit_code == 0
    return example_project


def site_snapshot(project) -> dict[str, bytes]:
    return {str(p.relative_to(project.site)): p.read_bytes() for p in site_files(project.site)}


def test_a_build_with_the_key_gone_stops_and_says_how_to_restore_it(built_no_pdf):
    project = built_no_pdf
    before = site_snapshot(project)
    key_file = project.root / ".rehab" / "secret.key"
    key_file.unlink()
    result = project.rehab("build", "--no-pdf", "--today", "2026-12-01")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "error: .rehab/secret.key: the project key is missing, but site holds 6 athlete folders "
        "made with it (copy secret.key back to .rehab/secret.key from the backup you keep with "
        "plans/; a new key would give every athlete a new link and take the old ones down. To "
        "do that on purpose: rehab build --new-key)\n")
    assert site_snapshot(project) == before and not key_file.exists()
    assert not (project.site / ".rehab-staging").exists()
    # the site gone too, the build state still knows what was made with the key
    shutil.rmtree(project.site)
    result = project.rehab("build", "--no-pdf")
    assert result.exit_code == 1
    assert "but the last build (" in result.stderr and "made 6 athlete folders with it" \
        in result.stderr
    assert not key_file.exists()


def test_new_key_moves_everyone_prints_the_new_links_and_takes_the_old_down(built_no_pdf):
    project = built_no_pdf
    old_key = read_key(project.root / ".rehab" / "secret.key")
    old = {a: project.folder(a) for a in EXAMPLES}
    result = project.rehab("build", "--no-pdf", "--new-key")
    assert result.exit_code == 0, result.output
    assert read_key(project.root / ".rehab" / "secret.key") != old_key
    assert result.stdout.startswith(
        " new key  .rehab/secret.key: every athlete has a new link (below): send each theirs "
        "(`rehab link ID`); keep a copy of it with your backup of plans/: without it no link "
        "can be made again\n")
    for athlete in EXAMPLES:
        new = project.folder(athlete)
        assert f"built  {athlete} -> site/{new.name}/\n" in result.stdout
        assert not old[athlete].exists() and (new / "index.html").is_file()
    assert project.rehab("build", "--no-pdf", "--new-key", "jordan-lee").exit_code == 2


def test_the_first_build_says_it_made_the_key_and_to_back_it_up(example_project):
    result = example_project.rehab("build", "--no-pdf")
    assert result.stdout.startswith(" new key  .rehab/secret.key: every athlete's link is made "
                                    "from it; keep a copy of it with your backup of plans/")
    assert " new key " not in example_project.rehab("build", "--no-pdf").stdout


def test_link_reminds_the_clinic_to_back_the_key_up(built_no_pdf):
    result = built_no_pdf.rehab("link", "jordan-lee")
    assert result.stderr.endswith("the link is made from .rehab/secret.key: keep a copy of it "
                                  "with your backup of plans/: without it no link can be made "
                                  "again\n")


def test_link_gives_the_full_address_to_send_or_says_how_to_get_it(built_no_pdf):
    """The clinician wants the address to send Jordan: with rehab.yaml's base_url it is
    printed in full; without it, the folder and where to set base_url. stdout stays the
    folder alone, for scripts."""
    folder = built_no_pdf.folder("jordan-lee").name
    result = built_no_pdf.rehab("link", "jordan-lee")
    assert result.stdout == f"site/{folder}/\n"
    assert result.stderr.startswith(
        f"jordan-lee's link: the site's address followed by {folder}/ (set `base_url: "
        "https://...`, where site/ is published, in rehab.yaml to print it in full)\n")
    (built_no_pdf.root / "rehab.yaml").write_text("base_url: https://plans.example.org/rehab\n")
    result = built_no_pdf.rehab("link", "jordan-lee")
    assert result.stdout == f"site/{folder}/\n"
    assert result.stderr.startswith(
        f"jordan-lee's link: https://plans.example.org/rehab/{folder}/\n")


def test_the_key_is_never_committed_wherever_the_project_lives(tmp_path):
    """plans/ two folders down in a repository: the repository's .gitignore knows nothing of
    it, .rehab/ ignores itself."""
    repo = tmp_path / "repo"
    project = Project(copy_project(repo / "clinics" / "north"))
    assert project.rehab("build", "--no-pdf").exit_code == 0
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    listed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"],
                            cwd=repo, capture_output=True, text=True, check=True).stdout
    assert "plans/jordan-lee.yaml" in listed and "site/" in listed
    assert ".rehab" not in listed
    assert (project.root / ".rehab" / ".gitignore").read_text().splitlines()[-1] == "*"


# --- what the site reveals ----------------------------------------------------------------


def test_clinician_notes_reach_the_clinician_and_never_the_athlete(project):
    """What the clinic writes for itself (a screening result, a worry about the athlete) is in
    `rehab status`, `check` and the build report, and in no file of the athlete's site."""
    from factories import PROFILE_YAML

    private = "RED-S screening positive; discuss with the team doctor before racing."
    project.write_profile("ann", PROFILE_YAML + (
        "clinician_notes: |\n"
        f"  {private}\n"
        "  Mother asks for a call after each visit.\n"))
    built = project.rehab("build")
    assert built.exit_code == 0, built.output
    assert f"    note  ann: {private}" in built.output
    assert "    note  ann: Mother asks for a call after each visit." in built.output
    checked = project.rehab("check")
    assert f"    note  ann: {private}" in checked.output
    status = project.rehab("status", "--today", "2026-11-23")
    assert status.output.endswith(
        "Clinician notes (clinician_notes:, never shown to the athlete)\n"
        f"ann      {private}\n"  # under the athlete column
        "         Mother asks for a call after each visit.\n")
    data = json.loads(project.rehab("status", "--format", "json", "--today", "2026-11-23").output)
    assert data["athletes"][0]["clinician_notes"].startswith(private)
    # the athlete's notes are still theirs, on the page
    assert "pain-free" in (project.folder("ann") / "index.html").read_text()
    for path in site_files(project.site):
        raw = path.read_bytes()
        assert b"RED-S screening" not in raw and b"Mother asks" not in raw, path
        if path.suffix == ".pdf":
            text = "".join(page.extract_text() for page in pypdf.PdfReader(path).pages)
            assert "RED-S screening" not in text and "Mother asks" not in text


def test_robots_txt_disallows_everything(built_examples):
    assert (built_examples.site / "robots.txt").read_text() == "User-agent: *\nDisallow: /\n"


def test_the_site_holds_only_athlete_folders_and_robots_txt(built_examples):
    top = sorted(p.name for p in built_examples.site.iterdir())
    assert [name for name in top if not TOKEN_PATTERN.match(name)] == ["robots.txt"]


def test_no_file_names_more_than_one_athlete(built_examples):
    for path in site_files(built_examples.site):
        text = path.read_bytes()
        if path.suffix == ".pdf":
            text = "".join(page.extract_text() for page in pypdf.PdfReader(path).pages).encode()
        named = [athlete for athlete, name in EXAMPLES.items()
                 if name.encode() in text or athlete.encode() in text]
        assert len(named) <= 1, (path, named)


def test_pages_are_noindex_and_load_nothing_from_elsewhere(built_examples):
    pages = list(built_examples.site.glob("*/index.html"))
    assert len(pages) == len(EXAMPLES)
    for page in pages:
        html = page.read_text()
        tags = Tags(html).tags
        assert ("meta", {"name": "robots", "content": "noindex, nofollow"}) in tags
        assert ("meta", {"name": "referrer", "content": "no-referrer"}) in tags
        for tag, attrs in tags:
            if tag == "script":  # the one script: the athlete's own folder's plan.js, and on a
                # page in another language its words, data a browser never runs
                assert attrs in ({"src": "plan.js"}, {"type": "application/json", "id": "words"}),\
                    attrs
                continue
            for name in ("src", "srcset", "data", "poster", "action", "formaction"):
                assert name not in attrs, (tag, attrs)
            if tag == "link":  # only the athlete's own manifest and icon, beside the page
                assert attrs.get("rel") in ("manifest", "icon"), attrs
                assert attrs["href"] in ("manifest.webmanifest", "icon.svg"), attrs
            elif tag == "use":  # an exercise's drawing, from the folder's own drawings.svg
                assert list(attrs) == ["data-href"], attrs  # plan.js sets href when opened
                assert re.fullmatch(r"drawings\.svg#\w+", attrs["data-href"]), attrs
            elif "href" in attrs:
                assert tag == "a" and SAFE_HREF.match(attrs["href"]), (tag, attrs)
        assert "url(" not in html and "@import" not in html
        # one script, beside the page (checked above); no script of anyone else's may run
        assert [attrs for tag, attrs in tags if tag == "script"].count({"src": "plan.js"}) == 1
        assert [tag for tag, _ in tags].count("script") <= 2
        assert "script-src 'self';" in html
        assert not re.search(r"(?i)<iframe|googleapis|cdn\.|analytics", html)


def test_pdf_metadata_shows_nothing_the_handout_does_not(built_examples):
    root = str(built_examples.root).encode()
    for athlete, name in EXAMPLES.items():
        result = built_examples.rehab("link", athlete)
        path = built_examples.root / result.stdout.strip() / "plan.pdf"
        reader = pypdf.PdfReader(path)
        metadata = dict(reader.metadata)
        assert set(metadata) <= {"/Title", "/Producer"}, metadata
        assert metadata["/Title"] in (f"Rehab plan · {name}", f"Reha-Plan · {name}")
        assert metadata["/Title"].split(" · ")[1] in reader.pages[0].extract_text()
        assert re.fullmatch(r"WeasyPrint [\d.]+", metadata["/Producer"])
        raw = path.read_bytes()
        assert root not in raw and b"file:" not in raw
        assert reader.attachments == {}


# --- injection and file access ------------------------------------------------------------

HOSTILE = """\
name: <script>alert("name")</script> Jo
injury:
  protocol: femoral-neck-stress-fracture
  side: left
  diagnosed: 2026-09-01
  severity: moderate
  fracture_side: compression
clinician:
  name: <img src=x onerror=alert(1)>
  clinic: "</title><script>alert(2)</script>"
  phone: '"><script>alert(3)</script>'
  email: javascript:alert(4)
notes: |
  <script>alert(7)</script>
  <img src="x" onerror="alert(5)">
  [click me](javascript:alert(6)) [data](data:text/html,hi) [local](file:///etc/passwd)
  [relative](../../etc/passwd) [vb](vbscript:msgbox)
  ![passwd](file:///etc/passwd) ![tracker](http://tracker.example/pixel.png)
  [web](https://example.org/x) [mail](mailto:a@example.org) [call](tel:+15550100)
"""


def block_network(monkeypatch) -> list:
    """Any attempt to open a connection or resolve a name is refused and recorded."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access in a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


@pytest.fixture
def no_network(monkeypatch):
    return block_network(monkeypatch)


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory):
    """The hostile profile built with its PDF, once; every URL WeasyPrint is asked for and
    every network attempt is recorded."""
    asked = []
    real = generator.render.pdf._local_only_fetcher

    def recording(weasyprint, roots):
        fetcher = real(weasyprint, roots)
        fetch = fetcher.fetch

        def record(url, headers=None):
            asked.append(url)
            return fetch(url, headers)

        fetcher.fetch = record
        return fetcher

    project = Project(copy_project(tmp_path_factory.mktemp("hostile"), with_examples=False))
    with pytest.MonkeyPatch.context() as monkeypatch:
        network = block_network(monkeypatch)
        monkeypatch.setattr(generator.render.pdf, "_local_only_fetcher", recording)
        project.write_profile("hostile", HOSTILE)
        result = project.rehab("build")
    assert result.exit_code == 0, result.output
    folder = project.root / project.rehab("link", "hostile").stdout.strip()
    return folder, asked, network


def test_typed_html_and_scripts_are_shown_as_text_on_the_page(hostile_build):
    folder, _, _ = hostile_build
    html = (folder / "index.html").read_text()
    page = Tags(html)
    assert [tag for tag, _ in page.tags].count("script") == 1  # the page's own, inline
    assert not [tag for tag, _ in page.tags if tag in ("img", "iframe", "object")]
    assert not [a for _, attrs in page.tags for a in attrs if a.startswith("on")]
    for _, attrs in page.tags:
        if "href" in attrs:
            assert SAFE_HREF.match(attrs["href"]) or attrs["href"].startswith("mailto:"), attrs
    hrefs = [attrs["href"] for tag, attrs in page.tags if tag == "a"]
    assert "https://example.org/x" in hrefs and "mailto:a@example.org" in hrefs
    assert "tel:+15550100" in hrefs
    assert not [h for h in hrefs if re.match(r"(?i)(javascript|data|file|vbscript):", h)]
    for shown in ('<script>alert("name")</script> Jo', "<img src=x onerror=alert(1)>",
                  "<script>alert(7)</script>", "[click me](javascript:alert(6))",
                  "![passwd](file:///etc/passwd)", "[image not shown: tracker]"):
        assert shown in page.text
    assert "tracker.example" not in html


def test_typed_html_is_text_in_the_pdf_and_nothing_is_fetched(hostile_build):
    folder, asked, network = hostile_build
    assert network == []
    # Only the build's own stylesheet could be asked for; the typed URLs never reach WeasyPrint.
    assert not [url for url in asked if "passwd" in url or "tracker" in url or "http" in url]
    reader = pypdf.PdfReader(folder / "plan.pdf")
    text = "".join(page.extract_text() for page in reader.pages)
    squeezed = re.sub(r"\s+", "", text)
    assert "<script>alert(7)</script>" in squeezed
    assert "tracker.example" not in text
    assert "root:x:0" not in text
    assert reader.attachments == {}
    uris = [annot.get_object()["/A"].get("/URI") for page in reader.pages
            for annot in page.get("/Annots") or [] if "/A" in annot.get_object()]
    for uri in filter(None, uris):
        assert re.match(r"(https?|mailto|tel):", uri), uri


def _record_fetches(renderer) -> list[tuple[str, str]]:
    """Every URL the renderer's fetcher is asked for, with "read" or "refused"."""
    asked = []
    fetch = renderer._fetcher.fetch

    def record(url, headers=None):
        try:
            response = fetch(url, headers)
        except ValueError:
            asked.append((url, "refused"))
            raise
        asked.append((url, "read"))
        return response

    renderer._fetcher.fetch = record
    return asked


def test_the_pdf_renderer_fetches_only_the_builds_own_files(tmp_path, no_network):
    """Defence in depth: even HTML that asks for local files or the network gets nothing."""
    own = tmp_path / "templates"
    own.mkdir()
    (own / "ok.css").write_text("h1 { color: black }")
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-DO-NOT-EMBED")
    html = f"""<html><head>
    <link rel="stylesheet" href="ok.css">
    <link rel="stylesheet" href="https://cdn.example/x.css">
    <link rel="attachment" href="{secret.as_uri()}">
    <style>@import url("http://tracker.example/a.css");
    body {{ background: url("{secret.as_uri()}") }}</style></head><body>
    <h1>Plan</h1><img src="{secret.as_uri()}"><img src="file:///etc/passwd">
    <img src="http://tracker.example/pixel.png"><object data="{secret.as_uri()}"></object>
    <a rel="attachment" href="{secret.as_uri()}">x</a><img src="../secret.txt">
    </body></html>"""
    renderer = PdfRenderer([own])
    asked = _record_fetches(renderer)
    pdf = renderer.render(html, own)
    assert no_network == []
    assert ("file://" + str(own.resolve()) + "/ok.css", "read") in asked
    assert [url for url, verdict in asked if verdict == "read"] == [
        "file://" + str(own.resolve()) + "/ok.css"]
    assert b"TOPSECRET" not in pdf and b"root:x:0" not in pdf
    reader = pypdf.PdfReader(__import__("io").BytesIO(pdf))
    assert reader.attachments == {}
    assert "TOPSECRET" not in reader.pages[0].extract_text()


def test_style_elements_fetch_nothing_either(tmp_path, no_network):
    """A page without linked style sheets, as every handout is: the @import and url() of its
    <style> go through the same refusing fetcher."""
    own = tmp_path / "templates"
    own.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-DO-NOT-EMBED")
    html = f"""<html><head><style>@import url("http://tracker.example/a.css");
    @import url("../secret.txt");
    body {{ background: url("{secret.as_uri()}") }}</style></head><body><h1>Plan</h1>
    </body></html>"""
    renderer = PdfRenderer([own])
    asked = _record_fetches(renderer)
    pdf = renderer.render(html, own)
    assert no_network == []
    assert asked and all(verdict == "refused" for _, verdict in asked)
    assert b"TOPSECRET" not in pdf


def test_plan_json_holds_typed_text_as_plain_strings(hostile_build):
    folder, _, _ = hostile_build
    data = json.loads((folder / "plan.json").read_text())
    assert data["athlete"]["name"] == '<script>alert("name")</script> Jo'

