"""``noinline`` by name keeps a function a real frame: a frame allow-list by name (anyio's
blocking-call detector allow-lists ``setup_unix_local_socket`` by ``f_code.co_name``) works
again once the function is listed, from every place the option can be given."""

from __future__ import annotations

import asyncio
import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import async_inline
from async_inline import cli
from async_inline.config import load_config

DETECTOR = """\
import asyncio
import sys

ALLOWED = {"setup_unix_local_socket"}


def check_blocking():
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name in ALLOWED:
            return "allowed"
        frame = frame.f_back
    raise RuntimeError("blocking call outside an allowed function")


async def setup_unix_local_socket():
    return check_blocking()


async def connect():
    return await setup_unix_local_socket()


if __name__ == "__main__":
    print(asyncio.run(connect()))
"""


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    name = f"ainoinline_{len(list(tmp_path.parent.iterdir()))}_{id(tmp_path)}"
    (tmp_path / name).mkdir()
    (tmp_path / name / "__init__.py").write_text("")
    (tmp_path / name / "net.py").write_text(DETECTOR)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ASYNC_INLINE", raising=False)
    yield name
    async_inline.uninstall()
    for module in [m for m in sys.modules if m.split(".")[0] == name]:
        del sys.modules[module]


@pytest.mark.decisions
def test_inlined_the_allow_list_no_longer_sees_the_frame(package: str) -> None:
    async_inline.install([package])
    module = importlib.import_module(f"{package}.net")
    with pytest.raises(RuntimeError, match="blocking call"):
        asyncio.run(module.connect())


@pytest.mark.decisions
@pytest.mark.parametrize("pattern", ["{package}.net.setup_unix_local_socket", "{package}.net.*_socket"])
def test_install_noinline_keeps_the_frame(package: str, pattern: str) -> None:
    async_inline.install([package], noinline=[pattern.format(package=package)])
    module = importlib.import_module(f"{package}.net")
    assert asyncio.run(module.connect()) == "allowed"


@pytest.mark.decisions
def test_pyproject_noinline(package: str, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(f'[tool.async_inline]\npackages = ["{package}"]\nnoinline = ["{package}.net.setup_*"]\n')
    assert load_config(tmp_path).noinline == (f"{package}.net.setup_*",)
    async_inline.install()
    module = importlib.import_module(f"{package}.net")
    assert asyncio.run(module.connect()) == "allowed"


@pytest.mark.decisions
def test_run_noinline(package: str, tmp_path: Path) -> None:
    script = tmp_path / package / "net.py"
    command = [sys.executable, "-m", "async_inline", "run", str(script)]
    failed = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, check=False)
    assert failed.returncode == 1 and "blocking call" in failed.stderr
    for flags in (
        ["--noinline", "__main__.setup_unix_local_socket"],
        # The name rewrite gives the file (review R19 z4), and the flag given twice (z3: the last one won).
        ["--noinline", f"{package}.net.setup_unix_local_socket"],
        ["--noinline", "__main__.setup_unix_local_socket", "--noinline", f"{package}.net.nothing"],
        # Wildcards over that name, the module part too (review R19 r2).
        ["--noinline", f"{package}.*"],
        ["--noinline", "*.net.setup_unix_local_socket"],
    ):
        done = subprocess.run([*command[:4], *flags, str(script)], capture_output=True, text=True, cwd=tmp_path, check=False)
        assert (done.returncode, done.stdout) == (0, "allowed\n"), (flags, done.stderr)


@pytest.mark.decisions
def test_plugin_noinline(package: str, tmp_path: Path) -> None:
    (tmp_path / "test_net.py").write_text(
        f"import asyncio\nfrom {package} import net\n\n\ndef test_connect():\n    assert asyncio.run(net.connect()) == 'allowed'\n"
    )
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_net.py", "--async-inline", f"--async-inline-packages={package}"]
    assert subprocess.run(command, capture_output=True, cwd=tmp_path, check=False).returncode == 1
    done = subprocess.run([*command, f"--async-inline-noinline={package}.net.setup_unix_local_socket"], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stdout


@pytest.mark.decisions
def test_rewrite_noinline_infers_the_module_name(package: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(tmp_path / package / "net.py")
    assert cli.main(["rewrite", "--check", "-q", path]) == 1
    assert cli.main(["rewrite", "--check", "-q", "--noinline", f"{package}.net.setup_unix_local_socket", path]) == 0
