"""Hostile and broken workflow files, shared by the tests and ``bench/bad_input.py``."""

from __future__ import annotations

import os
from pathlib import Path


def billion_laughs() -> bytes:
    """Nine levels of nine aliases: 9^9 strings if anything expanded it."""
    lines = ['on: push', 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(9):
        name, previous = chr(98 + i), chr(97 + i)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    return ("\n".join(lines) + "\njobs: {}\n").encode()


def huge() -> bytes:
    """A well-formed workflow of 50 MB."""
    head = b"on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n"
    line = b"      - run: echo " + b"x" * 80 + b"\n"
    return head + line * (50 * 1024 * 1024 // len(line))


def binary() -> bytes:
    """Random bytes (with NULs)."""
    return os.urandom(4096) + b"\x00"


def matrix(combinations: tuple[int, int] = (20, 15)) -> bytes:
    """A matrix of 20 x 15 = 300 legs (GitHub allows 256)."""
    x, y = combinations
    return (
        "on: push\njobs:\n  a:\n    runs-on: x\n    strategy:\n      matrix:\n"
        f"        x: [{','.join(map(str, range(x)))}]\n        y: [{','.join(map(str, range(y)))}]\n"
        "    steps: [{run: x}]\n"
    ).encode()


CASES: dict[str, tuple[bytes | None, str]] = {
    "laughs.yml": (None, "laughs.yml:6:4: error: the document expands to more than"),
    "huge.yml": (None, "huge.yml:1:1: error: file is 52,4"),
    "binary.yml": (None, "error: file is binary (NUL byte)"),
    "tabs.yml": (b"on: push\njobs:\n\tbuild:\n\t\truns-on: x\n", "tabs.yml:3:1: error: invalid YAML: tab character"),
    "dupes.yml": (
        b"on: push\njobs:\n  a:\n    runs-on: x\n    runs-on: y\n    steps: [{run: x}]\n",
        "dupes.yml:5:5: error: duplicate key 'runs-on' (first defined at line 4, column 5)",
    ),
    "cycle.yml": (
        b"on: push\njobs:\n  a: {runs-on: x, needs: c, steps: [{run: x}]}\n"
        b"  b: {runs-on: x, needs: a, steps: [{run: x}]}\n  c: {runs-on: x, needs: b, steps: [{run: x}]}\n",
        "cycle.yml:3:3: error: jobs depend on each other in a cycle: a -> c -> b -> a",
    ),
    "matrix.yml": (None, "matrix.yml:6:7: error: job 'a': matrix has 300 combinations; at most 256 are allowed"),
}
"""File name → (content, or None for the generators above; the start of the expected line)."""

_GENERATED = {"laughs.yml": billion_laughs, "huge.yml": huge, "binary.yml": binary, "matrix.yml": matrix}


def write_case(folder: Path, name: str) -> Path:
    """Write one bad file into ``folder``."""
    content, _ = CASES[name]
    path = folder / name
    path.write_bytes(content if content is not None else _GENERATED[name]())
    return path
