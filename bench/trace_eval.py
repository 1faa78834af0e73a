"""Evaluate the trace on generated documentary cuts with known ground truth.

    python -m bench.trace_eval            # full set: >= 150 reference shots, >= 1 h of distractors
    python -m bench.trace_eval --quick    # a few minutes, to check the machinery
    python -m bench.trace_eval --no-generate --no-phash --rounds 3   # median speed of 3 runs

``bench.trace_lab`` renders the material (cached under ``bench/out/``): stills from the shared
corpus and drawn ones (documents, street scenes), reference shots with random combinations
of the edits documentaries make, distractor shots of similar stills, moving footage, and the
ground truth of every shot. This script loads every reference, runs the tracer on every
video in this process (as ``provscan`` runs it in its worker), and reports recall per edit,
false matches, in/out error and speed (times real time, per resolution and GOP structure),
plus the recall a whole-frame pHash would have had on the same shots (the usual first stage
this tracer replaces) and the process's peak memory after each video. With ``--rounds N``
every video is traced N times: the time is the median, and the hits must be the same each
time (the report says so, or which videos differ). The load average is noted: the machine
is shared, and other people's jobs show in the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from provscan.extract.phash import hamming, phash_gray
from provscan.trace.matcher import Matcher
from provscan.trace.reference import Reference, load_reference
from provscan.trace.sampler import DecodeStats, frames_between
from provscan.trace.tracer import trace_video, without_bars

from bench.common import OUT_DIR
from bench.trace_lab.score import render_markdown, score

PHASH_DISTANCE = 10  # a generous whole-frame pHash match (the log's default is 8)


def main() -> None:
    """Generate (or reuse) the material, trace every video, score, write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small set (minutes)")
    parser.add_argument("--no-generate", action="store_true", help="use the material as is")
    parser.add_argument("--no-phash", action="store_true", help="skip the pHash baseline")
    parser.add_argument("--rounds", type=int, default=1, help="trace each video N times")
    parser.add_argument("--size", help="only the videos of this size (e.g. 1920x1080)")
    args = parser.parse_args()
    out = OUT_DIR / ("trace_eval_quick" if args.quick else "trace_eval")
    if not args.no_generate:
        command = [sys.executable, "-m", "bench.trace_lab.generate", "--out", str(out)]
        subprocess.run(command + (["--quick"] if args.quick else []), check=True)
    truth = json.loads((out / "truth.json").read_text())
    if args.size:  # a subset: recall and false matches then count its shots only
        truth["videos"] = [v for v in truth["videos"] if f"{v['width']}x{v['height']}" == args.size]
    references, load_s = _references(out, truth)
    matcher = Matcher(references)  # built once, as provscan's worker does
    load_start = _load()
    runs = [_trace(out, video, matcher, max(1, args.rounds)) for video in truth["videos"]]
    truth["load"] = f"{load_start} at start, {_load()} at end"
    truth["rounds"] = max(1, args.rounds)
    results = {run["path"]: run["hits"] for run in runs}
    summary = score(truth, results)
    baseline = {} if args.no_phash else _phash_baseline(out, truth, references)
    report = _markdown(summary, runs, baseline, load_s, len(references), truth)
    name = out.name + (f"-{args.size}" if args.size else "")
    (OUT_DIR / f"{name}.md").write_text(report)
    (OUT_DIR / f"{name}-results.json").write_text(
        json.dumps({"summary": summary, "runs": runs, "phash": baseline}, indent=1, default=str)
    )
    print(report)


def _references(out: Path, truth: dict[str, Any]) -> tuple[list[Reference], float]:
    clock = time.perf_counter()
    refs = [load_reference(out / name, name) for name in truth["references"]]
    return refs, time.perf_counter() - clock


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _trace(out: Path, video: dict[str, Any], matcher: Matcher, rounds: int) -> dict[str, Any]:
    times, answers = [], []
    for _ in range(rounds):
        clock = time.perf_counter()
        result = trace_video(out / video["path"], matcher)
        times.append(time.perf_counter() - clock)
        answers.append(
            [
                {"reference": hit.reference, "start": r.start, "end": r.end}
                for hit in result.hits
                for r in hit.ranges
            ]
        )
    seconds, hits = statistics.median(times), answers[0]
    stats = result.stats
    print(f"{video['path']}: {video['duration']:.0f} s in {seconds:.1f} s "
          f"({video['duration'] / seconds:.1f}x), {len(hits)} hits", flush=True)  # fmt: skip
    return {
        "path": video["path"],
        "set": video["set"],
        "size": f"{video['width']}x{video['height']}",
        "gop": video.get("gop", "default"),
        "duration": video["duration"],
        "seconds": round(seconds, 3),
        "decoded": stats.decoded,
        "looked_at": stats.sampled,
        "dense_gops": stats.dense_gops,
        "refined_frames": stats.refined_frames,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "hits": hits,
        "same_each_round": all(answer == hits for answer in answers),
    }


def _phash_baseline(
    out: Path, truth: dict[str, Any], references: list[Reference]
) -> dict[str, list[int]]:
    """Per edit: [shots, shots a whole-frame pHash of the shot's middle frame would match]."""
    by_name = {r.name: r for r in references}
    table: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for video in truth["videos"]:
        for shot in video["shots"]:
            if shot["kind"] != "reference":
                continue
            middle = (shot["start"] + shot["end"]) / 2
            frames = frames_between(out / video["path"], middle, middle + 0.1, DecodeStats())
            found = bool(frames) and (
                hamming(phash_gray(without_bars(frames[0].gray)), by_name[shot["still"]].phash)
                <= PHASH_DISTANCE
            )
            for name in ["all", *shot["transforms"]]:
                table[name][0] += 1
                table[name][1] += int(found)
    return dict(table)


def _markdown(
    summary: dict[str, Any],
    runs: list[dict[str, Any]],
    baseline: dict[str, list[int]],
    load_s: float,
    references: int,
    truth: dict[str, Any],
) -> str:
    title = f"### Speed (times real time, this machine; median of {truth.get('rounds', 1)} rounds)"
    lines = [render_markdown(summary), "", title, ""]
    lines += ["| set | size | GOP | video s | trace s | x real time | frames decoded |",
              "|---|---|---|---:|---:|---:|---:|"]  # fmt: skip
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for run in runs:
        groups[(run["set"], run["size"], run["gop"])].append(run)
    for (kind, size, gop), members in sorted(groups.items()):
        video = sum(r["duration"] for r in members)
        spent = sum(r["seconds"] for r in members)
        decoded = sum(r["decoded"] + r["refined_frames"] for r in members)
        lines.append(f"| {kind} | {size} | {gop} | {video:.0f} | {spent:.1f} | "
                     f"{video / spent:.1f} | {decoded} |")  # fmt: skip
    lines += ["", f"{references} references loaded in {load_s:.1f} s. Peak memory (max RSS of "
              "this process) after each video, in order: "
              + ", ".join(f"{r['peak_rss_mb']:.0f}" for r in runs) + " MB."]  # fmt: skip
    if baseline:
        title = ("### Whole-frame pHash on the same reference shots (middle frame, bars "
                 f"trimmed, distance <= {PHASH_DISTANCE})")  # fmt: skip
        header = ["| edit | shots | pHash would find | tracer found |", "|---|---:|---:|---:|"]
        lines += ["", title, "", *header]
        found = summary.get("recall_by", {}).get("transform", {})
        for name, (shots, hits) in sorted(baseline.items(), key=lambda kv: (kv[0] != "all", kv)):
            ours = found.get(name, {}) if name != "all" else {"recall": summary.get("recall")}
            lines.append(f"| {name} | {shots} | {hits / shots:.0%} | "
                         f"{_pct(ours.get('recall'))} |")  # fmt: skip
    rounds = [r for r in runs if not r["same_each_round"]]
    lines += ["", "Hits the same in every round: " + (
        "yes" if not rounds else "**no**: " + ", ".join(r["path"] for r in rounds))]  # fmt: skip
    lines += [f"Load average (1/5/15 min): {truth.get('load', '-')}."]
    lines += ["", f"Material: seed {truth.get('seed')}, {len(truth['videos'])} videos."]
    return "\n".join(lines) + "\n"


def _pct(value: object) -> str:
    return f"{value:.0%}" if isinstance(value, float) else "-"


if __name__ == "__main__":
    main()
