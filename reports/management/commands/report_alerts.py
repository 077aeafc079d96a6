"""`manage.py report_alerts [--week 2026-W10]`: the week's emerging-issue alerts, sent with the
daily bulletin's subscriptions (StaffEvent.BULLETIN) to each alerted unit's managers, once per
unit and week."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reports.alerts import send_alerts


class Command(BaseCommand):
    help = "Send this week's emerging-issue alerts to the managers of the alerted units."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--week", default="", help="ISO week, e.g. 2026-W10 (default: the last complete week)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_alerts(options["week"])
        self.stdout.write(f"{sent} alert(s) sent")
