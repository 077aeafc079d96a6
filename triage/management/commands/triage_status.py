"""`manage.py triage_status`: the active triage model and the latest scheduled retraining."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from triage import retrain
from triage.admin import accuracy_line


class Command(BaseCommand):
    help = ("Show the active triage model (version, when trained, on how many staff decisions, "
            "its held-out figures) and the latest scheduled retraining: kept or rejected, and why.")

    def handle(self, *args: Any, **options: Any) -> None:
        found = retrain.status()
        active = found["active"]
        if active is None:
            self.stdout.write("Active model: none (run train_triage)")
        else:
            self.stdout.write(f"Active model: {active['version']}")
            for key in ("created_at", "decisions", "decisions_through", "retrain", "unreadable"):
                if active.get(key) is not None:
                    self.stdout.write(f"  {key}: {active[key]}")
            if active.get("check"):
                self.stdout.write(f"  held-out accuracy (previous -> this): "
                                  f"{accuracy_line(active['check'])}")
        self.stdout.write(f"Scheduled retraining (TOUSU_TRIAGE_RETRAIN): {found['setting']}")
        run = found["last_run"]
        if run is not None:
            started = f"{timezone.localtime(run.started_at):%Y-%m-%d %H:%M}"
            self.stdout.write(f"Last run {run.period}: {run.outcome} (started {started}), "
                              f"{run.new_decisions} new decisions, {run.trained_decisions} "
                              f"trained on")
            if run.figures:
                self.stdout.write(f"  held-out accuracy (old -> new): {accuracy_line(run.figures)}")
            self.stdout.write(f"  {run.reason}")
