from typing import Any

from django.core.management.base import BaseCommand

from notify.bulletin import send_bulletins


class Command(BaseCommand):
    help = "Queue today's work-order bulletin for every unit (idempotent within a day)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Bulletins queued for {send_bulletins()} units")
