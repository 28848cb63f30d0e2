"""Property test of scenario files: junk values for every known key load or raise one
ScenarioError, never another exception."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sim.policy import Expansion, Incentives, Phase, Programme
from sim.scenario import (
    Scenario,
    ScenarioError,
    load_scenario,
)


# --- property: junk values for known keys never escape as another exception --------------------
def _known_keys() -> list[tuple[str, ...]]:
    keys: list[tuple[str, ...]] = [("name",), ("description",), ("extends",)]
    keys += [("world", k) for k in Scenario.model_fields["world"].annotation.model_fields]
    keys += [("policy", "programme", k) for k in Programme.model_fields]
    keys += [("policy", "incentives", k) for k in Incentives.model_fields]
    keys += [("policy", "programme", "phases", 0, k) for k in Phase.model_fields]
    keys += [("policy", "programme", "expansion", 0, k) for k in Expansion.model_fields]
    keys += [
        ("policy", "programme", "target_table", "Y56"),
        ("world", "lo_popularity", "LDN"),
        ("policy", "programme", "region_growth", "Y63"),
        ("policy",),
        ("world",),
    ]
    return keys


KNOWN_KEYS = _known_keys()
scalars = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=12),
    st.sampled_from(
        [
            "cardiology",
            "group:medicine",
            "group:nope",
            "Y56",
            "table",
            "icb",
            "msd_programme",
            "baseline",
            ".",
            "..",
            "x.toml",
            "a\x00b",
            "a\x00.toml",
            "",
            "max_posts",
            "junk.toml",
        ]
    ),
    st.dates(),
)
junk = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
plausible = st.one_of(  # values of the right kind, often in range: many files load
    st.floats(min_value=0.0, max_value=1.0),
    st.integers(min_value=0, max_value=2100),
    st.sampled_from([True, False, "region", "icb", "gap_share", "max_posts", "cardiology"]),
    st.lists(st.sampled_from(["cardiology", "group:surgery", "haematology"]), max_size=3),
    st.dictionaries(st.sampled_from(["Y56", "Y58", "LDN"]), st.floats(0.5, 2.0), max_size=2),
)


def toml_value(v: Any) -> str:
    """A TOML inline value (tomllib reads; no writer is a dependency)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)  # JSON string escapes are valid TOML basic-string escapes
    if isinstance(v, list | tuple):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items()) + "}"
    return v.isoformat()  # date


def set_path(data: dict, path: tuple, value: Any) -> None:
    """Set data[path] = value, making (or replacing) the tables and arrays on the way."""
    node: Any = data
    for part, nxt in zip(path[:-1], path[1:], strict=True):
        want = list if isinstance(nxt, int) else dict
        if isinstance(part, int):
            while len(node) <= part:
                node.append(
                    {
                        "name": f"p{len(node)}",
                        "start_year": 2024,
                        "specialties": ["cardiology"],
                        "posts_per_year": 1,
                    }
                )
            if not isinstance(node[part], want):
                node[part] = want()
            node = node[part]
        else:
            if not isinstance(node.get(part), want):
                node[part] = want()
            node = node[part]
    if isinstance(path[-1], int):
        while len(node) <= path[-1]:
            node.append(None)
    node[path[-1]] = value


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    key=st.sampled_from(KNOWN_KEYS),
    value=st.one_of(plausible, junk),
    extends=st.booleans(),
    extra=st.one_of(st.none(), st.tuples(st.sampled_from(KNOWN_KEYS), junk)),
)
def test_junk_values_load_or_raise_scenario_error(
    tmp_path_factory, england, key, value, extends, extra
):
    data: dict[str, Any] = {"name": "junk", "policy": {"programme": {"enabled": True}}}
    if extends:
        data["extends"] = "msd_programme"
    set_path(data, key, value)
    if extra is not None:
        set_path(data, *extra)
    text = "\n".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in data.items()) + "\n"
    path = tmp_path_factory.mktemp("junk") / "junk.toml"
    path.write_text(text)
    try:
        sc = load_scenario(path, england)
    except ScenarioError as exc:
        event("ScenarioError")
        assert "junk.toml" in str(exc)
    else:
        event("loaded")
        assert isinstance(sc, Scenario)
        Scenario.model_validate(sc.resolved())
