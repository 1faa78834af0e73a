"""The command line: ``provscan scan``, ``inspect``, ``log check|init`` and ``rules``; thin.

Exit codes: 0 the gate passes at the ``--fail-on`` level; 1 it fails; 2 usage, root, log or
policy error; 3 internal error; 130 interrupted.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer
from provscan import __version__, child, cli_core, config, supervisor
from provscan.cli_core import EXIT_FAIL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from provscan.cli_options import (
    HELP_NAMES,
    AllowedOpt,
    CatalogOpt,
    DaskOpt,
    ExcludeOpt,
    FailOn,
    GroupBy,
    JobsOpt,
    LogOpt,
    NoDefaultExcludesOpt,
    NoDefaultTrustOpt,
    NoTraceOpt,
    OutputFormat,
    PolicyOpt,
    QueryFormat,
    QuietOpt,
    RateOpt,
    Show,
    SourcesOpt,
    TargetArg,
    TimelineOpt,
    TimeoutOpt,
    TraceFormat,
    TrustCfgOpt,
    TrustOpt,
    WordsCommand,
    WordsGroup,
    usage_line,
)
from provscan.limits import DEFAULT_TIMEOUT_S, Limits, default_jobs
from provscan.text import safe

# Each command imports what it runs when it runs (start-up: ``--help``, ``rules`` and
# ``log check`` never load the analysis, c2pa, PyAV, numpy, OpenCV or OpenTimelineIO).
if TYPE_CHECKING:
    from provscan.ailog.load import AiLog
    from provscan.backend import Backend
    from provscan.ignore import Ignore
    from provscan.model import Report, Rule, Settings
    from provscan.policy import Policy
    from provscan.report import outputs as out
    from provscan.stages.baseline import Baseline

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    cls=WordsGroup,
    context_settings=HELP_NAMES,
    help="Media provenance and deliverable scanner (C2PA, XMP/IPTC, EXIF, AI generator markers).",
)


def _print_version(asked: bool) -> None:
    if asked:
        typer.echo(f"provscan {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            metavar="",
            is_eager=True,
            callback=_print_version,
            help="Print provscan's version and exit.",
        ),
    ] = False,
) -> None:
    """Media provenance and deliverable scanner (C2PA, XMP/IPTC, EXIF, AI generator markers)."""


def _fail(message: str) -> typer.Exit:
    cli_core.say(message)
    return typer.Exit(EXIT_USAGE)


P = ParamSpec("P")
T = TypeVar("T")


def _or_fail(call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``call``'s answer (provscan.cli_core), or its refusal in one line and exit 2."""
    try:
        return call(*args, **kwargs)
    except cli_core.Refused as exc:
        raise _fail(str(exc)) from None


@app.command(cls=WordsCommand)
def scan(
    ctx: typer.Context,
    target: TargetArg,
    log: LogOpt = None,
    policy: PolicyOpt = None,
    output_format: Annotated[
        OutputFormat | None,
        typer.Option(
            "--format",
            "-f",
            case_sensitive=False,
            help="Report format (default: text, or each --output's extension).",
        ),
    ] = None,
    output: Annotated[
        list[str] | None,
        typer.Option(
            "--output",
            "-o",
            metavar="PATH",
            help="Write a report here instead of stdout (repeatable: one scan, many "
            "reports). Its format comes from FORMAT:PATH, else the extension (.html, "
            ".sarif, .xml for JUnit, .json, .csv, .txt), else --format; - is stdout.",
        ),
    ] = None,
    fail_on: Annotated[
        FailOn,
        typer.Option(
            "--fail-on",
            case_sensitive=False,
            help="Exit 1 when the gate counts a finding at this level: error "
            "(the gate fails), warning (it fails or warns), or none.",
        ),
    ] = FailOn.ERROR,
    show: Annotated[
        Show,
        typer.Option(
            "--show",
            case_sensitive=False,
            help="Files the text report lists: fail, warn (fail and warn) or all.",
        ),
    ] = Show.ALL,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            metavar="PATH",
            help="Accept the findings this baseline (--write-baseline, or a JSON "
            "report) lists: the gate counts only new ones.",
        ),
    ] = None,
    write_baseline: Annotated[
        Path | None,
        typer.Option(
            "--write-baseline",
            metavar="PATH",
            help="Write the findings the gate counts as a baseline file.",
        ),
    ] = None,
    sarif_root: Annotated[
        Path | None,
        typer.Option(
            "--sarif-root",
            metavar="FOLDER",
            help="Write the paths of SARIF, GitHub and GitLab reports relative to "
            "this folder (the repository's root; default: the scan root for SARIF, "
            "the current folder for GitHub and GitLab).",
        ),
    ] = None,
    sarif_info: Annotated[
        bool,
        typer.Option(
            "--sarif-info",
            metavar="",
            help="Keep info findings (SARIF level note) in the SARIF report.",
        ),
    ] = False,
    trust_anchors: TrustOpt = None,
    allowed_list: AllowedOpt = None,
    trust_config: TrustCfgOpt = None,
    no_default_trust: NoDefaultTrustOpt = False,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT_S,
    sources: SourcesOpt = None,
    no_trace: NoTraceOpt = False,
    quiet: QuietOpt = False,
    jobs: JobsOpt = None,
    catalog: CatalogOpt = None,
    dask: DaskOpt = None,
    timeline: TimelineOpt = None,
    rate: RateOpt = None,
    exclude: ExcludeOpt = None,
    no_default_excludes: NoDefaultExcludesOpt = False,
) -> None:
    """Scan a folder or a file, check AI material against the AI-use log and the policy.
    Options not given here come from PROVSCAN_* variables, then provscan.toml (provscan
    config shows what applies)."""
    from provscan.distributed import DaskUnavailable
    from provscan.pipeline import check_delivery
    from provscan.progress import Counted, stderr_progress
    from provscan.report import outputs as out
    from provscan.report import to_text
    from provscan.stages.baseline import render_baseline

    _or_fail(cli_core.check_target, target)
    o = _configured(ctx, target, locals())
    log, policy, output, catalog = o["log"], o["policy"], o["output"], o["catalog"]
    trust_anchors, allowed_list = o["trust_anchors"], o["allowed_list"]
    trust_config, no_default_trust = o["trust_config"], o["no_default_trust"]
    sources, no_trace, jobs, timeout = o["sources"], o["no_trace"], o["jobs"], o["timeout"]
    exclude, no_default_excludes = o["exclude"], o["no_default_excludes"]
    show, baseline, sarif_root = Show(o["show"]), o["baseline"], o["sarif_root"]
    output_format = OutputFormat(o["output_format"]) if o["output_format"] else None
    fail_on = FailOn(o["fail_on"])
    _or_fail(cli_core.check_sources, sources)
    targets = _outputs(_specs(output), output_format)
    base = _base(sarif_root, [target, *(sources or ())])
    accepted = _load_baseline(baseline)
    ignores = _load_ignores([target, *(sources or ())], exclude or [], not no_default_excludes)
    ai_log, rules = _load_log(log), _load_policy(policy)
    settings = _or_fail(
        cli_core.settings,
        trust_anchors,
        allowed_list,
        trust_config,
        describe=False,
        default_trust=not no_default_trust,
    )
    limits = Limits(timeout_s=timeout, jobs=_jobs(jobs))
    cuts = _or_fail(cli_core.load_cuts, timeline or [], rate, limits)
    backend = _backend(catalog, dask, settings, [target, *(sources or ())])
    progress = Counted(stderr_progress(sys.stderr, quiet=quiet))
    try:
        report = check_delivery(
            target, sources=sources or (), log=ai_log, policy=rules, settings=settings,
            limits=limits, today=dt.date.today(), trace=not no_trace,
            progress=progress, backend=backend, cuts=cuts, ignores=ignores,
            baseline=accepted,
        )  # fmt: skip
    except DaskUnavailable as exc:
        raise _fail(f"--dask: {exc}") from None
    except KeyboardInterrupt:  # the workers ignore it: this process says how far it got
        typer.echo(f"provscan: {progress.interrupted()}", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        if backend.catalog is not None:
            backend.catalog.close()
    options = out.RenderOptions(show=show.value, base=base, sarif_info=sarif_info,
                                limits=limits)  # fmt: skip
    for target_output in targets:  # one scan, every report rendered from it
        _write_output(report, target_output, options)
    if write_baseline is not None:
        _write(render_baseline(report), write_baseline, "--write-baseline")
    text_on_stdout = any(t.path is None and t.format == "text" for t in targets)
    if not text_on_stdout:
        for finding in report.delivery_findings:  # the text report on stdout says it already
            typer.echo(f"provscan: {finding.evidence.message}", err=True)
    written = [t.label for t in targets if t.path is not None]
    typer.echo(f"provscan: {to_text.summary_line(report, written)}", err=True)
    raise typer.Exit(exit_code(report, fail_on))


def _configured(ctx: typer.Context, target: Path, given: dict[str, Any]) -> dict[str, Any]:
    """The command's options with each one the command line did not give taken from the
    environment, then the configuration file (command line > environment > file)."""
    return _or_fail(cli_core.configured, target, given, _explicit(ctx, given))


def _explicit(ctx: typer.Context, given: dict[str, Any]) -> set[str]:
    """The options of ``given`` that the command line gave (not typer's defaults)."""
    sources = {name: ctx.get_parameter_source(name) for name in given}
    return {name for name, source in sources.items()
            if source is not None and source.name != "DEFAULT"}  # fmt: skip


def _specs(output: list[str] | Path | None) -> list[str]:
    """The -o values: the command line's, or the one output a configuration names."""
    if output is None:
        return []
    return [str(output)] if isinstance(output, Path) else list(output)


def _outputs(specs: list[str], asked: OutputFormat | None) -> list[out.Output]:
    """The reports asked for; a contradiction between -o and -f is one line, exit 2."""
    from provscan.report import outputs as out

    try:
        return out.outputs(specs, asked.value if asked else None)
    except out.OutputError as exc:
        raise _fail(f"--output: {exc}") from None


def _base(sarif_root: Path | None, scanned: list[Path]) -> Path | None:
    """The folder CI paths are relative to: it must hold what is scanned."""
    from provscan.report.locations import OutsideRoot, check_inside

    if sarif_root is None:
        return None
    if not sarif_root.is_dir():
        raise _fail(f"{sarif_root}: --sarif-root: not a folder")
    try:
        check_inside(scanned, sarif_root)
    except OutsideRoot as exc:
        raise _fail(f"--sarif-root: {exc}") from None
    return sarif_root


def _load_baseline(path: Path | None) -> Baseline | None:
    from provscan.stages.baseline import BaselineError, load_baseline

    if path is None:
        return None
    try:
        return load_baseline(path)
    except BaselineError as exc:
        raise _fail(str(exc)) from None


def _write_output(report: Report, target: out.Output, options: out.RenderOptions) -> None:
    """One report written to its file or stdout; colour only for text on a terminal."""
    from provscan.model import evolve
    from provscan.report import outputs as out
    from provscan.report import to_text

    color = target.path is None and to_text.wants_color(sys.stdout)
    chunks = out.chunks(report, target.format, evolve(options, color=color))
    _write_chunks(chunks, target.path)


def _load_ignores(roots: list[Path], excludes: list[str], defaults: bool) -> dict[Path, Ignore]:
    """What each root's walk leaves out; a bad pattern or ignore file: one line, exit 2."""
    from provscan.ignore import IgnoreError, load_ignore

    try:
        return {root: load_ignore(root, excludes, defaults=defaults) for root in roots}
    except IgnoreError as exc:
        raise _fail(str(exc)) from None


def _backend(
    catalog: Path | None, dask: str | None, settings: Settings, roots: Sequence[Path] = ()
) -> Backend:
    """Where files are analysed, and the opened catalog with the scan's ``roots`` in it (a
    bad catalog, a root it cannot record or an unreachable Dask scheduler: exit 2, before
    any file is read)."""
    from provscan.backend import open_backend
    from provscan.catalog.store import CatalogError
    from provscan.distributed import DaskUnavailable

    try:
        backend = open_backend(catalog, dask, settings)
        opened = backend.catalog
        if opened is not None:
            for root in roots:
                opened.root_id(root)
    except DaskUnavailable as exc:
        raise _fail(f"--dask: {exc}") from None
    except CatalogError as exc:
        raise _fail(f"--catalog: {exc}") from None
    return backend


def _jobs(asked: int | None) -> int:
    """The workers asked for (default: every core); more than the cores gets one warning
    line: they only wait for a core, each having paid its start-up. The scan itself never
    runs more workers than files."""
    cores = default_jobs()
    if asked is not None and asked > cores:
        typer.echo(f"provscan: --jobs {asked} is more than the {cores} cores this process may "
                   "use; the extra workers only wait for a core", err=True)  # fmt: skip
    return asked or cores


def _load_log(path: Path | None) -> AiLog | None:
    return None if path is None else _load_log_file(path)


def _load_log_file(path: Path, *, keys_only: bool = False) -> AiLog:
    """The validated log, or every problem printed on its own line and exit 2."""
    from provscan.ailog.load import LogError, load_log

    try:
        return load_log(path, keys_only=keys_only)
    except LogError as exc:
        for line in exc.errors:
            typer.echo(f"provscan: {line}", err=True)
        raise typer.Exit(EXIT_USAGE) from None


def _load_policy(path: Path | None) -> Policy:
    from provscan.policy import DEFAULT_POLICY, PolicyError, load_policy

    if path is None:
        return DEFAULT_POLICY
    try:
        return load_policy(path)
    except PolicyError as exc:  # every problem, one line each, as for a log
        for line in exc.errors:
            typer.echo(f"provscan: {line}", err=True)
        raise typer.Exit(EXIT_USAGE) from None


def _write_chunks(chunks: Iterator[str], output: Path | None) -> None:
    """Write the pieces as they are made, to stdout or ``output``."""
    if output is None:
        for chunk in chunks:
            sys.stdout.write(chunk)
        return
    try:
        with output.open("w", encoding="utf-8", errors="surrogateescape") as stream:
            for chunk in chunks:
                stream.write(chunk)
    except OSError as exc:
        raise _fail(f"{output}: --output: cannot be written ({exc.strerror})") from None


def _write(text: str, output: Path | None, option: str = "--output") -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8", errors="surrogateescape")
    except OSError as exc:
        raise _fail(f"{output}: {option}: cannot be written ({exc.strerror})") from None


def exit_code(report: Report, fail_on: FailOn) -> int:
    """1 when the delivery's gate reaches the ``--fail-on`` level (error: the gate fails;
    warning: it fails or warns), else 0."""
    from provscan.model import Gate

    if fail_on is FailOn.NONE:
        return EXIT_OK
    floor = Gate.WARN if fail_on is FailOn.WARNING else Gate.FAIL
    return EXIT_FAIL if report.gate.rank >= floor.rank else EXIT_OK


@app.command(cls=WordsCommand)
def inspect(
    ctx: typer.Context,
    targets: Annotated[
        list[Path], typer.Argument(help="Media files, or edits (timelines), one or more.")
    ],
    trust_anchors: TrustOpt = None,
    allowed_list: AllowedOpt = None,
    trust_config: TrustCfgOpt = None,
    no_default_trust: NoDefaultTrustOpt = False,
    output_format: Annotated[
        TraceFormat,
        typer.Option("--format", "-f", case_sensitive=False, help="Output format."),
    ] = TraceFormat.TEXT,
    sources: Annotated[
        list[Path] | None,
        typer.Option("--sources", help="For an edit: the media folder(s) its clips come from."),
    ] = None,
    rate: RateOpt = None,
) -> None:
    """Everything provscan knows about a file: the short answer first, then the details.
    For an edit (EDL, FCP 7 XML, FCPXML, AAF, OTIO): its clips with their sources' verdicts;
    for an IMF composition playlist (CPL): where each resource plays. Several files: each in
    turn (JSON: an array); one that cannot be inspected is one line on stderr, and the exit
    code is the worst. Trust options not given here come from PROVSCAN_* variables, then
    provscan.toml."""
    trust = {k: v for k, v in locals().items() if k in cli_core.TRUST_KEYS}
    code = _or_fail(cli_core.inspect, targets, trust, _explicit(ctx, trust),
                    json_out=output_format is TraceFormat.JSON, sources=sources,
                    rate=rate)  # fmt: skip
    raise typer.Exit(code)


log_app = typer.Typer(
    no_args_is_help=True, cls=WordsGroup, help="Check or draft the production's AI-use log."
)
app.add_typer(log_app, name="log")


_CHECK_HELP = (
    "Validate an AI-use log: every problem on its own line (file, row or table, field). An "
    "entry's content keys (sha256, c2pa_instance_id, phash) decide which file it approves, "
    "wherever the file now lies; require_path = true makes its path a condition too."
)


@log_app.command("check", help=_CHECK_HELP, cls=WordsCommand)
def log_check(
    log_files: Annotated[
        list[Path], typer.Argument(help="AI-use logs (.toml or .csv), one or more.")
    ],
) -> None:
    """Validate AI-use logs (see _CHECK_HELP); the exit code is the worst (2 when any log
    is refused)."""
    worst = EXIT_OK
    for log_file in log_files:
        try:
            ai_log = _load_log_file(log_file)
        except typer.Exit as exc:  # its problems are on stderr
            worst = max(worst, exc.exit_code)
            continue
        typer.echo(f"{log_file}: OK, {len(ai_log.entries)} entries")
    raise typer.Exit(worst)


@log_app.command("init", cls=WordsCommand)
def log_init(
    target: TargetArg,
    trust_anchors: TrustOpt = None,
    existing: Annotated[
        Path | None,
        typer.Option(
            "--log",
            help="An existing log: draft only the files it does not cover, "
            "its ids continued, as what to append to it.",
        ),
    ] = None,
    root: Annotated[
        Path | None,
        typer.Option(
            "--root",
            help="Write paths relative to this folder (the one the log will "
            "be scanned with); default: the folder drafted, or the file's folder.",
        ),
    ] = None,
) -> None:
    """Draft an AI-use log (TOML, on stdout) with one entry per file carrying AI evidence."""
    from provscan.ailog.draft import DraftError, draft_prefix, render_draft
    from provscan.engine import scan as run_scan
    from provscan.stages.sequences import group_sequences

    _or_fail(cli_core.check_target, target)
    try:
        draft_prefix(target, root)  # a wrong --root is said before the scan
    except DraftError as exc:
        raise _fail(str(exc)) from None
    ai_log = None if existing is None else _load_log_file(existing, keys_only=True)
    settings = _or_fail(cli_core.settings, trust_anchors, None, None, describe=False)
    ignore = _load_ignores([target], [], defaults=True)[target]
    report = group_sequences(run_scan(target, settings, Limits(), ignore=ignore))
    try:
        draft = render_draft(report, target, dt.date.today(), root=root, existing=ai_log)
    except DraftError as exc:
        raise _fail(str(exc)) from None
    sys.stdout.write(draft)


CatalogArg = Annotated[
    Path, typer.Argument(metavar="CATALOG", help="The catalog (SQLite) a scan wrote.")
]
QueryFormatOpt = Annotated[
    QueryFormat, typer.Option("--format", "-f", case_sensitive=False, help="Output format.")
]
QueryOutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", metavar="PATH", help="Write here instead of stdout."),
]

catalog_app = typer.Typer(
    no_args_is_help=True, cls=WordsGroup, help="Ask the archive catalog (--catalog)."
)
app.add_typer(catalog_app, name="catalog")


@catalog_app.command("query", cls=WordsCommand)
def catalog_query(
    database: CatalogArg,
    verdict: Annotated[
        list[str] | None,
        typer.Option(
            "--verdict",
            metavar="VERDICT",
            help="Only this verdict (repeatable), e.g. ai-generated.",
        ),
    ] = None,
    ai: Annotated[
        bool,
        typer.Option("--ai", help="Only files with AI evidence (generated, edited, suspected)."),
    ] = False,
    tool: Annotated[
        str, typer.Option("--tool", metavar="TEXT", help="Only files whose tool contains this.")
    ] = "",
    folder: Annotated[
        str,
        typer.Option(
            "--folder", metavar="FOLDER", help="Only files in this folder (and below) of a root."
        ),
    ] = "",
    changed_since: Annotated[
        str,
        typer.Option(
            "--changed-since",
            metavar="WHEN",
            help="Only files new or changed since a date (YYYY-MM-DD), a date-time "
            "(YYYY-MM-DDTHH:MM, UTC unless it names its zone) or last-run (by the "
            "latest run of their folder).",
        ),
    ] = "",
    gate: Annotated[
        list[str] | None,
        typer.Option(
            "--gate",
            metavar="GATE",
            help="Only this gate outcome (repeatable): pass, warn or fail.",
        ),
    ] = None,
    count_by: Annotated[
        GroupBy | None,
        typer.Option(
            "--count-by", case_sensitive=False, help="Count the files per tool, folder..."
        ),
    ] = None,
    output_format: QueryFormatOpt = QueryFormat.TABLE,
    output: QueryOutputOpt = None,
) -> None:
    """Which files are AI-generated, by tool, by folder, changed since a date-time or the
    last run (CSV/JSON too)."""
    from provscan.catalog import query as cq
    from provscan.catalog.store import CatalogError
    from provscan.model import Gate, Verdict

    verdicts = tuple(v.lower() for v in verdict or ()) + (cq.AI_VERDICTS if ai else ())
    gates = tuple(g.lower() for g in gate or ())
    known = {v.value for v in Verdict}
    for value in verdicts:
        if value not in known:
            raise _fail(f"--verdict: {value!r} is not a verdict ({', '.join(sorted(known))})")
    for value in gates:
        if value not in {g.value for g in Gate}:
            raise _fail(f"--gate: {value!r} is not a gate outcome (pass, warn, fail)")
    try:
        since = cq.since(changed_since) if changed_since else ""
    except ValueError as exc:
        raise _fail(f"--changed-since: {exc}") from None
    query = cq.Query(verdicts, tool, folder, since, gates)
    table = output_format is QueryFormat.TABLE
    try:
        rows = cq.answer(database, query, count_by.value if count_by else None, table=table)
    except CatalogError as exc:
        raise _fail(str(exc)) from None
    _write(cq.render(rows, output_format.value), output)


@catalog_app.command("runs", cls=WordsCommand)
def catalog_runs(
    database: CatalogArg,
    output_format: QueryFormatOpt = QueryFormat.TABLE,
    output: QueryOutputOpt = None,
) -> None:
    """The past runs: folder, times, state, gate, files from the catalog and read, and how
    many files each found new, changed, removed or judged differently."""
    from provscan.catalog import query as cq
    from provscan.catalog.store import CatalogError

    try:
        rows = cq.runs(database)
    except CatalogError as exc:
        raise _fail(str(exc)) from None
    if not rows and output_format is QueryFormat.TABLE:
        _write("no runs recorded\n", output)
        return
    _write(cq.render(rows, output_format.value), output)


@catalog_app.command("diff", cls=WordsCommand)
def catalog_diff(
    database: CatalogArg,
    run_a: Annotated[int, typer.Argument(metavar="RUN_A", help="The earlier run (catalog runs).")],
    run_b: Annotated[int, typer.Argument(metavar="RUN_B", help="The later run, same folder.")],
    output_format: QueryFormatOpt = QueryFormat.TABLE,
    output: QueryOutputOpt = None,
) -> None:
    """What changed from RUN_A to RUN_B: new, changed and removed files, files judged
    differently (verdict or gate), and the delivery's gate."""
    from provscan.catalog import query as cq
    from provscan.catalog.store import CatalogError

    try:
        head, rows = cq.diff(database, run_a, run_b)
    except CatalogError as exc:
        raise _fail(str(exc)) from None
    if output_format is QueryFormat.JSON:
        _write(json.dumps({**head, "files": rows}, indent=2, ensure_ascii=True) + "\n", output)
        return
    if output_format is QueryFormat.CSV:
        _write(cq.render(rows, "csv"), output)
        return
    gate = f"gate {head['gate_a'] or '-'} -> {head['gate_b'] or '-'}"
    title = safe(f"{head['root']}: run {run_a} -> run {run_b}, {gate}")
    body = cq.render(rows, "table") if rows else "no file changed\n"
    _write(f"{title}\n{body}", output)


@app.command(cls=WordsCommand)
def trace(
    video: Annotated[Path, typer.Argument(help="The video to search.")],
    reference: Annotated[
        list[Path], typer.Option("--reference", "-r", help="A still to look for (repeatable).")
    ],
    output_format: Annotated[
        TraceFormat,
        typer.Option("--format", "-f", case_sensitive=False, help="Output format."),
    ] = TraceFormat.TEXT,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT_S,
) -> None:
    """Find where stills appear in a video, with timecodes (exit 1 when one is found)."""
    from provscan.commands.trace import run_trace

    _or_fail(cli_core.check_target, video)
    for still in reference:
        if not still.is_file():
            raise _fail(f"{still}: --reference: no such file")
    text, found = run_trace(video, reference, Limits(timeout_s=timeout), output_format.value)
    sys.stdout.write(text)
    raise typer.Exit(EXIT_FAIL if found else EXIT_OK)


@app.command(cls=WordsCommand)
def rules(
    codes: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="CODE",
            help="Rules to explain (codes or names, any case); none: list every rule.",
        ),
    ] = None,
    output_format: Annotated[
        TraceFormat, typer.Option("--format", "-f", case_sensitive=False, help="Output format.")
    ] = TraceFormat.TEXT,
) -> None:
    """List every rule (code, name, severity, summary), or explain the rules named, as
    'ruff rule' does: what each means, its default level and how a policy changes it."""
    from provscan.report import to_rules
    from provscan.rulebook import all_rules

    chosen = [_rule(code) for code in codes or ()]
    text = to_rules.render(chosen or list(all_rules()), fmt=output_format.value,
                           detail=bool(chosen))  # fmt: skip
    sys.stdout.write(text)


def _rule(code: str) -> Rule:
    """The rule of a code or name (any case), or one line and exit 2."""
    from provscan.rulebook import all_rules, by_code

    rule = by_code().get(code.upper()) or next(
        (r for r in all_rules() if r.name == code.lower()), None
    )
    if rule is None:
        raise _fail(f"rules: {code!r} is not a rule code or name (provscan rules lists them)")
    return rule


def main() -> None:
    """Console entry point: maps interrupts to 130 and uncaught errors to 3 (not Python's 1)."""
    child.quiet_libraries()
    supervisor.fork_is_safe = True  # the process entry point: no native threads have started
    try:
        code = narrowed(sys.argv[1:])(standalone_mode=False, prog_name="provscan")
    except KeyboardInterrupt:
        sys.stderr.write("provscan: interrupted\n")
        sys.exit(EXIT_INTERRUPTED)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except SystemExit:
        raise
    except Exception as exc:
        if _is_usage_error(exc):
            sys.exit(EXIT_USAGE)
        cli_core.internal_error(exc)
    sys.exit(code if isinstance(code, int) else EXIT_OK)


def narrowed(args: list[str]) -> typer.Typer:
    """The app with only the command (or command group) ``args`` names, or the whole app
    when they name none (``--help``, a typo): typer builds every command's parameters from
    its signature at each start, a quarter of a one-file ``inspect``'s time for commands
    that do not run. The same callback keeps the group's shape and options (``provscan
    [--version] NAME ...``)."""
    name = args[0] if args and not args[0].startswith("-") else ""
    commands = [c for c in app.registered_commands if _command_name(c) == name]
    groups = [g for g in app.registered_groups if g.name == name]
    if not name or not (commands or groups):
        return app
    only = typer.Typer(add_completion=False, no_args_is_help=True, cls=WordsGroup,
                       context_settings=HELP_NAMES, help=app.info.help)  # fmt: skip
    only.registered_commands, only.registered_groups = commands, groups
    only.callback()(_options)
    return only


def _command_name(command: typer.models.CommandInfo) -> str:
    if command.name:
        return str(command.name)
    callback = command.callback
    return callback.__name__.lower().replace("_", "-") if callback is not None else ""


def _is_usage_error(exc: Exception) -> bool:
    """Typer's own parse errors (bad option values, unknown commands): shown in one line
    (help asked for with no command is the help itself)."""
    if type(exc).__name__ == "NoArgsIsHelpError":
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        return True
    if isinstance(exc, typer.TyperException):
        sys.stderr.write(f"{usage_line(exc)}\n")
        return True
    return isinstance(exc, typer.Abort)


if __name__ == "__main__":
    main()


trust_app = typer.Typer(
    help="The C2PA trust lists provscan validates against (bundled, dated, offline).",
    invoke_without_command=True,
    cls=WordsGroup,
)
app.add_typer(trust_app, name="trust")


@trust_app.callback()
def trust_lists(ctx: typer.Context) -> None:
    """Show the trust lists in use: name, snapshot date, anchors, source and licence."""
    from provscan import trustlists

    if ctx.invoked_subcommand is not None:
        return
    try:
        lists = trustlists.in_use()
    except trustlists.TrustListError as exc:
        raise _fail(str(exc)) from None
    for t in lists:
        count = trustlists.certificates(t.anchors) + trustlists.certificates(t.allowed)
        typer.echo(f"{t.id:<10} {t.name} ({t.kind} anchors), snapshot {t.date or 'undated'}, "
                   f"{count} certificates [{t.origin}]")  # fmt: skip
        typer.echo(f"{'':<10} source: {t.source or '-'}")
        typer.echo(f"{'':<10} licence: {t.licence or '-'}")
    typer.echo(f"installed lists live in {trustlists.trust_dir()} (PROVSCAN_TRUST_DIR)")


def _install(source: Path, list_id: str, name: str | None, kind: str, date: str | None) -> None:
    from provscan import trustlists

    try:
        when = dt.date.fromisoformat(date) if date else dt.date.today()
    except ValueError:
        raise _fail(f"--date {date!r}: expected YYYY-MM-DD") from None
    try:
        done = trustlists.install(source, list_id=list_id, name=name or list_id, kind=kind,
                                  date=when)  # fmt: skip
    except trustlists.TrustListError as exc:
        raise _fail(str(exc)) from None
    count = trustlists.certificates(done.trust_list.anchors)
    typer.echo(f"installed {done.trust_list.label}: {count} certificates, {done.path}")


ListIdOpt = Annotated[str, typer.Option("--list", help="The list's id (see provscan trust).")]
KindOpt = Annotated[str, typer.Option("--kind", help="manifest, tsa or cawg.")]
DateOpt = Annotated[
    str | None, typer.Option("--date", help="The snapshot's date, YYYY-MM-DD (default: today).")
]


@trust_app.command("add", cls=WordsCommand)
def trust_add(
    source: Annotated[Path, typer.Argument(help="A PEM file of trust anchors you downloaded.")],
    list_id: ListIdOpt,
    name: Annotated[str | None, typer.Option("--name", help="The list's name.")] = None,
    kind: KindOpt = "manifest",
    date: DateOpt = None,
) -> None:
    """Add a trust list of your own (validated PEM, dated), used by every later run."""
    _install(source, list_id, name, kind, date)


@trust_app.command("update", cls=WordsCommand)
def trust_update(
    source: Annotated[Path, typer.Argument(help="A newer snapshot of a list, as PEM.")],
    list_id: ListIdOpt = "c2pa",
    kind: KindOpt = "manifest",
    date: DateOpt = None,
) -> None:
    """Install a newer snapshot of a list (default: the C2PA trust list) in place of the
    bundled one; provscan never fetches it itself."""
    from provscan import trustlists

    known = {t.id: t.name for t in trustlists.bundled()}
    _install(source, list_id, known.get(list_id), kind, date)


@app.command("config", cls=WordsCommand)
def show_config(
    target: Annotated[
        Path,
        typer.Argument(
            metavar="TARGET", help="The folder or file a scan would be run on (default: here)."
        ),
    ] = Path("."),
) -> None:
    """Show the settings a scan of TARGET takes from PROVSCAN_* variables and provscan.toml,
    and where each comes from (the command line overrides both)."""
    try:
        found = config.load(target)
    except config.ConfigError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"configuration file: {found.file or 'none found'}")
    for key in config.KEYS:
        value = found.get(key)
        shown = "-" if value is None else _shown(value.value)
        origin = "default" if value is None else value.origin
        typer.echo(f"  {key:<20} {shown:<40} ({origin}; {config.env_name(key)})")


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value).lower() if isinstance(value, bool) else str(value)
