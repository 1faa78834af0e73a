"""Decoding for the report's pictures, run inside the picture worker only: a still's
thumbnail (Pillow), a video frame (PyAV) and an audio waveform (PyAV + numpy).

Every file may be hostile: files are opened read-only without following links, pixel counts
and decode loops are bounded, and any failure becomes an error Picture for that file.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import io
import math
import os
import stat
from collections.abc import Iterator
from fractions import Fraction
from typing import Any, BinaryIO

from provscan.pictures.job import WAVEFORM_BUCKETS, Picture, PictureJob, failed

JPEG_QUALITY = 80
GREY = (128, 128, 128)  # behind transparent pixels: reads as "transparent" on light or dark
MAX_IMAGE_PIXELS = 200_000_000  # a 200 MP still is ~600 MB as RGB; larger is refused
MAX_DECODED_FRAMES = 600  # a broken index cannot make the frame search decode forever
LONG_AUDIO_S = 600.0  # longer audio is sampled at the bucket points, not decoded whole
MAX_AUDIO_S = 30 * 60  # the most audio decoded for one waveform (unknown or lying duration)
PEAK_WINDOW_S = 0.2  # audio read at each sampled point of a long file ...
PRE_ROLL_S = 0.5  # ... after this much decoded before it, which is not counted
MAX_POINT_FRAMES = 400  # frames decoded at most for one point (a lying index seeks far back)
BLOCK_S = 0.001  # decoded audio is kept as the peaks of 1 ms blocks

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def answer(job: PictureJob, max_side: int) -> Picture:
    """The picture for one job; any failure of the file becomes an error Picture."""
    try:
        if job.kind == "image":
            return _image(job, max_side)
        if job.kind == "frame":
            return _frame(job, max_side)
        if job.kind == "waveform":
            return _waveform(job)
        return failed(job.key, f"unknown picture kind {job.kind!r}")
    except _Refused as exc:
        return failed(job.key, str(exc))
    except Exception as exc:  # a library choking on hostile bytes: this file's problem only
        return failed(job.key, _reason(exc))


class _Refused(Exception):
    """No picture, for a reason worth saying as it is."""


def _reason(exc: Exception) -> str:
    """Why decoding failed, in a line: FFmpeg's and Pillow's own words where they have them."""
    import av

    if isinstance(exc, MemoryError):
        return "decoding it needs more memory than the memory limit allows"
    if isinstance(exc, av.FFmpegError):  # its str() adds the errno and the file object
        return f"cannot be decoded: {exc.strerror or type(exc).__name__}"
    if isinstance(exc, OSError | SyntaxError):  # Pillow's words for a damaged or odd file
        return f"cannot be decoded: {exc}"
    return f"{type(exc).__name__}: {exc}"


def _open(path: str) -> BinaryIO:
    """The file, opened read-only: a symlink is refused (O_NOFOLLOW), a FIFO does not block
    (O_NONBLOCK) and anything that is not a regular file is refused."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _Refused("a symbolic link (not followed)") from None
        raise _Refused(f"cannot be opened: {exc.strerror or exc}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _Refused("not a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


# --- image -------------------------------------------------------------------------------


def _image(job: PictureJob, max_side: int) -> Picture:
    """A still's first frame, upright (EXIF orientation), flattened on grey, as a JPEG."""
    from PIL import Image, UnidentifiedImageError

    try:
        with _open(job.path) as f, Image.open(f, formats=_safe_formats()) as image:
            # JPEG only: decode at 1/2, 1/4 or 1/8 scale, still at least twice the thumbnail.
            image.draft("RGB", (max_side * 2, max_side * 2))
            image.load()  # the first frame; a damaged one is this file's error
            upright = _exif_upright(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _Refused(f"too many pixels to decode safely (over {MAX_IMAGE_PIXELS:,})") from None
    except UnidentifiedImageError:
        raise _Refused("not an image format Pillow can read") from None
    rgb = _flatten(upright)
    rgb.thumbnail((max_side, max_side))
    return _jpeg(job.key, rgb)


def _safe_formats() -> list[str]:
    """Every format Pillow reads but EPS, whose reader runs Ghostscript on the file (a
    PostScript interpreter is no thing to feed hostile bytes to)."""
    from PIL import Image

    Image.init()
    return sorted(name for name in Image.OPEN if name != "EPS")


def _exif_upright(image: Any) -> Any:
    """A copy of the loaded ``image`` turned by its EXIF orientation; a damaged EXIF block
    costs the orientation, not the picture."""
    from PIL import ImageOps

    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # Pillow's EXIF parser on hostile bytes: any error, same answer
        return image.copy()


def _flatten(image: Any) -> Any:
    """RGB, with transparency composited on mid grey and wide integer modes scaled to 8 bits."""
    from PIL import Image

    if image.mode in ("I", "F") or image.mode.startswith("I;16"):
        image = _eight_bit(image)
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", rgba.size, (*GREY, 255)), rgba).convert(
            "RGB"
        )
    return image.convert("RGB")


def _eight_bit(image: Any) -> Any:
    """A 16/32-bit integer or float image as 8-bit grey (Pillow's convert clips at 255)."""
    import numpy as np
    from PIL import Image

    values = np.nan_to_num(np.asarray(image, dtype=np.float64))
    top = float(values.max()) if values.size else 0.0
    if image.mode.startswith("I;16") or 255 < top <= 65535:
        full = 65535.0  # 16-bit samples (Pillow opens some 16-bit files as 32-bit "I")
    elif image.mode == "F" and 0 < top <= 1.0:
        full = 1.0  # float pictures are usually 0..1
    else:
        full = max(top, 255.0)  # 8-bit values in a wide mode, or a range only its top tells
    grey = np.clip(values * (255.0 / full), 0, 255).astype(np.uint8)
    return Image.fromarray(grey)  # uint8, two dimensions: mode "L"


def _jpeg(key: str, image: Any, duration: float | None = None) -> Picture:
    """``image`` (RGB) as a JPEG data URI."""
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    width, height = image.size
    return Picture(key, f"data:image/jpeg;base64,{encoded}", width, height, duration=duration)


# --- frame -------------------------------------------------------------------------------


def _frame(job: PictureJob, max_side: int) -> Picture:
    """The video frame shown at ``job.at`` (or a representative one), as a JPEG."""
    import av

    with _open(job.path) as f, av.open(f, mode="r", metadata_errors="replace") as container:
        stream = _video_stream(container)
        duration = _duration(container, stream)
        at = _frame_time(job.at, duration)
        stream.thread_type = "AUTO"  # frame and slice threads: a 4K frame decodes faster
        frame = _decode_at(container, stream, at)
        if frame is None:
            raise _Refused("no frame of the video could be decoded")
        return _jpeg(job.key, _frame_image(frame, stream, max_side), duration)


def _video_stream(container: Any) -> Any:
    """The first video stream FFmpeg can decode that is not cover art (a one-picture
    attached stream)."""
    streams = [s for s in container.streams.video if not _is_cover_art(s)]
    return _decodable(streams, "video")


def _is_cover_art(stream: Any) -> bool:
    disposition = getattr(stream, "disposition", None)
    attached = getattr(type(disposition), "attached_pic", None)
    return bool(attached is not None and disposition is not None and disposition & attached)


def _decodable(streams: list[Any], kind: str) -> Any:
    """The first of ``streams`` with a decoder (an MXF may carry IAB audio, which FFmpeg
    cannot decode, beside PCM it can)."""
    if not streams:
        raise _Refused(f"no {kind} stream")
    for stream in streams:
        if stream.codec_context is not None:
            return stream
    raise _Refused(f"no decoder for its {kind} (a codec FFmpeg does not decode)")


def _frame_time(at: float | None, duration: float | None) -> float:
    """Seconds into the video to show.

    Without ``at``: a third of the way in, at most 10 s. The first frame is often black (a
    fade in, leader, a slate), a third in is inside the body of a short clip, and the cap
    keeps a long programme from costing a deep seek (and, with a broken index, a long
    decode) for a picture that only has to say what the file looks like. Unknown duration:
    1 s, past the first frames of a fade, cheap to reach.
    """
    if at is None:
        return min(duration / 3, 10.0) if duration else 1.0
    if not math.isfinite(at):
        raise _Refused(f"frame time {at} is not a number of seconds")
    return max(0.0, at)


def _decode_at(container: Any, stream: Any, at: float) -> Any:
    """The first frame shown at or after ``at`` (the last one if the video ends sooner),
    decoded from the keyframe before it; at most MAX_DECODED_FRAMES frames are decoded."""
    tb = stream.time_base or Fraction(1, 90000)
    origin = float(stream.start_time * tb) if stream.start_time is not None else 0.0
    if at > 0:
        _seek(container, stream, int((at + origin) / tb))
    latest = None
    for decoded, frame in enumerate(_frames(container, stream), start=1):
        latest = frame
        # 1 ms slack: timestamps in a coarse time base round below the exact second.
        if frame.pts is not None and float(frame.pts * tb) - origin >= at - 0.001:
            break
        if decoded >= MAX_DECODED_FRAMES:
            break
    return latest


def _seek(container: Any, stream: Any, target: int) -> None:
    """Seek to the keyframe before ``target``; a file that cannot seek is decoded from where
    it is (the start), bounded by MAX_DECODED_FRAMES."""
    import av

    with contextlib.suppress(av.FFmpegError, OSError, ValueError, OverflowError):
        container.seek(target, stream=stream, backward=True, any_frame=False)


def _decoded(packet: Any) -> list[Any]:
    """The frames a packet gives; a damaged packet gives none (decoding goes on)."""
    import av

    try:
        return list(packet.decode())
    except (av.FFmpegError, ValueError, EOFError):
        return []


def _frame_image(frame: Any, stream: Any, max_side: int) -> Any:
    """The frame as an RGB picture within ``max_side``, with non-square pixels made square;
    scaled by swscale straight from the decoder's format (no full-size RGB copy)."""
    aspect = _pixel_aspect(stream)
    display_w, height = frame.width * aspect, frame.height
    scale = min(1.0, max_side / max(display_w, height))
    size = max(1, round(display_w * scale)), max(1, round(height * scale))
    # Full-range YUV tagged only in the frame (not by a yuvj format): say so, or the picture
    # is converted as limited range and loses its blacks and whites.
    full = {"src_color_range": "JPEG"} if frame.color_range == 2 else {}
    small = frame.reformat(width=size[0], height=size[1], format="rgb24",
                           interpolation="AREA", **full)  # fmt: skip
    return _upright(small.to_image(), frame)


def _upright(image: Any, frame: Any) -> Any:
    """The picture turned as a player shows it: phones store portrait video on its side
    with a display matrix (``frame.rotation``: degrees counterclockwise, -90 for an
    iPhone held upright)."""
    from PIL import Image

    turns = {90: Image.Transpose.ROTATE_90, -90: Image.Transpose.ROTATE_270,
             180: Image.Transpose.ROTATE_180, -180: Image.Transpose.ROTATE_180}  # fmt: skip
    turn = turns.get(round(getattr(frame, "rotation", 0) or 0))
    return image.transpose(turn) if turn is not None else image


def _pixel_aspect(stream: Any) -> float:
    """Width of a pixel over its height; 1.0 when unknown or implausible."""
    sar = stream.sample_aspect_ratio or stream.codec_context.sample_aspect_ratio
    return float(sar) if sar and 0.25 <= float(sar) <= 4 else 1.0


def _duration(container: Any, stream: Any) -> float | None:
    """The media's duration in seconds: the stream's, else the container's; None unknown."""
    import av

    seconds = None
    if stream.duration and stream.time_base:
        seconds = float(stream.duration * stream.time_base)
    elif container.duration:
        seconds = container.duration / av.time_base
    return seconds if seconds is not None and math.isfinite(seconds) and seconds > 0 else None


# --- waveform ----------------------------------------------------------------------------


def _waveform(job: PictureJob) -> Picture:
    """Peaks of the first audio stream's mono mix, in WAVEFORM_BUCKETS buckets."""
    import av

    with _open(job.path) as f, av.open(f, mode="r", metadata_errors="replace") as container:
        stream = _decodable(list(container.streams.audio), "audio")
        duration = _duration(container, stream)
        if duration is not None and duration > LONG_AUDIO_S:
            peaks = _sampled_peaks(container, stream, duration)
        else:
            peaks, decoded_s = _decoded_peaks(container, stream, duration)
            duration = duration or decoded_s or None
    return Picture(job.key, peaks=peaks, duration=duration)


def _decoded_peaks(
    container: Any, stream: Any, duration: float | None
) -> tuple[tuple[float, ...], float]:
    """Bucket peaks of all the audio (at most MAX_AUDIO_S), and the seconds decoded.

    With a known duration the buckets are cut on it, so the waveform lines up with the time
    the report shows: an encoder's padding past the end is dropped, and a file cut short
    is silent where its audio is missing. Without one, they are cut on what was decoded."""
    import numpy as np

    seconds = min(duration, MAX_AUDIO_S) if duration is not None else MAX_AUDIO_S
    blocks, decoded, rate = _block_peaks(container, stream, seconds)
    if duration is not None:
        count = math.ceil(seconds * rate / _block_size(rate))
        blocks = np.pad(blocks[:count], (0, max(0, count - blocks.size)))
    return _bucket(blocks), decoded / rate


def _block_size(rate: int) -> int:
    """Samples in a BLOCK_S block."""
    return max(1, round(rate * BLOCK_S))


def _block_peaks(container: Any, stream: Any, seconds: float) -> tuple[Any, int, int]:
    """The peaks of each BLOCK_S of the mono mix over the first ``seconds``, the samples
    decoded and their rate. The rate is the decoded frames' (HE-AAC decodes at twice the
    rate its header gives). Each frame is reduced as it comes, so memory holds only the
    block peaks (7 MB for 30 minutes), never the audio."""
    import numpy as np

    blocks: list[Any] = []
    carry = np.zeros(0, dtype=np.float32)
    total = rate = block = wanted = 0
    for frame in _frames(container, stream):
        if not rate:
            rate = int(frame.sample_rate or stream.codec_context.sample_rate or 48000)
            block, wanted = _block_size(rate), math.ceil(seconds * rate)
        mono = _mono(frame)[: wanted - total]
        total += mono.size
        carry = np.concatenate((carry, np.abs(mono)))
        whole = carry.size // block * block
        if whole:
            blocks.append(carry[:whole].reshape(-1, block).max(axis=1))
            carry = carry[whole:]
        if total >= wanted:
            break
    if carry.size:
        blocks.append(carry.max(keepdims=True))
    if not blocks:
        raise _Refused("no audio could be decoded")
    return np.concatenate(blocks), total, rate


def _sampled_peaks(container: Any, stream: Any, duration: float) -> tuple[float, ...]:
    """Bucket peaks of long audio: the peak of PEAK_WINDOW_S read at each bucket's middle,
    so a two-hour file costs WAVEFORM_BUCKETS short seeks, not two hours of decoding."""
    tb = stream.time_base or Fraction(1, stream.codec_context.sample_rate or 48000)
    origin = float(stream.start_time * tb) if stream.start_time is not None else 0.0
    peaks = []
    for index in range(WAVEFORM_BUCKETS):
        middle = (index + 0.5) * duration / WAVEFORM_BUCKETS
        _seek(container, stream, int((max(0.0, middle - PRE_ROLL_S) + origin) / tb))
        peaks.append(_window_peak(container, stream, middle, origin))
    if all(peak is None for peak in peaks):
        raise _Refused("no audio could be decoded")
    return tuple(_level(peak or 0.0) for peak in peaks)


def _window_peak(container: Any, stream: Any, at: float, origin: float) -> float | None:
    """The peak of PEAK_WINDOW_S from ``at`` seconds, the demuxer having been sought to
    PRE_ROLL_S before it: the frames before ``at`` only warm the decoder up (after a seek an
    AAC frame lacks its overlap and overshoots; MP3 is silent until its bit reservoir
    fills). At most MAX_POINT_FRAMES are decoded, whatever the index says."""
    peak, decoded = None, 0
    for frame in _frames(container, stream):
        decoded += 1
        begins = float(frame.time) - origin if frame.time is not None else None
        rate = frame.sample_rate or 48000
        if begins is not None and begins + frame.samples / rate <= at:
            if decoded < MAX_POINT_FRAMES:
                continue  # warming up
        elif peak is not None and (begins is None or begins >= at + PEAK_WINDOW_S):
            break  # the window is read
        mono = _mono(frame)
        if mono.size:
            peak = max(peak or 0.0, float(abs(mono).max()))
        if decoded >= MAX_POINT_FRAMES:
            break
    return peak


def _frames(container: Any, stream: Any) -> Iterator[Any]:
    """The stream's decoded frames from where the demuxer stands (damaged packets skipped)."""
    for packet in container.demux(stream):
        yield from _decoded(packet)


def _mono(frame: Any) -> Any:
    """The frame's samples as float32 in -1..1, mixed to one channel (the channel mean)."""
    import numpy as np

    data = frame.to_ndarray()
    channels = max(1, int(frame.layout.nb_channels))
    if not frame.format.is_planar:  # packed: one row, channels interleaved
        data = data.reshape(-1, channels).T
    name = frame.format.name.rstrip("p")
    if name == "u8":  # unsigned: silence is 128
        samples = (data.astype(np.float32) - 128.0) / 128.0
    elif data.dtype.kind == "i":  # s16, s32, s64: full scale is the type's range
        samples = data.astype(np.float32) / float(-np.iinfo(data.dtype).min)
    else:
        samples = data.astype(np.float32)
    mixed = samples.mean(axis=0) if samples.ndim == 2 else samples
    return np.nan_to_num(mixed, nan=0.0, posinf=1.0, neginf=-1.0)


def _bucket(blocks: Any) -> tuple[float, ...]:
    """WAVEFORM_BUCKETS peaks over ``blocks`` (block peaks, in time order)."""
    import numpy as np

    count = blocks.size
    if count >= WAVEFORM_BUCKETS:
        edges = np.linspace(0, count, WAVEFORM_BUCKETS + 1).astype(np.int64)[:-1]
        peaks = np.maximum.reduceat(blocks, edges)
    else:  # very short audio: each block spans several buckets
        peaks = blocks[np.arange(WAVEFORM_BUCKETS) * count // WAVEFORM_BUCKETS]
    return tuple(_level(float(peak)) for peak in peaks)


def _level(peak: float) -> float:
    """A peak clipped to 0..1 and rounded (the report embeds hundreds of them)."""
    return round(min(1.0, max(0.0, peak)), 4)
