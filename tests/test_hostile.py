"""Hostile input: every file gets an answer, crashes and hangs are contained, nothing is
written, the walk is safe, and no network is touched."""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from provscan import analysis as engine
from provscan import cli
from provscan.asset import Asset
from provscan.engine import scan
from provscan.limits import Limits
from provscan.model import Evidence, MediaKind, Settings
from typer.testing import CliRunner

from tests.builders import jpeg_bytes
from tests.conftest import FIXTURES, REPO

runner = CliRunner()
JPEG = jpeg_bytes()


class _Hostile:
    """A detector that misbehaves on files whose name says so (crash, abort, hang, grow)."""

    NAME = "hostile"
    KINDS = frozenset(MediaKind)
    RULES = ()

    @staticmethod
    def detect(asset: Asset) -> Iterator[Evidence]:
        name = asset.path.name
        trace = os.environ.get("PROVSCAN_TEST_TRACE")
        if trace:  # one line per analysis, kept outside the scanned tree
            with open(trace, "a", encoding="utf-8") as f:
                f.write(name + "\n")
        if name.startswith("segv"):
            ctypes.string_at(0)  # a NULL read in native code: SIGSEGV
        if name.startswith("abort"):
            os.abort()
        if name.startswith("hang"):
            time.sleep(3600)
        if name.startswith("grow"):
            bytearray(64 * 1024**3)  # far past the worker's address-space limit
        if name.startswith("change"):
            with open(asset.path, "ab") as f:
                f.write(b"appended while scanning")
        if name.startswith("vanish"):
            asset.path.unlink()
        if name.startswith("swap"):  # same bytes and mtime, another file renamed over it
            twin = asset.path.with_name("twin.tmp")
            shutil.copy2(asset.path, twin)
            os.replace(twin, asset.path)
        return iter(())

    @staticmethod
    def describe(asset: Asset) -> Iterator[object]:
        return iter(())


@pytest.fixture()
def hostile(monkeypatch: pytest.MonkeyPatch) -> None:
    """Put the misbehaving detector first; workers are forked so they inherit it."""
    monkeypatch.setattr(engine, "DETECTORS", (_Hostile, *engine.DETECTORS))
    # Forked from this process: the files below are plain JPEGs, so no c2pa-rs or FFmpeg
    # thread is involved in the children.
    monkeypatch.setenv("PROVSCAN_START_METHOD", "fork")


def _codes(report_files: object) -> dict[str, list[str]]:
    return {
        r.path: sorted({f.rule.code for f in r.findings if f.rule.code.startswith("SCN")})
        for r in report_files  # type: ignore[attr-defined]
    }


def test_native_crashes_and_hangs_are_contained(
    hostile: None, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Segfault, abort, hang and memory bomb are findings on their file; all others scanned;
    the killed workers print no crash dump (pytest's fault handler is inherited by a fork)."""
    names = ["a.jpg", "segv.jpg", "b.jpg", "abort.jpg", "hang.jpg", "grow.jpg", "c.jpg"]
    for name in names:
        (tmp_path / name).write_bytes(JPEG)
    report = scan(tmp_path, Settings(), Limits(timeout_s=2, memory_mb=1024))
    assert "Fatal Python error" not in capfd.readouterr().err
    assert [r.path for r in report.files] == sorted(names)
    codes = _codes(report.files)
    assert codes["segv.jpg"] == ["SCN007"] and "SIGSEGV" in _message(report, "segv.jpg")
    assert codes["abort.jpg"] == ["SCN007"] and "SIGABRT" in _message(report, "abort.jpg")
    assert codes["hang.jpg"] == ["SCN008"]
    assert codes["grow.jpg"] in (["SCN002"], ["SCN007"])  # MemoryError, or killed
    assert codes["a.jpg"] == codes["b.jpg"] == codes["c.jpg"] == []


def test_queued_files_survive_a_crash_behind_them(
    hostile: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entries queued behind a crash or hang are re-sent: 43 entries, 43 results, in order."""
    trace = tmp_path / "analysed.txt"
    monkeypatch.setenv("PROVSCAN_TEST_TRACE", str(trace))
    tmp_path = tmp_path / "tree"
    tmp_path.mkdir()
    plain = [
        f"{p}{n:02d}.jpg" for p, count in (("a", 10), ("m", 18), ("z", 10)) for n in range(count)
    ]
    names = [*plain, "hang.jpg", "segv.jpg"]  # sorted: a.., hang, m.., segv, z..
    for name in names:
        (tmp_path / name).write_bytes(JPEG)
    links = ["a05link", "m03link", "z01link"]
    for link in links:
        (tmp_path / link).symlink_to(tmp_path / "a00.jpg")
    report = scan(tmp_path, Settings(), Limits(timeout_s=2))
    assert [r.path for r in report.files] == sorted([*names, *links])
    codes = _codes(report.files)
    assert codes.pop("segv.jpg") == ["SCN007"] and codes.pop("hang.jpg") == ["SCN008"]
    assert [codes.pop(link) for link in links] == [["SCN006"]] * 3
    assert set(map(tuple, codes.values())) == {()}
    assert sorted(trace.read_text(encoding="utf-8").split()) == sorted(names)


def _message(report: object, path: str) -> str:
    result = next(r for r in report.files if r.path == path)  # type: ignore[attr-defined]
    return " ".join(f.evidence.message for f in result.findings)


def test_files_changed_or_vanished_during_the_scan(hostile: None, tmp_path: Path) -> None:
    """A file that grows, vanishes or is renamed over while analysed gets SCN009."""
    for name in ("change.jpg", "vanish.jpg", "swap.jpg"):
        (tmp_path / name).write_bytes(JPEG)
    codes = _codes(scan(tmp_path, Settings()).files)
    assert codes["change.jpg"] == codes["swap.jpg"] == ["SCN009"]
    assert "SCN009" in codes["vanish.jpg"]  # readers that ran after it vanished: SCN002 too


def _snapshot(root: Path) -> dict[str, tuple[str, int]]:
    """sha256 and mtime of every regular file under ``root`` (links and loops not followed)."""
    out = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                out[str(path.relative_to(root))] = (
                    hashlib.sha256(path.read_bytes()).hexdigest(),
                    path.stat().st_mtime_ns,
                )
    return out


def test_nothing_is_written(tmp_path: Path) -> None:
    """Every report format, inspect and log init leave every file and mtime unchanged."""
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / "files", tree)
    shutil.copytree(FIXTURES / "sample" / "delivery", tree / "delivery")
    before = _snapshot(tree)
    log = FIXTURES / "sample" / "ai-use.toml"
    for fmt in ("text", "json", "junit", "sarif", "csv"):
        result = runner.invoke(cli.app, ["scan", str(tree), "--log", str(log), "--format", fmt])
        assert result.exit_code in (0, 1), result.output
    assert runner.invoke(cli.app, ["log", "init", str(tree)]).exit_code == 0
    assert runner.invoke(cli.app, ["inspect", str(tree / "media" / "c2pa_ai.mp4")]).exit_code == 0
    assert _snapshot(tree) == before


def test_every_walked_entry_gets_one_result(tmp_path: Path) -> None:
    """Files, FIFO, socket, symlinks in/out/loop, a non-UTF-8 name: one result each, in order."""
    (tmp_path / "a.jpg").write_bytes(JPEG)
    (tmp_path / "empty.png").write_bytes(b"")
    os.mkfifo(tmp_path / "pipe")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "sock"))
    (tmp_path / "in_root").symlink_to(tmp_path / "a.jpg")
    (tmp_path / "escape").symlink_to("/etc/passwd")
    (tmp_path / "loop").symlink_to(tmp_path)
    odd = os.fsencode(str(tmp_path)) + b"/caf\xe9.jpg"
    with open(odd, "wb") as f:
        f.write(JPEG)
    before = _snapshot(tmp_path)
    try:
        report = scan(tmp_path, Settings(), Limits(timeout_s=5))
    finally:
        sock.close()
    assert _snapshot(tmp_path) == before
    paths = [r.path for r in report.files]
    assert len(paths) == 8 and len(set(paths)) == 8
    codes = _codes(report.files)
    assert codes["pipe"] == codes["sock"] == ["SCN005"]
    assert codes["escape"] == codes["loop"] == codes["in_root"] == ["SCN006"]
    assert codes["empty.png"] == ["SCN001"]
    assert codes["caf\udce9.jpg"] == []  # the byte kept as a surrogate escape, scanned
    data = json.loads(runner.invoke(cli.app, ["scan", str(tmp_path), "-f", "json"]).stdout)
    assert "caf\udce9.jpg" in [f["path"] for f in data["files"]]


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="needs root and setpriv(1) to drop the capability that bypasses permissions",
)
def test_permission_denied_is_a_finding(tmp_path: Path) -> None:
    """Without permission bypass, unreadable files and folders are findings; exit 1."""
    (tmp_path / "ok.jpg").write_bytes(JPEG)
    (tmp_path / "secret.jpg").write_bytes(JPEG)
    (tmp_path / "secret.jpg").chmod(0o000)
    (tmp_path / "locked").mkdir(mode=0o000)
    command = [sys.executable, "-m", "provscan.cli", "scan", str(tmp_path), "-f", "json"]
    # Root minus CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH obeys mode bits like any user, and
    # still reaches the checkout wherever CI cloned it.
    drop = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]
    try:
        done = subprocess.run(
            [*drop, *command], capture_output=True, text=True, timeout=120,
            cwd=REPO,
            env={k: v for k, v in os.environ.items() if k != "PROVSCAN_START_METHOD"},
        )  # fmt: skip
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    codes = {f["path"]: [x["rule"] for x in f["findings"]] for f in report["files"]}
    assert "SCN001" in codes["secret.jpg"] and "SCN001" in codes["locked"]
    assert not [c for c in codes["ok.jpg"] if c.startswith("SCN")]


@pytest.mark.skipif(shutil.which("unshare") is None, reason="unshare(1) is not available")
def test_no_network_even_for_remote_manifests(corpus: Path, tmp_path: Path) -> None:
    """With no network, remote manifests are reported by URL, never fetched."""
    for name in ("cloud.jpg", "libpng-test_with_url.png"):
        shutil.copy(corpus / "c2pa-rs/sdk/tests/fixtures" / name, tmp_path / name)
    command = [sys.executable, "-m", "provscan.cli", "scan", str(tmp_path), "-f", "json"]
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("this kernel refuses unprivileged network namespaces")
    done = subprocess.run(
        ["unshare", "-rn", *command], capture_output=True, text=True, timeout=120,
        cwd=REPO,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    files = {f["path"]: f for f in json.loads(done.stdout)["files"]}
    for name in ("cloud.jpg", "libpng-test_with_url.png"):
        messages = [x["message"] for x in files[name]["findings"]]
        assert any("http" in m and "not fetched" in m for m in messages), messages


def _chunk(tag: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(tag + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)


def _png(width: int, height: int, *extra: bytes) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * (1 + 3 * min(width, 16)))
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + b"".join(extra)
            + _chunk(b"IDAT", idat) + _chunk(b"IEND", b""))  # fmt: skip


def _attacks() -> dict[str, tuple[bytes, str]]:
    """name -> (bytes, the rule that must report it): XML, decompression and size bombs."""
    ztxt = zlib.compress(b"A" * (200 * 1024 * 1024), 9)  # 200 MiB of text in ~200 KiB
    giant_xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/">' + b" " * (20 * 1024 * 1024)
                 + b"</x:xmpmeta>")  # fmt: skip
    return {
        "xxe.xmp": ((FIXTURES / "files/xmp/xxe.xmp").read_bytes(), "XMP010"),
        "billion_laughs.jpg": ((FIXTURES / "files/xmp/billion_laughs.jpg").read_bytes(), "XMP010"),
        "giant_packet.xmp": (giant_xmp, "XMP010"),
        "ztxt_bomb.png": (_png(16, 16, _chunk(b"zTXt", b"Comment\x00\x00" + ztxt)), "SCN001"),
        "huge_png.png": (_png(200_000, 200_000), "SCN001"),
        "huge_gif.gif": (b"GIF89a" + struct.pack("<HH", 65535, 65535) + b"\x00\x00\x00;", "SCN001"),
    }


@pytest.mark.parametrize("name", list(_attacks()))
def test_attack_files_are_findings_within_the_limit(name: str, tmp_path: Path) -> None:
    """XML attacks and pixel/zTXt bombs in a worker: a finding, no crash or time-out."""
    data, code = _attacks()[name]
    (tmp_path / name).write_bytes(data)
    before = _snapshot(tmp_path)
    result = scan(tmp_path, Settings(), Limits()).files[0]
    assert _snapshot(tmp_path) == before
    codes = [f.rule.code for f in result.findings]
    assert "SCN007" not in codes and "SCN008" not in codes
    assert code in codes, [f"{f.rule.code} {f.evidence.message}" for f in result.findings]


def test_terminal_escapes_in_names_and_tags_are_shown_not_obeyed(tmp_path: Path) -> None:
    """An ESC sequence in a file name prints as visible text in the terminal report."""
    (tmp_path / "evil\x1b[2Jname.jpg").write_bytes(JPEG)
    output = runner.invoke(cli.app, ["scan", str(tmp_path)]).output
    assert "\x1b" not in output and "evil\\x1b[2Jname.jpg" in output
