"""The catalog's SQLite store: schema, identity lookups, batched transactional writes, and
the history of runs (each run's gate; what each run found new, changed, removed or judged
differently, kept as changes only, so an archive's history stays small).

Writes go in transactions of at most ``BATCH_ROWS`` rows or ``BATCH_SECONDS``; SQLite's
write-ahead log makes each one atomic, so killing the process at any moment leaves the
catalog as of its last commit: every file recorded there is complete, and a new scan
resumes by reusing them. One connection, one process: workers never touch the database.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

SCHEMA_VERSION = 1
BATCH_ROWS = 256
BATCH_SECONDS = 0.5  # WAL commits without fsync (synchronous=NORMAL): cheap

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS roots (id INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    root_id INTEGER NOT NULL REFERENCES roots(id),
    rel TEXT NOT NULL,
    folder TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    inode INTEGER NOT NULL,
    dev INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    engine TEXT NOT NULL,
    kind TEXT NOT NULL,
    format TEXT NOT NULL,
    verdict TEXT NOT NULL,
    tool TEXT NOT NULL,
    evidence TEXT NOT NULL,
    gate TEXT,
    approval TEXT,
    first_seen TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    scanned_at TEXT NOT NULL,
    PRIMARY KEY (root_id, rel)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS files_verdict ON files (verdict);
CREATE INDEX IF NOT EXISTS files_changed ON files (changed_at);
CREATE INDEX IF NOT EXISTS files_folder ON files (root_id, folder);
CREATE TABLE IF NOT EXISTS trace_cache (
    refs_key TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    kind TEXT NOT NULL,
    findings TEXT NOT NULL,
    PRIMARY KEY (refs_key, sha256, kind)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    root_id INTEGER NOT NULL REFERENCES roots(id),
    started TEXT NOT NULL,
    finished TEXT,
    state TEXT NOT NULL,
    files INTEGER NOT NULL DEFAULT 0,
    reused INTEGER NOT NULL DEFAULT 0,
    scanned INTEGER NOT NULL DEFAULT 0,
    removed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS outcomes (
    root_id INTEGER NOT NULL,
    rel TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    verdict TEXT NOT NULL,
    gate TEXT,
    PRIMARY KEY (root_id, rel)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS changes (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    root_id INTEGER NOT NULL,
    rel TEXT NOT NULL,
    change TEXT NOT NULL,
    verdict_before TEXT,
    verdict_after TEXT,
    gate_before TEXT,
    gate_after TEXT,
    PRIMARY KEY (run_id, root_id, rel)
) WITHOUT ROWID;
"""
# changes.change: new, changed (other bytes), removed, judged (same bytes, another verdict or
# gate: a new log, policy or provscan). outcomes: each file's last judged state, to compare.


class CatalogError(Exception):
    """The catalog cannot be used (not a catalog, corrupt, newer schema): one line."""


@dataclass(frozen=True, slots=True)
class Identity:
    """What says a file is unchanged since it was catalogued, without reading it."""

    size: int
    mtime_ns: int
    inode: int
    dev: int

    @classmethod
    def of(cls, path: Path) -> Identity | None:
        """The file's identity now (not following links), or None when it cannot be stat'ed."""
        try:
            st = os.stat(path, follow_symlinks=False)
        except OSError:
            return None
        return cls(st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)


@dataclass(frozen=True, slots=True)
class Row:
    """One file's record to write."""

    rel: str
    identity: Identity
    sha256: str
    kind: str
    format: str
    verdict: str
    tool: str
    evidence: str
    signed: bool = False  # C2PA evidence: its validation depends on the trust lists


def now_utc() -> str:
    """The current time as the catalog writes it (ISO 8601, UTC, seconds)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class Catalog:
    """An open catalog: look files up by identity, record results, keep run history."""

    def __init__(
        self, path: Path, engine: str, detectors: dict[str, str], code_engine: str = ""
    ) -> None:
        self.path, self.engine = path, engine
        self.code_engine = code_engine or engine  # what unsigned files' records are kept under
        self.pending: list[Row] = []
        self.pending_root = 0
        self.run_id = 0
        self.runs_now: dict[int, int] = {}  # root id -> this invocation's run of it
        self.flushed_at = time.monotonic()
        self.conn = _connect(path)
        self._prepare(detectors)

    def _prepare(self, detectors: dict[str, str]) -> None:
        try:
            with self.conn:
                self.conn.executescript(_SCHEMA)
                version = self._meta("schema_version")
                if version and int(version) > SCHEMA_VERSION:
                    raise CatalogError(f"{self.path}: written by a newer provscan "
                                       f"(catalog schema {version})")  # fmt: skip
                self._set_meta("schema_version", str(SCHEMA_VERSION))
                columns = {row[1] for row in self.conn.execute("PRAGMA table_info(runs)")}
                if "gate" not in columns:  # catalogs written before runs had a gate
                    self.conn.execute("ALTER TABLE runs ADD COLUMN gate TEXT")
                self._set_meta("engine", self.engine)
                self._set_meta("provscan.detectors", json.dumps(detectors, sort_keys=True))
        except sqlite3.DatabaseError as exc:
            raise CatalogError(f"{self.path}: not a usable catalog ({exc})") from None

    def _meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def root_id(self, root: Path) -> int:
        """The id of a scan root (its resolved absolute path), created on first use."""
        text = str(root.resolve())
        with self.conn:
            self.conn.execute("INSERT OR IGNORE INTO roots (path) VALUES (?)", (text,))
        row = self.conn.execute("SELECT id FROM roots WHERE path = ?", (text,)).fetchone()
        return int(row[0])

    def begin_run(self, root_id: int) -> tuple[int, int]:
        """A new run of ``root_id``; also how many files an interrupted earlier run left."""
        with self.conn:
            interrupted = self.conn.execute(
                "SELECT COALESCE(SUM(scanned), 0) FROM runs WHERE root_id = ? AND state = "
                "'running'", (root_id,)).fetchone()[0]  # fmt: skip
            self.conn.execute("UPDATE runs SET state = 'interrupted' WHERE root_id = ? AND "
                              "state = 'running'", (root_id,))  # fmt: skip
            cursor = self.conn.execute(
                "INSERT INTO runs (root_id, started, state) VALUES (?, ?, 'running')",
                (root_id, now_utc()),
            )
        run_id = int(cursor.lastrowid or 0)
        self.runs_now[root_id] = run_id
        return run_id, int(interrupted)

    def folder(self, root_id: int, folder: str) -> dict[str, tuple[Identity, str, str]]:
        """Every file recorded in one folder of ``root_id``: rel -> (identity, engine,
        evidence). One query per folder instead of one per file (100,000 point queries
        were a sixth of a re-scan)."""
        # Without statistics SQLite would walk the root's whole primary key instead.
        rows = self.conn.execute(
            "SELECT rel, size, mtime_ns, inode, dev, engine, evidence FROM files "
            "INDEXED BY files_folder WHERE root_id = ? AND folder = ?",
            (root_id, folder),
        )
        return {r[0]: (Identity(r[1], r[2], r[3], r[4]), r[5], r[6]) for r in rows}

    def stored(self, root_id: int, rel: str, identity: Identity) -> str | None:
        """The stored evidence of an unchanged file analysed by this engine, else None."""
        return self.reusable(self.folder(root_id, rel.rpartition("/")[0]).get(rel), identity)

    def reusable(self, record: tuple[Identity, str, str] | None, identity: Identity) -> str | None:
        """A :meth:`folder` record's evidence when the file and the engine are unchanged."""
        if record is None or record[0] != identity:
            return None
        return record[2] if record[1] in (self.engine, self.code_engine) else None

    def record(self, root_id: int, row: Row, run_id: int) -> None:
        """Queue one file's record; written in the next transaction."""
        if self.pending and root_id != self.pending_root:
            self.flush(run_id)
        self.pending_root, self.run_id = root_id, run_id
        self.pending.append(row)
        if len(self.pending) >= BATCH_ROWS or time.monotonic() - self.flushed_at > BATCH_SECONDS:
            self.flush(run_id)

    def flush(self, run_id: int) -> None:
        """Write the queued records and the run's progress in one transaction."""
        self.flushed_at = time.monotonic()
        if not self.pending:
            return
        stamp = now_utc()
        rows = [
            _values(self.pending_root, r, self.engine if r.signed else self.code_engine, stamp)
            for r in self.pending
        ]
        with self.conn:
            self.conn.executemany(_UPSERT, rows)
            self.conn.execute("UPDATE runs SET scanned = scanned + ? WHERE id = ?",
                              (len(rows), run_id))  # fmt: skip
        self.pending.clear()

    def remove_missing(self, root_id: int, walked: set[str]) -> int:
        """Forget the files of ``root_id`` that the (complete) walk no longer found; the run
        records each as removed, with its last verdict and gate."""
        known = self.conn.execute("SELECT rel FROM files WHERE root_id = ?", (root_id,))
        gone = [(root_id, rel) for (rel,) in known if rel not in walked]
        before = self._outcomes(root_id)
        run_id = self.runs_now.get(root_id, 0)
        removed = []
        for _, rel in gone:
            verdict, gate = _judged(before.get(rel))
            removed.append((run_id, root_id, rel, "removed", verdict, None, gate, None))
        with self.conn:
            self.conn.executemany("DELETE FROM files WHERE root_id = ? AND rel = ?", gone)
            self.conn.executemany("DELETE FROM outcomes WHERE root_id = ? AND rel = ?", gone)
            if run_id:
                self.conn.executemany(_CHANGE, removed)
        return len(gone)

    def _outcomes(self, root_id: int) -> dict[str, tuple[str, str, str | None]]:
        """Each file's last judged state under ``root_id``: rel -> (sha256, verdict, gate)."""
        rows = self.conn.execute(
            "SELECT rel, sha256, verdict, gate FROM outcomes WHERE root_id = ?", (root_id,)
        )
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def finish_run(self, run_id: int, files: int, reused: int, removed: int) -> None:
        """Mark the run complete (after its last records were flushed)."""
        self.flush(run_id)
        with self.conn:
            self.conn.execute(
                "UPDATE runs SET finished = ?, state = 'complete', files = ?, reused = ?, "
                "removed = ? WHERE id = ?",
                (now_utc(), files, reused, removed, run_id),
            )

    def record_outcomes(self, rows: Iterable[tuple[str, str, str | None, int, str]]) -> None:
        """Each file's final verdict (trace hits included), gate and approval from the
        latest run: (verdict, gate, approval, root_id, rel) rows; and what the run changed
        (new, changed or judged differently files), compared with the last judged state."""
        rows = list(rows)
        changes, states = self._changes(rows)
        with self.conn:
            self.conn.executemany(
                "UPDATE files SET verdict = ?, gate = ?, approval = ? "
                "WHERE root_id = ? AND rel = ?", rows)  # fmt: skip
            self.conn.executemany(_CHANGE, changes)
            self.conn.executemany(
                "INSERT OR REPLACE INTO outcomes (root_id, rel, sha256, verdict, gate) "
                "VALUES (?, ?, ?, ?, ?)", states)  # fmt: skip

    def _changes(
        self, rows: list[tuple[str, str, str | None, int, str]]
    ) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
        """The change rows of this run and the outcome rows to store (only those that moved)."""
        changes: list[tuple[object, ...]] = []
        states: list[tuple[object, ...]] = []
        cache: dict[int, tuple[dict[str, tuple[str, str, str | None]], dict[str, tuple[str, str]]]]
        cache = {}
        for verdict, gate, _, root_id, rel in rows:
            if root_id not in cache:
                cache[root_id] = (self._outcomes(root_id), self._files(root_id))
            before, files = cache[root_id]
            sha, first_seen = files.get(rel, ("", ""))
            old = before.get(rel)
            change = _change(old, sha, verdict, gate, first_seen, self._started(root_id))
            if old is None or old != (sha, verdict, gate):
                states.append((root_id, rel, sha, verdict, gate))
            run_id = self.runs_now.get(root_id, 0)
            if change and run_id:
                old_verdict, old_gate = _judged(old)
                changes.append((run_id, root_id, rel, change, old_verdict, verdict, old_gate,
                                gate))  # fmt: skip
        return changes, states

    def _files(self, root_id: int) -> dict[str, tuple[str, str]]:
        rows = self.conn.execute(
            "SELECT rel, sha256, first_seen FROM files WHERE root_id = ?", (root_id,)
        )
        return {r[0]: (r[1], r[2]) for r in rows}

    def _started(self, root_id: int) -> str:
        run_id = self.runs_now.get(root_id, 0)
        row = self.conn.execute("SELECT started FROM runs WHERE id = ?", (run_id,)).fetchone()
        return str(row[0]) if row else ""

    def record_run_gate(self, gate: str) -> None:
        """The delivery's gate, on every run of this invocation."""
        with self.conn:
            rows = [(gate, run_id) for run_id in self.runs_now.values()]
            self.conn.executemany("UPDATE runs SET gate = ? WHERE id = ?", rows)

    def close(self) -> None:
        """Write what is queued (an interrupted scan keeps every file it finished), close."""
        # On a database error the records since the last commit are lost; the catalog
        # stays usable (and the next scan analyses those files again).
        with contextlib.suppress(sqlite3.Error):
            self.flush(self.run_id)
        self.conn.close()


_UPSERT = """
INSERT INTO files (root_id, rel, folder, size, mtime_ns, inode, dev, sha256, engine, kind,
                   format, verdict, tool, evidence, first_seen, changed_at, scanned_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (root_id, rel) DO UPDATE SET
    folder = excluded.folder, size = excluded.size, mtime_ns = excluded.mtime_ns,
    inode = excluded.inode, dev = excluded.dev, engine = excluded.engine,
    kind = excluded.kind, format = excluded.format, verdict = excluded.verdict,
    tool = excluded.tool, evidence = excluded.evidence, scanned_at = excluded.scanned_at,
    changed_at = CASE WHEN files.sha256 = excluded.sha256 AND excluded.sha256 != ''
                      THEN files.changed_at ELSE excluded.changed_at END,
    sha256 = excluded.sha256
"""


_CHANGE = """
INSERT OR REPLACE INTO changes (run_id, root_id, rel, change, verdict_before, verdict_after,
                                gate_before, gate_after)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
"""


def _judged(old: tuple[str, str, str | None] | None) -> tuple[str | None, str | None]:
    """The verdict and gate of a last judged state (None, None when there is none)."""
    return (old[1], old[2]) if old else (None, None)


def _change(
    old: tuple[str, str, str | None] | None,
    sha: str,
    verdict: str,
    gate: str | None,
    first_seen: str,
    started: str,
) -> str:
    """What a run did to a file: new, changed (other bytes), judged (another verdict or
    gate for the same bytes), or "" (nothing; or a file catalogued before runs kept their
    history, whose first judged state is only recorded)."""
    if old is None:
        return "new" if first_seen >= started else ""
    if old[0] and sha and old[0] != sha:
        return "changed"
    return "judged" if (old[1], old[2]) != (verdict, gate) else ""


def _values(root_id: int, row: Row, engine: str, stamp: str) -> tuple[object, ...]:
    ident = row.identity
    folder = row.rel.rpartition("/")[0]
    return (root_id, row.rel, folder, ident.size, ident.mtime_ns, ident.inode, ident.dev,
            row.sha256, engine, row.kind, row.format, row.verdict, row.tool, row.evidence,
            stamp, stamp, stamp)  # fmt: skip


def _connect(path: Path) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")  # WAL: a killed process loses nothing
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.Error as exc:
        raise CatalogError(f"{path}: cannot be opened as a catalog ({exc})") from None
    return conn
