"""Field-by-field validation of a log entry: TOML gives typed values, CSV gives text.

Each converter returns the value or raises :class:`FieldError` with words a producer can act
on; :func:`build_entry` collects every field's error, so one run of ``log check`` lists them all.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from provscan.ailog.entry import (
    CONSENT_FLAGS,
    DISCLOSURES,
    EXCEPTIONS,
    MATCH_KEYS,
    MAX_PHASH_DISTANCE,
    PLACEHOLDER,
    RISK_FLAGS,
    SCOPES,
    STATUSES,
    LogEntry,
)
from provscan.ailog.match import is_distinctive

_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_HEX16 = re.compile(r"[0-9a-fA-F]{16}")
_TRUE, _FALSE = {"true", "yes", "y", "1", "x"}, {"false", "no", "n", "0", ""}
_TEXT_FIELDS = ("tool", "vendor", "purpose", "approved_by", "approval_ref", "notes", "path",
                "c2pa_instance_id", "performer", "consent_ref",
                "synthetic_justification")  # fmt: skip
MAX_TEXT = 4000


class FieldError(ValueError):
    """One field's value is wrong; the message says what, in words."""


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise FieldError(f"expected text, got {_shown(value)}")
    text = value.strip()
    if text.upper() == PLACEHOLDER:
        raise FieldError(f"still {PLACEHOLDER!r} (drafted by 'provscan log init': fill it in)")
    if len(text) > MAX_TEXT:
        raise FieldError(f"longer than {MAX_TEXT} characters")
    return text


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        _text(value)  # the draft placeholder gets its own message
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise FieldError(f"{_shown(value)} is not true or false")


def _optional_flag(value: object) -> bool | None:
    if isinstance(value, str) and not value.strip():
        return None
    return _flag(value)


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise FieldError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _words(value: object) -> list[str]:
    """A TOML array, or CSV text separated by ';', ',' or '|'."""
    if isinstance(value, list):
        return [_text(v).lower() for v in value]
    return [w.strip().lower() for w in re.split(r"[;,|]", _text(value)) if w.strip()]


def _scope(value: object) -> tuple[str, ...]:
    words = _words(value)
    unknown = [w for w in words if w not in SCOPES]
    if unknown:
        raise FieldError(f"unknown scope {unknown[0]!r} (use: {', '.join(SCOPES)})")
    if not words:
        raise FieldError(f"is empty (use one or more of: {', '.join(SCOPES)})")
    return tuple(dict.fromkeys(words))


def _exceptions(value: object) -> tuple[str, ...]:
    words = _words(value)
    unknown = [w for w in words if w not in EXCEPTIONS]
    if unknown:
        raise FieldError(f"unknown exception {unknown[0]!r} (use: {', '.join(EXCEPTIONS)})")
    return tuple(words)


def _production_ids(value: object) -> tuple[str, ...]:
    """Production ids as written (a TOML array, or CSV text separated by ';', ',' or '|')."""
    if isinstance(value, list):
        ids = [_text(v) for v in value]
    else:
        ids = [w.strip() for w in re.split(r"[;,|]", _text(value))]
    if not any(ids):
        raise FieldError("is empty (name the productions the consent covers, by their ids)")
    return tuple(dict.fromkeys(i for i in ids if i))


def _disclosure(value: object) -> str:
    text = re.sub(r"[\s_]+", "-", _text(value).lower()).replace("onscreen", "on-screen")
    if text not in DISCLOSURES:
        raise FieldError(f"{text!r} is not a disclosure (use: {', '.join(DISCLOSURES)})")
    return text


def _status(value: object) -> str:
    text = _text(value).lower()
    if text not in STATUSES:
        raise FieldError(f"{text!r} is not a status (use: {', '.join(STATUSES)})")
    return text


def _sha256(value: object) -> str:
    text = _text(value)
    if text and not _HEX64.fullmatch(text):
        raise FieldError(f"{text[:80]!r} is not 64 hexadecimal characters")
    return text.lower()


def _phash(value: object) -> str:
    text = _text(value)
    if text and not _HEX16.fullmatch(text):
        raise FieldError(f"{text[:80]!r} is not a 64-bit perceptual hash (16 hex characters)")
    if text and not is_distinctive(text):
        raise FieldError(f"{text!r} is the hash of a flat picture: it would match any flat "
                         "picture (use sha256 or path)")  # fmt: skip
    return text.lower()


def _distance(value: object) -> int:
    # isdecimal, not isdigit: int() refuses digits such as superscript two, and more than
    # 4,300 digits (both raised ValueError out of load_log); that long is out of range anyway.
    if isinstance(value, str) and value.strip().isdecimal():
        digits = value.strip().lstrip("0") or "0"
        if len(digits) > len(str(MAX_PHASH_DISTANCE)):
            raise FieldError(f"{_shown(value)} is outside 0..{MAX_PHASH_DISTANCE} (bits of 64)")
        value = int(digits)
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(f"{_shown(value)} is not a whole number")
    if not 0 <= value <= MAX_PHASH_DISTANCE:
        raise FieldError(f"{value} is outside 0..{MAX_PHASH_DISTANCE} (bits of 64)")
    return value


def _shown(value: object) -> str:
    return repr(value)[:80]


CONVERTERS: dict[str, Callable[[object], Any]] = {
    **{name: _text for name in _TEXT_FIELDS},
    **{name: _flag for name in RISK_FLAGS + CONSENT_FLAGS},
    "tool_trains_on_inputs": _optional_flag,
    "enterprise_environment": _optional_flag,
    "consent_date": _date,
    "consent_scope": _production_ids,
    "minor": _optional_flag,
    "synthetic_performer": _flag,
    "depicts_real": _flag,
    "disclosure": _disclosure,
    "scope": _scope,
    "status": _status,
    "approved_on": _date,
    "expires": _date,
    "approved_exceptions": _exceptions,
    "sha256": _sha256,
    "phash": _phash,
    "phash_max_distance": _distance,
    "require_path": _flag,
}
FIELDS = ("id", *CONVERTERS)
REQUIRED = ("id", "scope", "status")


def build_entry(place: str, raw: Mapping[str, object]) -> tuple[LogEntry | None, list[str]]:
    """The entry and no errors, or None and every problem as ``field NAME: what is wrong``."""
    errors: list[str] = []
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in FIELDS:
            errors.append(f"field {name}: unknown field (known: {', '.join(FIELDS)})")
        elif name != "id" and not _blank(value):
            try:
                values[name] = CONVERTERS[name](value)
            except FieldError as exc:
                errors.append(f"field {name}: {exc}")
    errors.extend(f"field {n}: missing (required)" for n in REQUIRED if _blank(raw.get(n)))
    entry_id = raw.get("id")
    if not _blank(entry_id) and not isinstance(entry_id, str | int):
        errors.append(f"field id: expected text, got {_shown(entry_id)}")
    if not any(not _blank(raw.get(k)) for k in MATCH_KEYS):
        errors.append(f"field {'/'.join(MATCH_KEYS)}: no match key (give at least one)")
    wrong = {e.split(":")[0] for e in errors}  # "field NAME": already reported
    errors.extend(p for p in _approval_problems(values) if p.split(":")[0] not in wrong)
    if values.get("require_path") and _blank(raw.get("path")) and "field path" not in wrong:
        errors.append("field require_path: true, but the entry gives no path to require "
                      "(add path, or remove require_path)")  # fmt: skip
    if errors:
        return None, errors
    return LogEntry(id=str(entry_id).strip(), place=place, **values), []


KEY_FIELDS = ("id", *MATCH_KEYS, "phash_max_distance", "require_path")


def build_keys(place: str, raw: Mapping[str, object]) -> tuple[LogEntry | None, list[str]]:
    """Like :func:`build_entry`, but only the id and the match keys are read and checked: what
    ``log init --log`` needs to know which files a log still being completed covers."""
    errors: list[str] = []
    values: dict[str, Any] = {}
    for name in KEY_FIELDS[1:]:
        value = raw.get(name)
        if _blank(value):
            continue
        try:
            values[name] = CONVERTERS[name](value)
        except FieldError as exc:
            errors.append(f"field {name}: {exc}")
    entry_id = raw.get("id")
    if _blank(entry_id) or not isinstance(entry_id, str | int):
        errors.append("field id: missing (required)")
    if not any(not _blank(raw.get(k)) for k in MATCH_KEYS):
        errors.append(f"field {'/'.join(MATCH_KEYS)}: no match key (give at least one)")
    if errors:
        return None, errors
    return LogEntry(id=str(entry_id).strip(), place=place, **values), []


def _approval_problems(values: Mapping[str, Any]) -> list[str]:
    """An 'approved' status must say who approved, when, and in which document."""
    if values.get("status") != "approved":
        return []
    needed = ("approved_by", "approved_on", "approval_ref")
    return [f"field {n}: missing (status is 'approved')" for n in needed if not values.get(n)]


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
