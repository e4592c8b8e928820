"""The ``litmap`` command: argument parsing and printing; all work happens in ``pipeline.api``."""
from __future__ import annotations

import argparse
import json
import os
import sys

from . import __version__


def _print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=1) + "\n")


def cmd_config(a: argparse.Namespace) -> int:
    from .preflight import load_checked
    from .settings.show import effective, render

    eff = effective(load_checked(a.config))
    if a.json:
        _print_json(eff)
    else:
        print(render(eff))
    return 0


def cmd_init(a: argparse.Namespace) -> int:
    from pathlib import Path

    from .settings.init import init_project

    folder = Path(a.folder)
    done = init_project(folder)
    for item in done["made"]:
        print(f"made  {folder / item}")
    for item in done["kept"]:
        print(f"kept  {folder / item} (already there, not overwritten)")
    print("\nNext: put papers (txt, md, pdf, docx, CNKI exports, Zotero RIS/BibTeX/CSL JSON exports) in "
          f"{folder / 'corpora'}, edit the files in "
          f"{folder / 'configs'} if you like (concepts.yaml: concepts to trace; aliases.yaml: author names), then\n"
          f"  cd {folder} && litmap run\n"
          f"and open {folder / 'reports' / 'latest' / 'index.html'}. `litmap config --show` prints the settings in use.")
    return 0


def cmd_run(a: argparse.Namespace) -> int:
    from . import api

    if getattr(a, "exit_when_done", False):
        # The process ends when the run does (os._exit below): the collector the run turns off
        # stays off, or turning it back on sets off a full collection of every object the run
        # made (0.1 s after an --update of 1,000 papers) just before they are dropped unread.
        import gc

        gc.disable()
    ctx = api.run(a.corpus, a.config, out=a.out, workers=a.workers, executor=a.executor,
                  scheduler=a.scheduler, update=a.update)
    s = ctx.stats
    failed = [f for f in ctx.files if f.status == "failed"]
    for f in failed:
        print(f"failed: {f.source}: {f.error}", file=sys.stderr)
    for f in ctx.files:
        if f.status == "duplicate":
            print(f"duplicate: {f.source}: {f.error}", file=sys.stderr)
    for msg in ctx.failed_sections:
        print(f"failed: {msg}", file=sys.stderr)
    print(f"litmap run: {s['n_documents']} documents from {s['n_files']} files; processed {s['n_processed']}, "
          f"cached {s['n_cached']}, failed {s['n_failed']}, skipped {s['n_skipped']}"
          + (f", duplicates {s['n_duplicates']}" if s.get("n_duplicates") else "") + "; "
          f"added {s['n_added']}, changed {s['n_changed']}, removed {s['n_removed']}; "
          f"{s['seconds']:.1f} s; mode {ctx.mode}; report: {ctx.out}/index.html"
          + (f"; {len(ctx.failed_sections)} report section(s) failed" if ctx.failed_sections else ""))
    code = 1 if (a.strict and (failed or ctx.failed_sections)) else 0
    if getattr(a, "exit_when_done", False):
        # The command's process ends here, its work done: the store is closed, the report swapped
        # in, every side process waited for. Freeing the run's objects one by one and tearing
        # the interpreter down (a million objects, gensim and spaCy unloaded) took 2-3 s after
        # a 1,000-paper run had finished, a tenth of an --update. Only when litmap is the
        # process (``litmap``, ``python -m pipeline``), never for a caller of main([...]).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def cmd_parse(a: argparse.Namespace) -> int:
    from . import api
    from .ingest.encoding import IngestError

    try:
        paper = api.parse(a.file, a.config)
    except IngestError as e:
        print(f"litmap parse: {a.file}: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"litmap parse: {a.file}: {e.strerror or e}", file=sys.stderr)
        return 1
    d = paper.to_dict()
    if a.json:
        _print_json(d)
    else:
        m = d["meta"]
        print(f"{m['title']}\n{'、'.join(m['authors'])}  {m['journal'] or ''} {m['year'] or ''}")
        for s in d["sections"]:
            print(("  " * max(s["level"] - 1, 0)) + (s["heading"] or "(lead)") + f"  [{len(s['paragraphs'])} paragraphs]")
        print(f"{len(d['footnotes'])} footnotes, {len(d['citations'])} markers")
        for w in d["warnings"]:
            print(f"warning: {w}")
    return 0


def cmd_refs(a: argparse.Namespace) -> int:
    from . import api

    lines = a.strings
    if lines == ["-"] or (not lines and not sys.stdin.isatty()):
        lines = [line.rstrip("\n") for line in sys.stdin]
    result = [[r.to_dict() for r in refs] for refs in api.parse_refs(lines, a.config, a.style)]
    if a.json:
        _print_json(result)
    else:
        for line, refs in zip(lines, result):
            print(line)
            for r in refs:
                print(f"  [{r['type']}] {'、'.join(r['authors'])}《{r['title']}》 {r['container'] or ''} {r['year'] or ''}")
    return 0


def cmd_segment(a: argparse.Namespace) -> int:
    from . import api
    from .settings.checks import check_workers

    check_workers(a.workers)

    if a.text in (None, "-"):
        # The fast path: blocks of stdin go to the workers and come back already joined.
        api.segment_stream(sys.stdin, sys.stdout, a.config, workers=a.workers, as_json=a.json)
        return 0
    lines = iter(a.text.split("\n"))
    out = sys.stdout
    for tokens in api.segment_lines(lines, a.config, workers=a.workers):
        out.write((json.dumps(tokens, ensure_ascii=False) if a.json else " ".join(tokens)) + "\n")
    return 0


def cmd_trace(a: argparse.Namespace) -> int:
    from . import api

    t = api.trace(a.concept, a.out, a.config)
    if t is None:
        print(f"litmap trace: {a.concept!r} does not occur in the corpus of that run", file=sys.stderr)
        return 1
    if a.json:
        _print_json(t)
        return 0
    fu = t.get("first_use") or {}
    print(f"{t['concept']}  ({len(t['mentions'])} mentions; variants: {'、'.join(t.get('variants', []))})")
    print(f"first use: {fu.get('author')} {fu.get('year')}")
    for u in t["users"]:
        print(f"  user: {u['author']} ({u['role']}) first {u['first_year']} ×{u['count']}")
    for e in t["spread"]:
        print(f"  spread: {e['from']} ({e['from_year']}) → {e['to']} ({e['to_year']}) via {e['via']}")
    for d in t.get("definitions") or []:
        print(f"  {d['kind']}: {d['definer']} ({d.get('year') or '?'}): {d['cue']}")
    return 0


def cmd_export(a: argparse.Namespace) -> int:
    from . import api

    done = api.export(a.format, a.out, a.report, a.config)
    what = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in done.counts.items())
    print(f"litmap export: {done.format} -> {done.out}" + (f" ({', '.join(done.files)})" if done.out.is_dir() else "")
          + (f"; {what}" if what else ""))
    for note in done.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="litmap", description="Concepts, topics and citations of Chinese academic literature.")
    p.add_argument("--version", action="version", version=f"litmap {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--config", help="a YAML file overriding configs/default.yaml key by key")

    r = sub.add_parser("run", help="process what is new under the corpus and write the report")
    common(r)
    r.add_argument("--corpus", default="corpora")
    r.add_argument("--out", default=None, help="report directory (default reports/latest)")
    r.add_argument("--workers", type=int, default=None)
    r.add_argument("--executor", choices=["local", "dask"], default=None)
    r.add_argument("--scheduler", default=None, help="dask scheduler address (default: a LocalCluster)")
    r.add_argument("--strict", action="store_true", help="exit 1 if any file or report section failed")
    r.add_argument("--update", action="store_true", help="fold new papers into the stored models instead of refitting")
    r.set_defaults(func=cmd_run)

    s = sub.add_parser("parse", help="one paper, structured (FILE#N: record N of an export)")
    common(s)
    s.add_argument("file")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_parse)

    f = sub.add_parser("refs", help="parse reference strings (or lines on stdin with -)")
    common(f)
    f.add_argument("strings", nargs="*")
    f.add_argument("--json", action="store_true")
    f.add_argument("--style", choices=["cssci"], help="one item of a printed reference list in this style "
                   "(default: footnotes and reference lines as papers print them)")
    f.set_defaults(func=cmd_refs)

    g = sub.add_parser("segment", help="segment text with the domain vocabulary")
    common(g)
    g.add_argument("text", nargs="?", default=None)
    g.add_argument("--json", action="store_true")
    g.add_argument("--workers", type=int, default=None)
    g.set_defaults(func=cmd_segment)
    t = sub.add_parser("trace", help="how a concept spreads over the corpus of a run")
    common(t)
    t.add_argument("concept")
    t.add_argument("--out", default=None, help="the report directory of the run (default reports/latest)")
    t.add_argument("--json", action="store_true")
    t.set_defaults(func=cmd_trace)

    from .export import FORMATS

    x = sub.add_parser("export", help="write what a finished run found for CiteSpace, VOSviewer, bibliometrix, "
                                      "Gephi or Zotero")
    common(x)
    x.add_argument("--format", required=True, choices=FORMATS,
                   help="wos (Web of Science plain text: CiteSpace, VOSviewer, bibliometrix), vosviewer (map and "
                        "network files), gexf (dynamic) or graphml (Gephi), ris or csljson (Zotero)")
    x.add_argument("--out", required=True, help="the file to write (for --format vosviewer a folder); never a file "
                                                "litmap export did not write")
    x.add_argument("--report", default=None, help="the report directory of the run (default reports/latest)")
    x.set_defaults(func=cmd_export)

    c = sub.add_parser("config", help="the effective settings and where each value came from")
    common(c)
    c.add_argument("--show", action="store_true", help="print the settings (the default action)")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_config)

    i = sub.add_parser("init", help="lay out a project folder: corpora/, configs/ (litmap's files to edit), reports/")
    i.add_argument("folder", nargs="?", default=".")
    i.set_defaults(func=cmd_init)
    return p


def main(argv: list[str] | None = None) -> int:
    from .config import ConfigError
    from .report.outdir import OutputDirError
    from .store.db import StoreError

    parser = build_parser()
    a = parser.parse_args(argv)
    a.exit_when_done = argv is None  # the command line of this process, not a caller's list
    try:
        return a.func(a)
    except ConfigError as e:
        print(f"litmap: {e}", file=sys.stderr)
        return 2
    except OutputDirError as e:
        print(f"litmap: {e}", file=sys.stderr)
        return 2
    except StoreError as e:  # busy: 1 (try again later); damaged or not writable: 2 (a setup error)
        print(f"litmap: {e}", file=sys.stderr)
        return e.exit_status
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
