"""Scheduled retraining: off unless TOUSU_TRIAGE_RETRAIN; once an ISO week; only on new staff
decisions; the candidate activated only when it is not worse than the active model on held-out
staff-confirmed complaints; every run recorded and shown (admin, triage_status)."""

import dataclasses
import datetime as dt
import io
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from conftest import admin_client
from triage import engine, retrain, training
from triage.data import DataMissing, Example
from triage.models import RetrainRun, Suggestion
from triage.tests.conftest import EN, ZH

pytestmark = pytest.mark.django_db
BJ = ZoneInfo("Asia/Shanghai")
MONDAY = dt.datetime(2026, 11, 23, 3, 30, tzinfo=BJ)  # ISO week 2026-W48
DECIDED = dt.datetime(2026, 11, 20, 10, 0, tzinfo=BJ)
SWAP = {"0": "3", "3": "4", "4": "0"}  # a corpus labelled wrongly: a worse candidate


def corpus(swap: bool = False) -> training.Corpus:
    zh = [Example(t, SWAP[label] if swap else label, f"zh:{i}") for i, (t, label) in
          enumerate(ZH)]
    return training.Corpus(products=[Example(t, label, f"en:{i}") for i, (t, label) in
                                     enumerate(EN)],
                           issues=[], zh_train=zh, zh_dev=[], descriptions=[])


@pytest.fixture
def weekly(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
           tiny_trained: engine.TriageModel) -> engine.TriageModel:
    """Retraining on, an active model trained on no staff decision, the small corpus, and
    every new decision held out (so a handful measure)."""
    settings.VAR_DIR = tmp_path
    settings.TOUSU_TRIAGE_RETRAIN = "weekly"
    monkeypatch.setattr(training, "load_corpus", lambda directory=None: corpus())
    monkeypatch.setattr(retrain, "CHECK_SHARE", 1.0)
    monkeypatch.setattr(retrain, "MIN_CHECK", 3)
    old = dataclasses.replace(tiny_trained, info={"decisions": 0, "decisions_through": None})
    engine.save(old)
    return old


def decide(register: Any, at: dt.datetime = DECIDED) -> None:
    """Staff confirm the right cause of six Chinese complaints."""
    for text, label in ZH[:6]:
        complaint = register(content=text)
        Suggestion.objects.filter(complaint=complaint).update(
            status="accepted", chosen_label=label, decided_by="staff:alice", decided_at=at)


def test_it_is_a_daily_job_of_both_schedulers_on_the_bulk_queue() -> None:
    from tousu import beat
    from tousu.celery import beat_schedule

    job = next(j for j in beat.JOBS if j.target == "triage.retrain:scheduled_retrain")
    assert job.daily_at == dt.time(3, 30) and job.bulk and callable(beat._resolve(job.target))
    options = beat_schedule()[job.name]["options"]
    assert options["queue"] == "bulk" and options["soft_time_limit"] >= 1800


def test_it_does_nothing_unless_the_setting_turns_it_on(weekly: Any, register: Any,
                                                        settings: Any) -> None:
    decide(register)
    settings.TOUSU_TRIAGE_RETRAIN = "off"
    assert retrain.scheduled_retrain(MONDAY) is None
    assert not RetrainRun.objects.exists()


def test_a_model_not_worse_on_held_out_confirmed_complaints_is_activated(
        weekly: engine.TriageModel, register: Any) -> None:
    decide(register)
    run = retrain.scheduled_retrain(MONDAY)
    assert run is not None and run.outcome == "kept", run.reason
    assert (run.period, run.new_decisions, run.previous_version) == (
        "2026-W48", 6, weekly.version)
    assert run.figures["zh_cause"]["n"] == 6
    assert run.figures["zh_cause"]["new"]["correct"] >= run.figures["zh_cause"]["old"]["correct"]
    active = engine.active()
    assert active is not None and active.version == run.candidate_version != weekly.version
    assert dt.datetime.fromisoformat(active.info["decisions_through"]) == DECIDED
    assert active.info["check"] == run.figures and active.info["held_out"] == 6
    # The week is claimed: a second process's scheduler (or a retried task) trains nothing.
    assert retrain.scheduled_retrain(MONDAY + dt.timedelta(hours=20)) is None
    assert RetrainRun.objects.count() == 1
    # Next week without new decisions: nothing trained, nothing changes.
    later = retrain.scheduled_retrain(MONDAY + dt.timedelta(days=7))
    assert later is not None and later.outcome == "skipped" and later.new_decisions == 0
    assert engine.active_path() == engine.models_dir() / f"triage-{run.candidate_version}.npz"


def test_a_worse_model_is_rejected_and_the_old_one_stays_active(
        weekly: engine.TriageModel, register: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    decide(register)
    monkeypatch.setattr(training, "load_corpus", lambda directory=None: corpus(swap=True))
    run = retrain.scheduled_retrain(MONDAY)
    assert run is not None and run.outcome == "rejected" and "zh_cause" in run.reason
    figures = run.figures["zh_cause"]
    assert figures["new"]["correct"] < figures["old"]["correct"] == 6
    assert engine.active_path() == engine.models_dir() / f"triage-{weekly.version}.npz"
    assert sorted(p.name for p in engine.models_dir().glob("triage-*.npz")) == [
        f"triage-{weekly.version}.npz"]  # the rejected candidate is not kept on disk


def test_without_new_decisions_or_enough_to_measure_nothing_is_trained(
        weekly: Any, register: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_training(**kwargs: Any) -> None:
        raise AssertionError("trained")

    monkeypatch.setattr(training, "train_default", no_training)
    run = retrain.scheduled_retrain(MONDAY)
    assert run is not None and (run.outcome, run.new_decisions) == ("skipped", 0)
    decide(register)
    monkeypatch.setattr(retrain, "MIN_CHECK", 7)
    run = retrain.scheduled_retrain(MONDAY + dt.timedelta(days=7))
    assert run is not None and (run.outcome, run.new_decisions) == ("skipped", 6)
    assert "at least 7" in run.reason


def test_a_failure_is_recorded_and_the_active_model_stays(
        weekly: engine.TriageModel, register: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    decide(register)

    def missing(directory: Any = None) -> None:
        raise DataMissing("no labelled complaints under /nowhere")

    monkeypatch.setattr(training, "load_corpus", missing)
    run = retrain.scheduled_retrain(MONDAY)
    assert run is not None and run.outcome == "failed" and "/nowhere" in run.reason
    assert run.finished_at is not None
    assert engine.active_path() == engine.models_dir() / f"triage-{weekly.version}.npz"


def test_the_held_out_share_is_stable_and_about_a_fifth() -> None:
    numbers = [f"TS2026{n:07d}" for n in range(2000)]
    share = sum(map(retrain.held_out, numbers)) / len(numbers)
    assert 0.17 < share < 0.23
    assert [retrain.held_out(n) for n in numbers[:50]] == [retrain.held_out(n)
                                                           for n in numbers[:50]]


def test_a_head_is_worse_when_it_loses_more_than_one_percent_of_the_held_out_complaints(
        monkeypatch: pytest.MonkeyPatch, tiny_trained: engine.TriageModel) -> None:
    check = {"zh_cause": [Example("x", "0", "c")] * 150}
    for new_correct, worse in ((100, []), (99, []), (98, ["zh_cause"])):
        monkeypatch.setattr(retrain, "score", lambda model, head, examples, c=new_correct: {
            "correct": 100 if model is tiny_trained else c})
        _figures, found = retrain.judge(tiny_trained, dataclasses.replace(tiny_trained), check)
        assert found == worse, new_correct


def test_staff_see_the_active_model_and_the_last_retraining(
        weekly: engine.TriageModel, register: Any) -> None:
    decide(register)
    run = retrain.scheduled_retrain(MONDAY)
    assert run is not None and run.outcome == "kept"
    page = admin_client().get("/admin/triage/retrainrun/",
                              headers={"Accept-Language": "zh-hans"}).content.decode()
    assert f"当前模型 {run.candidate_version}" in page and "使用了 0 条人工确认" in page
    assert "zh_cause n=6: 1.0 → 1.0" in page and "最近一次定时重新训练 2026-W48：已启用" in page
    out = io.StringIO()
    call_command("triage_status", stdout=out)
    text = out.getvalue()
    assert f"Active model: {run.candidate_version}" in text and "decisions: 0" in text
    assert "Last run 2026-W48: kept" in text and "activated" in text


def test_a_model_trained_by_hand_records_its_decisions_so_they_are_not_new_to_it(
        weekly: Any, register: Any) -> None:
    decide(register)
    engine.save(training.train_default())  # as train_triage does
    active = engine.active()
    assert active is not None and active.info["decisions"] == 6
    assert dt.datetime.fromisoformat(active.info["decisions_through"]) == DECIDED
    run = retrain.scheduled_retrain(MONDAY)
    assert run is not None and (run.outcome, run.new_decisions) == ("skipped", 0)


def test_decisions_on_anonymised_complaints_are_not_training_examples(register: Any) -> None:
    from privacy.actions import REDACTED
    from privacy.models import AnonymisedComplaint

    text, label = ZH[0]
    complaint = register(content=text)
    Suggestion.objects.create(complaint=complaint, head="zh_cause", options=[],
                              model_version="v", created_at=DECIDED, status="accepted",
                              chosen_label=label, decided_at=DECIDED)
    assert len(training.feedback()["zh_cause"]) == 1
    complaint.content = REDACTED
    complaint.save(update_fields=["content"])
    AnonymisedComplaint.objects.create(complaint=complaint, at=DECIDED,
                                       retained_until=DECIDED.date())
    assert training.feedback() == {}


def test_a_run_whose_worker_died_is_taken_over_once_its_time_is_long_past(
        weekly: engine.TriageModel) -> None:
    stuck = RetrainRun.objects.create(period="2026-W48", started_at=MONDAY - dt.timedelta(hours=1))
    assert retrain.scheduled_retrain(MONDAY) is None  # it may still be training
    RetrainRun.objects.filter(pk=stuck.pk).update(started_at=MONDAY - dt.timedelta(hours=3))
    run = retrain.scheduled_retrain(MONDAY)
    assert run is not None and run.pk == stuck.pk and run.started_at == MONDAY
    assert run.outcome == "skipped"  # no new decisions: ended, not stuck at running
    assert retrain.scheduled_retrain(MONDAY + dt.timedelta(hours=5)) is None
