"""The HTML card's frame-sequence block: range, time code, gaps, differing frames, frames."""

from __future__ import annotations

from typing import Any

from provscan.report.facts import VERDICT_TITLES
from provscan.report.html_parts import esc

MAX_ROWS = 400  # frames listed on a card; the JSON report lists every frame


def sequence_block(entry: dict[str, Any]) -> str:
    """The block for a sequence's card ("" for a single file)."""
    sequence = entry.get("sequence")
    if not sequence:
        return ""
    head = f"{sequence['count']} frames, {sequence['first']}-{sequence['last']}"
    if sequence.get("timecode"):
        rate = f" at {sequence['frame_rate']} fps" if sequence.get("frame_rate") else ""
        head += f", starting {sequence['timecode']}{rate}"
    parts = [f'<section class="sequence"><h4>Frame sequence</h4><p>{esc(head)}</p>']
    if sequence["gaps"]:
        gaps = ", ".join(f"{a}-{b}" if b > a else str(a) for a, b in sequence["gaps"][:40])
        parts.append(f"<p><strong>Missing</strong> ({sequence['missing']}): {esc(gaps)}</p>")
    if sequence["differing"]:
        items = "".join(f"<li>frame {d['frame']}: {esc(d['why'])}</li>"
                        for d in sequence["differing"][:40])  # fmt: skip
        parts.append(f"<p><strong>Frames that differ</strong></p><ul>{items}</ul>")
    parts.append(_frames(sequence["frames"], sequence["count"]))
    parts.append("</section>")
    return "".join(parts)


def _frames(frames: list[dict[str, Any]], count: int) -> str:
    """A folded table of the first frames (of ``count``): number, path, own verdict, own
    findings."""
    rows = []
    for frame in frames[:MAX_ROWS]:
        verdict = VERDICT_TITLES.get(frame["verdict"], frame["verdict"])
        own = sorted({f["rule"] for f in frame["findings"] if f["severity"] != "info"})
        rows.append(f"<tr><td>{frame['frame']}</td><td>{esc(frame['path'])}</td>"
                    f"<td>{esc(verdict)}</td><td>{esc(' '.join(own))}</td></tr>")  # fmt: skip
    more = count - min(len(frames), MAX_ROWS)
    tail = f"<p>and {more} more frames (the JSON report lists each)</p>" if more > 0 else ""
    return (f"<details><summary>Frames ({count})</summary><table><thead><tr>"
            "<th>frame</th><th>file</th><th>verdict</th><th>findings</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>{tail}</details>")  # fmt: skip
