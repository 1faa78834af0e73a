"""Which engine produced a file's evidence: a fingerprint of the code and libraries that
extract it, and of the settings that change it (trust lists).

Stored evidence is reused only under the same fingerprint, so upgrading provscan, a
detector or a parsing library, or changing the trust anchors, re-reads the files it may
judge differently; changing only the report code or the AI-use log does not.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path

from provscan.code_graph import module_files, reached
from provscan.extract.c2pa_store import run_lists
from provscan.model import Settings
from provscan.trustlists import fingerprint

# Where extraction starts: the analysis of one file, as a worker runs it. Every module it
# runs (lazy imports too) is found from the import graph (scanner.code_graph), so code that
# moves, or a module it starts to import, changes the fingerprint: no hand-kept file list.
ANALYSIS = ("provscan.analysis",)
_LIBRARIES = ("c2pa-python", "pillow", "av", "mutagen", "defusedxml", "numpy")


MEMO_PREFIX = "code-digest:"  # the catalog's meta keys of a CodeMemo


@dataclass(slots=True)
class CodeMemo:
    """Code digests earlier runs worked out, kept in the catalog (meta keys MEMO_PREFIX):
    each under the digest of every module's name and bytes and where the graph starts, so
    the same code is not parsed again (its import graph is a tenth of a second) and code
    that changed anywhere is. ``new``: what this run worked out, for the catalog to keep."""

    known: dict[str, str] = field(default_factory=dict)
    new: dict[str, str] = field(default_factory=dict)

    def digest(self, start: tuple[str, ...]) -> str:
        """:func:`code_digest` of ``start``, from the memo when this code's is in it."""
        key = f"{MEMO_PREFIX}{_sources_digest()}:{','.join(start)}"
        found = self.known.get(key) or self.new.get(key)
        if found is None:
            found = self.new[key] = code_digest(start)
        return found


def engine_fingerprint(settings: Settings, memo: CodeMemo | None = None) -> str:
    """The fingerprint signed files' evidence is stored under: code, libraries and every
    trust list of the run (only C2PA validation depends on the lists)."""
    digest = hashlib.blake2b(digest_size=12)
    digest.update(_code_and_libraries(memo or CodeMemo()).encode())
    digest.update(b"\x00" + fingerprint(run_lists(settings)).encode())
    return digest.hexdigest()


def code_fingerprint(memo: CodeMemo | None = None) -> str:
    """The fingerprint unsigned files' evidence is stored under: code and libraries only,
    so a change of trust lists re-validates the signed files and nothing else."""
    return "code-" + _code_and_libraries(memo or CodeMemo())[:24]


def detector_versions() -> dict[str, str]:
    """Each detector module's source fingerprint, and each parsing library's version."""
    versions = {
        name: _hash_file(path)
        for name, path in module_files().items()
        if name.startswith("provscan.detectors.")
    }
    versions.update({name: _version(name) for name in _LIBRARIES})
    return versions


def _code_and_libraries(memo: CodeMemo) -> str:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(memo.digest(ANALYSIS).encode())
    for name in _LIBRARIES:
        digest.update(f"{name}={_version(name)}\x00".encode())
    return digest.hexdigest()


@cache
def _sources_digest() -> str:
    """A digest of every module of the installed package, by name and bytes."""
    digest = hashlib.blake2b(digest_size=16)
    for name, path in module_files().items():
        digest.update(name.encode() + b"\x00")
        digest.update(path.read_bytes())
    return digest.hexdigest()


@cache
def code_digest(start: tuple[str, ...]) -> str:
    """A digest of every module ``start`` runs (its path and its bytes): what answers it
    produced depend on, wherever that code lives."""
    digest = hashlib.blake2b(digest_size=16)
    for name, path in reached(start).items():
        digest.update(name.encode() + b"\x00")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _hash_file(path: Path) -> str:
    return hashlib.blake2b(path.read_bytes(), digest_size=8).hexdigest()


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"
