import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from complaints.anchors import broken_anchors, escrow_problem, stale_anchor_warning
from complaints.audit import broken_chains
from complaints.models import AuditAnchor, Complaint


class Command(BaseCommand):
    help = ("Check every complaint's event hash chain, the anchors of their heads, and the "
            "anchors themselves; name the first broken link of each.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--anchor", action="append", default=[], metavar="FILE",
                            help="an anchor exported by audit_anchor (published or escrowed) "
                                 "that the database must still hold; may be repeated")

    def handle(self, *args: Any, **options: Any) -> None:
        copies = [_escrowed(name) for name in options["anchor"]]
        problems = [*broken_anchors(), *(p for c in copies if (p := escrow_problem(c)))]
        problems += broken_chains()
        for problem in problems:
            self.stdout.write(f"BROKEN {problem}")
        total = Complaint.objects.count()
        if problems:
            raise CommandError(f"{len(problems)} problems in the audit trail "
                               f"({total} complaint chains checked)")
        latest = AuditAnchor.objects.order_by("-seq").first()
        self.stdout.write(f"OK: {total} complaint chains verified")
        if warning := stale_anchor_warning():
            self.stdout.write(warning)
        if latest is None or latest.seq == 0:
            self.stdout.write("No anchor of the chains' heads yet: a chain cut at its tail "
                              "cannot be caught until one is taken (audit_anchor --take)")
        else:
            self.stdout.write(f"Anchors #0-#{latest.seq} verified; the heads of "
                              f"{latest.at:%Y-%m-%d %H:%M} UTC are still in their chains")


def _escrowed(name: str) -> dict[str, Any]:
    try:
        copy = json.loads(Path(name).read_text())
        if isinstance(copy, dict) and isinstance(copy.get("seq"), int) and \
                isinstance(copy.get("hash"), str):
            return copy
    except (OSError, ValueError):
        pass
    raise CommandError(f"{name}: not an anchor exported by audit_anchor")
