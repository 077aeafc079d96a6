from typing import Any

from django.core.management.base import BaseCommand

from complaints.actions.system import return_unclaimed


class Command(BaseCommand):
    help = "Send work orders not claimed within their unit's time back to the unit's managers."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{return_unclaimed()} work orders returned")
