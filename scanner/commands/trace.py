"""``provscan trace VIDEO --reference STILL...``: the search alone, for an editor."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from provscan.limits import Limits
from provscan.timecode import to_timecode
from provscan.trace.worker import Job, Outcome, ReferenceSpec, run_jobs


def run_trace(video: Path, stills: Sequence[Path], limits: Limits, output: str) -> tuple[str, bool]:
    """The report (text or JSON) and whether any still was found."""
    specs = [ReferenceSpec(still.as_posix(), path=str(still.resolve())) for still in stills]
    refused, outcomes = run_jobs(
        specs, [Job("video", str(video.resolve()), video.as_posix())], limits
    )
    outcome = next(iter(outcomes))
    unusable = {name: refusal.why for name, refusal in refused.items()}
    data = trace_dict(outcome, [s.name for s in specs], unusable)
    text = json.dumps(data, indent=2) + "\n" if output == "json" else trace_text(data)
    return text, bool(data["hits"])


def trace_dict(outcome: Outcome, names: list[str], refused: dict[str, str]) -> dict[str, Any]:
    """The search of one video as plain data."""
    data: dict[str, Any] = {
        "video": outcome.job.rel,
        "references": names,
        "unusable": refused,
        "error": outcome.error or None,
        "not_searched": outcome.unsearchable or None,
        "hits": [],
    }
    if outcome.error or outcome.unsearchable:
        return data
    if outcome.result is None:
        data["not_searched"] = "no video stream: nothing to search"
        return data
    result = outcome.result
    facts = result.facts
    rate = facts.rate

    def tc(seconds: float) -> str:
        return to_timecode(seconds, rate, facts.start_frames)

    data["facts"] = {
        "width": facts.width,
        "height": facts.height,
        "codec": facts.codec,
        "frame_rate": f"{rate.numerator}/{rate.denominator}",
        "duration": round(facts.duration, 3),
        "start_timecode": facts.start_timecode or None,
    }
    data["hits"] = [
        {
            "reference": hit.reference,
            "method": hit.method,
            "inliers": hit.inliers,
            "scale": hit.scale,
            "ranges": [
                {"start": r.start, "end": r.end, "start_tc": tc(r.start), "end_tc": tc(r.end)}
                for r in hit.ranges
            ],
        }
        for hit in result.hits
    ]
    stats = result.stats
    data["search"] = {
        "seconds": result.seconds,
        "keyframes": stats.keyframes,
        "decoded_frames": stats.decoded,
        "looked_at": stats.sampled,
        "refined_frames": stats.refined_frames,
        "decode_errors": stats.errors[:10],
    }
    return data


def trace_text(data: dict[str, Any]) -> str:
    """The search of one video for a person: each still, found where, or not found."""
    lines = [data["video"]]
    if data["error"]:
        lines.append(f"  could not be searched: {data['error']}")
    elif data["not_searched"]:
        lines.append(f"  not searched: {data['not_searched']}")
    else:
        facts, search = data["facts"], data["search"]
        speed = facts["duration"] / search["seconds"] if search["seconds"] else 0.0
        lines.append(
            f"  {facts['width']}x{facts['height']} {facts['codec']}, "
            f"{facts['frame_rate']} fps, {facts['duration']:.2f} s; searched in "
            f"{search['seconds']:.2f} s ({speed:.1f}x real time)"
        )
        found = {h["reference"]: h for h in data["hits"]}
        for name in data["references"]:
            lines.extend(_reference_lines(name, found.get(name), data["unusable"]))
    return "\n".join(lines) + "\n"


def _reference_lines(name: str, hit: dict[str, Any] | None, unusable: dict[str, str]) -> list[str]:
    if name in unusable:
        return [f"  {name}: not traced: {unusable[name]}"]
    if hit is None:
        return [f"  {name}: not found"]
    lines = [f"  {name}: FOUND ({hit['inliers']} corners agree, shown at {hit['scale']:.2f}x)"]
    for r in hit["ranges"]:
        lines.append(f"    {r['start_tc']} - {r['end_tc']}   ({r['start']:.2f} - {r['end']:.2f} s)")
    return lines
