"""``provscan inspect EDIT --sources MEDIA``: an edit's clips with their sources' verdicts.

The sources folders are scanned as ``scan --sources`` scans them; each clip is resolved the
way the timeline stage resolves it, and listed in record order per track, matched or not.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from provscan import __version__
from provscan.limits import Limits
from provscan.model import Report, Settings
from provscan.report.to_text import _VERDICT_WORDS
from provscan.stages.sources import scan_sources
from provscan.stages.timeline import describe, resolve_cuts
from provscan.text import aligned, safe
from provscan.timeline.cut import Cut


def inspect_cuts(
    cuts: Sequence[Cut],
    folders: Sequence[Path],
    settings: Settings,
    limits: Limits,
    *,
    json_out: bool = False,
) -> str:
    """Every cut's clips, each with its resolved source and that source's verdict."""
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    empty = Report(root=str(Path.cwd()), files=(), tool_version=__version__, started=started,
                   duration_s=0.0)  # fmt: skip
    report = scan_sources(empty, folders, settings, limits) if folders else empty
    files = {f.path: f for f in report.files}
    described = [describe(item, files, []) for item in resolve_cuts(report, cuts, limits)]
    if json_out:
        doc = {"tool_version": __version__, "sources": [str(f) for f in folders],
               "timelines": described}  # fmt: skip
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return "".join(_text(cut) for cut in described)


def _text(cut: dict[str, Any]) -> str:
    rate = cut["rate"].removesuffix("/1")
    guessed = (
        " (guessed from its timecodes; pass --rate)" if cut["rate_source"] == "guessed" else ""
    )
    title = f' "{cut["name"]}"' if cut["name"] else ""
    lines = [
        f"{safe(cut['timeline'])}: {cut['format']}{safe(title)}, {rate} fps{guessed}, "
        f"{cut['start_tc']}-{cut['end_tc']}, {len(cut['clips'])} clips",
    ]
    rows = [_row(clip) for clip in cut["clips"]]
    header = ("#", "track", "record in-out", "clip", "source", "verdict")
    lines.extend(aligned([header, *rows]))
    unresolved = [c for c in cut["clips"] if not c["source"] and not c["generator"]]
    if unresolved:
        lines.append(f"  {len(unresolved)} clip(s) not matched to a scanned file:")
        lines.extend(f"    {c['clip_index']}: {safe(c['why'] or '')}" for c in unresolved)
    return "\n".join(lines) + "\n\n"


def _row(clip: dict[str, Any]) -> tuple[str, ...]:
    record = f"{clip['record_in_tc']}-{clip['record_out_tc']}"
    if clip["generator"]:
        source, verdict = f"(generated: {clip['generator']})", "-"
    elif clip["source"]:
        source = clip["source"]
        verdict = _VERDICT_WORDS.get(clip["verdict"], clip["verdict"])
    else:
        source, verdict = "(not found)", "not checked"
    if not clip["enabled"]:
        verdict += " (clip disabled)"
    name = clip["clip"] or "(unnamed)"
    return (str(clip["clip_index"]), clip["track"], record, safe(_clip(name)), safe(source),
            verdict)  # fmt: skip


def _clip(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
