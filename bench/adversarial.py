"""Adversarial shapes through the real pipeline (issue 13, "linear stages").

Each shape is written into a temporary corpus and run with ``python -m pipeline run`` (a fresh
store each time); the stage lines the run prints on stderr give each stage's seconds, and the
process tree is sampled with psutil so every stage gets the peak resident memory of the largest
process while it ran. The 1 MB reference strings also go through ``litmap refs``.

Shapes (sizes at ``--scale 1``):

* ``concept_line``   one 15 MB line of a tracked concept (数字资本 repeated);
* ``concept_mixed``  one 15 MB line mixing the concept with ordinary prose stripped of its
  punctuation and table-of-contents entries (what PDFs of contents pages and OCR give);
* ``short_lines``    200,000 one-character lines;
* ``footnotes``      a paper of 5,000 page footnotes laid out as the seed has them: markers ^①…
  in the body, the notes ①… at the foot of each "page", numbering restarting on every page;
* ``ref_line``       a footnote holding a 1 MB reference string (many references run together),
  and the same string, a 1 MB single title and a 1 MB author list through ``litmap refs``.

Every shape is also run at 1/4 and 1/2 of its size: the time ratios (1/4 → 1/2 → 1) are ~2 for a
linear stage and ~4 for a quadratic one.

    python bench/adversarial.py [--scale F] [--shapes concept_line,footnotes] [--no-linearity]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import yaml

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "corpora" / "seed" / "000_085182e16f623625.txt"
CONCEPT = "数字资本"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
# In the order the runner runs them (runner/corpus.py STAGES between features and report).
STAGES = ("parse", "segment", "features", "glossary", "works", "stance", "vectors", "topics", "terms", "concepts",
          "definitions", "shift", "report")
_STAGE_LINE = re.compile(r"^(\w+): .*?(\d+(?:\.\d+)?) s\b")


def seed_lines() -> tuple[list[str], list[str]]:
    """Body paragraphs and footnote texts of the seed, the material the shapes are made of."""
    body, notes = [], []
    for ln in SEED.read_text(encoding="utf-8").splitlines():
        ln = ln.strip()
        if not ln:
            continue
        if re.match(r"^\^?[①-⑳]", ln):
            notes.append(re.sub(r"^\^?[①-⑳]\s*", "", ln))
        elif len(ln) > 60:
            body.append(re.sub(r"\^?[①-⑳]", "", ln))  # the shapes place their own markers
    return body, notes


def _fill(pieces: list[str], n_bytes: int) -> str:
    out, n, i = [], 0, 0
    while n < n_bytes:
        p = pieces[i % len(pieces)]
        out.append(p)
        n += len(p.encode("utf-8"))
        i += 1
    return "".join(out)


def concept_line(n_bytes: int) -> str:
    return CONCEPT * (n_bytes // len(CONCEPT.encode("utf-8"))) + "\n"


def concept_mixed(n_bytes: int) -> str:
    body, _ = seed_lines()
    prose = [re.sub(r"[。！？!?；;…，,：:、“”\"'‘’（）()《》\s]", "", p) for p in body]
    toc = [f"第{i}章 {CONCEPT}与金融帝国主义的积累模式 {'.' * 12} {i * 17} " for i in range(1, 40)]
    pieces = []
    for i, p in enumerate(prose):
        pieces += [p, CONCEPT, toc[i % len(toc)], CONCEPT * 3]
    return _fill(pieces, n_bytes) + "\n"


def short_lines(n_lines: int) -> str:
    chars = [c for c in "".join(seed_lines()[0]) if "\u4e00" <= c <= "\u9fff"]
    return "\n".join(chars[i % len(chars)] for i in range(n_lines)) + "\n"


def footnotes(n_notes: int, per_page: int = 5) -> str:
    """Pages of one paragraph with ``per_page`` markers, then that page's notes, as in the seed."""
    body, notes = seed_lines()
    out = ["数字化生产下金融帝国主义积累模式的新变化\n\n陈 灏 钟锦宸\n\n一、问题的提出\n"]
    for page in range(n_notes // per_page):
        text = body[page % len(body)]
        cut = max(1, len(text) // (per_page + 1))
        para = "".join(text[k * cut:(k + 1) * cut] + f"^{CIRCLED[k]}" for k in range(per_page)) + text[per_page * cut:]
        out.append(para + "\n")
        out += [f"{CIRCLED[k]} {notes[(page * per_page + k) % len(notes)]}\n" for k in range(per_page)]
    return "\n".join(out)


def refs_many(n_bytes: int) -> str:
    """References run together in one string, as a long footnote citing everything."""
    _, notes = seed_lines()
    return _fill([n.rstrip("。") + "；" for n in notes if "《" in n], n_bytes)


def refs_title(n_bytes: int) -> str:
    """One reference whose title never closes (a footnote cut by a broken PDF layer)."""
    body, _ = seed_lines()
    return "参见程恩富、鲁保林：《" + _fill(body, n_bytes)


def refs_names(n_bytes: int) -> str:
    """A 1 MB author list: names and enumeration commas, no title."""
    names = ["程恩富", "鲁保林", "俞使超", "刘志洪", "叶龙祥", "钟锦宸", "毛小骅", "卢荻"]
    return _fill([n + "、" for n in names], n_bytes) + "：《论数字资本》，《经济学动态》2024年第9期。"


def ref_paper(n_bytes: int) -> str:
    body, _ = seed_lines()
    return f"论数字资本\n\n陈 灏\n\n一、引言\n\n{body[0]}^①\n\n① {refs_many(n_bytes)}\n"


# name -> (file builder taking a size, full size, unit)
SHAPES = {
    "concept_line": (concept_line, 15_000_000, "bytes"),
    "concept_mixed": (concept_mixed, 15_000_000, "bytes"),
    "short_lines": (short_lines, 200_000, "lines"),
    "footnotes": (footnotes, 5_000, "footnotes"),
    "ref_line": (ref_paper, 1_000_000, "bytes"),
}
REFS = {"refs_many": refs_many, "refs_title": refs_title, "refs_names": refs_names}


class Watch:
    """Runs a command, samples the RSS of its process tree, and splits time and peaks by stage."""

    def __init__(self, cmd: list[str], timeout: float, stdin: str | None = None):
        self.cmd, self.timeout, self.stdin = cmd, timeout, stdin
        self.samples: list[tuple[float, float]] = []  # (time, rss MB of the largest process)
        self.lines: list[tuple[float, str]] = []
        self.err: list[str] = []

    def run(self) -> tuple[int | None, float, str]:
        env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        t0 = time.time()
        proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE if self.stdin is not None else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)
        out: list[str] = []

        def read_err() -> None:
            for ln in proc.stderr:
                self.lines.append((time.time(), ln.rstrip()))
                self.err.append(ln)

        def read_out() -> None:
            if self.stdin is not None:
                proc.stdin.write(self.stdin)
                proc.stdin.close()
            out.append(proc.stdout.read())

        threads = [threading.Thread(target=read_err, daemon=True), threading.Thread(target=read_out, daemon=True)]
        for th in threads:
            th.start()
        ps = psutil.Process(proc.pid)
        rc = None
        while True:
            rc = proc.poll()
            if rc is not None:
                break
            try:
                rss = max(p.memory_info().rss for p in [ps] + ps.children(recursive=True)) / 2**20
                self.samples.append((time.time(), rss))
            except psutil.Error:
                pass
            if time.time() - t0 > self.timeout:
                for p in ps.children(recursive=True) + [ps]:  # our own child and its workers only
                    try:
                        p.kill()
                    except psutil.Error:
                        pass
                proc.wait()
                rc = None
                break
            time.sleep(0.1)
        for th in threads:
            th.join(5)
        self.t0, self.t1 = t0, time.time()
        return rc, self.t1 - t0, "".join(out)

    def stages(self) -> list[tuple[str, float, float]]:
        """(stage, seconds, peak MB) from the stage lines, in the order they were printed."""
        rows, last = [], self.t0
        for t, ln in self.lines:
            m = _STAGE_LINE.match(ln)
            if not m or m.group(1) not in STAGES:
                continue
            peak = max([r for s, r in self.samples if last <= s <= t] or [0.0])
            rows.append((m.group(1), float(m.group(2)), peak))
            last = t
        return rows

    def running(self) -> str:
        """The stage a killed run was in: the one after the last stage line."""
        done = [r[0] for r in self.stages()]
        rest = [s for s in STAGES if s not in done]
        return rest[0] if rest else "?"


def run_shape(name: str, size: int, timeout: float) -> dict:
    build = SHAPES[name][0]
    with tempfile.TemporaryDirectory(prefix="litmap-adv-") as tmp:
        tmp = Path(tmp)
        corpus = tmp / "corpus"
        corpus.mkdir()
        text = build(size)
        (corpus / f"{name}.txt").write_text(text, encoding="utf-8")
        cfg = tmp / "cfg.yaml"
        cfg.write_text(yaml.safe_dump({"store": {"path": str(tmp / "s.duckdb")}}), encoding="utf-8")
        w = Watch([sys.executable, "-m", "pipeline", "run", "--corpus", str(corpus), "--config", str(cfg),
                   "--out", str(tmp / "report")], timeout)
        rc, secs, _ = w.run()
        info = {}
        if rc == 0 and (tmp / "report" / "run.json").is_file():
            info = json.loads((tmp / "report" / "run.json").read_text(encoding="utf-8"))
        return {"shape": name, "size": size, "bytes": len(text.encode("utf-8")), "rc": rc, "seconds": secs,
                "stages": w.stages(), "peak": max([r for _, r in w.samples] or [0.0]),
                "timings": info.get("timings", {}), "killed_in": w.running() if rc is None else None,
                "stderr": "".join(w.err[-15:]) if rc else ""}


def run_refs(name: str, size: int, timeout: float) -> dict:
    s = REFS[name](size)
    w = Watch([sys.executable, "-m", "pipeline", "refs", "-", "--json"], timeout, stdin=s + "\n")
    rc, secs, out = w.run()
    n = len(json.loads(out)[0]) if rc == 0 and out.strip() else None
    return {"shape": name, "size": size, "bytes": len(s.encode("utf-8")), "rc": rc, "seconds": secs,
            "peak": max([r for _, r in w.samples] or [0.0]), "n_refs": n, "stderr": "".join(w.err[-15:]) if rc else ""}


def show(r: dict) -> None:
    status = "ok" if r["rc"] == 0 else ("KILLED after timeout" + (f" in {r['killed_in']}" if r.get("killed_in") else "")
                                        if r["rc"] is None else f"exit {r['rc']}")
    extra = f", {r['n_refs']} references" if r.get("n_refs") is not None else ""
    print(f"{r['shape']:<14} {r['size']:>10,} ({r['bytes'] / 2**20:6.2f} MB): {r['seconds']:7.1f} s, "
          f"peak {r['peak']:6.0f} MB, {status}{extra}", flush=True)
    for stage, secs, peak in r.get("stages", []):
        print(f"    {stage:<9} {secs:8.2f} s   peak {peak:6.0f} MB", flush=True)
    if r["rc"] not in (0, None):
        print("    " + r["stderr"].replace("\n", "\n    "), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every shape's size (0.1 for a quick look)")
    ap.add_argument("--shapes", default=",".join([*SHAPES, *REFS]), help="comma-separated shape names")
    ap.add_argument("--no-linearity", action="store_true", help="run each shape at full size only")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds before a run is killed")
    a = ap.parse_args()
    fracs = (1.0,) if a.no_linearity else (0.25, 0.5, 1.0)
    ratios = []
    for name in a.shapes.split(","):
        full = (SHAPES.get(name) or (None, 1_000_000))[1]
        runs = []
        for f in fracs:
            size = max(1, int(full * a.scale * f))
            r = run_refs(name, size, a.timeout) if name in REFS else run_shape(name, size, a.timeout)
            show(r)
            runs.append(r)
            if r["rc"] != 0:
                break
        if len(runs) == 3 and all(r["rc"] == 0 for r in runs):
            ratios.append((name, runs))
    if ratios:
        print("\nlinearity: time at 1/2 ÷ time at 1/4, time at 1 ÷ time at 1/2 (~2 linear, ~4 quadratic)")
        for name, (q, h, f) in ratios:
            print(f"{name:<14} whole run {h['seconds'] / q['seconds']:.2f}, {f['seconds'] / h['seconds']:.2f}")
            by = [{s: t for s, t, _ in r.get("stages", [])} for r in (q, h, f)]
            for stage in STAGES:
                ts = [b.get(stage) for b in by]
                if all(t is not None for t in ts) and ts[2] >= 0.5:  # smaller stages are start-up noise
                    print(f"    {stage:<9} {ts[0]:7.2f} → {ts[1]:7.2f} → {ts[2]:7.2f} s   "
                          f"ratios {ts[1] / max(ts[0], 1e-3):.2f}, {ts[2] / max(ts[1], 1e-3):.2f}")


if __name__ == "__main__":
    main()
