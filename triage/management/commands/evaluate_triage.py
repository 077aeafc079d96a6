"""`manage.py evaluate_triage`: accuracy, macro-F1 and per-class figures, as JSON and Markdown."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from triage import data, engine, evaluation


class Command(BaseCommand):
    help = ("Train on all but a stratified 20%% of each labelled set of the data directory (after "
            "deduplication) and measure the held-out part; or, with --file, measure the active "
            "model on a labelled file. Writes triage-evaluation.json and .md.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data-dir", type=Path, default=None,
                            help="labelled data (default: TOUSU_DATA_DIR, ../shared/data)")
        parser.add_argument("--file", type=Path, default=None,
                            help="measure the active model on this labelled file instead")
        parser.add_argument("--out", type=Path, default=None,
                            help="where to write the report (default: VAR_DIR/reports)")
        parser.add_argument("--seed", type=int, default=evaluation.SEED)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["file"]:
                model = engine.active()
                if model is None:
                    raise CommandError("No triage model: run train_triage first")
                report = evaluation.evaluate_file(model, options["file"])
            else:
                report = evaluation.evaluate(options["data_dir"], options["seed"])
        except (data.DataMissing, data.UnreadableFile) as error:
            raise CommandError(str(error)) from None
        if not report["dimensions"]:
            raise CommandError("no labelled rows: expected a CFPB export (narrative, product, "
                               "issue) or text,label columns / 文件中没有可评估的标注数据")
        out = options["out"] or Path(settings.VAR_DIR) / "reports"
        json_path, md_path = evaluation.write(report, out)
        for name, m in report["dimensions"].items():
            self.stdout.write(f"{name:<16} n={m['n']:<5} accuracy={m['accuracy']} "
                              f"macro-F1={m['macro_f1']} top-3={m['top3_accuracy']}")
        self.stdout.write(f"Written: {json_path} and {md_path}")
