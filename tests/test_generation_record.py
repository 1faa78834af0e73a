"""Generation records recognised by structure, and ComfyUI graphs judged by what they do."""

from __future__ import annotations

import json

import pytest
from provscan.detectors import comfy_graph
from provscan.detectors.generation_record import read_record
from provscan.detectors.generator_recognise import A1111, COMFY, STRUCTURE, recognise

# text -> expected (prompt, seed) of the record, or None when the text is no record.
RECORDS = [
    # JSON under other key spellings and nestings (Civitai-style, a web service's API echo)
    (
        json.dumps({"meta": {"Prompt": "a fox", "cfgScale": 7, "steps": 30, "seed": 9}}),
        ("a fox", "9"),
    ),
    (
        json.dumps({"input": {"positive": "a fox", "noise_seed": 4, "guidance": 3.5}}),
        ("a fox", "4"),
    ),
    (json.dumps({"job": {"params": {"num_inference_steps": 28, "guidance_scale": 4}}}), ("", "")),
    (json.dumps([{"text_prompt": "a fox", "Sampler": "euler", "Seed": 2}]), ("a fox", "2")),
    # JSON inside a JSON string (how video savers store graphs and records)
    (json.dumps({"comment": json.dumps({"prompt": "a fox", "steps": 20})}), ("a fox", "")),
    # key-value text
    ("Prompt: a fox in snow\nSeed: 77\nSteps: 20\nSampler: DPM++ 2M", ("a fox in snow", "77")),
    ("prompt=a fox; seed=3; cfg=6.5", ("a fox", "3")),
    # infotext whose prompt is JSON (SD.Next writes it so for JSON-prompted models)
    (
        '{"scene": "a fox"}\nSteps: 48, Seed: 5, CFG scale: 7, App: SD.Next',
        ('{"scene": "a fox"}', "5"),
    ),
    # generative model files alone
    ("model: flux1-dev-Q8_0.gguf", ("", "")),
    ("resources: urn:air:sdxl:checkpoint:civitai:101055@128078", ("", "")),
    # Midjourney prompt suffixes and job id
    ("a red kite over dunes --ar 16:9 --v 6.1 --style raw", ("a red kite over dunes", "")),
    ("a red kite Job ID: 0b3c9f1e-2a4d-4c6e-8f00-1234567890ab", ("a red kite", "")),
    # flags that declare AI origin (AKF's AIGenerated, in-house pipelines' ai_generated)
    (json.dumps({"AIGenerated": True, "AIModel": "dall-e-3"}), ("", "")),
    ("AI generated: yes", ("", "")),
    # not records
    (json.dumps({"ai_generated": False}), None),
    ("Sunset over the harbour, shot on a Leica M11", None),
    (json.dumps({"seed": 5}), None),
    (json.dumps({"model": "iPhone 15 Pro", "lens": "24mm", "software": "17.2"}), None),
    ("Steps: 5", None),
    ("ffmpeg -i in.mov -c:v libx264 -crf 18 -preset slow out.mp4", None),
    ("Chapter 3: the steps of the cathedral, a guide", None),
    ("A=PCM,F=48000,W=24,M=stereo,T=Sound Devices 788T", None),
]


@pytest.mark.parametrize(("text", "expected"), RECORDS)
def test_structural_records_table(text: str, expected: tuple[str, str] | None) -> None:
    """Prompt plus sampling settings, two kinds of settings, or model files make a record."""
    gen = read_record(text)
    if expected is None:
        assert gen is None
    else:
        assert gen is not None and (gen.prompt, gen.seed) == expected
        assert gen.extra["basis"]


def test_record_names_its_writer_from_its_own_keys() -> None:
    """A record's App/generator key names the tool; none gives an empty tool."""
    gen = read_record(json.dumps({"generator": "NewGen 2", "prompt": "a", "steps": 4}))
    assert gen is not None and gen.tool == "NewGen 2"
    plain = read_record(json.dumps({"prompt": "a", "steps": 4}))
    assert plain is not None and plain.tool == ""


def test_midjourney_job_id_names_midjourney() -> None:
    """A Midjourney job id names Midjourney; flags alone do not name a tool."""
    job = read_record("a kite --v 6 Job ID: 0b3c9f1e-2a4d-4c6e-8f00-1234567890ab")
    assert job is not None and job.tool == "Midjourney"
    assert job.extra["job id"].startswith("0b3c9f1e")
    flags = read_record("a kite --ar 3:2 --chaos 20")
    assert flags is not None and flags.tool == ""


def test_hostile_nesting_is_bounded() -> None:
    """Deeply nested or huge JSON ends without an exception."""
    deep = "[" * 5000 + "]" * 5000
    assert read_record(deep) is None
    wide = json.dumps({str(i): {"x": i} for i in range(50_000)})
    assert read_record(wide) is None


def _node(cls: str, **inputs: object) -> dict[str, object]:
    return {"class_type": cls, "inputs": inputs}


FLUX = {  # ComfyUI's Flux template: custom sampling, no KSampler
    "6": _node("CLIPTextEncode", text="a lighthouse", clip=["11", 0]),
    "8": _node("VAEDecode", samples=["13", 0], vae=["10", 0]),
    "9": _node("SaveImage", images=["8", 0]),
    "10": _node("VAELoader", vae_name="ae.safetensors"),
    "11": _node("DualCLIPLoader", clip_name1="t5xxl_fp16.safetensors",
                clip_name2="clip_l.safetensors"),
    "12": _node("UNETLoader", unet_name="flux1-dev.safetensors", weight_dtype="default"),
    "13": _node("SamplerCustomAdvanced", noise=["25", 0], guider=["22", 0], sampler=["16", 0],
                sigmas=["17", 0], latent_image=["27", 0]),
    "16": _node("KSamplerSelect", sampler_name="euler"),
    "17": _node("BasicScheduler", scheduler="simple", steps=20, denoise=1, model=["12", 0]),
    "22": _node("BasicGuider", model=["12", 0], conditioning=["26", 0]),
    "25": _node("RandomNoise", noise_seed=219670278747233),
    "26": _node("FluxGuidance", guidance=3.5, conditioning=["6", 0]),
    "27": _node("EmptySD3LatentImage", width=1024, height=1024, batch_size=1),
}  # fmt: skip
WAN = {  # a Wan 2.1 text-to-video graph (ComfyUI native nodes)
    "1": _node("UNETLoader", unet_name="wan2.1_t2v_1.3B_fp16.safetensors"),
    "2": _node("CLIPLoader", clip_name="umt5_xxl_fp8_e4m3fn_scaled.safetensors", type="wan"),
    "3": _node("CLIPTextEncode", text="a fox running", clip=["2", 0]),
    "4": _node("EmptyHunyuanLatentVideo", width=832, height=480, length=33),
    "5": _node("KSampler", seed=82, steps=30, cfg=6, sampler_name="uni_pc", positive=["3", 0],
               model=["1", 0], latent_image=["4", 0]),
    "6": _node("SaveAnimatedWEBP", images=["5", 0]),
}  # fmt: skip
INPAINT = {
    "1": _node("CheckpointLoaderSimple", ckpt_name="sd_xl_base_1.0.safetensors"),
    "2": _node("LoadImage", image="photo.png"),
    "3": _node("VAEEncodeForInpaint", pixels=["2", 0], mask=["2", 1], grow_mask_by=6),
    "4": _node("KSampler", seed=1, steps=20, cfg=7, latent_image=["3", 0], model=["1", 0]),
}  # fmt: skip
UPSCALE = {
    "1": _node("LoadImage", image="photo.png"),
    "2": _node("UpscaleModelLoader", model_name="4x-UltraSharp.pth"),
    "3": _node("ImageUpscaleWithModel", upscale_model=["2", 0], image=["1", 0]),
    "4": _node("SaveImage", images=["3", 0]),
}  # fmt: skip
RESIZE = {
    "1": _node("LoadImage", image="photo.png"),
    "2": _node("ImageScaleBy", image=["1", 0], upscale_method="lanczos", scale_by=0.5),
    "3": _node("SaveImage", images=["2", 0]),
}  # fmt: skip


@pytest.mark.parametrize(
    ("graph", "kind"),
    [
        (FLUX, comfy_graph.GENERATED),
        (WAN, comfy_graph.GENERATED),
        (INPAINT, comfy_graph.EDITED),
        (UPSCALE, comfy_graph.EDITED),
        (RESIZE, comfy_graph.PROCESSING),
    ],
)
def test_comfy_graph_kind_table(graph: dict[str, object], kind: str) -> None:
    """Samplers or generative loaders generate; pixels in make an edit; resizing is not AI."""
    gen = comfy_graph.read_api(graph)
    assert gen is not None and gen.extra["kind"] == kind


def test_flux_custom_sampling_facts() -> None:
    """SamplerCustomAdvanced graphs give seed, steps, guidance, prompt and UNet model."""
    gen = comfy_graph.read_api(FLUX)
    assert gen is not None
    assert (gen.seed, gen.steps, gen.cfg, gen.sampler) == ("219670278747233", "20", "3.5", "euler")
    assert gen.prompt == "a lighthouse" and gen.model == "flux1-dev.safetensors"
    assert gen.size == "1024x1024"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("Model", "prompt:" + json.dumps(FLUX)),  # ComfyUI SaveAnimatedWEBP (EXIF Model)
        ("ImageDescription", json.dumps(FLUX)),  # save extensions' JPEG EXIF
        ("UserComment", json.dumps({"prompt": json.dumps(FLUX), "workflow": {}})),
        ("comment", json.dumps({"prompt": json.dumps(WAN)})),  # VideoHelperSuite's MP4 comment
    ],
)
def test_comfy_graph_found_in_any_field(key: str, value: str) -> None:
    """A ComfyUI graph is found whatever field a saver put it in, prefixed or wrapped."""
    found = recognise(key, value)
    assert found is not None and found.format == COMFY
    assert found.gen.extra["kind"] == comfy_graph.GENERATED


def test_infotext_writer_named_by_app_key() -> None:
    """SD.Next infotext names SD.Next; A1111 infotext without a version names no writer."""
    sdnext = recognise("UserComment", "a fox\nSteps: 20, Seed: 1, CFG scale: 6, App: SD.Next")
    assert sdnext is not None and sdnext.format == A1111 and sdnext.gen.tool == "SD.Next"
    bare = recognise("parameters", "a fox\nSteps: 20, Seed: 1, CFG scale: 6")
    assert bare is not None and bare.gen.tool == ""


def test_unknown_tool_json_is_a_structural_record() -> None:
    """JSON from a tool outside the parser table is a structural record (GEN011's format)."""
    found = recognise(
        "Comment", json.dumps({"settings": {"prompt": "a", "sampler": "x", "seed": 1}})
    )
    assert found is not None and found.format == STRUCTURE
