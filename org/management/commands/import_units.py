from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from org.importer import FileError, import_units, read_rows


class Command(BaseCommand):
    help = "Import org units from a CSV or XLSX file (code, name, kind, parent); all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No file {path}")
        try:
            result = import_units(read_rows(path.name, path.read_bytes()))
        except FileError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        if result.errors:
            for error in result.errors:
                self.stdout.write(str(error))
            raise CommandError(f"{len(result.errors)} errors: nothing was imported")
        self.stdout.write(f"Imported: {result.created} created, {result.updated} updated")
