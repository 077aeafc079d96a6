from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from org.cli import BY_HELP, file_rows, record, refuse, staff_by
from org.importer import import_units
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
        rows = file_rows(path)
        with transaction.atomic():
            result = import_units(rows)
            if not result.errors:
                record(by, AccessKind.UNITS_IMPORTED, f"org-units:{path.name}",
                       written=list(result.written),
                       paths=[unit.path for unit, _ in result.written],
                       detail={"created": result.created, "updated": result.updated,
                               "codes": [unit.code for unit, _ in result.written]})
        if result.errors:
            refuse(result.errors, self.stdout.write)
        self.stdout.write(f"Imported: {result.created} created, {result.updated} updated")
