"""The script a researcher would write instead of litmap (issue 19), timed on a corpus folder.

Read every paper, ``jieba.lcut``, drop stopwords, build a gensim ``Dictionary``, fit
``LdaModel(num_topics=20, passes=10)``. It runs in its own interpreter, in the same process tree
conventions as ``bench/scale.py`` (wall time, peak resident memory over the tree), so litmap's
time can be given as a ratio to it.

    python bench/baseline.py CORPUS_DIR [--k 20] [--passes 10]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]

# The bare script, as a researcher would write it: nothing litmap-specific beyond the stop list
# file it ships (a researcher would use some stop list; ours keeps the vocabularies comparable).
SCRIPT = r"""
import sys, pathlib, jieba
from gensim.corpora import Dictionary
from gensim.models import LdaModel

corpus, stop_path, k, passes = pathlib.Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
stop = set(pathlib.Path(stop_path).read_text(encoding="utf-8").split())
docs = []
for path in sorted(corpus.rglob("*")):
    if path.is_file():
        text = path.read_text(encoding="utf-8", errors="ignore")
        docs.append([w for w in jieba.lcut(text) if w.strip() and w not in stop and len(w) > 1])
dictionary = Dictionary(docs)
dictionary.filter_extremes(no_below=2, no_above=0.5)
bows = [dictionary.doc2bow(d) for d in docs]
lda = LdaModel(bows, id2word=dictionary, num_topics=k, passes=passes, random_state=0)
print(len(docs), len(dictionary))
"""


def sample_tree(root: psutil.Process) -> list[tuple[int, float, float, str]] | None:
    """(pid, resident MiB, CPU seconds, the command's last two words) of ``root`` and every
    process under it; None once ``root`` is gone. A process that ends while it is read is left out."""
    try:
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return None
    now = []
    for q in procs:
        try:
            ct = q.cpu_times()
            now.append((q.pid, q.memory_info().rss / 2**20, ct.user + ct.system, " ".join(q.cmdline()[-2:])[:60]))
        except psutil.Error:
            pass
    return now


def watch(cmd: list[str], cwd: Path = ROOT) -> tuple[float, float, float, str, str]:
    """Wall time, peak RSS (MB) of the largest process of the tree, peak of the tree's summed
    RSS (MB), stdout, stderr."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd)
    largest = total = 0.0
    ps = psutil.Process(proc.pid)
    while proc.poll() is None:
        rss = [r[1] for r in sample_tree(ps) or []]
        largest, total = max([largest] + rss), max(total, sum(rss))
        time.sleep(0.2)
    out, err = proc.communicate()
    if proc.returncode:
        sys.exit(f"{' '.join(cmd[:3])} … failed:\n{err[-3000:]}")
    return time.perf_counter() - t, largest, total, out, err


def bare_script(corpus: Path, k: int = 20, passes: int = 10) -> tuple[float, float]:
    """(seconds, peak MB over the tree) of the bare jieba + gensim script over ``corpus``."""
    stop = ROOT / "configs" / "stopwords.txt"
    secs, _largest, total, _, _ = watch([sys.executable, "-c", SCRIPT, str(corpus), str(stop), str(k), str(passes)])
    return secs, total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--passes", type=int, default=10)
    a = ap.parse_args()
    secs, peak = bare_script(a.corpus, a.k, a.passes)
    print(f"bare jieba + gensim LdaModel(k={a.k}, passes={a.passes}) over {a.corpus}: {secs:.1f} s, "
          f"peak {peak:.0f} MB over the process tree")


if __name__ == "__main__":
    main()
