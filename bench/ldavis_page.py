"""CPU time of laying out the report's pyLDAvis page, each way in a fresh interpreter, imports
included (issue 19: on ``--update`` the topic state changes, so the page is laid out again in a
side process that competes with the report's driver for the cores).

    python bench/ldavis_page.py --results /tmp/u1000/s.duckdb.results [--repeat 3]

Reads the stored topic state (``topics-*/`` under the store's results folder; nothing is written
there) and times, in a fresh interpreter each (min of ``--repeat``, CPU = user + system):

- ``pyLDAvis``: the page as pyLDAvis itself lays it out (``topics_ldavis.write_ldavis``), the
  reference and the layout before issue 19;
- ``pyLDAvis+fast``: the same with ``ldavis_fast``'s ranking swapped in: the report's side
  process before it stopped importing pyLDAvis;
- ``render(state)``: the report's side process when it is sent the state (decodes it: gensim);
- ``render_inputs``: the report's side process when the driver decoded the state (what
  ``--update`` runs: the topics stage loaded gensim in the driver).

and checks that the three pages are the same text.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_TIMED = """
import pickle, resource, sys, time
t0 = time.perf_counter()
{body}
r = resource.getrusage(resource.RUSAGE_SELF)
open(sys.argv[2], "w", encoding="utf-8").write(page)
heavy = sorted({{m.split(".")[0] for m in sys.modules}} & {{"pyLDAvis", "scipy", "sklearn", "pandas", "gensim"}})
print(r.ru_utime + r.ru_stime, time.perf_counter() - t0, ",".join(heavy) or "-")
"""
WAYS = {
    "pyLDAvis": """
from pipeline.models.topics_ldavis import write_ldavis
from pipeline.report.ldavis_page import TITLE
state = open(sys.argv[1], "rb").read()
page = write_ldavis(state, sys.argv[2], title=TITLE).read_text(encoding="utf-8")""",
    "pyLDAvis+fast": """
from pipeline.models.topics_ldavis import write_ldavis
from pipeline.report.ldavis_fast import fast_relevance
from pipeline.report.ldavis_page import TITLE
state = open(sys.argv[1], "rb").read()
with fast_relevance():
    page = write_ldavis(state, sys.argv[2], title=TITLE).read_text(encoding="utf-8")""",
    "render(state)": """
from pipeline.report.ldavis_render import render
page = render(open(sys.argv[1], "rb").read())""",
    "render_inputs": """
from pipeline.report.ldavis_render import render_inputs
page = render_inputs(*pickle.loads(open(sys.argv[1] + ".inputs", "rb").read()))""",
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--results", type=Path, required=True, help="a store's results folder (read only)")
    ap.add_argument("--repeat", type=int, default=1)
    a = ap.parse_args()
    import pickle

    from pipeline.models.topics_ldavis import vis_inputs
    from pipeline.store.codec import read_result

    folders = sorted(a.results.glob("topics-*"))
    if not folders:
        sys.exit(f"no topics-* result under {a.results}")
    state = read_result(folders[-1])["result"].state
    with tempfile.TemporaryDirectory() as tmp:
        sf = Path(tmp) / "state"
        sf.write_bytes(state)
        inputs = vis_inputs(state)
        Path(f"{sf}.inputs").write_bytes(pickle.dumps(inputs, protocol=pickle.HIGHEST_PROTOCOL))
        print(f"topic state {folders[-1].name}: {inputs[0].shape[0]} topics, {inputs[0].shape[1]} terms, "
              f"{inputs[1].shape[0]} units")
        pages = {}
        for name, body in WAYS.items():
            runs = []
            for i in range(a.repeat):
                page = Path(tmp) / f"{len(pages)}.html"
                out = subprocess.run([sys.executable, "-c", _TIMED.format(body=body), str(sf), str(page)],
                                     capture_output=True, text=True, check=True, cwd=ROOT)
                cpu, wall, heavy = out.stdout.split()
                runs.append((float(cpu), float(wall)))
            pages[name] = page.read_text(encoding="utf-8")
            cpu, wall = min(runs)
            print(f"{name:>15}: CPU {cpu:5.2f} s  wall {wall:5.2f} s  ({len(pages[name]):,} chars; imports {heavy})")
        ref = pages["pyLDAvis"]
        print("pages identical to pyLDAvis's:", all(p == ref for p in pages.values()))


if __name__ == "__main__":
    main()
