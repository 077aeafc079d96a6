"""`manage.py triage_file IN.csv OUT.csv`: suggested codes and severity signals for every row."""

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from triage import data, engine, mapping
from triage.pii import mask_text, pii_kinds
from triage.signals import read_signals, severity_for

BATCH = 1000


def text_column(header: list[str]) -> str:
    for name in ("text", data.NARRATIVE, "content"):
        if name in header:
            return name
    raise CommandError(f"no text column: expected one of text, {data.NARRATIVE!r}, content")


class Command(BaseCommand):
    help = ("Read a CSV with a `text` column (or a CFPB export's narrative column) and write, per "
            "row, the suggested codes with confidences, the severity signals and the kinds of "
            "personal data seen: to back-fill historical complaints or evaluate a labelled file.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("input", type=Path)
        parser.add_argument("output", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        model = engine.active()
        if model is None:
            raise CommandError("No triage model: run train_triage first")
        try:
            rows = list(data.read_csv(options["input"]))
        except (data.DataMissing, data.UnreadableFile) as error:
            raise CommandError(str(error)) from None
        column = text_column(list(rows[0])) if rows else "text"
        heads = model.heads
        fields = ["row", "model_version"]
        for head in heads:
            fields += [head, f"{head}_confidence", f"{head}_code", f"{head}_uncertain",
                       f"{head}_top3"]
        fields += ["severity", "signals", "pii", "text_masked"]
        with options["output"].open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            for start in range(0, len(rows), BATCH):
                batch = rows[start:start + BATCH]
                texts = [r.get(column, "") for r in batch]
                filled = [t for t in texts if t.strip()]  # an empty text is not classified
                classified = iter(model.classify(filled) if filled else [])
                for offset, text in enumerate(texts):
                    predictions = next(classified) if text.strip() else []
                    signals = read_signals(text)
                    out: dict[str, Any] = {
                        "row": start + offset + 2, "model_version": model.version,
                        "severity": severity_for(signals, regulator_source=False),
                        "signals": "; ".join(f"{s.name}: {s.evidence}" for s in signals),
                        "pii": " ".join(pii_kinds(text)), "text_masked": mask_text(text[:300]),
                    }
                    for p in predictions:
                        best = p.options[0]
                        out |= {p.head: best.label, f"{p.head}_confidence": best.confidence,
                                f"{p.head}_code": mapping.code_for(p.head, best.label),
                                f"{p.head}_uncertain": int(p.uncertain),
                                f"{p.head}_top3": "; ".join(f"{o.label} ({o.confidence:.2f})"
                                                            for o in p.options)}
                    writer.writerow(out)
        self.stdout.write(f"{len(rows)} rows triaged with model {model.version} -> "
                          f"{options['output']}")
