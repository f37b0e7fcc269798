"""Thousands of malformed and mutated profiles: each gives a valid plan or a clear error, never a
crash. The bulk runs the loader, scheduler and page template directly (no CLI, no PDF)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import os

import pytest
import yaml
from factories import PROTOCOL_ID, ROOT, TODAY
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from generator.errors import InputError
from generator.plan import Referral
from generator.profile import load_profile
from generator.render.environment import make_environment
from generator.render.html import render_page
from generator.schedule import schedule

VALID = {
    "name": "Jordan Lee",
    "injury": {
        "protocol": PROTOCOL_ID, "side": "left", "diagnosed": dt.date(2026, 9, 1),
        "severity": "moderate", "mri_grade": 3, "fracture_side": "compression",
        "fracture_line_percent": 30, "displaced": False, "hip_effusion": False,
    },
    "history": {"prior_bone_stress_injuries": 1, "risk_factors": ["low_energy_availability"]},
    "goal": {"weekly_running_minutes": 150},
    "clinician": {"name": "Dr A", "clinic": "Clinic", "phone": "+1 555 0100",
                  "email": "a@example.org"},
    "notes": "Keep it **pain-free**. [web](https://example.org)",
}

# Values a tired clinician (or an attacker) might type anywhere.
leaf = st.one_of(
    st.none(), st.booleans(), st.integers(-10**20, 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["left", "right", "mild", "moderate", "severe", "tension", "compression",
                     PROTOCOL_ID, "2026-02-30", "2026-13-01", "0000-01-01", "9999-12-31",
                     "<script>alert(1)</script>", "javascript:alert(1)", "![x](file:///etc/passwd)",
                     "../../etc/passwd", "/etc/passwd", "\x00", "\u202e", "~", "*a", "&a", "<<",
                     "low_bmi", "yes", "no", "null", "1e999", ".nan", "-.inf"]),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1)),
)
value = st.recursive(leaf, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12)
key_names = st.one_of(st.sampled_from(["name", "injury", "side", "diagnsed", "severty", "notes",
                                       "protocol", "history", "goal", "clinican", "mri_grade"]),
                      st.text(max_size=12))


def paths_of(tree, prefix=()):
    yield prefix
    if isinstance(tree, dict):
        for key, sub in tree.items():
            yield from paths_of(sub, prefix + (key,))
    elif isinstance(tree, list):
        for i, sub in enumerate(tree):
            yield from paths_of(sub, prefix + (i,))


def parent_and_key(tree, path):
    for part in path[:-1]:
        tree = tree[part]
    return tree, path[-1]


@st.composite
def mutated_tree(draw):
    """The valid profile with a few random edits: dropped, renamed, retyped or added keys."""
    tree = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in paths_of(tree) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent, key = parent_and_key(tree, path)
        action = draw(st.sampled_from(["drop", "rename", "retype", "add", "nest"]))
        if action == "drop":
            del parent[key]
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(key_names)] = parent.pop(key)
        elif action == "retype":
            parent[key] = draw(value)
        elif action == "add" and isinstance(parent, dict):
            parent[draw(key_names)] = draw(value)
        elif action == "nest":
            depth = draw(st.integers(1, 200))
            nested = parent[key]
            for _ in range(depth):
                nested = [nested]
            parent[key] = nested
    return yaml.safe_dump(tree, allow_unicode=draw(st.booleans()), sort_keys=False)


@st.composite
def mutated_text(draw):
    """The valid profile's text, cut, spliced and scribbled on."""
    text = yaml.safe_dump(VALID, sort_keys=False)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 40)))
        edit = draw(st.sampled_from(["delete", "insert", "duplicate_line", "indent", "alias"]))
        if edit == "delete":
            text = text[:i] + text[j:]
        elif edit == "insert":
            text = text[:i] + draw(st.text(max_size=20)) + text[i:]
        elif edit == "duplicate_line":
            lines = text.splitlines(keepends=True)
            k = draw(st.integers(0, len(lines) - 1))
            lines.insert(k, lines[k])
            text = "".join(lines)
        elif edit == "indent":
            lines = text.splitlines(keepends=True)
            k = draw(st.integers(0, len(lines) - 1))
            lines[k] = " " * draw(st.integers(1, 3)) + lines[k]
            text = "".join(lines)
        elif edit == "alias":
            text = text.replace("name: Dr A", "name: &n Dr A", 1) + "extra: *n\n"
    return text


@st.composite
def valid_variant(draw):
    """Profiles within every rule (the scheduler and page must cope with all of them),
    with typed text that is anything at all."""
    tree = copy.deepcopy(VALID)
    injury, history = tree["injury"], tree["history"]
    injury["side"] = draw(st.sampled_from(["left", "right"]))
    injury["diagnosed"] = draw(st.dates(dt.date(2000, 1, 1), TODAY))
    injury["severity"] = draw(st.sampled_from(["mild", "moderate", "severe", None]))
    injury["mri_grade"] = draw(st.sampled_from([1, 2, 3, 4, None] if injury["severity"]
                                               else [1, 2, 3, 4]))
    # Mostly cases that get a plan; a few that need referral instead.
    injury["fracture_side"] = draw(st.sampled_from(["compression"] * 5 + ["tension"]))
    injury["fracture_line_percent"] = draw(st.one_of(st.none(), st.floats(0, 60)))
    injury["displaced"] = draw(st.sampled_from([False] * 5 + [True]))
    injury["hip_effusion"] = draw(st.booleans())
    history["prior_bone_stress_injuries"] = draw(st.integers(0, 50))
    history["risk_factors"] = draw(st.lists(st.sampled_from(
        ["low_energy_availability", "menstrual_dysfunction", "low_bone_density", "low_bmi",
         "late_menarche"]), unique=True))
    tree["goal"]["weekly_running_minutes"] = draw(st.integers(30, 900))
    tree["name"] = draw(st.text(min_size=1, max_size=120).filter(str.strip))
    tree["notes"] = draw(st.text(max_size=300))
    tree["clinician"] = draw(st.fixed_dictionaries({}, optional={
        k: st.text(max_size=40) for k in ("name", "clinic", "phone", "email")}))
    return yaml.safe_dump(tree, allow_unicode=True, sort_keys=False)


alias_bomb = st.integers(2, 9).map(lambda n: "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n"
    for i in range(n)))
huge = st.sampled_from([
    "name: " + "A" * 300_000 + "\n",
    yaml.safe_dump({**VALID, "notes": "x" * 30_000}),
    yaml.safe_dump({**VALID, "name": "N" * 121}),
])
profile_input = st.one_of(
    valid_variant(), valid_variant(), mutated_tree(), mutated_tree(), mutated_text(),
    st.text(max_size=200), st.binary(max_size=200), alias_bomb, huge,
    st.recursive(st.just("x"), lambda s: s.map(lambda t: f"[{t}]"), max_leaves=300).map(
        lambda t: f"name: {t}\n"),
)


class FuzzBench:
    """One profile file rewritten for each example, with the protocols and templates."""

    def __init__(self, path, protocols, env):
        self.path, self.protocols, self.env = path, protocols, env

    def __repr__(self) -> str:  # hypothesis prints the arguments of a failing example
        return f"FuzzBench({self.path})"


@pytest.fixture(scope="module")
def bench(tmp_path_factory, protocols):
    folder = tmp_path_factory.mktemp("fuzz") / "plans"
    folder.mkdir()
    return FuzzBench(folder / "fuzzed.yaml", protocols, make_environment(ROOT / "templates"))


# REHAB_FUZZ_EXAMPLES=20000 for a deeper search than CI's (about 8 ms an example)
@settings(max_examples=int(os.environ.get("REHAB_FUZZ_EXAMPLES", "2000")), deadline=None,
          database=None, suppress_health_check=[
              HealthCheck.too_slow, HealthCheck.data_too_large,
              HealthCheck.function_scoped_fixture])
@given(profile_input)
def test_every_profile_gives_a_plan_or_a_clear_error(bench, text):
    path, protocols, env = bench.path, bench.protocols, bench.env
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    try:
        profile = load_profile(path, protocols, TODAY)
        protocol = protocols[profile.protocol]
        plan = schedule(profile, protocol, TODAY)
    except InputError as err:
        event("clear error")
        assert err.problems
        for problem in err.problems:
            assert problem.file == str(path)
            assert problem.message
            assert problem.line is None or problem.line >= 1
        return
    if isinstance(plan, Referral):
        event("referral")
        assert plan.reasons
        return
    event("plan")
    assert plan.weeks
    json.dumps(plan.to_dict())
    html = render_page(env, plan, protocol, profile)
    assert html.lower().count("<script") == 1  # the page's own script; nothing a person typed
