"""The fixture writers give the same bytes under other instruction sets (issue 17).

CI runs on whatever CPU the machine has. ``fixtures.probe`` runs every fixture writer (a
small trace clip included) and prints the digests of the unsigned files; here it runs once
as is and once per variant, each in a fresh process: numpy held to its baseline, libjpeg-
turbo without SIMD, glibc's FMA/AVX2/AVX-512 function variants masked, and whole emulated
CPUs (``qemu-x86_64 -cpu``: Nehalem has SSE4.2 and no AVX, Haswell AVX2 and FMA, no
AVX-512) when Debian's qemu-user is installed, as ``./dev test`` does where it can.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _numpy_extras() -> str:
    """numpy's dispatch targets this CPU has beyond its baseline, to switch off."""
    from numpy._core import _multiarray_umath as umath

    have = umath.__cpu_features__  # type: ignore[attr-defined]
    return ",".join(f for f in umath.__cpu_dispatch__ if have.get(f))  # type: ignore[attr-defined]


VARIANTS: dict[str, dict[str, str]] = {
    "numpy-baseline": {"NPY_DISABLE_CPU_FEATURES": _numpy_extras()},
    "libjpeg-turbo-no-simd": {"JSIMD_FORCENONE": "1"},
    "glibc-no-fma-avx": {"GLIBC_TUNABLES": "glibc.cpu.hwcaps=-AVX512F,-AVX2,-FMA,-FMA4,-AVX"},
}
CPUS = ("Nehalem-v2", "Haswell-v4")


def _probe(env: dict[str, str], prefix: tuple[str, ...] = ()) -> dict[str, str]:
    command = [*prefix, sys.executable, "-m", "fixtures.probe"]
    done = subprocess.run(
        command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    digests: dict[str, str] = json.loads(done.stdout)
    return digests


@pytest.fixture(scope="module")
def native() -> dict[str, str]:
    """The digests on this machine's CPU, all of its features on."""
    return _probe({})


def _differing(native: dict[str, str], other: dict[str, str]) -> list[str]:
    return sorted(k for k in native.keys() | other.keys() if native.get(k) != other.get(k))


def test_probe_covers_every_writer(native: dict[str, str]) -> None:
    """The probe writes images, video, audio, MXF and the trace clip (a variant run means
    something)."""
    suffixes = {Path(k).suffix for k in native}
    assert {".png", ".jpg", ".webp", ".mp4", ".mov", ".mp3", ".m4a", ".mxf", ".wav"} <= suffixes
    assert {"trace/edits.mp4", "trace/still.png", "trace/key_art.jpg"} <= native.keys()


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_same_bytes_with_library_kernels_switched(native: dict[str, str], name: str) -> None:
    """numpy, libjpeg-turbo and glibc held to plainer kernels write the same bytes."""
    assert _differing(native, _probe(VARIANTS[name])) == []


@pytest.mark.parametrize("cpu", CPUS)
def test_same_bytes_on_an_emulated_cpu(native: dict[str, str], cpu: str) -> None:
    """On an emulated older CPU (every library sees its features) the bytes are the same."""
    qemu = shutil.which("qemu-x86_64")
    if qemu is None or os.uname().machine != "x86_64":
        pytest.skip("qemu-x86_64 (Debian's qemu-user) is not installed")
    assert _differing(native, _probe({}, (qemu, "-cpu", cpu))) == []


def test_exact_sine_is_close_to_libm() -> None:
    """fixtures.exact.sine (basic operations only) agrees with numpy's sin to 1e-13."""
    from fixtures.exact import sine

    x = np.linspace(-500.0, 500.0, 100_001)
    assert float(np.max(np.abs(sine(x) - np.sin(x)))) < 1e-13
    assert float(np.max(np.abs(sine(x, 1) - np.cos(x)))) < 1e-13
