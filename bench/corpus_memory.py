"""Memory of the corpus stages and the report over every process of a run (issue 19's 1 GB).

The per-document stages of a big corpus take most of a full run's time but stay below the
corpus stages' memory, so this measures the part that peaks: on a store that holds a finished
run (say the one ``bench/scale.py 10000`` leaves), it drops the stored corpus-stage results (a
cache: the run computes them again; the per-document results stay), runs ``litmap run`` into a
new report folder, and samples the resident memory of every process of the run every 0.25 s.
It prints the wall time, the peak of the processes' summed RSS with each process at that moment,
and the highest sum while each corpus stage and the report ran, with the processes that made it
(a side process named by the module it was warmed for, else by its parent's pid). A stage's
window runs from the log line of the stage before it to its own: a stage computed while another
waited for its side processes ends first, and the other's window holds only what came after.

    python bench/corpus_memory.py CONFIG CORPUS --drop-results [--out DIR] [--samples FILE]

``--drop-results`` is required: it deletes the ``corpus_cache`` rows, the result folders and the
marks of which results the result tables mirror, in the store ``CONFIG`` names; nothing else.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def drop_results(config: str) -> Path:
    import duckdb

    from pipeline.config import load_config

    store = Path(load_config(config)["store"]["path"])
    con = duckdb.connect(str(store))
    try:
        con.execute("DELETE FROM corpus_cache")
        # and the marks that the result tables mirror those results, so they are written again
        # as a full run writes them (the concepts stage's are one of the peaks)
        con.execute("DELETE FROM kv WHERE key LIKE 'persisted:%' OR key LIKE 'table:%'")
    finally:
        con.close()
    results = store.with_name(store.name + ".results")
    for folder in results.glob("*-*"):
        shutil.rmtree(folder)
    return store


def _role(cmdline: str) -> str:
    """The driver, a side process by the module it was warmed for (else its parent's pid), or
    another child by its command (a worker pool's process)."""
    if "pipeline run" in cmdline:
        return "driver"
    words = cmdline.split() or ["?"]
    return words[-1] if words[0] == "pipeline.side" else words[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("config")
    ap.add_argument("corpus")
    ap.add_argument("--drop-results", action="store_true", required=True)
    ap.add_argument("--out", default=None, help="report folder (default: a new temporary one)")
    ap.add_argument("--samples", default=None,
                    help="also write every sample (time, each process's MB) and the run's log lines, as JSON, here")
    a = ap.parse_args()
    store = drop_results(a.config)
    out = Path(a.out) if a.out else Path(tempfile.mkdtemp(prefix="litmap-mem-")) / "report"
    cmd = [sys.executable, "-u", "-m", "pipeline", "run", "--corpus", a.corpus, "--config", a.config,
           "--out", str(out)]
    t0 = time.time()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    lines: list[tuple[float, str]] = []
    reader = threading.Thread(target=lambda: lines.extend((time.time() - t0, s.rstrip()) for s in proc.stdout),
                              daemon=True)
    reader.start()
    samples: list[tuple[float, float, list[tuple[float, str]]]] = []
    root = psutil.Process(proc.pid)
    while proc.poll() is None:
        rows = []
        for p in [root] + root.children(recursive=True):
            try:
                rows.append((p.memory_info().rss / 2**20, " ".join(p.cmdline()[2:6])[:60]))
            except psutil.Error:
                pass
        samples.append((time.time() - t0, sum(r[0] for r in rows), rows))
        time.sleep(0.25)
    reader.join()
    if proc.returncode:
        sys.exit("litmap run failed:\n" + "\n".join(s for _t, s in lines[-30:]))
    wall = time.time() - t0
    if a.samples:
        Path(a.samples).write_text(json.dumps({"samples": samples, "log": lines}, ensure_ascii=False), encoding="utf-8")
    print(f"store {store}; report {out}")
    print(f"wall {wall:.1f} s")
    t, peak, rows = max(samples, key=lambda s: s[1])
    print(f"peak over all processes {peak:,.0f} MB at {t:.1f} s:")
    for rss, name in sorted(rows, reverse=True):
        print(f"  {rss:8,.0f} MB  {name}")
    start = 0.0
    print("highest sum while each stage ran (MB):")
    for t_end, line in lines:
        m = re.match(r"(\w+): (?:computed|updated|cached)\b.*|report: [0-9.]+ s", line)
        if not m:
            continue
        window = [s for s in samples if start <= s[0] <= t_end]
        name = m.group(1) or "report"
        top = max(window, key=lambda s: s[1], default=(0.0, 0.0, []))
        # which processes made the stage's peak: the driver alone, or beside which side process
        who = " + ".join(f"{rss:,.0f} {_role(what)}"
                         for rss, what in sorted(top[2], reverse=True) if rss >= 20)
        print(f"  {name:12s} {top[1]:8,.0f}   (at {top[0]:.1f} s, ended at {t_end:.1f} s: {who})")
        start = t_end


if __name__ == "__main__":
    main()
