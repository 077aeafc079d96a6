"""`manage.py load_demo`: load the demo bank and its complaints (see demo/loader.py)."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from complaints.choices import State
from demo.loader import LoadReport, load_demo
from demo.plan import DEFAULT_COUNT


class Command(BaseCommand):
    help = ("Load the demo org, staff, integration key and real complaints walked through the "
            "lifecycle. Safe to run again: nothing already there is duplicated or changed.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=DEFAULT_COUNT,
                            help=f"demo complaints to load (default {DEFAULT_COUNT})")
        parser.add_argument("--data-dir", type=Path, default=None,
                            help="the shared data directory (default: TOUSU_DATA_DIR or "
                                 "../shared/data)")
        parser.add_argument("--no-deliver", action="store_true",
                            help="leave the demo notifications in the outbox")
        parser.add_argument("--test-copy", action="store_true",
                            help="with TOUSU_PRODUCTION on: this database is a test copy, "
                                 "not the bank's live one")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.TOUSU_PRODUCTION and not options["test_copy"]:
            raise CommandError(
                "TOUSU_PRODUCTION 已开启：演示数据会新增员工账号（含管理员）和接口密钥，"
                "只可装入测试副本（加 --test-copy）/ TOUSU_PRODUCTION is on: the demo adds "
                "staff accounts (an administrator among them) and an API key, so load it into "
                "a test copy only (add --test-copy)")
        report = load_demo(options["count"], options["data_dir"],
                           deliver=not options["no_deliver"])
        self._print(report)

    def _print(self, report: LoadReport) -> None:
        out = self.stdout.write
        if report.accounts:
            out("Demo staff created. The passwords are shown this once only:")
            width = max(len(a.username) for a in report.accounts)
            for account in report.accounts:
                out(f"  {account.username:<{width}}  {account.password}  {account.grants}")
            out("The admin site (/admin/) also asks for a one-time code: enrol an authenticator "
                "with `.venv/bin/python manage.py enroll_totp admin`.")
        if report.api_token:
            out("Demo integration key 'demo-mobile-banking' (shown this once only):")
            out(f"  {report.api_token}")
        if report.data_missing:
            self.stderr.write(f"No demo complaints loaded: {report.data_missing}. Set "
                              "TOUSU_DATA_DIR or pass --data-dir.")
        out(f"Demo complaints: created {report.created}, already present {report.present}; "
            f"{report.notifications_sent} notifications delivered; {report.seconds:.1f} s.")
        labels = dict(State.choices)
        for state, number in report.states.items():
            out(f"  {state:<18} {number:>4}  {labels.get(state, '')}")
