"""The policy's guideline tables and settings, validated field by field.

``[[tool]]`` tables register the tools the studio has reviewed, ``[[protected]]`` tables list
the names prompts must not use without approval (in the policy or in the file
``protected_file`` names), and top-level settings name the production, its jurisdictions,
its code names and which finals must reserve AI training. Each problem is one line naming the
table, its number and name, and the field, as ``log check`` names a log entry's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from provscan.ailog.entry import SCOPES
from provscan.guidelines.names import KINDS, Protected
from provscan.guidelines.tools import RegisteredTool

JURISDICTIONS = {
    "eu": "the European Union (AI Act Article 50)",
    "us-ca": "California (AI Transparency Act)",
    "cn": "China (GB 45438-2025 labels)",
}
TOOL_FIELDS = ("name", "vendor", "match", "trains_on_inputs", "enterprise", "data_terms",
               "scopes", "expires")  # fmt: skip
PROTECTED_FIELDS = ("name", "kind", "aliases", "full_form")
MAX_ROWS = 10_000  # tables of one kind (a registry or a name list is a few hundred)
MAX_TEXT = 400


class TableError(ValueError):
    """One field is wrong; the message says what, in words."""


def tools(doc: dict[str, Any], errors: list[str]) -> tuple[RegisteredTool, ...]:
    """The ``[[tool]]`` tables of a policy document; problems appended to ``errors``."""
    out: list[RegisteredTool] = []
    for place, table in _tables(doc, "tool", errors):
        values = _fields(place, table, _TOOL_CONVERTERS, ("name", "scopes"), errors)
        if values is not None:
            out.append(RegisteredTool(place=place.split(" (")[0], **values))
    _duplicates("tool", [t.name for t in out], errors)
    return tuple(out)


def protected(doc: dict[str, Any], errors: list[str], origin: str = "") -> tuple[Protected, ...]:
    """The ``[[protected]]`` tables of a document (``origin``: the file they came from, when not
    the policy itself); problems appended to ``errors``."""
    out: list[Protected] = []
    for place, table in _tables(doc, "protected", errors, origin):
        values = _fields(place, table, _PROTECTED_CONVERTERS, ("name", "kind"), errors)
        if values is not None:
            out.append(Protected(place=place.split(" (")[0], **values))
    return tuple(out)


def jurisdictions(doc: dict[str, Any], errors: list[str]) -> tuple[str, ...]:
    """The top-level ``jurisdictions`` list (eu, us-ca, cn)."""
    words = _list_field(doc, "jurisdictions", errors)
    unknown = [w for w in words if w.lower() not in JURISDICTIONS]
    if unknown:
        errors.append(f"top level, field jurisdictions: unknown jurisdiction {unknown[0]!r} "
                      f"(known: {', '.join(JURISDICTIONS)})")  # fmt: skip
        return ()
    return tuple(dict.fromkeys(w.lower() for w in words))


def text_list(doc: dict[str, Any], name: str, errors: list[str]) -> tuple[str, ...]:
    """A top-level list of texts (``code_names``)."""
    return tuple(dict.fromkeys(_list_field(doc, name, errors)))


def production(doc: dict[str, Any], errors: list[str]) -> str:
    """The top-level ``production`` id ("" when absent)."""
    value = doc.get("production", "")
    try:
        return _text(value)
    except TableError as exc:
        errors.append(f"top level, field production: {exc}")
        return ""


def reservation(doc: dict[str, Any], errors: list[str]) -> tuple[str, ...]:
    """``training_reservation``: globs of the finals that must reserve AI training (true: every
    final; false or absent: none)."""
    value = doc.get("training_reservation", False)
    if isinstance(value, bool):
        return ("**",) if value else ()
    if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
        return tuple(v.strip() for v in value)
    errors.append("top level, field training_reservation: must be true, false or a list of "
                  "path globs (the finals that must reserve AI training)")  # fmt: skip
    return ()


def _tables(
    doc: dict[str, Any], name: str, errors: list[str], origin: str = ""
) -> Iterator[tuple[str, dict[str, Any]]]:
    tables = doc.get(name, [])
    prefix = f"{origin}: " if origin else ""
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        errors.append(f"{prefix}'{name}' must be [[{name}]] tables")
        return
    if len(tables) > MAX_ROWS:
        errors.append(f"{prefix}more than {MAX_ROWS} [[{name}]] tables")
        return
    for number, table in enumerate(tables, 1):
        label = table.get("name")
        shown = f" (name {label.strip()!r})" if isinstance(label, str) and label.strip() else ""
        yield f"{prefix}[[{name}]] #{number}{shown}", table


Converter = Callable[[object], Any]


def _fields(
    place: str,
    table: dict[str, Any],
    converters: dict[str, Converter],
    required: tuple[str, ...],
    errors: list[str],
) -> dict[str, Any] | None:
    """The converted fields of one table, or None after appending its problems."""
    before = len(errors)
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in converters:
            errors.append(f"{place}, field {key}: unknown field (known: "
                          f"{', '.join(converters)})")  # fmt: skip
            continue
        try:
            values[key] = converters[key](value)
        except TableError as exc:
            errors.append(f"{place}, field {key}: {exc}")
    for key in required:
        if key not in table:
            errors.append(f"{place}, field {key}: missing (required)")
    return values if len(errors) == before else None


def _duplicates(kind: str, names: list[str], errors: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name.lower() in seen:
            errors.append(f"[[{kind}]] (name {name!r}), field name: listed twice")
        seen.add(name.lower())


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TableError(f"expected text, got {repr(value)[:80]}")
    text = " ".join(value.split())
    if len(text) > MAX_TEXT:
        raise TableError(f"longer than {MAX_TEXT} characters")
    return text


def _name(value: object) -> str:
    text = _text(value)
    if not any(c.isalnum() for c in text):
        raise TableError("is empty (give the name)")
    return text


def _texts(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise TableError(f"expected a list of texts, got {repr(value)[:80]}")
    return tuple(dict.fromkeys(_name(v) for v in value))


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise TableError(f"{repr(value)[:80]} is not true or false")
    return value


def _scopes(value: object) -> tuple[str, ...]:
    words = [w.lower() for w in _texts(value)]
    unknown = [w for w in words if w not in SCOPES]
    if unknown:
        raise TableError(f"unknown scope {unknown[0]!r} (use: {', '.join(SCOPES)})")
    return tuple(words)


def _date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise TableError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _kind(value: object) -> str:
    text = " ".join(_text(value).lower().replace("_", " ").replace("-", " ").split())
    if text not in KINDS:
        raise TableError(f"{text!r} is not a kind (use: {', '.join(KINDS)})")
    return text


def _list_field(doc: dict[str, Any], name: str, errors: list[str]) -> list[str]:
    value = doc.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        errors.append(f"top level, field {name}: must be a list of texts")
        return []
    return [" ".join(v.split()) for v in value]


_TOOL_CONVERTERS: dict[str, Converter] = {
    "name": _name, "vendor": _text, "match": _texts, "trains_on_inputs": _bool,
    "enterprise": _bool, "data_terms": _text, "scopes": _scopes, "expires": _date,
}  # fmt: skip
_PROTECTED_CONVERTERS: dict[str, Converter] = {
    "name": _name, "kind": _kind, "aliases": _texts, "full_form": _bool,
}  # fmt: skip
