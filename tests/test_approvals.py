"""Approvals follow the bytes: content keys decide, a moved path warns (LOG005), require_path
refuses, the nearest entry is named when none matches, and log init drafts for the root the
log is used with and continues an existing log."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from provscan import cli
from provscan.ailog.entry import LogEntry
from provscan.ailog.match import EntryIndex, FileFacts, matched_key
from provscan.ailog.near import nearest
from typer.testing import CliRunner

from tests.conftest import FIXTURES

FILES = FIXTURES / "files"
APPROVED = (
    'scope = ["final"]\nstatus = "approved"\napproved_by = "Legal"\napproved_on = 2026-09-01\n'
    'approval_ref = "L-1"\n'
)
DECISIONS = {
    "purpose": '"title card"', "scope": '["final"]', "status": '"approved"',
    "approved_by": '"Legal"', "approved_on": "2026-09-01", "approval_ref": '"L-1"',
    "enterprise_environment": "true", "tool": '"x"', "vendor": '"x"',
}  # fmt: skip
runner = CliRunner()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _complete(draft: str) -> str:
    """What a person does with a draft: every placeholder decided (approved for final)."""
    return re.sub(
        r'^(\w+) = "TO BE COMPLETED".*$',
        lambda m: f"{m.group(1)} = {DECISIONS.get(m.group(1), 'false')}",
        draft,
        flags=re.M,
    )


def _scan_json(root: Path, log: Path) -> tuple[int, dict[str, object]]:
    result = runner.invoke(cli.app, ["scan", str(root), "--log", str(log), "--no-trace",
                                     "--format", "json"])  # fmt: skip
    return result.exit_code, json.loads(result.stdout)


def _file(report: dict[str, object], path: str) -> dict[str, object]:
    files = report["files"]
    assert isinstance(files, list)
    return next(f for f in files if f["path"] == path)


def _log_rules(report: dict[str, object]) -> list[str]:
    findings = report["log_findings"]
    assert isinstance(findings, list)
    return sorted(f["rule"] for f in findings)


@pytest.fixture()
def delivery(tmp_path: Path) -> Path:
    """A delivery with an AI still (A1111 PNG) and a C2PA Firefly JPEG in stills/."""
    root = tmp_path / "delivery"
    (root / "stills").mkdir(parents=True)
    shutil.copy(FILES / "generators" / "a1111.png", root / "stills" / "archival.png")
    shutil.copy(FILES / "c2pa" / "firefly.jpg", root / "stills" / "title.jpg")
    return root


def test_renamed_file_keeps_its_approval_and_the_log_warns(delivery: Path, tmp_path: Path) -> None:
    """Draft, approve, rename both files to the delivery spec: still approved, LOG005 names both
    paths, and there is no POL001 or LOG001."""
    drafted = runner.invoke(cli.app, ["log", "init", str(delivery)])
    assert drafted.exit_code == 0
    log = tmp_path / "ai-use.toml"
    log.write_text(_complete(drafted.stdout), encoding="utf-8")
    assert runner.invoke(cli.app, ["log", "check", str(log)]).exit_code == 0
    (delivery / "stills" / "archival.png").rename(delivery / "stills" / "SHOW_101_v2.png")
    (delivery / "stills" / "title.jpg").rename(delivery / "SHOW_101_title.jpg")
    code, report = _scan_json(delivery, log)
    assert code == 0
    assert _file(report, "stills/SHOW_101_v2.png")["approval"] == "AI-001"
    assert _file(report, "SHOW_101_title.jpg")["matched_by"] == "sha256"
    assert _log_rules(report) == ["LOG005", "LOG005"]
    text = runner.invoke(cli.app, ["scan", str(delivery), "--log", str(log), "--no-trace"])
    assert (
        "LOG005 log entry AI-001 ([[entry]] #1) matched stills/SHOW_101_v2.png by sha256, "
        "but its path is stills/archival.png: the file was renamed or moved"
    ) in text.stdout
    assert "POL001" not in text.stdout and "LOG001" not in text.stdout


def test_require_path_refuses_a_moved_file_and_says_why(delivery: Path, tmp_path: Path) -> None:
    """With require_path the path is a condition: the moved file fails POL001, whose message
    and JSON name the entry whose sha256 matched and the path that differs."""
    sha = _sha(delivery / "stills" / "archival.png")
    log = tmp_path / "ai-use.toml"
    log.write_text(f'version = 1\n[[entry]]\nid = "AI-004"\n{APPROVED}sha256 = "{sha}"\n'
                   'path = "stills/archival.png"\nrequire_path = true\n')  # fmt: skip
    (delivery / "stills" / "archival.png").rename(delivery / "stills" / "moved.png")
    code, report = _scan_json(delivery, log)
    assert code == 1
    findings = _file(report, "stills/moved.png")["findings"]
    assert isinstance(findings, list)
    (pol,) = [f for f in findings if f["rule"] == "POL001"]
    assert (
        "no entry in the AI-use log matches it; nearest AI-004: sha256 matches, path "
        "differs (require_path): logged as stills/archival.png"
    ) in pol["message"]
    assert pol["details"]["nearest"] == {
        "entry": "AI-004", "agrees": ["sha256"], "differs": ["path"],
        "why": "sha256 matches, path differs (require_path): logged as stills/archival.png",
    }  # fmt: skip
    assert _log_rules(report) == ["LOG001"]


def test_changed_file_at_the_logged_path_names_the_entry(delivery: Path, tmp_path: Path) -> None:
    """Other bytes at the logged path: POL001 says the path matches but the sha256 differs, and
    LOG001 points back at the file."""
    sha = _sha(delivery / "stills" / "archival.png")
    log = tmp_path / "ai-use.toml"
    log.write_text(f'version = 1\n[[entry]]\nid = "AI-002"\n{APPROVED}sha256 = "{sha}"\n'
                   'path = "stills/archival.png"\n')  # fmt: skip
    shutil.copy(FILES / "generators" / "comfyui.png", delivery / "stills" / "archival.png")
    result = runner.invoke(cli.app, ["scan", str(delivery), "--log", str(log), "--no-trace"])
    assert result.exit_code == 1
    assert (
        "nearest AI-002: path matches, sha256 differs (the bytes changed since it was logged)"
    ) in result.stdout
    assert (
        "LOG001 log entry AI-002 ([[entry]] #1) matched no file with AI evidence (nearest: "
        "stills/archival.png: path matches, sha256 differs"
    ) in result.stdout


def test_path_only_entry_still_matches_by_path(delivery: Path, tmp_path: Path) -> None:
    """An entry with only a path matches by path, with the weak-match warning, as before."""
    log = tmp_path / "ai-use.toml"
    log.write_text(f'version = 1\n[[entry]]\nid = "AI-1"\n{APPROVED}path = "stills/*.png"\n')
    code, report = _scan_json(delivery, log)
    assert code == 1  # title.jpg, AI too, has no entry
    assert _file(report, "stills/archival.png")["matched_by"] == "path"
    assert _log_rules(report) == ["LOG003"]


def test_require_path_without_a_path_is_one_pointed_error(tmp_path: Path) -> None:
    """require_path with no path, or not a boolean, is refused by log check in one line each."""
    log = tmp_path / "ai-use.toml"
    log.write_text(f'version = 1\n[[entry]]\nid = "A"\n{APPROVED}sha256 = "{"a" * 64}"\n'
                   'require_path = true\n[[entry]]\nid = "B"\n' + APPROVED +
                   'path = "x.png"\nrequire_path = "maybe"\n')  # fmt: skip
    result = runner.invoke(cli.app, ["log", "check", str(log)])
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.startswith("provscan: ")]
    assert lines == [
        f"provscan: {log}: [[entry]] #1 (id 'A'), field require_path: true, but the entry "
        "gives no path to require (add path, or remove require_path)",
        f"provscan: {log}: [[entry]] #2 (id 'B'), field require_path: 'maybe' is not true or false",
    ]


def _entry(**keys: object) -> LogEntry:
    return LogEntry(id="E", place="[[entry]] #1", scope=("final",), **keys)  # type: ignore[arg-type]


def test_index_offers_a_moved_file_to_a_phash_and_path_entry() -> None:
    """An entry with a pHash and a plain path is tried for every file (its path no longer
    decides), so a moved copy is found."""
    entry = _entry(phash="ffff0000ffff0000", path="old/name.jpg")
    facts = FileFacts("new/name.jpg", phash="ffff0000ffff0001")
    assert EntryIndex([entry]).candidates(facts) == [entry]
    assert matched_key(entry, facts) == "phash"


@pytest.mark.parametrize(
    ("keys", "why"),
    [
        ({"c2pa_instance_id": "iid:1", "sha256": "b" * 64},
         "C2PA instance id matches, sha256 differs (the bytes changed since it was logged)"),
        ({"phash": "ffff0000ffff00f0", "phash_max_distance": 2},
         "pHash 4 bits away (limit 2)"),
        ({"sha256": "b" * 64, "path": "stills/photo.jpg"},
         "path matches, sha256 differs (the bytes changed since it was logged)"),
        ({"c2pa_instance_id": "iid:9", "path": "stills/photo.jpg"},
         "path matches, C2PA instance id differs (another manifest)"),
    ],
)  # fmt: skip
def test_nearest_says_what_agrees_and_what_differs(keys: dict[str, object], why: str) -> None:
    """The nearest entry's words list the agreeing keys, then the differing ones with a cause."""
    facts = FileFacts("stills/photo.jpg", sha256="a" * 64, phash="ffff0000ffff0000",
                      instance_ids=frozenset({"iid:1"}))  # fmt: skip
    near = nearest([_entry(**keys)], facts)
    assert near is not None and near.why == why


def test_nearest_ignores_broad_globs_and_far_hashes() -> None:
    """A glob that agrees with any path, or a pHash far away, is no sign of closeness; of two
    near entries the one agreeing on the stronger key wins."""
    facts = FileFacts("a/b.png", sha256="a" * 64, phash="ffff0000ffff0000")
    far = _entry(phash="0000ffff0000ffff")
    broad = _entry(path="**", sha256="b" * 64)
    assert nearest([far, broad], facts) is None
    by_path = LogEntry(id="P", place="p", path="a/b.png", sha256="c" * 64)
    by_sha = LogEntry(id="S", place="s", path="x.png", sha256="a" * 64, require_path=True)
    near = nearest([by_path, by_sha], facts)
    assert near is not None and near.entry.id == "S"


def test_log_init_with_existing_log_drafts_only_new_files(delivery: Path, tmp_path: Path) -> None:
    """--log: files the log covers are left out, ids continue after its highest AI-N, and the
    output appended to the log (placeholders decided) passes log check and approves both."""
    sha = _sha(delivery / "stills" / "archival.png")
    log = tmp_path / "ai-use.toml"
    log.write_text(f'version = 1\n[[entry]]\nid = "AI-007"\npurpose = "TO BE COMPLETED"\n'
                   f'{APPROVED}sha256 = "{sha}"\npath = "old_name.png"\n')  # fmt: skip
    drafted = runner.invoke(cli.app, ["log", "init", str(delivery), "--log", str(log)])
    assert drafted.exit_code == 0, drafted.output
    assert drafted.stdout.count("[[entry]]") == 1 and 'id = "AI-008"' in drafted.stdout
    assert 'path = "stills/title.jpg"' in drafted.stdout and "version" not in drafted.stdout
    assert f"1 new entry for {log} (1 file with AI evidence covered by it)" in drafted.stdout
    text = log.read_text().replace('purpose = "TO BE COMPLETED"\n', "")
    log.write_text(text + _complete(drafted.stdout))
    assert runner.invoke(cli.app, ["log", "check", str(log)]).exit_code == 0
    code, report = _scan_json(delivery, log)
    assert code == 0 and _file(report, "stills/title.jpg")["approval"] == "AI-008"
    again = runner.invoke(cli.app, ["log", "init", str(delivery), "--log", str(log)])
    assert "[[entry]]" not in again.stdout and "0 new entries" in again.stdout


def test_log_init_appends_csv_rows_in_the_log_columns(delivery: Path, tmp_path: Path) -> None:
    """A CSV log gets rows in its own column order; a log lacking a key column is one line."""
    log = tmp_path / "ai-use.csv"
    log.write_text("id,scope,status,path,sha256,phash,c2pa_instance_id\n"
                   "AI-001,final,pending,stills/title.jpg,,,\n")  # fmt: skip
    drafted = runner.invoke(cli.app, ["log", "init", str(delivery), "--log", str(log)])
    assert drafted.exit_code == 0
    (row,) = drafted.stdout.splitlines()
    sha = _sha(delivery / "stills" / "archival.png")
    assert row.startswith(f"AI-002,TO BE COMPLETED,TO BE COMPLETED,stills/archival.png,{sha},")
    narrow = tmp_path / "narrow.csv"
    narrow.write_text("id,scope,status,path\nAI-001,final,pending,x.png\n")
    refused = runner.invoke(cli.app, ["log", "init", str(delivery), "--log", str(narrow)])
    assert refused.exit_code == 2
    assert refused.output.strip() == (f"provscan: {narrow}: row 1: no column for "
                                      "c2pa_instance_id, phash, sha256 (add them to the header "
                                      "to append drafted entries)")  # fmt: skip


def test_log_init_file_writes_paths_for_the_root(delivery: Path) -> None:
    """A file drafted alone: its name by default (relative to its folder), the path from the
    delivery with --root, and a --root it is not inside is one line, exit 2, before any scan."""
    still = delivery / "stills" / "title.jpg"
    alone = runner.invoke(cli.app, ["log", "init", str(still)])
    assert 'path = "title.jpg"' in alone.stdout
    assert f"# Paths are relative to {delivery / 'stills'}" in alone.stdout
    rooted = runner.invoke(cli.app, ["log", "init", str(still), "--root", str(delivery)])
    assert 'path = "stills/title.jpg"' in rooted.stdout
    outside = runner.invoke(cli.app, ["log", "init", str(still), "--root", str(FILES)])
    assert outside.exit_code == 2
    assert outside.output.strip() == (f"provscan: {still}: --root: not inside {FILES} (paths "
                                      "in the log are relative to the folder it is scanned "
                                      "with)")  # fmt: skip


def test_real_c2pa_file_renamed_keeps_its_instance_id_approval(
    corpus: Path, tmp_path: Path
) -> None:
    """A real Firefly PNG from the corpus, logged by C2PA instance id and path, then renamed
    to the delivery spec: approved by instance id, LOG005 names both paths."""
    root = tmp_path / "d"
    root.mkdir()
    shutil.copy(corpus / "c2pa-rs/sdk/tests/fixtures/firefly.png", root / "firefly.png")
    drafted = runner.invoke(cli.app, ["log", "init", str(root)])
    instance = re.search(r'c2pa_instance_id = "([^"]+)"', drafted.stdout)
    assert instance is not None
    log = tmp_path / "ai-use.toml"
    log.write_text(f'version = 1\n[[entry]]\nid = "AI-1"\n{APPROVED}'
                   f'c2pa_instance_id = "{instance.group(1)}"\npath = "firefly.png"\n')  # fmt: skip
    (root / "firefly.png").rename(root / "EP01_0042_keyart.png")
    code, report = _scan_json(root, log)
    assert code == 0
    assert _file(report, "EP01_0042_keyart.png")["matched_by"] == "c2pa_instance_id"
    assert _log_rules(report) == ["LOG005"]
