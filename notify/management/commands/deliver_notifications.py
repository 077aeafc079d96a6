from typing import Any

from django.core.management.base import BaseCommand

from notify.outbox import deliver_due


class Command(BaseCommand):
    help = "Deliver the notifications that are due (the outbox worker, run once)."

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        while (sent := deliver_due()) > 0:
            total += sent
        self.stdout.write(f"{total} notifications sent")
