"""The offline files: what the service worker precaches, with which revisions, and its scope."""

from __future__ import annotations

import hashlib
import json
import re

from factories import PROFILE_YAML


def precache(folder) -> list[list[str]]:
    text = (folder / "sw.js").read_text()
    return json.loads(re.search(r"var PRECACHE = (\[.*?\]);", text).group(1))


def test_service_worker_precaches_the_built_files_with_their_content_hashes(built_examples):
    folder = built_examples.folder("jordan-lee")
    listed = dict(precache(folder))
    assert set(listed) == {"./", "plan.js", "drawings.svg", "plan.pdf", "plan.ics",
                           "manifest.webmanifest", "icon.svg"}
    for url, rev in listed.items():
        name = "index.html" if url == "./" else url
        assert rev == hashlib.sha256((folder / name).read_bytes()).hexdigest()[:16]


def test_no_pdf_build_does_not_precache_a_pdf_it_did_not_make(project):
    project.write_profile("test-athlete", PROFILE_YAML)
    assert project.rehab("build", "--no-pdf").exit_code == 0
    folder = project.folder("test-athlete")
    assert "plan.pdf" not in dict(precache(folder))
    assert 'href="plan.pdf"' not in (folder / "index.html").read_text()


def test_a_changed_plan_gives_a_new_worker_and_an_unchanged_one_the_same(project):
    project.write_profile("test-athlete", PROFILE_YAML)
    assert project.rehab("build", "--no-pdf").exit_code == 0
    sw = project.folder("test-athlete") / "sw.js"
    first = sw.read_bytes()
    assert project.rehab("build", "--no-pdf").exit_code == 0
    assert sw.read_bytes() == first
    assert project.rehab("build", "--no-pdf", "--today", "2026-11-30").exit_code == 0
    assert sw.read_bytes() != first


def test_manifest_is_scoped_to_the_athletes_folder(built_examples):
    folder = built_examples.folder("jordan-lee")
    manifest = json.loads((folder / "manifest.webmanifest").read_text())
    assert manifest["start_url"] == manifest["scope"] == "./"
    assert manifest["name"] == "Rehab plan · Jordan Lee"
    assert (folder / manifest["icons"][0]["src"]).is_file()
    page = (folder / "index.html").read_text()
    assert '<link rel="manifest" href="manifest.webmanifest">' in page
    # relative: the worker's scope is this folder
    assert 'register("sw.js")' in (folder / "plan.js").read_text()
