"""How busy the cores are, and how much memory is held, in each phase of a run (issue 19).

Runs a command (a ``litmap run``), samples every process of its tree every 0.25 s (resident
memory and CPU time), and stamps each line it logs. A phase is the time between two log lines.
Printed: the wall time; per phase longer than 2 s, the cores it kept busy (the CPU seconds of
every process over the phase's wall seconds: 2.00 is both cores of this machine); the eight
phases of highest memory over all processes, and the processes at the peak. The samples go to
a JSON file for a closer look.

    python bench/phases.py OUT.json -- python -m pipeline run --corpus DIR --config CFG --out DIR

Why: a stage's own time says nothing of the second core. The 10,000-paper run showed the
per-document stages at 1.58 cores (the workers idle through the driver's commits) and the
corpus stages at about 1.0 (the driver alone).
"""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline import sample_tree  # noqa: E402


def main() -> None:
    out, cmd = sys.argv[1], sys.argv[sys.argv.index("--") + 1:]
    t0 = time.time()
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            encoding="utf-8", errors="replace")
    lines: list[tuple[float, str]] = []

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append((round(time.time() - t0, 2), line.rstrip()))
            sys.stderr.write(f"[{time.time() - t0:7.1f}] {line}")

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    root = psutil.Process(proc.pid)
    samples: list[tuple[float, list[tuple[int, float, float, str]]]] = []  # (t, [(pid, MiB, cpu s, cmd)])
    while proc.poll() is None:
        now = sample_tree(root)
        if now is None:
            break
        samples.append((round(time.time() - t0, 2), now))
        time.sleep(0.25)
    reader.join(5)
    wall = time.time() - t0
    print(f"wall {wall:.1f} s, exit {proc.returncode}")
    if not samples:
        return
    # CPU seconds of the whole tree up to each sample: a process that ended keeps its last reading
    last: dict[int, float] = {}
    cum = []
    for _t, now in samples:
        for pid, _rss, cpu, _cmd in now:
            last[pid] = cpu
        cum.append(sum(last.values()))
    totals = [sum(r[1] for r in now) for _t, now in samples]

    def at(t: float) -> int:
        return next((i for i, (ts, _n) in enumerate(samples) if ts >= t), len(samples) - 1)

    marks = [(0.0, "start"), *lines, (wall, "end")]
    print("cores busy by phase (the line that opens it):")
    for (t, line), (t1, _next) in zip(marks, marks[1:]):
        i, j = at(t), at(t1)
        secs = samples[j][0] - samples[i][0]
        if secs >= 2:
            print(f"  [{t:7.1f} +{secs:6.1f} s] {(cum[j] - cum[i]) / secs:4.2f} cores  {line[:90]}")
    phases = []
    for (t, line), (t1, _next) in zip(marks, marks[1:]):
        held = [m for (ts, _n), m in zip(samples, totals) if t <= ts < t1]
        if held:
            phases.append((max(held), t, line[:90]))
    print("highest memory over all processes, by phase:")
    for mib, t, line in sorted(phases, reverse=True)[:8]:
        print(f"  {mib:6.0f} MiB  [{t:7.1f}] {line}")
    k = max(range(len(totals)), key=totals.__getitem__)
    print(f"peak {totals[k]:.0f} MiB at {samples[k][0]:.1f} s: "
          + ", ".join(f"{cmd or pid} {rss:.0f}" for pid, rss, _cpu, cmd in samples[k][1]))
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"wall": wall, "lines": lines, "samples": samples}, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
