"""Scheduled retraining of the triage classifiers (TOUSU_TRIAGE_RETRAIN=weekly): the loop from
staff decisions back to the model.

The beat runs `scheduled_retrain` daily at 03:30; the first run of each ISO week claims the week
with a RetrainRun row (unique period), so several processes' schedulers and a retried task train
at most once a week. It trains only when staff decided suggestions after the active model's
latest decision (`decisions_through` in its file). Before activating, it measures:

- the new decisions whose complaint falls in a stable share (CHECK_SHARE, by a hash of its
  number) are held out: neither the active model nor the candidate has learnt from them;
- the candidate is trained as `train_triage` does, on the data directory and every other staff
  decision;
- both are measured on the held-out part, head by head. The candidate is rejected, and the
  active model kept, when on some head it gets more of those complaints wrong than the active
  model beyond TOLERANCE of them (below 100 complaints: a single one). A tie keeps the
  candidate, which learnt from more of the bank's decisions.

A held-out decision is no longer new once a model is kept, so the next retraining trains on it:
nothing is held out for good. Each run (kept, rejected, skipped, failed) is recorded with its
reason and figures, shown in the admin and by `manage.py triage_status`."""

import datetime as dt
import hashlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from triage import engine
from triage.data import Example
from triage.models import RetrainOutcome, RetrainRun

if TYPE_CHECKING:
    from triage.training import Decision

log = logging.getLogger(__name__)
CHECK_SHARE = 0.2  # of the new decisions, held out to compare the two models
MIN_CHECK = 5  # fewer held-out complaints measure nothing: the decisions wait for next week
TOLERANCE = 0.01  # a share of the held-out complaints the candidate may lose on a head
STALE_CLAIM = dt.timedelta(hours=2)  # twice the job's Celery time limit (tousu/celery.py)


def period_of(now: dt.datetime) -> str:
    year, week, _ = timezone.localtime(now).isocalendar()
    return f"{year}-W{week:02d}"


def held_out(number: str) -> bool:
    """Whether a complaint's decisions are kept out of a candidate's training to measure it:
    stable (the same complaint every week), about CHECK_SHARE of them."""
    digest = hashlib.sha256(number.encode()).digest()
    return int.from_bytes(digest[:4], "big") % 1000 < CHECK_SHARE * 1000


def new_since(model: engine.TriageModel) -> dt.datetime | None:
    """The time after which a staff decision is new to `model` (None: every decision is)."""
    if "decisions_through" in model.info:
        through = model.info["decisions_through"]
        return dt.datetime.fromisoformat(through) if through else None
    return dt.datetime.fromisoformat(model.created_at)  # a model from before it was recorded


def scheduled_retrain(now: dt.datetime | None = None) -> RetrainRun | None:
    """The beat's job: once a week when TOUSU_TRIAGE_RETRAIN is on (None otherwise and when
    this week is already claimed). Never raises: a failure is recorded and the active model
    stays."""
    if settings.TOUSU_TRIAGE_RETRAIN == "off":
        return None
    now = now or timezone.now()
    period = period_of(now)
    claimed = RetrainRun.objects.filter(period=period).first()
    if claimed is not None:
        run = _take_over(claimed, now)
        if run is None:
            return None
    else:
        try:
            with transaction.atomic():
                run = RetrainRun.objects.create(period=period, started_at=now)
        except IntegrityError:
            return None  # another process claimed the week in between
    try:
        retrain(run)
    except Exception as exc:  # the data directory gone, a time limit: next week tries again
        log.exception("triage retraining %s failed; the active model stays", period)
        run.outcome = RetrainOutcome.FAILED
        run.reason = f"训练失败 / failed: {type(exc).__name__}: {exc}"[:1000]
    run.finished_at = timezone.now()
    run.save()
    log.info("triage retraining %s: %s; %s", period, run.outcome, run.reason)
    return run


def _take_over(claimed: RetrainRun, now: dt.datetime) -> RetrainRun | None:
    """The week's run again when the one that claimed it is still "running" long after any
    worker's time limit (killed with its worker); None while it may still be training or once
    it ended."""
    if claimed.outcome != RetrainOutcome.RUNNING or claimed.started_at > now - STALE_CLAIM:
        return None
    if not RetrainRun.objects.filter(pk=claimed.pk, outcome=RetrainOutcome.RUNNING,
                                     started_at=claimed.started_at).update(started_at=now):
        return None  # another process took it over first
    log.warning("triage retraining %s: the run started %s never finished; trying again",
                claimed.period, claimed.started_at)
    claimed.started_at = now
    return claimed


def retrain(run: RetrainRun) -> None:
    """Train a candidate on the new decisions and activate it unless it is worse (module
    docstring); fills in `run`."""
    from triage import training

    path = engine.active_path()
    if path is None:
        _skip(run, "没有已启用的模型，请先运行 train_triage / no active model: train one with "
                   "train_triage first")
        return
    old = engine.load(path)
    run.previous_version = old.version
    since = new_since(old)
    staff = training.decisions()
    def is_new(d: "Decision") -> bool:
        return since is None or (d.decided_at is not None and d.decided_at > since)

    new = [d for d in staff if is_new(d)]
    run.new_decisions = len(new)
    if not new:
        _skip(run, f"模型 {old.version} 之后没有新的人工确认 / no staff decision since model "
                   f"{old.version}")
        return
    check = [d for d in new if held_out(d.example.origin)]
    if len(check) < MIN_CHECK:
        _skip(run, f"{len(new)} 条新确认，留出 {len(check)} 条，少于 {MIN_CHECK} 条无法衡量，"
                   f"留待下次 / {len(new)} new decisions, {len(check)} held out: at least "
                   f"{MIN_CHECK} are needed to measure; they wait for the next run")
        return
    trained = [d for d in staff if not (is_new(d) and held_out(d.example.origin))]
    candidate = training.train_default(with_feedback=False, extra=training.by_head(trained))
    run.trained_decisions = len(trained)
    run.figures, worse = judge(old, candidate, training.by_head(check))
    if worse:
        run.outcome = RetrainOutcome.REJECTED
        run.reason = (f"新模型在留出的人工确认投诉上更差（{'、'.join(worse)}），"
                      f"保留 {old.version} / worse on the held-out confirmed complaints "
                      f"({', '.join(worse)}): {old.version} stays active")
        return
    if engine.active_path() != path:
        run.outcome = RetrainOutcome.REJECTED
        run.reason = ("训练期间已启用了另一个模型 / another model was activated while this one "
                      "trained: it stays active")
        return
    candidate.info |= {**training.decisions_info(staff), "decisions": len(trained),
                       "held_out": len(check), "retrain": run.period, "check": run.figures}
    engine.save(candidate, activate=True)
    run.candidate_version = candidate.version
    run.outcome = RetrainOutcome.KEPT
    run.reason = (f"在 {len(check)} 条留出的人工确认投诉上不差于 {old.version}，已启用 / not worse "
                  f"than {old.version} on {len(check)} held-out confirmed complaints: "
                  f"activated")


def _skip(run: RetrainRun, reason: str) -> None:
    run.outcome, run.reason = RetrainOutcome.SKIPPED, reason


def judge(old: engine.TriageModel, new: engine.TriageModel,
          check: dict[str, list[Example]]) -> tuple[dict[str, Any], list[str]]:
    """Both models' figures on the held-out examples per head, and the heads on which the new
    one is worse (see the module docstring)."""
    figures: dict[str, Any] = {}
    worse = []
    for head, examples in sorted(check.items()):
        row: dict[str, Any] = {"n": len(examples)}
        for name, model in (("old", old), ("new", new)):
            if head in model.heads:
                row[name] = score(model, head, examples)
        figures[head] = row
        if "old" not in row:
            continue  # a head the active model lacks: nothing to lose
        allowed = int(TOLERANCE * len(examples))
        if "new" not in row or row["new"]["correct"] < row["old"]["correct"] - allowed:
            worse.append(head)
    return figures, worse


def score(model: engine.TriageModel, head: str, examples: list[Example]) -> dict[str, Any]:
    from triage.evaluation import metrics

    language = next(lm for lm in model.languages.values() if head in lm.heads)
    predictions = language.heads[head].predict(
        language.features.transform([e.text for e in examples]))
    truth = [e.label for e in examples]
    found = metrics(truth, predictions, head, set(language.heads[head].classes))
    correct = sum(p.options[0].label == t for p, t in zip(predictions, truth, strict=True)
                  if p.options)
    return {"correct": correct, "accuracy": found["accuracy"], "macro_f1": found["macro_f1"],
            "top3_accuracy": found["top3_accuracy"]}


def status() -> dict[str, Any]:
    """What the admin and `triage_status` show: the active version and what it was trained on
    and measured with, and the latest scheduled run."""
    path = engine.active_path()
    active: dict[str, Any] | None = None
    if path is not None:
        active = {"version": path.stem.removeprefix("triage-"), **_header(path)}
    return {"setting": settings.TOUSU_TRIAGE_RETRAIN, "active": active,
            "last_run": RetrainRun.objects.order_by("-started_at").first()}


def _header(path: Path) -> dict[str, Any]:
    """The file's creation time and training record, without loading its arrays."""
    import json

    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as npz:
            header = json.loads(str(npz["header"]))
    except Exception:  # shown as unreadable; serving logs the reason
        log.exception("triage: cannot read %s", path.name)
        return {"unreadable": True}
    info = header.get("info", {})
    return {"created_at": header.get("created_at"), "decisions": info.get("decisions"),
            "decisions_through": info.get("decisions_through"), "check": info.get("check"),
            "retrain": info.get("retrain")}
