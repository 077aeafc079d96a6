"""`manage.py rebuild_rollups [--check]`: recompute the statistics' rollup tables from the
complaints; with --check, compare instead and exit non-zero on any difference."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports import rebuild


class Command(BaseCommand):
    help = "Recompute the rollup tables (or, with --check, compare them with a recomputation)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="compare only; exit 1 and name the differences if any",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        if options["check"]:
            result = rebuild.check()
            for line in result.differences:
                self.stderr.write(line)
            if not result.ok:
                raise CommandError(
                    f"rollups differ from a recomputation ({len(result.differences)} "
                    f"difference(s) shown); run rebuild_rollups to rebuild them"
                )
            self.stdout.write(
                f"rollups match: {result.complaints} complaints over "
                f"{result.months} month(s) in {time.monotonic() - started:.1f} s"
            )
            return
        counted = rebuild.rebuild()
        self.stdout.write(
            f"rebuilt the rollups of {counted} complaints in {time.monotonic() - started:.1f} s"
        )
