"""The front page at 1,000 papers (issue 15: under 1 MB, loaded in under 2 s in headless Chromium).

Builds a corpus of N generated papers (bench/scale.py's generator: real paragraphs, real names,
front-matter years; K fixed at 10) plus the seed and the 38 works of ../shared/corpora/works (so
the citation block has footnotes to count), runs `litmap run` once, then prints:

- the size of index.html and the total weight of what it loads (HTML, CSS, JS, images);
- its load time in headless Chromium (Navigation Timing: navigationStart → loadEventEnd, median
  of 3 loads) at 1280 px and at 390 px, and whether the page is wider than the window at each;
- the same for documents.html, the largest table page.

    python bench/report_front.py [N]            (default 1000; a run takes about 4 minutes)
    python bench/report_front.py --report DIR   (measure a report that exists)
"""
from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from scale import authors, make_paper, real_paragraphs  # noqa: E402


def build_corpus(corpus: Path, n: int) -> None:
    rng = random.Random(n)
    paras, names = real_paragraphs(), authors()
    for i in range(n):
        (corpus / f"p{i:05d}.md").write_text(make_paper(rng, paras, names, i), encoding="utf-8")
    shutil.copy(SHARED / "corpora" / "seed" / "000_085182e16f623625.txt", corpus / "seed.txt")
    for f in sorted((SHARED / "corpora" / "works").glob("*.md")):
        shutil.copy(f, corpus / f.name)


def page_weight(page: Path) -> tuple[int, int]:
    """(bytes of the page, bytes of the page and every stylesheet, script and image it loads)."""
    html = page.read_text(encoding="utf-8")
    total = page.stat().st_size
    seen = set()
    for tag in re.findall(r"<(?:link|script|img)\b[^>]*>", html):
        m = re.search(r'\b(?:src|href)="([^"#]+)"', tag)
        if not m or (tag.startswith("<link") and "stylesheet" not in tag) or m.group(1) in seen:
            continue
        seen.add(m.group(1))
        f = (page.parent / m.group(1)).resolve()
        if f.is_file():
            total += f.stat().st_size
    return page.stat().st_size, total


class Browser:
    """Headless Chromium over the DevTools protocol (tests/test_browser.py's client)."""

    def __init__(self) -> None:
        from test_browser import CDP, FLAGS, _chromium

        exe = _chromium()
        if exe is None:
            sys.exit("chromium is not installed")
        self.profile = Path(tempfile.mkdtemp(prefix="litmap-bench-chromium-"))
        self.proc = subprocess.Popen([exe, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = self.profile / "DevToolsActivePort"
        end = time.time() + 30
        while not (port_file.is_file() and port_file.read_text().strip()) and time.time() < end:
            time.sleep(0.1)
        port = int(port_file.read_text().splitlines()[0])
        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10).read())
        self.cdp = CDP(next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"])
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.cdp.send(f"{domain}.enable")

    def load(self, page: Path, width: int) -> tuple[float, int, list[str]]:
        """(ms from navigation start to the end of the load event, the page's scroll width, problems)."""
        self.cdp.send("Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1,
                      mobile=width < 600)
        self.cdp.send("Network.setCacheDisabled", cacheDisabled=True)
        self.cdp.navigate(page.as_uri())
        ms = self.cdp.eval("(() => { const t = performance.getEntriesByType('navigation')[0];"
                           " return t.loadEventEnd - t.startTime; })()")
        return float(ms), int(self.cdp.eval("document.documentElement.scrollWidth")), self.cdp.problems()

    def close(self) -> None:
        self.cdp.ws.close()
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def measure(report: Path) -> None:
    browser = Browser()
    try:
        for name in ("index.html", "documents.html"):
            page = report / name
            size, total = page_weight(page)
            print(f"{name}: {size / 1024:.0f} KB; with the CSS, JS and images it loads {total / 1024:.0f} KB")
            for width in (1280, 390):
                runs = [browser.load(page, width) for _ in range(3)]
                ms = statistics.median(r[0] for r in runs)
                wide = max(r[1] for r in runs)
                problems = sorted({p for r in runs for p in r[2]})
                print(f"  {width:>4} px: load {ms:.0f} ms (median of 3), page width {wide} px"
                      f"{' (wider than the window)' if wide > width else ''}"
                      f"{'; problems: ' + '; '.join(problems[:3]) if problems else ''}")
    finally:
        browser.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=1000)
    ap.add_argument("--report", type=Path, help="measure this report instead of building one")
    args = ap.parse_args()
    if args.report:
        measure(args.report)
        return
    with tempfile.TemporaryDirectory(prefix="litmap-front-") as tmp:
        tmp = Path(tmp)
        corpus = tmp / "corpus"
        corpus.mkdir()
        build_corpus(corpus, args.n)
        cfg = tmp / "cfg.yaml"
        cfg.write_text(yaml.safe_dump({"store": {"path": str(tmp / "s.duckdb")}, "topics": {"k": 10}}), encoding="utf-8")
        t = time.perf_counter()
        p = subprocess.run([sys.executable, "-m", "pipeline", "run", "--corpus", str(corpus), "--config", str(cfg),
                            "--out", str(tmp / "report")], capture_output=True, text=True, cwd=ROOT)
        if p.returncode:
            sys.exit(p.stderr[-3000:])
        n_docs = json.loads((tmp / "report" / "run.json").read_text(encoding="utf-8"))["stats"]["n_documents"]
        print(f"litmap run over {n_docs} documents ({args.n} generated + seed + works): {time.perf_counter() - t:.0f} s")
        measure(tmp / "report")


if __name__ == "__main__":
    main()
