"""``provscan catalog query|runs|diff``: an archive owner's questions answered from the
catalog alone.

Which files are AI-generated (or edited, suspected...), by tool, under a folder, changed
since a date-time or since the last run; listed, or counted by tool / folder / verdict /
gate; the past runs; what changed between two runs. As a table, CSV or JSON. The catalog is
opened read-only: a query never changes it and runs beside a scan.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provscan.catalog.store import CatalogError
from provscan.text import safe

COLUMNS = ("root", "path", "verdict", "gate", "approval", "tool", "kind", "format", "size",
           "sha256", "changed_at", "scanned_at")  # fmt: skip
GROUPS = {"tool": "f.tool", "folder": "f.folder", "verdict": "f.verdict", "gate": "f.gate",
          "kind": "f.kind", "root": "r.path"}  # fmt: skip
AI_VERDICTS = ("ai-generated", "ai-edited", "ai-suspected")
TABLE_COLUMNS = ("path", "verdict", "gate", "approval", "tool", "changed_at")  # the table shows
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class Query:
    """What to select: every given condition must hold."""

    verdicts: tuple[str, ...] = ()
    tool: str = ""  # substring, case-insensitive
    folder: str = ""  # a folder under a scanned root (its files and subfolders)
    changed_since: str = ""  # an ISO date or UTC date-time as the catalog writes, or LAST_RUN
    gates: tuple[str, ...] = ()


LAST_RUN = "last-run"


def since(text: str) -> str:
    """``--changed-since``: ``last-run``, a date (YYYY-MM-DD) or a date-time (ISO 8601; one
    without a zone is UTC, as the catalog's times are), as the catalog compares it;
    ValueError in words for anything else."""
    if text.strip().lower() == LAST_RUN:
        return LAST_RUN
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD), a date-time "
                         "(YYYY-MM-DDTHH:MM[:SS][+HH:MM]) or last-run") from None  # fmt: skip
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds") + "Z"


def open_read_only(path: Path) -> sqlite3.Connection:
    """The catalog at ``path`` for reading; CatalogError (one line) if it is not one."""
    if not path.is_file():
        raise CatalogError(f"{path}: no such catalog")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        conn.execute("SELECT 1 FROM files LIMIT 1")
    except sqlite3.Error as exc:
        raise CatalogError(f"{path}: not a provscan catalog ({exc})") from None
    return conn


def answer(
    path: Path, query: Query, count_by: str | None = None, *, table: bool = False
) -> list[dict[str, Any]]:
    """The rows answering ``query`` from the catalog at ``path``, opened read-only: how many
    files per ``count_by`` (a key of GROUPS), or the matching files (TABLE_COLUMNS only, for
    a ``table``); CatalogError (one line) when it is not a catalog."""
    conn = open_read_only(path)
    try:
        if query.changed_since == LAST_RUN and not _has_table(conn, "changes"):
            raise CatalogError(f"{path}: written before runs kept their changes: "
                               "--changed-since last-run needs a scan by this "
                               "provscan first")  # fmt: skip
        with conn:
            if count_by is not None:
                return count(conn, query, count_by)
            rows = list(select(conn, query))
            return [{k: row[k] for k in TABLE_COLUMNS} for row in rows] if table else rows
    finally:
        conn.close()


def _where(query: Query) -> tuple[str, list[Any]]:
    clauses: list[str] = ["1"]
    args: list[Any] = []
    if query.verdicts:
        clauses.append(f"f.verdict IN ({','.join('?' * len(query.verdicts))})")
        args.extend(query.verdicts)
    if query.gates:
        clauses.append(f"f.gate IN ({','.join('?' * len(query.gates))})")
        args.extend(query.gates)
    if query.tool:
        clauses.append("f.tool LIKE ? ESCAPE '\\'")
        args.append(f"%{_like(query.tool)}%")
    if query.folder:
        folder = query.folder.strip("/")
        clauses.append("(f.folder = ? OR f.folder LIKE ? ESCAPE '\\')")
        args.extend([folder, f"{_like(folder)}/%"])
    if query.changed_since == LAST_RUN:  # found new or changed by its root's latest run
        clauses.append(
            "EXISTS (SELECT 1 FROM changes c WHERE c.root_id = f.root_id AND c.rel = f.rel "
            "AND c.change IN ('new', 'changed') AND c.run_id = (SELECT MAX(id) FROM runs u "
            "WHERE u.root_id = f.root_id AND u.state = 'complete'))"
        )
    elif query.changed_since:
        clauses.append("f.changed_at >= ?")
        args.append(query.changed_since)
    return " AND ".join(clauses), args


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def select(conn: sqlite3.Connection, query: Query) -> Iterator[dict[str, Any]]:
    """The matching files, by root then path, streamed."""
    where, args = _where(query)
    sql = (
        "SELECT r.path, f.rel, f.verdict, f.gate, f.approval, f.tool, f.kind, f.format, "
        "f.size, f.sha256, f.changed_at, f.scanned_at FROM files f JOIN roots r "
        f"ON r.id = f.root_id WHERE {where} ORDER BY r.path, f.rel"
    )
    for row in conn.execute(sql, args):
        yield dict(zip(COLUMNS, row, strict=True))


def count(conn: sqlite3.Connection, query: Query, by: str) -> list[dict[str, Any]]:
    """How many matching files per ``by`` (a key of GROUPS), largest first."""
    where, args = _where(query)
    column = GROUPS[by]
    sql = (
        f"SELECT {column}, COUNT(*) FROM files f JOIN roots r ON r.id = f.root_id "
        f"WHERE {where} GROUP BY {column} ORDER BY COUNT(*) DESC, {column}"
    )
    return [{by: value if value is not None else "", "files": n}
            for value, n in conn.execute(sql, args)]  # fmt: skip


def render(rows: Sequence[dict[str, Any]] | Iterator[dict[str, Any]], fmt: str) -> str:
    """Rows as 'table' (aligned text), 'csv' (formula-safe) or 'json' (a list)."""
    items = list(rows)
    if fmt == "json":
        return json.dumps(items, indent=2, ensure_ascii=True) + "\n"
    if fmt == "csv":
        return _csv(items)
    return _table(items)


def _csv(items: list[dict[str, Any]]) -> str:
    out = io.StringIO(newline="")
    if items:
        writer = csv.DictWriter(out, fieldnames=list(items[0]), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows({k: _cell(v) for k, v in item.items()} for item in items)
    return out.getvalue()


def _cell(value: Any) -> Any:
    """A cell a spreadsheet would run as a formula, made inert (a leading apostrophe)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else value


def _table(items: list[dict[str, Any]]) -> str:
    if not items:
        return "no files match\n"
    keys = list(items[0])
    cells = [[safe("" if item[k] is None else str(item[k])) for k in keys] for item in items]
    widths = [min(60, max(len(k), *(len(row[i]) for row in cells))) for i, k in enumerate(keys)]
    lines = ["  ".join(k.ljust(w) for k, w in zip(keys, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
              for row in cells]  # fmt: skip
    rows = "1 row" if len(items) == 1 else f"{len(items)} rows"
    return "\n".join(lines) + f"\n({rows})\n"


RUN_COLUMNS = ("run", "root", "started", "finished", "state", "gate", "files", "from_catalog",
               "read", "new", "changed", "removed", "judged")  # fmt: skip


def runs(path: Path) -> list[dict[str, Any]]:
    """Every run recorded in the catalog, oldest first: its root, times, state, gate, how
    many files it saw, took from the catalog and read, and what it changed."""
    conn = open_read_only(path)
    try:
        counted = _change_counts(conn)
        sql = (
            "SELECT u.id, r.path, u.started, u.finished, u.state, u.files, u.reused, u.scanned, "
            "u.removed FROM runs u JOIN roots r ON r.id = u.root_id ORDER BY u.id"
        )
        gates = _run_gates(conn)
        out = []
        for run, root, started, finished, state, files, reused, read, removed in conn.execute(sql):
            changes = counted.get(run, {})
            out.append(dict(zip(RUN_COLUMNS, (
                run, root, started, finished or "", state, gates.get(run, ""), files, reused,
                read, changes.get("new", 0), changes.get("changed", 0), removed,
                changes.get("judged", 0)), strict=True)))  # fmt: skip
        return out
    except sqlite3.Error as exc:
        raise CatalogError(f"{path}: not a provscan catalog ({exc})") from None
    finally:
        conn.close()


def _change_counts(conn: sqlite3.Connection) -> dict[int, dict[str, int]]:
    counted: dict[int, dict[str, int]] = {}
    if not _has_table(conn, "changes"):
        return counted
    for run, change, n in conn.execute(
        "SELECT run_id, change, COUNT(*) FROM changes GROUP BY run_id, change"
    ):
        counted.setdefault(run, {})[change] = n
    return counted


def _run_gates(conn: sqlite3.Connection) -> dict[int, str]:
    columns = {row[1] for row in conn.execute("PRAGMA table_info(runs)")}
    if "gate" not in columns:  # a catalog written before runs had a gate
        return {}
    return {run: gate or "" for run, gate in conn.execute("SELECT id, gate FROM runs")}


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
    return row.fetchone() is not None


DIFF_COLUMNS = ("path", "change", "verdict_before", "verdict_after", "gate_before", "gate_after")


def diff(path: Path, run_a: int, run_b: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """What changed from run A to the later run B of the same root: the runs' gates, and per
    file new, changed (other bytes), removed, or judged (same bytes, another verdict or
    gate), with its verdict and gate before and after. CatalogError (one line) for runs
    that do not exist, are of different roots, or are not in order."""
    conn = open_read_only(path)
    try:
        a, b = _run(conn, path, run_a), _run(conn, path, run_b)
        if a["root_id"] != b["root_id"]:
            raise CatalogError(f"{path}: runs {run_a} and {run_b} scanned different folders "
                               f"({a['root']}, {b['root']})")  # fmt: skip
        if run_a >= run_b:
            raise CatalogError(f"{path}: run {run_a} is not before run {run_b} (catalog runs "
                               "lists them in order)")  # fmt: skip
        head = {"root": a["root"], "run_a": run_a, "run_b": run_b,
                "gate_a": a["gate"], "gate_b": b["gate"]}  # fmt: skip
        rows = _folded(conn, a["root_id"], run_a, run_b) if _has_table(conn, "changes") else []
        return head, rows
    except sqlite3.Error as exc:
        raise CatalogError(f"{path}: not a provscan catalog ({exc})") from None
    finally:
        conn.close()


def _run(conn: sqlite3.Connection, path: Path, run: int) -> dict[str, Any]:
    row = conn.execute(
        "SELECT u.root_id, r.path FROM runs u JOIN roots r ON r.id = u.root_id WHERE u.id = ?",
        (run,),
    ).fetchone()
    if row is None:
        raise CatalogError(f"{path}: no run {run} (catalog runs lists the runs)")
    return {"root_id": row[0], "root": row[1], "gate": _run_gates(conn).get(run, "")}


def _folded(conn: sqlite3.Connection, root_id: int, run_a: int, run_b: int) -> list[dict[str, Any]]:
    """The changes of the runs after A up to B, folded per file: the state before the first
    and after the last; a file added then removed in between is left out."""
    folded: dict[str, dict[str, Any]] = {}
    sql = (
        "SELECT rel, change, verdict_before, verdict_after, gate_before, gate_after FROM "
        "changes WHERE root_id = ? AND run_id > ? AND run_id <= ? ORDER BY run_id"
    )
    for rel, change, v0, v1, g0, g1 in conn.execute(sql, (root_id, run_a, run_b)):
        seen = folded.get(rel)
        if seen is None:
            folded[rel] = {"path": rel, "change": change, "verdict_before": v0,
                           "verdict_after": v1, "gate_before": g0, "gate_after": g1}  # fmt: skip
            continue
        seen["change"] = _fold(seen["change"], change)
        seen["verdict_after"], seen["gate_after"] = v1, g1
    rows = [r for r in folded.values() if r["change"] and not _back(r)]
    return sorted(rows, key=lambda r: r["path"])


def _back(row: dict[str, Any]) -> bool:
    """A file judged differently and then as before: nothing changed between A and B."""
    same = (row["verdict_before"], row["gate_before"]) == (row["verdict_after"], row["gate_after"])
    return row["change"] == "judged" and same


def _fold(first: str, then: str) -> str:
    """Two changes of one file in a row as one ("" when a new file was removed again)."""
    if not first:
        return then
    if first == "new":
        return "" if then == "removed" else "new"
    if then in ("removed", "new"):
        return "changed" if then == "new" else "removed"
    return "changed" if "changed" in (first, then) else "judged"
