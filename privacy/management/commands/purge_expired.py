from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from privacy.purge import purge


class Command(BaseCommand):
    help = ("Apply the retention policy (TOUSU_RETENTION_*): anonymise complaints past retention "
            "(keeping what the regulator requires) and delete expired short-lived records.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true",
                            help="say what would be done, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        outcome = purge(dry_run=options["dry_run"])
        if outcome.dry_run:
            self.stdout.write("Dry run: nothing was changed.")
        for line in outcome.lines:
            self.stdout.write(line)
