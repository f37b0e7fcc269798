"""The scheduling rules of the femoral neck protocol, one test each, plus invariants
that must hold for ANY valid profile (hypothesis)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from factories import BASE, make_profile
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.plan import Referral
from generator.progress import ProgressEvent
from generator.schedule import history_level, schedule

# The ranges of the source protocol (seed text), independent of the content's tables.
SEED_NWB = {"mild": (6, 8), "moderate": (6, 8), "severe": (12, 14)}
SEED_PWB = (1, 2)
SEED_STAGE = (1, 2)
RISK_FACTORS = ("low_energy_availability", "menstrual_dysfunction", "low_bone_density",
                "low_bmi", "late_menarche")
STAGES = [f"strength_stage_{n}" for n in range(1, 7)]
PHASE_ORDER = ["non_weight_bearing", "partial_weight_bearing", "full_weight_bearing", *STAGES,
               "ready_to_run", "walk_run", "continuous_running"]


# The plan as made on the diagnosis day: every step after it is projected, so the tables'
# lengths show whole (a later day holds back steps only a clinician opens; see below).
TODAY = BASE.diagnosed


def weeks_in(plan, phase):
    return [w for w in plan.weeks if w.phase == phase]


def first_run(plan):
    return next(w for w in plan.weeks if w.walk_run is not None)


# --- rule by rule -------------------------------------------------------------

@pytest.mark.parametrize("severity", ["mild", "moderate", "severe"])
def test_non_weight_bearing_starts_on_diagnosis_and_lasts_the_seed_range(protocol, severity):
    plan = schedule(make_profile(severity=severity), protocol, TODAY)
    nwb = weeks_in(plan, "non_weight_bearing")
    assert plan.weeks[0].phase == "non_weight_bearing"
    assert plan.weeks[0].start == plan.diagnosed
    low, high = SEED_NWB[severity]
    assert low <= len(nwb) <= high
    assert all(w.weight_bearing == "none" for w in nwb)


def test_longer_non_weight_bearing_for_higher_grade_and_for_history(protocol):
    def nwb(**kw):
        return len(weeks_in(schedule(make_profile(**kw), protocol, TODAY), "non_weight_bearing"))

    assert nwb(severity="moderate") > nwb(severity="mild")
    assert nwb(severity="mild", prior_bone_stress_injuries=1) > nwb(severity="mild")
    assert nwb(severity="severe", risk_factors=("low_bone_density",)) > nwb(severity="severe")
    assert nwb(severity="moderate", prior_bone_stress_injuries=2,
               risk_factors=("low_bmi",)) == SEED_NWB["moderate"][1]


def test_mri_grade_sets_severity(protocol):
    assert schedule(make_profile(severity="severe", severity_stated=None, mri_grade=4),
                    protocol, TODAY).severity == "severe"
    grade_two = make_profile(severity="mild", severity_stated=None, mri_grade=2)
    assert len(weeks_in(schedule(grade_two, protocol, TODAY), "non_weight_bearing")) == 6


def test_partial_weight_bearing_has_offloaded_double_leg_and_non_weight_bearing_work(protocol):
    plan = schedule(make_profile(), protocol, TODAY)
    pwb = weeks_in(plan, "partial_weight_bearing")
    assert SEED_PWB[0] <= len(pwb) <= SEED_PWB[1]
    assert all(w.weight_bearing == "partial" for w in pwb)
    exercises = {e for s in pwb[0].sessions for e in s.exercises}
    assert {"sit_to_stand_offloaded", "bridge_offloaded", "heel_raise_offloaded"} <= exercises
    assert "quad_sets" in exercises  # non-weight-bearing work continues
    strength = next(s for s in pwb[0].sessions if s.kind == "strength")
    assert "75%" in protocol.phase("partial_weight_bearing").about
    assert "good leg" in strength.title


def test_full_weight_bearing_then_six_strength_stages_in_order(protocol):
    plan = schedule(make_profile(), protocol, TODAY)
    phases = [w.phase for w in plan.weeks]
    fwb = phases.index("full_weight_bearing")
    assert fwb == phases.index("partial_weight_bearing") + len(weeks_in(plan,
                                                                       "partial_weight_bearing"))
    starts = [phases.index(stage) for stage in STAGES]
    assert starts == sorted(starts) and starts[0] > fwb
    for number, stage in enumerate(STAGES, start=1):
        weeks = weeks_in(plan, stage)
        assert SEED_STAGE[0] <= len(weeks) <= SEED_STAGE[1]
        assert all(w.strength_stage == number for w in weeks)
        assert any(s.kind == "cross_training" for s in weeks[0].sessions)


def test_stage_length_follows_severity_and_history(protocol):
    def stage_weeks(**kw):
        return len(weeks_in(schedule(make_profile(**kw), protocol, TODAY), "strength_stage_3"))

    assert stage_weeks(severity="mild") == 1
    assert stage_weeks(severity="severe") == 2
    assert stage_weeks(severity="mild", prior_bone_stress_injuries=2,
                       risk_factors=("low_bmi",)) == 2


def test_brisk_walks_start_at_15_and_build_to_45(protocol):
    plan = schedule(make_profile(), protocol, TODAY)
    minutes = [w.walk_minutes for w in plan.weeks if w.walk_minutes is not None]
    assert minutes[0] == 15 and max(minutes) == 45
    assert minutes == sorted(minutes)
    assert all(b - a <= 5 for a, b in zip(minutes, minutes[1:], strict=False))
    first_walk = next(w for w in plan.weeks if w.walk_minutes)
    assert first_walk.phase == "strength_stage_1"  # once everyday walking is pain-free
    walk = next(s for s in first_walk.sessions if s.kind == "walk")
    assert walk.minutes == 15 and "times" in walk.per_week


def test_walk_run_waits_for_twelve_weeks_even_when_everything_else_is_done(protocol):
    plan = schedule(make_profile(severity="mild"), protocol, TODAY)
    run = first_run(plan)
    assert run.start >= plan.diagnosed + dt.timedelta(weeks=12)
    assert weeks_in(plan, "strength_stage_6")[-1].number < run.number
    before = plan.weeks[run.number - 2]
    assert before.walk_minutes == 45
    assert before.gate is not None
    checks = " ".join(before.gate.checks).lower()
    for test in ("single-leg squat", "step-down", "heel raise", "12 weeks", "45 minutes"):
        assert test in checks


def test_walk_run_progression_rests_between_runs_and_ends_in_continuous_running(protocol):
    plan = schedule(make_profile(goal_weekly_minutes=150), protocol, TODAY)
    runs = [w.walk_run for w in plan.weeks if w.walk_run]
    steps = [r for r in runs if r.step]
    ratios = [r.run_minutes / (r.run_minutes + r.walk_minutes) for r in steps]
    assert ratios == sorted(ratios) and len({r.step for r in steps}) >= 5
    assert all(r.sessions_per_week <= 3 for r in runs)  # a rest day between runs
    continuous = [r for r in runs if not r.step]
    assert continuous and all(r.walk_minutes == 0 and r.repeats == 1 for r in continuous)
    weekly = [r.weekly_running_minutes for r in continuous]
    assert all(b <= a * 1.10 for a, b in zip(weekly, weekly[1:], strict=False))
    assert weekly[-1] >= 150 > weekly[-2]
    assert all(w.walk_minutes is None for w in plan.weeks if w.walk_run)


def test_each_walk_run_step_is_repeated_before_the_next(protocol):
    plan = schedule(make_profile(severity="severe"), protocol, TODAY)
    steps = [w.walk_run.step for w in plan.weeks if w.walk_run and w.walk_run.step]
    assert all(steps.count(s) == 2 for s in set(steps))
    assert steps == sorted(steps)


@pytest.mark.parametrize("change, words", [
    ({"fracture_side": "tension"}, "tension-side"),
    ({"fracture_line_percent": 50}, "50%"),
    ({"fracture_line_percent": 72.5}, "50%"),
    ({"displaced": True}, "displaced"),
])
def test_fractures_that_need_surgery_get_no_plan_but_a_referral(protocol, change, words):
    referral = schedule(make_profile(**change), protocol, TODAY)
    assert isinstance(referral, Referral)
    assert any(words in reason for reason in referral.reasons)


def test_compression_side_below_half_width_gets_a_plan(protocol):
    plan = schedule(make_profile(fracture_line_percent=49.9), protocol, TODAY)
    assert plan.weeks


def test_hip_effusion_builds_with_a_review_flag(protocol):
    plan = schedule(make_profile(hip_effusion=True), protocol, TODAY)
    assert plan.weeks
    assert any("effusion" in flag.lower() for flag in plan.review_flags)
    assert not schedule(make_profile(), protocol, TODAY).review_flags


def test_disagreeing_severity_and_mri_grade_is_a_clinician_flag(protocol):
    plan = schedule(make_profile(severity="severe", severity_stated="mild", mri_grade=4),
                    protocol, TODAY)
    flag = next(n for n in plan.notes if n.short == "severity mild, MRI grade 4")
    assert flag.kind == "review_flag" and "follows the more severe (severe)" in flag.text


@pytest.mark.parametrize("injury, short", [
    ({"fracture_side": "unknown"}, "fracture side unknown"),
    ({"fracture_line_percent": 40}, "fracture line near 50%"),
    ({"mri_grade": 4}, "fracture line % missing"),
])
def test_missing_or_borderline_imaging_is_flagged_for_the_clinician(protocol, injury, short):
    plan = schedule(make_profile(**injury), protocol, TODAY)
    assert short in [n.short for n in plan.notes if n.kind == "review_flag"]
    clear = make_profile(mri_grade=4, fracture_line_percent=20, severity="severe")
    assert not schedule(clear, protocol, TODAY).review_flags


def test_current_week_follows_today(protocol):
    profile = make_profile(diagnosed=dt.date(2026, 9, 1))
    plan = schedule(profile, protocol, dt.date(2026, 9, 15))
    assert plan.current_week.number == 3
    assert [w.status for w in plan.weeks[:4]] == ["done", "done", "current", "upcoming"]


def test_a_step_only_a_clinician_opens_waits_for_the_clearance(protocol):
    """Moderate, no history: partial weight-bearing is due on 20 Oct; nothing recorded."""
    profile = make_profile(diagnosed=dt.date(2026, 9, 1))
    late = schedule(profile, protocol, dt.date(2027, 3, 3))
    now = late.current_week
    assert now.phase == "non_weight_bearing" and now.weight_bearing == "none"
    assert (now.waiting_for, now.waiting_since) == ("Partial weight-bearing",
                                                    dt.date(2026, 10, 20))
    # the week after today is the earliest it can start; the rest follows from there
    assert late.milestones["partial_weight_bearing"] == now.end + dt.timedelta(days=1)
    # a self-progressed step is not held: cleared to full weight-bearing on its day, the
    # strength stages follow on the dates the tables allow, into the past
    cleared = make_profile(diagnosed=dt.date(2026, 9, 1), progress=(
        ProgressEvent(0, dt.date(2026, 10, 20), "partial_weight_bearing"),
        ProgressEvent(1, dt.date(2026, 10, 27), "full_weight_bearing")))
    stages = schedule(cleared, protocol, dt.date(2026, 11, 23))
    assert stages.current_week.phase == "strength_stage_3"
    assert stages.current_week.waiting_for is None


def test_history_levels(protocol):
    assert history_level(make_profile(), protocol) == 0
    assert history_level(make_profile(prior_bone_stress_injuries=1), protocol) == 1
    assert history_level(make_profile(risk_factors=("low_bmi", "late_menarche")), protocol) == 2
    assert history_level(make_profile(prior_bone_stress_injuries=2), protocol) == 2
    assert history_level(make_profile(prior_bone_stress_injuries=9), protocol) == 2  # capped
    assert history_level(make_profile(prior_bone_stress_injuries=2,
                                      risk_factors=("low_bmi",)), protocol) == 2


def test_schedule_is_deterministic(protocol):
    profile = make_profile(risk_factors=("low_bmi",))
    assert schedule(profile, protocol, TODAY) == schedule(profile, protocol, TODAY)


def test_a_changed_protocol_is_planned_from_its_own_content_not_from_what_was_kept(protocol):
    """What is worked out once per protocol (a kind of week's sessions, a course) is kept
    with the protocol object: content read again or changed is planned afresh."""
    profile = make_profile()
    before = schedule(profile, protocol, TODAY)
    renamed = dataclasses.replace(protocol, phases=tuple(
        dataclasses.replace(phase, sessions=tuple(
            dataclasses.replace(session, title=f"{session.title} (new)")
            for session in phase.sessions))
        for phase in protocol.phases))
    after = schedule(profile, renamed, TODAY)
    old = {session.title for phase in protocol.phases for session in phase.sessions}
    shown = {s.title for w in after.weeks for s in w.sessions}
    on_days = {title for w in after.weeks for day in w.days for title in day.sessions}
    assert not old & (shown | on_days)
    assert {f"{title} (new)" for title in old} <= shown
    assert schedule(profile, protocol, TODAY) == before


# --- invariants over any valid profile -------------------------------------------

profiles = st.builds(
    lambda severity, grade, prior, factors, diagnosed, goal, effusion, line: make_profile(
        severity=severity or {1: "mild", 2: "mild", 3: "moderate", 4: "severe"}[grade],
        severity_stated=severity, mri_grade=grade if not severity or grade else None,
        prior_bone_stress_injuries=prior, risk_factors=tuple(factors), diagnosed=diagnosed,
        goal_weekly_minutes=goal, hip_effusion=effusion, fracture_line_percent=line,
    ),
    severity=st.sampled_from([None, "mild", "moderate", "severe"]),
    grade=st.integers(1, 4),
    prior=st.integers(0, 12),
    factors=st.lists(st.sampled_from(RISK_FACTORS), unique=True),
    diagnosed=st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)),
    goal=st.one_of(st.none(), st.integers(30, 900)),
    effusion=st.booleans(),
    line=st.one_of(st.none(), st.floats(0, 49.99)),
)
# the plan's day, from a year before the diagnosis to a year after it
offsets = st.integers(-365, 365)


@settings(max_examples=300, deadline=None)
@given(profile=profiles, offset=offsets)
def test_safety_invariants_hold_for_any_profile(protocol, profile, offset):
    today = profile.diagnosed + dt.timedelta(days=offset)
    plan = schedule(profile, protocol, today)
    weeks = plan.weeks
    # nothing recorded: no week up to today is past non-weight-bearing, the first step only
    # a clinician opens; the weeks spent waiting for it say so
    assert all(w.phase == "non_weight_bearing" for w in weeks if w.start <= today)
    waiting = [w for w in weeks if w.waiting_for]
    assert all(w.start <= today + dt.timedelta(days=6) for w in waiting)
    # weeks: contiguous, seven days, the first holding the diagnosis day
    assert weeks[0].start <= profile.diagnosed <= weeks[0].end
    for a, b in zip(weeks, weeks[1:], strict=False):
        assert b.start == a.end + dt.timedelta(days=1)
    assert all((w.end - w.start).days == 6 for w in weeks)
    # phases in protocol order, never back
    order = [PHASE_ORDER.index(w.phase) for w in weeks]
    assert order == sorted(order)
    # durations within the seed's ranges, but for the weeks spent waiting for a clinician
    low, high = SEED_NWB[plan.severity]
    assert low <= len(weeks_in(plan, "non_weight_bearing")) - len(waiting) <= high
    assert SEED_PWB[0] <= len(weeks_in(plan, "partial_weight_bearing")) <= SEED_PWB[1]
    for stage in STAGES:
        assert SEED_STAGE[0] <= len(weeks_in(plan, stage)) <= SEED_STAGE[1]
    # walk-run: never before 12 weeks, only after stage 6 and a week of 45-minute walks
    run = first_run(plan)
    assert run.start >= profile.diagnosed + dt.timedelta(weeks=12)
    assert all(w.phase not in STAGES for w in weeks[run.number - 1:])
    assert weeks[run.number - 2].walk_minutes == 45
    assert weeks[run.number - 2].gate is not None
    # no load before it is allowed
    for w in weeks:
        if w.weight_bearing != "full":
            assert w.walk_minutes is None and w.walk_run is None and w.strength_stage is None
    # continuous running rises at most 10% a week
    weekly = [w.walk_run.weekly_running_minutes for w in weeks if w.walk_run
              and not w.walk_run.step]
    assert all(b <= a * 1.10 for a, b in zip(weekly, weekly[1:], strict=False))
    # exactly one current week when today falls inside the plan
    current = [w for w in weeks if w.status == "current"]
    assert len(current) == (1 if weeks[0].start <= today <= weeks[-1].end else 0)


@settings(max_examples=200, deadline=None)
@given(profile=profiles, more_prior=st.integers(0, 3),
       more_factors=st.lists(st.sampled_from(RISK_FACTORS), unique=True))
def test_more_severity_or_history_never_gives_an_earlier_walk_run(
        protocol, profile, more_prior, more_factors):
    base = first_run(schedule(profile, protocol, profile.diagnosed)).start
    levels = ["mild", "moderate", "severe"]
    worse_severity = levels[min(levels.index(profile.severity) + 1, 2)]
    worse = make_profile(**{**profile.__dict__, "severity": worse_severity,
                            "severity_stated": worse_severity, "mri_grade": None,
                            "prior_bone_stress_injuries":
                                profile.history["prior_bone_stress_injuries"] + more_prior,
                            "risk_factors": tuple(dict.fromkeys(
                                profile.history["risk_factors"] + tuple(more_factors)))})
    assert first_run(schedule(worse, protocol, profile.diagnosed)).start >= base


# --- run volume ------------------------------------------------------------------------

def _continuous(plan):
    return [w.walk_run for w in plan.weeks if w.walk_run and w.walk_run.step is None]


def test_a_big_goal_adds_runs_a_week_instead_of_longer_runs(protocol):
    runs = _continuous(schedule(make_profile(goal_weekly_minutes=240), protocol, TODAY))
    assert max(r.run_minutes for r in runs) == 60
    assert [r.sessions_per_week for r in runs][0] == 3 and runs[-1].sessions_per_week == 4
    assert (runs[-1].run_minutes, runs[-1].weekly_running_minutes) == (60, 240)


def test_more_runs_a_week_say_how_they_fall_in_the_week(protocol):
    plan = schedule(make_profile(goal_weekly_minutes=240), protocol, TODAY)
    four = next(w for w in plan.weeks if w.walk_run and w.walk_run.sessions_per_week == 4)
    assert four.sessions[0].per_week == "4 times a week, never more than two days running in a row"


def test_a_goal_beyond_the_longest_runs_ends_the_plan_there_and_says_so(protocol):
    plan = schedule(make_profile(goal_weekly_minutes=480), protocol, TODAY)
    last = plan.weeks[-1].walk_run
    assert (last.sessions_per_week, last.run_minutes) == (4, 60)
    (note,) = plan.for_athlete
    assert "Your goal is 480 minutes" in note and "4 easy runs of 60 minutes" in note
    assert "training, to plan with your clinician" in note
    assert any("more than 4 runs of at most 60 minutes" in w for w in plan.warnings)


# --- history -------------------------------------------------------------------------

@given(severity=st.sampled_from(["mild", "moderate", "severe"]),
       fewer=st.integers(0, 3), more=st.integers(0, 3))
@settings(max_examples=40, deadline=None)
def test_more_prior_injuries_never_plan_shorter_or_equal_below_the_cap(
        protocol, severity, fewer, more):
    if fewer >= more:
        return
    cap = protocol.history_fields["prior_bone_stress_injuries"].points_cap
    short, long = (schedule(make_profile(severity=severity, prior_bone_stress_injuries=n),
                            protocol, TODAY) for n in (fewer, more))
    if more <= cap:  # beyond the cap (sources.md) the plan stays at its longest
        assert long.milestones["walk_run"] > short.milestones["walk_run"]
        assert len(long.weeks) > len(short.weeks)
    else:
        assert len(long.weeks) >= len(short.weeks)


def test_every_plan_asks_the_clinician_for_a_bone_health_work_up_and_tells_the_athlete_why(
        protocol):
    plan = schedule(make_profile(), protocol, TODAY)
    assert any(n.short == "bone-health work-up" and "DXA" in n.text for n in plan.notes)
    assert plan.for_athlete == ()  # the bone-health section says it; no flag text for them


def test_a_flag_that_changes_what_the_athlete_does_says_so_in_plain_words(protocol):
    plan = schedule(make_profile(hip_effusion=True, fracture_line_percent=45), protocol, TODAY)
    (instruction,) = plan.for_athlete  # the same instruction once
    assert instruction == "Move on only when your clinician agrees."
    assert "effusion" not in instruction.lower()
