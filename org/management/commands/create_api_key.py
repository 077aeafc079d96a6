from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from org.cli import BY_HELP, record, staff_by
from org.keys import SCOPES, KeyError_, issue_key
from org.models import ApiKey, OrgUnit
from privacy.models import AccessKind


class Command(BaseCommand):
    help = ("Issue an API key for an integration; the key is printed once and only its hash "
            "kept. The issue is recorded in the access log with who ran it.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--scopes", nargs="+", required=True, help=", ".join(SCOPES))
        parser.add_argument("--unit", required=True, help="org unit code the key acts for")
        parser.add_argument("--by", metavar="USERNAME", help=BY_HELP)

    def handle(self, *args: Any, **options: Any) -> None:
        by = staff_by(options["by"])
        unit = OrgUnit.objects.filter(code=options["unit"], active=True).first()
        if unit is None:
            raise CommandError(f"No active org unit {options['unit']!r}")
        if ApiKey.objects.filter(name=options["name"]).exists():
            raise CommandError(f"A key named {options['name']!r} exists; pick another name")
        scopes = [s for item in options["scopes"] for s in item.split(",") if s]
        try:
            with transaction.atomic():
                key, token = issue_key(options["name"], scopes, unit)
                record(by, AccessKind.API_KEY_ISSUED, f"api-key:{key.name}",
                       written=[(key, True)], paths=[unit.path],
                       detail={"prefix": key.prefix, "unit": unit.code, "scopes": key.scopes})
        except KeyError_ as exc:
            raise CommandError(str(exc)) from None
        self.stderr.write(f"Key {key.name} for {unit.code} with scopes {', '.join(key.scopes)}.")
        self.stderr.write("Store it now: it is shown only once.")
        self.stdout.write(token)
