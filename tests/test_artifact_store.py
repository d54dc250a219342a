"""The artifacts of runs on disk: names, retention, taken names, merging and expiry."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from runner.artifact_store import ArtifactError, ArtifactStore, check_name, retention_days


def upload(store: ArtifactStore, name: str, files: dict[str, str], **options: object) -> None:
    staging = store.new_upload("run1")
    for path, text in files.items():
        target = store.files_of(staging) / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    store.commit(staging, run_id="run1", name=name, job="j", retention_days=1, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["a/b", "a\\b", "..", "x..y", 'q"', "c:d", "<", ">", "|", "*", "?", "a\nb", " "])
def test_names_github_refuses(name: str) -> None:
    with pytest.raises(ArtifactError):
        check_name(name)


@pytest.mark.parametrize(("text", "days"), [("", 90), ("1", 1), (" 90 ", 90)])
def test_retention_days(text: str, days: int) -> None:
    assert retention_days(text) == days


@pytest.mark.parametrize(("text", "said"), [("0", "not between 1 and 90"), ("91", "not between"), ("two", "not a whole number")])
def test_bad_retention_days(text: str, said: str) -> None:
    with pytest.raises(ArtifactError, match=said):
        retention_days(text)


def test_a_taken_name_is_refused_overwritten_or_merged(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    upload(store, "a", {"one.txt": "1"})
    with pytest.raises(ArtifactError, match="already uploaded in this run"):
        upload(store, "a", {"two.txt": "2"})
    upload(store, "a", {"two.txt": "2"}, is_overwritten=True)
    upload(store, "a", {"three.txt": "3"}, is_merged=True)
    found = store.find("run1", "a")
    assert found is not None and sorted(p.name for p in found.folder.iterdir()) == ["three.txt", "two.txt"]
    assert (found.files, found.size) == (2, 2)
    assert list((tmp_path / "artifacts" / "run1" / ".aside").iterdir()) == []


def test_expired_artifacts_go_and_live_uploads_stay(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    upload(store, "a", {"f": "x"})
    live = store.new_upload("run1")
    assert store.remove_expired() == []
    later = time.time() + 86400 + 1
    os.utime(live, (later - 5, later - 5))  # still being written a day later
    assert store.remove_expired(now=later) == ["artifact 'a' of run run1 (retention ended)"]
    assert store.artifacts("run1") == [] and live.exists()
    assert store.remove_expired(now=later + 86400) == [] and not (tmp_path / "artifacts" / "run1").exists()
