"""The command line: exit codes, report formats, one-line errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import typer
from provscan import cli, cli_core, pipeline
from typer.core import TyperGroup
from typer.testing import CliRunner

from tests.builders import jpeg_bytes
from tests.conftest import REPO

JPEG = jpeg_bytes()
SCHEMA = json.loads((Path(cli.__file__).parent / "report" / "schema.json").read_text())
runner = CliRunner()


def _run_main(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr(sys, "argv", ["provscan", *args])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    return int(exc.value.code or 0)


def test_clean_folder_exits_zero(tmp_path: Path) -> None:
    """A folder with no findings at or above the gate exits 0."""
    (tmp_path / "a.jpg").write_bytes(JPEG)
    result = runner.invoke(cli.app, ["scan", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "no AI markers found" in result.output


def test_unreadable_file_fails_gate(tmp_path: Path) -> None:
    """An unreadable file fails the gate by default (fail closed) and passes with --fail-on none."""
    (tmp_path / "broken.jpg").write_bytes(b"")
    assert runner.invoke(cli.app, ["scan", str(tmp_path)]).exit_code == 1
    relaxed = runner.invoke(cli.app, ["scan", str(tmp_path), "--fail-on", "none"])
    assert relaxed.exit_code == 0


def test_misnamed_file_fails_and_policy_can_relax_it(tmp_path: Path) -> None:
    """A misnamed file fails (POL007); policy 'warning' warns (exit 1 with --fail-on warning)."""
    folder = tmp_path / "delivery"
    folder.mkdir()
    (folder / "photo.png").write_bytes(JPEG)
    assert runner.invoke(cli.app, ["scan", str(folder)]).exit_code == 1
    policy = tmp_path / "policy.toml"
    policy.write_text('version = 1\n[levels]\nunverified-file-in-final = "warning"\n')
    relaxed = ["scan", str(folder), "--policy", str(policy)]
    assert runner.invoke(cli.app, relaxed).exit_code == 0
    assert runner.invoke(cli.app, [*relaxed, "--fail-on", "warning"]).exit_code == 1


def test_json_report_matches_schema(tmp_path: Path) -> None:
    """--format json --output writes a report that validates against the documented schema."""
    (tmp_path / "a.jpg").write_bytes(JPEG)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.png").write_bytes(b"")
    out = tmp_path.parent / f"{tmp_path.name}-report.json"
    runner.invoke(cli.app, ["scan", str(tmp_path), "--format", "json", "--output", str(out)])
    data = json.loads(out.read_text())
    jsonschema.validate(data, SCHEMA)
    assert data["schema_version"] == "1.6"
    assert [f["path"] for f in data["files"]] == ["a.jpg", "sub/b.png"]
    assert {f["path"]: f["verdict"] for f in data["files"]}["sub/b.png"] == "unreadable"


def test_single_file_path_is_its_name(tmp_path: Path) -> None:
    """Scanning one file reports its bare file name as the path."""
    (tmp_path / "a.jpg").write_bytes(JPEG)
    result = runner.invoke(cli.app, ["scan", str(tmp_path / "a.jpg"), "--format", "json"])
    assert json.loads(result.stdout)["files"][0]["path"] == "a.jpg"


def test_missing_target_exits_two(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing path is a usage error: exit 2 and one line naming it."""
    assert _run_main(monkeypatch, "scan", "/no/such/place") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["provscan: /no/such/place: no such file or folder"]


def test_bad_option_value_exits_two(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An invalid option value is a usage error (2), not an internal error."""
    assert _run_main(monkeypatch, "scan", str(tmp_path), "--format", "nope") == 2


def test_bad_trust_anchor_file_exits_two(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A trust-anchor file without a PEM certificate is refused with the file and option named."""
    bad = tmp_path / "anchors.pem"
    bad.write_text("not a certificate")
    assert _run_main(monkeypatch, "scan", str(tmp_path), "--trust-anchors", str(bad)) == 2
    assert "--trust-anchors: no PEM certificate" in capsys.readouterr().err


def test_internal_error_exits_three(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An uncaught exception maps to exit 3 with a one-line message, not Python's 1."""

    def explode(*_: object, **__: object) -> None:
        raise RuntimeError("kaput")

    monkeypatch.setattr(pipeline, "check_delivery", explode)
    monkeypatch.delenv("PROVSCAN_TRACEBACK", raising=False)
    assert _run_main(monkeypatch, "scan", str(tmp_path)) == 3
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "provscan: internal error: RuntimeError: kaput (set PROVSCAN_TRACEBACK=1 to see where)"
    ]


@pytest.mark.parametrize("command", [["scan"], ["inspect"]])
def test_internal_error_traceback_on_request(command: list[str], tmp_path: Path) -> None:
    """PROVSCAN_TRACEBACK=1 shows an internal error's traceback (typer and plain paths alike),
    still with exit 3 and the one line last."""
    (tmp_path / "a.jpg").write_bytes(JPEG)
    boom = (
        "import sys, provscan.engine as e, provscan.cli_core as c\n"
        "def explode(*a, **k): raise RuntimeError('kaput')\n"
        "e.scan = explode; c.inspect = explode\n"
        "from provscan.entry import main\n"
        "sys.argv[0] = 'provscan'\n"
        "main()\n"
    )
    env = {**os.environ, "PROVSCAN_TRACEBACK": "1"}
    done = subprocess.run([sys.executable, "-c", boom, *command, str(tmp_path / "a.jpg")],
                          capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    assert done.returncode == 3, done.stderr
    assert "Traceback (most recent call last)" in done.stderr
    assert "in explode" in done.stderr
    assert done.stderr.splitlines()[-1] == "provscan: internal error: RuntimeError: kaput"


def test_interrupt_exits_130(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Ctrl-C during a scan exits 130."""

    def interrupt(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "check_delivery", interrupt)
    assert _run_main(monkeypatch, "scan", str(tmp_path)) == 130


def test_inspect_refuses_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """inspect takes one file; a folder is a usage error."""
    assert _run_main(monkeypatch, "inspect", str(tmp_path)) == 2


def test_inspect_prints_verdict(tmp_path: Path) -> None:
    """inspect prints the file's identity and its verdict in words."""
    (tmp_path / "a.jpg").write_bytes(JPEG)
    result = runner.invoke(cli.app, ["inspect", str(tmp_path / "a.jpg")])
    assert result.exit_code == 0
    assert "File: a.jpg" in result.output and "Verdict: no AI markers found" in result.output


def test_rules_lists_every_rule() -> None:
    """`provscan rules` prints one line per rule with code, name, severity and summary."""
    from provscan.rulebook import all_rules

    result = runner.invoke(cli.app, ["rules"])
    lines = result.output.strip().splitlines()
    assert len(lines) == len(all_rules())
    assert lines[0].split()[:3] == ["SCN001", "unreadable-media", "error"]


def test_rule_codes_are_unique_and_well_formed() -> None:
    """Every rule code is a 3-character family (letter first) + 3 digits, defined once."""
    from provscan.rulebook import all_rules, by_code

    codes = [r.code for r in all_rules()]
    assert len(codes) == len(set(codes)) == len(by_code())
    assert all(re.fullmatch(r"[A-Z][A-Z0-9]{2}\d{3}", c) for c in codes), codes


# Libraries that cost start-up time and that only some files or commands need (not pydantic:
# typer 0.29 converts every option's value through it, --help and --version included).
HEAVY = ("c2pa", "av", "numpy", "cv2", "opentimelineio", "PIL", "provscan.analysis")


def _loaded(*args: str) -> set[str]:
    """The modules a ``provscan`` process imported to run ``args`` (python -X importtime)."""
    script = REPO / ".venv" / "bin" / "provscan"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "provscan.entry"]
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    proc = subprocess.run([*command, *args], capture_output=True, text=True, env=env,
                          cwd=REPO, check=False)  # fmt: skip
    return {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
            if line.startswith("import time:")}  # fmt: skip


QUICK = [["--version"], ["--help"], ["rules"], ["log", "check", "fixtures/sample/ai-use.toml"],
         ["scan", "--help"]]  # fmt: skip


@pytest.mark.parametrize("args", QUICK, ids=lambda a: " ".join(a))
def test_quick_commands_load_no_heavy_library(args: list[str]) -> None:
    """--version, --help, rules and log check import none of c2pa, PyAV, numpy, OpenCV,
    OpenTimelineIO, Pillow or the per-file analysis (start-up time)."""
    loaded = _loaded(*args)
    assert loaded, "no import was recorded"
    assert sorted(loaded & set(HEAVY)) == []


def test_version_answers_without_the_command_line() -> None:
    """provscan --version prints the installed version without loading typer."""
    loaded = _loaded("--version")
    assert "typer" not in loaded and "provscan.cli" not in loaded


# The readers of other formats and of a manifest's story: each loads with the first file
# that needs it (tests/test_layers.py lists where they are imported lazily).
OTHER_READERS = (
    "provscan.extract.media_tags", "provscan.extract.avinfo", "provscan.extract.mxf",
    "provscan.extract.riff_meta", "provscan.extract.exr", "provscan.extract.dpx",
    "provscan.extract.mpf", "provscan.extract.av_structure.checks",
    "provscan.detectors.c2pa_integrity", "provscan.detectors.c2pa_trust",
    "provscan.detectors.c2pa_extras",
)  # fmt: skip


def test_inspecting_a_camera_jpeg_loads_no_media_library(tmp_path: Path) -> None:
    """inspect of an unsigned camera JPEG analyses it without c2pa, PyAV, numpy or OpenCV,
    and without the readers of other formats or of a manifest: each loads only for a file
    that needs it; and, its arguments being plain, without typer."""
    still = tmp_path / "camera.jpg"
    still.write_bytes(JPEG)
    loaded = _loaded("inspect", str(still))
    assert "provscan.analysis" in loaded
    assert "typer" not in loaded and "provscan.cli" not in loaded
    assert sorted(loaded & {"c2pa", "av", "numpy", "cv2", "opentimelineio"}) == []
    assert sorted(loaded & set(OTHER_READERS)) == []


def test_main_builds_only_the_command_it_runs() -> None:
    """main() narrows the app to the command named (the others' parameters are never built);
    without one, or with an unknown one, the whole app answers."""
    assert [c.callback for c in cli.narrowed(["inspect", "x"]).registered_commands] == [cli.inspect]
    assert [g.name for g in cli.narrowed(["log", "check", "x"]).registered_groups] == ["log"]
    assert cli.narrowed(["--help"]) is cli.app
    assert cli.narrowed(["bogus"]) is cli.app
    assert cli.narrowed([]) is cli.app


PLAIN = [
    (["inspect", "a.jpg"], (["a.jpg"], False)),
    (["inspect", "a.jpg", "b.png"], (["a.jpg", "b.png"], False)),
    (["inspect", "--format", "json", "a.jpg"], (["a.jpg"], True)),
    (["inspect", "a.jpg", "-f", "text", "b.png"], (["a.jpg", "b.png"], False)),
    (["inspect", "a.jpg", "-f", "json"], (["a.jpg"], True)),
]
NOT_PLAIN = [
    [], ["inspect"], ["scan", "a.jpg"], ["inspect", "--help"], ["inspect", "a.jpg", "-h"],
    ["inspect", "a.jpg", "--format", "JSON"], ["inspect", "a.jpg", "--format"],
    ["inspect", "a.jpg", "--format=json"], ["inspect", "a.jpg", "-fjson"],
    ["inspect", "a.jpg", "-f", "json", "-f", "text"], ["inspect", "a.jpg", "--sources", "media"],
    ["inspect", "--", "a.jpg"], ["inspect", "-"], ["inspect", ""], ["--version"],
]  # fmt: skip


@pytest.mark.parametrize(("args", "expected"), PLAIN, ids=[" ".join(a) for a, _ in PLAIN])
def test_plain_inspect_arguments_read_as_typer_reads_them(
    args: list[str], expected: tuple[list[str], bool]
) -> None:
    """The arguments inspect takes without typer (files, one --format text|json) give the same
    files and format as typer's own parse of them."""
    files, json_out = expected
    assert cli_core.plain_inspect(args) == ([Path(f) for f in files], json_out)
    command = typer.main.get_command(cli.narrowed(args))
    assert isinstance(command, TyperGroup)
    params = command.commands["inspect"].make_context("inspect", args[1:]).params
    assert [Path(t) for t in params["targets"]] == [Path(f) for f in files]
    assert (params["output_format"] == "json") is json_out


@pytest.mark.parametrize("args", NOT_PLAIN, ids=lambda a: " ".join(a) or "(none)")
def test_other_arguments_are_left_to_typer(args: list[str]) -> None:
    """Anything but files and one --format text|json (another option, a value in another
    case, help, no file) is parsed and answered by typer."""
    assert cli_core.plain_inspect(args) is None


def test_a_shell_asking_for_completions_is_left_to_typer(monkeypatch: pytest.MonkeyPatch) -> None:
    """A shell's completion request (click's _PROVSCAN_COMPLETE) goes to typer."""
    monkeypatch.setenv("_PROVSCAN_COMPLETE", "bash_complete")
    assert cli_core.plain_inspect(["inspect", "a.jpg"]) is None


def test_a_file_typer_would_refuse_as_unreadable_is_left_to_typer(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A file that exists but cannot be read is typer's to refuse, in its words."""
    still = tmp_path / "camera.jpg"
    still.write_bytes(JPEG)
    assert cli_core.plain_inspect(["inspect", str(still)]) == ([still], False)
    monkeypatch.setattr(cli_core.os, "access", lambda *_: False)
    assert cli_core.plain_inspect(["inspect", str(still)]) is None


def _ran(start: str, args: list[str]) -> tuple[int, bytes, bytes]:
    """Exit code, stdout and stderr of provscan started at ``start`` (``entry``: the console
    script's way, without typer for plain inspect arguments; ``cli``: always through typer)."""
    code = f"from provscan import {start}; {start}.main()"
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, cwd=REPO,
                          check=False)  # fmt: skip
    return proc.returncode, proc.stdout, proc.stderr


def _same_both_ways(args: list[str]) -> None:
    assert cli_core.plain_inspect(args) is not None
    assert _ran("entry", args) == _ran("cli", args)


def test_plain_inspect_prints_and_exits_as_through_typer(tmp_path: Path) -> None:
    """inspect started without typer prints the same bytes on stdout and stderr, and exits
    with the same code, as through typer: a file, JSON, several files, a missing file among
    them, a folder."""
    still = tmp_path / "camera.jpg"
    still.write_bytes(JPEG)
    _same_both_ways(["inspect", str(still)])
    _same_both_ways(["inspect", "-f", "json", str(still)])
    _same_both_ways(["inspect", str(still), str(tmp_path / "missing.jpg"), str(still)])
    _same_both_ways(["inspect", str(tmp_path / "missing.jpg"), "--format", "json", str(still)])
    _same_both_ways(["inspect", str(tmp_path)])


@pytest.mark.parametrize("pattern", ["*.jpg", "*.exr", "*.mxf", "*.wav", "*.edl", "CPL*.xml"])
def test_plain_inspect_of_corpus_files_is_as_through_typer(corpus: Path, pattern: str) -> None:
    """On real files of each path inspect takes (stills, frames, MXF, audio, an edit, an IMF
    composition), the start without typer prints and exits exactly as through typer."""
    found = sorted(corpus.rglob(pattern))[:2]
    assert found, f"no {pattern} in the corpus"
    _same_both_ways(["inspect", *map(str, found)])
    _same_both_ways(["inspect", "--format", "json", str(found[-1])])
