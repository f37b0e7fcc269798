"""A Picture (generator/pose.py) -> SVG: a stick figure by forward kinematics, stroke only.

Pure and deterministic: the same picture gives the same bytes (whole-number coordinates).
Everything is stroked with `currentColor`, so one drawing follows the page's light and dark
colours and prints black. The figure faces right in a side view (its first side nearest)
and faces the viewer in a front view; its lowest point sits on the floor line.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass
from html import escape

from generator.pose import Picture, Pose

# Segment lengths in drawing units (a standing figure is about 100 tall).
HEAD_R, NECK, TRUNK = 6.5, 2.5, 30.0
HIP_W, SHOULDER_W = 5.0, 8.5
UPPER_ARM, FOREARM = 16.0, 15.0
THIGH, SHANK = 25.0, 24.0
ANKLE_H, HEEL, TOE = 3.0, 3.0, 8.0
MAT = 3.0
STEP_H = 8.0  # about 14 cm for a 1.75 m athlete (the how-tos say 10-15 cm)
GAP, PAD = 12.0, 3.0
BOLD, THIN = 3, 2  # stroke widths: the first side and the body; the second side and props
# Every drawing at one scale, so a figure and its strokes are the same size from one exercise
# to the next (a standing figure, ~104 units, is ~88 px high on the phone and ~31 mm on
# paper; a bold stroke 2.5 px, 0.9 mm): each <svg> gets its size from its viewBox.
SCREEN_PX = 0.85  # CSS px a unit, on the page
PAPER_MM = 0.3  # mm a unit, in the handout
WIDE = 140  # units: a drawing wider than this goes across the text, not beside it
LOW = 70  # units: two poses this low (lying) are drawn one above the other
# A front view looks a little down on the figure, so what comes towards the viewer (thighs of
# a figure lying on its side) reads as lower, not as nothing.
LOOK_DOWN = math.radians(20)
# ... and a little from its own right (an oblique view): what points at the viewer (the forearm
# of a side plank on the mat, knees bent back, a hop's free leg bent forward) is drawn
# slanting, not lost end-on.
OBLIQUE = 0.5

Vec = tuple[float, float, float]


def _add(*vs: Vec) -> Vec:
    return (sum(v[0] for v in vs), sum(v[1] for v in vs), sum(v[2] for v in vs))


def _mul(v: Vec, k: float) -> Vec:
    return (v[0] * k, v[1] * k, v[2] * k)


def _spin(v: Vec, axis: Vec, degrees: float) -> Vec:
    """Rotate v about the unit vector axis (Rodrigues)."""
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    cross = (axis[1] * v[2] - axis[2] * v[1], axis[2] * v[0] - axis[0] * v[2],
             axis[0] * v[1] - axis[1] * v[0])
    dot = sum(a * b for a, b in zip(axis, v, strict=True))
    return _add(_mul(v, c), _mul(cross, s), _mul(axis, dot * (1 - c)))


def _turn(a: Vec, b: Vec, degrees: float) -> tuple[Vec, Vec]:
    """Rotate the pair of perpendicular unit vectors a, b in their plane: a towards b."""
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    return _add(_mul(a, c), _mul(b, s)), _add(_mul(b, c), _mul(a, -s))


@dataclass(frozen=True)
class _Body:
    """The joints of one pose, in the world (x right, y up, z towards the viewer)."""

    points: dict[str, Vec]
    limbs: tuple[tuple[int, tuple[str, ...]], ...]  # (side, joint names along the limb)


def _pose_points(view: str, pose: Pose) -> _Body:
    up, forward = (0.0, 1.0, 0.0), (1.0, 0.0, 0.0) if view == "side" else (0.0, 0.0, 1.0)
    right = (0.0, 0.0, 1.0) if view == "side" else (-1.0, 0.0, 0.0)  # the first side
    up, forward = _turn(up, forward, pose.get("trunk")[0])
    up, right = _turn(up, right, pose.get("tilt")[0])
    pelvis = (0.0, 0.0, 0.0)
    chest = _mul(up, TRUNK)
    head_dir = _turn(up, forward, pose.get("neck")[0])[0]
    p = {"pelvis": pelvis, "chest": chest, "head": _add(chest, _mul(head_dir, NECK + HEAD_R))}
    limbs = []
    for i, side in enumerate((right, _mul(right, -1))):
        lying = abs(pose.get("tilt")[0]) >= 60  # on the side: legs and arms stacked
        hip = _add(pelvis, _mul(side, 0 if lying else HIP_W if view == "side" else HIP_W / 2))
        down, front = _turn(_mul(up, -1), forward, pose.get("hip")[i])
        down, _ = _turn(down, side, pose.get("hip_out")[i])
        knee = _add(hip, _mul(down, THIGH))
        shank, shank_front = _turn(down, front, -pose.get("knee")[i])
        # hip rotation spins the bent knee's lower leg about the thigh: outwards, the foot
        # goes in (a clamshell)
        turn = pose.get("hip_turn")[i] * (1 if i == 0 else -1)
        shank, shank_front = _spin(shank, down, turn), _spin(shank_front, down, turn)
        ankle = _add(knee, _mul(shank, SHANK))
        toes_dir, foot_up = _turn(shank_front, _mul(shank, -1), pose.get("ankle")[i])
        sole = _add(ankle, _mul(foot_up, -ANKLE_H))
        p |= {f"hip{i}": hip, f"knee{i}": knee, f"ankle{i}": ankle,
              f"heel{i}": _add(sole, _mul(toes_dir, -HEEL)),
              f"toes{i}": _add(sole, _mul(toes_dir, TOE))}
        shoulder = _add(chest, _mul(side, 0 if lying else SHOULDER_W))
        arm, arm_front = _turn(_mul(up, -1), forward, pose.get("shoulder")[i])
        arm, _ = _turn(arm, side, pose.get("shoulder_out")[i])
        elbow = _add(shoulder, _mul(arm, UPPER_ARM))
        fore = _turn(arm, arm_front, pose.get("elbow")[i])[0]
        p |= {f"shoulder{i}": shoulder, f"elbow{i}": elbow,
              f"hand{i}": _add(elbow, _mul(fore, FOREARM))}
        limbs += [(i, (f"hip{i}", f"knee{i}", f"ankle{i}", f"heel{i}", f"toes{i}")),
                  (i, (f"shoulder{i}", f"elbow{i}", f"hand{i}"))]
    return _Body(points=p, limbs=tuple(limbs))


def _project(view: str, body: _Body) -> dict[str, tuple[float, float]]:
    if view == "side":
        return {name: (v[0], v[1]) for name, v in body.points.items()}
    c, s = math.cos(LOOK_DOWN), math.sin(LOOK_DOWN)
    return {name: (v[0] - OBLIQUE * v[2], v[1] * c - v[2] * s)
            for name, v in body.points.items()}


@dataclass
class _Frame:
    """One pose drawn: bold and thin polylines, circles, in floor coordinates (y up)."""

    bold: list[list[tuple[float, float]]]
    thin: list[list[tuple[float, float]]]
    circles: list[tuple[float, float, float]]
    dots: list[tuple[float, float, float]]  # filled: weights, a pillow

    def xs(self) -> list[float]:
        return [x for line in self.bold + self.thin for x, _ in line] + \
            [c[0] + d for c in self.circles + self.dots for d in (-c[2], c[2])]

    def ys(self) -> list[float]:
        return [y for line in self.bold + self.thin for _, y in line] + \
            [c[1] + d for c in self.circles + self.dots for d in (-c[2], c[2])]


def _placed(picture: Picture, pose: Pose) -> tuple[_Body, dict[str, tuple[float, float]]]:
    """The pose's joints as drawn: x from the first heel, y up from the floor line."""
    body = _pose_points(picture.view, pose)
    flat = _project(picture.view, body)
    if pose.on == "step":
        base = min(flat[f"{j}0"][1] for j in ("ankle", "heel", "toes")) - STEP_H
    else:
        base = min([y for name, (_, y) in flat.items() if name != "head"]
                   + [flat["head"][1] - HEAD_R]) - pose.get("lift")[0]
        if "mat" in picture.props:
            base -= MAT
    anchor = flat["heel0"][0]  # props stand where they stand relative to the first foot
    return body, {name: (x - anchor, y - base) for name, (x, y) in flat.items()}


def _frame(picture: Picture, pose: Pose, seat: tuple[float, float] | None,
           arrow: tuple[str, str] | None) -> _Frame:
    body, pt = _placed(picture, pose)
    frame = _Frame(bold=[], thin=[], circles=[], dots=[])
    hx, hy = pt["head"]
    frame.circles.append((hx, hy, HEAD_R))
    trunk = [pt["chest"], pt["pelvis"]]
    if picture.view == "front" and abs(pose.get("tilt")[0]) < 60:
        frame.bold += [[pt["shoulder1"], pt["shoulder0"]], [pt["hip1"], pt["hip0"]]]
        # in a front view the legs hang from the ends of the hip line, the arms from the
        # shoulders' (a side view draws them from the pelvis and the chest)
    frame.bold.append(trunk)
    for side, names in body.limbs:
        line = [pt[n] for n in names]
        start = [pt["pelvis"]] if names[0].startswith("hip") else [pt["chest"]]
        (frame.bold if side == 0 or picture.view == "front" else frame.thin).append(
            (start if picture.view == "side" else []) + line)
    _props(picture, pt, seat, frame)
    if arrow:
        _arrow(picture, pt, arrow, frame)
    return frame


def _props(picture: Picture, pt: dict, seat: tuple[float, float] | None, frame: _Frame) -> None:
    for prop in picture.props:
        if prop in ("chair", "box") and seat:
            sx, sy = seat
            if prop == "chair":
                frame.thin += [[(sx - 8, sy + 26), (sx - 8, 0)], [(sx - 8, sy), (sx + 12, sy)],
                               [(sx + 12, sy), (sx + 12, 0)]]
            else:
                frame.thin.append([(sx - 12, 0), (sx - 12, sy), (sx + 4, sy), (sx + 4, 0)])
        elif prop == "step":
            heel, toes = pt["heel0"], pt["toes0"]
            frame.thin.append([(heel[0] - 14, 0), (heel[0] - 14, STEP_H), (toes[0] + 1, STEP_H),
                               (toes[0] + 1, 0)])
        elif prop == "mat":
            xs = [p[0] for p in pt.values()]
            frame.thin.append([(min(xs) - 8, 0), (min(xs) - 8, MAT), (max(xs) + 8, MAT),
                               (max(xs) + 8, 0)])
        elif prop == "wall":
            # at the hands when they reach forward to it, else behind the back (and head)
            # leaning on it
            reach = max(pt["hand0"][0], pt["hand1"][0])
            x = reach + 1 if _at_wall(picture, pt, reach) else \
                min(pt["head"][0] - HEAD_R, pt["chest"][0], pt["pelvis"][0]) - 1
            frame.thin.append([(x, 0), (x, 100)])
        elif prop == "band":
            hand = pt["hand0"]
            frame.thin += [[hand, (pt["chest"][0] + 40, hand[1])],
                           [(pt["chest"][0] + 40, 0), (pt["chest"][0] + 40, hand[1] + 8)]]
        elif prop == "dumbbells":
            for i in (0, 1):  # not in a hand that holds the wall
                if not _at_wall(picture, pt, pt[f"hand{i}"][0]):
                    frame.circles.append((*pt[f"hand{i}"], 3))
        elif prop == "kettlebell":  # filled: an open ring at the chin reads as a second head
            frame.dots.append((*pt["hand0"], 4))
        elif prop == "towel":
            heel, toes = pt["heel0"], pt["toes0"]
            frame.thin.append([(heel[0] - 2, 1), (toes[0] + 8, 1)])
        elif prop == "pillow":  # filled, a little down the thighs: not a head on the knee
            (kx, ky), (hx, hy) = pt["knee0"], pt["hip0"]
            k = 4 / max(math.dist((kx, ky), (hx, hy)), 1)
            frame.dots.append((kx + (hx - kx) * k, ky + (hy - ky) * k, 3))
        elif prop == "weight":  # on top of the thigh, a little back from the knee
            (kx, ky), (hx, hy) = pt["knee0"], pt["hip0"]
            k = 5 / max(math.dist((kx, ky), (hx, hy)), 1)
            frame.dots.append((kx + (hx - kx) * k, ky + (hy - ky) * k + 5.5, 4))
        elif prop == "belt":
            for i in (0, 1):
                hip, knee = pt[f"hip{i}"], pt[f"knee{i}"]
                frame.circles.append(((hip[0] + 2 * knee[0]) / 3, (hip[1] + 2 * knee[1]) / 3, 2))


_ARROW_POINT = {"head": "head", "hand": "hand0", "elbow": "elbow0", "hip": "pelvis",
                "knee": "knee0", "foot": "ankle0", "heel": "heel0", "toes": "toes0"}


def _arrow(picture: Picture, pt: dict, arrow: tuple[str, str], frame: _Frame) -> None:
    """A straight arrow beside a joint of the first pose, pointing the way it moves."""
    x, y = pt[_ARROW_POINT[arrow[0]]]
    cx = sum(p[0] for p in pt.values()) / len(pt)
    dx, dy = {"up": (0, 1), "down": (0, -1), "forward": (1, 0), "back": (-1, 0),
              "out": (1, 0) if picture.view == "front" else (0, 1)}[arrow[1]]  # to pose 2
    if dx == 0:  # beside the joint, away from the body's middle
        x += 9 if x >= cx else -9
        y -= dy * 8
    else:
        y += 9
        x -= dx * 8
    _arrow_at(frame, x, y, dx, dy)


def _arrow_at(frame: _Frame, x: float, y: float, dx: int, dy: int) -> None:
    tip = (x + dx * 16, y + dy * 16)
    back, side = (-dx * 5, -dy * 5), (-dy * 3.5, dx * 3.5)
    frame.thin += [[(x, y), tip], [(tip[0] + back[0] + side[0], tip[1] + back[1] + side[1]), tip,
                                   (tip[0] + back[0] - side[0], tip[1] + back[1] - side[1])]]


@dataclass(frozen=True)
class Drawing:
    width: int
    height: int
    body: str  # the SVG elements, without the <svg> around them

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def wide(self) -> bool:
        """Too wide beside the text (lying poses side by side), so shown across it."""
        return self.width > WIDE

    @property
    def screen_width(self) -> int:
        """Its width on the page, in CSS px (the height follows from the viewBox)."""
        return round(self.width * SCREEN_PX)

    def paper_size(self) -> str:
        """Its width and height attributes in the handout."""
        return (f'width="{_mm(self.width * PAPER_MM)}mm" '
                f'height="{_mm(self.height * PAPER_MM)}mm"')


# view: foot, in the drawing's units (the body's, 4 times): a lower leg, the ankle, a heel-arch-
# ball sole, the toes from the ball
FOOT_SHANK, FOOT_ANKLE = 36.0, (18.0, 24.0)
FOOT_HEEL, FOOT_BALL, FOOT_TOES, FOOT_ARCH = (2.0, 3.0), 52.0, 18.0, 5.0
TOWEL = 3.0


def _foot_frame(picture: Picture, pose: Pose, arrow: tuple[str, str] | None) -> _Frame:
    """view: foot: the lower leg and foot close up, so a toe lift, a short foot's raised arch
    or a towel scrunch shows (a whole figure's foot is a few px)."""
    lean, toes, arch = pose.get("ankle")[0], pose.get("toes")[0], pose.get("arch")[0]
    y0 = TOWEL if "towel" in picture.props else 0.0
    ax, ay = FOOT_ANKLE[0], FOOT_ANKLE[1] + y0
    knee = (ax + FOOT_SHANK * math.sin(math.radians(lean)),
            ay + FOOT_SHANK * math.cos(math.radians(lean)))
    heel = (FOOT_HEEL[0], FOOT_HEEL[1] + y0)
    ball = (FOOT_BALL - 0.8 * arch, y0)  # a short foot: the ball drawn towards the heel
    mid = ((heel[0] + ball[0]) / 2, y0 + FOOT_ARCH + arch)  # the arch
    if toes >= 0:  # lifted: one straight line up from the ball
        t = math.radians(toes)
        toe_line = [ball, (ball[0] + FOOT_TOES * math.cos(t), y0 + FOOT_TOES * math.sin(t))]
    else:  # curled: the knuckle up, the tips down, gripping
        t = math.radians(-toes)
        knuckle = (ball[0] + FOOT_TOES / 2 * math.cos(t), y0 + FOOT_TOES / 2 * math.sin(t))
        toe_line = [ball, knuckle, (knuckle[0] + FOOT_TOES / 2 * math.cos(t),
                                    max(y0, knuckle[1] - FOOT_TOES / 2 * math.sin(2 * t)))]
    frame = _Frame(bold=[[knee, (ax, ay), heel, mid, ball], [(ax, ay), ball], toe_line],
                   thin=[], circles=[], dots=[])
    if "towel" in picture.props:  # a thick towel under the foot, bunching in front of it
        end = toe_line[-1][0] + 12
        frame.thin.append([(heel[0] - 2, 0), (heel[0] - 2, TOWEL), (end, TOWEL), (end, 0)])
    if arrow:  # above the foot, in front of the lower leg: the floor is the foot's
        dx, dy = {"up": (0, 1), "down": (0, -1), "forward": (1, 0), "back": (-1, 0),
                  "out": (0, 1)}[arrow[1]]
        x, y = (ball[0] + 14, y0 + 22) if dx else (ball[0] + FOOT_TOES + 6, y0 + 10)
        _arrow_at(frame, x, y, dx, dy)
    return frame


@functools.lru_cache(maxsize=512)
def drawing(picture: Picture) -> Drawing:
    """The picture's poses side by side on one floor line (two lying poses one above the
    other), ready to wrap in <svg> (kept: every page and handout of a protocol shows the
    same ones)."""
    seat = None
    if {"chair", "box"} & set(picture.props) and picture.view != "foot":
        lowest = min(picture.poses, key=lambda p: _seat_height(picture, p))
        seat = _seat(picture, lowest)
    frames = [_foot_frame(picture, pose, picture.arrow if i == 0 else None)
              if picture.view == "foot" else
              _frame(picture, pose, seat, picture.arrow if i == 0 else None)
              for i, pose in enumerate(picture.poses)]
    # lying poses (low and long) one above the other, each on its own floor, not a thin strip
    stacked = len(frames) == 2 and picture.view != "foot" and \
        all(max(f.ys()) <= LOW for f in frames)
    shifts, floors, x, y = [], [], PAD, 0.0
    for f in frames:
        if stacked:
            y += max(f.ys()) + PAD
            shifts.append(PAD - min(f.xs()))
            floors.append(y)
            y += GAP
        else:
            shifts.append(x - min(f.xs()))
            x += max(f.xs()) - min(f.xs()) + GAP
    if stacked:
        width = round(max(max(f.xs()) - min(f.xs()) for f in frames) + 2 * PAD)
        height = round(y - GAP + PAD)
    else:
        top = max(max(f.ys()) for f in frames)
        floors = [top + PAD] * len(frames)
        width, height = round(x - GAP + PAD), round(top + 2 * PAD)
    placed = list(zip(frames, shifts, floors, strict=True))

    def path(lines: list, dx: float, floor_y: float) -> str:
        out = ""
        for line in lines:
            points = [(round(px + dx), round(floor_y - py)) for px, py in line]
            points = [p for k, p in enumerate(points) if k == 0 or p != points[k - 1]]
            # the first point where it is, the others each from the one before (shorter)
            steps = [(b[0] - a[0], b[1] - a[1]) for a, b in itertools.pairwise(points)]
            out += "M" + _numbers(points[0]) + ("l" + _numbers(*steps) if steps else "")
        return out

    bold = "".join(path(f.bold, dx, fy) for f, dx, fy in placed)
    thin = "".join(path(f.thin, dx, fy) for f, dx, fy in placed)
    floor = "".join(f"M{round(PAD / 2)} {round(fy)}H{width - round(PAD / 2)}"
                    for fy in sorted(set(floors)))
    if "line" in picture.props and len(frames) == 2 and not stacked:  # a mark between poses
        mid = round(shifts[1] + min(frames[1].xs()) - GAP / 2)
        floor += f"M{mid} {round(floors[0] - 4)}v6"
    circles = "".join(
        f'<circle cx="{round(cx + dx)}" cy="{round(fy - cy)}" r="{_r(r)}"/>'
        for f, dx, fy in placed for cx, cy, r in f.circles) + "".join(
        f'<circle cx="{round(cx + dx)}" cy="{round(fy - cy)}" r="{_r(r)}" '
        f'fill="currentColor"/>'
        for f, dx, fy in placed for cx, cy, r in f.dots)
    body = (f'<g fill="none" stroke="currentColor" stroke-linecap="round" '
            f'stroke-linejoin="round" stroke-width="{BOLD}"><path d="{bold}"/>{circles}'
            f'<path stroke-width="{THIN}" d="{thin}{floor}"/></g>')
    return Drawing(width=width, height=height, body=body)


def _numbers(*points: tuple[int, int]) -> str:
    """Path numbers, a space between them unless a minus sign separates them."""
    out = ""
    for n in (n for p in points for n in p):
        out += str(n) if not out or n < 0 else f" {n}"
    return out


def _mm(x: float) -> str:
    return f"{x:.1f}".removesuffix(".0")


def _at_wall(picture: Picture, pt: dict, hand_x: float) -> bool:
    """A hand reaching forward to the wall (props: wall)."""
    return "wall" in picture.props and hand_x > max(pt["chest"][0], pt["pelvis"][0]) + 8


def _r(r: float) -> str:
    return str(int(r)) if float(r).is_integer() else f"{r:.1f}"


def _seat_height(picture: Picture, pose: Pose) -> float:
    return _seat(picture, pose)[1]


def _seat(picture: Picture, pose: Pose) -> tuple[float, float]:
    """Where a chair's or box's top goes: just under the pelvis of the pose, from the first
    heel (as _frame places the figure)."""
    flat = _project(picture.view, _pose_points(picture.view, pose))
    base = min([y for name, (_, y) in flat.items() if name != "head"]
               + [flat["head"][1] - HEAD_R])
    return flat["pelvis"][0] - flat["heel0"][0], flat["pelvis"][1] - base - 4


def svg(picture: Picture, title: str, scale: float | None = None) -> str:
    """A whole inline <svg> at the paper's scale (or `scale` px a unit): role="img" with the
    title screen readers read."""
    d = drawing(picture)
    size = d.paper_size() if scale is None else \
        f'width="{round(d.width * scale)}" height="{round(d.height * scale)}"'
    return (f'<svg class="fig{" wide" if d.wide else ""}" xmlns="http://www.w3.org/2000/svg" '
            f'viewBox="{d.view_box}" {size} role="img"><title>{escape(title)}</title>'
            f'{d.body}</svg>')


def sprite(pictures: dict[str, Picture]) -> str:
    """One file of every picture, a <symbol id="ID"> each, for <use href="FILE#ID">."""
    symbols = []
    for key, picture in pictures.items():
        d = drawing(picture)
        symbols.append(f'<symbol id="{escape(key)}" viewBox="{d.view_box}">{d.body}</symbol>')
    return '<svg xmlns="http://www.w3.org/2000/svg">' + "\n".join(symbols) + "</svg>\n"


# The page's drawings, a file beside it: the same bytes for every athlete of a protocol, so the
# phone keeps it (the service worker) and the page's own weight holds the plan.
DRAWINGS = "drawings.svg"
_sprites: dict[str, bytes] = {}


def drawings_file(protocol) -> bytes:
    """drawings.svg: a <symbol> per exercise of the protocol, made once per protocol digest."""
    key = protocol.digest
    if key not in _sprites:
        _sprites[key] = sprite({ex.id: ex.picture for ex in protocol.exercises.values()
                                if ex.picture}).encode()
    return _sprites[key]
