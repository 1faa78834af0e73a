"""Shared test fixtures: where the real-world corpus and the generated fixtures live."""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path

import pytest

# The test process has run c2pa-rs and FFmpeg threads by the time a CLI test forks a scan
# worker; a plain fork would copy them broken, so tests always use the fork server.
os.environ.setdefault("PROVSCAN_START_METHOD", "forkserver")
# Trust lists a user installed (`provscan trust add`) must not change test results: the
# tests see the bundled lists only (a test that installs one points this elsewhere).
os.environ["PROVSCAN_TRUST_DIR"] = tempfile.mkdtemp(prefix="provscan-tests-trust-")

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
