"""The catalog's history through the CLI: the text summary's catalog line, catalog runs,
catalog diff RUN_A RUN_B, and --changed-since with a date-time or last-run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from provscan import cli
from typer.testing import CliRunner

from tests.conftest import FIXTURES

SAMPLE = FIXTURES / "sample"
runner = CliRunner()


@pytest.fixture()
def history(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the sample delivery scanned twice into a catalog: first without the log,
    then with it, after removing a still, adding one and changing an audio file's bytes."""
    delivery, db = tmp_path / "delivery", tmp_path / "archive.db"
    shutil.copytree(SAMPLE / "delivery", delivery)
    args = ["scan", str(delivery), "--catalog", str(db), "--no-trace"]
    assert runner.invoke(cli.app, args).exit_code == 1
    (delivery / "stills" / "press_still.jpg").unlink()
    shutil.copy(delivery / "stills" / "key_art.jpg", delivery / "stills" / "key_art_v2.jpg")
    with (delivery / "audio" / "boom_take3.wav").open("ab") as stream:
        stream.write(b"\0")
    second = runner.invoke(cli.app, [*args, "--log", str(SAMPLE / "ai-use.toml")])
    assert second.exit_code == 1
    assert f"catalog {db}: 15 files from the catalog, 2 read" in second.stdout
    return delivery, db


def test_runs_lists_each_run_with_its_gate_and_changes(history: tuple[Path, Path]) -> None:
    """catalog runs: both runs, complete, with their gate, files read and from the catalog,
    and how many files each found new, changed, removed or judged differently."""
    _, db = history
    rows = json.loads(runner.invoke(cli.app, ["catalog", "runs", str(db), "-f", "json"]).stdout)
    assert [(r["run"], r["state"], r["gate"]) for r in rows] == [
        (1, "complete", "fail"),
        (2, "complete", "fail"),
    ]
    first, second = rows
    assert (first["files"], first["read"], first["from_catalog"], first["new"]) == (17, 17, 0, 17)
    assert (second["read"], second["from_catalog"]) == (2, 15)
    assert (second["new"], second["changed"], second["removed"]) == (1, 1, 1)
    assert second["judged"] >= 1  # the log approves files whose bytes did not change
    table = runner.invoke(cli.app, ["catalog", "runs", str(db)]).stdout
    assert table.splitlines()[0].split()[:6] == ["run", "root", "started", "finished", "state",
                                                 "gate"]  # fmt: skip


def test_diff_lists_new_changed_removed_and_judged_files(history: tuple[Path, Path]) -> None:
    """catalog diff 1 2: the new, changed and removed files, the files the log now approves
    (same bytes, another gate), with verdicts and gates before and after."""
    _, db = history
    result = runner.invoke(cli.app, ["catalog", "diff", str(db), "1", "2", "-f", "json"])
    doc = json.loads(result.stdout)
    assert (doc["run_a"], doc["run_b"], doc["gate_a"], doc["gate_b"]) == (1, 2, "fail", "fail")
    changes = {f["path"]: f for f in doc["files"]}
    assert changes["stills/key_art_v2.jpg"]["change"] == "new"
    assert changes["audio/boom_take3.wav"]["change"] == "changed"
    removed = changes["stills/press_still.jpg"]
    assert removed["change"] == "removed" and removed["verdict_after"] is None
    title = changes["stills/title_card.jpg"]  # approved by the log from the second run on
    assert title["change"] == "judged"
    assert (title["gate_before"], title["gate_after"]) == ("fail", "pass")
    text = runner.invoke(cli.app, ["catalog", "diff", str(db), "1", "2"]).stdout
    assert text.splitlines()[0].endswith(": run 1 -> run 2, gate fail -> fail")


@pytest.mark.parametrize(
    ("args", "said"),
    [(["2", "1"], "run 2 is not before run 1"), (["1", "9"], "no run 9")],
)
def test_diff_of_runs_out_of_order_or_unknown_is_one_line(
    history: tuple[Path, Path], args: list[str], said: str
) -> None:
    """A diff backwards or of a run that does not exist: one line, exit 2."""
    result = runner.invoke(cli.app, ["catalog", "diff", str(history[1]), *args])
    assert result.exit_code == 2 and said in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_changed_since_last_run_and_date_times(history: tuple[Path, Path]) -> None:
    """--changed-since last-run: the files the latest run found new or changed; a date-time
    in the past (any zone) lists every file; one far ahead none; a word is refused."""
    _, db = history
    base = ["catalog", "query", str(db), "-f", "json", "--changed-since"]
    last = json.loads(runner.invoke(cli.app, [*base, "LAST-RUN"]).stdout)
    assert sorted(r["path"] for r in last) == ["audio/boom_take3.wav", "stills/key_art_v2.jpg"]
    every = json.loads(runner.invoke(cli.app, [*base, "2000-01-01T00:00+05:00"]).stdout)
    assert len(every) == 17
    assert json.loads(runner.invoke(cli.app, [*base, "2999-01-01T00:00:00Z"]).stdout) == []
    bad = runner.invoke(cli.app, [*base, "yesterday"])
    assert bad.exit_code == 2 and "last-run" in bad.stderr


def test_gate_and_verdict_filters_take_any_case(history: tuple[Path, Path]) -> None:
    """catalog query --gate FAIL and --verdict AI-GENERATED read as lower case."""
    _, db = history
    rows = json.loads(
        runner.invoke(
            cli.app,
            [
                "catalog",
                "query",
                str(db),
                "--gate",
                "FAIL",
                "--verdict",
                "AI-GENERATED",
                "-f",
                "JSON",
            ],
        ).stdout
    )
    assert rows and all(r["gate"] == "fail" and r["verdict"] == "ai-generated" for r in rows)
