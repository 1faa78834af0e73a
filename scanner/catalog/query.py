"""``provscan catalog query``: an archive owner's questions answered from the catalog alone.

Which files are AI-generated (or edited, suspected...), by tool, under a folder, changed
since a date; listed, or counted by tool / folder / verdict / gate; as a table, CSV or JSON.
The catalog is opened read-only: a query never changes it and runs beside a scan.
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
    changed_since: dt.date | None = None
    gates: tuple[str, ...] = ()


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
    if query.changed_since:
        clauses.append("f.changed_at >= ?")
        args.append(query.changed_since.isoformat())
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
