from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from intake import mail


class Command(BaseCommand):
    help = ("Import complaints from .eml files, mbox files, Maildirs or folders of .eml files. "
            "A message imported before (same Message-ID) changes nothing; an unreadable one is "
            "quarantined.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+")

    def handle(self, *args: Any, **options: Any) -> None:
        statuses: Counter[str] = Counter()
        for path in options["paths"]:
            try:
                for origin, raw in mail.read_files(path):
                    result = mail.ingest(raw, origin)
                    statuses[result.status] += 1
                    if options["verbosity"] > 1:
                        self.stdout.write(f"{origin}: {result.status} {result.number}")
            except OSError as exc:
                raise CommandError(f"{path}: {exc}") from exc
        total = sum(statuses.values())
        parts = ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())) or "nothing"
        self.stdout.write(f"{total} messages: {parts}")
