"""The ``--timeline`` and ``--rate`` options: edits read before the scan starts, so a bad
one stops the run at once with one line (exit 2) instead of after a long scan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

from provscan.limits import Limits
from provscan.timeline.cut import Cut, TimelineError, rate_of
from provscan.timeline.isolated import read_isolated


def parse_rate(text: str) -> Fraction:
    """``24``, ``25``, ``29.97``, ``23.976`` or ``30000/1001`` as an exact frame rate."""
    cleaned = text.strip()
    try:
        value = Fraction(cleaned) if "/" in cleaned else Fraction(float(cleaned))
    except (ValueError, ZeroDivisionError, OverflowError):
        raise ValueError(
            f"{text!r} is not a frame rate (e.g. 24, 25, 29.97 or 30000/1001)"
        ) from None
    if not 1 <= value <= 1000:
        raise ValueError(f"{text!r} is not a frame rate between 1 and 1000 fps")
    return value if "/" in cleaned else rate_of(float(value))


def load_cuts(paths: Sequence[Path], rate: Fraction | None, limits: Limits) -> list[Cut]:
    """Every timeline of every file, read in an isolated child; TimelineError on the first
    that is missing or unreadable. ``EDIT=FINAL`` names the final the edit is of (its path
    in the deliverable) when their names differ."""
    cuts: list[Cut] = []
    for given in paths:
        path, final = split_final(given)
        if path.is_dir():
            raise TimelineError(f"{path}: --timeline: {_folder_hint(path)}")
        if not path.is_file():
            raise TimelineError(f"{path}: --timeline: no such file")
        cuts.extend(replace(cut, final=final) for cut in read_isolated(path, rate, limits))
    return cuts


def _folder_hint(path: Path) -> str:
    """What to say of a folder given as an edit: a Final Cut Pro bundle (.fcpxmld) holds
    its FCPXML as Info.fcpxml."""
    inside = path / "Info.fcpxml"
    if inside.is_file():
        return f"a folder (a Final Cut Pro bundle): give the FCPXML inside it, {inside}"
    return "a folder, not an edit (give the EDL, FCP 7 XML, FCPXML, AAF or OTIO file)"


def split_final(given: Path) -> tuple[Path, str]:
    """``EDIT=FINAL`` as (EDIT, FINAL); a path that exists as given is never split (a
    file name may hold '=')."""
    text = str(given)
    if given.exists() or "=" not in text:
        return given, ""
    edit, _, final = text.rpartition("=")
    return Path(edit), final.strip("/")
