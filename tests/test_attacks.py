"""The attack run of issue 15, case by case, through the `rehab` command: each case gives a
clear error naming what is wrong, or correct output; never a traceback, never an "internal
error", never a raw escape sequence on the terminal. Here: R4, R5, R6, R9, R11, R12. Elsewhere:
R1 torn folders, R2 staging left behind, R3 a site on its own mount (test_write.py: killed at
every move and at random, a tmpfs); R7 a lost key, R8 the key committed (test_privacy.py);
R10 the preview server's Host and path bytes (test_serve.py); R13 workers left running
(test_workers.py)."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import pytest
from factories import PROFILE_YAML

import generator.buildstate
import generator.write
from generator.buildstate import state_path
from generator.write import STAGING

ESC = "\x1b"
OSC_TITLE = '"\\e]0;pwned\\a"'  # YAML's escapes for ESC ] 0 ; pwned BEL: retitles a terminal


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def clean(result) -> str:
    """Everything printed, which must be free of raw control characters."""
    text = result.stdout + result.stderr
    assert ESC not in text and "\x07" not in text and "\x9b" not in text
    assert "internal error" not in text and "Traceback" not in text
    return text


# R5: control characters -------------------------------------------------------------------

@pytest.mark.parametrize("line, shown", [
    ("name: Test Athlete", "1:1: name: contains a control character (U+001B) at character 1"),
    ("  name: Dr Test", "12:3: clinician.name: contains a control character (U+001B)"),
    ("  side: left", "4:3: injury.side: '\\x1b]0;pwned\\x07' is not allowed"),
])
def test_r5_typed_escape_sequences_never_reach_the_files_or_the_terminal(project, line, shown):
    project.write_profile("ann", PROFILE_YAML.replace(line, line.split(": ")[0] + ": "
                                                      + OSC_TITLE))
    result = project.rehab("build", "--no-pdf")
    assert result.exit_code == 1
    assert shown in clean(result)
    assert not any(project.site.rglob("index.html"))


def test_r5_a_file_name_with_an_escape_sequence_is_printed_escaped(project):
    project.write_profile(f"{ESC}]0;pwned\x07", PROFILE_YAML)
    result = project.rehab("build", "--no-pdf")
    assert result.exit_code == 1
    assert "\\x1b]0;pwned\\x07.yaml" in clean(result)


def test_r5_an_id_typed_on_the_command_line_is_printed_escaped(project):
    result = project.rehab("build", f"{ESC}[31mred")
    assert result.exit_code == 2
    assert "'\\x1b[31mred' is not an athlete id" in clean(result)


# R6: dates --------------------------------------------------------------------------------

def test_r6_a_year_typo_is_an_error_not_a_calendar_of_two_digit_years(project):
    project.write_profile("ann", PROFILE_YAML.replace("2026-09-01", "0026-09-01"))
    result = project.rehab("build", "--no-pdf")
    assert result.exit_code == 1
    assert "injury.diagnosed: 0026-09-01 is not between 1900 and 2100 (check the year)" \
        in clean(result)


@pytest.mark.parametrize("today", ["9999-12-31", "0001-01-01", "2101-01-01"])
def test_r6_a_today_far_off_is_a_usage_error(project, today):
    project.write_profile("ann", PROFILE_YAML)
    result = project.rehab("build", "--no-pdf", "--today", today)
    assert result.exit_code == 2
    assert f"{today} is not between 1900 and 2100; check the year" in clean(result)


# R11: ids -----------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["new", "build", "link", "plan"])
def test_r11_an_id_ending_in_a_newline_is_refused(project, command):
    result = project.rehab(command, "x\n")
    assert result.exit_code == 2
    assert "'x\\n' is not an athlete id" in clean(result)
    assert list(project.plans.iterdir()) == []


# R12: huge lists ----------------------------------------------------------------------------

def test_r12_45000_risk_factors_are_one_clear_error(project):
    project.write_profile("ann", PROFILE_YAML.replace(
        "risk_factors: []", "risk_factors: [" + ", ".join(["x"] * 45_000) + "]"))  # 135 KB
    result = project.rehab("check")
    assert result.exit_code == 1
    assert "plans/ann.yaml:10:" in clean(result)
    assert "holds more than 10,000 values; the rest was not read" in result.stderr
    assert len(result.stderr.splitlines()) == 2  # the athlete, the one problem


# R4: write errors for the site as a whole -------------------------------------------------

def test_r4_an_out_that_names_a_file_is_a_clear_error(project):
    project.write_profile("ann", PROFILE_YAML)
    (project.root / "notes.txt").write_text("mine")
    result = project.rehab("build", "--no-pdf", "--out", "notes.txt")
    assert result.exit_code == 1
    assert clean(result) == ("error: notes.txt: is a file, not a folder "
                             "(pass --out a folder)\n")
    assert (project.root / "notes.txt").read_text() == "mine"


def test_r4_a_read_only_site_is_one_clear_error(project, monkeypatch):
    project.write_profile("ann", PROFILE_YAML)
    real_mkdir = Path.mkdir

    def read_only(self, *args, **kwargs):
        if self.name == STAGING:
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", read_only)
    result = project.rehab("build", "--no-pdf")
    assert result.exit_code == 1
    assert clean(result) == ("error: site: cannot write the site folder: Read-only file "
                             "system (nothing was built; the site is as it was)\n")


def test_r4_a_full_disk_at_robots_txt_keeps_the_report_and_the_old_file(project, monkeypatch):
    project.write_profile("ann", PROFILE_YAML)
    assert project.rehab("build", "--no-pdf").exit_code == 0
    robots = (project.site / "robots.txt").read_bytes()
    real_write = generator.write._write

    def disk_full(path, data):
        if path.name.startswith("robots.txt"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(path, data)

    monkeypatch.setattr(generator.write, "_write", disk_full)
    result = project.rehab("build", "--no-pdf", "--today", "2026-12-01")
    assert result.exit_code == 1
    text = clean(result)
    assert "1 built, 0 failed, 0 need referral" in text
    assert "error: site/robots.txt: could not write: No space left on device (the one " \
           "already there, if any, is unchanged)" in result.stderr
    assert (project.site / "robots.txt").read_bytes() == robots


def test_r4_a_build_state_that_cannot_be_saved_is_said_plainly(project, monkeypatch):
    project.write_profile("ann", PROFILE_YAML)

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(generator.buildstate.tempfile, "mkstemp", disk_full)
    result = project.rehab("build", "--no-pdf")
    assert result.exit_code == 1
    assert ".rehab/site.state.json: could not save the build state: No space left on " \
           "device (the next build builds everyone again)" in clean(result)
    assert (project.folder("ann") / "index.html").is_file()


# R9: only folders the build wrote are removed ---------------------------------------------

def test_r9_a_downloaded_copy_of_a_plan_in_the_site_is_left_alone(project):
    for athlete in ("ann", "ben"):
        project.write_profile(athlete, PROFILE_YAML)
    assert project.rehab("build", "--no-pdf").exit_code == 0
    copy = project.site / "my-copy-of-ann"  # looks exactly like a folder of ours
    shutil.copytree(project.folder("ann"), copy)
    (project.plans / "ben.yaml").unlink()
    result = project.rehab("build", "--no-pdf")
    assert result.exit_code == 0
    assert " removed  ben (profile deleted)" in clean(result)
    assert snapshot(copy) == snapshot(project.folder("ann"))
    state_path(project.site).unlink()  # a lost state: nothing is known to be ours
    (project.plans / "ann.yaml").unlink()
    project.write_profile("cat", PROFILE_YAML)
    assert project.rehab("build", "--no-pdf").exit_code == 0
    assert copy.is_dir() and project.folder("ann").is_dir()


def test_r4_rehab_new_where_it_cannot_write_is_a_clear_error(project):
    (project.root / "plans").rmdir()
    (project.root / "plans").write_text("a file where the folder should be")
    result = project.rehab("new", "casey-tran")
    assert result.exit_code == 1
    assert clean(result) == "error: plans: is a file, not a folder (pass --plans a folder)\n"
