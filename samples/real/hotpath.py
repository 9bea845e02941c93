"""A real library's async hot path, original vs under the import hook (issue 11, item 8).

    python samples/real/hotpath.py [--work DIR] [--python PYTHON] [--processes K] [--assume NAME,...]

httpcore 1.0.9's HTTP/1.1 request/response cycle: ``AsyncConnectionPool.request("GET", ...)``
over its own in-memory network backend (``httpcore._backends.mock.AsyncMockBackend``,
which its tests use), one keep-alive connection, a small response read to its end; the
pool, the connection, the HTTP/1.1 state machine (h11, plain Python, not rewritten) and
the response stream all run, under asyncio as httpcore's locks need (anyio).

The sdist is downloaded with pip at run time (``sdists.py``; nothing vendored) into a
virtual environment of its own with httpcore's dependencies (h11, certifi), anyio and
sniffio (httpcore imports sniffio on every lock it sets up: without it each import fails
anew, through the whole import machinery, and that failure would dominate the time).
Each worker process imports httpcore from the unpacked sdist and times rounds of
requests (short rounds, many of them: on a loaded machine a short round is more likely to
run undisturbed); the best round counts. ``original`` runs ``python hotpath.py --worker``;
``inlined`` runs the same under ``python -m async_inline run --packages httpcore`` (the
import hook, with ``--assume NAME,...`` if given; its cache is warmed by one run first, and
the import is not timed). The two
kinds alternate, K processes each, in pairs whose order alternates, and the ratio is the
median over pairs. Each worker checks every response, and says how many sites the hook
inlined (none for the original). Not run in CI: it downloads.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
LIBRARY = "httpcore"
BODY = b"Hello, world!"
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\n" + BODY


def worker(requests: int, rounds: int) -> None:
    """Time ``rounds`` rounds of ``requests`` requests; print the best round as JSON."""
    import asyncio

    import httpcore
    from httpcore._backends.mock import AsyncMockBackend

    async def get(pool: httpcore.AsyncConnectionPool) -> None:
        response = await pool.request("GET", "http://example.com/")
        if response.status != 200 or response.content != BODY:
            raise SystemExit(f"unexpected response: {response.status} {response.content!r}")

    async def one_round() -> float:
        """A fresh pool; its connection is made by an untimed first request, then
        ``requests`` requests reuse it (keep-alive)."""
        backend = AsyncMockBackend([RESPONSE] * (requests + 1))
        async with httpcore.AsyncConnectionPool(network_backend=backend) as pool:
            await get(pool)
            start = time.perf_counter()
            for _ in range(requests):
                await get(pool)
            return time.perf_counter() - start

    async def main() -> float:
        return min([await one_round() for _ in range(rounds)])

    best = asyncio.run(main())
    inlined = 0
    try:
        from async_inline.hook import installed
    except ImportError:  # pragma: no cover - the environment always has async_inline
        finder = None
    else:
        finder = installed()
    if finder is not None:
        inlined = sum(len(r.inlined) for r in finder.state.reports() if f"{os.sep}{LIBRARY}{os.sep}" in r.path)
    print(json.dumps({"seconds_per_request": best / requests, "inlined_sites": inlined, "python": sys.version.split()[0]}))


def run_worker(python: Path, kind: str, root: Path, cache: Path, requests: int, rounds: int, assume: str = "") -> dict[str, Any]:
    from sdists import run

    env = {k: v for k, v in os.environ.items() if not k.startswith("ASYNC_INLINE")}
    env["PYTHONPATH"] = str(root)
    env["ASYNC_INLINE_CACHE_DIR"] = str(cache)
    prefix = [str(python)] if kind == "original" else [str(python), "-m", "async_inline", "run", "--packages", LIBRARY]
    if kind != "original" and assume:
        prefix += ["--assume", assume]
    done = run([*prefix, str(HERE), "--worker", "--requests", str(requests), "--rounds", str(rounds)], env=env, cwd=str(root))
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if kind == "inlined" and result["inlined_sites"] == 0:
        raise SystemExit(
            f"the import hook inlines no site of {LIBRARY} with these options (by default its method sites are"
            " guard-cost: docs/methods.md); try --assume class-methods"
        )
    if kind == "original" and result["inlined_sites"] > 0:
        raise SystemExit(f"the original worker ran {result['inlined_sites']} inlined sites of {LIBRARY}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=Path("build/real"), help="work directory (default: build/real)")
    parser.add_argument("--python", default=sys.executable, help="interpreter of the environment (default: this one)")
    parser.add_argument("--processes", type=int, default=8, help="worker processes of each kind (default: 8)")
    parser.add_argument("--requests", type=int, default=20, help="requests per round (default: 20)")
    parser.add_argument("--rounds", type=int, default=200, help="rounds per process; the best counts (default: 200)")
    parser.add_argument("--assume", default="", metavar="NAME,...", help="opt-in assumptions for the hook (e.g. class-methods)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.requests, args.rounds)
        return 0

    sys.path.insert(0, str(HERE.parent))
    from sdists import VERSIONS, environment, fetch, log

    work = args.work.resolve()
    root = fetch(LIBRARY, work)
    tag = Path(args.python).resolve().parent.parent.name or "python"
    python = environment(work / f"venv-hotpath-{tag}", ["h11>=0.16", "certifi", "anyio", "sniffio"], python=args.python)
    cache = work / f"cache-hotpath-{tag}{'-' + args.assume.replace(',', '-') if args.assume else ''}"
    log("warming the import hook's cache")
    sites = run_worker(python, "inlined", root, cache, 10, 1, args.assume)["inlined_sites"]
    times: dict[str, list[float]] = {"original": [], "inlined": []}
    ratios = []
    for i in range(args.processes):
        order = ("original", "inlined") if i % 2 == 0 else ("inlined", "original")
        pair = {}
        for kind in order:
            result = run_worker(python, kind, root, cache, args.requests, args.rounds, args.assume)
            pair[kind] = result["seconds_per_request"]
            times[kind].append(pair[kind])
            version = result["python"]
        ratios.append(pair["original"] / pair["inlined"])
        log(f"pair {i + 1}/{args.processes}: original {pair['original'] * 1e6:.1f} us, inlined {pair['inlined'] * 1e6:.1f} us")

    print(f"{LIBRARY} {VERSIONS[LIBRARY]}, HTTP/1.1 GET over AsyncMockBackend, keep-alive, asyncio; Python {version}")
    print(f"{args.processes} processes of each kind, alternating; each: best of {args.rounds} rounds of {args.requests} requests")
    print(f"import hook{' --assume ' + args.assume if args.assume else ''}: {sites} sites of {LIBRARY} inlined")
    for kind, values in times.items():
        print(f"{kind:>9}: median {statistics.median(values) * 1e6:.2f} us/request (min {min(values) * 1e6:.2f}, max {max(values) * 1e6:.2f})")
    print(f"speedup (original / inlined, median over pairs): {statistics.median(ratios):.3f}x "
          f"(pairs: {', '.join(f'{r:.3f}' for r in ratios)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
