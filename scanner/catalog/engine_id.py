"""Which engine produced a file's evidence: a fingerprint of the code and libraries that
extract it, and of the settings that change it (trust lists).

Stored evidence is reused only under the same fingerprint, so upgrading provscan, a
detector or a parsing library, or changing the trust anchors, re-reads the files it may
judge differently; changing only the report code or the AI-use log does not.
"""

from __future__ import annotations

import hashlib
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


def engine_fingerprint(settings: Settings) -> str:
    """The fingerprint signed files' evidence is stored under: code, libraries and every
    trust list of the run (only C2PA validation depends on the lists)."""
    digest = hashlib.blake2b(digest_size=12)
    digest.update(_code_and_libraries().encode())
    digest.update(b"\x00" + fingerprint(run_lists(settings)).encode())
    return digest.hexdigest()


def code_fingerprint() -> str:
    """The fingerprint unsigned files' evidence is stored under: code and libraries only,
    so a change of trust lists re-validates the signed files and nothing else."""
    return "code-" + _code_and_libraries()[:24]


def detector_versions() -> dict[str, str]:
    """Each detector module's source fingerprint, and each parsing library's version."""
    versions = {
        name: _hash_file(path)
        for name, path in module_files().items()
        if name.startswith("provscan.detectors.")
    }
    versions.update({name: _version(name) for name in _LIBRARIES})
    return versions


@cache
def _code_and_libraries() -> str:
    digest = hashlib.blake2b(digest_size=16)
    digest.update(code_digest(ANALYSIS).encode())
    for name in _LIBRARIES:
        digest.update(f"{name}={_version(name)}\x00".encode())
    return digest.hexdigest()


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
