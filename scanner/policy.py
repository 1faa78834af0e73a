"""The policy: which paths are final content and how hard each guideline rule bites.

A policy file is TOML::

    version = 1
    final = ["final/**", "deliverables/**"]   # globs relative to the scan root; default "**"
    not_final = ["**/previs/**"]               # carve-outs from final (optional)
    [levels]                                   # error | warning | off, by rule name or code
    suspected-ai-for-review = "error"
    MED005 = "off"                             # any rule: silence it...
    c2pa-signer-untrusted = "warning"          # ...or make it count for the gate

and what the studio knows beyond any one log entry (:mod:`provscan.policy_tables`): the
production's id, its jurisdictions, its code names, which finals must reserve AI training,
its tool registry (``[[tool]]``) and its protected names (``[[protected]]``, here or in the
file ``protected_file`` names, relative to the policy).

With no file, the built-in default applies: everything scanned is final content and each
POL/LOG rule has the level its severity gives (errors fail the gate, warnings warn,
information is shown and passes); the
detectors' rules are evidence, counted by the gate only through the POL rules. A level given
to a detector's rule applies to its findings in final content (``provscan.stages.levels``):
``off`` leaves them out (and the verdict is decided without them), ``warning`` and
``error`` make each one warn or fail the file unless the AI-use log approved it.
``violation`` is the former name of ``error``, still read.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provscan import policy_tables as tables
from provscan.ailog.match import glob_matches
from provscan.guidelines.names import Protected
from provscan.guidelines.tools import RegisteredTool
from provscan.model import Gate, Rule, Severity
from provscan.rulebook import all_rules, by_code
from provscan.rules.policy import RULES

LEVELS = {"error": Gate.FAIL, "warning": Gate.WARN, "off": Gate.PASS, "violation": Gate.FAIL}
LEVEL_WORDS = {Gate.FAIL: "error", Gate.WARN: "warning", Gate.PASS: "off"}
POLICY_CODES = frozenset(rule.code for rule in RULES)
MAX_POLICY_BYTES = 1024 * 1024


class PolicyError(ValueError):
    """The policy cannot be used; ``errors`` has one line per problem, each naming the file,
    the table and the field (the message is the first)."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(errors[0])
        self.errors = tuple(errors)


@dataclass(frozen=True, slots=True)
class Policy:
    """Final-content globs and the level of each policy rule."""

    final: tuple[str, ...] = ("**",)
    not_final: tuple[str, ...] = ()
    levels: dict[str, Gate] = field(default_factory=dict)  # rule code -> level
    path: str = ""  # "" for the built-in default
    sha256: str = ""
    production: str = ""  # this production's id (consent scopes must name it)
    jurisdictions: tuple[str, ...] = ()  # eu, us-ca, cn
    code_names: tuple[str, ...] = ()  # project code names finals must not leak
    training_reservation: tuple[str, ...] = ()  # globs of finals that must reserve AI training
    tools: tuple[RegisteredTool, ...] = ()  # the tool registry
    protected: tuple[Protected, ...] = ()  # names prompts must not use without approval

    def is_final(self, path: str) -> bool:
        """Whether the file at this root-relative POSIX path is final content."""
        if any(glob_matches(g, path) for g in self.not_final):
            return False
        return any(glob_matches(g, path) for g in self.final)

    def level(self, rule: Rule) -> Gate:
        """The gate outcome a finding of ``rule`` gives under this policy."""
        if rule.code in self.levels:
            return self.levels[rule.code]
        return _DEFAULT_LEVELS[rule.severity]

    def off(self, rule: Rule) -> bool:
        """Whether the policy turned ``rule`` off (its findings are not reported at all; an
        information rule left at its default passes and is reported)."""
        return self.levels.get(rule.code) is Gate.PASS

    def must_reserve_training(self, path: str) -> bool:
        """Whether the final at this path must carry an AI-training reservation."""
        return any(glob_matches(g, path) for g in self.training_reservation)

    def override(self, code: str) -> Gate | None:
        """The level this policy gives a detector's (or stage's) rule, if any; policy and
        log rules always have one (:meth:`level`)."""
        return None if code in POLICY_CODES else self.levels.get(code)

    @property
    def summary(self) -> str:
        """One line for reports: the final globs and any changed levels."""
        text = "final: " + ", ".join(self.final)
        if self.not_final:
            text += "; not final: " + ", ".join(self.not_final)
        changed = [f"{code}={LEVEL_WORDS[gate]}" for code, gate in sorted(self.levels.items())]
        text += f"; levels: {', '.join(changed)}" if changed else ""
        for label, value in (("production", self.production),
                             ("jurisdictions", ", ".join(self.jurisdictions)),
                             ("tools", _count(self.tools)), ("protected names",
                                                             _count(self.protected))):  # fmt: skip
            text += f"; {label}: {value}" if value else ""
        return text


def _count(items: tuple[object, ...]) -> str:
    return str(len(items)) if items else ""


_DEFAULT_LEVELS = {Severity.ERROR: Gate.FAIL, Severity.WARNING: Gate.WARN, Severity.INFO: Gate.PASS}
DEFAULT_POLICY = Policy(sha256=hashlib.sha256(b"provscan default policy 1").hexdigest())


def load_policy(path: Path) -> Policy:
    """Read and validate a policy file; raise PolicyError listing every problem, each
    naming its place (as ``log check`` does for a log)."""
    try:
        data = path.read_bytes()[: MAX_POLICY_BYTES + 1]
        doc = tomllib.loads(data.decode("utf-8-sig"))
    except OSError as exc:
        raise PolicyError([f"{path}: cannot be read ({exc.strerror})"]) from None
    except UnicodeDecodeError:
        raise PolicyError([f"{path}: not UTF-8 text"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError([f"{path}: TOML syntax error: {exc}"]) from None
    except RecursionError:  # tomllib recurses once per nesting level
        raise PolicyError([f"{path}: TOML syntax error: arrays nest too deeply"]) from None
    except ValueError:  # int() of thousands of digits
        raise PolicyError([f"{path}: TOML syntax error: an integer too long"]) from None
    errors = list(_top_problems(doc))
    final = _globs(doc, "final", ("**",), errors)
    not_final = _globs(doc, "not_final", (), errors)
    levels = _levels(doc, errors)
    guidelines = _guidelines(doc, errors)
    elsewhere: list[str] = []  # problems of the names file, each naming that file
    names, extra = _protected_file(path, doc, errors, elsewhere)
    if errors or elsewhere:
        raise PolicyError([f"{path}: {error}" for error in errors] + elsewhere)
    guidelines["protected"] += names
    digest = hashlib.sha256(data + extra).hexdigest()  # the names file is part of the policy
    return Policy(final=final, not_final=not_final, levels=levels, path=str(path),
                  sha256=digest, **guidelines)  # fmt: skip


def _guidelines(doc: dict[str, Any], errors: list[str]) -> dict[str, Any]:
    """The guideline settings and tables (provscan.policy_tables)."""
    return {
        "production": tables.production(doc, errors),
        "jurisdictions": tables.jurisdictions(doc, errors),
        "code_names": tables.text_list(doc, "code_names", errors),
        "training_reservation": tables.reservation(doc, errors),
        "tools": tables.tools(doc, errors),
        "protected": tables.protected(doc, errors),
    }


def _protected_file(
    path: Path, doc: dict[str, Any], errors: list[str], elsewhere: list[str]
) -> tuple[tuple[Protected, ...], bytes]:
    """The ``[[protected]]`` tables of the file ``protected_file`` names (relative to the
    policy), and its bytes (hashed with the policy's)."""
    name = doc.get("protected_file")
    if name is None:
        return (), b""
    if not isinstance(name, str) or not name.strip():
        errors.append("top level, field protected_file: must be the path of a TOML file")
        return (), b""
    target = path.parent / name.strip()
    try:
        data = target.read_bytes()[: MAX_POLICY_BYTES + 1]
        names_doc = tomllib.loads(data.decode("utf-8-sig"))
    except OSError as exc:
        errors.append(f"top level, field protected_file: {target} cannot be read "
                      f"({exc.strerror})")  # fmt: skip
        return (), b""
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError, ValueError) as exc:
        bad_text = isinstance(exc, UnicodeDecodeError)
        elsewhere.append(f"{target}: " + ("not UTF-8 text" if bad_text else f"TOML error: {exc}"))
        return (), b""
    unknown = [k for k in names_doc if k not in ("version", "protected")]
    elsewhere.extend(f"{target}: top level, field {k}: unknown (only version and [[protected]] "
                     "tables)" for k in unknown)  # fmt: skip
    return tables.protected(names_doc, elsewhere, origin=str(target)), data


def _top_problems(doc: dict[str, object]) -> list[str]:
    problems = []
    if doc.get("version") != 1:
        problems.append(f"top level, field version: {doc.get('version')!r} is not a "
                        "supported version (use version = 1)")  # fmt: skip
    for key in doc:
        if key not in _KNOWN:
            problems.append(f"top level, field {key}: unknown (known: {_KNOWN_WORDS})")
    return problems


_KNOWN = ("version", "final", "not_final", "levels", "production", "jurisdictions",
          "code_names", "training_reservation", "protected_file", "tool", "protected")  # fmt: skip
_KNOWN_WORDS = ("version, final, not_final, [levels], production, jurisdictions, code_names, "
                "training_reservation, protected_file, [[tool]], [[protected]]")  # fmt: skip


def _globs(
    doc: dict[str, object], name: str, default: tuple[str, ...], errors: list[str]
) -> tuple[str, ...]:
    value = doc.get(name, list(default))
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        errors.append(f"top level, field {name}: must be a list of path globs")
        return default
    return tuple(v.strip() for v in value)


def _levels(doc: dict[str, object], errors: list[str]) -> dict[str, Gate]:
    table = doc.get("levels", {})
    if not isinstance(table, dict):
        errors.append("[levels]: must be a table of rule = level")
        return {}
    out: dict[str, Gate] = {}
    for name, level in table.items():
        rule = _rule_named(name)
        if rule is None:
            errors.append(f"[levels], field {name}: unknown rule (a code or name that "
                          "'provscan rules' lists)")  # fmt: skip
        elif not isinstance(level, str) or level.lower() not in LEVELS:
            errors.append(f"[levels], field {name}: {level!r} is not a level "
                          "(use error, warning or off)")  # fmt: skip
        else:
            out[rule.code] = LEVELS[level.lower()]
    return out


def _rule_named(name: str) -> Rule | None:
    """The rule of a code (any case) or a name, or None."""
    rule = by_code().get(name.upper())
    return rule or next((r for r in all_rules() if r.name == name), None)
