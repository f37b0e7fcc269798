"""Plan -> the files of an athlete's folder, and the clinic contact rehab.yaml fills in."""

from __future__ import annotations

import pytest
from factories import ROOT, TODAY, make_profile

from generator.config import Settings
from generator.profile import Clinician
from generator.render.artifacts import Renderer
from generator.render.environment import make_environment
from generator.render.html import render_handout
from generator.schedule import schedule

CLINIC = Clinician(clinic="Harbour Sports Clinic", phone="+44 20 7946 0999",
                   email="desk@harbour.example")


@pytest.fixture(scope="module")
def env():
    return make_environment(ROOT / "templates")


def render(env, protocol, profile, part="all", **settings):
    renderer = Renderer(Settings(templates=ROOT / "templates", content=ROOT / "content",
                                 today=TODAY, **settings), env)
    plan = schedule(profile, protocol, TODAY)
    return renderer, plan, renderer.render(profile, plan, protocol, "f0lder", part)


def test_a_page_only_build_has_no_handout_and_a_service_worker_without_it(env, protocol):
    files = render(env, protocol, make_profile(), pdf=False)[2]
    assert sorted(files) == ["drawings.svg", "icon.svg", "index.html", "manifest.webmanifest",
                             "plan.ics", "plan.js", "plan.json", "sw.js"]
    assert b"plan.pdf" not in files["sw.js"] and b"plan.pdf" not in files["index.html"]


def test_the_page_step_leaves_out_the_handout_and_the_worker_that_would_list_it(env, protocol):
    files = render(env, protocol, make_profile(), part="page", pdf=True)[2]
    assert "plan.pdf" not in files and "sw.js" not in files
    assert b'href="plan.pdf"' in files["index.html"]  # the page is the one a full build makes


def test_the_page_step_makes_the_same_bytes_as_a_whole_build(env, protocol):
    """So the handout step finds them in place and writes each file once."""
    page = render(env, protocol, make_profile(), part="page", pdf=True)[2]
    whole = render(env, protocol, make_profile(), part="all", pdf=True)[2]
    assert sorted(set(whole) - set(page)) == ["plan.pdf", "sw.js"]
    assert all(page[name] == whole[name] for name in page)


def test_the_clinic_fills_what_the_profile_leaves_blank(env, protocol):
    profile = make_profile(clinician=Clinician(name="Dr Test"))
    renderer, plan, files = render(env, protocol, profile, pdf=False, clinic=CLINIC)
    page = files["index.html"].decode()
    assert 'href="tel:+442079460999"' in page and "Call +44 20 7946 0999" in page
    assert 'href="mailto:desk@harbour.example"' in page and "Harbour Sports Clinic" in page
    assert "Dr Test" in page
    assert "Call Dr Test: +44 20 7946 0999" in files["plan.ics"].decode().replace("\r\n ", "")
    handout = render_handout(env, plan, protocol, profile,
                             renderer.presentation(profile, "f0lder"))
    assert "Dr Test, Harbour Sports Clinic · +44 20 7946 0999 · desk@harbour.example" in handout


def test_the_profiles_own_contact_wins(env, protocol):
    own = Clinician(name="Dr Own", clinic="Own Clinic", phone="+1 555 0100", email="me@own.example")
    files = render(env, protocol, make_profile(clinician=own), pdf=False, clinic=CLINIC)[2]
    page = files["index.html"].decode()
    assert "+1 555 0100" in page and "me@own.example" in page and "Own Clinic" in page
    assert "Harbour" not in page and "7946" not in page and "harbour.example" not in page


def test_a_clinic_alone_is_named_without_a_stray_comma(env, protocol):
    profile = make_profile(clinician=Clinician())
    renderer, plan, _ = render(env, protocol, profile, pdf=False, clinic=CLINIC)
    handout = render_handout(env, plan, protocol, profile,
                             renderer.presentation(profile, "f0lder"))
    assert "<td>Harbour Sports Clinic · +44 20 7946 0999" in handout


def test_without_a_clinic_nothing_is_invented(env, protocol):
    files = render(env, protocol, make_profile(clinician=Clinician()), pdf=False)[2]
    page = files["index.html"].decode()
    assert "tel:" not in page and "mailto:" not in page
    assert "Ask your clinic for a contact." in page
