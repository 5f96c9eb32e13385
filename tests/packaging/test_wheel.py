"""A plain (non-editable) install works: build the wheel, install it into a fresh venv and run
the README's commands from a folder outside the repository (issue 10: the wheel once lacked the
VBA sources and the ribbon XML, and only the editable install was ever tested).

Dependencies come through pip's configured index, as on a user's PC (about 15 s here with pip's
cache). KAOHE_WHEEL_OFFLINE=1 installs only the wheel and reuses this interpreter's packages.
"""
from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from xl_kaohe.build.workbook import DEFAULT_PATH

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow
TOP_SKIP = {".git", "build", "dist", "out", "tmp", "tests", "benchmarks", ".hypothesis", ".pytest_cache"}


def _skip(folder: str, names: list[str]) -> set[str]:
    top = Path(folder) == REPO
    return {n for n in names if n == "__pycache__" or n.endswith(".egg-info") or n.startswith(".venv")
            or (top and n in TOP_SKIP)}


def _run(args, cwd: Path, timeout: int = 300, check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYTHONIOENCODING"] = "utf-8"
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, timeout=timeout, env=env)
    if check and done.returncode != 0:
        raise AssertionError(f"{args} -> {done.returncode}\n{done.stdout.decode()}\n{done.stderr.decode()}")
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    # Build from a copy: an in-tree build would leave build/ and *.egg-info in the checkout.
    src = tmp_path_factory.mktemp("src") / "kaohe"
    shutil.copytree(REPO, src, ignore=_skip)
    dist = src.parent / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", dist, src],
         cwd=src.parent)
    (found,) = dist.glob("xl_kaohe-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("venv") / "v"
    _run([sys.executable, "-m", "venv", root], cwd=root.parent)
    bindir = root / ("Scripts" if os.name == "nt" else "bin")
    pip = [bindir / "python", "-m", "pip", "install", "-q"]
    if os.environ.get("KAOHE_WHEEL_OFFLINE") == "1":
        _run(pip + ["--no-deps", wheel], cwd=root.parent)
        purelib = Path(_run([bindir / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                            cwd=root.parent).stdout.decode().strip())
        # appended after the venv's own site-packages, so the installed wheel wins over the editable copy
        (purelib / "kaohe_test_deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    else:
        _run(pip + [wheel], cwd=root.parent)
    return bindir


def test_every_data_file_of_the_packages_is_in_the_wheel(wheel):
    shipped = set(zipfile.ZipFile(wheel).namelist())
    wanted = {p.relative_to(REPO).as_posix() for top in ("xl_kaohe", "udfs") for p in (REPO / top).rglob("*")
              if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}
    assert {"xl_kaohe/build/vba/Ribbon.bas", "xl_kaohe/build/vba/ThisWorkbook.cls",
            "xl_kaohe/build/ribbon/customUI.xml", "udfs/kaohe_udfs.py"} <= wanted
    assert sorted(wanted - shipped) == []


def test_installed_package_runs_the_readme_commands(venv, tmp_path):
    kaohe = venv / "kaohe"
    where = _run([venv / "python", "-c", "import xl_kaohe, udfs.kaohe_udfs as u; print(xl_kaohe.__file__); "
                  "print(u.__file__); print(callable(u.KAOHE_SCORE))"], cwd=tmp_path).stdout.decode().split()
    assert all(str(venv.parent) in w for w in where[:2]) and where[2] == "True"  # not the checkout
    _run([kaohe, "new", "t.xlsm", "--demo"], cwd=tmp_path)
    _run([kaohe, "new", "空白.xlsm", "--year", "2027"], cwd=tmp_path)
    ranked = _run([kaohe, "rank", "t.xlsm", "--asof", "2026-12-31", "--json", "-"], cwd=tmp_path)
    installed = json.loads(ranked.stdout.decode("utf-8"))
    # The same demo ranked by the checkout's code gives the same report.
    shutil.copy(DEFAULT_PATH, tmp_path / "repo.xlsm")
    here = _run([sys.executable, "-m", "xl_kaohe.cli", "rank", tmp_path / "repo.xlsm", "--asof", "2026-12-31",
                 "--json", "-"], cwd=REPO)
    assert installed == json.loads(here.stdout.decode("utf-8"))
    assert installed["units"][0]["rank"] == 1 and installed["problems"] == []
    # doctor reads the new workbook's VBA (olefile is a runtime dependency) and finds it is this build
    doctor = _run([kaohe, "doctor", "t.xlsm", "--today", "2026-06-01"], cwd=tmp_path, check=False).stdout.decode()
    assert "[通过] 台账的宏：与本软件生成的完全一致" in doctor and "[通过] 台账的 xlwings 运行库" in doctor


def test_installed_build_equals_the_committed_workbook(venv, tmp_path):
    kaohe = venv / "kaohe"
    # the installed package builds the same bytes as the checkout (so nothing is missing from it)
    _run([kaohe, "build-workbook", "--check", "--output", DEFAULT_PATH], cwd=tmp_path)
    _run([kaohe, "build-workbook"], cwd=tmp_path)
    assert (tmp_path / DEFAULT_PATH.name).read_bytes() == DEFAULT_PATH.read_bytes()
    _run([kaohe, "build-workbook", "--check", "--output", DEFAULT_PATH.name], cwd=tmp_path)
    missing = _run([kaohe, "build-workbook", "--check"], cwd=tmp_path, check=False)
    assert missing.returncode == 2 and "--output" in missing.stderr.decode("utf-8")
