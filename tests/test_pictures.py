"""The report's pictures: thumbnails, video frames and waveforms, made in an isolated worker.

Inputs are built in a temporary folder with Pillow, PyAV and ``wave``. Most jobs run in one
``make_pictures`` batch (one worker, as the report runs them); the tests then read their own
picture from it. Crashes, overruns and a worker that cannot start get calls of their own.
"""

from __future__ import annotations

import base64
import io
import os
import signal
import struct
import time
import wave
import zlib
from collections.abc import Callable, Sequence
from fractions import Fraction
from multiprocessing.connection import Connection
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image
from provscan.limits import Limits
from provscan.pictures import decode as picture_decode
from provscan.pictures import worker as pictures
from provscan.pictures.job import WAVEFORM_BUCKETS, Picture, PictureJob
from provscan.pictures.worker import make_pictures

from tests.conftest import FIXTURES

SAMPLE = FIXTURES / "sample" / "delivery"
RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)
FPS = 10
LIMITS = Limits(timeout_s=10.0)


# --- inputs ------------------------------------------------------------------------------


def _video(path: Path, seconds: Sequence[np.ndarray], sar: Fraction | None = None) -> Path:
    """An H.264 MP4 at 10 fps showing each 48x64 RGB picture of ``seconds`` for a second,
    one keyframe at the start (a frame late in the clip is reached by decoding forward)."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        if sar is not None:
            stream.codec_context.sample_aspect_ratio = sar
        stream.options = {"preset": "ultrafast", "g": str(FPS * len(seconds))}
        for picture in seconds:
            for _ in range(FPS):
                frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
                for packet in stream.encode(frame):
                    container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def _solid(colour: tuple[int, int, int]) -> np.ndarray:
    return np.full((48, 64, 3), colour, dtype=np.uint8)


def _held_upright(path: Path) -> Path:
    """A phone's portrait video: red left and blue right as stored, with the track matrix an
    iPhone writes (shown turned 90 degrees clockwise: 48 wide, 64 high, red on top)."""
    picture = _solid(BLUE)
    picture[:, :32] = RED
    data = bytearray(_video(path, [picture]).read_bytes())
    tkhd = data.index(b"tkhd")
    assert data[tkhd + 4] == 0  # version 0: 32-bit times
    matrix = tkhd + 4 + 4 + 20 + 8 + 8  # after flags, times/id/duration, reserved, layer..volume
    one = 0x10000
    data[matrix : matrix + 36] = struct.pack(">9i", 0, one, 0, -one, 0, 0, 0, 0, 0x40000000)
    path.write_bytes(data)
    return path


def _signal(seconds_quiet: float, seconds_loud: float, rate: int) -> np.ndarray:
    """Silence, then a 250 Hz sine at 0.8 of full scale (float, -1..1)."""
    quiet = np.zeros(int(seconds_quiet * rate))
    t = np.arange(int(seconds_loud * rate)) / rate
    return np.concatenate((quiet, 0.8 * np.sin(2 * np.pi * 250 * t)))


def _wav(path: Path, channels: np.ndarray, rate: int, width: int = 2) -> Path:
    """A PCM WAV of ``channels`` (channels x samples, -1..1): u8, s16 or s32 by ``width``."""
    scaled = channels.T * (2 ** (8 * width - 1) - 1)
    if width == 1:
        data = (scaled + 128).astype(np.uint8).tobytes()
    else:
        data = scaled.astype(f"<i{width}").tobytes()
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels.shape[0])
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(data)
    return path


def _encoded_audio(path: Path, samples: np.ndarray, rate: int, codec: str, fmt: str) -> Path:
    """Mono ``samples`` (-1..1) encoded by PyAV: pcm_f32le (packed float), aac (planar)."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate, layout="mono")
        frame_size = 1024
        for start in range(0, samples.size, frame_size):
            chunk = samples[start : start + frame_size].astype(np.float32)[None, :]
            frame = av.AudioFrame.from_ndarray(chunk, format=fmt, layout="mono")
            frame.sample_rate = rate
            frame.pts = start
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def _oriented_jpeg(path: Path) -> Path:
    """640x320, red left half and blue right half, EXIF orientation 6 (shown turned 90 degrees
    clockwise: 320 wide, 640 high, red on top)."""
    image = Image.new("RGB", (640, 320), BLUE)
    image.paste(RED, (0, 0, 320, 320))
    exif = Image.Exif()
    exif[0x0112] = 6
    image.save(path, format="JPEG", quality=90, exif=exif)
    return path


def _alpha_png(path: Path) -> Path:
    """100x50 RGBA: opaque red on the left, fully transparent on the right."""
    image = Image.new("RGBA", (100, 50), (0, 0, 0, 0))
    image.paste((255, 0, 0, 255), (0, 0, 50, 50))
    image.save(path)
    return path


def _png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG that only claims its size (an IHDR, an empty IDAT): what a pixel bomb needs."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + body)
    return path


def _image(picture: Picture) -> Image.Image:
    """The picture's JPEG, decoded."""
    prefix = "data:image/jpeg;base64,"
    assert picture.data_uri.startswith(prefix), picture
    image = Image.open(io.BytesIO(base64.b64decode(picture.data_uri[len(prefix) :])))
    assert image.format == "JPEG" and image.mode == "RGB"
    assert image.size == (picture.width, picture.height)
    return image


def _mean(image: Image.Image, box: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """Mean RGB of ``image`` (or of ``box`` in it)."""
    part = image.crop(box) if box else image
    return np.asarray(part, dtype=np.float64).reshape(-1, 3).mean(axis=0)


def _near(colour: np.ndarray, expected: tuple[int, int, int], slack: float = 40) -> bool:
    return bool(np.all(np.abs(colour - np.array(expected)) <= slack))


# --- one batch for the ordinary jobs -----------------------------------------------------


def _jobs(folder: Path) -> list[PictureJob]:
    """Every ordinary job, keyed by what it checks."""
    four = _video(folder / "four.mp4", [_solid(c) for c in (RED, GREEN, BLUE, WHITE)])
    rate = 8000
    tone = _signal(1.0, 1.0, rate)
    png = _alpha_png(folder / "alpha.png")
    os.symlink(png, folder / "link.png")
    os.mkfifo(folder / "pipe.jpg")
    garbage = folder / "garbage.bin"
    garbage.write_bytes(np.random.default_rng(7).integers(0, 256, 4096, np.uint8).tobytes())
    noisy = folder / "noisy.jpg"
    Image.fromarray(np.random.default_rng(1).integers(0, 256, (200, 200, 3), np.uint8)).save(
        noisy, quality=95
    )
    truncated = folder / "truncated.jpg"
    truncated.write_bytes(noisy.read_bytes()[: noisy.stat().st_size // 2])
    cut_mp4 = folder / "cut.mp4"
    cut_mp4.write_bytes(four.read_bytes()[:600])
    sixteen = folder / "sixteen.png"
    Image.fromarray(np.full((20, 30), 32768, dtype=np.uint16)).save(sixteen)
    gif = folder / "two.gif"
    first, second = Image.new("RGB", (40, 30), RED), Image.new("RGB", (40, 30), BLUE)
    first.save(gif, save_all=True, append_images=[second], duration=100)
    eps = folder / "drawing.eps"
    eps.write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n")
    stereo = np.stack((tone, np.zeros_like(tone)))  # the sine on the left only
    long_tone = _signal(300.0, 301.0, 2000)
    return [
        PictureJob("oriented", "image", str(_oriented_jpeg(folder / "oriented.jpg"))),
        PictureJob("alpha", "image", str(png)),
        PictureJob("sixteen", "image", str(sixteen)),
        PictureJob("gif", "image", str(gif)),
        PictureJob("bomb", "image", str(_png_header_only(folder / "bomb.png", 20000, 20000))),
        PictureJob("bomb-warn", "image", str(_png_header_only(folder / "bw.png", 15000, 15000))),
        PictureJob("at2", "frame", str(four), at=2.0),
        PictureJob("representative", "frame", str(four)),
        PictureJob("past-end", "frame", str(four), at=100.0),
        PictureJob("sar", "frame", str(_video(folder / "sar.mp4", [_solid(GREEN)], Fraction(2)))),
        PictureJob("portrait", "frame", str(_held_upright(folder / "portrait.mp4"))),
        PictureJob("s16", "waveform", str(_wav(folder / "s16.wav", tone[None, :], rate))),
        PictureJob("u8", "waveform", str(_wav(folder / "u8.wav", tone[None, :], rate, 1))),
        PictureJob("s32", "waveform", str(_wav(folder / "s32.wav", tone[None, :], rate, 4))),
        PictureJob("flt", "waveform",
                   str(_encoded_audio(folder / "f.wav", tone, rate, "pcm_f32le", "flt"))),
        PictureJob("fltp", "waveform",
                   str(_encoded_audio(folder / "a.m4a", tone, rate, "aac", "fltp"))),
        PictureJob("stereo", "waveform", str(_wav(folder / "stereo.wav", stereo, rate))),
        PictureJob("long", "waveform", str(_wav(folder / "long.wav", long_tone[None, :], 2000))),
        PictureJob("truncated-jpeg", "image", str(truncated)),
        PictureJob("garbage-image", "image", str(garbage)),
        PictureJob("garbage-frame", "frame", str(garbage)),
        PictureJob("garbage-waveform", "waveform", str(garbage)),
        PictureJob("cut-mp4", "frame", str(cut_mp4)),
        PictureJob("video-as-image", "image", str(four)),
        PictureJob("eps", "image", str(eps)),
        PictureJob("video-as-waveform", "waveform", str(four)),
        PictureJob("audio-as-frame", "frame", str(folder / "s16.wav")),
        PictureJob("missing", "image", str(folder / "missing.png")),
        PictureJob("link", "image", str(folder / "link.png")),
        PictureJob("fifo", "image", str(folder / "pipe.jpg")),
        PictureJob("directory", "image", str(folder)),
        PictureJob("sample-frame", "frame", str(SAMPLE / "video" / "final_cut.mp4"), at=6.0),
        PictureJob("sample-waveform", "waveform", str(SAMPLE / "audio" / "narration_vo.wav")),
        PictureJob("sample-image", "image", str(SAMPLE / "stills" / "key_art.jpg")),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Picture]:
    """The pictures of every ordinary job, made in one call (one worker)."""
    jobs = _jobs(tmp_path_factory.mktemp("pictures"))
    result = make_pictures(jobs, LIMITS)
    assert set(result) == {job.key for job in jobs}
    return result


# --- stills ------------------------------------------------------------------------------


def test_jpeg_exif_orientation_gives_upright_thumbnail(made: dict[str, Picture]) -> None:
    """A JPEG with EXIF orientation 6 comes out turned upright, its longest side at max_side."""
    image = _image(made["oriented"])
    assert image.size == (160, 320)
    assert _near(_mean(image, (0, 0, 160, 150)), RED)  # the stored left half is on top
    assert _near(_mean(image, (0, 170, 160, 320)), BLUE)
    assert made["oriented"].duration is None and not made["oriented"].error


def test_png_alpha_is_flattened_on_mid_grey(made: dict[str, Picture]) -> None:
    """A PNG's transparent pixels come out mid grey, opaque ones keep their colour, no upscale."""
    image = _image(made["alpha"])
    assert image.size == (100, 50)
    assert _near(_mean(image, (0, 0, 45, 50)), RED)
    assert _near(_mean(image, (55, 0, 100, 50)), (128, 128, 128), slack=6)


def test_sixteen_bit_png_is_scaled_not_clipped(made: dict[str, Picture]) -> None:
    """A 16-bit grey PNG at half scale gives mid grey (Pillow's plain convert gives white)."""
    assert _near(_mean(_image(made["sixteen"])), (128, 128, 128), slack=6)


def test_animated_gif_gives_its_first_frame(made: dict[str, Picture]) -> None:
    """A multi-frame image is pictured by its first frame."""
    assert _near(_mean(_image(made["gif"])), RED)


def test_pixel_bombs_are_refused_before_decoding(made: dict[str, Picture]) -> None:
    """Stills over the pixel cap are refused unread, also between the cap and twice it."""
    # Between the cap and twice it Pillow only warns: the worker makes that an error too.
    for key in ("bomb", "bomb-warn"):
        assert made[key].error.startswith("no picture: too many pixels"), made[key]
        assert not made[key].data_uri


# --- video frames ------------------------------------------------------------------------


def test_frame_at_two_seconds_has_the_colour_of_second_two(made: dict[str, Picture]) -> None:
    """The frame at 2.0 s (decoded on from the keyframe at 0 s) is blue; duration is set."""
    picture = made["at2"]
    assert _near(_mean(_image(picture)), BLUE)
    assert (picture.width, picture.height) == (64, 48)
    assert picture.duration == pytest.approx(4.0, abs=0.05)


def test_frame_without_a_time_is_a_third_of_the_way_in(made: dict[str, Picture]) -> None:
    """With no time asked, a 4 s video is pictured at about 1.33 s: green."""
    assert _near(_mean(_image(made["representative"])), GREEN)


def test_frame_past_the_end_is_the_last_frame(made: dict[str, Picture]) -> None:
    """A time after the end gives the last frame rather than no picture."""
    assert _near(_mean(_image(made["past-end"])), WHITE)


def test_frame_makes_non_square_pixels_square(made: dict[str, Picture]) -> None:
    """A 64x48 video with 2:1 pixels is pictured 128 wide, as a player shows it."""
    assert (made["sar"].width, made["sar"].height) == (128, 48)


def test_frame_of_portrait_phone_video_is_upright(made: dict[str, Picture]) -> None:
    """A video stored on its side with a display matrix is pictured as players show it."""
    image = _image(made["portrait"])
    assert image.size == (48, 64)
    assert _near(_mean(image, (0, 0, 48, 28)), RED)
    assert _near(_mean(image, (0, 36, 48, 64)), BLUE)


# --- waveforms ---------------------------------------------------------------------------


def test_waveform_of_silence_then_sine(made: dict[str, Picture]) -> None:
    """1 s silence then 1 s sine at 0.8: 240 peaks, low then about 0.8, and the duration."""
    picture = made["s16"]
    assert len(picture.peaks) == WAVEFORM_BUCKETS
    assert max(picture.peaks[:110]) < 0.01
    assert min(picture.peaks[130:]) == pytest.approx(0.8, abs=0.03)
    assert picture.duration == pytest.approx(2.0, abs=0.01)
    assert not picture.data_uri and not picture.error


def test_waveform_reads_every_sample_format(made: dict[str, Picture]) -> None:
    """u8, s32 and packed float WAV and planar float AAC give the same peaks as 16-bit."""
    # Integers are normalised by their full scale; u8 is centred on 128.
    for key in ("u8", "s32", "flt", "fltp"):
        peaks = made[key].peaks
        assert len(peaks) == WAVEFORM_BUCKETS, made[key]
        assert max(peaks[:100]) < 0.02, key
        assert min(peaks[140:]) == pytest.approx(0.8, abs=0.1), key


def test_waveform_is_a_mono_mix(made: dict[str, Picture]) -> None:
    """Stereo with the sine on the left only is mixed to one channel: peaks of about 0.4."""
    assert max(made["stereo"].peaks) == pytest.approx(0.4, abs=0.02)


def test_long_audio_is_sampled_not_decoded_whole(made: dict[str, Picture]) -> None:
    """Audio over 10 minutes is read at the 240 bucket points: low, then loud, duration set."""
    picture = made["long"]
    assert len(picture.peaks) == WAVEFORM_BUCKETS
    assert max(picture.peaks[:115]) < 0.01
    assert min(picture.peaks[125:]) == pytest.approx(0.8, abs=0.05)
    assert picture.duration == pytest.approx(601.0, abs=0.01)


@pytest.mark.parametrize(("codec", "name"), [("aac", "tone.m4a"), ("libmp3lame", "tone.mp3")])
def test_sampled_peaks_skip_the_decoder_warm_up(tmp_path: Path, codec: str, name: str) -> None:
    """Peaks read after a seek leave out the decoder's warm-up frames (AAC, MP3)."""
    # After a seek AAC's first frame overshoots (no overlap), MP3 is silent until its bit
    # reservoir fills. Run in-process on 20 s: encoding ten minutes would be slow.
    if codec not in av.codecs_available:
        pytest.skip(f"this PyAV has no {codec} encoder")
    path = _encoded_audio(tmp_path / name, _signal(10.0, 10.0, 8000), 8000, codec, "fltp")
    with av.open(str(path)) as container:
        peaks = picture_decode._sampled_peaks(container, container.streams.audio[0], 20.0)
    assert len(peaks) == WAVEFORM_BUCKETS
    assert max(peaks[:110]) < 0.01
    assert min(peaks[130:]) == pytest.approx(0.8, abs=0.06)


# --- files that give no picture ----------------------------------------------------------


def test_broken_files_give_error_pictures(made: dict[str, Picture]) -> None:
    """Truncated, garbage, wrong-kind and missing files get a one-line error, no picture."""
    expected = {
        "truncated-jpeg": "truncated",
        "garbage-image": "not an image format Pillow can read",
        "garbage-frame": "no picture:",
        "garbage-waveform": "no picture:",
        "cut-mp4": "no picture:",
        "video-as-image": "not an image format Pillow can read",
        "eps": "not an image format Pillow can read",  # its reader would run Ghostscript
        "video-as-waveform": "no audio stream",
        "audio-as-frame": "no video stream",
        "missing": "No such file or directory",
    }
    for key, words in expected.items():
        picture = made[key]
        assert picture.error.startswith("no picture: ") and words in picture.error, picture
        assert "\n" not in picture.error
        assert not picture.data_uri and not picture.peaks and picture.width == 0


def test_symlink_is_refused(made: dict[str, Picture]) -> None:
    """A symbolic link is not followed, even to a file that pictures fine."""
    assert made["link"].error == "no picture: a symbolic link (not followed)"
    assert made["alpha"].data_uri


def test_fifo_and_directory_are_refused_without_blocking(made: dict[str, Picture]) -> None:
    """A FIFO nobody writes to and a directory are refused at once as not regular files."""
    # A blocking open would have reported the time limit instead.
    for key in ("fifo", "directory"):
        assert made[key].error == "no picture: not a regular file", made[key]


# --- the sample delivery -----------------------------------------------------------------


def test_sample_media_pictures(made: dict[str, Picture]) -> None:
    """The sample's final cut at 6.0 s, narration waveform and key art are all pictured."""
    frame = made["sample-frame"]
    assert _image(frame).size == (320, 180)
    assert frame.duration == pytest.approx(12.0, abs=0.1)
    waveform = made["sample-waveform"]
    assert len(waveform.peaks) == WAVEFORM_BUCKETS and max(waveform.peaks) > 0.1
    assert waveform.duration and waveform.duration > 0
    image = _image(made["sample-image"])
    assert max(image.size) == 320 and not made["sample-image"].error


# --- isolation ---------------------------------------------------------------------------


def _serve_with_hazards(conn: Connection, memory_mb: int) -> None:
    """The real worker, except that a file named "hang" never finishes and one named
    "crash" kills the worker with SIGSEGV (defined here: production code has no such hook)."""
    import resource

    from provscan.pictures import decode as picture_decode
    from provscan.pictures import worker as in_worker

    real: Callable[[PictureJob, int], Picture] = picture_decode.answer

    def answer(job: PictureJob, max_side: int) -> Picture:
        name = os.path.basename(job.path)
        if name == "hang":
            time.sleep(60)
        if name == "crash":
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file left behind
            os.kill(os.getpid(), signal.SIGSEGV)
        return real(job, max_side)

    picture_decode.answer = answer  # type: ignore[assignment]  # in the worker process only
    in_worker._serve(conn, memory_mb)


def test_overrun_and_crash_cost_only_their_own_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An overrun and a worker crash each cost only their own job; later jobs get pictures."""
    monkeypatch.setattr(pictures, "_serve", _serve_with_hazards)
    png = str(_alpha_png(tmp_path / "fine.png"))
    jobs = [
        PictureJob("hang", "image", str(tmp_path / "hang")),
        PictureJob("after-hang", "image", png),
        PictureJob("crash", "image", str(tmp_path / "crash")),
        PictureJob("after-crash", "image", png),
    ]
    started = time.monotonic()
    made = make_pictures(jobs, Limits(timeout_s=0.75))
    assert time.monotonic() - started < 20  # the hang would sleep 60 s
    assert made["hang"].error == (
        "no picture: making it took longer than 0.8 s and was stopped (time limit)"
    )
    assert made["crash"].error == (
        "no picture: decoding it crashed the picture worker (SIGSEGV in native code)"
    )
    assert made["after-hang"].data_uri and made["after-crash"].data_uri


def test_worker_without_memory_gives_error_pictures(tmp_path: Path) -> None:
    """A memory limit too small to load the decoders gives every job an error, quickly."""
    png = str(_alpha_png(tmp_path / "fine.png"))
    jobs = [PictureJob("a", "image", png), PictureJob("b", "waveform", png)]
    started = time.monotonic()
    made = make_pictures(jobs, Limits(timeout_s=5.0, memory_mb=16))
    assert time.monotonic() - started < 10  # not the start allowance (15 s): it died at once
    for picture in made.values():
        assert picture.error.startswith("no picture: the picture worker could not start ")
        assert not picture.data_uri


def test_no_worker_without_a_job_to_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """No jobs give {} and an unknown kind gives an error, neither starting a worker."""
    starts: list[int] = []

    def no_start() -> None:
        starts.append(1)
        raise AssertionError("a worker was started")

    monkeypatch.setattr(pictures, "_context", no_start)
    assert make_pictures([], LIMITS) == {}
    made = make_pictures([PictureJob("x", "sound", "/dev/null")], LIMITS)
    assert made["x"].error == "no picture: unknown picture kind 'sound'"
    assert starts == []
