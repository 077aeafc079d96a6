from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from org.keys import SCOPES, KeyError_, issue_key
from org.models import ApiKey, OrgUnit


class Command(BaseCommand):
    help = "Issue an API key for an integration; the key is printed once and only its hash kept."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--scopes", nargs="+", required=True, help=", ".join(SCOPES))
        parser.add_argument("--unit", required=True, help="org unit code the key acts for")

    def handle(self, *args: Any, **options: Any) -> None:
        unit = OrgUnit.objects.filter(code=options["unit"], active=True).first()
        if unit is None:
            raise CommandError(f"No active org unit {options['unit']!r}")
        if ApiKey.objects.filter(name=options["name"]).exists():
            raise CommandError(f"A key named {options['name']!r} exists; pick another name")
        scopes = [s for item in options["scopes"] for s in item.split(",") if s]
        try:
            key, token = issue_key(options["name"], scopes, unit)
        except KeyError_ as exc:
            raise CommandError(str(exc)) from None
        self.stderr.write(f"Key {key.name} for {unit.code} with scopes {', '.join(key.scopes)}.")
        self.stderr.write("Store it now: it is shown only once.")
        self.stdout.write(token)
