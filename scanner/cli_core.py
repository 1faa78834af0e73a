"""The command line's work that needs no typer: one-line refusals, the trust settings and the
configuration a command takes from its options, what ``inspect`` does, and how a run that
typer did not start ends.

``provscan inspect FILE...`` is what people run on one file, and typer with its click is a
sixth of that command's start. So when ``inspect``'s arguments are plain (files, and at most
one ``--format text|json``), the console entry point runs it from here without loading typer
(:func:`plain_inspect`, :func:`run_plain`). Anything else (another option, a value in another
case, ``--help``, no file, a file typer would refuse as unreadable, a shell asking for
completions) is typer's to parse and answer, so help and usage errors are typer's own. Both
ways run the same :func:`inspect`; :func:`run_plain` ends a run as ``provscan.cli.main``
does after typer (interrupt, broken pipe, internal error), and tests/test_cli.py runs both
on the same files and compares every byte they print and their exit codes.
"""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from provscan import child, config, supervisor
from provscan.limits import Limits

if TYPE_CHECKING:
    from provscan.model import Settings
    from provscan.timeline.cut import Cut

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

# Config keys whose option has another parameter name in the command's signature.
PARAMETER_OF_KEY = {"format": "output_format"}
TRUST_KEYS = ("trust_anchors", "allowed_list", "trust_config", "no_default_trust")
# The trust options as typer gives them when the command line names none.
_NO_TRUST_OPTIONS = {"trust_anchors": None, "allowed_list": None, "trust_config": None,
                     "no_default_trust": False}  # fmt: skip


class Refused(Exception):
    """Input a command cannot take (an option, a file, a configuration): its message is the
    one line said about it, and the command exits 2."""


def say(message: str) -> None:
    """``provscan: message``, one line on stderr, written by typer's echo (which, among
    other things, drops terminal escapes when stderr is not a terminal) whichever way the
    command started: typer is loaded already, or loads only when there is something to say."""
    import typer

    typer.echo(f"provscan: {message}", err=True)


def read_text(path: Path | None, option: str) -> str | None:
    """The text of an option's file (None when the option is not given)."""
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise Refused(f"{path}: {option}: cannot be read ({exc})") from None


def pem(path: Path | None, option: str) -> str | None:
    """The text of an option's PEM file, refused when it holds no certificate."""
    text = read_text(path, option)
    if text is not None and "-----BEGIN CERTIFICATE-----" not in text:
        raise Refused(f"{path}: {option}: no PEM certificate found in the file")
    return text


def settings(
    trust: Path | None,
    allowed: Path | None,
    cfg: Path | None,
    describe: bool,
    default_trust: bool = True,
) -> Settings:
    """The analysis settings of the trust options: their files, and the trust lists in use."""
    from provscan import trustlists
    from provscan.model import Settings

    anchors = pem(trust, "--trust-anchors")
    try:
        lists = trustlists.in_use(defaults=default_trust)
    except trustlists.TrustListError as exc:
        raise Refused(str(exc)) from None
    text = read_text(cfg, "--trust-config")
    problem = trustlists.check_eku_config(text or "")
    if problem:
        raise Refused(f"{cfg}: --trust-config: {problem}")
    return Settings(
        trust_anchors=anchors,
        allowed_list=pem(allowed, "--allowed-list"),
        trust_config=text,
        trust_lists=lists,
        describe=describe,
    )


def check_target(target: Path) -> None:
    """Refuse a target that is missing, or neither a regular file nor a folder."""
    if not target.exists():
        raise Refused(f"{target}: no such file or folder")
    if not (target.is_dir() or target.is_file()):
        raise Refused(f"{target}: not a regular file or folder")


def check_sources(sources: list[Path] | None) -> None:
    """Refuse a ``--sources`` folder that is not one."""
    for folder in sources or ():
        if not folder.is_dir():
            raise Refused(f"{folder}: --sources: not a folder")


def load_cuts(paths: list[Path], rate: str | None, limits: Limits) -> list[Cut]:
    """The edits, read before the scan: a bad one is refused at once."""
    from provscan.timeline.cut import TimelineError
    from provscan.timeline.load import load_cuts as load
    from provscan.timeline.load import parse_rate

    try:
        exact = parse_rate(rate) if rate is not None else None
    except ValueError as exc:
        raise Refused(f"--rate: {exc}") from None
    try:
        return load(paths, exact, limits)
    except TimelineError as exc:
        raise Refused(str(exc)) from None


def configured(target: Path, given: dict[str, Any], explicit: set[str]) -> dict[str, Any]:
    """A command's options (``given``, by parameter name) with each one the command line did
    not give (not in ``explicit``) taken from the environment, then the configuration file
    (command line > environment > file)."""
    try:
        found = config.load(target)
    except config.ConfigError as exc:
        raise Refused(str(exc)) from None
    merged = dict(given)
    for key in config.KEYS:
        name = PARAMETER_OF_KEY.get(key, key)
        value = found.get(key)
        if value is not None and name in merged and name not in explicit:
            merged[name] = value.value
    return merged


def inspect(
    targets: list[Path],
    trust: dict[str, Any],
    explicit: set[str],
    *,
    json_out: bool,
    sources: list[Path] | None = None,
    rate: str | None = None,
) -> int:
    """``provscan inspect``: each target's inspection on stdout (several: a JSON array, or
    texts headed by their paths), a target that cannot be inspected one line on stderr; the
    exit code, the worst. ``trust`` holds the trust options (TRUST_KEYS), ``explicit`` the
    ones the command line gave. A refusal of the options themselves is raised."""
    check_sources(sources)
    o = configured(targets[0] if targets else Path("."), trust, explicit)
    chosen = settings(o["trust_anchors"], o["allowed_list"], o["trust_config"], describe=True,
                      default_trust=not o["no_default_trust"])  # fmt: skip
    texts, worst = [], EXIT_OK
    for target in targets:
        try:
            text = _inspect_one(target, chosen, sources or [], rate, json_out=json_out)
        except Refused as exc:
            say(str(exc))
            worst = max(worst, EXIT_USAGE)
            continue
        texts.append((target, text))
    sys.stdout.write(_joined(texts, several=len(targets) > 1, json_out=json_out))
    return worst


def _inspect_one(
    target: Path, chosen: Settings, sources: list[Path], rate: str | None, *, json_out: bool
) -> str:
    """One file's inspection text; Refused when it cannot be inspected."""
    from provscan.commands.what_file import is_composition, looks_like_timeline

    check_target(target)
    if not target.is_file():
        raise Refused(f"{target}: inspect takes files (use 'provscan scan' for a folder)")
    if not sources and is_composition(target):
        from provscan.commands.inspect_cpl import inspect_composition  # (CPLs only: start-up)
        from provscan.imf.package import ImfError

        try:
            return inspect_composition(target, json_out=json_out)
        except ImfError as exc:
            raise Refused(str(exc)) from None
    if sources or looks_like_timeline(target):
        limits = Limits()
        cuts = load_cuts([target], rate, limits)
        from provscan.commands.inspect_cut import inspect_cuts  # (edits only: start-up)

        return inspect_cuts(cuts, sources, chosen, limits, json_out=json_out)
    from provscan.engine import scan as run_scan
    from provscan.report import to_inspect

    report = run_scan(target, chosen, Limits())
    render = to_inspect.render_json if json_out else to_inspect.render
    return render(report.files[0])


def _joined(texts: list[tuple[Path, str]], *, several: bool, json_out: bool) -> str:
    """One inspection as it is; several as a JSON array, or texts headed ``==> PATH <==``."""
    if not several:
        return "".join(text for _, text in texts)
    if json_out:
        return "[\n" + ",\n".join(text.rstrip("\n") for _, text in texts) + "\n]\n"
    return "\n".join(f"==> {path} <==\n{text}" for path, text in texts)


# click's shell-completion request for the program "provscan": typer answers it.
_COMPLETION = "_PROVSCAN_COMPLETE"
_FORMAT_OPTIONS = ("--format", "-f")
_FORMATS = ("text", "json")


def plain_inspect(args: list[str]) -> tuple[list[Path], bool] | None:
    """``inspect``'s files and whether JSON is asked for, when ``args`` are ``inspect`` then
    files with at most one ``--format text|json`` (or ``-f``) anywhere among them, the way
    typer would read them; None for anything typer must parse and answer."""
    if not args or args[0] != "inspect" or os.environ.get(_COMPLETION):
        return None
    targets: list[Path] = []
    formats: list[str] = []
    rest = iter(args[1:])
    for arg in rest:
        if arg in _FORMAT_OPTIONS:
            formats.append(next(rest, ""))
        elif arg and not arg.startswith("-"):
            targets.append(Path(arg))
        else:
            return None
    if not targets or len(formats) > 1 or not set(formats) <= set(_FORMATS):
        return None
    if any(_unreadable(target) for target in targets):
        return None  # typer's path type refuses it, in its words
    return targets, formats == ["json"]


def _unreadable(path: Path) -> bool:
    """Whether the path exists but cannot be read (what typer refuses before the command)."""
    try:
        os.stat(path)
    except OSError:
        return False
    return not os.access(path, os.R_OK)


def run_plain(targets: list[Path], json_out: bool) -> NoReturn:
    """Run ``inspect`` on plainly given files and end as ``provscan.cli.main`` ends it after
    typer: the command's exit code; an interrupt 130 without a word (typer makes it the
    command's exit); a broken pipe 1, quietly; an end of input 2 after an empty line; any
    other error one line and 3.

    The console entry point turned the cycle collector off while it loaded, and it stays off:
    most of this run is loading, each file is analysed in a worker that ends with it, and the
    run itself leaves little garbage (about 35 objects in cycles a file, measured on the
    corpus)."""
    child.quiet_libraries()
    supervisor.fork_is_safe = True  # the process entry point: no native threads have started
    try:
        code = inspect(targets, dict(_NO_TRUST_OPTIONS), set(), json_out=json_out)
    except Refused as exc:
        say(str(exc))
        code = EXIT_USAGE
    except KeyboardInterrupt:
        code = EXIT_INTERRUPTED
    except EOFError:
        sys.stderr.write("\n")
        code = EXIT_USAGE
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            internal_error(exc)
        _pacify_streams()
        code = EXIT_FAIL
    except Exception as exc:
        internal_error(exc)
    sys.exit(code)


TRACEBACK_VARIABLE = "PROVSCAN_TRACEBACK"  # set to 1: an internal error shows its traceback


def internal_error(exc: BaseException) -> NoReturn:
    """End with exit 3 on an error provscan did not expect: one line, and the traceback only
    when the user asks for it (``PROVSCAN_TRACEBACK=1``, for a bug report)."""
    line = f"provscan: internal error: {type(exc).__name__}: {exc}"
    if os.environ.get(TRACEBACK_VARIABLE, "") not in ("", "0"):
        import traceback

        sys.stderr.write("".join(traceback.format_exception(exc)))
    else:
        line += f" (set {TRACEBACK_VARIABLE}=1 to see where)"
    sys.stderr.write(line + "\n")
    sys.exit(EXIT_INTERNAL)


def _pacify_streams() -> None:
    """After a broken pipe, stdout and stderr as typer leaves them: their flush at exit says
    nothing more."""
    from typer._click.utils import PacifyFlushWrapper

    sys.stdout = PacifyFlushWrapper(sys.stdout)
    sys.stderr = PacifyFlushWrapper(sys.stderr)
