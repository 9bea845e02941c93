"""Real projects' own test suites with and without the pytest plugin (issue 14, item 7).

    python samples/real/suites.py [--work DIR] [--via run|pytest] [--noinline PATTERN,...] [--assume NAME,...] [LIBRARY ...]

For each library (default: anyio, httpcore, websockets, aiosqlite, aiohttp; httpx, starlette, asyncssh, uvicorn, aiosmtplib, trio, hypercorn, tortoise-orm, python-socketio, python-engineio, asyncstdlib, aioitertools, aiostream, asgiref, async-lru, aiofiles, janus, graphql-core, fastapi, aiocache, tenacity, aiogram,
aiojobs, aiohappyeyeballs, aiolimiter, async-timeout, aiohttp-session, aioresponses, asyncclick,
asyncer, sse-starlette, databases, pytest-asyncio, sqlalchemy (its asyncio extension's tests),
aioftp, aiosmtpd, aiorpcx,
pyee, trio-websocket, pytest-httpx, aiofile, aiomultiprocess, async-property, aiohttp-cors,
asgi-lifespan, tornado and openai on request) it downloads the sdist, installs it
(editable, so the suite imports the unpacked sources) with its test dependencies in a
virtual environment of its own, and runs the suite three times with the project's own pytest
configuration unchanged: plain, then inlined with an empty cache (cold), then inlined again
(warm); a suite may add environment variables to its install and runs (aiohttp:
``AIOHTTP_NO_EXTENSIONS=1``, its pure-Python code). Outcomes are compared per test id from the junit XML files. Inlined means
``python -m async_inline run -m pytest --async-inline`` (``--via run``, the default: the
hook is in place before pytest imports the ``-p`` plugins) or ``pytest --async-inline``
(``--via pytest``: whatever a ``-p`` plugin imports runs without inlining, and the summary
says so). ``--assume NAME,...`` gives opt-in assumptions to ``run`` (whose hook the plugin
adopts), so it needs ``--via run``. Not part of CI: it downloads.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sdists import DEFAULT, VERSIONS, environment, fetch, log, package_dir

#: The async_inline checkout this script belongs to.
CHECKOUT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Suite:
    #: Test dependencies (from the project's dependency groups or test requirements).
    requirements: tuple[str, ...]
    #: Extra pytest arguments (deselections); the configuration itself is the project's.
    args: tuple[str, ...] = ()
    #: Why the suite cannot be run, if it cannot.
    missing: str | None = None
    #: Environment variables of the install and of every run.
    env: tuple[tuple[str, str], ...] = ()
    #: Requirement files of the sdist (relative to its root) that pin the requirements (pip -c).
    constraints: tuple[str, ...] = ()
    #: Extras of the project itself to install (``full``: ``pip install -e SRC[full]``).
    extras: str = ""


SUITES = {
    # [dependency-groups] test of anyio's pyproject.toml, plus the trio extra.
    "anyio": Suite(
        (
            "trio>=0.32.0",
            "blockbuster>=1.5.29",
            "hypothesis>=4.18.2",
            "psutil>=5.9",
            "pytest>=9.0",
            "pytest-mock>=3.14",
            "pytest-timeout>=2.4.0",
            "trustme>=1.0.0",
            "truststore>=0.9.1",
            "uvloop>=0.22.1",
        ),
        ("-m", "not network"),
    ),
    # httpcore's tests import h2/hpack, socksio, trio (pytest.mark.trio) and anyio (pytest.mark.anyio).
    "httpcore": Suite(("pytest", "anyio", "trio", "pytest-trio", "h2", "socksio"), ("--ignore=tests/benchmark",)),
    "websockets": Suite((), missing="the websockets 17.4 sdist has no tests (its MANIFEST.in prunes them), and PyPI has no other source"),
    # aiosqlite's tests are unittest cases packaged with it (python -m aiosqlite.tests); perf.py is benchmarks.
    "aiosqlite": Suite(("pytest",), ("aiosqlite/tests/smoke.py",)),
    # requirements/test.in of the sdist without mypy, python-on-whales (autobahn tests, deselected
    # by its own addopts), pkgconfig and setuptools-git; plus the speedups extra (aiodns, Brotli,
    # backports.zstd), which tests parametrize over. Versions pinned by its requirements/test.txt.
    # Built and run without its C extensions: the pure-Python parser and writer are inlined.
    # Its addopts are kept; -n 0 runs the tests in the pytest process rather than xdist workers
    # (whose imports run's hook and report do not see), --no-cov leaves out coverage (time).
    "aiohttp": Suite(
        (
            "aiodns",
            "Brotli",
            "backports.zstd",
            "blockbuster",
            "coverage",
            "freezegun",
            "gunicorn",
            "isal",
            "proxy.py",
            "pytest",
            "pytest-codspeed",
            "pytest-cov",
            "pytest-mock",
            "pytest-timeout",
            "pytest-xdist",
            "trustme",
            "uvloop",
            "zlib-ng",
        ),
        ("-n", "0", "--no-cov"),
        env=(("AIOHTTP_NO_EXTENSIONS", "1"),),
        constraints=("requirements/test.txt",),
    ),
    # What httpx's tests import, and every extra of the project; its network tests deselected.
    "httpx": Suite(("pytest", "trio", "chardet", "uvicorn", "trustme", "cryptography", "sniffio"), ("-m", "not network"), extras="brotli,cli,http2,socks,zstd"),
    # The dev dependency group of starlette's pyproject.toml without the linters, type
    # checkers, coverage, benchmarks and twine; the project with its `full` extra.
    "starlette": Suite(
        ("httpx2[zstd]>=2.0.0", "blockbuster>=1.5.23", "importlib-metadata>=9.0.1", "opentelemetry-sdk>=1.44.0", "pytest>=9.1.1", "trio>=0.34.0"),
        extras="full",
    ),
    # The deps of tox.ini's testenv without coverage and the Kerberos and PKCS#11 bindings
    # (system libraries; their tests skip). Its tests start asyncssh servers in-process.
    "asyncssh": Suite(("aiofiles>=0.6.0", "bcrypt>=3.1.3", "fido2>=2", "ifaddr>=0.2.0", "pyOpenSSL>=23.0.0", "pytest>=7.0.1", "setuptools>=18.5", "uvloop>=0.9.1")),
    # The dev dependency group without linters, type checkers, coverage and twine; -n 0
    # overrides its addopts' -n 8 (xdist workers' imports are not the hook's).
    "uvicorn": Suite(
        (
            "pytest>=9.1.1", "pytest-mock==3.17.0", "pytest-xdist[psutil]==3.8.0", "pytest-codspeed>=4.1.1", "trustme==1.2.1",
            "cryptography>=44.0.3", "httpx2", "a2wsgi==1.10.10", "wsproto==1.3.2", "zttp>=0.0.34",
        ),
        ("-n", "0"),
        extras="standard",
    ),
    # requirements-dev.txt's test part.
    "aiosmtplib": Suite(("pytest>=8.4", "pytest-asyncio>=1.4", "pytest-xdist>=3.0", "hypothesis>=6.56", "aiosmtpd>=1.4.2", "trustme>=0.9.0")),
    # test-requirements.in's tests part (its tests live in the package: trio._tests),
    # without the type checkers, linters and formatters that test_exports and the tools'
    # tests run (left out).
    "trio": Suite(
        ("pytest>=8.4", "async_generator>=1.9", "pyOpenSSL>=22.0.0", "trustme", "cryptography>=41.0.0", "astor"),
        ("--pyargs", "trio", "-k", "not test_exports", "--ignore=src/trio/_tests/tools"),
    ),
    # The dev dependency group, and pytest-cov for its addopts.
    "hypercorn": Suite(("httpx", "hypothesis", "mock", "pytest", "pytest-asyncio", "pytest-trio", "pytest-cov", "trio")),
    # The test and contrib dependency groups (its default database is SQLite in memory;
    # the other databases' tests skip), and asyncpg and psycopg, which test modules import.
    "tortoise-orm": Suite(
        (
            "pytest", "pytest-asyncio", "cryptography>=46.0.3", "aiomysql>=0.3.2", "pytz>=2025.2", "asyncpg", "psycopg[binary,pool]",
            "quart", "sanic", "sanic-testing", "starlette>=1.0,<2.0", "pydantic>=2.0,!=2.7.0", "fastapi>=0.115.0",
            "asgi_lifespan", "httpx", "aiohttp", "blacksheep>=2.0.8",
        ),
    ),
    # tox.ini's testenv deps without coverage, and its pytest options.
    "python-socketio": Suite(
        ("simple-websocket", "uvicorn", "requests", "websocket-client", "aiohttp", "msgpack", "redis", "valkey", "pytest", "pytest-asyncio", "pytest-timeout"),
        ("-p", "no:logging", "--timeout=60"),
    ),
    "python-engineio": Suite(("pytest", "pytest-asyncio", "aiohttp", "tornado", "requests", "websocket-client"), ("-p", "no:logging")),
    # The test extra without the linters and type checkers.
    "asyncstdlib": Suite(("pytest",)),
    # Its tests are unittest cases packaged with it, in modules pytest does not collect by name.
    "aioitertools": Suite(
        ("pytest",),
        tuple(f"aioitertools/tests/{m}.py" for m in ("asyncio", "builtins", "helpers", "itertools", "more_itertools")),
    ),
    # The dev dependency group.
    "aiostream": Suite(("pytest", "pytest-asyncio", "pytest-cov")),
    # The tests extra.
    "asgiref": Suite(("pytest", "pytest-asyncio")),
    # Its setup.cfg's addopts clear pytest's cache, which the runs switch off, and measure
    # coverage: they are replaced by none; its timeout needs pytest-timeout, and its warnings
    # filter makes the pytest-asyncio of today fail on its unset fixture loop scope.
    "async-lru": Suite(("pytest", "pytest-asyncio", "pytest-timeout"), ("-o", "addopts=", "-o", "asyncio_default_fixture_loop_scope=function")),
    # The test dependency group without coverage.
    "aiofiles": Suite(("pytest>=8.3.5", "pytest-asyncio>=1.0.0")),
    # Its addopts need pytest-cov; the benchmarks (pytest-codspeed) are left out.
    "janus": Suite(("pytest", "pytest-asyncio", "pytest-cov"), ("--ignore=tests/test_benchmarks.py",)),
    # tox.ini's testenv deps.
    "graphql-core": Suite(("pytest>=7.4,<10", "pytest-asyncio>=0.21,<2", "pytest-benchmark>=4.0,<6", "pytest-cov>=4.1,<8", "pytest-describe>=2,<4", "pytest-timeout>=2.4,<3")),
    # The tests dependency group without the type checkers, coverage and pytest-sugar (its
    # docs-tests group included; xdist for its xdist_group marker, the tests run in the
    # pytest process); the project with its `all` extra. Its benchmarks need
    # pytest-codspeed's instrument.
    "fastapi": Suite(
        (
            "pytest>=9.0.0,<9.2", "anyio[trio]>=4.1.0,<5.0.0", "dirty-equals>=0.9.0", "flask>=3.0.0,<4.0.0", "inline-snapshot>=0.21.1",
            "pwdlib[argon2]>=0.2.1", "pyjwt>=2.9.0", "pyyaml>=5.3.1,<7.0.0", "sqlmodel>=0.0.31", "strawberry-graphql>=0.200.0,<1.0.0",
            "typer>=0.26.1", "a2wsgi>=1.9.0,<=2.0.0", "pytest-timeout>=2.4.0", "pytest-codspeed>=4.3.0", "httpx>=0.23.0,<1.0.0",
            "httpx2>=2.0.0", "python-slugify>=8.0.4", "opentelemetry-instrumentation-fastapi>=0.65b0", "logfire>=5.1.0",
            "sentry-sdk>=2.70.0", "opentelemetry-sdk>=1.44.0", "opentelemetry-exporter-otlp-proto-http>=1.44.0", "pytest-xdist[psutil]>=3.0.2",
        ),
        ("--ignore=tests/benchmarks", "--ignore=tests/memory_benchmarks"),
        extras="all",
    ),
    # requirements.txt's test part (unpinned: its pins predate Python 3.11 wheels) and
    # pytest-cov for its addopts; the unit tests (the acceptance tests need Redis and
    # Memcached servers).
    "aiocache": Suite(
        ("pytest", "pytest-asyncio", "pytest-cov", "pytest-mock", "aiomcache", "marshmallow", "msgpack", "redis"),
        ("tests/ut", "-o", "asyncio_default_fixture_loop_scope=function"),
    ),
    # The dev dependency group's test part.
    "tenacity": Suite(("pytest", "tornado>=6.0", "trio")),
    # The test extra without pytest-html and pytest-mypy; the extras its test modules import
    # (the Redis and MongoDB tests skip without their servers' URLs). Its warnings filter
    # makes the pytest-asyncio of today fail on its unset fixture loop scope.
    "aiogram": Suite(
        ("pytest==9.0.3", "pytest-mock==3.15.1", "pytest-cov", "pytest-aiohttp==1.1.0", "aresponses==3.0.0", "pytz", "pycryptodomex==3.23.0"),
        ("-o", "asyncio_default_fixture_loop_scope=function"),
        extras="redis,mongo,proxy,i18n,signature",
    ),
    # Its sdist has neither test requirements nor pytest configuration: what its tests
    # import (the aiohttp extra; pytest-aiohttp for aiohttp_client, which needs auto mode).
    "aiojobs": Suite(
        ("pytest", "pytest-asyncio", "pytest-aiohttp"),
        ("-o", "asyncio_mode=auto", "-o", "asyncio_default_fixture_loop_scope=function"),
        extras="aiohttp",
    ),
    # The poetry dev group; its addopts measure coverage (--no-cov).
    "aiohappyeyeballs": Suite(("pytest>=9.1.1,<10", "pytest-cov>=7.1.0,<8", "pytest-asyncio>=1.4.0,<3"), ("--no-cov",)),
    # The dev dependency group's test part (no linters, type checkers, tox, towncrier; dunamai,
    # which the tests import); its addopts measure coverage (--no-cov).
    "aiolimiter": Suite(
        ("pytest~=9.0", "pytest-asyncio~=1.0", "pytest-cov~=7.0", "dunamai>=1.24.1", "typing-extensions>=4.12.2"), ("--no-cov",)
    ),
    # requirements.txt's test part, unpinned (its pytest-asyncio 0.24 pin predates pytest 9);
    # its addopts only measure coverage: replaced by none.
    "async-timeout": Suite(("pytest", "pytest-asyncio"), ("-o", "addopts=", "-o", "asyncio_default_fixture_loop_scope=function")),
    # What its tests and conftest import (the sdist has no requirements): the Redis and
    # Memcached tests start Docker containers, left out; aiohttp_client needs auto mode.
    "aiohttp-session": Suite(
        ("pytest", "pytest-asyncio", "pytest-aiohttp", "pytest-mock", "cryptography", "pynacl", "aiomcache", "redis", "docker"),
        (
            "--ignore=tests/test_redis_storage.py", "--ignore=tests/test_memcached_storage.py",
            "-o", "asyncio_mode=auto", "-o", "asyncio_default_fixture_loop_scope=function",
        ),
    ),
    # requirements-dev.txt's test part without coverage, pytest-html, flake8 and tox; aiohttp
    # as tox.ini's newest factor (aiohttp313: its mocks predate aiohttp 3.14's ClientResponse).
    "aioresponses": Suite(
        ("pytest>=9.0.0", "pytest-asyncio>=0.24.0", "ddt>=1.7.2", "aiohttp~=3.13.0"), ("-o", "asyncio_default_fixture_loop_scope=function")
    ),
    # The tests dependency group; its warnings filter makes pytest 9.2's deprecation of
    # parametrizing over an iterator (test_basic.py) a collection error: ignored.
    "asyncclick": Suite(("pytest", "anyio", "trio"), ("-W", "ignore::pytest.PytestRemovedIn10Warning")),
    # The tests dependency group without coverage, mypy, ruff and ty.
    "asyncer": Suite(("pytest>=9.0.0", "typer>=0.24.1")),
    # The dev dependency group without pre-commit, ruff, ty, coverage and testcontainers
    # (its integration tests need Docker: deselected, as is the experimentation marker);
    # test_sse.py and test_issue167.py import tests/anyio_compat.py, which the sdist lacks.
    "sse-starlette": Suite(
        ("asgi-lifespan>=2.1.0", "httpx2>=2.12.0", "pytest>=8.3.4", "pytest-asyncio>=0.25.0", "uvicorn>=0.34.0"),
        ("-m", "not integration and not experimentation", "--ignore=tests/test_sse.py", "--ignore=tests/test_issue167.py"),
    ),
    # Its sqlite extra and what its tests import (the sdist has no requirements); the
    # PostgreSQL and MySQL URLs left out of TEST_DATABASE_URLS (servers), SQLite through
    # both its backends.
    "databases": Suite(
        ("pytest", "starlette", "httpx", "asyncpg", "aiopg", "aiomysql", "asyncmy"),
        env=(("TEST_DATABASE_URLS", "sqlite:///testsuite,sqlite+aiosqlite:///testsuite"),),
        extras="sqlite",
    ),
    # The test dependency group (coverage left out: make test runs it); the plugin under test is
    # the editable install, so the inlined runs rewrite it as pytest loads it.
    "pytest-asyncio": Suite(("pytest", "hypothesis>=5.7.1")),
    # Only its asyncio extension's tests (test/ext/asyncio), on SQLite through aiosqlite (its
    # setup.cfg's [db] aiosqlite URL): tox.ini's deps without pytest-xdist, the asyncio extra
    # (greenlet) and aiosqlite; built without its Cython extensions (pure Python). Its package
    # is lib/sqlalchemy, which the plugin does not look for (it would take examples/).
    "sqlalchemy": Suite(
        ("pytest>=7.0.0,<10", "typing-extensions>=4.13.0rc1", "aiosqlite"),
        ("test/ext/asyncio", "--db", "aiosqlite", "-o", "async_inline_packages=sqlalchemy"),
        env=(("DISABLE_SQLALCHEMY_CEXT", "1"),),
        extras="asyncio",
    ),
    # The dev extra's test part (pytest-cov left out); its addopts stop at the first failure
    # (-x) and measure coverage: replaced by the rest of them.
    "aioftp": Suite(
        ("async_timeout>=4.0.0", "pytest-asyncio", "pytest-mock", "pytest", "siosocks", "trustme"),
        ("-o", "addopts=-p no:anyio --import-mode=importlib", "-o", "asyncio_default_fixture_loop_scope=function"),
    ),
    # requirements.txt's test part, unpinned (its pins predate Python 3.11 wheels), and
    # packaging; setuptools<81 for the pkg_resources its tests import. Its tests are packaged
    # with it (aiosmtpd/tests). Its addopts measure coverage (--no-cov); its warnings filter
    # makes the pytest-asyncio of today fail on its unset fixture loop scope.
    "aiosmtpd": Suite(
        ("atpublic", "attrs", "pytest", "pytest-asyncio", "pytest-cov", "pytest-mock", "packaging", "setuptools<81"),
        ("--no-cov", "-o", "asyncio_default_fixture_loop_scope=function"),
    ),
    # What its tests import (the sdist names no test requirements; its ws extra for
    # websockets); the tests that import tests/util.py, which the sdist lacks, left out.
    "aiorpcx": Suite(
        ("pytest", "pytest-asyncio"),
        (
            "--ignore=tests/test_jsonrpc.py", "--ignore=tests/test_session.py", "--ignore=tests/test_unixsocket.py",
            "--ignore=tests/test_websocket.py", "-o", "asyncio_default_fixture_loop_scope=function",
        ),
        extras="ws",
    ),
    # pyproject's dev extra's test part (pytest-asyncio, pytest-trio, trio, twisted).
    "pyee": Suite(("pytest", "pytest-asyncio", "pytest-trio", "trio", "twisted")),
    # What its tests import; the sdist lacks the repository's pytest.ini (trio_mode). A timeout:
    # under class-methods, test_message_after_local_close_race (which replaces a connection's
    # _send on the instance) waits forever.
    "trio-websocket": Suite(("pytest", "pytest-trio", "pytest-timeout", "trustme", "attrs"), ("-o", "trio_mode=true", "--timeout=60")),
    # The testing extra without coverage (the plugin under test is the editable install).
    "pytest-httpx": Suite(("pytest-asyncio==1.*",)),
    # The dev dependency group's test part (aiomisc-pytest runs its async tests).
    "aiofile": Suite(("pytest>=8.4", "aiomisc-pytest>=2.0.0,<3")),
    # Its tests are unittest cases packaged with it, in modules pytest does not collect by name.
    "aiomultiprocess": Suite(
        ("pytest",), tuple(f"aiomultiprocess/tests/{m}.py" for m in ("core", "pool", "scheduler"))
    ),
    # setup.py's tests_require and the pytest-asyncio its auto mode needs.
    "async-property": Suite(("pytest", "pytest-asyncio"), ("-o", "asyncio_default_fixture_loop_scope=function")),
    # What its tests import (the sdist has no test requirements; aiohttp_client needs auto mode);
    # its addopts measure coverage (replaced by none); the Selenium test left out.
    "aiohttp-cors": Suite(
        ("pytest", "pytest-asyncio", "pytest-aiohttp"),
        (
            "-o", "addopts=", "--ignore=tests/integration/test_real_browser.py",
            "-o", "asyncio_mode=auto", "-o", "asyncio_default_fixture_loop_scope=function",
        ),
    ),
    # requirements.txt's test part, with its pins of starlette (on_startup, gone from Starlette 1),
    # httpx (AsyncClient(app=...), gone from 0.28) and trio, and anyio 3 (anyio 4 wraps the
    # errors its tests expect in exception groups); its addopts measure coverage: replaced by
    # the rest of them.
    "asgi-lifespan": Suite(
        ("pytest", "pytest-asyncio", "pytest-trio==0.8.*", "starlette==0.26.*", "httpx==0.23.*", "trio==0.22.*", "anyio<4"),
        ("-o", "addopts=-rxXs", "-o", "asyncio_default_fixture_loop_scope=function"),
    ),
    # The dev dependency group without the type checkers, linters, stubs and azure-identity,
    # plus what its test modules import (numpy, requests, cryptography) and the extras they
    # exercise; -n 0 overrides its addopts' -n auto. tests/api_resources needs the Prism mock
    # server (127.0.0.1:4010): left out.
    "openai": Suite(
        (
            "pytest>=9.0.3", "pytest-asyncio>=1.4.0", "Pillow", "rich>=13.7.1", "inline-snapshot>=0.28.0", "trio>=0.22.2",
            "pytest-xdist>=3.6.1", "griffe>=1", "numpy", "requests", "cryptography",
        ),
        ("-n", "0", "--ignore=tests/api_resources"),
        extras="aiohttp,realtime,bedrock,vertex",
    ),
    # Its tests are packaged with it (tornado/test, *_test.py modules); built without its C
    # speedups (pure Python). Its own runner (tornado.test.runtests) silences the access log,
    # which its tests' assertNoLogs would otherwise see: --log-disable does that here.
    "tornado": Suite(
        ("pytest",),
        ("tornado/test", "-o", "python_files=*_test.py", "--log-disable=tornado.access"),
        env=(("TORNADO_EXTENSION", "0"),),
    ),
    "aiotools": Suite(("pytest>=8.4.2", "pytest-asyncio>=1.2.0"), ("-o", "asyncio_default_fixture_loop_scope=function")),
    # test_interact_traceback skips its first traceback entry by count (tb_next), which is
    # one of the program's once aexec is inlined: --noinline aioconsole.execute.aexec
    # (docs/pytest-plugin.md); the timeout makes its wait for the output fail, not hang.
    "aioconsole": Suite(
        ("pytest", "pytest-asyncio", "pytest-repeat", "pytest-timeout"),
        ("--timeout=30", "-o", "addopts=--strict-markers --count 2", "-o", "asyncio_default_fixture_loop_scope=function"),
    ),
    "culsans": Suite(("pytest", "pytest-asyncio"), ("-o", "asyncio_default_fixture_loop_scope=function")),
    "aiodataloader": Suite(("pytest", "pytest-asyncio", "mock"), ("-o", "asyncio_default_fixture_loop_scope=function")),
    "aiologic": Suite(("pytest", "anyio", "trio", "pytest-timeout"), ("--timeout=120",)),
    # Review R20c. gql: setup.py's tests_require and the transports' extras; the online
    # tests skip without --run-online; the 3 [subprocess] console-script tests fail plain
    # too (gql-cli is not on PATH).
    "gql": Suite(
        ("parse", "packaging", "pytest", "pytest-asyncio", "pytest-console-scripts", "pytest-cov", "vcrpy", "aiofiles"),
        ("tests",),
        extras="aiohttp,requests,httpx,websockets,botocore",
    ),
    # The test group without emcache and coverage; every storage extra (conftest imports
    # the clients); only the tests that need no server; its filterwarnings=error trips on
    # a PytestAssertRewriteWarning in plain runs too; its addopts measure coverage.
    "limits": Suite(
        (
            "hiro", "flaky", "lovely-pytest-docker", "pytest<10", "pytest-asyncio", "pytest-benchmark[histogram]",
            "pytest-cov", "pytest-lazy-fixtures", "pytest-mock", "PyYAML",
        ),
        (
            "tests", "--no-cov", "-W", "ignore::pytest.PytestAssertRewriteWarning", "-o", "asyncio_default_fixture_loop_scope=function",
            "-m", "not (redis or redis_sentinel or redis_cluster or mongodb or memcached or valkey or valkey_cluster or integration or benchmark)",
        ),
        extras="redis,memcached,mongodb,valkey,async-redis,async-memcached,async-mongodb,async-valkey",
    ),
    # The sdist lacks its 4 data files: 11 tests fail on them, plain and inlined alike.
    "aiocsv": Suite(("pytest", "pytest-asyncio", "aiofiles")),
    "stamina": Suite(("pytest>=9", "anyio", "dirty-equals", "trio", "prometheus-client", "structlog")),
    "aiorwlock": Suite((), missing="the aiorwlock 1.5.1 sdist has no tests"),
    "respx": Suite((), missing="the respx 0.23.1 sdist has no tests"),
    "grpclib": Suite((), missing="the grpclib 0.4.9 sdist lacks its tests' helper modules (dummy_pb2, conn, stubs)"),
}


class SuiteFailed(Exception):
    """A suite that could not be run; the other libraries still are (``each``)."""


def each(names: list[str], measure: Callable[[str], dict[str, object]]) -> list[dict[str, object]]:
    """``measure`` of every library; one whose suite could not be run becomes a row saying
    why (``failed``), and the others still run."""
    rows = []
    for name in names:
        try:
            rows.append(measure(name))
        except SuiteFailed as exc:
            log(str(exc))
            rows.append({"library": f"{name} {VERSIONS[name]}", "missing": str(exc), "failed": True})
    return rows


def outcomes(junit: Path) -> dict[str, str]:
    """Test id -> outcome (passed, failed, error, skipped, xfailed; joined when a test has several)."""
    results: dict[str, list[str]] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        test_id = f"{case.get('classname')}::{case.get('name')}"
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed" if child.tag == "failure" else "error"
            elif child.tag == "skipped":
                outcome = "xfailed" if child.get("type") == "pytest.xfail" else "skipped"
        results.setdefault(test_id, []).append(outcome)
    return {k: "+".join(sorted(set(v))) for k, v in results.items()}


def messages(junit: Path) -> dict[str, str]:
    """Test id -> the first line of its failure or error message."""
    found = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        for child in case:
            if child.tag in ("failure", "error"):
                found[f"{case.get('classname')}::{case.get('name')}"] = (
                    (child.get("message") or "").splitlines()[0][:200] if child.get("message") else ""
                )
    return found


def pytest_run(
    python: Path,
    source: Path,
    suite: Suite,
    name: str,
    junit: Path,
    env: dict[str, str],
    inlined: str | None,
    noinline: str = "",
    assume: str = "",
) -> float:
    command = [str(python), "-m", "pytest", "-p", "no:cacheprovider", f"--junitxml={junit}", *suite.args]
    if inlined == "run":
        # run's hook rewrites what pytest's -p plugins import before pytest reads its own
        # options: it needs the noinline patterns itself.
        options = [*(["--noinline", noinline] if noinline else []), *(["--assume", assume] if assume else [])]
        command[1:3] = ["-m", "async_inline", "run", *options, "-m", "pytest"]
    if inlined is not None:
        command += ["--async-inline", f"--async-inline-report={junit.with_suffix('.json')}"]
        if noinline:
            command.append(f"--async-inline-noinline={noinline}")
    log(f"  {' '.join(command[1:])}")
    start = time.perf_counter()
    done = subprocess.run(command, cwd=source, env=env, capture_output=True, text=True, preexec_fn=_default_sigint)
    elapsed = time.perf_counter() - start
    junit.with_suffix(".log").write_text(done.stdout + done.stderr)
    if not junit.exists():
        log(done.stdout[-3000:] + done.stderr[-3000:])
        raise SuiteFailed(f"{name}: pytest wrote no junit XML (exit {done.returncode}; its output: {junit.with_suffix('.log')})")
    return elapsed


def _default_sigint() -> None:
    """A script started in the background (``cmd &`` in a shell without job control) has
    SIGINT ignored, and so would the suite: then Python installs no KeyboardInterrupt
    handler, and tests that interrupt themselves (trio's ``test_reason_delayed_ki``) wait
    forever. The suite gets the default disposition, as from a terminal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def suite_environment(name: str, work: Path, suite: Suite) -> tuple[Path, Path]:
    """The unpacked sdist of ``name`` and the interpreter of the environment its suite runs
    in (the project editable, with its test requirements)."""
    source = fetch(name, work)
    constraints = [a for c in suite.constraints for a in ("-c", str(source / c))]
    project = f"{source}[{suite.extras}]" if suite.extras else str(source)
    return source, environment(work / f"venv-{name}", ["-e", project, *suite.requirements, *constraints], env=dict(suite.env))


def run_environment(suite: Suite) -> dict[str, str]:
    """The environment variables of the suite's runs: this one's, without settings of the
    hook or of pytest, with the suite's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASYNC_INLINE", "PYTEST_"))}
    env.update(suite.env)
    return env


def differences(plain: dict[str, str], junit: Path, label: str) -> list[dict[str, str]]:
    """The tests whose outcome in ``junit`` is not the plain run's (``label`` names that run)."""
    other, why = outcomes(junit), messages(junit)
    return [
        {"test": t, "plain": plain.get(t, "absent"), label: other.get(t, "absent"), "message": why.get(t, "")}
        for t in sorted(set(plain) | set(other))
        if plain.get(t) != other.get(t)
    ]


def print_differences(found: list[dict[str, str]], heading: str, label: str) -> None:
    print(f"   {heading}: {len(found)}")
    for d in found:
        print(f"     {d['test']}: plain {d['plain']}, {label} {d[label]}  {d['message']}")


def measure(name: str, work: Path, via: str, noinline: str = "", assume: str = "") -> dict[str, object]:
    suite = SUITES[name]
    if suite.missing:
        return {"library": f"{name} {VERSIONS[name]}", "missing": suite.missing}
    source, python = suite_environment(name, work, suite)
    package = package_dir(source, name)
    results = work / "results" / name
    results.mkdir(parents=True, exist_ok=True)
    cache = work / "cache" / name
    shutil.rmtree(cache, ignore_errors=True)
    env = run_environment(suite)
    env["ASYNC_INLINE_CACHE_DIR"] = str(cache)
    log(f"{name}: running its suite")
    times = {
        "plain": pytest_run(python, source, suite, name, results / "plain.xml", env, None),
        "cold": pytest_run(python, source, suite, name, results / "cold.xml", env, via, noinline, assume),
        "warm": pytest_run(python, source, suite, name, results / "warm.xml", env, via, noinline, assume),
    }
    plain = outcomes(results / "plain.xml")
    row: dict[str, object] = {
        "library": f"{name} {VERSIONS[name]}",
        "tests": len(plain),
        "plain": dict(Counter(plain.values())),
        "times": times,
    }
    for run in ("cold", "warm"):
        row[run] = dict(Counter(outcomes(results / f"{run}.xml").values()))
        row[f"{run}_differences"] = differences(plain, results / f"{run}.xml", "inlined")
    report = json.loads((results / "cold.json").read_text())
    in_package = [f for f in report["files"] if Path(f["path"]).resolve().is_relative_to(package.resolve())]
    row["sites_inlined"] = report["totals"]["inlined"]
    row["sites_inlined_in_package"] = sum(len(f["inlined"]) for f in in_package)
    row["sites_skipped_in_package"] = sum(len(f["skipped"]) for f in in_package)
    row["modules_cold"] = report["modules"]
    row["modules_warm"] = json.loads((results / "warm.json").read_text())["modules"]
    row["too_early"] = report["too_early"]
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("libraries", nargs="*", metavar="LIBRARY", help=f"any of {', '.join(SUITES)} (default: {', '.join(DEFAULT)})")
    default_work = Path(tempfile.gettempdir()) / "async_inline-suites"
    parser.add_argument("--work", type=Path, default=default_work, help=f"work directory, outside this checkout (default: {default_work})")
    parser.add_argument("--via", choices=("run", "pytest"), default="run", help="how the plugin is started (default: run)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--noinline", default="", metavar="PATTERN,...", help="functions kept as calls in the inlined runs (--async-inline-noinline)"
    )
    parser.add_argument(
        "--assume", default="", metavar="NAME,...", help="opt-in assumptions of the inlined runs (run --assume; needs --via run)"
    )
    args = parser.parse_args()
    if args.assume and args.via != "run":
        parser.error("--assume needs --via run (the plugin takes assumptions from run or [tool.async_inline])")
    if args.work.resolve().is_relative_to(CHECKOUT):
        # pytest would take this checkout's pyproject.toml (and its -p tests.stress_mode) as
        # the configuration of a suite that has none of its own (review R16 s).
        parser.error(f"--work {args.work} is inside {CHECKOUT}: give a directory outside it")
    unknown = sorted(set(args.libraries) - set(SUITES))
    if unknown:
        parser.error(f"unknown library {unknown[0]!r} (known: {', '.join(SUITES)})")
    rows = each(args.libraries or list(DEFAULT), lambda name: measure(name, args.work.resolve(), args.via, args.noinline, args.assume))
    for row in rows:
        print(f"== {row['library']}")
        if "missing" in row:
            print(f"   not run: {row['missing']}")
            continue
        times = row["times"]
        assert isinstance(times, dict)
        print(f"   tests: {row['tests']}; plain {row['plain']}; inlined {row['cold']}")
        print(f"   time: plain {times['plain']:.1f}s, inlined cold {times['cold']:.1f}s, warm {times['warm']:.1f}s")
        print(
            f"   sites inlined: {row['sites_inlined']} ({row['sites_inlined_in_package']} in the package, {row['sites_skipped_in_package']} skipped there)"
        )
        print(f"   modules: cold {row['modules_cold']}, warm {row['modules_warm']}")
        if row["too_early"]:
            print(f"   imported too early: {row['too_early']}")
        for run in ("cold", "warm"):
            found = row[f"{run}_differences"]
            assert isinstance(found, list)
            print_differences(found, f"outcome differences ({run})", "inlined")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 1 if any(row.get("failed") for row in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
