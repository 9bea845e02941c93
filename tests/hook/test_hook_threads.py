"""Several threads importing at once: every module runs once, every import succeeds, the
reports and the cache stay complete."""

from __future__ import annotations

import asyncio
import importlib
import subprocess
import sys
import threading
from pathlib import Path

from hook_helpers import SAMPLE, installed_state, unique, write_tree

import async_inline
from async_inline import Options

THREADS = 8


def _module_source(i: int) -> str:
    return f"import builtins\nbuiltins._aihook_runs.append(__name__)\nOFFSET = {i}\n\n" + SAMPLE


def _import_all_at_once(names: list[str]) -> dict[str, list[object]]:
    """Each thread imports every name, in its own order, all threads starting together."""
    barrier = threading.Barrier(THREADS)
    results: dict[str, list[object]] = {n: [] for n in names}
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(k: int) -> None:
        try:
            barrier.wait()
            order = names[k % len(names) :] + names[: k % len(names)]
            for n in order:
                module = importlib.import_module(n)
                with lock:
                    results[n].append(module)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


def test_concurrent_imports_of_many_modules(site: Path, monkeypatch) -> None:
    package = unique()
    files = {f"{package}/__init__.py": ""}
    files.update({f"{package}/m{i}.py": _module_source(i) for i in range(12)})
    write_tree(site, files)
    names = [f"{package}.m{i}" for i in range(12)]
    import builtins

    monkeypatch.setattr(builtins, "_aihook_runs", [], raising=False)
    async_inline.install([package])
    results = _import_all_at_once(names)

    assert sorted(builtins._aihook_runs) == sorted(names)  # each module ran exactly once
    for modules in results.values():
        assert len(modules) == THREADS and all(m is modules[0] for m in modules)
        assert asyncio.run(modules[0].main()) == 42
    state = installed_state()
    assert len(state.reports()) == 13
    assert state.stats["writes"] == 13

    # A second "process": every entry written concurrently is complete and used.
    for name in [*names, package]:
        del sys.modules[name]
    builtins._aihook_runs.clear()
    async_inline.install([package])
    _import_all_at_once(names)
    assert installed_state().stats == {"hits": 13, "misses": 0, "writes": 0}
    assert sorted(builtins._aihook_runs) == sorted(names)


def test_concurrent_first_imports_in_a_fresh_interpreter(tmp_path: Path) -> None:
    """The rewriter's own lazy imports (the transformer, libcst.matchers) happen in several threads at once."""
    package = unique()
    write_tree(tmp_path, {f"{package}/__init__.py": ""})
    write_tree(tmp_path, {f"{package}/m{i}.py": SAMPLE for i in range(THREADS)})
    program = f"""
import asyncio, importlib, sys, threading
import async_inline
async_inline.install(["{package}"])
barrier = threading.Barrier({THREADS})
out = [None] * {THREADS}
def work(i):
    barrier.wait()
    out[i] = asyncio.run(importlib.import_module("{package}.m%d" % i).main())
threads = [threading.Thread(target=work, args=(i,)) for i in range({THREADS})]
for t in threads: t.start()
for t in threads: t.join()
print(out)
"""
    done = subprocess.run([sys.executable, "-c", program], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str([42] * THREADS)
    assert "Warning" not in done.stderr


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_a_child_forked_while_a_build_thread_starts_can_still_rewrite() -> None:
    """Review R3, f3: the lock around starting a build thread on a large stack, copied
    held into a child forked at that moment, made the child's next rewrite wait for ever."""
    done = _run(
        "import os, signal, async_inline.api as api\n"
        "api._stack_size_lock.acquire()  # as if another thread were starting a build thread\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    signal.alarm(20)\n"
        "    print(api.on_large_stack(lambda: 'child rewrote'), flush=True)\n"
        "    os._exit(0)\n"
        "api._stack_size_lock.release()\n"
        "print('child exit', os.waitpid(pid, 0)[1])\n"
    )
    assert done.stdout.splitlines() == ["child rewrote", "child exit 0"], done.stderr


def test_an_import_made_holding_the_import_lock_is_rewritten_without_deadlock(tmp_path: Path) -> None:
    """Review R3, f4: with the global import lock held (``imp.acquire_lock()`` around an
    import), the first build's thread waited for that lock to import the rewriter's own
    modules while the importing thread waited for it: a deadlock. Such a build runs on the
    importing thread."""
    write_tree(tmp_path, {"lazyai.py": SAMPLE})
    done = _run(
        f"import sys, _imp, signal; signal.alarm(30); sys.path.insert(0, {str(tmp_path)!r})\n"
        "import async_inline; async_inline.install(['lazyai'])\n"
        "_imp.acquire_lock()\n"
        "try:\n"
        "    import lazyai\n"
        "finally:\n"
        "    _imp.release_lock()\n"
        "print(any(n.startswith('_ai') for n in vars(lazyai)))\n"
    )
    rewritten = {"True"} if Options().stress_seed is None else {"True", "False"}  # a stress rewrite may inline nothing
    assert done.returncode == 0 and done.stdout.strip() in rewritten, done.stderr
