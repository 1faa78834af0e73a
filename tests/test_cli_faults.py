"""Smaller faults of the command line (issue 19): --jobs capped and warned, Ctrl-C in one
line, a bad --dask address at once, a --timeline folder named as such, every policy problem,
several logs and several files at once."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from provscan import child, cli, engine
from provscan.limits import Limits
from provscan.progress import NO_PROGRESS, Counted
from provscan.walk import Listing
from typer.testing import CliRunner

from tests.builders import jpeg_bytes
from tests.conftest import FIXTURES, REPO

runner = CliRunner()
JPEG = jpeg_bytes()


def _files(root: Path, *names: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name in names:
        (root / name).write_bytes(JPEG)
    return root


def test_jobs_never_exceed_the_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """-j 50 on three files starts three workers (an idle worker only costs its start-up)."""
    seen: list[int] = []
    real = engine.analyse_entries

    def spy(entries, settings, limits, backend):  # type: ignore[no-untyped-def]
        seen.append(limits.jobs)
        return real(entries, settings, limits, backend)

    monkeypatch.setattr(engine, "analyse_entries", spy)
    engine.scan(_files(tmp_path, "a.jpg", "b.jpg", "c.jpg"), limits=Limits(jobs=50))
    assert seen == [3]
    assert engine.capped(Limits(jobs=4), Listing([])).jobs == 1


def test_jobs_above_the_cores_warn_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """-j 1000 on a 2-core machine scans and says once, on stderr, that it is too many (then
    the gate summary, as every scan ends)."""
    monkeypatch.setattr(cli, "default_jobs", lambda: 2)
    result = runner.invoke(cli.app, ["scan", str(_files(tmp_path, "a.jpg", "b.jpg")),
                                     "--no-trace", "-j", "1000"])  # fmt: skip
    assert result.exit_code == 0, result.output
    warning, summary = result.stderr.splitlines()
    assert warning == (
        "provscan: --jobs 1000 is more than the 2 cores this process may use; "
        "the extra workers only wait for a core"
    )
    assert summary.startswith("provscan: gate PASS: 0 fail, 0 warn, 2 pass of 2 files")
    quiet = runner.invoke(cli.app, ["scan", str(tmp_path), "--no-trace", "-j", "2"])
    assert quiet.stderr.splitlines() == [summary]


# A provscan whose first detector hangs on files named hang*, after leaving a mark: the
# interrupt then surely lands mid-scan. Workers are forked from it, so they have it too.
_HANGING_PROVSCAN = """
import os, sys, time
from provscan import analysis as engine
from provscan.model import MediaKind

class Hang:
    NAME, KINDS, RULES = "hang", frozenset(MediaKind), ()

    @staticmethod
    def detect(asset):
        if asset.path.name.startswith("hang"):
            open(os.environ["HANG_MARK"], "w").close()
            time.sleep(3600)
        return iter(())

    @staticmethod
    def describe(asset):
        return iter(())

engine.DETECTORS = (Hang, *engine.DETECTORS)
from provscan.entry import main
sys.argv = ["provscan", *sys.argv[1:]]
main()
"""


def test_ctrl_c_mid_scan_is_one_line_and_exit_130(tmp_path: Path) -> None:
    """SIGINT to the whole process group (a terminal's Ctrl-C) mid-scan: the workers ignore
    it, the supervisor says how far it got in one line and exits 130; no traceback."""
    folder = _files(tmp_path / "d", "a.jpg", "b.jpg", "hang.jpg", "z.jpg")
    process = hanging_scan(folder, tmp_path / "mark", jobs=1, output=subprocess.PIPE)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    text = err.decode()
    assert "Traceback" not in text and text.count("\n") == 1
    done = int(text.removeprefix("provscan: interrupted after ").split(" ")[0])
    assert text == f"provscan: interrupted after {done} of 4 files\n" and done <= 2


def hanging_scan(folder: Path, mark: Path, *, jobs: int, output: int) -> subprocess.Popen[bytes]:
    """``provscan scan FOLDER --no-trace -j JOBS`` in a session of its own, with a detector
    that hangs on hang*.jpg, returned once a worker has reached that file (``mark``)."""
    env = {**os.environ, "HANG_MARK": str(mark), "PROVSCAN_START_METHOD": "fork"}
    process = subprocess.Popen(
        [sys.executable, "-c", _HANGING_PROVSCAN, "scan", str(folder), "--no-trace", "-j",
         str(jobs)], cwd=REPO, env=env, stdout=output, stderr=output, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not mark.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert mark.exists(), "the scan never reached the hanging file"
    return process


def test_children_ignore_sigint() -> None:
    """An isolated child survives a SIGINT once it has started (the supervisor reports)."""
    code = ("import os, signal; from provscan import child; child.started(4096); "
            "os.kill(os.getpid(), signal.SIGINT); print('alive')")  # fmt: skip
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                            text=True, timeout=60)  # fmt: skip
    assert (result.returncode, result.stdout, result.stderr) == (0, "alive\n", "")


def test_sigint_is_held_while_a_child_is_forked() -> None:
    """While a worker is being forked SIGINT is blocked (the child inherits the block and
    ignores the signal before it lets it through); afterwards the mask is as it was."""
    before = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    with child.interrupts_held():
        assert signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == before


def test_interrupt_says_where_the_scan_was() -> None:
    """The interrupt's line names the stage and how far it got."""
    counted = Counted(NO_PROGRESS)
    assert counted.interrupted() == "interrupted while listing the files"
    counted.stage("scanning", 10)
    counted.advance("a.jpg")
    assert counted.interrupted() == "interrupted after 1 of 10 files"
    counted.stage("tracing", 4)
    assert counted.interrupted() == "interrupted while tracing, after 0 of 4 files"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("address", ["foo", "tcp://127.0.0.1:{port}", "tcp://h:99999"])
def test_bad_dask_address_is_one_line_exit_2(address: str, tmp_path: Path) -> None:
    """A malformed or refusing scheduler address: one line, exit 2, no traceback from a
    half-made Client (it used to wait 20 s in Client.__del__, then print one)."""
    address = address.format(port=_closed_port())
    folder = _files(tmp_path / "d", "a.jpg")
    result = subprocess.run(
        [sys.executable, "-m", "provscan.cli", "scan", str(folder), "--dask", address],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith(f"provscan: --dask: cannot reach the Dask scheduler at "
                                    f"{address}: ")  # fmt: skip
    assert result.stderr.count("\n") == 1 and result.stdout == ""


def test_timeline_folder_is_called_a_folder(tmp_path: Path) -> None:
    """--timeline FOLDER says it is a folder; a Final Cut Pro bundle names its FCPXML."""
    delivery = _files(tmp_path / "d", "a.jpg")
    plain = runner.invoke(cli.app, ["scan", str(delivery), "--timeline", str(delivery)])
    assert plain.exit_code == 2
    assert plain.stderr == (f"provscan: {delivery}: --timeline: a folder, not an edit (give the "
                            "EDL, FCP 7 XML, FCPXML, AAF or OTIO file)\n")  # fmt: skip
    bundle = tmp_path / "cut.fcpxmld"
    bundle.mkdir()
    (bundle / "Info.fcpxml").write_text("<fcpxml/>")
    fcp = runner.invoke(cli.app, ["scan", str(delivery), "--timeline", str(bundle)])
    assert fcp.exit_code == 2 and f"give the FCPXML inside it, {bundle / 'Info.fcpxml'}" in (
        fcp.stderr)  # fmt: skip


def test_policy_problems_are_all_reported(tmp_path: Path) -> None:
    """A policy with four problems: four lines naming the file and place, exit 2."""
    policy = tmp_path / "p.toml"
    policy.write_text('version = 2\ncolour = 1\nfinal = "x"\n[levels]\nPOL001 = "loud"\n')
    result = runner.invoke(cli.app, ["scan", str(_files(tmp_path / "d", "a.jpg")), "--policy",
                                     str(policy)])  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"provscan: {policy}: top level, field version: 2 is not a supported version "
        "(use version = 1)",
        f"provscan: {policy}: top level, field colour: unknown (known: version, final, "
        "not_final, [levels], production, jurisdictions, code_names, training_reservation, "
        "protected_file, [[tool]], [[protected]])",
        f"provscan: {policy}: top level, field final: must be a list of path globs",
        f"provscan: {policy}: [levels], field POL001: 'loud' is not a level (use error, "
        "warning or off)",
    ]


def test_log_check_takes_several_logs(tmp_path: Path) -> None:
    """log check LOG LOG...: each judged, the good ones OK on stdout, the exit the worst."""
    good = FIXTURES / "sample" / "ai-use.toml"
    bad = tmp_path / "bad.csv"
    bad.write_text("id,scope,status,sha256\nA,final,approved,abc\n")
    both = runner.invoke(cli.app, ["log", "check", str(good), str(bad)])
    assert both.exit_code == 2
    assert both.stdout == f"{good}: OK, 11 entries\n"
    assert f"{bad}: row 2 (id 'A'), field sha256" in both.stderr
    assert runner.invoke(cli.app, ["log", "check", str(good), str(good)]).exit_code == 0


def test_inspect_takes_several_files(tmp_path: Path) -> None:
    """inspect FILE FILE...: each in turn (JSON: an array); a missing one is one stderr line
    and exit 2, the others still inspected."""
    mpo = FIXTURES / "files" / "mpo"
    files = [str(mpo / "stereo_camera.mpo"), str(mpo / "ai_generated.mpo")]
    text = runner.invoke(cli.app, ["inspect", *files])
    assert text.exit_code == 0
    assert text.stdout.count("==> ") == 2 and "AI-generated" in text.stdout
    data = json.loads(runner.invoke(cli.app, ["inspect", *files, "-f", "json"]).stdout)
    assert [d["file"]["path"] for d in data] == ["stereo_camera.mpo", "ai_generated.mpo"]
    missing = runner.invoke(cli.app, ["inspect", files[0], str(tmp_path / "nope.jpg")])
    assert missing.exit_code == 2 and "stereo_camera.mpo" in missing.stdout
    assert missing.stderr == f"provscan: {tmp_path / 'nope.jpg'}: no such file or folder\n"
