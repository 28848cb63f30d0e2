"""Scenario files (sim/scenario.py): the bundled files, `extends`, and one clear ScenarioError
naming the file and the key for every kind of malformed file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.policy import DEFAULT_PHASES, Phase
from sim.scenario import (
    BUNDLED,
    Scenario,
    ScenarioError,
    bundled_descriptions,
    bundled_dir,
    load_scenario,
)
from sim.world import World


@pytest.fixture(scope="module")
def world() -> World:
    return World.load()


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


# --- bundled scenarios ---------------------------------------------------------------------------
def test_bundled_files_are_exactly_the_listed_ones():
    on_disk = sorted(p.stem for p in bundled_dir().glob("*.toml"))
    assert on_disk == sorted(BUNDLED)
    assert len(BUNDLED) == 6
    descriptions = bundled_descriptions()
    assert list(descriptions) == list(BUNDLED)
    assert all(len(d) > 20 for d in descriptions.values())


@pytest.mark.parametrize("name", BUNDLED)
def test_every_bundled_scenario_loads_and_checks_against_the_world(world, name):
    sc = load_scenario(name, world)
    assert sc.name == name
    assert sc.description == bundled_descriptions()[name]  # not inherited from the parent
    by_path = load_scenario(bundled_dir() / f"{name}.toml", world)
    assert by_path == sc
    assert Scenario.model_validate(sc.resolved()) == sc  # resolved() is complete
    json.dumps(sc.resolved())


def test_bundled_scenarios_say_what_their_names_say(world):
    sc = {name: load_scenario(name, world).policy.programme for name in BUNDLED}
    assert not sc["baseline"].enabled
    prog = sc["msd_programme"]
    assert prog.enabled and prog.phases == DEFAULT_PHASES
    assert [p.name for p in prog.phases] == ["forerunner", "A", "B", "C"]
    forerunner = prog.phases[0]
    assert forerunner.start_year == 2022
    assert set(forerunner.specialties) == {"cardiology", "haematology", "obstetrics_gynaecology"}
    assert all(p.years == 5 for p in prog.phases)
    assert prog.deprivation_weight == 0.2
    for name, years in (("msd_fast", 3), ("msd_slow", 10)):
        assert [p.years for p in sc[name].phases] == [years] * 4
        assert [p.start_year for p in sc[name].phases] == [p.start_year for p in prog.phases]
        assert sc[name].model_copy(update={"phases": prog.phases}) == prog  # only phases differ
    assert sc["msd_no_capacity_growth"].capacity_growth == 0.0
    assert prog.capacity_growth > 0.0
    expansion = sc["msd_with_expansion"].expansion
    assert sum(e.posts_per_year * e.years for e in expansion) == 3 * 333 + 3 * 40
    assert expansion[1].specialties == ("obstetrics_gynaecology",)
    assert all(not s.expansion for n, s in sc.items() if n != "msd_with_expansion")


def test_unknown_scenario_name():
    with pytest.raises(ScenarioError, match="unknown scenario 'no_such_thing'"):
        load_scenario("no_such_thing")


# --- extends --------------------------------------------------------------------------------------
def test_user_file_extends_a_bundled_scenario_and_overrides_one_key(tmp_path, world):
    path = write(
        tmp_path,
        "mine.toml",
        'name = "mine"\nextends = "msd_programme"\n\n[policy.programme]\ncapacity_growth = 0.2\n',
    )
    mine = load_scenario(path, world)
    parent = load_scenario("msd_programme", world)
    assert mine.name == "mine"
    assert mine.description == ""  # a description is not inherited
    assert mine.policy.programme.capacity_growth == 0.2
    same = mine.policy.programme.model_copy(
        update={"capacity_growth": parent.policy.programme.capacity_growth}
    )
    assert same == parent.policy.programme  # every other lever is the parent's
    assert mine.world == parent.world and mine.policy.incentives == parent.policy.incentives


def test_extends_chains_through_relative_paths_and_merges_tables(tmp_path, world):
    sub = tmp_path / "sub"
    sub.mkdir()
    write(
        sub,
        "middle.toml",
        'name = "middle"\nextends = "msd_fast"\n\n'
        "[world]\nrotation_share = 0.3\n[policy.programme]\ncapacity_growth = 0.1\n",
    )
    top = write(
        tmp_path,
        "top.toml",
        'name = "top"\nextends = "sub/middle.toml"\n\n'
        "[policy.programme]\nsupervisor_share = 0.9\n"
        '[[policy.programme.phases]]\nname = "only"\nstart_year = 2025\n'
        'specialties = ["group:surgery"]\n',
    )
    sc = load_scenario(top, world)
    prog = sc.policy.programme
    assert sc.world.rotation_share == 0.3  # from the middle file
    assert prog.capacity_growth == 0.1 and prog.supervisor_share == 0.9  # tables merged
    assert prog.enabled  # from msd_programme, two levels up
    assert prog.phases == (Phase(name="only", start_year=2025, specialties=("group:surgery",)),)


# --- malformed files --------------------------------------------------------------------------
GOOD_PHASE = (
    '[[policy.programme.phases]]\nname = "A"\nstart_year = 2024\nspecialties = ["cardiology"]\n'
)
MALFORMED = {
    # id: (file text, key that the message must name, extra words it must contain)
    "unknown_top_level_key": ('name = "x"\ncolour = "red"\n', "colour", "unknown key"),
    "unknown_nested_key": (
        'name = "x"\n[policy.programme]\nspeed = 3\n',
        "policy.programme.speed",
        "unknown key",
    ),
    "unknown_world_key": ('name = "x"\n[world]\nattrition = 0.1\n', "world.attrition", "unknown"),
    "unknown_table": ('name = "x"\n[policies]\nx = 1\n', "policies", "unknown key"),
    "wrong_type_string_for_number": (
        'name = "x"\n[policy.programme]\ndeprivation_weight = "0.3"\n',
        "policy.programme.deprivation_weight",
        "number",
    ),
    "wrong_type_string_for_bool": (
        'name = "x"\n[policy.programme]\nenabled = "yes"\n',
        "policy.programme.enabled",
        "boolean",
    ),
    "wrong_type_float_for_int": (
        'name = "x"\n[policy.programme]\ntarget_year = 2030.0\n',
        "policy.programme.target_year",
        "integer",
    ),
    "wrong_type_bool_for_int": (
        'name = "x"\n[policy.programme]\nmax_posts_per_donor_per_year = true\n',
        "policy.programme.max_posts_per_donor_per_year",
        "integer",
    ),
    "wrong_type_table_for_number": (
        'name = "x"\n[policy.programme.capacity_growth]\na = 1\n',
        "policy.programme.capacity_growth",
        "number",
    ),
    "wrong_type_number_for_name": ("name = 3\n", "name", "string"),
    "wrong_type_date_for_name": ("name = 2024-01-01\n", "name", "string"),
    "wrong_type_list_for_string": ('name = "x"\ndescription = ["a"]\n', "description", "string"),
    "bad_literal": (
        'name = "x"\n[policy.programme]\ntarget = "nation"\n',
        "policy.programme.target",
        "region",
    ),
    "share_above_one": (
        'name = "x"\n[policy.programme]\ndeprivation_weight = 1.5\n',
        "policy.programme.deprivation_weight",
        "less than or equal to 1",
    ),
    "gap_share_above_one": (
        'name = "x"\n[policy.programme]\ngap_share_per_year = 2.0\n',
        "policy.programme.gap_share_per_year",
        "less than or equal to 1",
    ),
    "share_negative": (
        'name = "x"\n[policy.programme]\ncapacity_growth = -0.1\n',
        "policy.programme.capacity_growth",
        "greater than or equal to 0",
    ),
    "world_share_negative": (
        'name = "x"\n[world]\nrotation_share = -0.5\n',
        "world.rotation_share",
        "greater than or equal to 0",
    ),
    "incentive_out_of_range": (
        'name = "x"\n[policy.incentives]\nretention_bonus = 0\n',
        "policy.incentives.retention_bonus",
        "greater than or equal",
    ),
    "share_nan": (
        'name = "x"\n[policy.programme]\nsupervisor_share = nan\n',
        "policy.programme.supervisor_share",
        "not a finite number",
    ),
    "share_inf": (
        'name = "x"\n[world.lo_popularity]\nLDN = -inf\n',
        "world.lo_popularity.LDN",
        "not a finite number",
    ),
    "phase_years_zero": (
        'name = "x"\n' + GOOD_PHASE + "years = 0\n",
        "policy.programme.phases.0.years",
        "greater than or equal to 1",
    ),
    "phase_ends_before_it_starts": (
        'name = "x"\n' + GOOD_PHASE + "years = -3\n",
        "policy.programme.phases.0.years",
        "greater than or equal",
    ),
    "phase_with_end_year": (
        'name = "x"\n' + GOOD_PHASE + "end_year = 2020\n",
        "policy.programme.phases.0.end_year",
        "unknown key",
    ),
    "phase_without_start": (
        'name = "x"\n[[policy.programme.phases]]\nname = "A"\nspecialties = ["cardiology"]\n',
        "policy.programme.phases.0.start_year",
        "required",
    ),
    "phase_names_repeat": ('name = "x"\n' + GOOD_PHASE + GOOD_PHASE, "phases", "repeat"),
    "expansion_years_zero": (
        'name = "x"\n[[policy.programme.expansion]]\n'
        'specialties = ["cardiology"]\n'
        "posts_per_year = 10\nstart_year = 2024\nyears = 0\n",
        "policy.programme.expansion.0.years",
        "greater than or equal to 1",
    ),
    "expansion_negative_posts": (
        'name = "x"\n[[policy.programme.expansion]]\n'
        'specialties = ["cardiology"]\nposts_per_year = -10\n'
        "start_year = 2024\n",
        "policy.programme.expansion.0.posts_per_year",
        "greater than",
    ),
    "unknown_specialty": (
        'name = "x"\n[[policy.programme.phases]]\nname = "A"\nstart_year = 2024\n'
        'specialties = ["cardiology", "astrology"]\n',
        "policy.programme.phases.0.specialties",
        "astrology",
    ),
    "unknown_group": (
        'name = "x"\n[[policy.programme.phases]]\nname = "A"\nstart_year = 2024\n'
        'specialties = ["group:wizardry"]\n',
        "policy.programme.phases.0.specialties",
        "group:wizardry",
    ),
    "unknown_expansion_specialty": (
        'name = "x"\n[[policy.programme.expansion]]\n'
        'specialties = ["dentistry"]\nposts_per_year = 1\n'
        "start_year = 2024\n",
        "policy.programme.expansion.0.specialties",
        "dentistry",
    ),
    "unknown_february_specialty": (
        'name = "x"\n[world]\nfebruary_specialties = ["nope"]\n',
        "world.february_specialties",
        "nope",
    ),
    "unknown_local_office": (
        'name = "x"\n[world.lo_popularity]\nATLANTIS = 1.0\n',
        "world.lo_popularity.ATLANTIS",
        "unknown code",
    ),
    "unknown_region_in_growth": (
        'name = "x"\n[policy.programme.region_growth]\nY99 = 1.1\n',
        "policy.programme.region_growth.Y99",
        "unknown code",
    ),
    "region_growth_out_of_range": (
        'name = "x"\n[policy.programme.region_growth]\nY56 = 3.0\n',
        "region_growth",
        "outside",
    ),
    "unknown_region_in_target_table": (
        'name = "x"\n[policy.programme]\ntarget = "table"\n[policy.programme.target_table]\n'
        "Y56 = 0.5\nY99 = 0.5\n",
        "policy.programme.target_table.Y99",
        "unknown code",
    ),
    "target_table_not_summing_to_one": (
        'name = "x"\n[policy.programme]\ntarget = "table"\n[policy.programme.target_table]\n'
        "Y56 = 0.5\nY58 = 0.4\n",
        "target_table",
        "sum to 1",
    ),
    "target_table_negative": (
        'name = "x"\n[policy.programme]\ntarget = "table"\n[policy.programme.target_table]\n'
        "Y56 = 1.5\nY58 = -0.5\n",
        "target_table",
        ">= 0",
    ),
    "target_table_nan": (
        'name = "x"\n[policy.programme]\ntarget = "table"\n[policy.programme.target_table]\n'
        "Y56 = nan\nY58 = 1.0\n",
        "target_table.Y56",
        "not a finite number",
    ),
    "target_table_missing": (
        'name = "x"\n[policy.programme]\ntarget = "table"\n',
        "target_table",
        "needs",
    ),
    "missing_name": ('description = "no name"\n', "name", "required"),
    "empty_name": ('name = ""\n', "name", "at least 1"),
    "extends_not_a_string": ('name = "x"\nextends = 3\n', "extends", "scenario name or path"),
    "extends_missing_file": ('name = "x"\nextends = "not_there.toml"\n', "extends", "not_there"),
    "extends_unknown_name": ('name = "x"\nextends = "msd_turbo"\n', "extends", "msd_turbo"),
    "extends_a_folder": ('name = "x"\nextends = "."\n', "extends", ""),
    "extends_nul": ('name = "x"\nextends = "a\\u0000.toml"\n', "extends", ""),
}


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
def test_malformed_file_is_one_clear_error_naming_file_and_key(tmp_path, world, case):
    text, key, words = MALFORMED[case]
    path = write(tmp_path, f"bad_{case}.toml", text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, world)
    message = str(info.value)
    assert path.name in message
    assert key in message
    assert words.lower() in message.lower()
    assert "\n" not in message.strip() or "TOML" in message  # one line (TOML errors may quote)


def test_malformed_value_in_an_extending_file_names_that_file(tmp_path, world):
    write(tmp_path, "parent.toml", 'name = "parent"\nextends = "msd_programme"\n')
    child = write(
        tmp_path,
        "child.toml",
        'name = "child"\nextends = "parent.toml"\n'
        "[policy.programme]\ntrust_funded_replacement = 1.2\n",
    )
    with pytest.raises(ScenarioError, match=r"child\.toml.*policy\.programme\.trust_funded_repl"):
        load_scenario(child, world)


def test_bad_toml_syntax_names_the_file(tmp_path):
    path = write(tmp_path, "syntax.toml", 'name = "x"\n[policy.programme\nenabled = true\n')
    with pytest.raises(ScenarioError, match=r"syntax\.toml: not valid TOML.*line 2"):
        load_scenario(path)
    dup = write(tmp_path, "dup.toml", 'name = "x"\nname = "y"\n')
    with pytest.raises(ScenarioError, match=r"dup\.toml: not valid TOML"):
        load_scenario(dup)


def test_bad_toml_in_a_parent_names_the_parent(tmp_path):
    write(tmp_path, "broken.toml", "name = \n")
    child = write(tmp_path, "child.toml", 'name = "c"\nextends = "broken.toml"\n')
    with pytest.raises(ScenarioError, match=r"broken\.toml: not valid TOML"):
        load_scenario(child)


def test_extends_loop_is_an_error(tmp_path):
    a = write(tmp_path, "a.toml", 'name = "a"\nextends = "b.toml"\n')
    write(tmp_path, "b.toml", 'name = "b"\nextends = "c.toml"\n')
    write(tmp_path, "c.toml", 'name = "c"\nextends = "a.toml"\n')
    with pytest.raises(ScenarioError, match=r"a\.toml.*'extends' loops"):
        load_scenario(a)
    me = write(tmp_path, "me.toml", 'name = "me"\nextends = "me.toml"\n')
    with pytest.raises(ScenarioError, match=r"me\.toml.*'extends' loops"):
        load_scenario(me)


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match=r"nothing\.toml: no such scenario file"):
        load_scenario(tmp_path / "nothing.toml")


def test_unknown_specialty_is_caught_only_against_a_world(tmp_path, world):
    path = write(tmp_path, "x.toml", MALFORMED["unknown_specialty"][0])
    load_scenario(path)  # structure alone is valid: the world knows the specialties
    with pytest.raises(ScenarioError):
        load_scenario(path, world)
