"""The walk: stable order, never leaves the root, reports what it cannot read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from provscan.rules.scan import NOT_REGULAR, SYMLINK
from provscan.walk import Listing, iter_entries, list_entries


def _tree(root: Path) -> None:
    (root / "b").mkdir()
    (root / "b" / "z.jpg").write_bytes(b"\xff\xd8\xff")
    (root / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (root / "c.txt").write_text("x")


def test_walk_is_sorted_and_relative(tmp_path: Path) -> None:
    """Entries come in byte order of their POSIX paths relative to the root."""
    _tree(tmp_path)
    assert [e.rel for e in iter_entries(tmp_path)] == ["a.png", "b/z.jpg", "c.txt"]


def test_single_file_root_uses_file_name(tmp_path: Path) -> None:
    """Scanning one file reports its bare name as the path."""
    _tree(tmp_path)
    entries = list(iter_entries(tmp_path / "b" / "z.jpg"))
    assert [(e.rel, e.problem) for e in entries] == [("z.jpg", "")]


def test_symlink_out_of_root_not_followed(tmp_path: Path) -> None:
    """A link to a file outside the root is reported, never opened."""
    outside = tmp_path / "outside.jpg"
    outside.write_bytes(b"\xff\xd8\xff")
    root = tmp_path / "root"
    root.mkdir()
    (root / "link.jpg").symlink_to(outside)
    (entry,) = iter_entries(root)
    assert entry.rule is SYMLINK and "leaves the scan root" in entry.problem


def test_directory_symlink_loop_terminates(tmp_path: Path) -> None:
    """A directory link back to the root is reported once, not walked into."""
    (tmp_path / "loop").symlink_to(tmp_path)
    (entry,) = iter_entries(tmp_path)
    assert entry.rel == "loop" and entry.rule is SYMLINK


def test_fifo_reported_not_opened(tmp_path: Path) -> None:
    """A FIFO is reported as not a regular file (opening it would block the scan)."""
    os.mkfifo(tmp_path / "pipe.wav")
    (entry,) = iter_entries(tmp_path)
    assert entry.rule is NOT_REGULAR and "FIFO" in entry.problem


def test_unlistable_directory_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A directory that cannot be listed (permissions) becomes a finding instead of vanishing."""
    locked = tmp_path / "locked"
    locked.mkdir()
    real_scandir = os.scandir

    def scandir(path: object) -> object:
        if Path(str(path)) == locked:
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    (entry,) = iter_entries(tmp_path)
    assert entry.rel == "locked" and "Permission denied" in entry.problem


def test_listing_gives_back_the_walk_entry_for_entry(tmp_path: Path) -> None:
    """The compact listing yields exactly the walk's entries, in order, every time: plain
    files, files with a sidecar or detached manifest, links, FIFOs and nested folders."""
    _tree(tmp_path)
    (tmp_path / "b" / "z.xmp").write_text("<x/>")
    (tmp_path / "b" / "z.jpg.c2pa").write_bytes(b"x")
    (tmp_path / "d" / "e").mkdir(parents=True)
    (tmp_path / "d" / "e" / "f.jpg").write_bytes(b"\xff\xd8\xff")
    (tmp_path / "d" / "g.png").write_bytes(b"x")
    (tmp_path / "link.jpg").symlink_to(tmp_path / "a.png")
    os.mkfifo(tmp_path / "pipe.wav")
    walked = list(iter_entries(tmp_path))
    listing = list_entries(tmp_path)
    assert list(listing) == walked == list(listing)
    assert len(listing) == len(walked) and listing.readable == len(walked) - 2
    assert any(e.sidecar == "z.xmp" and e.manifest == "z.jpg.c2pa" for e in listing)
    assert walked[0] in listing
    assert listing.paths() == Listing(walked).paths() == {e.rel for e in walked}


def test_listing_of_one_file_and_of_the_corpus(tmp_path: Path, corpus: Path) -> None:
    """A file named alone (probed, not listed) and the whole real corpus (junk, sidecars,
    odd names) come back from the listing as the walk gives them."""
    _tree(tmp_path)
    assert list(list_entries(tmp_path / "a.png")) == list(iter_entries(tmp_path / "a.png"))
    walked = list(iter_entries(corpus))
    assert list(list_entries(corpus)) == walked and len(walked) > 500


def test_nested_folders_are_those_holding_a_walked_folder(tmp_path: Path) -> None:
    """The folders that hold another walked folder, the root ("") among them, the same from
    a listing as from a plain list of entries; a leaf folder is not one of them."""
    for rel in ("a/b/c.jpg", "a/x.jpg", "a-b/z.jpg", "d/e/f/g.jpg", "h.jpg"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"\xff\xd8\xff")
    nested = list_entries(tmp_path).nested_folders()
    assert nested == Listing(list(iter_entries(tmp_path))).nested_folders() == {"", "a", "d", "d/e"}
