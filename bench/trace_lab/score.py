"""Score a tracer's hits against ``truth.json``: recall, false matches and timecode error.

``results`` maps a video path as written in truth.json (``videos/ref_00.mp4``) to the tracer's
hits in that file, each ``{"reference": "stills/ref_007.png", "start": s, "end": s}`` in seconds
from the start of the file. References are compared by file name, so absolute paths or another
folder prefix match too. A still may have several hits in one video.

- A reference shot is *found* when some hit of the same reference overlaps its ``[start, end]``
  (a zero-length hit counts when it lies inside). Its timecode error is measured on the hit that
  overlaps it most: ``|hit.start - start|`` and ``|hit.end - end|``, where truth puts a dissolved
  edge at the dissolve's 50% point; edges are reported apart for cuts and dissolves.
- A hit is a *false match* when it overlaps no shot of its reference. It is a *wrong reference*
  when the shot it overlaps most shows another reference (the tracer confused two references).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

TOLERANCE = 0.5  # seconds: an edge this close counts as "on time"
_MAX_ROWS = 60  # rows of missed shots / false matches in the markdown


@dataclass(frozen=True)
class _Hit:
    video: str
    reference: str  # file name
    start: float
    end: float


@dataclass
class _Truth:
    video: dict[str, Any]
    shot: dict[str, Any]


def _key(path: str | None) -> str:
    """A still's identity for matching: its file name (folders and absolute paths ignored)."""
    return PurePosixPath(str(path).replace("\\", "/")).name if path else ""


def _overlap(hit: _Hit, start: float, end: float) -> float:
    """Seconds of overlap; a zero-length hit inside the interval counts as a tiny overlap."""
    if hit.end <= hit.start:
        return 1e-9 if start <= hit.start <= end else 0.0
    return max(0.0, min(hit.end, end) - max(hit.start, start))


def _hits(
    results: dict[str, list[dict[str, Any]]], videos: dict[str, Any]
) -> tuple[list[_Hit], list[str], set[str]]:
    """Hits of known videos (start <= end enforced), result keys matching no video, videos seen."""
    by_name = {_key(p): p for p in videos}
    hits: list[_Hit] = []
    unknown: list[str] = []
    seen: set[str] = set()
    for path, items in results.items():
        video = path if path in videos else by_name.get(_key(path))
        if video is None:
            unknown.append(path)
            continue
        seen.add(video)
        for item in items:
            a, b = float(item["start"]), float(item["end"])
            hits.append(_Hit(video, _key(item["reference"]), min(a, b), max(a, b)))
    return hits, unknown, seen


def _percentile(values: list[float], q: float) -> float:
    """Linear-interpolation percentile (numpy's default) of a non-empty list."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def error_stats(errors: list[float]) -> dict[str, float | int | None]:
    """Median, p95, max and the share within ``TOLERANCE`` of absolute errors in seconds."""
    if not errors:
        return {"n": 0, "median": None, "p95": None, "max": None, "within_0_5s": None}
    return {
        "n": len(errors),
        "median": round(_percentile(errors, 0.5), 3),
        "p95": round(_percentile(errors, 0.95), 3),
        "max": round(max(errors), 3),
        "within_0_5s": round(sum(e <= TOLERANCE for e in errors) / len(errors), 4),
    }


def _rate(found: int, total: int) -> dict[str, float | int | None]:
    return {"shots": total, "found": found, "recall": round(found / total, 4) if total else None}


def _groups(
    video: dict[str, Any], shot: dict[str, Any], stills: dict[str, Any]
) -> Iterable[tuple[str, str]]:
    """The (dimension, value) pairs a reference shot is counted under for the recall tables."""
    for t in shot.get("transforms", []):
        yield "transform", t
    yield "resolution", f"{video['height']}p"
    yield "gop", str(video.get("gop", "default"))
    yield "fps", f"{float(video['fps']):g}"
    category = stills.get(shot["still"], {}).get("category")
    if category:
        yield "category", str(category)
    extra = [
        t
        for t in shot.get("transforms", [])
        if t not in ("static", "pan-zoom") and not t.startswith("crf")
    ]
    yield "transform_count", str(min(len(extra), 5))


def _best(hits: list[_Hit], start: float, end: float) -> tuple[_Hit | None, int]:
    """The hit overlapping [start, end] most, and how many hits overlap it."""
    scored = [(_overlap(h, start, end), h) for h in hits]
    overlapping = [(o, h) for o, h in scored if o > 0]
    if not overlapping:
        return None, 0
    return max(overlapping, key=lambda p: p[0])[1], len(overlapping)


def _shots_of(truth: dict[str, Any]) -> list[_Truth]:
    return [_Truth(v, s) for v in truth["videos"] for s in v["shots"]]


def _recall(
    truth: dict[str, Any], by_video_ref: dict[tuple[str, str], list[_Hit]]
) -> tuple[dict[str, Any], dict[str, list[float]], list[dict[str, Any]]]:
    """Per-shot matching: (recall figures, edge errors by kind, missed shots)."""
    stills = truth.get("stills", {})
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    errors: dict[str, list[float]] = defaultdict(list)
    missed: list[dict[str, Any]] = []
    found = total = fragmented = 0
    for t in _shots_of(truth):
        shot, video = t.shot, t.video
        if shot["kind"] != "reference":
            continue
        total += 1
        hit, n = _best(
            by_video_ref.get((video["path"], _key(shot["still"])), []), shot["start"], shot["end"]
        )
        for group in _groups(video, shot, stills):
            totals[group][0] += hit is not None
            totals[group][1] += 1
        if hit is None:
            missed.append(_shot_row(video, shot))
            continue
        found += 1
        fragmented += n > 1
        start_err, end_err = abs(hit.start - shot["start"]), abs(hit.end - shot["end"])
        start_kind = "dissolve" if shot.get("dissolve_in_frames") else "cut"
        end_kind = "dissolve" if shot.get("dissolve_out_frames") else "cut"
        errors["start"].append(start_err)
        errors["end"].append(end_err)
        errors[start_kind].append(start_err)
        errors[end_kind].append(end_err)
    by: dict[str, dict[str, Any]] = defaultdict(dict)
    for (dim, value), (f, n) in sorted(totals.items()):
        by[dim][value] = _rate(f, n)
    figures = {**_rate(found, total), "fragmented_shots": fragmented, "by": dict(by)}
    return figures, errors, missed


def _shot_row(video: dict[str, Any], shot: dict[str, Any]) -> dict[str, Any]:
    return {
        "video": video["path"],
        "reference": shot["still"],
        "start": shot["start"],
        "end": shot["end"],
        "transforms": shot.get("transforms", []),
    }


def _classify(hit: _Hit, shots: list[dict[str, Any]], references: set[str]) -> dict[str, Any]:
    """Why a false hit is false: what it overlaps most in its video."""
    best = max(shots, key=lambda s: _overlap(hit, s["start"], s["end"]), default=None)
    if best is not None and _overlap(hit, best["start"], best["end"]) <= 0:
        best = None
    if hit.reference not in references:
        kind = "unknown-reference"
    elif best is None:
        kind = "outside-video"
    elif best["kind"] == "reference":
        kind = "wrong-reference"
    else:
        kind = str(best["kind"])  # "distractor" (a non-reference still) | "footage"
    shown = None if best is None else {k: best[k] for k in ("kind", "still", "start", "end")}
    return {"type": kind, "overlaps": shown}


def _false_matches(truth: dict[str, Any], hits: list[_Hit]) -> dict[str, Any]:
    """Hits overlapping no shot of their own reference, with totals per set and per type."""
    videos = {v["path"]: v for v in truth["videos"]}
    references = {_key(r) for r in truth.get("references", [])}
    rows: list[dict[str, Any]] = []
    for hit in hits:
        shots = videos[hit.video]["shots"]
        own = [s for s in shots if s["kind"] == "reference" and _key(s["still"]) == hit.reference]
        if any(_overlap(hit, s["start"], s["end"]) > 0 for s in own):
            continue
        row = {"video": hit.video, "reference": hit.reference, "start": hit.start, "end": hit.end}
        rows.append({**row, "set": videos[hit.video]["set"], **_classify(hit, shots, references)})
    distractor_hours = (
        sum(v["duration"] for v in truth["videos"] if v["set"] == "distractor") / 3600
    )

    def total(selected: list[dict[str, Any]]) -> dict[str, float | int]:
        return {
            "count": len(selected),
            "seconds": round(sum(r["end"] - r["start"] for r in selected), 3),
        }

    in_distractor = [r for r in rows if r["set"] == "distractor"]
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_type[r["type"]].append(r)
    return {
        **total(rows),
        "in_reference_set": total([r for r in rows if r["set"] == "reference"]),
        "in_distractor_set": total(in_distractor),
        "per_distractor_hour": round(len(in_distractor) / distractor_hours, 3)
        if distractor_hours
        else None,
        "wrong_reference": total(by_type.get("wrong-reference", [])),
        "by_type": {k: total(v) for k, v in sorted(by_type.items())},
        "list": sorted(rows, key=lambda r: (r["video"], r["start"])),
    }


def score(truth: dict[str, Any], results: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Compare a tracer's hits (video path -> hits) with the truth; see the module docstring."""
    videos = {v["path"]: v for v in truth["videos"]}
    hits, unknown, seen = _hits(results, videos)
    by_video_ref: dict[tuple[str, str], list[_Hit]] = defaultdict(list)
    for h in hits:
        by_video_ref[(h.video, h.reference)].append(h)
    figures, errors, missed = _recall(truth, by_video_ref)
    false = _false_matches(truth, hits)
    n_hits = len(hits)
    return {
        "recall": figures["recall"],
        "reference_shots": figures["shots"],
        "found": figures["found"],
        "fragmented_shots": figures["fragmented_shots"],
        "hits": n_hits,
        "precision": round((n_hits - false["count"]) / n_hits, 4) if n_hits else None,
        "recall_by": figures["by"],
        "timecode": {
            k: error_stats(errors.get(k, [])) for k in ("start", "end", "cut", "dissolve")
        },
        "false_matches": false,
        "missed": missed,
        "unknown_videos": sorted(unknown),
        "videos_missing_from_results": sorted(p for p in videos if p not in seen),
    }


# ---------------------------------------------------------------------------- markdown


def _tc(seconds: float) -> str:
    """m:ss.ss"""
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}:{rest:05.2f}"


def _fmt(value: Any, pct: bool = False) -> str:
    if value is None:
        return "-"
    if pct:
        return f"{100 * value:.1f}%"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(r) + " |" for r in rows]


def render_markdown(summary: dict[str, Any]) -> str:
    """README-ready tables: overall figures, timecode error, recall by transform/group, misses."""
    fm = summary["false_matches"]
    tc = summary["timecode"]
    out = ["### Overall", ""]
    overall = [
        ["reference shots", str(summary["reference_shots"])],
        ["found (recall)", f"{summary['found']} ({_fmt(summary['recall'], True)})"],
        ["hits / precision", f"{summary['hits']} / {_fmt(summary['precision'], True)}"],
        [
            "false matches, reference set",
            f"{fm['in_reference_set']['count']} ({fm['in_reference_set']['seconds']:g} s)",
        ],
        [
            "false matches, distractor set",
            f"{fm['in_distractor_set']['count']} ({fm['in_distractor_set']['seconds']:g} s)",
        ],
        ["false matches per distractor hour", _fmt(fm["per_distractor_hour"])],
        ["wrong-reference hits", str(fm["wrong_reference"]["count"])],
        ["shots found as several hits", str(summary["fragmented_shots"])],
    ]
    out += _table(["measure", "value"], overall)
    out += ["", f"### Timecode error (seconds; on time = within {TOLERANCE:g} s)", ""]
    rows = [
        [
            k,
            str(s["n"]),
            _fmt(s["median"]),
            _fmt(s["p95"]),
            _fmt(s["max"]),
            _fmt(s["within_0_5s"], True),
        ]
        for k, s in tc.items()
    ]
    out += _table(["edge", "n", "median", "p95", "max", "on time"], rows)
    out += ["", "### Recall by transform", ""]
    out += _rate_table(summary["recall_by"].get("transform", {}))
    for dim in ("resolution", "gop", "fps", "category", "transform_count"):
        if dim in summary["recall_by"]:
            out += ["", f"### Recall by {dim.replace('_', ' ')}", ""]
            out += _rate_table(summary["recall_by"][dim])
    out += ["", f"### Missed shots ({len(summary['missed'])})", ""]
    missed = [
        [
            m["video"],
            f"{_tc(m['start'])}-{_tc(m['end'])}",
            _key(m["reference"]),
            " ".join(m["transforms"]),
        ]
        for m in summary["missed"][:_MAX_ROWS]
    ]
    out += _table(["video", "time", "reference", "transforms"], missed) if missed else ["none"]
    out += ["", f"### False matches ({fm['count']})", ""]
    false_rows = [
        [
            f["video"],
            f"{_tc(f['start'])}-{_tc(f['end'])}",
            f["reference"],
            f["type"],
            _overlapped(f["overlaps"]),
        ]
        for f in fm["list"][:_MAX_ROWS]
    ]
    out += (
        _table(["video", "time", "reference", "type", "overlaps"], false_rows)
        if false_rows
        else ["none"]
    )
    return "\n".join(out) + "\n"


def _overlapped(shot: dict[str, Any] | None) -> str:
    if shot is None:
        return "-"
    what = _key(shot["still"]) if shot["still"] else shot["kind"]
    return f"{what} {_tc(shot['start'])}-{_tc(shot['end'])}"


def _rate_table(rates: dict[str, dict[str, Any]]) -> list[str]:
    rows = [
        [k, str(v["shots"]), str(v["found"]), _fmt(v["recall"], True)] for k, v in rates.items()
    ]
    return _table(["", "shots", "found", "recall"], rows)
