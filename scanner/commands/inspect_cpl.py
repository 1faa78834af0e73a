"""``provscan inspect CPL.xml``: an IMF composition playlist as an editor reads it: its
title, edit rate and timecode, then each resource where it plays in composition timecode.

Only the CPL is read (defusedxml, capped); which file a track file id names is the
package's ASSETMAP's business, which ``scan`` reads. A CPL that does not parse is one
line naming the element and the problem.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

from provscan import __version__
from provscan.imf.package import (
    Composition,
    ImfError,
    Placement,
    parse_composition,
    read_capped,
)
from provscan.text import aligned, safe


def inspect_composition(path: Path, *, json_out: bool = False) -> str:
    """The composition's facts and placements; ImfError when it does not parse."""
    try:
        with path.open("rb") as handle:
            data = read_capped(handle, path.name)
    except OSError as exc:
        raise ImfError(f"{path.name}: cannot be read ({exc.strerror or exc})") from None
    cpl = parse_composition(data, path.name)
    rows = [_row(cpl, p) for p in cpl.resources]
    if json_out:
        doc = {"tool_version": __version__, "file": str(path), **_facts(cpl), "resources": rows}
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return _text(path, cpl, rows)


def _facts(cpl: Composition) -> dict[str, object]:
    rate = cpl.edit_rate
    return {
        "id": cpl.id, "title": cpl.title,
        "edit_rate": f"{rate.numerator}/{rate.denominator}",
        "start_timecode": cpl.timecode(Fraction(0)),
        "end_timecode": cpl.timecode(cpl.duration),
        "duration_s": round(cpl.seconds(cpl.duration), 3),
    }  # fmt: skip


def _row(cpl: Composition, p: Placement) -> dict[str, object]:
    return {
        "segment": p.segment, "sequence": p.sequence, "resource": p.resource,
        "track_file_id": p.track_file_id,
        "record_in_tc": cpl.timecode(p.record_in), "record_out_tc": cpl.timecode(p.record_out),
        "entry_point": p.entry_point, "source_duration": p.source_duration,
        "repeat_count": p.repeat_count,
    }  # fmt: skip


def _text(path: Path, cpl: Composition, rows: list[dict[str, object]]) -> str:
    facts = _facts(cpl)
    rate = str(facts["edit_rate"]).removesuffix("/1")
    lines = [
        f'{safe(str(path))}: IMF composition "{safe(cpl.title)}" ({safe(cpl.id)}), {rate} '
        f"edit units/s, {facts['start_timecode']}-{facts['end_timecode']}, "
        f"{len(rows)} resources",
    ]
    header = ("seg", "sequence", "record in-out", "track file")
    table = [(str(r["segment"]), safe(str(r["sequence"])),
              f"{r['record_in_tc']}-{r['record_out_tc']}", safe(str(r["track_file_id"])))
             for r in rows]  # fmt: skip
    return "\n".join([*lines, *aligned([header, *table])]) + "\n"
