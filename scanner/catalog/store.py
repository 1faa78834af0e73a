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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

SCHEMA_VERSION = 2  # 2 added each file's finished entry (context, entry, extra, brief, usage)
_ENTRY_COLUMNS = ("context", "entry", "extra", "brief", "usage")
BATCH_ROWS = 256
_IN_CHUNK = 500  # paths per 'rel IN (...)' query (SQLite's old limit: 999 variables)
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
    context TEXT,
    entry TEXT,
    extra TEXT,
    brief TEXT,
    usage TEXT,
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


# root id -> (rel -> its last judged state, rel -> (sha256, first seen)), for one batch's files
_Known = dict[int, tuple[dict[str, tuple[str, str, str | None]], dict[str, tuple[str, str]]]]


class CatalogError(Exception):
    """The catalog cannot be used (not a catalog, corrupt, newer schema): one line."""


def storable(path: str) -> bool:
    """Whether a path can be a catalog key. SQLite keeps text as UTF-8; a file name that is
    not (bytes from another system's code page, read by Python as lone surrogates) is
    analysed afresh on every run instead of being catalogued, so that the run goes on."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class Identity(NamedTuple):
    """What says a file is unchanged since it was catalogued, without reading it (a tuple:
    compared with the catalog's row as it comes, a hundred thousand times a re-scan)."""

    size: int
    mtime_ns: int
    inode: int
    dev: int

    @classmethod
    def of(cls, path: str | Path) -> Identity | None:
        """The file's identity now (not following links), or None when it cannot be stat'ed."""
        try:
            st = os.stat(path, follow_symlinks=False)
        except OSError:
            return None
        # (tuple.__new__: the generated constructor's keyword handling is a third of a call)
        return tuple.__new__(cls, (st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev))


class Stored(NamedTuple):
    """What the catalog holds of one file (a row of :meth:`Catalog.folder`): its path, its
    identity, the engine its evidence is from, and either its finished entry (``entry``,
    ``extra``, ``brief``, ``usage``, kept under the run context asked for) or its evidence."""

    rel: str
    size: int
    mtime_ns: int
    inode: int
    dev: int
    engine: str
    evidence: str | None
    entry: str | None = None
    extra: str | None = None
    brief: str | None = None
    usage: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """One file's outcome to record after a run: verdict, gate, approval and (when the run
    keeps them) its finished entry and the context it holds under."""

    root_id: int
    rel: str
    verdict: str
    gate: str
    approval: str | None
    context: str = ""
    entry: str | None = None
    extra: str | None = None
    brief: str | None = None
    usage: str | None = None


def _outcome_values(o: Outcome) -> tuple[object, ...]:
    context = o.context if o.entry is not None else None
    return (o.verdict, o.gate, o.approval, context, o.entry, o.extra, o.brief, o.usage,
            o.root_id, o.rel)  # fmt: skip


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
                have = {row[1] for row in self.conn.execute("PRAGMA table_info(files)")}
                for column in _ENTRY_COLUMNS:  # an older catalog: its files gain them
                    if column not in have:
                        self.conn.execute(f"ALTER TABLE files ADD COLUMN {column} TEXT")
                self._set_meta("schema_version", str(SCHEMA_VERSION))
                columns = {row[1] for row in self.conn.execute("PRAGMA table_info(runs)")}
                if "gate" not in columns:  # catalogs written before runs had a gate
                    self.conn.execute("ALTER TABLE runs ADD COLUMN gate TEXT")
                self._set_meta("engine", self.engine)
                self._set_meta("provscan.detectors", json.dumps(detectors, sort_keys=True))
        except sqlite3.DatabaseError as exc:
            raise CatalogError(f"{self.path}: not a usable catalog ({exc})") from None

    def remembered_under(self, prefix: str) -> dict[str, str]:
        """The meta values whose keys start with ``prefix``."""
        return _under(self.conn, prefix)

    def remember_all(self, values: dict[str, str]) -> None:
        """Leave several values in the meta table, in one transaction (none: nothing)."""
        if values:
            with self.conn:
                for key, value in values.items():
                    self._set_meta(key, value)

    def remembered(self, key: str) -> str | None:
        """A value a run left in the catalog's meta table (None: never set)."""
        return self._meta(key)

    def remember(self, key: str, value: str) -> None:
        """Leave a value in the catalog's meta table for later runs."""
        with self.conn:
            self._set_meta(key, value)

    def _meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def root_id(self, root: Path) -> int:
        """The id of a scan root (its resolved absolute path), created on first use."""
        text = str(root.resolve())
        if not storable(text):
            raise CatalogError(f"{text.encode('utf-8', 'surrogateescape')!r}: a folder whose "
                               "path is not UTF-8 cannot be catalogued (rename it, or scan "
                               "without --catalog)")  # fmt: skip
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

    def folder(
        self, root_id: int, folder: str, context: str = "", *, leaf: bool = False
    ) -> dict[str, tuple[Any, ...]]:
        """Every file recorded in one folder of ``root_id``: rel -> what is stored. One query
        per folder instead of one per file (100,000 point queries were a sixth of a
        re-scan). A file's finished entry comes with it when it was kept under
        ``context``; its evidence only otherwise (a file whose entry is reused is never
        decoded). ``leaf``: the walk found no folder in it, so its rows are one run of the
        primary key, read in order (a third faster than through the folder index, which
        looks each row up again); a folder with folders in it would read theirs too."""
        if not storable(folder):
            return {}  # nothing of it is catalogued (see storable)
        # NULL: no entry is asked for; "f/" < every path in f < "f0" ("0" follows "/")
        params: tuple[Any, ...] = (context or None, root_id, folder)
        if leaf and folder:
            where = "WHERE root_id = ?2 AND rel > ?4 AND rel < ?5 AND folder = ?3"
            params += (folder + "/", folder + "0")
        else:  # without statistics SQLite would walk the root's whole primary key instead
            where = "INDEXED BY files_folder WHERE root_id = ?2 AND folder = ?3"
        rows = self.conn.execute(
            "SELECT rel, size, mtime_ns, inode, dev, engine, "
            "CASE WHEN context = ?1 THEN NULL ELSE evidence END, "
            "CASE WHEN context = ?1 THEN entry END, CASE WHEN context = ?1 THEN extra END, "
            "CASE WHEN context = ?1 THEN brief END, CASE WHEN context = ?1 THEN usage END "
            f"FROM files {where}",
            params,
        )
        return {r[0]: r for r in rows}

    def stored(self, root_id: int, rel: str, identity: Identity) -> str | None:
        """The stored evidence of an unchanged file analysed by this engine, else None."""
        found = self.reusable(self.folder(root_id, rel.rpartition("/")[0]).get(rel), identity)
        return found.evidence if found is not None else None

    def reusable(self, record: tuple[Any, ...] | None, identity: Identity) -> Stored | None:
        """A :meth:`folder` record when the file and the engine are unchanged."""
        if record is None or record[1:5] != identity:
            return None
        if record[5] not in (self.engine, self.code_engine):
            return None
        return tuple.__new__(Stored, record)  # (a folder() row is a Stored's fields, in order)

    def evidence(self, root_id: int, rel: str) -> str | None:
        """The stored evidence of one file, whatever its engine (None: not recorded)."""
        if not storable(rel):
            return None
        row = self.conn.execute("SELECT evidence FROM files WHERE root_id = ? AND rel = ?",
                                (root_id, rel)).fetchone()  # fmt: skip
        return None if row is None else str(row[0])

    def record(self, root_id: int, row: Row, run_id: int) -> None:
        """Queue one file's record; written in the next transaction (never, for a path the
        catalog cannot key: see storable)."""
        if not storable(row.rel):
            return
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
        if not gone:
            return 0
        before = self._outcomes(root_id, [rel for _, rel in gone])
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

    def _outcomes(
        self, root_id: int, rels: Sequence[str]
    ) -> dict[str, tuple[str, str, str | None]]:
        """The last judged state of these files of ``root_id``: rel -> (sha256, verdict, gate)."""
        rows = self._by_rel("SELECT rel, sha256, verdict, gate FROM outcomes", root_id, rels)
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def _by_rel(self, select: str, root_id: int, rels: Sequence[str]) -> Iterator[tuple[Any, ...]]:
        """``select`` for these files of ``root_id`` only, a chunk of paths per query: a
        re-scan that judges a few files again reads their rows, not the archive's."""
        rels = [rel for rel in rels if storable(rel)]
        for start in range(0, len(rels), _IN_CHUNK):
            chunk = rels[start : start + _IN_CHUNK]
            marks = ",".join("?" * len(chunk))
            yield from self.conn.execute(
                f"{select} WHERE root_id = ? AND rel IN ({marks})", (root_id, *chunk)
            )

    def finish_run(self, run_id: int, files: int, reused: int, removed: int) -> None:
        """Mark the run complete (after its last records were flushed)."""
        self.flush(run_id)
        with self.conn:
            self.conn.execute(
                "UPDATE runs SET finished = ?, state = 'complete', files = ?, reused = ?, "
                "removed = ? WHERE id = ?",
                (now_utc(), files, reused, removed, run_id),
            )

    def record_outcomes(self, rows: Iterable[Outcome]) -> None:
        """Each file's final verdict (trace hits included), gate and approval from the
        latest run, and its finished entry under the run's context ("" keeps none); and
        what the run changed (new, changed or judged differently files), compared with the
        last judged state. Written in batches: a first scan's entries are not all held."""
        batch: list[Outcome] = []
        for outcome in rows:
            if not storable(outcome.rel):
                continue  # never catalogued (see storable)
            batch.append(outcome)
            if len(batch) >= BATCH_ROWS * 8:
                self._record(batch)
                batch = []
        if batch:
            self._record(batch)

    def _record(self, rows: list[Outcome]) -> None:
        changes, states = self._changes(rows)
        with self.conn:
            self.conn.executemany(
                "UPDATE files SET verdict = ?, gate = ?, approval = ?, context = ?, entry = ?, "
                "extra = ?, brief = ?, usage = ? WHERE root_id = ? AND rel = ?",
                (_outcome_values(o) for o in rows))  # fmt: skip
            self.conn.executemany(_CHANGE, changes)
            self.conn.executemany(
                "INSERT OR REPLACE INTO outcomes (root_id, rel, sha256, verdict, gate) "
                "VALUES (?, ?, ?, ?, ?)", states)  # fmt: skip

    def _changes(
        self,
        rows: list[Outcome],
    ) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
        """The change rows of this run and the outcome rows to store (only those that moved)."""
        changes: list[tuple[object, ...]] = []
        states: list[tuple[object, ...]] = []
        known = self._known(rows)
        started = {root_id: self._started(root_id) for root_id in known}
        for row in rows:
            verdict, gate, root_id, rel = row.verdict, row.gate, row.root_id, row.rel
            before, files = known[root_id]
            sha, first_seen = files.get(rel, ("", ""))
            old = before.get(rel)
            change = _change(old, sha, verdict, gate, first_seen, started[root_id])
            if old is None or old != (sha, verdict, gate):
                states.append((root_id, rel, sha, verdict, gate))
            run_id = self.runs_now.get(root_id, 0)
            if change and run_id:
                old_verdict, old_gate = _judged(old)
                changes.append((run_id, root_id, rel, change, old_verdict, verdict, old_gate,
                                gate))  # fmt: skip
        return changes, states

    def _known(self, rows: list[Outcome]) -> _Known:
        """For the files of ``rows``, by root: their last judged state and what the files
        table says (sha256, first seen)."""
        rels: dict[int, list[str]] = {}
        for row in rows:
            rels.setdefault(row.root_id, []).append(row.rel)
        known: _Known = {}
        for root_id, chosen in rels.items():
            files = self._by_rel("SELECT rel, sha256, first_seen FROM files", root_id, chosen)
            known[root_id] = (self._outcomes(root_id, chosen), {r[0]: (r[1], r[2]) for r in files})
        return known

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
    context = NULL, entry = NULL, extra = NULL, brief = NULL, usage = NULL,
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


def remembered_before_opening(path: Path, prefix: str) -> dict[str, str]:
    """The meta values under ``prefix`` of the catalog at ``path``, read without opening it
    as a catalog (what opening it needs; nothing when there is no such file or it cannot be
    read: opening it then says why)."""
    if not path.is_file():
        return {}
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return {}
    try:
        return _under(conn, prefix)
    except sqlite3.Error:
        return {}
    finally:
        conn.close()


def _under(conn: sqlite3.Connection, prefix: str) -> dict[str, str]:
    # (keys in [prefix, prefix + U+10FFFF): a range of the primary key, no LIKE escaping)
    rows = conn.execute("SELECT key, value FROM meta WHERE key >= ? AND key < ?",
                        (prefix, prefix + "\U0010ffff"))  # fmt: skip
    return {str(key): str(value) for key, value in rows}


def _connect(path: Path) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")  # WAL: a killed process loses nothing
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.Error as exc:
        raise CatalogError(f"{path}: cannot be opened as a catalog ({exc})") from None
    return conn
