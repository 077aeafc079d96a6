from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from privacy.actions import rotate_field_keys, stale_values


class Command(BaseCommand):
    help = ("Re-encrypt every encrypted field with the newest key of TOUSU_FIELD_KEYS. "
            "Idempotent and resumable (batches commit one by one); when it reports 0 values "
            "left under older keys, those keys can be removed from TOUSU_FIELD_KEYS.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--after", default="",
                            help="resume at LABEL:PK, the column and primary key of an "
                                 "earlier run's last progress line "
                                 "(e.g. complaints.Customer.phone_enc:500)")
        parser.add_argument("--dry-run", action="store_true",
                            help="count the values to re-encrypt, change nothing")
        parser.add_argument("--check", action="store_true",
                            help="only count values still under an older key; exit 1 if any")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            stale = stale_values()
            self.stdout.write(f"{stale} value(s) under an older key")
            if stale:
                raise CommandError("run rotate_field_keys before removing older keys")
            return
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        after = None
        if options["after"]:
            label, _, pk = options["after"].rpartition(":")
            if not label or not pk.isdigit():
                raise CommandError("--after takes LABEL:PK, e.g. complaints.Customer.phone_enc:500")
            after = (label, int(pk))
        try:
            result = rotate_field_keys(
                batch_size=options["batch_size"], after=after, dry_run=options["dry_run"],
                progress=lambda line: self.stdout.write(line),
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        verb = "would be re-encrypted" if options["dry_run"] else "re-encrypted"
        self.stdout.write(f"{result.checked} value(s) checked, {result.rotated} {verb} with the "
                          f"newest key")
        left = stale_values()
        self.stdout.write(f"{left} value(s) left under an older key"
                          + ("; older keys can now be removed" if not left else ""))
