"""Fixtures of the store tests: a fresh baton home, a recorder on a real event bus."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from runner.events import EventBus
from runner.store import Recorder, Store


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty baton home, also set as ``$BATON_HOME`` for the CLI."""
    folder = tmp_path / "baton-home"
    monkeypatch.setenv("BATON_HOME", str(folder))
    monkeypatch.setenv("NO_COLOR", "1")
    return folder


@pytest.fixture
def bus() -> EventBus:
    """A real event bus."""
    return EventBus()


@pytest.fixture
def recorder(home: Path, bus: EventBus) -> Iterator[Recorder]:
    """A recorder attached to ``bus``, closed (and checked for write failures) at the end."""
    recorder = Recorder.open(home)
    recorder.attach(bus)
    yield recorder
    recorder.close()


@pytest.fixture
def store(home: Path) -> Iterator[Store]:
    """A reading connection to the store in ``home``."""
    with Store.open(home) as store:
        yield store
