"""Exercise drawings: the pose data every exercise declares, its checks, and the SVG drawn."""

from __future__ import annotations

import math
import re
import shutil
import xml.etree.ElementTree as ET

import pytest
from factories import ROOT

from generator.errors import InputError
from generator.pose import JOINTS
from generator.protocol import load_protocol, load_protocols
from generator.render.figure import drawing, drawings_file, sprite, svg

SVG = "{http://www.w3.org/2000/svg}"
SOURCE = ROOT / "content" / "femoral-neck-stress-fracture"


@pytest.fixture(scope="module")
def protocols():
    return load_protocols(ROOT / "content")


@pytest.fixture
def editable(tmp_path):
    folder = tmp_path / "content" / "femoral-neck-stress-fracture"
    shutil.copytree(SOURCE, folder)
    return folder


def edit(folder, old, new):
    path = folder / "exercises.yaml"
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def problems(folder):
    with pytest.raises(InputError) as caught:
        load_protocol(folder)
    return [str(p) for p in caught.value.problems]


def line_of(folder, text):
    lines = (folder / "exercises.yaml").read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


def path_points(d):
    """The points of an SVG path of M (absolute) and l (relative) lines."""
    points = []
    for command, numbers in re.findall(r"([Ml])([-\d ]+)", d):
        values = [int(n) for n in re.findall(r"-?\d+", numbers)]
        pairs = list(zip(values[::2], values[1::2], strict=True))
        for k, (x, y) in enumerate(pairs):
            if command == "l" or k > 0:
                x, y = points[-1][0] + x, points[-1][1] + y
            points.append((x, y))
    return points


def test_every_shipped_exercise_has_a_picture(protocols):
    assert set(protocols) >= {"femoral-neck-stress-fracture", "tibial-bone-stress-injury",
                              "metatarsal-bone-stress-injury"}
    for protocol in protocols.values():
        for ex in protocol.exercises.values():
            assert ex.picture is not None and 1 <= len(ex.picture.poses) <= 2, ex.id


def test_a_drawing_is_one_stroked_svg_in_the_text_colour_with_the_exercise_as_title(protocols):
    ex = protocols["femoral-neck-stress-fracture"].exercises["squat_bodyweight"]
    text = svg(ex.picture, ex.name)
    root = ET.fromstring(text)  # well-formed XML
    assert root.tag == SVG + "svg" and root.get("role") == "img"
    assert root.find(SVG + "title").text == "Bodyweight squat"
    assert 'stroke="currentColor"' in text and 'fill="none"' in text
    drawn = text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert not re.search(r"#[0-9a-fA-F]{3,6}\b|rgb\(|url\(|https?:|<text|<image", drawn)
    assert not re.search(r"\d\.\d", text.split("</title>")[1].split('r="')[0])  # whole numbers
    assert len(text) < 1200  # a few hundred bytes a pose


def test_a_title_is_escaped():
    ex = load_protocol(SOURCE).exercises["squat_bodyweight"]
    assert "<title>Squat &lt;b&gt; &amp; co</title>" in svg(ex.picture, "Squat <b> & co")


def test_drawing_is_deterministic_and_two_poses_stand_side_by_side(protocols):
    ex = protocols["femoral-neck-stress-fracture"].exercises["squat_bodyweight"]
    assert svg(ex.picture, ex.name) == svg(ex.picture, ex.name)
    one = drawing(ex.picture.__class__(view="side", poses=ex.picture.poses[:1]))
    two = drawing(ex.picture)
    assert two.width > 1.6 * one.width  # start and end pose, beside each other


def test_a_standing_figure_stands_on_the_floor_and_a_hop_is_off_it(protocols):
    """The lowest point of a standing pose touches the floor line; a hop's is above it."""
    exercises = protocols["femoral-neck-stress-fracture"].exercises

    def lowest_y(picture):
        d = drawing(picture)
        bold = re.search(r'<path d="([^"]+)"', d.body).group(1)
        return max(y for _, y in path_points(bold)), d.height

    floor = lambda h: h - 3  # noqa: E731  (PAD)
    y, h = lowest_y(exercises["squat_bodyweight"].picture)
    assert abs(y - floor(h)) <= 1
    hop = exercises["pogo_hops_double"].picture
    in_air = hop.__class__(view=hop.view, poses=hop.poses[1:])
    y, h = lowest_y(in_air)
    assert floor(h) - y >= 8


def test_the_drawings_file_has_a_symbol_for_every_exercise(protocols):
    protocol = protocols["tibial-bone-stress-injury"]
    data = drawings_file(protocol)
    root = ET.fromstring(data)
    ids = {s.get("id") for s in root.iter(SVG + "symbol")}
    assert ids == set(protocol.exercises)
    assert drawings_file(protocol) == data == sprite(
        {k: e.picture for k, e in protocol.exercises.items()}).encode()


def test_an_exercise_without_a_picture_is_refused_with_its_file_and_line(editable):
    text = (editable / "exercises.yaml").read_text()
    start = text.index("  picture:", text.index("\nsquat_bodyweight:"))
    end = text.index("\n\n", start)
    (editable / "exercises.yaml").write_text(text[:start] + text[end + 1:])
    found = problems(editable)
    line = line_of(editable, "squat_bodyweight:")
    assert any(p.startswith(f"{editable / 'exercises.yaml'}:{line}:")
               and "squat_bodyweight.picture: is missing; every exercise needs a picture" in p
               for p in found), found


def test_an_unknown_joint_is_refused_with_its_line(editable):
    edit(editable, "- {trunk: -25, hip: 65, shoulder: -35, ankle: -40}",
         "- {trunk: -25, hip: 65, shoulder: -35, ankel: -40}")
    found = problems(editable)
    line = line_of(editable, "ankel: -40")
    assert any(f"exercises.yaml:{line}:" in p and
               "ankle_pumps.picture.poses[0].ankel: unknown joint 'ankel' (did you mean "
               "'ankle'?)" in p for p in found), found


def test_a_joint_out_of_its_range_is_refused_with_its_line(editable):
    edit(editable, "- {trunk: -25, hip: 65, shoulder: -35, ankle: 20}",
         "- {trunk: -25, hip: 65, shoulder: -35, ankle: 80}")
    found = problems(editable)
    line = line_of(editable, "ankle: 80")
    low, high = JOINTS["ankle"].low, JOINTS["ankle"].high
    assert any(f"exercises.yaml:{line}:" in p and "ankle_pumps.picture.poses[1].ankle: 80 is "
               f"out of the joint's range ({low} to {high})" in p for p in found), found


def test_a_knee_cannot_bend_backwards(editable):
    text = (editable / "exercises.yaml").read_text()
    old = re.search(r"\n      - \{[^}\n]*knee: 95[^}\n]*\}", text).group()
    edit(editable, old, old.replace("knee: 95", "knee: -20"))
    assert any("knee: -20 is out of the joint's range (0 to 150)" in p
               for p in problems(editable))


def test_an_unknown_prop_or_arrow_is_refused(editable):
    edit(editable, "props: [chair, dumbbells]", "props: [chair, barbell]")
    edit(editable, "arrow: [toes, back]", "arrow: [toes, sideways]")
    found = problems(editable)
    assert any("props[1]: unknown prop 'barbell'" in p for p in found), found
    assert any("ankle_pumps.picture.arrow: expected [where, which way]" in p for p in found)


def test_every_exercise_the_handout_shows_is_drawn_in_the_page_in_black(protocols):
    """The handout's how-tos and the later steps' exercises each carry their drawing in the
    page itself (a data: URL, so the PDF reads no file), named with the exercise's name."""
    from urllib.parse import unquote

    from factories import TODAY, make_profile

    from generator.render.environment import make_environment
    from generator.render.html import render_handout
    from generator.schedule import schedule

    protocol = protocols["femoral-neck-stress-fracture"]
    profile = make_profile()
    plan = schedule(profile, protocol, TODAY)
    html = render_handout(make_environment(ROOT / "templates"), plan, protocol, profile)
    how_tos = html[html.index("How to do the exercises"):]
    names = re.findall(r"<strong>([^<]+)</strong> · ", how_tos)
    images = re.findall(r'<img class="fig( wide)?" alt="([^"]+)" '
                        r'src="data:image/svg\+xml,([^"]+)">', how_tos)
    assert len(names) >= 5 and [alt for _, alt, _ in images] == names
    for wide, alt, data in images:
        drawn = unquote(data)
        assert re.match(rf'<svg class="fig{wide}" xmlns="http://www.w3.org/2000/svg" '
                        r'viewBox="[\d ]+" width="[\d.]+mm" height="[\d.]+mm" '
                        rf'role="img"><title>{re.escape(alt)}</title>', drawn), drawn
        assert 'stroke="currentColor"' in drawn  # black: no colour of its own
    assert "<use" not in html and "drawings.svg" not in html


def _joints(picture, pose_index):
    """The pose's joints as drawn: x from the first heel, y above the floor line."""
    from generator.render.figure import _placed

    return _placed(picture, picture.poses[pose_index])[1]


@pytest.mark.parametrize("protocol", ["femoral-neck-stress-fracture",
                                      "metatarsal-bone-stress-injury",
                                      "tibial-bone-stress-injury"])
def test_a_single_leg_squat_stands_on_the_working_foot_only(protocols, protocol):
    """The review's M2: at the bottom the working foot is flat on the floor and the other
    foot is off it (not a staggered two-foot squat); at the start the free foot is clearly up."""
    ids = [i for i in ("single_leg_squat", "single_leg_squat_weighted")
           if i in protocols[protocol].exercises]
    for ex_id in ids:
        picture = protocols[protocol].exercises[ex_id].picture
        for k in (0, 1):
            p = _joints(picture, k)
            assert abs(p["heel0"][1]) < 1 and abs(p["toes0"][1]) < 1, (ex_id, k)
            assert min(p["heel1"][1], p["toes1"][1]) > 5, (ex_id, k)


def test_a_side_plank_rests_on_the_forearm(protocols):
    """The review's M4 ("elbow under your shoulder"): the forearm lies on the mat, drawn
    slanting from the elbow (a front view seen a little from the feet), not hidden behind
    the upper arm as a straight-arm post."""
    for protocol, ex_id in (("femoral-neck-stress-fracture", "side_plank_full"),
                            ("tibial-bone-stress-injury", "side_plank_modified"),
                            ("metatarsal-bone-stress-injury", "side_plank_knees")):
        p = _joints(protocols[protocol].exercises[ex_id].picture, 0)
        elbow, hand, shoulder = p["elbow0"], p["hand0"], p["shoulder0"]
        assert abs(elbow[0] - hand[0]) >= 6, ex_id  # the forearm shows its length
        assert abs(elbow[1] - hand[1]) <= 6, ex_id  # ... lying on the mat
        assert abs(elbow[0] - shoulder[0]) <= 4, ex_id  # elbow under the shoulder


def test_a_step_down_reaches_the_floor_in_front_of_the_step(protocols):
    """The review's M3: the free heel comes down in front of the step, near the floor."""
    picture = protocols["femoral-neck-stress-fracture"].exercises["step_down"].picture
    end = _joints(picture, 1)
    assert end["heel1"][0] > end["toes0"][0] + 1  # beyond the step's front edge
    assert end["heel1"][1] < 3
    assert abs(end["heel0"][1] - end["toes0"][1]) < 1  # the working foot flat on the step


def _size(svg_text, attribute):
    return float(re.search(rf' {attribute}="([\d.]+)', svg_text).group(1))


def test_every_drawing_is_at_one_scale_on_paper_and_on_the_phone(protocols):
    """The review's S1: no drawing is fitted to a box (a 4 mm ankle pump beside a 111 mm
    short foot); every one is drawn at the same mm (paper) and px (phone) a unit, so figures
    and strokes are the same size from one exercise to the next."""
    from generator.render.figure import PAPER_MM, SCREEN_PX

    heights = {}
    for protocol in protocols.values():
        for ex in protocol.exercises.values():
            d = drawing(ex.picture)
            text = svg(ex.picture, ex.name)
            assert _size(text, "width") == pytest.approx(d.width * PAPER_MM, abs=0.05)
            assert _size(text, "height") == pytest.approx(d.height * PAPER_MM, abs=0.05)
            assert d.screen_width == round(d.width * SCREEN_PX)
            heights[ex.id] = _size(text, "height")
            assert _size(text, "width") <= 75, ex.id  # within the handout's half-page column
    # a standing figure is about 3 cm on paper, a lying one shorter, never a strip of 3 mm
    assert 28 <= heights["squat_bodyweight"] <= 36
    assert heights["squat_bodyweight"] == pytest.approx(heights["hip_hinge_bodyweight"], abs=1)
    assert heights["short_foot_standing"] <= 40
    assert min(heights.values()) >= 6


def test_the_page_sizes_each_drawing_from_its_viewbox(protocols):
    """The page's <svg> carries its width in px at the one scale (its height follows from the
    viewBox), so the phone draws a squat and a bridge with the same strokes."""
    from generator.render.environment import make_environment

    env = make_environment(ROOT / "templates")
    macro = env.from_string('{% from "partials/drawing.html" import drawing %}{{ drawing(ex) }}')
    for ex_id in ("squat_bodyweight", "towel_scrunches"):
        ex = protocols["tibial-bone-stress-injury"].exercises[ex_id]
        d = drawing(ex.picture)
        html = macro.render(ex=ex)
        assert f'viewBox="0 0 {d.width} {d.height}" width="{d.screen_width}"' in html
        assert ("wide" in html.split(">")[0]) == (ex_id == "towel_scrunches")


def _picture(view, poses, props=(), arrow=None):
    from generator.pose import Picture, Pose

    return Picture(view=view, poses=tuple(
        Pose(angles=tuple((k, v if isinstance(v, tuple) else (v, v)) for k, v in p.items()))
        for p in poses), props=tuple(props), arrow=arrow)


def test_a_dumbbell_is_not_drawn_in_the_hand_on_the_wall():
    """The review's S7: 'dumbbell on the same side, other hand on a wall' draws one weight,
    in the hanging hand; the hand on the wall holds none."""
    picture = _picture("side", [{"shoulder": (10.0, 60.0), "elbow": (0.0, 20.0)}],
                       props=("wall", "dumbbells"))
    weights = re.findall(r'<circle [^>]*r="3"', drawing(picture).body)
    assert len(weights) == 1
    both = _picture("side", [{"shoulder": 10.0}], props=("dumbbells",))
    assert len(re.findall(r'<circle [^>]*r="3"', drawing(both).body)) == 2


def test_a_kettlebell_and_a_pillow_are_filled_not_a_second_head():
    """The review's S3/S4: an open ring beside the chin or on the knee reads as a head."""
    goblet = _picture("side", [{"shoulder": 20.0, "elbow": 130.0}], props=("kettlebell",))
    assert re.search(r'<circle [^>]*r="4" fill="currentColor"/>', drawing(goblet).body)
    lying = _picture("side", [{"trunk": -90.0, "hip": 60.0, "knee": 140.0}], props=("pillow",))
    assert re.search(r'<circle [^>]*r="3" fill="currentColor"/>', drawing(lying).body)
    seated = _picture("side", [{"trunk": 15.0, "hip": 105.0, "knee": 90.0, "shoulder": 46.0}],
                      props=("chair", "weight"))  # N9: on the thighs, not a dot on the knee
    from generator.render.figure import _frame

    (x, y, r), = _frame(seated, seated.poses[0], None, None).dots
    knee, hip = _joints(seated, 0)["knee0"], _joints(seated, 0)["hip0"]
    assert r == 4 and math.dist((x, y), knee) >= 5 and y > max(knee[1], hip[1])  # on top


def test_a_wall_behind_the_back_is_behind_the_head_too():
    """The review's S10: leaning back on a wall, the wall line does not cross the head."""
    from generator.render.figure import HEAD_R

    picture = _picture("side", [{"trunk": -12.0, "ankle": -12.0, "shoulder": 5.0}],
                       props=("wall",))
    d = drawing(picture)
    head = re.search(r'<circle cx="(\d+)"', d.body)
    thin = re.findall(r'<path stroke-width="2" d="([^"]+)"', d.body)[0]
    walls = [points for part in thin.split("M")[1:] if (points := path_points("M" + part))
             and len({x for x, _ in points}) == 1 and abs(points[0][1] - points[-1][1]) > 50]
    assert len(walls) == 1
    assert walls[0][0][0] < int(head.group(1)) - HEAD_R


def test_a_sideways_hop_points_to_its_second_pose_over_a_line():
    """The review's S11/S12: in a front view `out` points right, where the second pose
    stands, and a `line` prop marks the floor between the poses."""
    hop = _picture("front", [{"hip": 10.0}, {"hip": 10.0, "lift": 10.0}], props=("line",),
                   arrow=("foot", "out"))
    plain = _picture("front", [{"hip": 10.0}, {"hip": 10.0, "lift": 10.0}],
                     arrow=("foot", "out"))
    thin = re.findall(r'<path stroke-width="2" d="([^"]+)"', drawing(hop).body)[0]
    shaft = path_points("M" + thin.split("M")[1])
    assert shaft[1][0] > shaft[0][0]  # the arrow's shaft runs to the right
    assert len(thin) > len(re.findall(r'<path stroke-width="2" d="([^"]+)"',
                                      drawing(plain).body)[0])  # the line's mark


def test_a_foot_view_shows_the_toes_and_the_arch_close_up(protocols):
    """The review's S14: toe lifts, the short foot and towel scrunches draw the lower leg and
    foot close up (the foot ~4 times a whole figure's), where the movement shows: the toes
    lifted, the arch lifted with the ball drawn towards the heel, the toes curled on a towel."""
    from generator.render.figure import _foot_frame

    def foot(**angles):
        picture = _picture("foot", [angles], props=("towel",) if angles.get("toes", 0) < 0
                           else ())
        heel_to_shin, _ankle, sole_to_toes = _foot_frame(picture, picture.poses[0], None).bold[:3]
        return heel_to_shin, sole_to_toes

    (_, _, heel, mid, ball), toes = foot(toes=0.0)
    assert ball[0] - heel[0] >= 40  # a whole figure's foot is 11 units long
    (_, _, _, lifted_mid, short_ball), _ = foot(arch=10.0)
    assert lifted_mid[1] >= mid[1] + 8 and short_ball[0] <= ball[0] - 6
    _, lifted = foot(toes=30.0)
    assert lifted[-1][1] >= 8  # the toes' tip off the floor
    _, curled = foot(toes=-55.0)
    floor = curled[0][1]
    assert curled[1][1] >= floor + 6 and curled[-1][1] <= floor + 1  # knuckle up, tips down
    for ex_id in ("toe_spread", "short_foot_seated", "towel_scrunch", "short_foot_standing"):
        assert protocols["metatarsal-bone-stress-injury"].exercises[ex_id].picture.view == "foot"


def test_two_lying_poses_stand_one_above_the_other(protocols):
    """The review's N11: a bridge's start and end side by side made a strip 4-7 times wider
    than high; one above the other (each on its floor) it is about as wide as high."""
    for ex_id in ("bridge_double", "dead_bug", "ankle_circles", "side_lying_leg_raise"):
        d = drawing(protocols["tibial-bone-stress-injury"].exercises[ex_id].picture)
        assert not d.wide and 0.6 <= d.height / d.width <= 1.6, (ex_id, d.width, d.height)
        floors = re.findall(r"M\d+ (\d+)H", d.body)
        assert len(floors) == 2 and int(floors[1]) > int(floors[0]) + 20, ex_id
    standing = drawing(protocols["tibial-bone-stress-injury"].exercises["squat_bodyweight"]
                       .picture)
    assert len(re.findall(r"M\d+ \d+H", standing.body)) == 1  # side by side, one floor
