from typing import Any

from django.core.management.base import BaseCommand, CommandError

from complaints.audit import broken_chains
from complaints.models import Complaint


class Command(BaseCommand):
    help = "Check every complaint's event hash chain and name the first broken link of each."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = list(broken_chains())
        for problem in problems:
            self.stdout.write(f"BROKEN {problem}")
        total = Complaint.objects.count()
        if problems:
            raise CommandError(f"{len(problems)} of {total} complaint chains are broken")
        self.stdout.write(f"OK: {total} complaint chains verified")
