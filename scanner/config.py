"""Settings a team writes once: a ``provscan.toml`` (or ``[tool.provscan]`` in a
``pyproject.toml``) and ``PROVSCAN_*`` environment variables, so that CI jobs and editors do
not repeat the same flags.

Precedence: the command line, then the environment, then the file, then provscan's default.
The file is the first ``provscan.toml`` found in the scan root or one of its parents (in the
same folder it wins over a ``pyproject.toml`` with a ``[tool.provscan]`` table);
``PROVSCAN_CONFIG`` names a file explicitly. Paths in a file are relative to its folder;
paths in the environment to the working directory. A file with an unknown key or a value of
the wrong type is refused in one line naming the file, the key and the problem.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

FILE_NAME = "provscan.toml"
ENV_FILE = "PROVSCAN_CONFIG"


# A NamedTuple: used as a frozen dataclass would be, and a tenth of its cost to define.
class Key(NamedTuple):
    """One setting: its type, and the choices it takes (empty: any)."""

    kind: str  # path, paths, text, texts, bool, int, float
    choices: tuple[str, ...] = ()


# The settings a file or the environment may give: the `scan` options' names (dashes as
# underscores). `inspect` and `log init` read the trust keys too.
KEYS: dict[str, Key] = {
    "log": Key("path"),
    "policy": Key("path"),
    "trust_anchors": Key("path"),
    "allowed_list": Key("path"),
    "trust_config": Key("path"),
    "no_default_trust": Key("bool"),
    "exclude": Key("texts"),
    "no_default_excludes": Key("bool"),
    "sources": Key("paths"),
    "format": Key("text", ("text", "json", "junit", "sarif", "csv", "html", "github", "gitlab")),
    "output": Key("path"),
    "fail_on": Key("text", ("error", "warning", "none", "violation")),
    "show": Key("text", ("fail", "warn", "all")),
    "baseline": Key("path"),
    "sarif_root": Key("path"),
    "jobs": Key("int"),
    "timeout": Key("float"),
    "no_trace": Key("bool"),
    "catalog": Key("path"),
}


def env_name(key: str) -> str:
    """The environment variable of a key: ``PROVSCAN_TRUST_ANCHORS``."""
    return "PROVSCAN_" + key.upper()


class ConfigError(ValueError):
    """A configuration file or variable that cannot be used (one line: where and what)."""


# A NamedTuple: used as a frozen dataclass would be, and a tenth of its cost to define.
class Value(NamedTuple):
    """A resolved setting and where it came from (``provscan.toml``, ``PROVSCAN_LOG``...)."""

    value: Any
    origin: str


@dataclass(frozen=True, slots=True)
class Config:
    """The settings the file and the environment give (the command line is applied by the
    caller, which knows which options it was given)."""

    values: dict[str, Value] = field(default_factory=dict)
    file: Path | None = None

    def get(self, key: str) -> Value | None:
        """The setting, or None when neither the environment nor the file gives it."""
        return self.values.get(key)


def find_file(start: Path) -> tuple[Path, str] | None:
    """The configuration file for a scan of ``start``: (file, table) or None."""
    explicit = os.environ.get(ENV_FILE)
    if explicit:
        path = Path(explicit)
        return (path, "tool.provscan" if path.name == "pyproject.toml" else "")
    folder = (start if start.is_dir() else start.parent).resolve()
    for candidate in (folder, *folder.parents):
        own = candidate / FILE_NAME
        if own.is_file():
            return own, ""
        project = candidate / "pyproject.toml"
        if project.is_file() and _has_table(project):
            return project, "tool.provscan"
    return None


def load(start: Path, environ: Mapping[str, str] | None = None) -> Config:
    """The settings for a scan of ``start`` from the file and the environment (the
    environment wins)."""
    values: dict[str, Value] = {}
    found = find_file(start)
    if found is not None:
        values.update(_from_file(*found))
    values.update(_from_env(os.environ if environ is None else environ))
    return Config(values, found[0] if found else None)


def _has_table(project: Path) -> bool:
    try:
        data = tomllib.loads(project.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False  # someone else's pyproject: not ours to judge
    return isinstance(data.get("tool"), dict) and isinstance(data["tool"].get("provscan"), dict)


def _from_file(path: Path, table: str) -> dict[str, Value]:
    try:
        data: Any = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    for part in table.split(".") if table else ():
        data = data.get(part, {}) if isinstance(data, dict) else {}
    where = f"{path} [{table}]" if table else str(path)
    out = {}
    for key, raw in data.items():
        if key.replace("-", "_") not in KEYS:
            raise ConfigError(f"{where}: unknown key {key!r} (known: {', '.join(KEYS)})")
        name = key.replace("-", "_")
        out[name] = Value(_typed(name, raw, where, path.parent), f"{path.name}")
    return out


def _from_env(environ: Mapping[str, str]) -> dict[str, Value]:
    out = {}
    for name in KEYS:
        variable = env_name(name)
        text = environ.get(variable)
        if text is not None and text != "":
            out[name] = Value(_typed(name, _env_value(name, text), variable, Path.cwd()), variable)
    return out


def _env_value(name: str, text: str) -> Any:
    kind = KEYS[name].kind
    if kind in ("paths", "texts"):
        return [part for part in text.split(os.pathsep if kind == "paths" else ",") if part]
    if kind == "bool":
        lowered = text.strip().lower()
        return {"1": True, "true": True, "yes": True, "0": False, "false": False,
                "no": False}.get(lowered, text)  # fmt: skip
    if kind == "int":
        return int(text) if text.strip().lstrip("-").isdigit() else text
    if kind == "float":
        try:
            return float(text)
        except ValueError:
            return text
    return text


def _typed(name: str, raw: Any, where: str, base: Path) -> Any:
    """The value checked against its key's type; paths made absolute from ``base``."""
    key = KEYS[name]
    wrong = f"{where}: key {name!r}: "
    if key.kind in ("path", "text"):
        if not isinstance(raw, str) or not raw:
            raise ConfigError(wrong + f"expected a non-empty string, got {raw!r}")
        if key.choices and raw.lower() not in key.choices:
            raise ConfigError(wrong + f"{raw!r} is not one of {', '.join(key.choices)}")
        return base / raw if key.kind == "path" else raw.lower()
    if key.kind in ("paths", "texts"):
        if not isinstance(raw, list) or not all(isinstance(x, str) and x for x in raw):
            raise ConfigError(wrong + f"expected a list of strings, got {raw!r}")
        return [base / x for x in raw] if key.kind == "paths" else list(raw)
    if key.kind == "bool":
        if not isinstance(raw, bool):
            raise ConfigError(wrong + f"expected true or false, got {raw!r}")
        return raw
    if key.kind == "int":
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
            raise ConfigError(wrong + f"expected a whole number of at least 1, got {raw!r}")
        return raw
    if isinstance(raw, bool) or not isinstance(raw, int | float) or raw < 0.1:
        raise ConfigError(wrong + f"expected a number of seconds (at least 0.1), got {raw!r}")
    return float(raw)
