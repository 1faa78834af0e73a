"""The QC gate: each guideline rule, scope and expiry, log hygiene, the CLI, and the sample."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from provscan import cli
from provscan.ailog.load import load_log
from provscan.engine import scan
from provscan.limits import Limits
from provscan.model import Gate, Report, Settings
from provscan.pipeline import check_delivery
from provscan.policy import DEFAULT_POLICY, load_policy
from provscan.stages.gate import apply_gate
from typer.testing import CliRunner

from tests.conftest import FIXTURES

FILES = FIXTURES / "files"
TODAY = dt.date(2026, 11, 25)
APPROVED = (
    'status = "approved"\napproved_by = "Legal"\napproved_on = 2026-09-01\napproval_ref = "L-1"\n'
)
runner = CliRunner()
# A complete consent record (the ledger POL013 checks) for a replaced performance.
CONSENT = ('performer = "A. Narrator"\nconsent_ref = "CONSENT-7"\nconsent_date = 2026-08-01\n'
           'consent_scope = ["HL-2026"]\nminor = false\n')  # fmt: skip


@pytest.fixture()
def delivery(tmp_path: Path) -> Path:
    """A delivery with one AI still (A1111 PNG), one camera JPEG and one misnamed-free AI WAV."""
    root = tmp_path / "delivery"
    (root / "stills").mkdir(parents=True)
    shutil.copy(FILES / "generators" / "a1111.png", root / "stills" / "archival.png")
    shutil.copy(FILES / "generators" / "camera.jpg", root / "stills" / "camera.jpg")
    return root


# The A1111 still carries its prompt, which a final should not leak (POL018, tested in
# tests/test_guidelines.py): the guideline tables here judge approvals, so they leave it off.
NO_LEAKS = 'version = 1\n[levels]\nprovenance-leak = "off"\n'


def _gate(root: Path, tmp_path: Path, entry: str, policy: str = NO_LEAKS) -> Report:
    log_path = tmp_path / "ai-use.toml"
    log_path.write_text(f'version = 1\n[[entry]]\nid = "AI-1"\n{entry}', encoding="utf-8")
    (tmp_path / "policy.toml").write_text(policy, encoding="utf-8")
    rules = load_policy(tmp_path / "policy.toml")
    return apply_gate(scan(root, Settings()), root, load_log(log_path), rules, TODAY)


def _file(report: Report, path: str) -> tuple[str, str | None, list[str]]:
    """The file's gate, approval and the policy findings that count for its gate (the marking
    layers, POL020, are information)."""
    result = next(r for r in report.files if r.path == path)
    codes = [f.rule.code for f in result.findings if f.rule.code[:3] == "POL"]
    return result.gate.value, result.approval, [c for c in codes if c != "POL020"]


def _log_codes(report: Report) -> list[str]:
    return sorted(f.rule.code for f in report.log_findings)


PATH = 'path = "stills/archival.png"\n'


@pytest.mark.parametrize(
    ("entry", "gate", "approval", "codes", "log_codes"),
    [
        # guideline 1: written approval for final, current, scope final
        ('scope = ["final"]\n' + APPROVED + PATH, "pass", "AI-1", [], ["LOG003"]),
        ('scope = ["temp"]\n' + APPROVED + PATH, "fail", None, ["POL001"], ["LOG003"]),
        ('scope = ["final"]\nstatus = "pending"\n' + PATH, "fail", None, ["POL001"],
         ["LOG003", "LOG004"]),
        ('scope = ["final"]\nstatus = "denied"\n' + PATH, "fail", None, ["POL001"],
         ["LOG003", "LOG004"]),
        ('scope = ["final"]\nexpires = 2026-11-24\n' + APPROVED + PATH, "fail", None, ["POL001"],
         ["LOG002", "LOG003"]),
        ('scope = ["final"]\nexpires = 2026-11-25\n' + APPROVED + PATH, "pass", "AI-1", [],
         ["LOG003"]),
        # no entry matches: stale entry, violation on the file
        ('scope = ["final"]\n' + APPROVED + 'path = "other/*.png"\n', "fail", None, ["POL001"],
         ["LOG001"]),
        # guideline 2: sensitive uses need written approval; replacing talent needs consent
        ('scope = ["final"]\ntalent_likeness = true\nstatus = "pending"\n' + PATH, "fail", None,
         ["POL001", "POL002", "POL013"], ["LOG003", "LOG004"]),
        ('scope = ["temp"]\nthird_party_ip = true\nstatus = "pending"\n' + PATH, "fail", None,
         ["POL001", "POL002"], ["LOG003", "LOG004"]),
        ('scope = ["final"]\nreplaces_talent_or_union_work = true\n' + APPROVED + PATH, "fail",
         "AI-1", ["POL002", "POL013"], ["LOG003"]),
        # consent recorded, but the ledger (performer, date, scope, minor) is incomplete
        ('scope = ["final"]\nreplaces_talent_or_union_work = true\ntalent_consent = true\n'
         + APPROVED + PATH, "fail", "AI-1", ["POL013"], ["LOG003"]),
        ('scope = ["final"]\nreplaces_talent_or_union_work = true\n' + CONSENT + APPROVED + PATH,
         "pass", "AI-1", [], ["LOG003"]),
        # guideline 3: training tools and non-enterprise use need an explicit exception
        ('scope = ["final"]\ntool_trains_on_inputs = true\n' + APPROVED + PATH, "fail", "AI-1",
         ["POL003"], ["LOG003"]),
        ('scope = ["final"]\ntool_trains_on_inputs = true\napproved_exceptions = '
         '["tool_trains_on_inputs"]\n' + APPROVED + PATH, "pass", "AI-1", [], ["LOG003"]),
        ('scope = ["final"]\nenterprise_environment = false\n' + APPROVED + PATH, "fail", "AI-1",
         ["POL003"], ["LOG003"]),
    ],
)  # fmt: skip
def test_guidelines(
    delivery: Path,
    tmp_path: Path,
    entry: str,
    gate: str,
    approval: str | None,
    codes: list[str],
    log_codes: list[str],
) -> None:
    """Each guideline decides the AI still's gate, approval and policy findings as documented."""
    report = _gate(delivery, tmp_path, entry)
    assert _file(report, "stills/archival.png") == (gate, approval, codes)
    assert _file(report, "stills/camera.jpg") == ("pass", None, [])
    assert _log_codes(report) == log_codes


def test_sha256_match_is_named_and_not_weak(delivery: Path, tmp_path: Path) -> None:
    """A sha256 entry approves the file, is reported as the match key, and is not 'path only'."""
    sha = __import__("hashlib").sha256((delivery / "stills/archival.png").read_bytes()).hexdigest()
    report = _gate(delivery, tmp_path, f'scope = ["final"]\n{APPROVED}sha256 = "{sha}"\n')
    result = next(r for r in report.files if r.path == "stills/archival.png")
    assert (result.gate, result.approval, result.matched_by) == (Gate.PASS, "AI-1", "sha256")
    assert all(f.approval == "AI-1" for f in result.findings if f.rule.code == "GEN001")
    assert report.log_findings == ()


def test_not_final_content_needs_no_final_approval(delivery: Path, tmp_path: Path) -> None:
    """With a policy that leaves stills/ out of final content, temp approval is enough."""
    policy = 'version = 1\nfinal = ["**"]\nnot_final = ["stills/**"]\n'
    report = _gate(delivery, tmp_path, 'scope = ["temp"]\n' + APPROVED + PATH, policy)
    assert _file(report, "stills/archival.png") == ("pass", "AI-1", [])


def test_policy_levels_change_the_gate(delivery: Path, tmp_path: Path) -> None:
    """A policy may lower a violation to a warning or switch a log rule off."""
    policy = (
        'version = 1\n[levels]\nai-in-final-without-approval = "warning"\n'
        'log-entry-unused = "off"\nprovenance-leak = "off"\n'
    )
    report = _gate(delivery, tmp_path, 'scope = ["final"]\n' + APPROVED + 'path = "x"\n', policy)
    assert _file(report, "stills/archival.png") == ("warn", None, ["POL001"])
    assert report.log_findings == () and report.gate is Gate.WARN


def test_suspected_ai_without_entry_is_a_warning(tmp_path: Path) -> None:
    """An ai-suspected file (a generator named in free text) with no entry is a POL004 warning."""
    root = tmp_path / "d"
    root.mkdir()
    shutil.copy(FILES / "generators" / "description_mention.jpg", root / "still.jpg")
    report = apply_gate(scan(root, Settings()), root, None, DEFAULT_POLICY, TODAY)
    assert _file(report, "still.jpg") == ("warn", None, ["POL004"])


def test_tampered_manifest_in_final_is_a_warning(tmp_path: Path) -> None:
    """An invalid C2PA manifest in final content adds a POL005 warning whatever it claims."""
    root = tmp_path / "d"
    root.mkdir()
    shutil.copy(FILES / "c2pa" / "tampered.jpg", root / "t.jpg")
    report = apply_gate(scan(root, Settings()), root, None, DEFAULT_POLICY, TODAY)
    assert "POL005" in _file(report, "t.jpg")[2]
    (pol,) = [f for f in report.files[0].findings if f.rule.code == "POL005"]
    assert pol.evidence.message.startswith("Content Credentials: TAMPERED: the bytes changed")


def test_unreadable_file_fails_closed(tmp_path: Path) -> None:
    """An empty file in final content fails the gate (POL006) even with no log."""
    root = tmp_path / "d"
    root.mkdir()
    (root / "empty.jpg").write_bytes(b"")
    report = apply_gate(scan(root, Settings()), root, None, DEFAULT_POLICY, TODAY)
    assert _file(report, "empty.jpg") == ("fail", None, ["POL006"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version = 2\n", "top level, field version: 2 is not a supported version"),
        ("version = 1\nfinal = 'x'\n", "top level, field final: must be a list of path globs"),
        ("version = 1\n[levels]\nnope = 'warning'\n", "[levels], field nope: unknown rule"),
        ("version = 1\n[levels]\nPOL001 = 'loud'\n", "[levels], field POL001: 'loud' is not"),
        ("version = 1\ncolour = 1\n", "top level, field colour: unknown"),
        ("version = [\n", "TOML syntax error"),
    ],
)
def test_policy_errors_exit_2_with_one_line(tmp_path: Path, text: str, message: str) -> None:
    """A bad policy is one line on stderr naming the file, table and field, and exit 2."""
    (tmp_path / "p.toml").write_text(text)
    (tmp_path / "d").mkdir()
    result = runner.invoke(
        cli.app, ["scan", str(tmp_path / "d"), "--policy", str(tmp_path / "p.toml")]
    )
    assert result.exit_code == 2
    assert message in result.output and str(tmp_path / "p.toml") in result.output


def test_bad_log_exits_2_and_lists_every_problem(tmp_path: Path) -> None:
    """scan --log and log check both refuse a bad log with exit 2, one line per problem."""
    log = tmp_path / "ai-use.csv"
    log.write_text("id,scope,status,sha256\nA,final,approved,abc\nB,tv,pending,\n")
    (tmp_path / "d").mkdir()
    checked = runner.invoke(cli.app, ["log", "check", str(log)])
    scanned = runner.invoke(cli.app, ["scan", str(tmp_path / "d"), "--log", str(log)])
    assert checked.exit_code == scanned.exit_code == 2
    lines = [ln for ln in checked.output.splitlines() if ln.startswith("provscan: ")]
    assert len(lines) == 6
    assert f"provscan: {log}: row 2 (id 'A'), field sha256: 'abc' is not 64 hexadecimal" in lines[0]


def test_log_init_drafts_entries_that_check_refuses(delivery: Path, tmp_path: Path) -> None:
    """log init drafts entries check refuses; the completed draft approves by sha256."""
    drafted = runner.invoke(cli.app, ["log", "init", str(delivery)])
    assert drafted.exit_code == 0
    draft = tmp_path / "draft.toml"
    draft.write_text(drafted.output)
    assert drafted.output.count("[[entry]]") == 1
    assert 'path = "stills/archival.png"' in drafted.output and "sha256 = " in drafted.output
    refused = runner.invoke(cli.app, ["log", "check", str(draft)])
    assert refused.exit_code == 2 and "still 'TO BE COMPLETED'" in refused.output
    kept = [ln for ln in drafted.output.splitlines() if "TO BE COMPLETED" not in ln]
    draft.write_text("\n".join(kept) + '\nscope = ["final"]\n' + APPROVED)
    assert runner.invoke(cli.app, ["log", "check", str(draft)]).exit_code == 0
    (tmp_path / "policy.toml").write_text(NO_LEAKS)
    policy = load_policy(tmp_path / "policy.toml")
    report = apply_gate(scan(delivery, Settings()), delivery, load_log(draft), policy, TODAY)
    result = next(r for r in report.files if r.path == "stills/archival.png")
    assert (result.gate, result.approval, result.matched_by) == (Gate.PASS, "AI-001", "sha256")


# The sample delivery's pinned outcome under its policy: path -> (gate, approval, policy
# findings that count for the gate; POL020, the marking layers, is information).
SAMPLE = {
    "audio/boom_take3.wav": ("pass", None, []),
    "audio/narration_vo.wav": ("fail", "AI-006", ["POL013", "POL016", "POL017"]),
    "stills/archival_photo_1987.png": ("fail", None, ["POL001", "POL012", "POL016", "POL017",
                                                      "POL018"]),
    "stills/archival_photo_1989.jpg": ("fail", None, ["POL001", "POL012", "POL016", "POL017",
                                                      "POL018"]),
    "stills/behind_the_scenes.jpg": ("warn", None, ["POL018", "POL018"]),
    "stills/interview_frame.jpg": ("pass", None, []),
    "stills/key_art.jpg": ("fail", None, ["POL001", "POL012", "POL014"]),
    "stills/layout_with_ai_element.jpg": ("fail", None, ["POL001", "POL012", "POL016", "POL017"]),
    "stills/location_photo.jpg": ("pass", None, []),
    "stills/portrait_study.png": ("fail", "AI-010", ["POL002", "POL016", "POL017", "POL018",
                                                     "POL018"]),
    "stills/poster_background.jpg": ("warn", "AI-002", ["POL016", "POL017", "POL019"]),
    "stills/poster_lanterns.jpg": ("warn", "AI-011", ["POL016", "POL017", "POL018", "POL018",
                                                      "POL018"]),
    "stills/press_still.jpg": ("fail", "AI-004", ["POL012", "POL003", "POL003", "POL016",
                                                  "POL017"]),
    "stills/title_card.jpg": ("warn", "AI-001", ["POL016", "POL017"]),
    "video/broll_city.mp4": ("warn", "AI-007", ["POL016", "POL017", "POL018"]),
    "video/final_cut.mp4": ("fail", None, ["POL001", "POL001", "POL001", "POL012", "POL014",
                                           "POL015"]),
    "video/interview_cam_a.mov": ("pass", None, []),
    "project_media/footage/A001_street.mp4": ("pass", None, []),
    "project_media/footage/A002_harbour.mp4": ("pass", None, []),
    "project_media/stills/harbour_street_1987_sd.png": ("pass", "AI-009", []),
}  # fmt: skip
SAMPLE_DIR = FIXTURES / "sample"
EDITS = [SAMPLE_DIR / "edit" / "final_cut.edl", SAMPLE_DIR / "edit" / "final_cut.fcpxml"]
SAMPLE_ARGS = ["--sources", str(SAMPLE_DIR / "project_media"), "--log",
               str(SAMPLE_DIR / "ai-use.toml"), "--policy", str(SAMPLE_DIR / "policy.toml"),
               *(arg for edit in EDITS for arg in ("--timeline", str(edit)))]  # fmt: skip


def test_sample_delivery_outcome_is_pinned() -> None:
    """The README's main command: eight files fail (three by what the policy knows beyond the
    log), five warn, the log's hygiene, exit 1; every guideline rule fires somewhere."""
    from provscan.timeline.load import load_cuts

    root = SAMPLE_DIR / "delivery"
    report = check_delivery(
        root, sources=[SAMPLE_DIR / "project_media"], log=load_log(SAMPLE_DIR / "ai-use.toml"),
        policy=load_policy(SAMPLE_DIR / "policy.toml"), settings=Settings(), limits=Limits(),
        today=TODAY, cuts=load_cuts(EDITS, None, Limits()),
    )  # fmt: skip
    assert {r.path: _file(report, r.path) for r in report.files} == SAMPLE
    assert _log_codes(report) == ["LOG001", "LOG003", "LOG003", "LOG004", "LOG005", "LOG006"]
    moved = next(f for f in report.log_findings if f.rule.code == "LOG005")
    assert "matched audio/narration_vo.wav by sha256, but its path is audio/vo_take3.wav" in (
        moved.evidence.message
    )
    policy_findings = [f for r in report.files for f in r.findings if f.rule.code[:3] == "POL"]
    assert all("(guideline: " in f.evidence.message for f in policy_findings)
    fired = {f.rule.code for f in policy_findings} | set(_log_codes(report))
    guideline_rules = {f"POL{n:03d}" for n in range(12, 21)} | {"POL001", "POL002", "POL003"}
    assert guideline_rules <= fired  # the sample exercises every guideline rule
    entries = {f.evidence.details["entry"] for f in policy_findings}
    assert entries == {None, "AI-003", "AI-004", "AI-005", "AI-006", "AI-009", "AI-010"}
    cut = next(r for r in report.files if r.path == "video/final_cut.mp4")
    hit = next(f for f in cut.findings if f.rule.code == "TRC001")
    assert hit.evidence.details["reference"] == "project_media/stills/harbour_street_1987_sd.png"
    (span,) = hit.evidence.details["ranges"]  # type: ignore[misc]
    assert abs(span["start"] - 4.0) <= 0.5 and abs(span["end"] - 9.0) <= 0.5
    assert span["start_tc"] == "00:00:04:00"
    result = runner.invoke(cli.app, ["scan", str(root), *SAMPLE_ARGS])
    assert result.exit_code == 1 and "gate: FAIL (8 fail, 5 warn, 7 pass)" in result.output
    assert "appears at 00:00:04:00-00:00:09:0" in result.output


def test_the_gate_asks_rules_by_meaning() -> None:
    """The rules whose findings mean something to the gate are the ones it once named by code
    (trace hits, clips and track files by reference; unchecked parts; stray track files;
    other versions of the cut; unverified files; untrusted provenance and its headline)."""
    from provscan.model import Gating
    from provscan.rulebook import all_rules

    def meaning(gating: Gating) -> set[str]:
        return {rule.code for rule in all_rules() if rule.gating & gating}

    assert meaning(Gating.BY_REFERENCE) == {"TRC001", "TRC002", "TRC003", "TML001", "IMF001"}
    assert meaning(Gating.PART_UNCHECKED) == {"TML002", "TML003", "IMF003", "TRC004"}
    assert meaning(Gating.OUTSIDE_COMPOSITION) == {"IMF002"}
    assert meaning(Gating.OTHER_VERSION) == {"TML005", "TML006"}
    assert meaning(Gating.UNVERIFIED) == {"SCN003", "SCN004", "SCN005"}
    assert meaning(Gating.UNTRUSTED_PROVENANCE) == {"C2P005", "C2P010"}
    assert meaning(Gating.INTEGRITY_STORY) == {"C2P012", "C2P010"}
