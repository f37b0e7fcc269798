"""Plan -> a week table for the clinician's terminal (`rehab plan ID`)."""

from __future__ import annotations

from generator.plan import Plan, RecordedEvent, Week


def _doing(week: Week) -> str:
    parts = []
    if week.strength_stage:
        parts.append(f"strength {week.strength_stage}")
    if week.walk_minutes:
        parts.append(f"walk {week.walk_minutes} min")
    if week.walk_run and week.walk_run.step:
        wr = week.walk_run
        parts.append(f"walk-run step {wr.step}: {wr.repeats}x(run {wr.run_minutes}/walk "
                     f"{wr.walk_minutes}) x{wr.sessions_per_week}/wk")
    elif week.walk_run:
        parts.append(f"run {week.walk_run.run_minutes} min x{week.walk_run.sessions_per_week}/wk")
    return ", ".join(parts) or week.sessions[0].title.lower()


def event_line(event: RecordedEvent) -> str:
    """2026-11-20 setback: Setback: back to ... (groin ache)"""
    text = f"{event.date.isoformat()} {event.summary}"
    if event.until:
        text += f" until {event.until.isoformat()}"
    if event.pain is not None:
        text += f", pain {event.pain}/10"
    return text + (f" ({event.note})" if event.note else "")


def render_text(plan: Plan) -> str:
    lines = [
        f"{plan.athlete_name} ({plan.athlete_id}) · {plan.protocol_title}",
        f"{plan.side} side, {plan.severity}, diagnosed {plan.diagnosed.isoformat()}, "
        f"history: {plan.history_level_name}; as of {plan.as_of.isoformat()}",
    ]
    lines += [f"REVIEW: {flag}" for flag in plan.review_flags]
    lines += [f"CHECK: {warning}" for warning in plan.warnings]
    lines.append("")
    lines.append(f"{'':2}{'wk':>3}  {'dates':<23}  {'phase':<24}  {'WB':<7}  doing")
    for week in plan.weeks:
        mark = "> " if week.status == "current" else "  "
        dates = f"{week.start.isoformat()} - {week.end.strftime('%m-%d')}"
        gate = "  [gate]" if week.gate else ""
        state = "  [setback]" if week.setback else ""
        state += "  [paused]" if week.paused else ""
        state += f"  [back {week.back_from:%m-%d}]" if week.back_from else ""
        lines.append(f"{mark}{week.number:>3}  {dates:<23}  {week.phase_title:<24}  "
                     f"{week.weight_bearing:<7}  {_doing(week)}{gate}{state}")
        for index in week.events:
            lines.append(f"{'':7}* {event_line(plan.events[index])}")
    lines.append("")
    lines.append("milestones: " + ", ".join(
        f"{k} {v.isoformat() if v else '-'}" for k, v in plan.milestones.items()))
    return "\n".join(lines) + "\n"
