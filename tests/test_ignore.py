"""Delivery hygiene: OS and VCS junk left out by default, --exclude, .provscanignore,
--no-default-excludes, skipped paths counted in every report, media never hidden."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from provscan import cli
from provscan.ignore import DEFAULT_IGNORES, IgnoreError, load_ignore
from provscan.model import Skipped
from provscan.walk import iter_entries
from typer.testing import CliRunner

from tests.builders import jpeg_bytes, png_bytes
from tests.conftest import REPO

runner = CliRunner()
JPEG = jpeg_bytes()
DS_STORE = b"\x00\x00\x00\x01Bud1" + bytes(64)
APPLEDOUBLE = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        " + bytes(32)
OLE = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(64)  # Thumbs.db: a compound file


def _mac_windows_git_delivery(root: Path) -> None:
    """A delivery as it arrives from a Mac, through Windows, cut from a repository."""
    (root / "stills").mkdir(parents=True)
    (root / "stills" / "a.jpg").write_bytes(JPEG)
    (root / "stills" / "._a.jpg").write_bytes(APPLEDOUBLE)
    (root / ".DS_Store").write_bytes(DS_STORE)
    (root / "stills" / "Thumbs.db").write_bytes(OLE)
    (root / "stills" / "Desktop.ini").write_bytes("[.ShellClassInfo]\r\n".encode("utf-16"))
    (root / "Icon\r").write_bytes(b"")
    (root / ".Spotlight-V100" / "Store-V2").mkdir(parents=True)
    (root / ".Spotlight-V100" / "Store-V2" / "x.jpg").write_bytes(JPEG)
    objects = root / ".git" / "objects" / "ab"
    objects.mkdir(parents=True)
    for n in range(50):
        (objects / f"{n:038x}").write_bytes(b"x\x01" + bytes(20))
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")


def _walk(root: Path, **options: object) -> tuple[list[str], list[Skipped]]:
    skipped: list[Skipped] = []
    ignore = load_ignore(root, **options)  # type: ignore[arg-type]
    return [e.rel for e in iter_entries(root, ignore, skipped)], skipped


def test_default_list_leaves_out_os_and_vcs_junk(tmp_path: Path) -> None:
    """Finder, AppleDouble, Windows and git junk are skipped; the media stays; each skip is
    recorded with the pattern that matched it, a folder once (its contents never listed)."""
    _mac_windows_git_delivery(tmp_path)
    entries, skipped = _walk(tmp_path)
    assert entries == ["stills/a.jpg"]
    assert {(s.path, s.pattern, s.by) for s in skipped} == {
        (".DS_Store", ".DS_Store", "default"),
        (".git/", ".git", "default"),
        (".Spotlight-V100/", ".Spotlight-V100", "default"),
        ("Icon\r", "Icon\r", "default"),
        ("stills/._a.jpg", "._*", "default"),
        ("stills/Desktop.ini", "desktop.ini", "default"),
        ("stills/Thumbs.db", "Thumbs.db", "default"),
    }


def test_junk_names_holding_media_are_scanned(tmp_path: Path) -> None:
    """A file named like junk whose bytes are media is scanned anyway (never hidden)."""
    (tmp_path / "._render.jpg").write_bytes(JPEG)
    (tmp_path / "Thumbs.db").write_bytes(png_bytes())
    (tmp_path / ".DS_Store").write_bytes(DS_STORE)
    entries, skipped = _walk(tmp_path)
    assert entries == ["._render.jpg", "Thumbs.db"]
    assert [s.path for s in skipped] == [".DS_Store"]


def test_no_default_excludes_sees_everything(tmp_path: Path) -> None:
    """--no-default-excludes walks the junk too, .git/ file by file."""
    _mac_windows_git_delivery(tmp_path)
    entries, skipped = _walk(tmp_path, defaults=False)
    assert skipped == []
    assert ".DS_Store" in entries and "stills/._a.jpg" in entries
    assert sum(e.startswith(".git/") for e in entries) == 51


def test_user_patterns_use_gitignore_syntax(tmp_path: Path) -> None:
    """--exclude and .provscanignore lines are gitignore patterns: folders, anchors,
    negation; the last matching line wins; each skip names its line."""
    for rel in ("previs/a.jpg", "final/a.jpg", "final/keep.tmp", "final/b.tmp", "notes.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(JPEG)
    (tmp_path / ".provscanignore").write_text("# temp files\n*.tmp\n\n!keep.tmp\nprevis/\n")
    entries, skipped = _walk(tmp_path, excludes=["/notes.txt"])
    assert entries == ["final/a.jpg", "final/keep.tmp"]
    assert [(s.path, s.pattern, s.by) for s in skipped] == [
        (".provscanignore", ".provscanignore", "ignore file"),
        ("final/b.tmp", "*.tmp", ".provscanignore:2"),
        ("notes.txt", "/notes.txt", "--exclude"),
        ("previs/", "previs/", ".provscanignore:5"),
    ]


def test_user_patterns_skip_media_on_purpose(tmp_path: Path) -> None:
    """What the user excludes is skipped whatever its bytes (their decision), even a name
    the default list would have rescued."""
    (tmp_path / "._a.jpg").write_bytes(JPEG)
    entries, skipped = _walk(tmp_path, excludes=["._*"])
    assert entries == [] and [s.by for s in skipped] == ["--exclude"]


def test_single_file_target_is_never_ignored(tmp_path: Path) -> None:
    """A file named on the command line is scanned even when it is named like junk."""
    (tmp_path / ".DS_Store").write_bytes(DS_STORE)
    entries, skipped = _walk(tmp_path / ".DS_Store")
    assert entries == [".DS_Store"] and skipped == []


def test_bad_ignore_file_names_its_line(tmp_path: Path) -> None:
    """A pattern git cannot use is an error naming the ignore file and its line."""
    (tmp_path / ".provscanignore").write_text("*.tmp\n!\n")
    with pytest.raises(IgnoreError, match=r"\.provscanignore: line 2: not a usable"):
        load_ignore(tmp_path)
    (tmp_path / ".provscanignore").write_bytes(b"\xff\xfe*\x00")
    with pytest.raises(IgnoreError, match="not UTF-8"):
        load_ignore(tmp_path)


def test_default_list_is_documented() -> None:
    """Every pattern of the default list appears in the documentation's list (docs/gate.md)."""
    page = (REPO / "docs" / "gate.md").read_text(encoding="utf-8")
    section = page[page.index("## Delivery hygiene") :]
    shown = [j.pattern.replace("\r", "\\r") for j in DEFAULT_IGNORES]
    assert [p for p in shown if f"`{p}`" not in section] == []


def test_cli_counts_skipped_in_every_report(tmp_path: Path) -> None:
    """scan on a Mac/Windows/git delivery passes; text, JSON, JUnit, SARIF and HTML count
    what was skipped, JSON lists it; --no-default-excludes fails on the junk instead."""
    delivery = tmp_path / "delivery"
    _mac_windows_git_delivery(delivery)
    text = runner.invoke(cli.app, ["scan", str(delivery), "--no-trace"])
    assert text.exit_code == 0, text.output
    assert "7 skipped by the ignore lists: " in text.output and "1 .git/" in text.output
    out = tmp_path / "r.json"
    runner.invoke(cli.app, ["scan", str(delivery), "--no-trace", "-f", "json", "-o", str(out)])
    data = json.loads(out.read_text())
    assert data["summary"]["skipped"] == 7 and len(data["skipped"]) == 7
    assert {"path": ".git/", "pattern": ".git", "by": "default"} in data["skipped"]
    assert data["options"]["ignore"] == {"default_list": True, "exclude": [], "ignore_file": None}
    assert [f["path"] for f in data["files"]] == ["stills/a.jpg"]
    for fmt, needle in (("junit", 'name="skipped.paths" value="7"'), ("sarif", '"skipped": 7'),
                        ("html", "<th scope=\"row\">Skipped</th><td>7: ")):  # fmt: skip
        result = runner.invoke(cli.app, ["scan", str(delivery), "--no-trace", "-f", fmt])
        assert needle in result.output, fmt
    everything = runner.invoke(cli.app, ["scan", str(delivery), "--no-trace",
                                         "--no-default-excludes"])  # fmt: skip
    assert everything.exit_code == 1
    assert ".git/HEAD" in everything.output and "POL007" in everything.output


def test_cli_exclude_is_repeatable_and_checked(tmp_path: Path) -> None:
    """--exclude takes several patterns; a bad one is one line naming it, exit 2."""
    (tmp_path / "a.jpg").write_bytes(JPEG)
    (tmp_path / "b.tmp").write_bytes(b"\x01\x02")
    (tmp_path / "c.part").write_bytes(b"\x01\x02")
    args = ["scan", str(tmp_path), "--no-trace"]
    assert runner.invoke(cli.app, args).exit_code == 1  # partial files fail: not default junk
    ok = runner.invoke(cli.app, [*args, "--exclude", "*.tmp", "--exclude", "*.part"])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(cli.app, [*args, "--exclude", "!"])
    assert bad.exit_code == 2
    assert (
        bad.output.strip() == "provscan: --exclude '!': not a usable gitignore pattern "
        "(Invalid git pattern: '!')"
    )


def test_sources_folders_are_walked_with_the_same_lists(tmp_path: Path) -> None:
    """--sources folders leave out their junk too, listed under the folder's label."""
    delivery, media = tmp_path / "delivery", tmp_path / "media"
    delivery.mkdir()
    (delivery / "a.jpg").write_bytes(JPEG)
    media.mkdir()
    (media / ".DS_Store").write_bytes(DS_STORE)
    (media / "b.jpg").write_bytes(JPEG)
    out = tmp_path / "r.json"
    args = ["scan", str(delivery), "--sources", str(media), "-f", "json", "-o", str(out)]
    assert runner.invoke(cli.app, [*args, "--no-trace"]).exit_code == 0
    assert json.loads(out.read_text())["skipped"] == [
        {"path": "media/.DS_Store", "pattern": ".DS_Store", "by": "default"}
    ]


def test_corpus_junk_is_skipped_through_the_cli(corpus: Path, tmp_path: Path) -> None:
    """The corpus's real .DS_Store files (openexr, exiftool) and desktop.ini (FluentHub) are
    skipped by the default command; its AppleDouble file, named MacOS.macos, reads as
    AppleDouble, not as an unknown format; FluentHub alone has nothing left to check."""
    out = tmp_path / "r.json"
    for folder, skipped in (("openexr", ["Photoshop/mac/.DS_Store", "Photoshop/src/.DS_Store"]),
                            ("exiftool-exiftool", ["t/images/.DS_Store"]),
                            ("FluentHub", ["desktop.ini"])):  # fmt: skip
        result = runner.invoke(cli.app, ["scan", str(corpus / folder), "-f", "json", "-o",
                                         str(out)])  # fmt: skip
        assert result.exit_code == 1, result.output  # these folders hold unsupported formats
        data = json.loads(out.read_text())
        assert [s["path"] for s in data["skipped"]] == skipped
        assert not {s["path"] for s in data["skipped"]} & {f["path"] for f in data["files"]}
    macos = next(f for f in json.loads(_scan_json(corpus / "exiftool-exiftool", out))["files"]
                 if f["path"].endswith("MacOS.macos"))  # fmt: skip
    assert (macos["format"], macos["gate"]) == ("appledouble", "pass")
    result = runner.invoke(cli.app, ["scan", str(corpus / "FluentHub")])
    assert "POL011 nothing to check" in result.output and "1 desktop.ini" in result.output


def _scan_json(folder: Path, out: Path) -> str:
    runner.invoke(cli.app, ["scan", str(folder), "--no-trace", "-f", "json", "-o", str(out)])
    return out.read_text()
