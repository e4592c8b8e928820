"""What cutting a stored result's per-document tables into parts costs and saves (issue 19).

Reads a stored concepts (or definitions) result, then, for each ``store.result_part_docs``
value given, writes it as a full run would (every part encoded), writes it again as an update
that changed one document would (the other parts linked from the first), and reads it back;
prints the best wall time of each over the rounds (the garbage collector off, as in a run), and
how far the process's resident memory rose above where it stood while the full write ran
(sampled every 5 ms; the least over the rounds after the first, when the allocator holds what
the first write freed). Round by round the values take turns, so a change in the machine's speed falls on all of them.

    python bench/result_parts.py STORE.results/concepts-<hash> [0,128] [ROUNDS]

0 is one file a table (no parts, nothing reused). The folder is only read: the copies are
written to a temporary folder beside it (hard links need one file system) and removed.
"""
from __future__ import annotations

import gc
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def rss_rise(call: Callable[[], Any]) -> float:
    """MiB the resident memory rose above its level before ``call()`` while it ran."""
    from pipeline.runner.memory import rss_mb

    start = peak = rss_mb()
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.005):
            peak = max(peak, rss_mb())

    t = threading.Thread(target=sample)
    t.start()
    try:
        call()
    finally:
        done.set()
        t.join()
    return max(peak, rss_mb()) - start


def main() -> None:
    src = Path(sys.argv[1])
    values = [int(x) for x in (sys.argv[2] if len(sys.argv) > 2 else "0,128").split(",")]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    from pipeline.store.codec import TABLES, Parts, read_result

    stage = src.name.rsplit("-", 1)[0]
    tables = TABLES.get(stage, ())
    gc.disable()
    result = read_result(src)
    table = tables[0]
    docs = sorted({r["doc_id"] for r in result[table]})
    tmp = Path(tempfile.mkdtemp(dir=src.parent, prefix=".bench-"))
    try:
        from pipeline.store.codec import write_result

        best: dict[int, list[float]] = {k: [float("inf")] * 3 for k in values}
        rise: dict[int, float] = {k: float("inf") for k in values}
        kept: dict[int, str] = {}
        for r in range(rounds):
            for k in values:
                t = time.perf_counter()
                grew = rss_rise(lambda k=k: write_result(tmp / f"full{k}", result, tables, {}, Parts(k)))
                full = time.perf_counter() - t
                if r or rounds == 1:
                    rise[k] = min(rise[k], grew)
                # one document changed, a different one each round
                parts = Parts(k, tmp / f"full{k}", frozenset([docs[(r * 37) % len(docs)]]))
                t = time.perf_counter()
                write_result(tmp / f"upd{k}", result, tables, {}, parts)
                upd = time.perf_counter() - t
                t = time.perf_counter()
                back = read_result(tmp / f"upd{k}")
                read = time.perf_counter() - t
                assert back[table] == result[table], "the table read back differs"
                best[k] = [min(a, b) for a, b in zip(best[k], (full, upd, read))]
                linked = parts.reused.get(table, 0)
                kept[k] = f"{linked} of {linked + parts.written.get(table, 0)} parts linked"
                shutil.rmtree(tmp / f"full{k}")
                shutil.rmtree(tmp / f"upd{k}")
        print(f"{src.name}: {len(result[table]):,} {table} of {len(docs):,} documents, best of {rounds}")
        for k in values:
            full, upd, read = best[k]
            print(f"  result_part_docs {k}: write {full:.3f} s (memory +{rise[k]:.0f} MiB); after one document "
                  f"changed {upd:.3f} s ({kept[k] if k else 'one file'}); read {read:.3f} s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
