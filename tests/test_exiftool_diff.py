"""Differential test against exiftool: every text value exiftool reads from a corpus file
(EXIF, XMP, IPTC, PNG, QuickTime tags, ID3, Vorbis, RIFF) reaches provscan's extraction
whole, or is listed in :mod:`tests.exiftool_peer` as not relevant, with the reason."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from provscan.asset import Asset

from tests.exiftool_peer import FIELDS_NOT_RELEVANT, Tally, compare, run_exiftool


@pytest.fixture(scope="module")
def exiftool() -> str:
    """The exiftool executable (``./dev test`` installs Debian's libimage-exiftool-perl)."""
    found = shutil.which("exiftool")
    if found is None:
        pytest.skip("exiftool is not installed (./dev test installs libimage-exiftool-perl)")
    return found


@pytest.fixture(scope="module")
def tally(corpus: Path, exiftool: str) -> Tally:
    """The comparison over every file of the corpus (both catalogs)."""
    result = Tally()
    for record in run_exiftool(exiftool, corpus):
        path = corpus / str(record["SourceFile"])
        if path.is_file() and not path.is_symlink():
            compare(Asset(path, path.relative_to(corpus).as_posix()), record, result)
    return result


def _lines(tally: Tally) -> Iterator[str]:
    yield f"fields compared {tally.compared}, matched {tally.matched}"
    for reason, count in tally.not_relevant.most_common():
        yield f"  not relevant {count:5d}: {reason}"
    for rel, key, value in tally.missing[:40]:
        yield f"  MISSING {rel} {key} = {value!r}"


@pytest.mark.slow
def test_every_exiftool_text_value_reaches_provscan(tally: Tally) -> None:
    """No text value exiftool reads is dropped, cut or mis-decoded by provscan's views."""
    print("\n".join(_lines(tally)))
    assert tally.compared > 0
    assert not tally.missing, "\n".join(_lines(tally))
    assert tally.matched == tally.compared


@pytest.mark.slow
def test_every_listed_exception_is_still_needed(tally: Tally) -> None:
    """Each single-field exception is met in the corpus: the list does not go stale."""
    for reason in FIELDS_NOT_RELEVANT.values():
        assert tally.not_relevant[reason] > 0, reason
