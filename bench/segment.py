"""Segmentation throughput on >= 20 MB of real text (a benchmark, not a test).

Prints: bare single-core ``jieba.lcut``; our stage (normalize + registry protection + jieba) with
2 workers; our rjieba backend with 2 workers; and the whole ``litmap segment -`` process on 30 MB
with each backend (start-up, dictionary load, reading and writing included). Ratios are against
bare jieba. The text is the founding paper, the 37 works and the 2,000 CSL titles and abstracts,
repeated until the size is reached (real documents, as the issue allows).

    python bench/segment.py [--mb 20] [--cli-mb 30] [--workers 2]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"


def real_lines() -> list[str]:
    lines: list[str] = []
    for ln in (SHARED / "data" / "csl" / "csl_2000.jsonl").read_text(encoding="utf-8").splitlines():
        d = json.loads(ln)
        lines += [d["title"], d["abstract"]]
    for p in sorted((SHARED / "corpora").glob("*/*")):
        if p.suffix in (".txt", ".md"):
            try:
                lines += p.read_text(encoding="utf-8").splitlines()
            except UnicodeDecodeError:
                continue
    return [ln for ln in lines if ln.strip()]


def corpus(mb: float) -> list[str]:
    base = real_lines()
    size = sum(len(ln.encode()) + 1 for ln in base)
    reps = max(1, int(mb * 1e6 / size) + 1)
    return base * reps


def mb_of(lines: list[str]) -> float:
    return sum(len(ln.encode()) + 1 for ln in lines) / 1e6


def cli_command(backend: str, workers: int) -> list[str]:
    exe = shutil.which("litmap")
    if exe:
        return [exe, "segment", "-", "--config", _backend_config(backend)]
    # stand-in until pipeline/cli.py exists: the same segment_stream the CLI is meant to call
    return [sys.executable, "-m", "pipeline.text.segment", "-", "--backend", backend, "--workers", str(workers)]


def _backend_config(backend: str) -> str:
    path = Path(tempfile.gettempdir()) / f"litmap_bench_{backend}.yaml"
    path.write_text(f"segment:\n  backend: {backend}\n", encoding="utf-8")
    return str(path)


def _cpu() -> float:
    """User+system CPU seconds of this process and its finished children."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=20.0)
    ap.add_argument("--cli-mb", type=float, default=30.0)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()

    import jieba

    from pipeline.text.segment import Segmenter, segment_lines

    lines = corpus(args.mb)
    size = mb_of(lines)
    print(f"text: {size:.1f} MB, {len(lines)} lines, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")

    jieba.setLogLevel(60)
    jieba.initialize()
    t, c = time.perf_counter(), _cpu()
    for ln in lines:
        jieba.lcut(ln)
    bare = size / (time.perf_counter() - t)
    bare_cpu = size / (_cpu() - c)
    print(f"bare jieba.lcut, 1 core:            {bare:6.2f} MB/s  (1.00x)   [{bare_cpu:.2f} MB per CPU-second]")

    for backend, target in (("jieba", 1.7), ("rjieba", 8.0)):
        seg = Segmenter({"backend": backend})
        t, c = time.perf_counter(), _cpu()
        # joined=True: the runner's segment stage stores each sentence's tokens space-joined,
        # and joining in the workers is what keeps the transfer between processes small.
        n = sum(1 for _ in segment_lines(lines, segmenter=seg, workers=args.workers, joined=True))
        rate = size / (time.perf_counter() - t)
        # on a shared machine wall time hides contention: also show what the CPU time allows
        ideal = size / ((_cpu() - c) / args.workers)
        assert n == len(lines)
        print(f"ours [{backend:6}], {args.workers} workers:        {rate:6.2f} MB/s  "
              f"({rate / bare:5.2f}x, target >= {target}x)   [CPU-bound on {args.workers} idle cores: "
              f"{ideal:.2f} MB/s = {ideal / bare_cpu:.2f}x]")

    cli_lines = corpus(args.cli_mb)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", delete=False) as f:
        f.write("\n".join(cli_lines) + "\n")
        path = f.name
    cli_size = os.path.getsize(path) / 1e6
    try:
        for backend, target in (("jieba", 0.8), ("rjieba", 8.0)):
            cmd = cli_command(backend, args.workers)
            t = time.perf_counter()
            with open(path, "rb") as fin:
                proc = subprocess.run(cmd, stdin=fin, stdout=subprocess.PIPE, cwd=ROOT, check=True)
            dt = time.perf_counter() - t
            n_out = proc.stdout.count(b"\n")
            rate = cli_size / dt
            print(f"`{' '.join(Path(c).name if i == 0 else c for i, c in enumerate(cmd[:3]))} ...` "
                  f"[{backend:6}] on {cli_size:.0f} MB, whole process: {dt:6.1f} s = {rate:6.2f} MB/s  "
                  f"({rate / bare:5.2f}x, target >= {target}x; {n_out} lines out)")
    finally:
        os.unlink(path)


if __name__ == "__main__":
    main()
