"""The trace's answers kept in the catalog, by content: a video or still whose SHA-256 was
already searched for the same set of references (and by the same trace code) is not decoded
again, so re-applying an AI-use log to an archive reads no media."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from importlib import metadata

from provscan.catalog.codec import finding_from_list, finding_to_list
from provscan.catalog.engine_id import MEMO_PREFIX, CodeMemo
from provscan.catalog.store import Catalog
from provscan.model import Finding
from provscan.trace.worker import ReferenceSpec


class TraceCache:
    """Recall and remember trace findings in a catalog. ``unsettled``: the report paths
    whose answer this run could not keep (a crash or a time limit may not recur); their
    finished entries are not kept either, so the next run searches them again."""

    def __init__(self, catalog: Catalog) -> None:
        self.conn, self.catalog = catalog.conn, catalog
        self.unsettled: set[str] = set()
        self._code = ""

    def references_key(self, specs: Sequence[ReferenceSpec], sha_of: Callable[[str], str]) -> str:
        """What the answers depend on: every reference (name, content or pHash, entry) and
        the trace's own code and OpenCV."""
        digest = hashlib.blake2b(self._trace_code().encode(), digest_size=16)
        for spec in sorted(specs, key=lambda s: s.name):
            identity = spec.phash or sha_of(spec.name) or f"unhashed:{spec.path}"
            line = f"{spec.name}\x00{identity}\x00{spec.phash_max_distance}\x00{spec.entry}\x01"
            digest.update(line.encode("utf-8", "surrogateescape"))
        return digest.hexdigest()

    def recall(self, key: str, sha256: str, kind: str) -> tuple[Finding, ...] | None:
        """The findings stored for this content and references, or None if never searched."""
        row = self.conn.execute(
            "SELECT findings FROM trace_cache WHERE refs_key = ? AND sha256 = ? AND kind = ?",
            (key, sha256, kind),
        ).fetchone()
        if row is None:
            return None
        return tuple(finding_from_list(item) for item in json.loads(row[0]))

    def remember(self, key: str, sha256: str, kind: str, findings: tuple[Finding, ...]) -> None:
        """Store one search's findings (a transaction of its own: searches are slow)."""
        text = json.dumps([finding_to_list(f) for f in findings], separators=(",", ":"))
        with self.conn:
            self.conn.execute(
                "INSERT OR REPLACE INTO trace_cache (refs_key, sha256, kind, findings) "
                "VALUES (?, ?, ?, ?)", (key, sha256, kind, text))  # fmt: skip

    def _trace_code(self) -> str:
        """What a stored answer was made by: the trace's code (worked out once per version
        of the code: see CodeMemo) and the libraries it decodes and matches with."""
        if not self._code:
            memo = CodeMemo(self.catalog.remembered_under(MEMO_PREFIX))
            digest = hashlib.blake2b(digest_size=16)
            digest.update(memo.digest(TRACE).encode())
            for name in ("opencv-python-headless", "av", "numpy"):
                try:
                    digest.update(metadata.version(name).encode())
                except metadata.PackageNotFoundError:
                    digest.update(b"absent")
            self.catalog.remember_all(memo.new)
            self._code = digest.hexdigest()
        return self._code


# What a stored answer was made by: the trace stage that turns searches into findings, and
# with it (from the import graph) the search worker and every module either runs.
TRACE = ("provscan.stages.trace",)
