from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from org.cli import BY_HELP, file_rows, record, refuse, staff_by
from org.staff_import import import_staff
from privacy.models import AccessKind


class Command(BaseCommand):
    help = ("Import staff and their role grants from a CSV or XLSX file (username, name, email, "
            "role, unit; one row a grant); grants are only added; all or nothing. New accounts "
            "have no usable password until an administrator sets one. Recorded in the access "
            "log with who ran it.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--by", metavar="USERNAME", help=BY_HELP)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        by = staff_by(options["by"])
        rows = file_rows(path)
        with transaction.atomic():
            result = import_staff(rows)
            if not result.errors and result.written:
                record(by, AccessKind.STAFF_IMPORTED, f"staff-grants:{path.name}",
                       written=result.written, paths=result.unit_paths,
                       detail={"users_created": result.users_created,
                               "users_updated": result.users_updated,
                               "grants_created": result.grants_created})
        if result.errors:
            refuse(result.errors, self.stdout.write)
        self.stdout.write(f"Imported: {result.users_created} staff created, "
                          f"{result.users_updated} updated, {result.grants_created} grants added")
