"""Archive scale: --jobs, the catalog (reuse, changes, removals, log re-applied without the
media, resume, kills at random points) and `provscan catalog query`."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from provscan import cli
from provscan.ailog.load import load_log
from provscan.backend import Backend
from provscan.catalog.codec import decode, encode
from provscan.catalog.engine_id import detector_versions, engine_fingerprint
from provscan.catalog.scan import Stats
from provscan.catalog.store import Catalog, CatalogError, Identity, Row
from provscan.engine import scan
from provscan.limits import Limits
from provscan.model import Report, Settings
from provscan.pipeline import check_delivery
from provscan.policy import DEFAULT_POLICY
from provscan.report.to_json import to_dict
from typer.testing import CliRunner

from tests.builders import jpeg_bytes
from tests.conftest import FIXTURES, REPO

JPEG = jpeg_bytes()

SAMPLE = FIXTURES / "sample"
runner = CliRunner()


def _comparable(report: Report) -> dict[str, Any]:
    data = to_dict(report)
    for key in ("started", "duration_s", "options"):
        data.pop(key)
    return data


def _open(path: Path) -> Catalog:
    return Catalog(path, engine_fingerprint(Settings()), detector_versions())


def _check(target: Path, catalog: Catalog | None, log_path: Path | None = None,
           sources: tuple[Path, ...] = ()) -> Report:  # fmt: skip
    backend = Backend(catalog=catalog, stats=Stats()) if catalog else Backend()
    return check_delivery(
        target, sources=sources, log=load_log(log_path) if log_path else None,
        policy=DEFAULT_POLICY, settings=Settings(), limits=Limits(jobs=2),
        today=dt.date(2026, 12, 1), backend=backend,
    )  # fmt: skip


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A private copy of the sample deliverable, its project media and its AI-use log."""
    copy = tmp_path / "sample"
    shutil.copytree(SAMPLE, copy)
    return copy


def test_jobs_do_not_change_the_report() -> None:
    """One, two or three workers give the same report, in the same order."""
    reports = [_comparable(scan(FIXTURES / "files", Settings(), Limits(jobs=n))) for n in (1, 2, 3)]
    assert len(reports[0]["files"]) > 50
    assert reports[0] == reports[1] == reports[2]


def test_rescan_reuses_every_unchanged_file(sample: Path, tmp_path: Path) -> None:
    """A second scan reads nothing again (trace included) and gives the same report."""
    db, delivery, media = tmp_path / "a.db", sample / "delivery", (sample / "project_media",)
    log = sample / "ai-use.toml"
    catalog = _open(db)
    first = _check(delivery, catalog, log, media)
    second = _check(delivery, catalog, log, media)
    catalog.close()
    assert first.options["catalog"]["scanned"] == 20  # type: ignore[index]
    assert second.options["catalog"]["reused"] == 20  # type: ignore[index]
    assert second.options["catalog"]["scanned"] == 0  # type: ignore[index]
    assert second.options["trace"]["recalled"] == second.options["trace"]["searched"]  # type: ignore[index]
    assert (
        _comparable(first) == _comparable(second) == _comparable(_check(delivery, None, log, media))
    )


def _scramble_keeping_identity(path: Path) -> None:
    """Overwrite a file with zeros of the same size, restoring its mtime: the identity the
    catalog checks is unchanged, so only a scan that reads the bytes could notice."""
    st = path.stat()
    path.write_bytes(b"\0" * st.st_size)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_new_log_is_applied_without_reading_media(sample: Path, tmp_path: Path) -> None:
    """A changed log is applied to stored evidence and trace hits; no media is read."""
    db, delivery, media = tmp_path / "a.db", sample / "delivery", (sample / "project_media",)
    catalog = _open(db)
    before = _check(delivery, catalog, sample / "ai-use.toml", media)
    for path in [*delivery.rglob("*.*"), *media[0].rglob("*.*")]:
        _scramble_keeping_identity(path)
    changed = sample / "changed.toml"
    text = (sample / "ai-use.toml").read_text(encoding="utf-8")
    changed.write_text(text.replace('scope = ["temp"]', 'scope = ["temp", "final"]'), "utf-8")
    after = _check(delivery, catalog, changed, media)
    catalog.close()
    gates = {f.path: f.gate.value for f in after.files}
    assert gates["video/final_cut.mp4"] == "pass"  # AI-009 now covers final: the trace hit too
    # AI-003 covered final already, but declares Adobe Firefly: the file's AUTOMATIC1111
    # record (stored evidence) still says it does not approve it
    assert gates["stills/archival_photo_1989.jpg"] == "fail"
    assert gates["stills/archival_photo_1987.png"] == "fail"  # still no entry
    assert [f.verdict for f in after.files] == [f.verdict for f in before.files]
    assert after.options["catalog"]["scanned"] == 0  # type: ignore[index]


def test_changed_and_removed_files(sample: Path, tmp_path: Path) -> None:
    """A changed file is read again (its change date moves); a removed one is forgotten."""
    delivery = sample / "delivery"
    catalog = _open(tmp_path / "a.db")
    _check(delivery, catalog)
    changed = delivery / "stills" / "interview_frame.jpg"
    changed.write_bytes(changed.read_bytes() + b"\0")
    (delivery / "audio" / "boom_take3.wav").unlink()
    report = _check(delivery, catalog)
    stats = report.options["catalog"]
    catalog.close()
    assert (stats["scanned"], stats["removed"]) == (1, 1)  # type: ignore[index]
    assert stats["reused"] == 15  # type: ignore[index]
    conn = sqlite3.connect(tmp_path / "a.db")
    rels = {rel for (rel,) in conn.execute("SELECT rel FROM files")}
    assert "audio/boom_take3.wav" not in rels and "stills/interview_frame.jpg" in rels


def test_other_engine_or_trust_settings_rescan(tmp_path: Path) -> None:
    """Evidence stored by another engine (code, libraries, trust anchors) is not reused."""
    catalog = _open(tmp_path / "a.db")
    root = catalog.root_id(tmp_path)
    identity = Identity(1, 2, 3, 4)
    result = scan(SAMPLE / "delivery" / "stills" / "title_card.jpg", Settings()).files[0]
    from provscan.catalog.store import Row

    catalog.record(
        root, Row("x.jpg", identity, "", "image", "jpeg", "ai-generated", "", encode(result)), 1
    )
    catalog.flush(1)
    assert catalog.stored(root, "x.jpg", identity) is not None
    assert catalog.stored(root, "x.jpg", Identity(1, 2, 3, 5)) is None
    catalog.close()
    trusted = Settings(trust_anchors="-----BEGIN CERTIFICATE-----\n...")
    other = Catalog(tmp_path / "a.db", engine_fingerprint(trusted), {})
    assert other.stored(other.root_id(tmp_path), "x.jpg", identity) is None
    other.close()


def test_code_digests_are_kept_in_the_catalog_by_the_code_they_describe(
    sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the CLI, a catalogued run keeps the digests of the analysis's and the trace's
    code under the digest of every module's source, and the next run takes them from there
    without parsing the code (the same engine, every file reused); other sources (another
    version of provscan) work theirs out again."""
    from provscan.catalog import engine_id

    db, out = tmp_path / "a.db", tmp_path / "out.json"
    cmd = ["scan", str(sample / "delivery"), "--catalog", str(db), "-f", "json", "-o", str(out)]

    def run() -> tuple[dict[str, str], dict[str, Any]]:
        result = runner.invoke(cli.app, cmd)
        assert result.exit_code in (0, 1), result.output
        with sqlite3.connect(db) as conn:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        return meta, json.loads(out.read_text("utf-8"))["options"]["catalog"]

    first, _ = run()
    kept = {k: v for k, v in first.items() if k.startswith(engine_id.MEMO_PREFIX)}
    assert sorted(k.rpartition(":")[2] for k in kept) == ["provscan.analysis",
                                                          "provscan.stages.trace"]  # fmt: skip
    assert kept == {k: engine_id.code_digest(tuple(k.rpartition(":")[2].split(",")))
                    for k in kept}  # fmt: skip

    def parsed(start: tuple[str, ...]) -> str:
        raise AssertionError(f"{start} parsed again")

    monkeypatch.setattr(engine_id, "code_digest", parsed)
    again, stats = run()
    assert again["engine"] == first["engine"] and stats["scanned"] == 0 and stats["reused"] > 10
    monkeypatch.undo()
    monkeypatch.setattr(engine_id, "_sources_digest", lambda: "another-version")
    other, _ = run()
    assert other["engine"] == first["engine"]  # the same code: the same digests, worked out
    assert len([k for k in other if k.startswith(engine_id.MEMO_PREFIX)]) == 4


def test_codec_round_trip_keeps_evidence() -> None:
    """A stored result decodes to the same report entry (findings, details, fingerprints)."""
    report = scan(FIXTURES / "files", Settings(identities=True))
    for result in report.files:
        again = decode(result.path, encode(result))
        assert to_dict(Report("r", (again,), "v", "t", 0.0))["files"] == to_dict(
            Report("r", (result,), "v", "t", 0.0))["files"]  # fmt: skip


def test_not_a_catalog_is_a_usage_error(tmp_path: Path) -> None:
    """A file that is not a SQLite catalog: one line naming it, exit 2."""
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(CatalogError, match=r"bad\.db"):
        _open(bad)
    result = runner.invoke(cli.app, ["scan", str(SAMPLE / "delivery"), "--catalog", str(bad)])
    assert result.exit_code == 2
    assert "--catalog" in result.stderr and "bad.db" in result.stderr


# --- interrupted scans --------------------------------------------------------------------


def _archive(root: Path, count: int) -> Path:
    """``count`` small media files (copies of the generated fixtures) in a few folders."""
    sources = sorted(
        p for p in (FIXTURES / "files").rglob("*") if p.is_file() and p.stat().st_size < 200_000
    )
    for i in range(count):
        src = sources[i % len(sources)]
        dest = root / f"reel_{i % 7}" / f"{i:05d}_{src.name}"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
    return root


def _cli_scan(archive: Path, db: Path, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "provscan.cli", "scan", str(archive), "--catalog", str(db),
         "--jobs", "2", "--no-trace", "-q", "-f", "json", "-o", str(out)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def _stored_rows(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        tables = conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'files'")
        if tables.fetchone()[0] == 0:  # killed before the schema's first commit
            return 0
        return int(conn.execute("SELECT COUNT(*) FROM files").fetchone()[0])
    finally:
        conn.close()


@pytest.mark.slow
def test_killed_at_random_points_catalog_stays_usable_and_resumes(tmp_path: Path) -> None:
    """SIGKILL at random moments leaves an intact catalog; the resume equals a clean run."""
    archive = _archive(tmp_path / "archive", 600)
    reference = tmp_path / "reference.json"
    assert _cli_scan(archive, tmp_path / "ref.db", reference).wait(300) in (0, 1)
    db, rng, stored = tmp_path / "a.db", random.Random(8), 0
    for _ in range(5):
        process = _cli_scan(archive, db, tmp_path / "partial.json")
        time.sleep(rng.uniform(0.8, 4.0))
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        if db.exists():
            now = _stored_rows(db)
            assert now >= stored
            stored = now
    assert stored > 0  # some work was committed before a kill
    conn = sqlite3.connect(db)
    for rel, evidence in conn.execute("SELECT rel, evidence FROM files"):
        decode(rel, evidence)
    conn.close()
    final = tmp_path / "final.json"
    assert _cli_scan(archive, db, final).wait(300) in (0, 1)
    done, expected = json.loads(final.read_text()), json.loads(reference.read_text())
    assert done["options"]["catalog"]["reused"] == stored
    for data in (done, expected):
        for key in ("started", "duration_s", "options"):
            data.pop(key)
    assert done == expected
    assert _stored_rows(db) == 600


def test_interrupt_keeps_finished_files(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT) mid-scan exits 130 and keeps every file finished so far."""
    archive = _archive(tmp_path / "archive", 300)
    db = tmp_path / "a.db"
    process = _cli_scan(archive, db, tmp_path / "out.json")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not db.exists() or _stored_rows(db) == 0):
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    assert process.wait(60) == 130
    kept = _stored_rows(db)
    assert kept > 0
    final = tmp_path / "final.json"
    assert _cli_scan(archive, db, final).wait(300) in (0, 1)
    stats = json.loads(final.read_text())["options"]["catalog"]
    assert stats["reused"] >= kept and stats["reused"] + stats["scanned"] == 300


# --- catalog query ------------------------------------------------------------------------


@pytest.fixture
def sample_db(sample: Path, tmp_path: Path) -> Path:
    """A catalog of the sample delivery and its project media, gated by its log."""
    db = tmp_path / "sample.db"
    catalog = _open(db)
    _check(sample / "delivery", catalog, sample / "ai-use.toml", (sample / "project_media",))
    catalog.close()
    return db


def _query(db: Path, *args: str) -> str:
    result = runner.invoke(cli.app, ["catalog", "query", str(db), *args])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_query_ai_files_by_tool_and_folder(sample_db: Path) -> None:
    """--ai lists AI files (final verdicts, trace hits included); --tool and --folder narrow."""
    rows = json.loads(_query(sample_db, "--ai", "-f", "json"))
    paths = {r["path"] for r in rows}
    assert "video/final_cut.mp4" in paths and "stills/key_art.jpg" in paths
    assert "stills/interview_frame.jpg" not in paths
    by_tool = json.loads(_query(sample_db, "--tool", "automatic", "-f", "json"))
    assert {r["path"] for r in by_tool} >= {"stills/archival_photo_1987.png"}
    assert all("AUTOMATIC1111" in r["tool"] for r in by_tool)
    audio = json.loads(_query(sample_db, "--folder", "audio", "-f", "json"))
    assert {r["path"] for r in audio} == {"audio/boom_take3.wav", "audio/narration_vo.wav"}
    failing = json.loads(_query(sample_db, "--gate", "fail", "-f", "json"))
    assert len(failing) == 5


def test_query_counts_and_csv(sample_db: Path) -> None:
    """--count-by tool counts AI files per tool; CSV carries every column."""
    counts = json.loads(_query(sample_db, "--ai", "--count-by", "tool", "-f", "json"))
    assert {"tool": "AUTOMATIC1111", "files": 3} in counts
    text = _query(sample_db, "--verdict", "ai-edited", "-f", "csv")
    header = text.splitlines()[0]
    assert header.startswith("root,path,verdict,gate,approval,tool")
    assert len(text.splitlines()) == 4  # header + 3 AI-edited files


def test_query_changed_since(sample_db: Path) -> None:
    """--changed-since keeps files new or changed since that date."""
    assert "no files match" in _query(sample_db, "--changed-since", "2999-01-01")
    assert "(20 rows)" in _query(sample_db, "--changed-since", "2000-01-01")


def test_query_errors_name_the_problem(sample_db: Path, tmp_path: Path) -> None:
    """A bad date, verdict or missing catalog: one line, exit 2."""
    for args, needle in (
        (["--changed-since", "yesterday"], "--changed-since"),
        (["--verdict", "fake"], "--verdict"),
    ):
        result = runner.invoke(cli.app, ["catalog", "query", str(sample_db), *args])
        assert result.exit_code == 2 and needle in result.stderr
    missing = runner.invoke(cli.app, ["catalog", "query", str(tmp_path / "none.db")])
    assert missing.exit_code == 2 and "no such catalog" in missing.stderr


def test_compactor_shares_equal_evidence() -> None:
    """Equal evidence on many files is one object; per-file fingerprints stay their own."""
    from provscan.compact import Compactor

    result = scan(SAMPLE / "delivery" / "stills" / "interview_frame.jpg", Settings()).files[0]
    copies = [decode(result.path, encode(result)) for _ in range(3)]
    compactor = Compactor()
    shared = [compactor.result(c) for c in copies]
    assert shared[0].findings[0].evidence is shared[2].findings[0].evidence
    assert [to_dict(Report("r", (s,), "v", "t", 0.0)) for s in shared] == [
        to_dict(Report("r", (c,), "v", "t", 0.0)) for c in copies
    ]


def test_streamed_json_equals_rendered_json(sample: Path) -> None:
    """The CLI's streamed JSON is the rendered JSON, chunk for chunk."""
    from provscan.report.to_json import iter_chunks, render

    report = _check(sample / "delivery", None)
    text = "".join(iter_chunks(report))
    assert text == render(report)
    assert json.loads(text)["summary"]["files"] == len(report.files) == 17


# --- finished entries kept: a re-scan writes what a fresh scan writes ---------------------


def _without_timings(text: str) -> str:
    """The JSON report as text, in its own key order, without what differs by run: when it
    started and took, the catalog's counts, the trace's seconds and how many it recalled."""
    data = json.loads(text)
    for key in ("started", "duration_s"):
        data.pop(key)
    data["options"].pop("catalog", None)
    trace = data["options"].get("trace")
    if isinstance(trace, dict):
        trace.pop("seconds", None)
        trace.pop("recalled", None)
    return json.dumps(data, ensure_ascii=False)


def _three_scans(args: list[str], tmp_path: Path) -> tuple[str, str, str, dict[str, Any]]:
    """A fresh scan, a catalogued first scan and its re-scan, through the CLI: their JSON
    (as :func:`_without_timings` gives it) and the re-scan's catalog counts."""
    db, texts, stats = tmp_path / "kept.db", [], {}
    for name, extra in (("fresh", []), ("first", ["--catalog", str(db)]),
                        ("again", ["--catalog", str(db)])):  # fmt: skip
        out = tmp_path / f"{name}.json"
        result = runner.invoke(cli.app, ["scan", *args, *extra, "-f", "json", "-o", str(out)])
        assert result.exit_code in (0, 1), result.output
        texts.append(_without_timings(out.read_text(encoding="utf-8")))
        stats = json.loads(out.read_text(encoding="utf-8"))["options"].get("catalog", {})
    return texts[0], texts[1], texts[2], stats


def test_rescan_keeping_entries_writes_the_fresh_report(sample: Path, tmp_path: Path) -> None:
    """Through the CLI, a re-scan that reuses the kept entries (the sample with its project
    media, AI-use log and policy, the trace on) writes the JSON a fresh scan writes, byte
    for byte but for timings and the catalog's counts."""
    args = [str(sample / "delivery"), "--sources", str(sample / "project_media"),
            "--log", str(sample / "ai-use.toml"),
            "--policy", str(sample / "policy.toml")]  # fmt: skip
    fresh, first, again, stats = _three_scans(args, tmp_path)
    data = json.loads(fresh)
    files = len(data["files"])
    # a file an entry refused (LOG006: made by another tool) is judged again, not replayed
    refused = sum(1 for f in data["log_findings"] if f["rule"] == "LOG006")
    assert stats["reused"] == files > 17 and stats["scanned"] == 0
    assert refused == 1 and stats["reused_as_judged"] == files - refused
    assert fresh == first == again


@pytest.mark.slow
@pytest.mark.parametrize("imf", [False, True], ids=["kept-entries", "with-imf-packages"])
def test_rescan_writes_the_fresh_report_on_the_corpus(
    corpus: Path, tmp_path: Path, imf: bool
) -> None:
    """The real corpus scanned fresh, catalogued, and again: the same JSON report, byte for
    byte but for timings and the catalog's counts; without its IMF packages (photon/) every
    file but a sequence's frames comes back as its kept entry, with them (findings across
    files) from its evidence."""
    args = [str(corpus)] if imf else [str(corpus), "--exclude", "photon/"]
    fresh, first, again, stats = _three_scans(args, tmp_path)
    assert stats["scanned"] == 0 and stats["reused"] > 500
    # a frame sequence keeps no entry: its frames come back as their evidence
    files = json.loads(fresh)["files"]
    frames = sum(f["sequence"]["count"] for f in files if f.get("sequence"))
    assert frames > 0
    assert stats["reused_as_judged"] == (0 if imf else stats["reused"] - frames)
    assert fresh == first == again
    trace = json.loads((tmp_path / "again.json").read_text("utf-8"))["options"]["trace"]
    assert trace["searched"] > 0 and trace["recalled"] == trace["searched"]  # sequences too


def test_rescan_recalls_a_frame_sequence_trace(tmp_path: Path) -> None:
    """A frame sequence searched for an AI still is recalled by its frames' content on a
    catalogued re-scan (no worker, no decode), with the report of the first run; a frame
    that changes has the sequence searched again."""
    folder = tmp_path / "delivery"
    folder.mkdir()
    shutil.copy(FIXTURES / "files" / "trace" / "ai_archival_1987.png", folder)
    for frame in (FIXTURES / "files" / "studio" / "vfx" / "sh010").glob("sh010_comp.*.exr"):
        shutil.copy(frame, folder)
    db, out = tmp_path / "a.db", tmp_path / "out.json"

    def scan_once() -> tuple[str, dict[str, Any]]:
        cmd = ["scan", str(folder), "--catalog", str(db), "-f", "json", "-o", str(out)]
        result = runner.invoke(cli.app, cmd)
        assert result.exit_code in (0, 1), result.output
        text = out.read_text("utf-8")
        return _without_timings(text), json.loads(text)["options"]["trace"]

    first, searched = scan_once()
    assert searched["searched"] == 1 and searched["recalled"] == 0
    assert any(f.get("sequence") for f in json.loads(first)["files"])
    again, recalled = scan_once()
    assert recalled["recalled"] == 1 and again == first
    frame = sorted(folder.glob("sh010_comp.*.exr"))[0]
    frame.write_bytes(frame.read_bytes() + b"\0")
    _, changed = scan_once()
    assert changed["recalled"] == 0


def test_changed_ai_file_judges_every_file_again(sample: Path, tmp_path: Path) -> None:
    """A changed file with AI evidence (one a log entry may match: other files' guideline
    findings look at it) judges every file again from its evidence, as a fresh scan would."""
    args = [str(sample / "delivery"), "--sources", str(sample / "project_media"),
            "--log", str(sample / "ai-use.toml"), "--no-trace"]  # fmt: skip
    db, out = tmp_path / "a.db", tmp_path / "out.json"

    def catalogued() -> dict[str, Any]:
        cmd = ["scan", *args, "--catalog", str(db), "-f", "json", "-o", str(out)]
        result = runner.invoke(cli.app, cmd)
        assert result.exit_code in (0, 1), result.output
        stats: dict[str, Any] = json.loads(out.read_text("utf-8"))["options"]["catalog"]
        return stats

    catalogued()
    assert catalogued()["reused_as_judged"] > 10
    changed = sample / "delivery" / "stills" / "layout_with_ai_element.jpg"
    changed.write_bytes(changed.read_bytes() + b"\0")
    after = catalogued()
    assert (after["scanned"], after["reused_as_judged"]) == (1, 0), after
    fresh = tmp_path / "fresh.json"
    runner.invoke(cli.app, ["scan", *args, "-f", "json", "-o", str(fresh)])
    assert _without_timings(out.read_text("utf-8")) == _without_timings(fresh.read_text("utf-8"))


def test_kept_frame_joining_a_sequence_is_judged_with_it(tmp_path: Path) -> None:
    """A frame kept as a file of its own is judged with its sequence when the next frames
    arrive: the report equals a fresh scan's, frames and all."""
    shot = tmp_path / "sh020"
    shot.mkdir()
    frames = sorted((FIXTURES / "files" / "studio" / "vfx" / "sh020").glob("*.exr"))
    shutil.copy(frames[0], shot)
    args, db, out = [str(shot), "--no-trace"], tmp_path / "a.db", tmp_path / "out.json"
    for _ in range(2):  # the second run keeps the lone frame as its finished entry
        runner.invoke(cli.app, ["scan", *args, "--catalog", str(db), "-f", "json", "-o", str(out)])
    assert json.loads(out.read_text("utf-8"))["options"]["catalog"]["reused_as_judged"] == 1
    for frame in frames[1:]:
        shutil.copy(frame, shot)
    runner.invoke(cli.app, ["scan", *args, "--catalog", str(db), "-f", "json", "-o", str(out)])
    fresh = tmp_path / "fresh.json"
    runner.invoke(cli.app, ["scan", *args, "-f", "json", "-o", str(fresh)])
    data = json.loads(out.read_text("utf-8"))
    assert len(data["files"]) == 1 and data["files"][0]["sequence"]["count"] == len(frames)
    assert _without_timings(out.read_text("utf-8")) == _without_timings(fresh.read_text("utf-8"))


def test_results_spilled_to_disk_read_back_as_held(tmp_path: Path) -> None:
    """A Results past its held count gives back every result and finished entry as they
    went in (spilled to its temporary file), with the same briefs and counts."""
    from provscan.catalog.entry import Usage
    from provscan.catalog.entry import make as make_entry
    from provscan.results import Entry, Results, briefs_of, counts_of

    report = scan(FIXTURES / "files" / "c2pa", Settings())
    results = list(report.files)
    items: list[Any] = [r if i % 2 else make_entry(r, Usage()) for i, r in enumerate(results)]
    held, spilled = Results(items, held=len(items)), Results(items, held=2)
    assert [to_dict(Report("r", (r,), "v", "t", 0.0)) for r in spilled] == [
        to_dict(Report("r", (r,), "v", "t", 0.0)) for r in held
    ]
    assert list(briefs_of(spilled)) == list(briefs_of(held))
    assert counts_of(spilled).tally == counts_of(held).tally
    kinds = [type(spilled.item(i)) for i in range(len(spilled))]
    assert Entry in kinds and type(results[1]) in kinds


def test_results_replaced_held_or_spilled_keep_their_own_briefs() -> None:
    """Replacing files (one held, one spilled, one under a new path, as a sequence's result
    is) changes the new sequence's briefs, items and counts, never the old one's."""
    from dataclasses import replace

    from provscan.model import Gate, Verdict
    from provscan.results import Results, briefs_of, counts_of

    results = list(scan(FIXTURES / "files" / "c2pa", Settings()).files)
    assert len(results) >= 4
    before = Results(results, held=2)
    old_briefs, old_tally = list(briefs_of(before)), dict(counts_of(before).tally)
    changes = {
        0: replace(results[0], verdict=Verdict.AI_GENERATED, gate=Gate.FAIL),
        3: replace(results[3], gate=Gate.WARN, path="shot_[0001-0009].exr"),
    }
    after = before.replaced(changes)
    assert list(briefs_of(before)) == old_briefs and dict(counts_of(before).tally) == old_tally
    briefs = briefs_of(after)
    assert (briefs[0].verdict, briefs[0].gate) == (Verdict.AI_GENERATED, Gate.FAIL)
    assert (briefs[3].path, briefs[3].gate) == ("shot_[0001-0009].exr", Gate.WARN)
    assert [b.path for b in briefs][4:] == [b.path for b in old_briefs][4:]
    assert after[3] == changes[3] and after[0] == changes[0] and after[1] == results[1]
    assert list(briefs) == [briefs[i] for i in range(len(after))]
    assert briefs[-1] == briefs[len(after) - 1]
    assert counts_of(after).gates["fail"] >= 1


def test_results_column_selections_equal_a_pass_over_every_brief() -> None:
    """Choosing files by brief (briefs_where), by path (briefs_named) and writing their lines
    (kept_lines) from a Results' columns, held, spilled or replaced under a new path, gives
    what a pass over every brief and result gives."""
    import re
    from dataclasses import replace

    from provscan.catalog.entry import Usage
    from provscan.catalog.entry import make as make_entry
    from provscan.report.to_json import file_json
    from provscan.results import Results, briefs_named, briefs_of, briefs_where, kept_lines

    results = list(scan(FIXTURES / "files" / "c2pa", Settings()).files)
    items: list[Any] = [r if i % 2 else make_entry(r, Usage()) for i, r in enumerate(results)]
    moved = replace(results[3], path="Renamed/ASSETMAP.xml")
    for files in (Results(items, held=len(items)), Results(items, held=2).replaced({3: moved})):
        briefs = list(briefs_of(files))
        for test in (lambda b: b.finished, lambda b: b.verdict.value == "ai_generated",
                     lambda b: True, lambda b: False):  # fmt: skip
            assert list(briefs_where(files, test)) == [(i, b) for i, b in enumerate(briefs)
                                                        if test(b)]  # fmt: skip
        for word in (rb"(?i)assetmap", rb"\.jpg", rb"/", rb"no such name"):
            pattern = re.compile(word)
            assert list(briefs_named(files, pattern)) == [
                (i, b) for i, b in enumerate(briefs) if pattern.search(b.path.encode())
            ]
        lines = [i if isinstance(i, str) else file_json(i) for i in kept_lines(files)]
        assert lines == [file_json(r) for r in files]
    # a hit across two paths in the buffer ("...jp" + "g...") is not a path's
    spanning = Results([replace(results[0], path="a.jp"), replace(results[1], path="g.png")])
    assert list(briefs_named(spanning, re.compile(rb"jpg"))) == []


def test_rescan_past_the_held_count_writes_the_fresh_report(
    sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With results spilled to disk past the third file, a catalogued scan and its re-scan
    from kept entries write the report a fresh scan writes (as an archive's run does)."""
    from provscan import results

    args = [str(sample / "delivery"), "--sources", str(sample / "project_media"),
            "--log", str(sample / "ai-use.toml")]  # fmt: skip
    (tmp_path / "held").mkdir()
    (tmp_path / "spilled").mkdir()
    held = _three_scans(args, tmp_path / "held")[0]
    monkeypatch.setattr(results, "HELD", 3)
    fresh, first, again, stats = _three_scans(args, tmp_path / "spilled")
    assert stats["reused_as_judged"] > 3 and stats["scanned"] == 0
    assert held == fresh == first == again


def test_a_leaf_folder_reads_its_own_rows_in_key_order(tmp_path: Path) -> None:
    """A folder read as a leaf (one run of the primary key) gives the same rows as through
    the folder index: never a subfolder's, nor a sibling's whose name only starts alike
    ("a-b", "a0", "a/b/c" beside "a")."""
    catalog = _open(tmp_path / "c.db")
    root_id = catalog.root_id(tmp_path)
    run_id, _ = catalog.begin_run(root_id)
    for rel in ("a/x.jpg", "a/y.jpg", "a/b/c.jpg", "a-b/z.jpg", "a0/w.jpg", "b.jpg"):
        catalog.record(root_id, Row(rel, Identity(1, 2, 3, 4), "s", "image", "jpeg",
                                    "no-ai-markers", "", "{}"), run_id)  # fmt: skip
    catalog.flush(run_id)
    for folder in ("a", "a/b", "a-b", "a0", ""):
        indexed = catalog.folder(root_id, folder)
        assert catalog.folder(root_id, folder, leaf=True) == indexed
    assert sorted(catalog.folder(root_id, "a", leaf=True)) == ["a/x.jpg", "a/y.jpg"]


def test_rescan_of_nested_folders_reuses_every_file(tmp_path: Path) -> None:
    """provscan scan --catalog twice on nested folders (files beside folders, folders whose
    names start alike): the second run reuses every file, as judged."""
    root = tmp_path / "d"
    for rel in ("a/x.jpg", "a/b/c.jpg", "a-b/z.jpg", "a0/w.jpg", "b.jpg"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(JPEG)
    db, out = tmp_path / "c.db", tmp_path / "r.json"
    args = ["scan", str(root), "--no-trace", "--catalog", str(db), "-f", "json", "-o", str(out)]
    for _ in range(2):
        assert runner.invoke(cli.app, args).exit_code == 0
    catalog = json.loads(out.read_text("utf-8"))["options"]["catalog"]
    assert (catalog["reused"], catalog["reused_as_judged"], catalog["scanned"]) == (5, 5, 0)


def test_a_file_name_that_is_not_utf8_is_scanned_every_run(tmp_path: Path) -> None:
    """provscan scan --catalog on a folder holding a file whose name is not UTF-8 (bytes
    from another system's code page): the run goes on, that file is analysed afresh each
    time (the catalog's text cannot key it) and the others are reused; a root whose own
    path is not UTF-8 is refused in one line, exit 2, before any file is read."""
    root = tmp_path / "d"
    root.mkdir()
    odd = os.fsdecode(bytes(root) + b"/caf\xe9.jpg")
    Path(odd).write_bytes(JPEG)
    (root / "plain.jpg").write_bytes(JPEG)
    (root / "sub\xe9").mkdir()  # a folder whose name is UTF-8 but not ASCII
    (root / "sub\xe9" / "x.jpg").write_bytes(JPEG)
    db, out = tmp_path / "c.db", tmp_path / "r.json"
    args = ["scan", str(root), "--no-trace", "--catalog", str(db), "-f", "json", "-o", str(out)]
    for _ in range(2):
        result = runner.invoke(cli.app, args)
        assert result.exit_code == 0, result.output
    data = json.loads(out.read_text("utf-8"))
    assert len(data["files"]) == 3
    catalog = data["options"]["catalog"]
    assert (catalog["reused"], catalog["scanned"]) == (2, 1)
    bad_root = Path(os.fsdecode(bytes(tmp_path) + b"/r\xe9"))
    bad_root.mkdir()
    (bad_root / "a.jpg").write_bytes(JPEG)
    refused = subprocess.run(
        [sys.executable, "-m", "provscan.cli", "scan", os.fsencode(bad_root), "--catalog",
         str(tmp_path / "other.db")], cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert "is not UTF-8 cannot be catalogued" in refused.stderr
