"""Fetching real libraries for the measurements in this folder: nothing is vendored.

Each library's source distribution is downloaded from PyPI with pip at run time, unpacked
into a work directory, and reused by later runs in the same directory. Shared by
``suites.py`` (test suites with and without the plugin) and ``reach.py`` (sites inlined).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

#: The versions the measurements in docs/real-code.md were made with.
VERSIONS = {
    "anyio": "4.16.0",
    "httpcore": "1.0.9",
    "websockets": "17.4",
    "aiosqlite": "0.22.1",
    "aiohttp": "3.14.5",
    # Tried later, on request only (issue 11 names the five above; the totals are theirs).
    "httpx": "0.29.0",
    "starlette": "1.10.0",
    "asyncssh": "2.24.1",
    "uvicorn": "0.55.0",
    "aiosmtplib": "5.1.3",
    "trio": "0.35.0",
    "hypercorn": "0.18.0",
    "tortoise-orm": "1.1.9",
    "python-socketio": "5.18.1",
    "python-engineio": "4.15.1",
    "asyncstdlib": "3.14.0",
    "grpclib": "0.4.9",
    "aioitertools": "0.13.0",
    "aiostream": "0.8.1",
    "asgiref": "3.13.0",
    "async-lru": "2.4.0",
    "aiofiles": "25.1.0",
    "janus": "2.0.0",
    "graphql-core": "3.2.14",
    "fastapi": "0.165.0",
    "aiocache": "0.12.3",
    "tenacity": "9.2.1",
    "aiogram": "3.31.0",
    "aiojobs": "1.4.0",
    "aiohappyeyeballs": "2.7.1",
    "aiolimiter": "1.3.0",
    "async-timeout": "5.0.1",
    "aiohttp-session": "2.12.1",
    "aioresponses": "0.7.9",
    "asyncclick": "8.4.2.1",
    "asyncer": "0.0.18",
    "sse-starlette": "3.7.1",
    "databases": "0.9.0",
    "pytest-asyncio": "1.5.0",
    "sqlalchemy": "2.1.9",
    "aioftp": "0.28.3",
    "aiosmtpd": "1.4.6",
    "aiorpcx": "0.25.0",
    "pyee": "13.0.1",
    "trio-websocket": "0.12.2",
    "pytest-httpx": "0.36.2",
    "aiofile": "3.12.3",
    "aiomultiprocess": "0.9.1",
    "async-property": "0.2.2",
    "aiohttp-cors": "0.8.1",
    "asgi-lifespan": "2.1.0",
    "openai": "3.63.0",
    "tornado": "6.6.1",
    # Tried by hand in reviews R13 and R15, taken by name since review R19 x.
    "aiotools": "2.2.4",
    "aioconsole": "0.8.2",
    "culsans": "0.11.0",
    "aiologic": "0.17.1",
    "aiodataloader": "0.4.3",
    # Review R20c (docs/real-code.md).
    "gql": "4.4.0",
    "limits": "5.8.0",
    "aiocsv": "1.4.1",
    "stamina": "26.1.0",
    "aiorwlock": "1.5.1",
    "respx": "0.23.1",
    "backoff": "2.2.1",
    "asyncache": "0.3.1",
    "aiocron": "2.1",
}

#: Import names of the libraries whose distribution is named otherwise.
IMPORT_NAMES = {
    "tortoise-orm": "tortoise",
    "python-socketio": "socketio",
    "python-engineio": "engineio",
    "async-lru": "async_lru",
    "graphql-core": "graphql",
    "async-timeout": "async_timeout",
    "aiohttp-session": "aiohttp_session",
    "sse-starlette": "sse_starlette",
    "pytest-asyncio": "pytest_asyncio",
    "trio-websocket": "trio_websocket",
    "pytest-httpx": "pytest_httpx",
    "async-property": "async_property",
    "aiohttp-cors": "aiohttp_cors",
    "asgi-lifespan": "asgi_lifespan",
}

#: What the scripts measure when no library is named: the five of issue 11.
DEFAULT = ("anyio", "httpcore", "websockets", "aiosqlite", "aiohttp")

#: This repository, installed into the environments the scripts make.
REPO = Path(__file__).resolve().parents[2]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run ``command``; its output is shown only when it fails (then the script stops)."""
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    if done.returncode != 0:
        log(f"failed ({done.returncode}): {' '.join(command)}\n{done.stdout[-4000:]}{done.stderr[-4000:]}")
        raise SystemExit(1)
    return done  # type: ignore[no-any-return]


def fetch(name: str, work: Path) -> Path:
    """The unpacked sdist of ``name`` at ``VERSIONS[name]`` (downloaded on first use)."""
    version = VERSIONS[name]
    # Current sdists name their archive and folder after the normalized name (``python_socketio-5.18.1``).
    stems = [f"{n}-{version}" for n in (name, name.replace("-", "_"))]
    candidates = [work / "src" / stem for stem in stems]
    for target in candidates:
        if target.is_dir():
            return target
    downloads = work / "sdists"
    downloads.mkdir(parents=True, exist_ok=True)

    def archives_of() -> list[Path]:
        return [p for p in downloads.iterdir() if p.name.lower().startswith(tuple(s.lower() for s in stems))]

    archives = archives_of()
    if not archives:
        log(f"downloading the {name} {version} sdist")
        run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", f"{name}=={version}", "-d", str(downloads)])
        archives = archives_of()
    [archive] = archives
    (work / "src").mkdir(parents=True, exist_ok=True)
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as z:
            z.extractall(work / "src")
    else:
        with tarfile.open(archive) as t:
            if hasattr(tarfile, "data_filter"):
                t.extractall(work / "src", filter="data")
            else:  # pragma: no cover - interpreters without PEP 706
                t.extractall(work / "src")
    for target in candidates:
        if target.is_dir():
            return target
    raise SystemExit(f"{archive} did not unpack to {candidates[0]}")


def package_dir(root: Path, name: str) -> Path:
    """Where library ``name``'s import package lives in an unpacked sdist (flat, src or lib layout)."""
    name = IMPORT_NAMES.get(name, name)
    for candidate in (root / name, root / "src" / name, root / "lib" / name):
        if (candidate / "__init__.py").is_file():
            return candidate
    raise SystemExit(f"no package {name} in {root}")


def environment(path: Path, requirements: list[str], python: str = sys.executable, env: dict[str, str] | None = None) -> Path:
    """A virtual environment at ``path`` with ``requirements`` and this repository installed
    (pip runs with ``env`` added to its environment, e.g. a build switch); returns its
    interpreter. Reused when it exists."""
    interpreter = path / "bin" / "python"
    marker = path / ".requirements"
    # Another checkout's environment, or one built with other variables, is not reused.
    wanted = "\n".join([f"-e {REPO}", *requirements, *(f"{k}={v}" for k, v in sorted((env or {}).items()))])
    if interpreter.exists() and marker.exists() and marker.read_text() == wanted:
        return interpreter
    log(f"creating {path}")
    if python == sys.executable:
        venv.create(path, with_pip=True, clear=True)
    else:
        run([python, "-m", "venv", "--clear", str(path)])
    run([str(interpreter), "-m", "pip", "install", "-q", "-e", str(REPO), *requirements], env={**os.environ, **(env or {})})
    marker.write_text(wanted)
    return interpreter
