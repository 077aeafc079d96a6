"""Every process picks up a newly activated model within RELOAD_CHECK_S, without a restart, and
looks at the files only that often; a half-written or damaged file is never served."""

import dataclasses
import logging
import os
from pathlib import Path
from typing import Any

import pytest

from triage import engine


@pytest.fixture
def clock(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The models in a temporary VAR_DIR and a monotonic clock the test moves."""
    settings.VAR_DIR = tmp_path
    now = [1000.0]
    monkeypatch.setattr(engine.time, "monotonic", lambda: now[0])
    engine.forget()
    return now


def version(model: engine.TriageModel, name: str) -> engine.TriageModel:
    """A copy of the tiny model that saves as another version."""
    return dataclasses.replace(model, info={"name": name})


def other_process_activates(model: engine.TriageModel) -> str:
    """What `train_triage` or a retraining in another process does: a new file, then ACTIVE
    (this process's loaded model is not dropped, as save() would)."""
    engine.save(model, activate=False)
    mark_active(model.version)
    return model.version


def mark_active(name: str) -> None:
    engine._write_atomically(engine.models_dir() / "ACTIVE", f"{name}\n".encode())


def test_a_model_activated_by_another_process_is_used_within_the_check_interval(
        clock: list[float], tiny_trained: engine.TriageModel) -> None:
    first = version(tiny_trained, "first")
    engine.save(first)
    assert engine.active().version == first.version  # type: ignore[union-attr]
    second = other_process_activates(version(tiny_trained, "second"))
    clock[0] += engine.RELOAD_CHECK_S - 1
    assert engine.active().version == first.version  # type: ignore[union-attr]
    clock[0] += 1
    assert engine.active().version == second  # type: ignore[union-attr]


def test_the_files_are_read_once_per_interval_not_per_classification(
        clock: list[float], tiny_trained: engine.TriageModel,
        monkeypatch: pytest.MonkeyPatch) -> None:
    engine.save(version(tiny_trained, "one"))
    looks = []
    path_of = engine.active_path
    monkeypatch.setattr(engine, "active_path", lambda: looks.append(1) or path_of())
    for _ in range(1000):
        engine.active()
    assert len(looks) == 1
    clock[0] += engine.RELOAD_CHECK_S
    for _ in range(1000):
        engine.active()
    assert len(looks) == 2


def test_a_damaged_model_keeps_the_one_in_use_and_is_logged_once(
        clock: list[float], tiny_trained: engine.TriageModel,
        caplog: pytest.LogCaptureFixture) -> None:
    good = version(tiny_trained, "good")
    engine.save(good)
    assert engine.active().version == good.version  # type: ignore[union-attr]
    broken = version(tiny_trained, "broken")
    path = engine.save(broken, activate=False)
    path.write_bytes(path.read_bytes()[:200])  # cut short, as a copy that did not finish
    os.utime(path, (1_700_000_000, 1_700_000_000))
    mark_active(broken.version)
    with caplog.at_level(logging.ERROR, logger="triage.engine"):
        for _ in range(3):
            clock[0] += engine.RELOAD_CHECK_S
            assert engine.active().version == good.version  # type: ignore[union-attr]
    assert [r.getMessage() for r in caplog.records] == [
        f"triage: cannot load {path.name}; keeping {good.version}"]
    engine.save(broken, activate=False)  # the same version written again, in full
    clock[0] += engine.RELOAD_CHECK_S
    assert engine.active().version == broken.version  # type: ignore[union-attr]


def test_saving_leaves_no_partial_file_and_a_partial_one_is_never_taken_for_a_model(
        clock: list[float], tiny_trained: engine.TriageModel) -> None:
    directory = engine.models_dir()
    directory.mkdir(parents=True)
    (directory / ".triage-20991231-000000-deadbeef.npz.0a1b.partial").write_bytes(b"PK\x03")
    assert engine.active_path() is None and engine.active() is None
    saved = engine.save(version(tiny_trained, "whole"))
    assert sorted(p.name for p in directory.iterdir() if "partial" not in p.name) == [
        "ACTIVE", saved.name]
    assert len(list(directory.glob("*.partial"))) == 1  # only the one put there


def test_a_model_set_for_the_process_is_not_replaced_from_the_files(
        clock: list[float], tiny_trained: engine.TriageModel) -> None:
    engine.save(version(tiny_trained, "on disk"))
    engine.use(None)
    clock[0] += 10 * engine.RELOAD_CHECK_S
    assert engine.active() is None
