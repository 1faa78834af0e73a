"""Installable: the wheel `pip install .` and `pipx install .` build puts one import package,
provscan, into site-packages (nothing generic such as scanner or detectors), with its data
files and the console script."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO

BUILT_FROM = ("pyproject.toml", "README.md", "scanner", "detectors")


@pytest.mark.slow
def test_wheel_installs_one_package_named_provscan(tmp_path: Path) -> None:
    """The wheel's top level is provscan and its dist-info only; the trust lists, the report
    assets and py.typed are inside; the console script is provscan."""
    source = tmp_path / "src"
    source.mkdir()
    for name in BUILT_FROM:  # a copy: building never writes into the checkout
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name,
                            ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
        else:
            shutil.copy(REPO / name, source / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                            str(tmp_path / "dist"), str(source)], capture_output=True, text=True,
                           timeout=600, check=False)  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("provscan-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
    assert {n.split("/")[0] for n in names} == {"provscan", info}
    top = zipfile.ZipFile(wheel).read(f"{info}/top_level.txt").decode().split()
    assert top == ["provscan"]
    for inside in ("provscan/py.typed", "provscan/report/schema.json",
                   "provscan/report/html_report.css", "provscan/trust_data/lists.toml",
                   "provscan/detectors/registry.py", "provscan/cli.py"):  # fmt: skip
        assert inside in names
    scripts = zipfile.ZipFile(wheel).read(f"{info}/entry_points.txt").decode()
    assert "provscan = provscan.entry:main" in scripts
