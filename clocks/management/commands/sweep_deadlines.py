from typing import Any

from django.core.management.base import BaseCommand

from clocks.sweeper import sweep


class Command(BaseCommand):
    help = ("Sweep the deadlines once: warn before due times, mark breaches and escalate them, "
            "expire unused windows. Safe beside other sweepers (each deadline acts once).")

    def handle(self, *args: Any, **options: Any) -> None:
        result = sweep()
        self.stdout.write(f"{result.breached} breached, {result.warned} warned, "
                          f"{result.expired} windows expired, {result.notices} notices queued")
