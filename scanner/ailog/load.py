"""Load an AI-use log from TOML (``version = 1`` + ``[[entry]]`` tables) or CSV (header row).

All or nothing: every problem in the file is collected, and any problem means no log at all
(:class:`LogError`), so a half-read log can never approve anything.
"""

from __future__ import annotations

import csv
import hashlib
import io
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from provscan.ailog.entry import LogEntry
from provscan.ailog.fields import build_entry, build_keys

MAX_LOG_BYTES = 32 * 1024 * 1024
SUPPORTED_VERSIONS = (1,)


class LogError(ValueError):
    """The log cannot be used; ``errors`` holds one line per problem, each naming the place."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(errors[0] if errors else "invalid AI-use log")
        self.errors = errors


@dataclass(frozen=True, slots=True)
class AiLog:
    """A validated log: its entries in file order, and the file's identity for reports."""

    path: str
    sha256: str
    entries: tuple[LogEntry, ...]
    columns: tuple[str, ...] = ()  # a CSV log's header row (empty for TOML)

    @property
    def needs_sha256(self) -> bool:
        """Whether any entry matches on sha256 (only then are files hashed in full)."""
        return any(e.sha256 for e in self.entries)

    @property
    def needs_phash(self) -> bool:
        """Whether any entry matches on a perceptual hash."""
        return any(e.phash for e in self.entries)


def load_log(path: Path, *, keys_only: bool = False) -> AiLog:
    """Read and validate the log at ``path``; raise LogError listing every problem.

    ``keys_only`` reads and checks only each entry's id and match keys (``log init --log``:
    which files a log still being completed covers); its other fields may be anything.
    """
    name = str(path)
    data = _read_bytes(path)
    text = _decode(name, data)
    toml = path.suffix.lower() == ".toml"
    rows = _toml_rows(name, text) if toml else _csv_rows(name, text)
    entries, errors = _entries(name, rows, build_keys if keys_only else build_entry)
    if errors:
        raise LogError(errors)
    columns = () if toml else tuple(_csv_header(text))
    return AiLog(name, hashlib.sha256(data).hexdigest(), tuple(entries), columns)


def _csv_header(text: str) -> list[str]:
    first = next(csv.reader(io.StringIO(text, newline="")), [])
    return [h.strip() for h in first]


def _read_bytes(path: Path) -> bytes:
    if path.suffix.lower() not in (".toml", ".csv"):
        raise LogError([f"{path}: not a .toml or .csv file (the AI-use log formats)"])
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_LOG_BYTES + 1)
    except OSError as exc:
        raise LogError([f"{path}: cannot be read ({exc.strerror})"]) from None
    if len(data) > MAX_LOG_BYTES:
        raise LogError([f"{path}: larger than {MAX_LOG_BYTES // (1024 * 1024)} MiB"])
    return data


def _decode(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")  # spreadsheet exports often start with a BOM
    except UnicodeDecodeError as exc:
        raise LogError([f"{name}: byte {exc.start}: not UTF-8 text (save it as UTF-8)"]) from None


def _toml_rows(name: str, text: str) -> list[tuple[str, Mapping[str, object]]]:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LogError([f"{name}: TOML syntax error: {exc}"]) from None
    # tomllib recurses once per nesting level and hands digit strings to int(): ~1,000 nested
    # arrays raised RecursionError and a 5,000-digit integer ValueError, out of load_log.
    except RecursionError:
        raise LogError([f"{name}: TOML syntax error: arrays or tables nest too deeply"]) from None
    except ValueError:
        raise LogError([f"{name}: TOML syntax error: an integer has too many digits"]) from None
    huge = _out_of_range_integer(doc)
    if huge is not None:
        raise LogError([f"{name}: TOML syntax error: {huge}"])
    errors = []
    version = doc.get("version")
    if version not in SUPPORTED_VERSIONS:
        errors.append(f"{name}: top level, field version: {version!r} is not a supported "
                      f"version (use version = 1)")  # fmt: skip
    errors.extend(f"{name}: top level, field {k}: unknown (only version and [[entry]] tables)"
                  for k in doc if k not in ("version", "entry"))  # fmt: skip
    tables = doc.get("entry", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        errors.append(f"{name}: 'entry' must be [[entry]] tables")
        tables = []
    if errors:
        raise LogError(errors)
    return [(f"[[entry]] #{n}", table) for n, table in enumerate(tables, 1)]


INT64 = range(-(2**63), 2**63)  # TOML integers are 64-bit (TOML 1.0, Integer)


def _out_of_range_integer(doc: Mapping[str, object]) -> str | None:
    """Words for the first integer TOML 1.0 does not allow (beyond 64 bits), or None.

    tomllib accepts any size; a 5,000-digit hex id then broke every message that shows it
    (Python refuses to print integers over 4,300 digits). Walked without recursion.
    """
    stack: list[object] = [doc]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, int) and not isinstance(value, bool) and value not in INT64:
            return "an integer outside the signed 64-bit range TOML allows"
    return None


def _csv_rows(name: str, text: str) -> list[tuple[str, Mapping[str, object]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise LogError([f"{name}: row {reader.line_num}: CSV error: {exc}"]) from None
    if not rows:
        raise LogError([f"{name}: empty file (expected a header row of field names)"])
    header = [h.strip() for h in rows[0]]
    errors = [f"{name}: row 1, column {i}: duplicate column {h!r}"
              for i, h in enumerate(header, 1) if h and header.index(h) != i - 1]  # fmt: skip
    if errors:
        raise LogError(errors)
    return list(_csv_records(name, header, rows[1:]))


def _csv_records(
    name: str, header: list[str], rows: list[list[str]]
) -> Iterator[tuple[str, Mapping[str, object]]]:
    for number, row in enumerate(rows, 2):
        if not any(cell.strip() for cell in row):
            continue  # blank lines in a spreadsheet export
        if len(row) > len(header):
            raise LogError([f"{name}: row {number}: {len(row)} cells but the header has "
                            f"{len(header)} columns"])  # fmt: skip
        record = {h: cell for h, cell in zip(header, row, strict=False) if h}
        yield f"row {number}", record


Builder = Callable[[str, Mapping[str, object]], tuple[LogEntry | None, list[str]]]


def _entries(
    name: str, rows: list[tuple[str, Mapping[str, object]]], build: Builder
) -> tuple[list[LogEntry], list[str]]:
    entries: list[LogEntry] = []
    errors: list[str] = []
    seen: dict[str, str] = {}
    for place, raw in rows:
        entry, problems = build(place, raw)
        where = _where(place, raw.get("id"))
        errors.extend(f"{name}: {where}, {p}" for p in problems)
        if entry is None:
            continue
        if entry.id in seen:
            errors.append(
                f"{name}: {where}, field id: duplicate id (first used in {seen[entry.id]})"
            )
        seen.setdefault(entry.id, place)
        entries.append(entry)
    return entries, errors


def _where(place: str, entry_id: object) -> str:
    if isinstance(entry_id, str | int) and str(entry_id).strip():
        return f"{place} (id {str(entry_id).strip()!r})"
    return place
