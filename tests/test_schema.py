"""The declarative validator: what a clinician reads when a profile field is wrong, and where."""

from __future__ import annotations

import datetime as dt

import pytest

from generator.schema import MAX_ITEMS, Field, validate
from generator.yamlsource import parse

FILE = "plans/jordan-lee.yaml"

# A small intake form in the shape of a profile, so each kind is seen as a clinician meets it.
FORM = Field("section", fields={
    "name": Field("text", required=True, max_length=12, doc="the athlete's name"),
    "side": Field("choice", required=True, choices=("left", "right")),
    "diagnosed": Field("date", required=True, doc="the day the plan's clock starts"),
    "mri_grade": Field("int", minimum=1, maximum=4),
    "fracture_line_percent": Field("number", minimum=0, maximum=100),
    "displaced": Field("bool", default=False),
    "fracture_side": Field("choice", choices=("compression", "tension"), default="compression"),
    "risk_factors": Field("list", unique=True, items=Field("text", max_length=30)),
    "goals": Field("list", min_items=1, items=Field("text"), default=["walk"]),
    "clinician": Field("section", fields={"name": Field("text"), "phone": Field("text")}),
    "overrides": Field("map", items=Field("int", minimum=0, maximum=2000)),
    "progress": Field("list", items=Field("section", fields={
        "date": Field("date", required=True, doc="the day it happened"),
        "event": Field("text", required=True),
    })),
})

VALID = "name: Jordan Lee\nside: left\ndiagnosed: 2026-09-01\n"


def check(text: str, schema: Field = FORM):
    """The cleaned value and every problem, each as the one line `rehab` prints."""
    value, problems = validate(parse(text, FILE), schema)
    return value, [str(p) for p in problems]


def problems_of(text: str, schema: Field = FORM) -> list[str]:
    return check(text, schema)[1]


def test_a_valid_form_has_no_problem_and_keeps_what_was_written():
    value, problems = check(VALID + "mri_grade: 3\nrisk_factors: [low_energy_availability]\n"
                            "clinician:\n  name: Dr Rivera\n")
    assert problems == []
    assert value["name"] == "Jordan Lee"
    assert value["diagnosed"] == dt.date(2026, 9, 1)
    assert value["mri_grade"] == 3
    assert value["risk_factors"] == ["low_energy_availability"]
    assert value["clinician"] == {"name": "Dr Rivera", "phone": None}


def test_what_is_left_out_gets_its_default():
    value, problems = check(VALID)
    assert problems == []
    assert value["displaced"] is False
    assert value["fracture_side"] == "compression"
    assert value["goals"] == ["walk"]
    assert value["risk_factors"] == []
    assert value["mri_grade"] is None
    assert value["clinician"] == {"name": None, "phone": None}  # a section's own defaults


def test_a_key_with_no_value_gets_its_default_too():
    value, problems = check(VALID + "displaced:\nfracture_side:\n")
    assert problems == []
    assert (value["displaced"], value["fracture_side"]) == (False, "compression")


# --- text ------------------------------------------------------------------------------------

def test_text_longer_than_its_limit_says_how_long_and_the_limit():
    assert problems_of("name: Jordan Alexander Lee\nside: left\ndiagnosed: 2026-09-01\n") == [
        f"{FILE}:1:1: name: is 20 characters long; the limit is 12"]


@pytest.mark.parametrize("written", ["name:", "name: ''", "name: '   '"])
def test_required_text_left_blank_is_named(written):
    assert problems_of(written + "\nside: left\ndiagnosed: 2026-09-01\n") == [
        f"{FILE}:1:1: name: is empty; expected text"]


def test_a_number_where_text_is_expected_is_taken_as_text():
    value, problems = check("name: 1234\nside: left\ndiagnosed: 2026-09-01\n")
    assert problems == [] and value["name"] == "1234"


@pytest.mark.parametrize("written, got", [
    ("yes", "'true' (true/false)"),
    ("[Jordan, Lee]", "a list"),
    ("{first: Jordan}", "a set of fields"),
])
def test_text_refuses_what_is_not_text(written, got):
    assert problems_of(f"name: {written}\nside: left\ndiagnosed: 2026-09-01\n") == [
        f"{FILE}:1:1: name: expected text, got {got}"]


# --- whole numbers and numbers ---------------------------------------------------------------

@pytest.mark.parametrize("written, message", [
    ("0", "0 is below the minimum of 1"),
    ("5", "5 is above the maximum of 4"),
    ("2.5", "expected a whole number, got the number 2.5"),
    ("two", "expected a whole number, got 'two'"),
    ("true", "expected a whole number, got 'true' (true/false)"),
    (".nan", "expected a whole number, got the number nan"),
])
def test_a_whole_number_out_of_range_or_of_the_wrong_kind(written, message):
    assert problems_of(VALID + f"mri_grade: {written}\n") == [f"{FILE}:4:1: mri_grade: {message}"]


@pytest.mark.parametrize("written, message", [
    ("-0.5", "-0.5 is below the minimum of 0"),
    ("100.5", "100.5 is above the maximum of 100"),
    (".nan", "expected a number, got nan"),
    (".inf", "expected a number, got inf"),
    ("-.inf", "expected a number, got -inf"),
    ("half", "expected a number, got 'half'"),
])
def test_a_number_out_of_range_not_finite_or_not_a_number(written, message):
    assert problems_of(VALID + f"fracture_line_percent: {written}\n") == [
        f"{FILE}:4:1: fracture_line_percent: {message}"]


@pytest.mark.parametrize("written, expected", [("0", 0), ("100", 100), ("37.5", 37.5)])
def test_a_number_at_or_inside_its_bounds_is_kept(written, expected):
    value, problems = check(VALID + f"fracture_line_percent: {written}\n")
    assert problems == [] and value["fracture_line_percent"] == expected


# --- true or false ---------------------------------------------------------------------------

@pytest.mark.parametrize("written, expected", [("true", True), ("no", False), ("Yes", True)])
def test_yes_and_no_are_true_and_false(written, expected):
    value, problems = check(VALID + f"displaced: {written}\n")
    assert problems == [] and value["displaced"] is expected


@pytest.mark.parametrize("written, got", [("'no'", "'no'"), ("1", "the number 1"),
                                          ("maybe", "'maybe'")])
def test_anything_else_is_not_true_or_false(written, got):
    value, problems = check(VALID + f"displaced: {written}\n")
    assert problems == [f"{FILE}:4:1: displaced: expected true or false, got {got}"]
    assert value["displaced"] is False  # the default, never a guess


# --- dates -----------------------------------------------------------------------------------

@pytest.mark.parametrize("written, got", [
    ("1 September 2026", "'1 September 2026'"),
    ("09/01/2026", "'09/01/2026'"),
    ("20260901", "the number 20260901"),
])
def test_a_date_must_be_written_year_month_day(written, got):
    assert problems_of(f"name: Jordan\nside: left\ndiagnosed: {written}\n") == [
        f"{FILE}:3:1: diagnosed: expected a date (YYYY-MM-DD), got {got}"]


def test_a_missing_required_date_says_what_it_is_for():
    assert problems_of("name: Jordan\nside: left\n") == [
        f"{FILE}:1:1: diagnosed: is missing; expected a date (YYYY-MM-DD) "
        "(the day the plan's clock starts)"]


# --- choices ---------------------------------------------------------------------------------

@pytest.mark.parametrize("written, hint", [
    ("lfet", " (did you mean 'left'?)"),
    ("Rihgt", " (did you mean 'right'?)"),
    ("both", ""),
])
def test_a_choice_lists_what_is_allowed_and_suggests_the_closest(written, hint):
    assert problems_of(f"name: Jordan\nside: {written}\ndiagnosed: 2026-09-01\n") == [
        f"{FILE}:2:1: side: '{written}' is not allowed; expected one of left, right{hint}"]


@pytest.mark.parametrize("written", ["Right", "RIGHT", " right"])
def test_a_choice_in_other_capitals_is_the_choice_as_declared(written):
    value, problems = check(f"name: Jordan\nside: '{written}'\ndiagnosed: 2026-09-01\n")
    assert problems == [] and value["side"] == "right"


# --- lists -----------------------------------------------------------------------------------

def test_an_item_listed_twice_is_pointed_at_where_it_is_written_the_second_time():
    text = VALID + "risk_factors:\n  - amenorrhoea\n  - low_bone_density\n  - amenorrhoea\n"
    assert problems_of(text) == [f"{FILE}:7:5: risk_factors[2]: 'amenorrhoea' is listed twice"]


def test_items_that_cannot_be_read_are_not_also_called_duplicates():
    schema = Field("section", fields={"risk": Field("list", unique=True, items=Field(
        "choice", choices=("low_bmi", "late_menarche")))})
    assert problems_of("risk: [x, x, low_bmi, low_bmi]\n", schema) == [
        f"{FILE}:1:8: risk[0]: 'x' is not allowed; expected one of low_bmi, late_menarche",
        f"{FILE}:1:11: risk[1]: 'x' is not allowed; expected one of low_bmi, late_menarche",
        f"{FILE}:1:23: risk[3]: 'low_bmi' is listed twice"]


def test_a_list_over_its_limit_is_one_problem_not_one_per_item():
    items = ", ".join(["amenorrhoea"] * (MAX_ITEMS + 1))
    assert problems_of(VALID + f"risk_factors: [{items}]\n") == [
        f"{FILE}:4:1: risk_factors: has {MAX_ITEMS + 1:,} items; the limit is {MAX_ITEMS:,}"]
    short = Field("section", fields={"events": Field("list", max_items=2, items=Field("int"))})
    assert problems_of("events: [1, 2]\n", short) == []
    assert problems_of("events: [1, x, 3]\n", short) == [
        f"{FILE}:1:1: events: has 3 items; the limit is 2"]


def test_a_map_over_its_limit_is_one_problem():
    schema = Field("section", fields={"overrides": Field("map", max_items=2, items=Field("int"))})
    assert problems_of("overrides: {a: 1, b: x, c: y}\n", schema) == [
        f"{FILE}:1:1: overrides: has 3 entries; the limit is 2"]


def test_a_list_that_needs_an_item_says_so():
    assert problems_of(VALID + "goals: []\n") == [f"{FILE}:4:1: goals: needs at least 1 item"]


def test_a_single_value_where_a_list_is_expected_says_how_to_write_a_list():
    assert problems_of(VALID + "risk_factors: amenorrhoea\n") == [
        f"{FILE}:4:1: risk_factors: expected a list, got 'amenorrhoea' "
        "(write items on lines starting with '- ', or as [a, b])"]


def test_each_item_is_checked_and_named_by_its_position():
    text = VALID + "risk_factors: [amenorrhoea, relative-energy-deficiency-in-sport]\n"
    assert problems_of(text) == [
        f"{FILE}:4:29: risk_factors[1]: is 35 characters long; the limit is 30"]


# --- sections --------------------------------------------------------------------------------

def test_a_misspelt_field_is_refused_with_the_closest_name():
    assert problems_of(VALID + "clinician:\n  nmae: Dr Rivera\n") == [
        f"{FILE}:5:3: clinician.nmae: unknown field 'nmae' (did you mean 'name'?)"]


def test_an_unknown_field_with_no_close_name_lists_the_known_ones():
    assert problems_of(VALID + "clinician:\n  pager: 555\n") == [
        f"{FILE}:5:3: clinician.pager: unknown field 'pager' (known fields: name, phone)"]


def test_a_missing_required_field_is_named_with_what_it_expects():
    assert problems_of("name: Jordan\ndiagnosed: 2026-09-01\n") == [
        f"{FILE}:1:1: side: is missing; expected one of left, right"]


def test_a_missing_field_inside_a_list_item_points_at_that_item():
    text = VALID + "progress:\n  - date: 2026-10-01\n    event: pause\n  - event: setback\n"
    assert problems_of(text) == [
        f"{FILE}:7:5: progress[1].date: is missing; expected a date (YYYY-MM-DD) "
        "(the day it happened)"]


def test_a_value_where_a_section_is_expected():
    value, problems = check(VALID + "clinician: Dr Rivera\n")
    assert problems == [
        f"{FILE}:4:1: clinician: expected a set of fields (key: value lines), got 'Dr Rivera'"]
    assert value["clinician"] == {"name": None, "phone": None}


# --- maps ------------------------------------------------------------------------------------

def test_a_map_checks_each_value_and_names_its_key():
    value, problems = check(VALID + "overrides:\n  non_weight_bearing: 10\n"
                            "  walk_run: -1\n  strength: lots\n")
    assert problems == [
        f"{FILE}:6:3: overrides.walk_run: -1 is below the minimum of 0",
        f"{FILE}:7:3: overrides.strength: expected a whole number, got 'lots'",
    ]
    assert value["overrides"]["non_weight_bearing"] == 10


def test_a_list_where_a_map_is_expected():
    assert problems_of(VALID + "overrides: [10, 12]\n") == [
        f"{FILE}:4:1: overrides: expected a set of named entries, got a list"]


# --- all at once -----------------------------------------------------------------------------

def test_every_problem_in_the_file_is_reported_at_once_each_where_it_is_written():
    text = """\
name: Jordan Alexander Lee
sied: left
diagnosed: 2026-09-01
mri_grade: 7
fracture_line_percent: .nan
displaced: maybe
risk_factors: [amenorrhoea, amenorrhoea]
clinician:
  phnoe: 555 0100
"""
    assert sorted(problems_of(text), key=lambda p: [int(n) for n in p.split(":")[1:3]]) == [
        f"{FILE}:1:1: name: is 20 characters long; the limit is 12",
        f"{FILE}:1:1: side: is missing; expected one of left, right",
        f"{FILE}:2:1: sied: unknown field 'sied' (did you mean 'side'?)",
        f"{FILE}:4:1: mri_grade: 7 is above the maximum of 4",
        f"{FILE}:5:1: fracture_line_percent: expected a number, got nan",
        f"{FILE}:6:1: displaced: expected true or false, got 'maybe'",
        f"{FILE}:7:29: risk_factors[1]: 'amenorrhoea' is listed twice",
        f"{FILE}:9:3: clinician.phnoe: unknown field 'phnoe' (did you mean 'phone'?)",
    ]
