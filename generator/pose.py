"""An exercise's picture as data: one or two key poses of a stick figure, its props, an arrow.

The vocabulary (joints, their anatomical ranges, props, arrows) is declared once here; the
protocol loader checks every `picture:` of exercises.yaml against it, and
render/figure.py draws what it describes.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from generator.errors import Problem
from generator.yamlsource import Document, FieldPath

VIEWS = ("side", "front", "foot")  # foot: the lower leg and foot only, close up


@dataclass(frozen=True)
class Joint:
    low: float
    high: float
    sided: bool  # one value for both sides, or [first, second]
    means: str


# Degrees. A sided joint takes one number (both sides) or [first, second]: the first is the
# working (or standing) leg or arm, drawn bold; the second the other.
JOINTS: dict[str, Joint] = {
    "trunk": Joint(-180, 180, False, "the trunk's lean from upright: forward +, back - "
                   "(-90: lying on the back, 90: bent forward flat)"),
    "tilt": Joint(-100, 100, False, "the trunk's lean to the side, to the first side +; "
                  "90: lying on that side"),
    "neck": Joint(-40, 60, False, "head bent forward +, back -"),
    "hip": Joint(-30, 140, True, "hip flexion: thigh forward +, behind -"),
    "hip_out": Joint(-20, 60, True, "hip abduction: thigh out to the side +"),
    "hip_turn": Joint(-40, 50, True, "hip rotation: knee turned out +, in -"),
    "knee": Joint(0, 150, True, "knee flexion (0 straight)"),
    "ankle": Joint(-50, 40, True, "toes up + (dorsiflexion), down - (on tiptoe)"),
    "shoulder": Joint(-60, 180, True, "arm forward and up + (180 overhead), behind -"),
    "shoulder_out": Joint(0, 180, True, "arm out to the side +"),
    "elbow": Joint(0, 150, True, "elbow flexion (0 straight)"),
    "lift": Joint(0, 60, False, "the figure in the air, this far above the floor (a hop)"),
    "toes": Joint(-60, 60, False, "view: foot: the toes lifted +, curled (scrunching) -"),
    "arch": Joint(0, 10, False, "view: foot: the arch lifted and the foot shortened (short "
                  "foot), 0 resting to 10 fully"),
}
# A pose's other key: `stand_on: step` stands the first foot on the step (props: step).
PLACES = ("floor", "step")

# Things beside the figure, drawn where the pose puts them.
PROPS = {
    "chair": "a chair under the seat of the lowest pose",
    "box": "a box behind the seat of the lowest pose (sit down to it)",
    "step": "a step under the first foot (a pose with `stand_on: step`)",
    "mat": "a mat under a figure lying down",
    "wall": "a wall or counter: at the hands when they reach forward, else behind the back",
    "band": "a band from the hands to an anchor in front",
    "dumbbells": "a dumbbell in each hand (not in a hand on the wall)",
    "kettlebell": "a weight held at the chest (in the hands)",
    "towel": "a towel under the first foot",
    "pillow": "a pillow between the knees",
    "belt": "a belt around the thighs",
    "line": "a line on the floor between the two poses (a hop over it)",
    "weight": "a weight resting on the thighs, by the knees (seated)",
}
ARROW_AT = ("head", "hand", "elbow", "hip", "knee", "foot", "heel", "toes")
ARROW_TO = ("up", "down", "forward", "back", "out")


@dataclass(frozen=True)
class Pose:
    angles: tuple[tuple[str, tuple[float, float]], ...]  # joint -> (first side, second side)
    on: str = "floor"

    def get(self, joint: str) -> tuple[float, float]:
        return dict(self.angles).get(joint, (0.0, 0.0))


@dataclass(frozen=True)
class Picture:
    view: str
    poses: tuple[Pose, ...]
    props: tuple[str, ...] = ()
    arrow: tuple[str, str] | None = None  # (where, which way): drawn on the first pose


def read_picture(doc: Document, path: FieldPath, raw: object, out: list[Problem]) \
        -> Picture | None:
    """The picture at `path` of exercises.yaml, or None with its problems added to `out`."""
    def bad(at: FieldPath, message: str, hint: str = "") -> None:
        out.append(doc.problem(at, message, hint))

    if raw is None:
        bad(path, "is missing; every exercise needs a picture",
            hint="picture: {view: side, poses: [{trunk: 0}]}")
        return None
    if not isinstance(raw, dict):
        bad(path, "expected a set of fields (view, poses, props, arrow)")
        return None
    before = len(out)
    for key in raw:
        if key not in ("view", "poses", "props", "arrow"):
            bad(path + (key,), f"unknown field '{key}'", hint=_close(key, ("view", "poses",
                                                                          "props", "arrow")))
    view = raw.get("view", "side")
    if view not in VIEWS:
        bad(path + ("view",), f"'{view}' is not allowed; expected one of "
            + ", ".join(VIEWS))
    poses_raw = raw.get("poses")
    if not isinstance(poses_raw, list) or not 1 <= len(poses_raw) <= 2:
        bad(path + ("poses",), "expected a list of one or two poses (start, end)")
        poses_raw = []
    poses = tuple(p for i, item in enumerate(poses_raw)
                  if (p := _pose(doc, path + ("poses", i), item, out)) is not None)
    props = raw.get("props") or []
    if not isinstance(props, list):
        bad(path + ("props",), "expected a list, e.g. [chair]")
        props = []
    for i, prop in enumerate(props):
        if prop not in PROPS:
            bad(path + ("props", i), f"unknown prop '{prop}'",
                hint=_close(str(prop), tuple(PROPS)))
    arrow = raw.get("arrow")
    if arrow is not None and not (isinstance(arrow, list) and len(arrow) == 2
                                  and arrow[0] in ARROW_AT and arrow[1] in ARROW_TO):
        bad(path + ("arrow",), f"expected [where, which way]: where one of "
            f"{', '.join(ARROW_AT)}; which way one of {', '.join(ARROW_TO)}")
    if "step" in props and not any(p.on == "step" for p in poses):
        bad(path + ("props",), "a step needs a pose standing on it (stand_on: step)")
    if len(out) > before:
        return None
    return Picture(view=view, poses=poses, props=tuple(props),
                   arrow=tuple(arrow) if arrow else None)


def _pose(doc: Document, path: FieldPath, raw: object, out: list[Problem]) -> Pose | None:
    if not isinstance(raw, dict):
        out.append(doc.problem(path, "expected a pose: joint angles, e.g. {hip: 90, knee: 90}"))
        return None
    before = len(out)
    angles = []
    for name, value in raw.items():
        at = path + (name,)
        if name == "stand_on":
            if value not in PLACES:
                out.append(doc.problem(at, f"'{value}' is not allowed; expected one of "
                                       + ", ".join(PLACES)))
            continue
        joint = JOINTS.get(name)
        if joint is None:
            out.append(doc.problem(at, f"unknown joint '{name}'",
                                   hint=_close(str(name), (*JOINTS, "stand_on"))))
            continue
        values = value if isinstance(value, list) and joint.sided else [value]
        if not 1 <= len(values) <= 2 or not all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            out.append(doc.problem(at, "expected a number of degrees" + (
                ", or [first side, second side]" if joint.sided else "")))
            continue
        for v in values:
            if not joint.low <= v <= joint.high:
                out.append(doc.problem(at, f"{v} is out of the joint's range "
                                       f"({_num(joint.low)} to {_num(joint.high)})",
                                       hint=joint.means))
        angles.append((name, (float(values[0]), float(values[-1]))))
    if len(out) > before:
        return None
    return Pose(angles=tuple(angles), on=raw.get("stand_on", "floor"))


def _close(word: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else "known: " + ", ".join(known)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
