import csv
import io
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from intake import regulator
from intake.actions import IntakeError, channel_principal
from org.access import staff_principal


class Command(BaseCommand):
    help = ("Import a regulator transfer file (CSV or XLSX; NFRA 12378 / PBOC 12363). Good rows "
            "are registered, bad rows reported by row and field; a reference imported before "
            "creates nothing new. Exits 1 when any row was refused.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--as", dest="username", default="",
                            help="register as this staff member (default: the intake system)")
        parser.add_argument("--report", default="", help="write the row errors to this CSV")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        if options["username"]:
            user = get_user_model().objects.filter(username=options["username"]).first()
            principal = staff_principal(user) if user else None
            if principal is None:
                raise CommandError(f"no active staff member {options['username']!r}")
        else:
            try:
                principal = channel_principal("regulator")
            except IntakeError as exc:
                raise CommandError(str(exc)) from exc
        try:
            report = regulator.import_file(
                principal, path.name, data,
                progress=lambda done, rows: self.stderr.write(f"{done}/{rows} rows"))
        except regulator.FileError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        for error in report.errors[:50]:
            self.stderr.write(f"row {error.row}, {error.field}: {error.message}")
        if len(report.errors) > 50:
            self.stderr.write(f"… {len(report.errors) - 50} more")
        if options["report"]:
            # With a BOM: Excel on Chinese Windows reads a CSV without one as GBK.
            Path(options["report"]).write_text(error_report_csv(report),
                                               encoding="utf-8-sig")
        self.stdout.write(report.summary())
        if report.errors:
            raise SystemExit(1)


def error_report_csv(report: regulator.Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "field", "message"])
    for e in report.errors:
        writer.writerow([e.row, _text_cell(e.field), _text_cell(e.message)])
    return out.getvalue()


def _text_cell(value: str) -> str:
    """The value as text for a spreadsheet: the field of a header warning is the file's own
    header, and one such as `=HYPERLINK(...)` would run as a formula in the reader's Excel
    (CSV injection), so a leading formula sign is quoted with an apostrophe."""
    return f"'{value}" if value[:1] in {"=", "+", "-", "@", "\t", "\r"} else value
