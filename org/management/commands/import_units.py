from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from org.cli import BY_HELP, record, staff_by
from org.importer import FileError, import_units, read_rows
from privacy.models import AccessKind


class Command(BaseCommand):
    help = ("Import org units from a CSV or XLSX file (code, name, kind, parent); all or nothing. "
            "The import is recorded in the access log with who ran it.")

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
            result = import_units(rows)
            if not result.errors:
                record(by, AccessKind.UNITS_IMPORTED, f"org-units:{path.name}",
                       written=list(result.written),
                       paths=[unit.path for unit, _ in result.written],
                       detail={"created": result.created, "updated": result.updated,
                               "codes": [unit.code for unit, _ in result.written]})
        if result.errors:
            for error in result.errors:
                self.stdout.write(str(error))
            raise CommandError(f"{len(result.errors)} errors: nothing was imported")
        self.stdout.write(f"Imported: {result.created} created, {result.updated} updated")
