"""Detection figures on the shared corpus: recall and false positives per catalog, family
and carrier, from the default command's JSON report.

``python -m bench.detection [--corpus ../shared/corpus]`` runs ``provscan scan CORPUS
--no-trace --format json`` (the metadata verdicts; the trace adds nothing to a catalog row)
and reads both catalogs. A row is AI when its label starts ``AI-generated`` or
``AI-composite/edited``; non-AI when it is ``no AI marker``, ``camera capture``, ``no AI
claim in C2PA`` or ``algorithmicMedia``; other rows (weak hints, non-media) are left out.
Flagged means ai-generated, ai-edited or ai-suspected; "strong" leaves suspected out.
The family is the label's parenthesis (``AI-generated (SwarmUI sui_image_params ...)``:
its first words); the carrier is the rule family that decided the verdict.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

AI_LABELS = ("AI-generated", "AI-composite/edited")
NOT_AI_LABELS = ("no AI marker", "camera capture", "no AI claim in C2PA", "algorithmicMedia")
FLAGGED = {"ai-generated", "ai-edited", "ai-suspected"}
STRONG = {"ai-generated", "ai-edited"}
CARRIERS = {
    "GEN": "generator records (PNG text, EXIF, XMP, tags)", "C2P": "C2PA", "XMP": "XMP/IPTC",
    "EXF": "EXIF tool fields", "MED": "video/audio tags", "STM": "statements",
    "AIG": "AIGC label", "TRC": "trace",
}  # fmt: skip


def main() -> None:
    """Scan the corpus once and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpus"))
    args = parser.parse_args()
    files = _scan(args.corpus)
    for catalog in ("CATALOG.tsv", "CATALOG-2.tsv"):
        rows = _rows(args.corpus / catalog)
        print(f"\n## {catalog}\n")
        _summary(rows, files)
        _by(rows, files, "family", _family)
        _by(rows, files, "carrier", lambda row: _carrier(files.get(row["local_path"])))


def _scan(corpus: Path) -> dict[str, dict[str, object]]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r.json"
        cmd = [sys.executable, "-m", "provscan.cli", "scan", str(corpus), "--no-trace",
               "--quiet", "--format", "json", "--output", str(out)]  # fmt: skip
        subprocess.run(cmd, check=False)
        return {f["path"]: f for f in json.loads(out.read_text(encoding="utf-8"))["files"]}


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def _label(row: dict[str, str]) -> str:
    return row["expected_signals"].lstrip('"').split(" ||")[0]


def _verdict(files: dict[str, dict[str, object]], row: dict[str, str]) -> str:
    return str(files.get(row["local_path"], {}).get("verdict", "missing"))


def _summary(rows: list[dict[str, str]], files: dict[str, dict[str, object]]) -> None:
    ai = [r for r in rows if _label(r).startswith(AI_LABELS)]
    clean = [r for r in rows if _label(r).startswith(NOT_AI_LABELS)]
    flagged = sum(_verdict(files, r) in FLAGGED for r in ai)
    strong = sum(_verdict(files, r) in STRONG for r in ai)
    false = sum(_verdict(files, r) in FLAGGED for r in clean)
    print(f"AI rows flagged: {flagged}/{len(ai)} ({strong} ai-generated/ai-edited); "
          f"non-AI rows flagged: {false}/{len(clean)}\n")  # fmt: skip


def _family(row: dict[str, str]) -> str:
    label = _label(row)
    inner = label.partition("(")[2].rstrip(")")
    return " ".join(inner.split()[:2]) or label


def _carrier(found: dict[str, object] | None) -> str:
    if not found:
        return "missing"
    for code in found.get("decided_by") or []:  # type: ignore[union-attr]
        return CARRIERS.get(str(code)[:3], str(code)[:3])
    return "none"


def _by(rows: list[dict[str, str]], files: dict[str, dict[str, object]], what: str,
        key: object) -> None:  # fmt: skip
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        if _label(row).startswith(AI_LABELS):
            name = key(row)  # type: ignore[operator]
            counts[name][1] += 1
            counts[name][0] += _verdict(files, row) in FLAGGED
    print(f"| {what} | flagged / AI rows |\n| --- | --- |")
    for name, (hit, total) in sorted(counts.items()):
        print(f"| {name} | {hit}/{total} |")
    print()


if __name__ == "__main__":
    main()
