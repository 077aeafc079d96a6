from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from intake.imap import MailboxError, fetch_mail


class Command(BaseCommand):
    help = ("Fetch the complaints mailbox (TOUSU_IMAP_*) once: each message becomes a complaint, "
            "a note on the complaint it names, or a quarantine row; only then is it flagged or "
            "moved on the server.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=None, help="at most this many messages")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = fetch_mail(limit=options["limit"])
        except MailboxError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(report))
