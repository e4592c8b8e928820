"""``litmap export``: what a finished run found, in the formats of the tools researchers use.

One module per format (``wos``, ``vosviewer``, ``graphs`` for GEXF and GraphML, ``ris``,
``csljson``), the loader of a finished run (``load``), the networks as the report draws them
(``networks``), and the rule for where an export may be written (``outpath``). The writers
take typed records (``records``), never a run's rows.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import ConfigError

FORMATS = ("wos", "vosviewer", "gexf", "graphml", "ris", "csljson")
FOLDER_FORMATS = frozenset({"vosviewer"})


@dataclass
class Exported:
    format: str
    out: Path
    files: list[str]  # file names written (a file format: the one file)
    counts: dict[str, int] = field(default_factory=dict)  # what went in: works, references, nodes, ...
    notes: list[str] = field(default_factory=list)  # hints for the user (e.g. CiteSpace's file names)


def _ours(fmt: str):
    from . import csljson, graphs, ris, wos

    return {"wos": wos.is_ours, "ris": ris.is_ours, "csljson": csljson.is_ours, "gexf": graphs.gexf_is_ours,
            "graphml": graphs.graphml_is_ours}[fmt]


def check(fmt: str, out: str | Path | None, report_dir: str | Path):
    """Every setting checked before any work (ConfigError names the option); returns the run."""
    from .load import load_run
    from .outpath import check_file, check_folder

    if fmt not in FORMATS:
        raise ConfigError(f"--format {fmt!r}: unknown format; one of {', '.join(FORMATS)}")
    if out in (None, ""):
        raise ConfigError("--out: required (the file, or for --format vosviewer the folder, to write)")
    run = load_run(report_dir)
    out = Path(out)
    if fmt in FOLDER_FORMATS:
        check_folder(out, fmt)
    else:
        check_file(out, fmt, _ours(fmt))
    return run


def export(fmt: str, out: str | Path, report_dir: str | Path, cfg: dict[str, Any]) -> Exported:
    from .outpath import write_file, write_folder

    run = check(fmt, out, report_dir)
    out = Path(out)
    ex = cfg["export"]
    if fmt in ("wos", "ris", "csljson"):
        works, refs = run.works(), run.cited_refs()
        counts = {"works": len(works), "references": len(refs), "cited_works": len({r.work_id for r in refs})}
        if fmt == "wos":
            from . import wos

            w = ex["wos"]
            infer = w["undated_year"] == "citing"
            write_file(out, lambda p: wos.write(works, refs, p, bool(w["bom"]), bool(w["upper_latin"]), infer))
            notes = [] if out.name.lower().startswith("download") else [
                "CiteSpace reads only files whose names start with `download` (e.g. download_litmap.txt): "
                "rename the copy you put into CiteSpace's data folder"]
            cited = wos.cited_works(refs, citing_year=wos.citing_years(works) if infer else None).values()
            undated = sum(c.year is None for c in cited)
            inferred = sum(c.year_inferred for c in cited)
            if inferred:
                notes.append(f"{inferred} of {counts['cited_works']} cited works print no year: their CR lines carry "
                             "the year of the earliest corpus work citing them (export.wos.undated_year: citing), so "
                             "CiteSpace's time slices and wostools keep them")
            if undated:
                notes.append(f"{undated} of {counts['cited_works']} cited works have no year; their CR lines "
                             "carry none, as Web of Science prints an undated reference; readers that need a year "
                             "in a reference (wostools' reference parser; CiteSpace's time slices, most likely) "
                             "leave them out of co-citation")
            return Exported(fmt, out, [out.name], counts, notes)
        mod = importlib.import_module(f"{__name__}.{fmt}")
        write_file(out, lambda p: mod.write(works, refs, p))
        return Exported(fmt, out, [out.name], counts)
    from . import networks as nets

    built = nets.build(run, cfg)
    counts = {k: v for n in built for k, v in ((f"{n.name}_nodes", len(n.nodes)), (f"{n.name}_edges", len(n.edges)))}
    notes = [f"no {name} network (no pair in the run's tables)" for name in nets.NAMES
             if name not in {n.name for n in built}]
    if fmt == "vosviewer":
        from . import vosviewer

        names = write_folder(out, fmt, lambda d: vosviewer.write(built, d))
        return Exported(fmt, out, names, counts, notes)
    from . import graphs

    write_file(out, lambda p: (graphs.write_gexf if fmt == "gexf" else graphs.write_graphml)(built, p))
    return Exported(fmt, out, [out.name], counts, notes)
