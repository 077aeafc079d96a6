import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from complaints.anchors import exported, take_anchor
from complaints.models import AuditAnchor


class Command(BaseCommand):
    help = ("Print the latest anchor of the complaints' chain heads as JSON, to publish or "
            "escrow outside the database (the beat takes one every hour).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--take", action="store_true", help="take a new anchor first")
        parser.add_argument("--output", metavar="FILE", help="write it to FILE, not stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        anchor = take_anchor() if options["take"] else \
            AuditAnchor.objects.order_by("-seq").first()
        if anchor is None:
            raise CommandError("No anchor yet: take one with --take")
        text = json.dumps(exported(anchor), indent=2) + "\n"
        if options["output"]:
            Path(options["output"]).write_text(text)
            self.stdout.write(f"anchor #{anchor.seq} written to {options['output']}")
        else:
            self.stdout.write(text, ending="")
