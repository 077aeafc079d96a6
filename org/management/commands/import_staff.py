from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from org.cli import BY_HELP, record, staff_by
from org.importer import FileError, read_rows
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
        if not path.is_file():
            raise CommandError(f"No file {path}")
        try:
            rows = read_rows(path.name, path.read_bytes())
        except FileError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        with transaction.atomic():
            result = import_staff(rows)
            if not result.errors and result.written:
                record(by, AccessKind.STAFF_IMPORTED, f"staff-grants:{path.name}",
                       written=result.written, paths=result.unit_paths,
                       detail={"users_created": result.users_created,
                               "users_updated": result.users_updated,
                               "grants_created": result.grants_created})
        if result.errors:
            for error in result.errors:
                self.stdout.write(str(error))
            raise CommandError(f"{len(result.errors)} errors: nothing was imported")
        self.stdout.write(f"Imported: {result.users_created} staff created, "
                          f"{result.users_updated} updated, {result.grants_created} grants added")
