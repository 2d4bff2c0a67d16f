"""run.py, the README's entry point: platform paths, the CPU matrix, and what CI runs."""

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("run", ROOT / "run.py")
run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run)


@pytest.mark.parametrize(
    ("platform", "name", "expected"),
    [
        ("win32", "python", ("Scripts", "python.exe")),
        ("win32", "jupyter-book", ("Scripts", "jupyter-book.exe")),
        ("darwin", "python", ("bin", "python")),
        ("linux", "python", ("bin", "python")),
        ("linux", "jupyter-book", ("bin", "jupyter-book")),
    ],
)
def test_venv_executable(platform, name, expected):
    path = run.venv_executable(name, venv_dir=Path("venv"), platform=platform)
    assert path.parts == ("venv", *expected)


def test_matrix_caps_the_kernels_the_portability_issue_names():
    caps = {v["env"].get("ONEDNN_MAX_CPU_ISA") for v in run.MATRIX.values()}
    assert {"AVX2", "AVX512_CORE"} <= caps
    assert any(v.get("cpus") == 1 for v in run.MATRIX.values())


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"^python3 run\.py [^\s#]+(?: --[\w-]+)?", readme, flags=re.M)


def test_ci_runs_the_readme_test_commands():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    ci_commands = re.findall(r"^python3 run\.py .*$", ci, flags=re.M)
    assert "python3 run.py test" in _readme_commands()
    assert "python3 run.py test --matrix" in _readme_commands()
    assert ci_commands == ["python3 run.py test", "python3 run.py test --matrix"]


def test_lab_passes_its_arguments_through():
    line = run.command_line(["lab", "--allow-root", "--port=9999"])
    assert line[-2:] == ["--allow-root", "--port=9999"]
    assert line[1:4] == ["-m", "jupyter", "lab"]
