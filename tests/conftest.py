"""Shared test fixtures: where the real-world corpus and the generated fixtures live."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
FIXTURES = REPO / "fixtures"


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared real-world corpus; tests that need it skip cleanly when it is absent."""
    if not (CORPUS / "CATALOG.tsv").is_file():
        pytest.skip("../shared/corpus is not present")
    return CORPUS


@pytest.fixture(scope="session")
def catalog(corpus: Path) -> list[dict[str, str]]:
    """Rows of the corpus CATALOG.tsv as dicts."""
    with open(corpus / "CATALOG.tsv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))
