"""Matrix expansion: GitHub's documented examples, act's cases, labels, selection, errors."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import pytest

from runner.errors import PlanError
from runner.expr.values import Value
from runner.plan.matrix import MatrixError, MatrixLeg, display_name, expand_matrix, leg_label, matches_selection


def values_of(legs: tuple[MatrixLeg, ...]) -> list[dict[str, Value]]:
    return [leg.values for leg in legs]


# (name, matrix, expected values of each leg in order) — key order matters too.
EXPANSIONS: list[tuple[str, dict[str, Any], list[dict[str, Any]]]] = [
    (
        # "Using a matrix strategy": the first variable varies slowest.
        "docs: order of jobs",
        {"version": [10, 12, 14], "os": ["ubuntu-latest", "windows-latest"]},
        [
            {"version": 10, "os": "ubuntu-latest"},
            {"version": 10, "os": "windows-latest"},
            {"version": 12, "os": "ubuntu-latest"},
            {"version": 12, "os": "windows-latest"},
            {"version": 14, "os": "ubuntu-latest"},
            {"version": 14, "os": "windows-latest"},
        ],
    ),
    (
        # "Expanding or adding matrix configurations": six jobs, in this order.
        "docs: include expands and adds",
        {
            "fruit": ["apple", "pear"],
            "animal": ["cat", "dog"],
            "include": [
                {"color": "green"},
                {"color": "pink", "animal": "cat"},
                {"fruit": "apple", "shape": "circle"},
                {"fruit": "banana"},
                {"fruit": "banana", "animal": "cat"},
            ],
        },
        [
            {"fruit": "apple", "animal": "cat", "color": "pink", "shape": "circle"},
            {"fruit": "apple", "animal": "dog", "color": "green", "shape": "circle"},
            {"fruit": "pear", "animal": "cat", "color": "pink"},
            {"fruit": "pear", "animal": "dog", "color": "green"},
            {"fruit": "banana"},
            {"fruit": "banana", "animal": "cat"},
        ],
    ),
    (
        # "Excluding matrix configurations": 12 - 1 - 2 = 9 jobs.
        "docs: exclude, partial entries",
        {
            "os": ["macos-latest", "windows-latest"],
            "version": [12, 14, 16],
            "environment": ["staging", "production"],
            "exclude": [
                {"os": "macos-latest", "version": 12, "environment": "production"},
                {"os": "windows-latest", "version": 16},
            ],
        },
        [
            {"os": "macos-latest", "version": 12, "environment": "staging"},
            {"os": "macos-latest", "version": 14, "environment": "staging"},
            {"os": "macos-latest", "version": 14, "environment": "production"},
            {"os": "macos-latest", "version": 16, "environment": "staging"},
            {"os": "macos-latest", "version": 16, "environment": "production"},
            {"os": "windows-latest", "version": 12, "environment": "staging"},
            {"os": "windows-latest", "version": 12, "environment": "production"},
            {"os": "windows-latest", "version": 14, "environment": "staging"},
            {"os": "windows-latest", "version": 14, "environment": "production"},
        ],
    ),
    (
        # "Example: Expanding configurations": npm only on windows-latest / 16.
        "docs: include adds a variable to one combination",
        {
            "os": ["windows-latest", "ubuntu-latest"],
            "node": [12, 14, 16],
            "include": [{"os": "windows-latest", "node": 16, "npm": 6}],
        },
        [
            {"os": "windows-latest", "node": 12},
            {"os": "windows-latest", "node": 14},
            {"os": "windows-latest", "node": 16, "npm": 6},
            {"os": "ubuntu-latest", "node": 12},
            {"os": "ubuntu-latest", "node": 14},
            {"os": "ubuntu-latest", "node": 16},
        ],
    ),
    (
        # "Example: Adding configurations": 9 + 1 = 10 jobs.
        "docs: include adds a combination",
        {
            "os": ["macos-latest", "windows-latest", "ubuntu-latest"],
            "version": [12, 14, 16],
            "include": [{"os": "windows-latest", "version": 17}],
        },
        [{"os": os, "version": version} for os in ("macos-latest", "windows-latest", "ubuntu-latest") for version in (12, 14, 16)]
        + [{"os": "windows-latest", "version": 17}],
    ),
    (
        # "If you don't specify any matrix variables, all configurations under include will run."
        "docs: include only",
        {"include": [{"site": "production", "datacenter": "site-a"}, {"site": "staging", "datacenter": "site-b"}]},
        [{"site": "production", "datacenter": "site-a"}, {"site": "staging", "datacenter": "site-b"}],
    ),
    (
        # The perl example: seven jobs, five versions on ubuntu and two on macos.
        "docs: perl versions",
        {
            "os": ["ubuntu-latest"],
            "perl": ["5.16", "5.20", "5.26", "5.30", "latest"],
            "include": [{"os": "macos-latest", "perl": "5.26"}, {"os": "macos-latest", "perl": "latest"}],
        },
        [{"os": "ubuntu-latest", "perl": perl} for perl in ("5.16", "5.20", "5.26", "5.30", "latest")]
        + [{"os": "macos-latest", "perl": "5.26"}, {"os": "macos-latest", "perl": "latest"}],
    ),
    (
        # "All include combinations are processed after exclude": include adds back an excluded one, at the end.
        "docs: include after exclude",
        {
            "os": ["a", "b"],
            "v": [1, 2],
            "exclude": [{"os": "a", "v": 1}],
            "include": [{"os": "a", "v": 1, "note": "back"}],
        },
        [{"os": "a", "v": 2}, {"os": "b", "v": 1}, {"os": "b", "v": 2}, {"os": "a", "v": 1, "note": "back"}],
    ),
    (
        # act: pkg/model/testdata/strategy (exclude with three keys, extra-only include, two new combinations)
        "act: model/strategy",
        {
            "datacenter": ["site-c", "site-d"],
            "exclude": [{"datacenter": "site-d", "node-version": "14.x", "site": "staging"}],
            "include": [
                {"php-version": 5.4},
                {"datacenter": "site-a", "node-version": "10.x", "site": "prod"},
                {"datacenter": "site-b", "node-version": "12.x", "site": "dev"},
            ],
            "node-version": ["14.x", "16.x"],
            "site": ["staging"],
        },
        [
            {"datacenter": "site-c", "node-version": "14.x", "site": "staging", "php-version": 5.4},
            {"datacenter": "site-c", "node-version": "16.x", "site": "staging", "php-version": 5.4},
            {"datacenter": "site-d", "node-version": "16.x", "site": "staging", "php-version": 5.4},
            {"datacenter": "site-a", "node-version": "10.x", "site": "prod"},
            {"datacenter": "site-b", "node-version": "12.x", "site": "dev"},
        ],
    ),
    (
        # act: matrix-include-exclude (8 - 1 + 1 legs)
        "act: matrix-include-exclude",
        {
            "os": ["ubuntu-18.04", "macos-latest"],
            "node": [4, 6, 8, 10],
            "exclude": [{"os": "macos-latest", "node": 4}],
            "include": [{"os": "ubuntu-16.04", "node": 10}],
        },
        [{"os": "ubuntu-18.04", "node": node} for node in (4, 6, 8, 10)]
        + [{"os": "macos-latest", "node": node} for node in (6, 8, 10)]
        + [{"os": "ubuntu-16.04", "node": 10}],
    ),
    (
        # act: evalmatrix _additionalProperties_0 (an include matching a vector adds a key)
        "act: evalmatrix additional properties",
        {"x": [0], "y": [0], "z": [0], "include": [{"def": "val", "z": 0}]},
        [{"x": 0, "y": 0, "z": 0, "def": "val"}],
    ),
    (
        "act: evalmatrix include only",
        {"include": [{"def": "val"}]},
        [{"def": "val"}],
    ),
    (
        "act: evalmatrix from fromJSON (numbers are doubles)",
        {"A": ["A", "B"]},
        [{"A": "A"}, {"A": "B"}],
    ),
    (
        # A later include overwrites what an earlier include added, never a vector value.
        "include overwrites added values only",
        {"os": ["linux"], "include": [{"cc": "gcc"}, {"cc": "clang", "os": "linux"}, {"os": "mac", "cc": "xcode"}]},
        [{"os": "linux", "cc": "clang"}, {"os": "mac", "cc": "xcode"}],
    ),
    (
        # An unmatched include lists its vector keys first, then the others.
        "new combination puts vector keys first",
        {"os": ["linux"], "arch": ["x64"], "include": [{"extra": 1, "arch": "arm", "os": "linux"}]},
        [{"os": "linux", "arch": "x64"}, {"arch": "arm", "os": "linux", "extra": 1}],
    ),
    (
        # An include entry identical to a combination adds nothing and creates nothing.
        "include equal to a combination",
        {"os": ["linux", "mac"], "include": [{"os": "mac"}]},
        [{"os": "linux"}, {"os": "mac"}],
    ),
    (
        # Everything excluded, but an include with only new keys still becomes a combination.
        "all excluded, include becomes the only leg",
        {"os": ["linux"], "exclude": [{"os": "linux"}], "include": [{"note": "x"}]},
        [{"note": "x"}],
    ),
    (
        # `==` compares strings ignoring case and different kinds as numbers.
        "exclude compares like ==",
        {"os": ["Ubuntu", "mac"], "node": [4, 6], "exclude": [{"os": "ubuntu", "node": "4"}]},
        [{"os": "Ubuntu", "node": 6}, {"os": "mac", "node": 4}, {"os": "mac", "node": 6}],
    ),
    (
        "exclude with a float matches an int",
        {"py": [3.1, 3.12], "exclude": [{"py": 3.10}]},
        [{"py": 3.12}],
    ),
    (
        # Object values match leaf by leaf: a partial object in exclude matches.
        "exclude matches objects partially",
        {
            "config": [{"os": "linux", "cc": "gcc"}, {"os": "linux", "cc": "clang"}, {"os": "mac", "cc": "clang"}],
            "exclude": [{"config": {"cc": "clang", "os": "LINUX"}}],
        },
        [{"config": {"os": "linux", "cc": "gcc"}}, {"config": {"os": "mac", "cc": "clang"}}],
    ),
    (
        "include matches on array elements",
        {"flags": [["-O2", "-g"], ["-O0"]], "include": [{"flags": ["-O2"], "release": True}]},
        [{"flags": ["-O2", "-g"], "release": True}, {"flags": ["-O0"]}],
    ),
    (
        # Matrix keys ignore case: `OS` in include/exclude means the vector `os`.
        "keys ignore case",
        {
            "os": ["linux", "mac"],
            "exclude": [{"OS": "mac"}],
            "include": [{"Os": "linux", "Color": "red"}, {"color": "blue"}],
        },
        [{"os": "linux", "Color": "blue"}],
    ),
    (
        "null and booleans",
        {"debug": [True, False], "extra": [None]},
        [{"debug": True, "extra": None}, {"debug": False, "extra": None}],
    ),
]


@pytest.mark.parametrize(("name", "matrix", "expected"), EXPANSIONS, ids=[case[0] for case in EXPANSIONS])
def test_expansion(name: str, matrix: dict[str, Any], expected: list[dict[str, Any]]) -> None:
    legs = expand_matrix(matrix)
    assert values_of(legs) == expected
    assert [list(leg.values) for leg in legs] == [list(values) for values in expected]  # key order
    assert [leg.index for leg in legs] == list(range(len(expected)))


def test_no_matrix_is_one_leg() -> None:
    assert expand_matrix(None) == (MatrixLeg(values={}, index=0, label=""),)


LABELS = [
    # (matrix, labels) — GitHub names a product leg before adding include values.
    ({"python": ["3.12"], "os": ["ubuntu-latest"]}, ["3.12, ubuntu-latest"]),
    (
        {"os": ["windows-latest"], "node": [16], "include": [{"os": "windows-latest", "node": 16, "npm": 6}]},
        ["windows-latest, 16"],
    ),
    ({"os": ["a"], "include": [{"os": "b", "experimental": True}]}, ["a", "b, true"]),
    ({"include": [{"site": "production", "datacenter": "site-a"}]}, ["production, site-a"]),
    ({"py": [3.10, 3.0, 12, 1e21, 0.1, -2.5]}, ["3.1", "3", "12", "1E+21", "0.1", "-2.5"]),
    ({"flag": [True, False]}, ["true", "false"]),
    ({"x": [None, "", "a"]}, ["", "", "a"]),
    ({"x": [None], "y": ["b"]}, ["b"]),
    (
        {"config": [{"name": "Linux GCC", "os": "ubuntu", "opts": ["-O2", 3, {"deep": False}], "none": None}]},
        ["Linux GCC, ubuntu, -O2, 3, false"],
    ),
    ({"e": [[], {}]}, ["", ""]),
]


@pytest.mark.parametrize(("matrix", "labels"), LABELS)
def test_labels(matrix: dict[str, Any], labels: list[str]) -> None:
    assert [leg.label for leg in expand_matrix(matrix)] == labels


@pytest.mark.parametrize(
    ("values", "label"),
    [
        ({"python": "3.12", "os": "ubuntu-latest"}, "3.12, ubuntu-latest"),
        ({"n": 4.0, "b": True, "s": "x"}, "4, true, x"),
        ({"big": 12345678901234567890}, "1.23456789012346E+19"),
        ({"small": 0.0000001}, "1E-07"),
        ({"nested": {"a": [1, {"b": "c"}], "d": ""}}, "1, c"),
        ({}, ""),
    ],
)
def test_leg_label(values: dict[str, Value], label: str) -> None:
    assert leg_label(values) == label


@pytest.mark.parametrize(
    ("job", "label", "name"),
    [
        ("build", "3.12, ubuntu-latest", "build (3.12, ubuntu-latest)"),
        ("build", "", "build"),
        ("b", "x" * 200, "b (" + "x" * 94 + "..."),
        ("b", "x" * 95, "b (" + "x" * 95 + ")"),
    ],
)
def test_display_name(job: str, label: str, name: str) -> None:
    assert display_name(job, label) == name
    assert len(display_name(job, label)) <= 100


SELECTIONS: list[tuple[dict[str, Value], Mapping[str, str | Collection[str]], bool]] = [
    ({"os": "ubuntu-18.04", "node": 8}, {"node": "8", "os": "ubuntu-18.04"}, True),
    ({"os": "ubuntu-18.04", "node": 10}, {"node": "8", "os": "ubuntu-18.04"}, False),
    ({"os": "macos-latest", "node": 8}, {"node": "8", "os": "ubuntu-18.04"}, False),
    ({"node": "8.x"}, {"node": "8"}, False),  # exact text, no prefix match
    ({"node": 8.0}, {"node": "8"}, True),  # numbers as displayed
    ({"py": 3.1}, {"py": "3.1"}, True),
    ({"debug": True}, {"debug": "true"}, True),
    ({"os": "Ubuntu"}, {"os": "ubuntu"}, False),  # values compare exactly
    ({"OS": "ubuntu"}, {"os": "ubuntu"}, True),  # keys ignore case
    ({"os": "ubuntu"}, {"arch": "x64"}, True),  # a key the leg lacks does not narrow it
    ({"node": 10}, {"node": {"8", "10"}}, True),  # several values for one key
    ({"node": 12}, {"node": ("8", "10")}, False),
    ({"cfg": {"a": 1}}, {"cfg": '{"a":1}'}, True),
    ({"x": None}, {"x": ""}, True),
    ({"os": "ubuntu"}, {}, True),
]


@pytest.mark.parametrize(("values", "selection", "expected"), SELECTIONS)
def test_matches_selection(values: dict[str, Value], selection: Mapping[str, str | Collection[str]], expected: bool) -> None:
    assert matches_selection(values, selection) is expected


def test_act_matrix_with_user_inclusions() -> None:
    # act's TestRunMatrixWithUserDefinedInclusions: --matrix node:8 --matrix os:ubuntu-18.04
    selection = {"node": "8", "os": "ubuntu-18.04"}
    build = expand_matrix(
        {
            "os": ["ubuntu-18.04", "macos-latest"],
            "node": [4, 6, 8, 10],
            "exclude": [{"os": "macos-latest", "node": 4}],
            "include": [{"os": "ubuntu-16.04", "node": 10}],
        }
    )
    assert [leg.values for leg in build if matches_selection(leg.values, selection)] == [{"os": "ubuntu-18.04", "node": 8}]
    test = expand_matrix({"node": ["8.x", "10.x", "12.x", "13.x"]})
    assert [leg for leg in test if matches_selection(leg.values, selection)] == []


def test_legs_do_not_share_values_with_the_input() -> None:
    config: dict[str, Value] = {"os": "linux"}
    legs = expand_matrix({"config": [config], "v": [1, 2]})
    first = legs[0].values["config"]
    assert isinstance(first, dict)
    first["os"] = "changed"
    assert config == {"os": "linux"}
    assert legs[1].values["config"] == {"os": "linux"}


def test_limit() -> None:
    assert len(expand_matrix({"a": list(range(16)), "b": list(range(16))})) == 256
    assert len(expand_matrix({"a": list(range(4)), "b": list(range(4))}, limit=16)) == 16
    # Excludes count: a product over the limit that exclude brings under it is fine.
    assert len(expand_matrix({"a": list(range(20)), "b": list(range(20)), "exclude": [{"a": 0}, {"a": 1}, {"a": 2}, {"a": 3}, {"a": 4}, {"a": 5}, {"a": 6}, {"a": 7}]})) == 240


ERRORS: list[tuple[Any, str]] = [
    ({"a": list(range(16)), "b": list(range(17))}, "matrix has 272 combinations; at most 256 are allowed"),
    ({"a": list(range(256)), "include": [{"a": "new"}]}, "matrix has 257 combinations; at most 256 are allowed"),
    ({"a": list(range(300)), "b": list(range(300))}, "matrix vectors multiply to 90000 combinations before 'exclude'; at most 256 are allowed"),
    ({"os": "ubuntu-latest"}, "matrix vector 'os' must be a list of values, not a string"),
    ({"os": None}, "matrix vector 'os' must be a list of values, not null"),
    ({"os": {"a": 1}}, "matrix vector 'os' must be a list of values, not a mapping"),
    ({"os": []}, "matrix vector 'os' has no values"),
    ({"os": ["a"], "node": []}, "matrix vector 'node' has no values"),
    ({"os": ["a"], "include": {"os": "b"}}, "matrix 'include' must be a list of mappings, not a mapping"),
    ({"os": ["a"], "include": ["b"]}, "matrix 'include' entry 1 must be a mapping, not a string"),
    ({"os": ["a"], "exclude": [{"os": "a"}, 3]}, "matrix 'exclude' entry 2 must be a mapping, not a number"),
    ({"os": ["a"], "exclude": "os"}, "matrix 'exclude' must be a list of mappings, not a string"),
    ({"os": ["a"], "include": [{}]}, "matrix 'include' entry 1 is empty"),
    ({"os": ["a"], "exclude": [{}]}, "matrix 'exclude' entry 1 is empty"),
    ({"os": ["a"], "exclude": [{"os": "a", "arch": "x64"}]}, "matrix 'exclude' entry 1 names 'arch', which is not a vector of the matrix"),
    ({"include": [{"a": 1}], "exclude": [{"a": 1}]}, "matrix 'exclude' entry 1 names 'a', which is not a vector of the matrix"),
    ({"os": ["a"], "exclude": [{"os": "a"}]}, "every combination of the matrix is excluded and no 'include' entry adds one"),
    ({}, "the matrix defines no vectors and no 'include' entries"),
    ({"include": []}, "the matrix defines no vectors and no 'include' entries"),
    ({"os": ["a"], "OS": ["b"]}, "matrix keys 'os' and 'OS' differ only in case; matrix keys ignore case"),
    ({"os": ["a"], "include": [{"x": 1, "X": 2}]}, "matrix 'include' entry 1 repeats a key (matrix keys ignore case)"),
    (["os"], "the matrix must be a mapping, not a list"),
]


@pytest.mark.parametrize(("matrix", "message"), ERRORS)
def test_errors(matrix: Any, message: str) -> None:
    with pytest.raises(MatrixError) as caught:
        expand_matrix(matrix)
    assert caught.value.message == message
    assert isinstance(caught.value, PlanError)


def test_custom_limit_in_message() -> None:
    with pytest.raises(MatrixError, match="matrix has 9 combinations; at most 8 are allowed"):
        expand_matrix({"a": [1, 2, 3], "b": [1, 2, 3]}, limit=8)
