"""The guidelines the gate checks beyond what a log entry says of itself: the tool registry and
the tool a file names, protected names in prompts, the consent ledger, real depictions under
the EU AI Act, marking and provider disclosures, leaks, the training reservation; and the
policy's and the log's pointed errors. Run through the CLI as the README runs it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, PngImagePlugin
from provscan import cli
from provscan.asset import Asset
from provscan.extract.phash import phash_of
from provscan.guidelines.names import Protected, find_names
from typer.testing import CliRunner

from fixtures.xmp_images import packet
from tests.builders import jpeg_bytes
from tests.conftest import FIXTURES

FILES = FIXTURES / "files"
runner = CliRunner()
APPROVED = ('status = "approved"\napproved_by = "Legal"\napproved_on = 2026-09-01\n'
            'approval_ref = "L-1"\n')  # fmt: skip
CONSENT = ('performer = "A. Narrator"\nconsent_ref = "CONSENT-7"\nconsent_date = 2026-08-01\n'
           'consent_scope = ["HL-2026"]\nminor = false\n')  # fmt: skip
PARAMS = "\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 6x6"


def _a1111(path: Path, prompt: str) -> Path:
    """An AUTOMATIC1111 PNG (tEXt parameters) with ``prompt``."""
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", prompt + PARAMS)
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (64, 64), (90, 120, 150))
    for i in range(64):
        image.putpixel((i, (i * 7) % 64), (250, 20, 20))
    image.save(path, "PNG", pnginfo=info)
    return path


def _scan(tmp_path: Path, root: Path, entries: str, policy: str, *extra: str) -> dict[str, Any]:
    """``provscan scan ROOT --log --policy -f json --no-trace`` (exit 0 or 1) as JSON."""
    log, pol = tmp_path / "ai-use.toml", tmp_path / "policy.toml"
    log.write_text("version = 1\n" + entries, encoding="utf-8")
    pol.write_text("version = 1\n" + policy, encoding="utf-8")
    args = ["scan", str(root), "--log", str(log), "--policy", str(pol), "-f", "json",
            "--no-trace", *extra]  # fmt: skip
    result = runner.invoke(cli.app, args)
    assert result.exit_code in (0, 1), result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _policy(report: dict[str, Any], path: str) -> list[dict[str, Any]]:
    entry = next(f for f in report["files"] if f["path"] == path)
    return [f for f in entry["findings"] if f["rule"][:3] == "POL"]


def _codes(report: dict[str, Any], path: str, skip: tuple[str, ...] = ("POL020",)) -> list[str]:
    return [f["rule"] for f in _policy(report, path) if f["rule"] not in skip]


def _file(report: dict[str, Any], path: str) -> dict[str, Any]:
    entry: dict[str, Any] = next(f for f in report["files"] if f["path"] == path)
    return entry


def _entry(entry_id: str, body: str) -> str:
    return f'[[entry]]\nid = "{entry_id}"\n{body}'


# --- protected names -------------------------------------------------------------------------

NAMES = (
    Protected("Maren Holt", "talent", ("the harbour master's daughter",), place="#1"),
    Protected("Rose", "character", full_form=True, place="#2"),
    Protected("Ford", "brand", place="#3"),
    Protected("Zoë Šťastná", "private person", place="#4"),
    Protected("Li Wei", "talent", place="#5"),
)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("portrait of Maren Holt at dusk", [("Maren Holt", "Maren Holt", 12, 22)]),
        ("PORTRAIT OF MAREN-HOLT", [("Maren Holt", "MAREN-HOLT", 12, 22)]),
        ("maren_holt, 1girl, harbour", [("Maren Holt", "maren_holt", 0, 10)]),
        ("in the style of holt", [("Maren Holt", "holt", 16, 20)]),  # a person's family name
        # an alias; a typographic apostrophe separates words as a straight one does
        ("the Harbour Master\u2019s daughter", [("Maren Holt", "the Harbour Master\u2019s daughter",
                                                  0, 29)]),
        ("The harbour master's daughter waves", [("Maren Holt", "The harbour master's daughter",
                                                  0, 29)]),
        ("zoe stastna on a pier", [("Zoë Šťastná", "zoe stastna", 0, 11)]),  # accents
        ("ZOË ŠŤASTNÁ", [("Zoë Šťastná", "ZOË ŠŤASTNÁ", 0, 11)]),
        # false-positive controls: inside other words, common words that are also names
        ("Holtzman and Oxford, affordable", []),
        ("a rose garden, roses", []),  # full_form: only "Rose" as the policy writes it
        ("Rose at the window", [("Rose", "Rose", 0, 4)]),
        ("a ford truck", [("Ford", "ford", 2, 6)]),  # a brand's single word is its full form
        ("wei is a common syllable", []),  # family names under four letters never alone
    ],
)  # fmt: skip
def test_protected_names_fold_case_and_accents_on_word_boundaries(
    text: str, found: list[tuple[str, str, int, int]]
) -> None:
    """Names match case- and accent-insensitively on word boundaries, with the span as
    written; full_form names need their capitals, short family names never match alone."""
    hits = find_names(text, NAMES)
    assert [(h.protected.name, h.matched, h.start, h.end) for h in hits] == found
    assert all(text[h.start : h.end] == h.matched for h in hits)


def test_prompt_naming_protected_talent_needs_a_flagged_written_approval(tmp_path: Path) -> None:
    """A prompt naming a protected talent (from the policy's protected_file) fails POL002 with
    the name, its kind, the field and the span, until an entry flags talent_likeness with a
    written approval (and a complete consent record, POL013)."""
    root = tmp_path / "d"
    _a1111(root / "portrait.png", "oil portrait of MAREN HOLT on the pier, film grain")
    (tmp_path / "names.toml").write_text(
        '[[protected]]\nname = "Maren Holt"\nkind = "talent"\n', encoding="utf-8"
    )
    policy = 'protected_file = "names.toml"\n'
    path = 'path = "portrait.png"\n'
    plain = _scan(tmp_path, root, _entry("AI-1", 'scope = ["final"]\n' + APPROVED + path), policy)
    (hit,) = [f for f in _policy(plain, "portrait.png") if f["rule"] == "POL002"]
    assert "PNG text parameters (prompt) names \"MAREN HOLT\" (talent 'Maren Holt'" in (
        hit["message"])  # fmt: skip
    assert "log entry AI-1 does not mark talent_likeness" in hit["message"]
    protected = hit["details"]["protected"]
    assert (protected["kind"], protected["matched"], protected["span"]) == ("talent", "MAREN HOLT",
                                                                            [16, 26])  # fmt: skip
    flagged = 'scope = ["final"]\ntalent_likeness = true\n' + APPROVED + path
    assert "POL002" not in _codes(_scan(tmp_path, root, _entry("AI-1", flagged + CONSENT), policy),
                                  "portrait.png")  # fmt: skip
    pending = 'scope = ["final"]\ntalent_likeness = true\nstatus = "pending"\n' + path
    report = _scan(tmp_path, root, _entry("AI-1", pending), policy)
    messages = [f["message"] for f in _policy(report, "portrait.png") if f["rule"] == "POL002"]
    assert any("marks talent_likeness without a written approval" in m for m in messages)


def test_protected_names_leave_other_words_and_unflagged_kinds_alone(tmp_path: Path) -> None:
    """False-positive controls through the CLI: a name inside other words, a common word that
    is a full_form name; a brand needs third_party_ip, a private person private_data."""
    root = tmp_path / "d"
    _a1111(root / "a.png", "a rose garden in Oxford, affordable housing, Holtzman street")
    _a1111(root / "b.png", "Apple orchard at dusk with Jane Roe")
    names = ('[[protected]]\nname = "Rose"\nkind = "character"\nfull_form = true\n'
             '[[protected]]\nname = "Ford"\nkind = "brand"\n'
             '[[protected]]\nname = "Maren Holt"\nkind = "talent"\n'
             '[[protected]]\nname = "Apple"\nkind = "brand"\n'
             '[[protected]]\nname = "Jane Roe"\nkind = "private person"\n')  # fmt: skip
    entries = _entry("AI-1", 'scope = ["final"]\n' + APPROVED + 'path = "*.png"\n')
    report = _scan(tmp_path, root, entries, names)
    assert "POL002" not in _codes(report, "a.png")
    flagged = [f["details"]["protected"]["name"] for f in _policy(report, "b.png")
               if f["rule"] == "POL002"]  # fmt: skip
    assert flagged == ["Apple", "Jane Roe"]
    both = 'scope = ["final"]\nthird_party_ip = true\nprivate_data = true\n'
    report = _scan(tmp_path, root, _entry("AI-1", both + APPROVED + 'path = "*.png"\n'), names)
    assert "POL002" not in _codes(report, "b.png")


# --- the tool registry and the tool a file names ------------------------------------------------

A1111_TOOL = '[[tool]]\nname = "AUTOMATIC1111"\nmatch = ["AUTOMATIC1111", "Forge"]\n'


@pytest.mark.parametrize(
    ("tool", "entry", "codes", "words"),
    [
        ('[[tool]]\nname = "Adobe Firefly"\nscopes = ["final"]\n', "", ["POL012"],
         "made with AUTOMATIC1111 (PNG text parameters, GEN001): not in the policy's tool "
         "registry"),
        (A1111_TOOL + 'scopes = ["temp"]\n', "", ["POL012"],
         "the tool registry approves AUTOMATIC1111 for temp only, not final"),
        (A1111_TOOL + 'scopes = ["final"]\nexpires = 2020-01-01\n', "", ["POL012"],
         "AUTOMATIC1111's registration ([[tool]] #1) expired on 2020-01-01"),
        (A1111_TOOL + 'scopes = ["final"]\ntrains_on_inputs = true\ndata_terms = "ToS v3"\n',
         "tool_trains_on_inputs = false\n", ["POL003"],
         "the tool registry says AUTOMATIC1111 trains on production inputs (data terms: ToS v3); "
         "log entry AI-1 says it does not"),
        (A1111_TOOL + 'scopes = ["final"]\ntrains_on_inputs = true\n',
         'approved_exceptions = ["tool_trains_on_inputs"]\n', [], ""),
        (A1111_TOOL + 'scopes = ["final"]\nenterprise = false\n', "enterprise_environment = true\n",
         ["POL003"], "is not an enterprise-secure environment; log entry AI-1 says it was one"),
        (A1111_TOOL + 'scopes = ["final", "temp"]\ntrains_on_inputs = false\nenterprise = true\n',
         "", [], ""),
    ],
)  # fmt: skip
def test_registry_judges_the_tool_identified_from_the_file(
    tmp_path: Path, tool: str, entry: str, codes: list[str], words: str
) -> None:
    """The tool the file names (an A1111 record) is checked against the registry whatever the
    entry says: unregistered, expired, other scope, training or non-enterprise fail; the
    entry's contradicting flag is named; a written exception accepts the risk."""
    root = tmp_path / "d"
    root.mkdir()
    shutil.copy(FILES / "generators" / "a1111.png", root / "a1111.png")
    body = ('tool = "AUTOMATIC1111"\nscope = ["final"]\n' + entry + APPROVED
            + 'path = "a1111.png"\n')  # fmt: skip
    report = _scan(tmp_path, root, _entry("AI-1", body), tool)
    assert _codes(report, "a1111.png", ("POL020", "POL018")) == codes
    if words:
        assert any(words in f["message"] for f in _policy(report, "a1111.png"))


def test_an_entry_approves_only_files_of_the_tool_it_declares(tmp_path: Path) -> None:
    """An entry declaring another tool than the file's does not approve it (POL001 names both;
    LOG006 on the log); names agree by word, as a local model family and its front-end, or
    through one registry entry."""
    root = tmp_path / "d"
    _a1111(root / "still.png", "harbour at dawn")
    entry = 'scope = ["final"]\n' + APPROVED + 'path = "still.png"\n'
    wrong = _scan(tmp_path, root, _entry("AI-1", 'tool = "Adobe Firefly"\n' + entry), "")
    (pol,) = [f for f in _policy(wrong, "still.png") if f["rule"] == "POL001"]
    assert ("log entry AI-1 declares Adobe Firefly, but the file was made with AUTOMATIC1111"
            "-compatible (PNG text parameters, GEN001): the entry does not approve it") in (
        pol["message"])  # fmt: skip
    assert [f["rule"] for f in wrong["log_findings"]] == ["LOG003", "LOG006"]
    assert _file(wrong, "still.png")["approval"] is None
    same = _scan(tmp_path, root, _entry("AI-1", 'tool = "Stable Diffusion (AUTOMATIC1111)"\n'
                                        + entry), "")  # fmt: skip
    assert _file(same, "still.png")["approval"] == "AI-1"
    family = _scan(tmp_path, root, _entry("AI-1", 'tool = "Stable Diffusion"\n' + entry), "")
    assert _file(family, "still.png")["approval"] == "AI-1"  # a model family and its front-end
    registry = A1111_TOOL + 'scopes = ["final"]\n'  # "Forge" is one of its match names
    alias = _scan(tmp_path, root, _entry("AI-1", 'tool = "Forge"\n' + entry), registry)
    assert _file(alias, "still.png")["approval"] == "AI-1"
    assert "POL001" not in _codes(alias, "still.png")


def test_a_file_naming_no_tool_has_its_declared_tool_checked(tmp_path: Path) -> None:
    """An XMP-only AI still names no tool: the entry's declared tool is checked against the
    registry, and the finding says the file named none."""
    root = tmp_path / "d"
    root.mkdir()
    shutil.copy(FILES / "xmp" / "dst_trained.jpg", root / "press.jpg")
    registry = ('[[tool]]\nname = "Meta AI"\nmatch = ["Meta AI"]\ntrains_on_inputs = true\n'
                'scopes = ["final"]\n')  # fmt: skip
    body = 'tool = "Meta AI"\nscope = ["final"]\n' + APPROVED + 'path = "press.jpg"\n'
    report = _scan(tmp_path, root, _entry("AI-1", body), registry)
    (pol,) = [f for f in _policy(report, "press.jpg") if f["rule"] == "POL003"]
    assert pol["message"].startswith("the file names no tool; log entry AI-1 declares Meta AI: "
                                      "the tool registry says Meta AI trains")  # fmt: skip
    unknown = _scan(tmp_path, root, _entry("AI-1", body.replace("Meta AI", "Midjourney")),
                    registry)  # fmt: skip
    assert any("declares Midjourney: not in the policy's tool registry" in f["message"]
               for f in _policy(unknown, "press.jpg"))  # fmt: skip


# --- consent, real depictions ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("ledger", "problem"),
    [
        (CONSENT, ""),
        (CONSENT.replace("HL-2026", "HL-2025"), "the consent covers HL-2025, not this production"),
        (CONSENT.replace("minor = false\n", ""), "not stated whether the performer is a minor"),
        ('performer = "A. Narrator"\n', "no the consent reference (consent_ref)"),
        ("synthetic_performer = true\n", "a synthetic performer without the documented "
                                         "justification"),
        ('synthetic_performer = true\nsynthetic_justification = "no real voice: brief 12"\n', ""),
    ],
)  # fmt: skip
def test_consent_ledger_must_be_complete_and_for_this_production(
    tmp_path: Path, ledger: str, problem: str
) -> None:
    """An entry replacing a performance needs performer, consent reference and date, minor
    stated and a scope naming the policy's production (a synthetic performer: a reason)."""
    root = tmp_path / "d"
    root.mkdir()
    shutil.copy(FILES / "media" / "c2pa_ai.wav", root / "vo.wav")
    body = ('tool = "ElevenLabs"\nscope = ["final"]\nreplaces_talent_or_union_work = true\n'
            + ledger + APPROVED + 'path = "vo.wav"\n')  # fmt: skip
    report = _scan(tmp_path, root, _entry("AI-6", body), 'production = "HL-2026"\n')
    found = [f["message"] for f in _policy(report, "vo.wav") if f["rule"] == "POL013"]
    assert (problem in found[0]) if problem else not found


@pytest.mark.parametrize(
    ("flags", "jurisdictions", "fails"),
    [
        ('depicts_real = true\ndisclosure = "none"\n', '["eu"]', True),
        ("depicts_real = true\n", '["eu", "us-ca"]', True),
        ('depicts_real = true\ndisclosure = "on-screen card"\n', '["eu"]', False),
        ('depicts_real = true\ndisclosure = "credits"\n', '["eu"]', False),
        ('depicts_real = true\ndisclosure = "none"\n', '["us-ca"]', False),
        ("", '["eu"]', False),
    ],
)  # fmt: skip
def test_real_depictions_need_a_disclosure_in_the_eu(
    tmp_path: Path, flags: str, jurisdictions: str, fails: bool
) -> None:
    """AI material depicting the real as if authentic fails POL014 (EU AI Act Art. 50(4))
    without an on-screen card or credits, when the EU is among the policy's jurisdictions."""
    root = tmp_path / "d"
    _a1111(root / "street.png", "harbour street, 1987")
    body = 'scope = ["final"]\n' + flags + APPROVED + 'path = "street.png"\n'
    report = _scan(tmp_path, root, _entry("AI-9", body), f"jurisdictions = {jurisdictions}\n")
    assert ("POL014" in _codes(report, "street.png")) is fails


# --- marking, disclosures, leaks, reservation ---------------------------------------------------


def test_marking_layers_and_provider_disclosures(tmp_path: Path) -> None:
    """Each AI asset in final content reports its marking layers (POL020, information); us-ca
    names the latent disclosure fields missing (POL016); cn wants a well-formed GB 45438
    label (POL017): present on the labelled still, absent on the Firefly poster."""
    root = tmp_path / "d"
    root.mkdir()
    shutil.copy(FILES / "guidelines" / "firefly_poster.jpg", root / "poster.jpg")
    shutil.copy(FILES / "xmp" / "aigc_label.jpg", root / "labelled.jpg")
    report = _scan(tmp_path, root, "", 'jurisdictions = ["us-ca", "cn"]\n')
    poster = {f["rule"]: f for f in _policy(report, "poster.jpg")}
    assert poster["POL020"]["gate"] == "pass"
    assert poster["POL020"]["details"]["layers"] == ["C2PA manifest"]
    assert "GB 45438 implicit label" in poster["POL020"]["details"]["missing"]
    assert "latent disclosure lacks creation time" in poster["POL016"]["message"]
    disclosed = poster["POL016"]["details"]["disclosed"]
    assert disclosed["system name and version"] == "Adobe Firefly 1.0"
    assert poster["POL017"]["message"].startswith("no GB 45438 implicit label")
    labelled = {f["rule"]: f for f in _policy(report, "labelled.jpg")}
    assert "POL017" not in labelled
    assert labelled["POL020"]["details"]["layers"] == ["GB 45438 implicit label"]
    assert set(labelled["POL016"]["details"]["disclosed"]) == {"provider", "unique identifier"}


def test_marking_lost_in_post_on_a_stripped_copy(tmp_path: Path) -> None:
    """A re-save of a C2PA-signed AI still that kept only its XMP source type, matched by the
    same pHash entry, has lost the C2PA marking its source carries (POL015 names it)."""
    root = tmp_path / "d"
    root.mkdir()
    shutil.copy(FILES / "c2pa" / "ai_generated.jpg", root / "signed.jpg")
    xmp = packet("", 'Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/'
                     'digitalsourcetype/trainedAlgorithmicMedia"')  # fmt: skip
    Image.open(root / "signed.jpg").save(root / "copy.jpg", "JPEG", quality=95, xmp=xmp)
    phash = phash_of(Asset(root / "signed.jpg", "signed.jpg"))
    body = f'tool = "ExampleGen 2"\nscope = ["final"]\n{APPROVED}phash = "{phash}"\n'
    report = _scan(tmp_path, root, _entry("AI-2", body), "")
    assert _file(report, "copy.jpg")["approval"] == "AI-2"
    (lost,) = [f for f in _policy(report, "copy.jpg") if f["rule"] == "POL015"]
    assert lost["message"].startswith("log entry AI-2 matches signed.jpg: signed.jpg carries a "
                                      "C2PA manifest (by ImageGen Service 1.0); this file carries "
                                      "none: the marking was lost in post")  # fmt: skip
    assert "POL015" not in _codes(report, "signed.jpg")


def test_leaks_name_the_field_and_what_to_strip(tmp_path: Path) -> None:
    """Finals leaking a home path (its user), a code name, a prompt or ingredient thumbnails
    get POL018 warnings naming the field; files outside final content do not."""
    root = tmp_path / "d"
    (root / "previs").mkdir(parents=True)
    shutil.copy(FILES / "guidelines" / "bts_derived_path.jpg", root / "bts.jpg")
    shutil.copy(FILES / "guidelines" / "firefly_poster.jpg", root / "poster.jpg")
    shutil.copy(FILES / "guidelines" / "bts_derived_path.jpg", root / "previs" / "bts.jpg")
    _a1111(root / "a.png", "harbour at dawn")
    policy = 'code_names = ["Bluefin"]\nnot_final = ["previs/**"]\n'
    report = _scan(tmp_path, root, "", policy)
    bts = [f["message"] for f in _policy(report, "bts.jpg")]
    assert bts[0].startswith(
        "XMP xmpMM:DerivedFrom/stRef:filePath holds the internal path "
        "/Users/mreyes/Projects/BLUEFIN/stills/bts_0412.psd, naming the user "
        "mreyes: strip XMP xmpMM:DerivedFrom/stRef:filePath before delivery"
    )
    assert "names the project code name 'Bluefin' (\"BLUEFIN\")" in bts[1]
    poster = " ".join(f["message"] for f in _policy(report, "poster.jpg"))
    assert "embeds thumbnails of 1 ingredient" in poster and "C2PA ingredient title" in poster
    assert "C2PA c2pa.created description (active manifest) names the project code" in poster
    assert any(f["message"].startswith('PNG text parameters holds a prompt ("harbour at dawn")')
               for f in _policy(report, "a.png"))  # fmt: skip
    assert _policy(report, "previs/bts.jpg") == [] and _file(report, "bts.jpg")["gate"] == "warn"


def test_training_reservation_when_the_policy_requires_it(tmp_path: Path) -> None:
    """With training_reservation, a final lacking a C2PA training-mining 'notAllowed' or a
    PLUS data-mining prohibition gets POL019; either one satisfies it; others are not asked."""
    root = tmp_path / "d"
    (root / "posters").mkdir(parents=True)
    shutil.copy(FILES / "c2pa" / "training_mining.jpg", root / "posters" / "c2pa.jpg")
    shutil.copy(FILES / "xmp" / "data_mining.jpg", root / "posters" / "plus.jpg")
    (root / "posters" / "bare.jpg").write_bytes(jpeg_bytes())
    (root / "other.jpg").write_bytes(jpeg_bytes())
    report = _scan(tmp_path, root, "", 'training_reservation = ["posters/**"]\n')
    assert [_codes(report, f"posters/{n}.jpg") for n in ("c2pa", "plus", "bare")] == [
        [], [], ["POL019"]]  # fmt: skip
    assert _codes(report, "other.jpg") == []


# --- rules, pointed errors, the real corpus -------------------------------------------------


def test_rules_command_lists_each_guideline_rule_with_its_source() -> None:
    """`provscan rules` lists the guideline rules, each naming the guideline or law."""
    result = runner.invoke(cli.app, ["rules"])
    assert result.exit_code == 0
    families = ("POL", "LOG", "LKG")
    lines = {ln.split()[0]: ln for ln in result.output.splitlines() if ln[:3] in families}
    sources = {"POL012": "studio guidance", "POL013": "SAG-AFTRA", "POL014": "Article 50(4)",
               "POL015": "Article 50(2)", "POL016": "22757.3", "POL017": "GB 45438",
               "POL018": "GDPR", "POL019": "2019/790", "POL020": "Article 50(2)",
               "LOG006": "does not approve", "LKG001": "home folder"}  # fmt: skip
    for code, source in sources.items():
        assert source in lines[code], code


@pytest.mark.parametrize(
    ("text", "names", "message"),
    [
        ('[[tool]]\nvendor = "Adobe"\nscopes = ["final"]\n', "",
         "[[tool]] #1, field name: missing (required)"),
        ('[[tool]]\nname = "X"\nscopes = ["web"]\n', "",
         "[[tool]] #1 (name 'X'), field scopes: unknown scope 'web' (use: final, temp"),
        ('[[tool]]\nname = "X"\nscopes = ["final"]\ntrains_on_inputs = "yes"\n', "",
         "[[tool]] #1 (name 'X'), field trains_on_inputs: 'yes' is not true or false"),
        ('[[tool]]\nname = "X"\nscopes = ["final"]\nexpires = "soon"\n', "",
         "field expires: 'soon' is not a date (YYYY-MM-DD)"),
        ('[[tool]]\nname = "X"\nscopes = ["final"]\n[[tool]]\nname = "x"\nscopes = ["temp"]\n',
         "", "[[tool]] (name 'x'), field name: listed twice"),
        ('[[protected]]\nname = "Y"\nkind = "actor"\n', "",
         "[[protected]] #1 (name 'Y'), field kind: 'actor' is not a kind (use: talent, "
         "character"),
        ('jurisdictions = ["us"]\n', "",
         "top level, field jurisdictions: unknown jurisdiction 'us'"),
        ('code_names = "BLUEFIN"\n', "", "top level, field code_names: must be a list of texts"),
        ('training_reservation = "x"\n', "", "top level, field training_reservation: must be"),
        ('protected_file = "missing.toml"\n', "", "field protected_file: "),
        ("code_names = " + "[" * 5000 + "]" * 5000 + "\n", "", "TOML syntax error"),
        ("production = " + "9" * 5000 + "\n", "", "TOML syntax error"),
        ('protected_file = "names.toml"\n', '[[protected]]\nname = "Y"\nkind = "pet"\n',
         "names.toml: [[protected]] #1 (name 'Y'), field kind: 'pet' is not a kind"),
    ],
)  # fmt: skip
def test_policy_guideline_errors_are_one_pointed_line(
    tmp_path: Path, text: str, names: str, message: str
) -> None:
    """A bad guideline table or setting: one line naming the file, the table and its number
    (and name), the field and the problem; exit 2 before any file is read."""
    (tmp_path / "p.toml").write_text("version = 1\n" + text, encoding="utf-8")
    if names:
        (tmp_path / "names.toml").write_text(names, encoding="utf-8")
    (tmp_path / "d").mkdir()
    result = runner.invoke(cli.app, ["scan", str(tmp_path / "d"), "--policy",
                                     str(tmp_path / "p.toml")])  # fmt: skip
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.startswith("provscan: ")]
    assert len(lines) == 1 and message in lines[0], result.output
    assert str(tmp_path) in lines[0]


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("consent_date = 2025-13-01", None),  # TOML itself refuses it: a syntax error
        ('consent_date = "14 March"', "field consent_date: '14 March' is not a date (YYYY-MM-DD)"),
        ('disclosure = "popup"', "field disclosure: 'popup' is not a disclosure (use: "
                                 "on-screen-card, credits, none)"),
        ('minor = "maybe"', "field minor: 'maybe' is not true or false"),
        ("consent_scope = []", "field consent_scope: is empty (name the productions"),
        ('depicts_real = "sometimes"', "field depicts_real: 'sometimes' is not true or false"),
        ("performer = 3", "field performer: expected text, got 3"),
    ],
)  # fmt: skip
def test_log_check_validates_the_guideline_fields(
    tmp_path: Path, field: str, message: str | None
) -> None:
    """log check refuses a bad consent, disclosure or depiction field with one line naming the
    file, the entry and the field (exit 2)."""
    log = tmp_path / "ai-use.toml"
    log.write_text(f'version = 1\n[[entry]]\nid = "AI-1"\nscope = ["final"]\nstatus = "pending"\n'
                   f'path = "x.png"\n{field}\n', encoding="utf-8")  # fmt: skip
    result = runner.invoke(cli.app, ["log", "check", str(log)])
    assert result.exit_code == 2
    expected = message or "TOML syntax error"
    assert f"{log}: " in result.output and expected in result.output, result.output
    if message:
        assert "[[entry]] #1 (id 'AI-1'), " + message in result.output


def test_log_check_reads_the_guideline_columns_of_a_csv(tmp_path: Path) -> None:
    """A CSV log carries the same fields: lists separated by ';', flags as words."""
    log = tmp_path / "ai-use.csv"
    log.write_text("id,scope,status,path,performer,consent_ref,consent_date,consent_scope,minor,"
                   "depicts_real,disclosure\nA,final,pending,x.png,A. N.,C-1,2026-01-02,"
                   "HL-2026;HL-2027,no,yes,on screen card\nB,final,pending,y.png,,,,,perhaps,,\n",
                   encoding="utf-8")  # fmt: skip
    result = runner.invoke(cli.app, ["log", "check", str(log)])
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.startswith("provscan: ")]
    assert lines == [f"provscan: {log}: row 3 (id 'B'), field minor: 'perhaps' is not true or "
                     "false"]  # fmt: skip


def test_registry_and_screening_on_real_files(corpus: Path, tmp_path: Path) -> None:
    """Real Firefly and Photoshop Generative Fill files resolve to one registered tool (by
    software agent or claim generator); a real ComfyUI graph's prompt is screened; real
    internal paths in metadata name their user; JSON-escaped emoji are not paths."""
    root = tmp_path / "real"
    root.mkdir()
    picks = {
        "cai.jpg": "c2pa-rs/sdk/tests/fixtures/cai.jpg",
        "firefly-1.jpg": "c2pa-content-credentials-extension/c2pa-wc/node_modules/@contentauth/"
                         "testing/fixtures/images/firefly-1.jpg",
        "gen-fill.jpg": "c2pa-content-credentials-extension/c2pa-wc/node_modules/@contentauth/"
                        "testing/fixtures/images/gen-fill.jpg",
        "img2img.png": "sd-parsers/tests/resources/parsers/ComfyUI/img2img_cropped.png",
        "indirect.mxf": "regxmllib/src/test/resources/mxf-files/indirect.mxf",
        "basic.mp4": "ComfyUI-AnimateDiff-Evolved/examples/samples/basic_00001.mp4",
    }  # fmt: skip
    for name, rel in picks.items():
        if not (corpus / rel).is_file():
            pytest.skip(f"{rel} is not in the corpus")
        shutil.copy(corpus / rel, root / name)
    policy = ('[[tool]]\nname = "Adobe Firefly"\nmatch = ["Firefly"]\nscopes = ["final"]\n'
              '[[tool]]\nname = "ComfyUI"\nscopes = ["temp"]\n'
              '[[protected]]\nname = "Victorian Woman"\nkind = "character"\n')  # fmt: skip
    report = _scan(tmp_path, root, "", policy)
    for name in ("cai.jpg", "firefly-1.jpg", "gen-fill.jpg"):
        assert "POL012" not in _codes(report, name), name
    comfy = {f["rule"]: f["message"] for f in _policy(report, "img2img.png")}
    assert "the tool registry approves ComfyUI for temp only, not final" in comfy["POL012"]
    assert 'names "victorian woman" (character' in comfy["POL002"]
    mxf = " ".join(f["message"] for f in _policy(report, "indirect.mxf"))
    assert "naming the user akharkev" in mxf
    assert not [f for f in _file(report, "basic.mp4")["findings"] if f["rule"] == "LKG001"]
