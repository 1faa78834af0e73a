"""Editorial timelines: reading them safely, resolving clips to sources, and the findings on
the final they are the edit of."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest
from provscan import cli
from provscan.ailog.load import load_log
from provscan.limits import Limits
from provscan.model import Gate, MediaKind, Report, Settings, Verdict
from provscan.pipeline import check_delivery
from provscan.policy import DEFAULT_POLICY
from provscan.timeline import isolated
from provscan.timeline.cut import Clip, Cut, TimelineError
from provscan.timeline.read import read_timeline
from provscan.timeline.resolve import Sources, candidates, decide
from typer.testing import CliRunner

from tests.conftest import FIXTURES

SAMPLE = FIXTURES / "sample"
EDIT = SAMPLE / "edit"
TODAY = dt.date(2026, 11, 1)
AI_STILL = "project_media/stills/harbour_street_1987_sd.png"
runner = CliRunner()


def _sample(*timelines: Path, sources: bool = True) -> Report:
    from provscan.timeline.load import load_cuts

    cuts = load_cuts(list(timelines), None, Limits())
    return check_delivery(
        SAMPLE / "delivery", sources=[SAMPLE / "project_media"] if sources else [],
        log=load_log(SAMPLE / "ai-use.toml"), policy=DEFAULT_POLICY, settings=Settings(),
        limits=Limits(), today=TODAY, cuts=cuts,
    )  # fmt: skip


@pytest.fixture(scope="module")
def sample_report() -> Report:
    """The sample scanned with both of its edits."""
    return _sample(EDIT / "final_cut.edl", EDIT / "final_cut.fcpxml")


def _findings(report: Report, path: str, code: str) -> list[dict[str, object]]:
    result = next(r for r in report.files if r.path == path)
    return [dict(f.evidence.details) for f in result.findings if f.rule.code == code]


# --- reading ------------------------------------------------------------------------------


def test_sample_edl_reads_record_and_source_timecodes() -> None:
    """The sample EDL gives its four events with record and source timecodes."""
    (cut,) = read_timeline(EDIT / "final_cut.edl", Fraction(25))
    assert (cut.format, cut.name, cut.rate, cut.rate_source) == (
        "CMX 3600 EDL", "final_cut", Fraction(25), "--rate")  # fmt: skip
    still = cut.clips[1]
    assert (still.name, still.track, cut.tc(still.record_in), cut.tc(still.record_out)) == (
        "harbour_street_1987_sd.png", "V1", "00:00:04:00", "00:00:09:00")  # fmt: skip
    assert cut.clips[0].source_tc() == ("14:22:10:00", "14:22:14:00")
    assert cut.clips[0].reel == "A001_STR" and cut.clips[3].kind == "audio"


def test_sample_fcpxml_reads_media_paths() -> None:
    """The sample FCPXML gives the editor's media paths and the still at 4-9 s."""
    (cut,) = read_timeline(EDIT / "final_cut.fcpxml")
    still = next(c for c in cut.clips if "harbour_street" in c.name)
    assert still.url == "/Volumes/HarbourLights/project_media/stills/harbour_street_1987_sd.png"
    assert (cut.seconds(still.record_in), cut.seconds(still.record_out)) == (4.0, 9.0)
    assert cut.rate == 25 and cut.rate_source == "timeline"


def test_edl_rate_is_guessed_from_frame_numbers_and_says_so(tmp_path: Path) -> None:
    """Without --rate an EDL's rate is the lowest common rate its frame numbers fit."""
    (cut,) = read_timeline(EDIT / "final_cut.edl")
    assert (cut.rate, cut.rate_assumed) == (Fraction(24), True)
    edl = tmp_path / "x.edl"
    edl.write_text("TITLE: x\n\n001  R1 V C 01:00:00:00 01:00:01:00 01:00:00:24 01:00:01:24\n")
    assert read_timeline(edl)[0].rate == 25
    edl.write_text("TITLE: x\nFCM: DROP FRAME\n\n001  R1 V C 01:00:00;00 01:00:01;00 "
                   "01:00:00;00 01:00:01;00\n")  # fmt: skip
    assert read_timeline(edl)[0].rate == Fraction(30000, 1001)


CORPUS_ERRORS = {
    # file -> words its one-line error must hold (the rest of the corpus timelines read)
    "OpenTimelineIO/tests/sample_data/premiere_example.otio": "schema",
    "otio-cmx3600-adapter/tests/sample_data/dissolve_test_fail.edl": "adapter could not read",
    "otio-cmx3600-adapter/tests/sample_data/timecode_mismatch.edl": "duration",
    "otio-fcpx-xml-adapter/tests/sample_data/fcpx_clips.fcpxml": "no timeline",
}


def test_every_corpus_timeline_gives_clips_or_a_pointed_error(
    corpus: Path, catalog: list[dict[str, str]]
) -> None:
    """Each of the corpus's EDL/AAF/OTIO/FCP timelines reads, or fails in one line naming it."""
    rows = [r for r in catalog if r["media_kind"] == "timeline" and "/CPL_" not in r["local_path"]]
    assert len(rows) == 48
    clips = 0
    for row in rows:
        path = corpus / row["local_path"]
        if row["local_path"] in CORPUS_ERRORS:
            with pytest.raises(TimelineError) as exc:
                read_timeline(path)
            message = str(exc.value)
            assert message.startswith(str(path)) and "\n" not in message
            assert CORPUS_ERRORS[row["local_path"]] in message
            continue
        cuts = read_timeline(path)
        assert cuts and all(c.rate > 0 and c.path == str(path) for c in cuts)
        clips += sum(len(c.clips) for c in cuts)
    assert clips > 1000  # speed_effects.edl alone has 548 events


def test_corpus_aaf_and_fcp_clips_match_their_files(corpus: Path) -> None:
    """Hand-checked corpus timelines: clip counts, names, paths and record timecodes."""
    aaf = read_timeline(corpus / "otio-aaf-adapter/tests/sample_data/simple.aaf")[0]
    assert len(aaf.clips) == 15 and aaf.tc(aaf.start) == "01:00:00:00"
    assert aaf.clips[0].name == "tech.fux (loop)-HD.mp4"
    assert aaf.clips[0].url == "/Users/joshm/Desktop/DemoClips/tech.fux (loop)-HD.mp4"
    assert aaf.tc(aaf.clips[1].record_in) == "01:00:30:00"
    fcp = read_timeline(corpus / "otio-fcp-adapter/tests/sample_data/premiere_example.xml")[0]
    assert fcp.clips[0].url == "D:/media/sc01_sh010_anim.mov"  # file://localhost/D%3a/...
    screening = read_timeline(corpus / "otio-cmx3600-adapter/tests/sample_data/"
                              "screening_example.edl", Fraction(24))[0]  # fmt: skip
    assert len(screening.clips) == 9 and screening.clips[0].reel == "ZZ100_50"
    assert screening.clips[0].url == "ZZ100_501.LAY3.01"  # from its * SOURCE FILE: comment


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        (
            "bad_tc.edl",
            "TITLE: x\n\n001  R1 V C 01:00:00:00 01:00:01:00 01:00:0X:00 01:00:01:00\n",
            "line 3: '01:00:0X:00' is not a timecode",
        ),
        (
            "late.edl",
            "TITLE: x\n\n001  R1 V C 01:00:00:00 01:00:01:00 01:00:00:30 01:00:01:30\n",
            "frame 30 is out of range at 25 fps",
        ),
        (
            "bomb.xml",
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
            "<xmeml>&b;</xmeml>",
            "unsafe XML refused",
        ),
        (
            "xxe.fcpxml",
            '<?xml version="1.0"?><!DOCTYPE f [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            "<fcpxml>&e;</fcpxml>",
            "unsafe XML refused",
        ),
        ("broken.xml", "<xmeml><sequence>", "not well-formed XML"),
        ("filter.xml", "<filter><effect/></filter>", "<filter> is not a timeline"),
        ("notes.txt", "just some notes\n", "not a timeline"),
        ("bad.otio", '{"OTIO_SCHEMA": "Timeline.1", "tracks": 7}', "OTIO"),
        ("unknown.otio", '{"OTIO_SCHEMA": "Nonsense.9"}', "OTIO"),
        ("junk.aaf", bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 600, "AAF"),
        (
            "missing_ref.fcpxml",
            '<fcpxml version="1.8"><resources/><library><event name="e">'
            '<project name="p"><sequence format="r9" duration="1s"><spine><asset-clip ref="r9" '
            'offset="0s" duration="1s"/></spine></sequence></project></event></library></fcpxml>',
            "FCPXML",
        ),
        ("empty.edl", "", "empty file"),
    ],
)
def test_malformed_timelines_give_one_line_errors(
    tmp_path: Path, name: str, content: str | bytes, words: str
) -> None:
    """Bad timecodes, unsafe or broken XML, unknown schemas, junk AAFs: one line, the file."""
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    args = ["scan", str(tmp_path), "--timeline", str(path), "--rate", "25"]
    result = runner.invoke(cli.app, args)
    assert result.exit_code == 2, result.output
    line = result.output.strip()
    assert "\n" not in line and "Traceback" not in line
    assert line.startswith(f"provscan: {path}") and words in line


def test_bad_rate_option_is_one_line_and_exit_2() -> None:
    """--rate that is not a frame rate stops before the scan with exit 2."""
    for rate in ("abc", "0", "1/0", "5000"):
        result = runner.invoke(cli.app, ["scan", str(SAMPLE / "delivery"), "--timeline",
                                         str(EDIT / "final_cut.edl"), "--rate", rate])  # fmt: skip
        assert result.exit_code == 2 and result.output.startswith("provscan: --rate:")


def test_missing_timeline_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """A --timeline that does not exist is named, exit 2."""
    result = runner.invoke(cli.app, ["scan", str(SAMPLE / "delivery"), "--timeline",
                                     str(tmp_path / "nope.edl")])  # fmt: skip
    assert result.exit_code == 2 and "nope.edl: --timeline: no such file" in result.output


def _crash(path: Path) -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def _hang(path: Path) -> None:
    import time

    time.sleep(60)


def test_a_reader_that_crashes_or_hangs_is_an_error_not_a_dead_scan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A segfault or a hang in the isolated reader becomes a TimelineError."""
    crashed = isolated._run(_crash, (Path("x.aaf"),), Limits(), "x.aaf")
    assert isinstance(crashed, TimelineError) and "crashed (signal 11" in str(crashed)
    monkeypatch.setattr(isolated, "MIN_SECONDS", 0.5)
    hung = isolated._run(_hang, (Path("x.aaf"),), Limits(timeout_s=0.1), "x.aaf")
    assert isinstance(hung, TimelineError) and "took longer" in str(hung)


# --- resolving ----------------------------------------------------------------------------


def _cut(path: Path, *clips: Clip) -> Cut:
    return Cut(str(path), "OTIO", "t", Fraction(25), 0, 250, clips)


def _sources(tmp_path: Path) -> Sources:
    from provscan.engine import scan

    report = scan(tmp_path / "media", Settings(), Limits())
    return Sources.of((r, tmp_path / "media" / r.path) for r in report.files)


def _media(tmp_path: Path, *names: str) -> None:
    from tests.builders import jpeg_bytes

    for name in names:
        path = tmp_path / "media" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(jpeg_bytes())


def test_clip_resolves_by_exact_path_then_path_tail(tmp_path: Path) -> None:
    """A media path names the file on this machine, else the one sharing most folders."""
    _media(tmp_path, "a/shot.jpg", "b/shot.jpg")
    sources = _sources(tmp_path)
    exact = Clip(1, "V1", "video", "x", url=str(tmp_path / "media" / "b" / "shot.jpg"))
    fit = candidates(_cut(tmp_path / "t.otio", exact), exact, sources)
    assert (fit.paths, fit.how) == (("b/shot.jpg",), "media path")
    tail = Clip(2, "V1", "video", "x", url="/Volumes/Edit/a/shot.jpg")
    fit = candidates(_cut(tmp_path / "t.otio", tail), tail, sources)
    assert (fit.paths, fit.how) == (("a/shot.jpg",), "file name in its media path")
    relative = Clip(3, "V1", "video", "x", url="media/a/shot.jpg")
    fit = candidates(_cut(tmp_path / "t.otio", relative), relative, sources)
    assert fit.paths == ("a/shot.jpg",) and fit.how == "media path"


def test_clip_resolves_by_name_and_truncated_reel(tmp_path: Path) -> None:
    """Without a path: the clip name as file name or stem, then an 8-character CMX reel."""
    _media(tmp_path, "A001C003_230101.jpg", "other.jpg")
    sources = _sources(tmp_path)
    by_name = Clip(1, "V1", "video", "a001c003_230101")
    assert candidates(_cut(tmp_path / "t", by_name), by_name, sources).how == "clip name"
    by_reel = Clip(2, "V1", "video", "Shot 4", reel="A001C003")
    fit = candidates(_cut(tmp_path / "t", by_reel), by_reel, sources)
    assert (fit.paths, fit.how) == (("A001C003_230101.jpg",), "reel name")
    nothing = Clip(3, "V1", "video", "Shot 9", reel="B002")
    res = decide(nothing, candidates(_cut(tmp_path / "t", nothing), nothing, sources),
                 lambda p: None)  # fmt: skip
    assert not res.source and "clip name 'shot 9'" in res.why and "reel name 'b002'" in res.why


def test_source_timecode_picks_the_take_and_refuses_a_misfit(tmp_path: Path) -> None:
    """Two files fit by name: the one whose timecode span holds the source range wins."""
    from provscan.timeline.probe import Span
    from provscan.timeline.resolve import _Fit

    clip = Clip(1, "V1", "video", "take", source_rate=Fraction(25), source_in=90000,
                source_out=90050)  # fmt: skip
    spans = {"a/take.mov": Span(Fraction(25), 0, 500, ""),
             "b/take.mov": Span(Fraction(25), 89990, 100, "01:00:00:00")}  # fmt: skip
    fit = _Fit(("a/take.mov", "b/take.mov"), "clip name", "")
    res = decide(clip, fit, spans.get)
    assert (res.source, res.how) == ("b/take.mov", "clip name and source timecode")
    spans["b/take.mov"] = Span(Fraction(25), 0, 100, "")
    res = decide(clip, fit, spans.get)
    assert not res.source and "none holds its source timecode 01:00:00:00-01:00:02:00" in res.why
    both = {"a/take.mov": None, "b/take.mov": None}
    res = decide(clip, fit, both.get)
    assert not res.source and res.candidates == ("a/take.mov", "b/take.mov")


# --- the stage ----------------------------------------------------------------------------


def test_timeline_and_trace_agree_on_the_ai_photo(sample_report: Report) -> None:
    """The EDL's and the FCPXML's AI clip sit where the trace found the still, 4-9 s."""
    (hit,) = _findings(sample_report, "video/final_cut.mp4", "TRC001")
    (span,) = hit["ranges"]  # type: ignore[misc]
    clips = [d for d in _findings(sample_report, "video/final_cut.mp4", "TML001")
             if d["reference"] == AI_STILL]  # fmt: skip
    assert {Path(str(d["timeline"])).name for d in clips} == {"final_cut.edl", "final_cut.fcpxml"}
    for clip in clips:
        assert (clip["record_in_tc"], clip["record_out_tc"]) == ("00:00:04:00", "00:00:09:00")
        assert abs(float(clip["record_in_s"]) - span["start"]) <= 0.5  # type: ignore[arg-type]
        assert abs(float(clip["record_out_s"]) - span["end"]) <= 0.5  # type: ignore[arg-type]
        assert clip["reference_verdict"] == "ai-generated"


def test_unapproved_ai_clip_fails_the_final_and_names_the_clip(sample_report: Report) -> None:
    """The AI photo's entry approves it for temp only: POL001 per timeline clip."""
    final = next(r for r in sample_report.files if r.path == "video/final_cut.mp4")
    assert final.gate is Gate.FAIL and final.verdict is Verdict.AI_EDITED
    messages = [f.evidence.message for f in final.findings if f.rule.code == "POL001"]
    assert any(m.startswith('clip 2 "harbour_street_1987_sd.png" (V1) at 00:00:04:00-00:00:09:00'
                            " in final_cut.edl: log entry AI-009 approves it for temp only")
               for m in messages)  # fmt: skip
    assert sum("final_cut.fcpxml" in m for m in messages) == 1


def test_ai_audio_clip_is_caught_and_approved_by_its_entry(sample_report: Report) -> None:
    """The narration clip is AI audio: TML001, approved by the narration's own entry."""
    final = next(r for r in sample_report.files if r.path == "video/final_cut.mp4")
    voice = [f for f in final.findings if f.rule.code == "TML001"
             and f.evidence.details["reference"] == "audio/narration_vo.wav"]  # fmt: skip
    assert len(voice) == 2 and all(f.approval == "AI-006" for f in voice)


def test_edl_takes_its_finals_rate_and_matches_footage_by_timecode(sample_report: Report) -> None:
    """The EDL names no rate: it is read at the final's 25 fps; footage fits by timecode."""
    cuts = sample_report.options["timelines"]
    assert isinstance(cuts, list)
    edl = next(c for c in cuts if c["format"] == "CMX 3600 EDL")
    assert (edl["rate"], edl["rate_source"]) == ("25/1", "final")
    assert edl["finals"] == ["video/final_cut.mp4"]
    street = edl["clips"][0]
    assert street["source"] == "project_media/footage/A001_street.mp4"
    assert street["resolved_by"] == "clip name and source timecode"
    assert street["verdict"] == "no-ai-markers"
    json.dumps(cuts)  # plain data, for the JSON report


def test_sample_cli_shows_the_violation_by_timeline(tmp_path: Path) -> None:
    """The README's main command prints the timeline findings and still fails the gate."""
    args = ["scan", str(SAMPLE / "delivery"), "--sources", str(SAMPLE / "project_media"),
            "--log", str(SAMPLE / "ai-use.toml"), "--timeline", str(EDIT / "final_cut.edl"),
            "--timeline", str(EDIT / "final_cut.fcpxml")]  # fmt: skip
    result = runner.invoke(cli.app, args)
    assert result.exit_code == 1
    assert 'TML001 clip 2 "harbour_street_1987_sd.png" (V1) at 00:00:04:00-00:00:09:00' in (
        result.output)  # fmt: skip


def test_unresolved_clip_is_listed_and_warns(tmp_path: Path) -> None:
    """A clip no scanned file fits gives TML002 and POL008 (warn) on the final, never dropped."""
    edl = tmp_path / "final_cut.edl"
    edl.write_text("TITLE: final_cut\n\n001  LOSTREEL V C 00:00:00:00 00:00:01:00 00:00:00:00 "
                   "00:00:01:00\n* FROM CLIP NAME: lost_shot.mov\n")  # fmt: skip
    report = _sample(edl, sources=False)
    (lost,) = _findings(report, "video/final_cut.mp4", "TML002")
    assert lost["clip"] == "lost_shot.mov" and "clip name 'lost_shot.mov'" in str(lost["why"])
    final = next(r for r in report.files if r.path == "video/final_cut.mp4")
    pol = [f for f in final.findings if f.rule.code == "POL008"]
    assert pol and pol[0].gate is Gate.WARN


def test_timeline_without_a_final_becomes_its_own_entry(tmp_path: Path) -> None:
    """An edit no deliverable is named like joins the report (role timeline) and is gated."""
    edl = tmp_path / "reel2_conform.edl"
    edl.write_text("TITLE: reel 2\n\n001  AX V C 00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00\n"
                   "* FROM CLIP NAME: harbour_street_1987_sd.png\n")  # fmt: skip
    report = _sample(edl)
    entry = next(r for r in report.files if r.role == "timeline")
    assert entry.path == "timeline:reel2_conform.edl (reel 2)" and entry.kind is MediaKind.OTHER
    assert entry.gate is Gate.FAIL
    assert any(f.rule.code == "TML001" for f in entry.findings)


def test_disabled_and_generated_clips_raise_nothing(tmp_path: Path) -> None:
    """A disabled clip does not play; bars and slugs have no source to check."""
    timeline = otio.schema.Timeline(name="final_cut")
    track = otio.schema.Track()
    timeline.tracks.append(track)
    rng = otio.opentime.TimeRange(otio.opentime.RationalTime(0, 25),
                                  otio.opentime.RationalTime(25, 25))  # fmt: skip
    off = otio.schema.Clip(name="harbour_street_1987_sd.png", source_range=rng)
    off.enabled = False
    generator = otio.schema.GeneratorReference(generator_kind="SMPTEBars")
    bars = otio.schema.Clip(name="bars", source_range=rng, media_reference=generator)
    track.extend([off, bars])
    path = tmp_path / "final_cut.otio"
    otio.adapters.write_to_file(timeline, str(path))
    report = _sample(path)
    final = next(r for r in report.files if r.path == "video/final_cut.mp4")
    codes = [f.rule.code for f in final.findings if f.rule.code in ("TML001", "TML002", "TML003")]
    assert codes == []
    cut = report.options["timelines"][0]  # type: ignore[index]
    assert [c["generator"] for c in cut["clips"]] == [None, "SMPTEBars"]
    assert [c["enabled"] for c in cut["clips"]] == [False, True]


def test_final_that_does_not_fit_the_edit_is_flagged(tmp_path: Path) -> None:
    """An edit 60 s long against a 12 s final: TML005 (another version of the cut?)."""
    edl = tmp_path / "final_cut.edl"
    edl.write_text("TITLE: final_cut\n\n001  AX V C 00:00:00:00 00:01:00:00 00:00:00:00 "
                   "00:01:00:00\n* FROM CLIP NAME: A001_street.mp4\n")  # fmt: skip
    report = _sample(edl)
    final = next(r for r in report.files if r.path == "video/final_cut.mp4")
    (misfit,) = [f for f in final.findings if f.rule.code == "TML005"]
    assert "lasts 60.00 s but this final 12.00 s" in misfit.evidence.message


def test_inspect_lists_the_cut_with_sources_verdicts() -> None:
    """inspect EDIT --sources lists every clip with its source and that source's verdict."""
    args = ["inspect", str(EDIT / "final_cut.edl"), "--sources", str(SAMPLE / "project_media"),
            "--sources", str(SAMPLE / "delivery"), "--rate", "25"]  # fmt: skip
    result = runner.invoke(cli.app, args)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f'{EDIT / "final_cut.edl"}: CMX 3600 EDL "final_cut", 25 fps')
    row = next(line for line in lines if "harbour_street_1987_sd.png" in line)
    assert "00:00:04:00-00:00:09:00" in row and row.rstrip().endswith("AI-GENERATED")
    as_json = runner.invoke(cli.app, [*args, "-f", "json"])
    clips = json.loads(as_json.output)["timelines"][0]["clips"]
    assert [c["verdict"] for c in clips] == ["no-ai-markers", "ai-generated", "no-ai-markers",
                                             "ai-generated"]  # fmt: skip


# --- reports --------------------------------------------------------------------------


def test_json_report_carries_every_clip_and_fits_the_schema(tmp_path: Path) -> None:
    """--format json holds options.timelines (clips, matched or not) and validates."""
    import jsonschema

    schema = json.loads((Path(cli.__file__).parent / "report" / "schema.json").read_text())
    edl = tmp_path / "reel9.edl"
    edl.write_text("TITLE: reel9\n\n001  AX V C 00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00\n"
                   "* FROM CLIP NAME: harbour_street_1987_sd.png\n002  NOPE V C 00:00:00:00 "
                   "00:00:01:00 01:00:01:00 01:00:02:00\n")  # fmt: skip
    args = ["scan", str(SAMPLE / "delivery"), "--sources", str(SAMPLE / "project_media"),
            "--no-trace", "--timeline", str(edl), "-f", "json"]  # fmt: skip
    result = runner.invoke(cli.app, args)
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, schema)
    (cut,) = doc["options"]["timelines"]
    assert [c["source"] for c in cut["clips"]] == [AI_STILL, None]
    assert cut["clips"][1]["why"].startswith("no scanned file fits")
    entry = next(f for f in doc["files"] if f["role"] == "timeline")
    assert entry["gate"] == "fail" and {"TML001", "TML002"} <= {
        x["rule"] for x in entry["findings"]
    }


def test_html_report_lists_edits_with_escaped_clip_names(tmp_path: Path) -> None:
    """The HTML report's Edits section lists each clip, and a hostile clip name stays text."""
    from provscan.report.to_html import render

    edl = tmp_path / "final_cut.edl"
    edl.write_text("TITLE: final_cut\n\n001  AX V C 00:00:00:00 00:00:01:00 00:00:00:00 "
                   "00:00:01:00\n* FROM CLIP NAME: <script>alert(1)</script>\n")  # fmt: skip
    page = render(_sample(edl))
    edits = page[
        page.index('<section id="edits"') : page.index("</section>", page.index('id="edits"'))
    ]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in edits and "<script>alert" not in edits
    assert "the edit of video/final_cut.mp4" in edits and "not found: no scanned file fits" in edits


def test_clip_whose_source_is_a_traced_video_is_approved_through_the_still() -> None:
    """A by-reference finding on a file whose own AI material is a trace hit follows the hit."""
    from provscan.ailog.entry import LogEntry
    from provscan.ailog.load import AiLog
    from provscan.model import Evidence, FileResult, Finding, Rule, Severity, Signal
    from provscan.stages.gate import apply_gate

    def finding(code: str, reference: str, signal: Signal) -> Finding:
        rule = Rule(code, code.lower(), Severity.ERROR, "", signal)
        evidence = Evidence(code, f"{code} of {reference}", key="reference", value=reference,
                            details={"reference": reference})  # fmt: skip
        return Finding(rule, evidence, code)

    still = FileResult("src/ai.png", MediaKind.IMAGE, "png", "", 1, Verdict.AI_GENERATED,
                       (finding("GEN001", "", Signal.AI_GENERATED),), deciding=(0,),
                       role="source", sha256="ab" * 32)  # fmt: skip
    track = FileResult("imp/VIDEO.mxf", MediaKind.VIDEO, "mxf", "", 1, Verdict.AI_EDITED,
                       (finding("TRC001", "src/ai.png", Signal.AI_EDITED),))  # fmt: skip
    cpl = FileResult("imp/CPL.xml", MediaKind.OTHER, "xml", "", 1, Verdict.AI_EDITED,
                     (finding("IMF001", "imp/VIDEO.mxf", Signal.AI_EDITED),))  # fmt: skip
    entry = LogEntry(id="AI-1", tool="x", scope=("final",), status="approved",
                     approved_by="Legal", approved_on=dt.date(2026, 1, 1), approval_ref="L-1",
                     sha256="ab" * 32, place="[[entry]] #1")  # fmt: skip
    log = AiLog(path="log.toml", sha256="", entries=(entry,))
    report = Report(root="/nowhere", files=(still, track, cpl), tool_version="t", started="s",
                    duration_s=0.0)  # fmt: skip
    gated = apply_gate(report, Path("/nowhere"), log, DEFAULT_POLICY, TODAY)
    by_path = {r.path: r for r in gated.files}
    assert by_path["imp/CPL.xml"].gate is Gate.PASS
    assert by_path["imp/CPL.xml"].findings[0].approval == "AI-1"


def test_edit_equals_final_names_the_final_when_names_differ(tmp_path: Path) -> None:
    """--timeline EDIT=FINAL puts the findings on that final; a missing FINAL is said."""
    from provscan.timeline.load import load_cuts, split_final

    edl = tmp_path / "reel1_locked.edl"
    edl.write_text("TITLE: reel 1\n\n001  AX V C 00:00:00:00 00:00:01:00 00:00:04:00 "
                   "00:00:05:00\n* FROM CLIP NAME: harbour_street_1987_sd.png\n")  # fmt: skip
    assert split_final(Path(f"{edl}=video/final_cut.mp4")) == (edl, "video/final_cut.mp4")
    assert split_final(edl) == (edl, "")
    (cut,) = load_cuts([Path(f"{edl}=final_cut.mp4")], None, Limits())
    report = check_delivery(
        SAMPLE / "delivery", sources=[SAMPLE / "project_media"], log=None,
        policy=DEFAULT_POLICY, settings=Settings(), limits=Limits(), today=TODAY, cuts=[cut],
        trace=False,
    )  # fmt: skip
    (clip,) = _findings(report, "video/final_cut.mp4", "TML001")
    assert clip["reference"] == AI_STILL and clip["record_in_tc"] == "00:00:04:00"
    (missing,) = load_cuts([Path(f"{edl}=video/nope.mov")], None, Limits())
    report = check_delivery(
        SAMPLE / "delivery", sources=[], log=None, policy=DEFAULT_POLICY, settings=Settings(),
        limits=Limits(), today=TODAY, cuts=[missing], trace=False,
    )  # fmt: skip
    entry = next(r for r in report.files if r.role == "timeline")
    summary = next(f for f in entry.findings if f.rule.code == "TML004")
    assert "the final given for it, video/nope.mov, is not in the deliverable" in (
        summary.evidence.message)  # fmt: skip


def test_record_times_count_from_a_finals_own_start_timecode(tmp_path: Path) -> None:
    """A master starting at 00:59:58:00 (a leader) puts record 01:00:00:00 at 2 s in."""
    from fixtures.trace_media import Shot, encode_h264, render

    delivery = tmp_path / "delivery"
    delivery.mkdir()
    frames = render([Shot(6.0, seed=3)], 160, 90, 25)
    encode_h264(frames, delivery / "master.mp4", 160, 90, 25, crf=40, timecode="00:59:58:00")
    edl = tmp_path / "master.edl"
    edl.write_text("TITLE: master\n\n001  AX V C 00:00:00:00 00:00:02:00 01:00:00:00 01:00:02:00\n"
                   "* FROM CLIP NAME: harbour_street_1987_sd.png\n")  # fmt: skip
    from provscan.timeline.load import load_cuts

    report = check_delivery(
        delivery, sources=[SAMPLE / "project_media"], log=None, policy=DEFAULT_POLICY,
        settings=Settings(), limits=Limits(), today=TODAY, trace=False,
        cuts=load_cuts([edl], None, Limits()),
    )  # fmt: skip
    (clip,) = _findings(report, "master.mp4", "TML001")
    assert (clip["record_in_tc"], clip["record_in_s"], clip["record_out_s"]) == (
        "01:00:00:00", 2.0, 4.0)  # fmt: skip


def test_utf16_fcpxml_with_its_declaration_reads(tmp_path: Path) -> None:
    """An FCPXML saved as UTF-16 (BOM and encoding="UTF-16" declaration) gives its clips."""
    text = (EDIT / "final_cut.fcpxml").read_text().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    path = tmp_path / "u16.fcpxml"
    path.write_bytes(text.encode("utf-16"))
    (cut,) = read_timeline(path)
    assert cut.name == "final_cut" and len(cut.clips) == 4


def test_aaf_is_not_held_to_the_text_size_cap(tmp_path: Path) -> None:
    """A compound file over 64 MiB goes to the AAF reader (which reads sectors as it needs
    them), not to the text timelines' size cap."""
    from provscan.timeline.read import MAX_BYTES

    path = tmp_path / "big.aaf"
    with path.open("wb") as handle:
        handle.write(bytes.fromhex("d0cf11e0a1b11ae1"))
        handle.truncate(MAX_BYTES + 4096)  # sparse: nothing is written
    with pytest.raises(TimelineError) as exc:
        read_timeline(path)
    assert "AAF" in str(exc.value) and "MiB" not in str(exc.value)


def test_an_edit_the_render_contradicts_is_flagged_both_ways(tmp_path: Path) -> None:
    """The edit puts the AI photo at 0-3 s, the render shows it at 4-9 s: TML006 twice."""
    edl = tmp_path / "final_cut.edl"
    edl.write_text("TITLE: final_cut\n\n001  AX V C 00:00:00:00 00:00:03:00 00:00:00:00 "
                   "00:00:03:00\n* FROM CLIP NAME: harbour_street_1987_sd.png\n")  # fmt: skip
    report = _sample(edl)
    final = next(r for r in report.files if r.path == "video/final_cut.mp4")
    messages = [f.evidence.message for f in final.findings if f.rule.code == "TML006"]
    assert len(messages) == 2
    assert messages[0].startswith(f"final_cut.edl places {AI_STILL} at 0.0-3.0 s (clip 1), but "
                                  "the trace did not find it there in the render; the render "
                                  "shows it at 4.0-9.")  # fmt: skip
    assert messages[1].startswith(f"the render shows {AI_STILL} at 4.0-9.")
    assert "where final_cut.edl places no clip of it" in messages[1]
    (pol,) = [f for f in final.findings if f.rule.code == "POL010"]
    assert pol.gate is Gate.WARN and pol.evidence.message.startswith(messages[0])


def test_edit_and_render_that_agree_raise_no_disagreement(sample_report: Report) -> None:
    """The sample's EDL and FCPXML match the render: no TML006."""
    final = next(r for r in sample_report.files if r.path == "video/final_cut.mp4")
    assert not [f for f in final.findings if f.rule.code == "TML006"]


def test_timeline_inside_the_deliverable_carries_the_findings_itself(tmp_path: Path) -> None:
    """An edit shipped in the deliverable with no final named like it gets the clip findings."""
    from provscan.timeline.load import load_cuts

    edl = tmp_path / "delivery" / "edit" / "reel2.edl"
    edl.parent.mkdir(parents=True)
    edl.write_text("TITLE: reel 2\n\n001  AX V C 00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00\n"
                   "* FROM CLIP NAME: harbour_street_1987_sd.png\n")  # fmt: skip
    report = check_delivery(
        tmp_path / "delivery", sources=[SAMPLE / "project_media"], log=None,
        policy=DEFAULT_POLICY, settings=Settings(), limits=Limits(), today=TODAY, trace=False,
        cuts=load_cuts([edl], None, Limits()),
    )  # fmt: skip
    assert not [r for r in report.files if r.role == "timeline"]
    (clip,) = _findings(report, "edit/reel2.edl", "TML001")
    assert clip["reference"] == AI_STILL
    entry = next(r for r in report.files if r.path == "edit/reel2.edl")
    assert entry.role == "deliverable" and entry.gate is Gate.FAIL
