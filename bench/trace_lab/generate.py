"""Generate the tracer evaluation material: stills, videos and ``truth.json``.

    python -m bench.trace_lab.generate --out DIR [--quick] [--seed N] [--jobs 2] [--verify]

Writes ``DIR/stills/`` (``ref_XXX`` / ``distractor_XXX``, PNG documents, JPEG photos),
``DIR/videos/*.mp4`` and ``DIR/truth.json``. Re-running with the same arguments reuses what is
done: the stills are cached by a key of the seed and generator version, and a video is only
re-encoded when its file is missing or its hash (plan entry + bytes of the stills it shows) differs
from the stamp in ``DIR/.cache/``. ``truth.json`` is written last, once every video exists.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import cv2

from bench.trace_lab.plan import FULL, QUICK, digest, make_plan, video_from_dict, video_hash
from bench.trace_lab.render import render_video, verify_video
from bench.trace_lab.stills import collect_stills

# Encoded frames per second of one process (x264 veryfast, threads=1) measured on the 2-core
# development machine, for the up-front estimate only.
_RATE_BY_HEIGHT = {1080: 7.5, 720: 30.0, 360: 100.0}


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.trace_lab.generate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument(
        "--quick", action="store_true", help="~30 reference shots, 3 min distractor"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2, help="videos encoded in parallel")
    parser.add_argument("--threads", type=int, default=1, help="x264 threads per video")
    parser.add_argument("--verify", action="store_true", help="decode each new video and check it")
    parser.add_argument("--plan-only", action="store_true", help="print the plan summary and stop")
    return parser.parse_args(argv)


def _summary(plan: dict[str, Any]) -> str:
    """Minutes per set, reference shot count and how often each transform occurs."""
    lines = []
    for name in ("reference", "distractor"):
        videos = [v for v in plan["videos"] if v["set"] == name]
        minutes = sum(v["duration"] for v in videos) / 60
        lines.append(f"  {name} set: {len(videos)} videos, {minutes:.1f} min")
    shots = [s for v in plan["videos"] for s in v["shots"] if s["kind"] == "reference"]
    used = len({s["still"] for s in shots})
    lines.append(f"  reference shots: {len(shots)} of {used}/{len(plan['references'])} references")
    counts: Counter[str] = Counter(t for s in shots for t in s["transforms"])
    cover = ", ".join(f"{t} {n / max(1, len(shots)):.0%}" for t, n in sorted(counts.items()))
    lines.append(f"  transforms in reference shots: {cover}")
    return "\n".join(lines)


def _estimate_minutes(videos: list[dict[str, Any]], jobs: int) -> float:
    seconds = sum(float(v["frames"]) / _RATE_BY_HEIGHT.get(v["height"], 20.0) for v in videos)
    return seconds / 60 / max(1, min(jobs, len(videos)))


def _stamp_path(out: Path, video: dict[str, Any]) -> Path:
    return out / ".cache" / (Path(video["path"]).stem + ".json")


def _is_done(out: Path, video: dict[str, Any], hash_: str) -> bool:
    stamp = _stamp_path(out, video)
    if not (out / video["path"]).is_file() or not stamp.is_file():
        return False
    return bool(json.loads(stamp.read_text()).get("hash") == hash_)


def _init_worker() -> None:
    # one video per process: OpenCV's own thread pool would only fight the other process
    cv2.setNumThreads(1)


def _job(task: tuple[dict[str, Any], str, str, int, bool]) -> dict[str, Any]:
    """Render one video in a worker; returns its timing and any verification problems."""
    data, out_dir, hash_, threads, verify = task
    out = Path(out_dir)
    video = video_from_dict(data)
    stats: dict[str, Any] = dict(render_video(video, out, threads))
    stats["problems"] = verify_video(out / video.path, video) if verify else []
    stamp = _stamp_path(out, data)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(
        json.dumps({"hash": hash_, **{k: v for k, v in stats.items() if k != "problems"}})
    )
    stats.update(path=video.path, height=video.height)
    return stats


def _encode(
    out: Path, todo: list[tuple[dict[str, Any], str]], args: argparse.Namespace
) -> list[dict[str, Any]]:
    """Encode the videos in ``todo`` on ``args.jobs`` processes, printing progress."""
    tasks = [(v, str(out), h, args.threads, args.verify) for v, h in todo]
    results: list[dict[str, Any]] = []
    started = time.perf_counter()
    total = sum(v["frames"] for v, _ in todo)
    # the ETA weighs frames by their expected cost: a 1080p frame takes ~15 times a 360p one
    cost = {v["path"]: _estimate_minutes([v], 1) for v, _ in todo}
    done = 0
    done_cost = 0.0
    # spawned, not forked: a fork taken while OpenCV's thread pool (busy drawing the stills)
    # holds its lock leaves the child waiting on that lock forever
    context = multiprocessing.get_context("spawn")
    with context.Pool(args.jobs, initializer=_init_worker) as pool:
        for stats in pool.imap_unordered(_job, tasks):
            results.append(stats)
            done += int(stats["frames"])
            done_cost += cost[stats["path"]]
            elapsed = time.perf_counter() - started
            eta = elapsed / done_cost * (sum(cost.values()) - done_cost) / 60
            flag = f"  PROBLEMS: {stats['problems']}" if stats["problems"] else ""
            print(
                f"  {stats['path']}: {int(stats['frames'])} frames {stats['height']}p "
                f"in {stats['seconds']:.0f} s ({stats['fps']:.1f} fps); "
                f"{done}/{total} frames, {elapsed / 60:.1f} min, ~{eta:.1f} min left{flag}",
                flush=True,
            )
    return results


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, path)


def _timing(results: list[dict[str, Any]], wall: float, stills_s: float) -> dict[str, Any]:
    by_height: dict[str, dict[str, float]] = {}
    for r in results:
        entry = by_height.setdefault(f"{r['height']}p", {"frames": 0.0, "seconds": 0.0})
        entry["frames"] += r["frames"]
        entry["seconds"] += r["seconds"]
    for entry in by_height.values():
        entry["fps_per_process"] = round(entry["frames"] / max(entry["seconds"], 1e-9), 2)
    return {
        "wall_seconds": round(wall, 1),
        "stills_seconds": round(stills_s, 1),
        "encoded": by_height,
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    args = _parse(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    stills = collect_stills(out, args.seed)
    stills_s = time.perf_counter() - started
    counts = Counter((s.role, s.category) for s in stills)
    print(
        f"stills: {len(stills)} in {stills_s:.0f} s: "
        + ", ".join(f"{r} {c} {n}" for (r, c), n in sorted(counts.items()))
    )
    plan = make_plan(stills, args.seed, QUICK if args.quick else FULL)
    plan["plan_hash"] = digest(plan)
    print(f"plan {plan['plan_hash']}:\n{_summary(plan)}")
    todo = []
    for video in plan["videos"]:
        hash_ = video_hash(video, plan["stills"])
        video["hash"] = hash_
        if not _is_done(out, video, hash_):
            todo.append((video, hash_))
    todo.sort(key=lambda t: -t[0]["frames"] * t[0]["height"] ** 2)  # longest first: even finish
    estimate = _estimate_minutes([v for v, _ in todo], args.jobs)
    print(
        f"{len(plan['videos']) - len(todo)} videos cached, {len(todo)} to encode "
        f"(estimate ~{estimate:.0f} min on {args.jobs} processes)",
        flush=True,
    )
    if args.plan_only:
        return 0
    results = _encode(out, todo, args) if todo else []
    if any(r["problems"] for r in results):
        print("some videos failed verification; truth.json not written", file=sys.stderr)
        return 1
    _write_json(out / "truth.json", plan)
    wall = time.perf_counter() - started
    timing = _timing(results, wall, stills_s)
    if results:  # a fully cached run keeps the timing of the run that encoded
        _write_json(out / "timing.json", timing)
    print(f"done in {wall / 60:.1f} min: {json.dumps(timing['encoded'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
