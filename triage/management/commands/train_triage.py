"""`manage.py train_triage`: train the triage classifiers and make them the active version."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from triage import data, engine
from triage.data import Example
from triage.training import train_default


def labelled_file(path: Path) -> dict[str, list[Example]]:
    """Examples per head from a file in shared/data's formats: a CFPB export (product and
    issue) or `text,label` (complaint types 0-5)."""
    header = next(data.read_csv(path), {})
    if data.NARRATIVE in header:
        return {"cfpb_product": data.cfpb_products([path]),
                "cfpb_issue": data.cfpb_issues([path])}
    if "text" in header and "label" in header:
        return {"zh_cause": data.zh_types(path)}
    raise CommandError(f"{path}: neither a CFPB export nor a text,label file")


class Command(BaseCommand):
    help = ("Train the triage classifiers from the shared data directory (or --data-dir), the "
            "decisions staff made on earlier suggestions and any --file in the same formats; "
            "save them as a new version under VAR_DIR/models and make it active.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data-dir", type=Path, default=None,
                            help="labelled data (default: TOUSU_DATA_DIR, ../shared/data)")
        parser.add_argument("--file", type=Path, action="append", default=[],
                            help="an extra labelled file (CFPB export or text,label); repeatable")
        parser.add_argument("--no-feedback", action="store_true",
                            help="leave out the suggestions staff accepted or overrode")
        parser.add_argument("--if-missing", action="store_true",
                            help="do nothing when a model exists; no data is not an error")
        parser.add_argument("--no-activate", action="store_true",
                            help="save the new version without making it active")

    def handle(self, *args: Any, **options: Any) -> None:
        existing = engine.active_path()
        if options["if_missing"] and existing:
            self.stdout.write(f"Triage model present: {existing.name}")
            return
        extra: dict[str, list[Example]] = {}
        for path in options["file"]:
            for head, examples in labelled_file(path).items():
                extra.setdefault(head, []).extend(examples)
        try:
            model = train_default(options["data_dir"], with_feedback=not options["no_feedback"],
                                  extra=extra)
        except data.DataMissing as missing:
            if options["if_missing"]:
                self.stderr.write(f"No triage model trained ({missing}): complaints are "
                                  "registered without suggested codes.")
                return
            raise CommandError(str(missing)) from None
        path = engine.save(model, activate=not options["no_activate"])
        engine.forget()
        self.stdout.write(f"Triage model {model.version} trained in {model.info['train_s']} s "
                          f"-> {path}")
        for head, size in model.info["heads"].items():
            self.stdout.write(f"  {head:<14} {size['examples']:>6} examples "
                              f"(+{size['extra']} descriptions), {size['classes']} classes")
