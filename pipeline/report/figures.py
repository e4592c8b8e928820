"""Static figures (PNG, matplotlib) drawn with an explicit CJK font file, so Chinese labels
render on a fresh machine whatever fonts it has: Noto Sans CJK SC shipped by the ``mplfonts``
package, else a system Noto CJK. Each figure records the labels it drew so a test can check
that the font has a glyph for every character (no tofu).
"""
from __future__ import annotations

import functools
import importlib.util
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FONT_CANDIDATES = (
    "mplfonts:NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)


@dataclass
class Figure:
    path: str  # relative to the report root, e.g. figures/topic_by_year.png
    png: bytes
    labels: list[str] = field(default_factory=list)  # every text drawn, for the glyph check
    title: str = ""
    svg: bytes | None = None  # the same figure as SVG (glyphs as paths: no font needed to view it)


NO_FONT = "no CJK font: pip install mplfonts (Noto Sans CJK SC)"


@functools.lru_cache(maxsize=1)
def cjk_font_path() -> Path | None:
    for cand in FONT_CANDIDATES:
        if cand.startswith("mplfonts:"):
            # Found, not imported: importing mplfonts imports matplotlib, 0.35 s of a process
            # (the report's driver) that only needs the font file's path for a figure's key.
            spec = importlib.util.find_spec("mplfonts")
            if spec is None or not spec.origin:
                continue
            p = Path(spec.origin).with_name("fonts") / cand.split(":", 1)[1]
        else:
            p = Path(cand)
        if p.is_file():
            return p
    return None


@functools.lru_cache(maxsize=1)
def _font() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import font_manager

    path = cjk_font_path()
    if path is None:
        raise RuntimeError(NO_FONT)
    font_manager.fontManager.addfont(str(path))
    prop = font_manager.FontProperties(fname=str(path))
    matplotlib.rcParams["font.family"] = [prop.get_name()]
    matplotlib.rcParams["axes.unicode_minus"] = False  # the CJK font lacks U+2212
    return prop


def _save(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return buf.getvalue()


def _save_svg(fig: Any) -> bytes:
    """The vector copy a reader downloads for a paper or slides (``report.figure_svg``: it adds
    20-80% to a figure's drawing time, measured on the heat maps). Text becomes paths
    (matplotlib's default ``svg.fonttype``), so it shows the CJK labels without the font."""
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buf.getvalue()


def _short(s: str, n: int = 18) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def heatmap(path: str, matrix: list[list[float]], rows: list[str], cols: list[str], title: str,
            xlabel: str, ylabel: str, fmt: str = "{:.2f}", svg: bool = False) -> Figure:
    from matplotlib.figure import Figure as MplFigure

    prop = _font()
    rows = [_short(r) for r in rows]
    cols = [_short(c) for c in cols]
    fig = MplFigure(figsize=(min(16, 2.2 + 0.9 * len(cols)), min(30, 1.4 + 0.32 * len(rows))))
    ax = fig.add_subplot()
    im = ax.imshow(matrix, aspect="auto", cmap="YlOrRd")
    ax.set_xticks(range(len(cols)), cols, rotation=35, ha="right", fontproperties=prop, fontsize=9)
    ax.set_yticks(range(len(rows)), rows, fontproperties=prop, fontsize=9)
    # y given: where matplotlib would put it (its ticks are below, its tick labels fixed strings
    # with no offset text to avoid), without the two layouts of every tick label per save that
    # finding that costs (a fifth of a heat map's drawing).
    ax.set_title(title, fontproperties=prop, y=1.0)
    ax.set_xlabel(xlabel, fontproperties=prop)
    ax.set_ylabel(ylabel, fontproperties=prop)
    if len(rows) * len(cols) <= 400:
        top = max((v for r in matrix for v in r), default=0) or 1
        for i, r in enumerate(matrix):
            for j, v in enumerate(r):
                if v:
                    ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=7,
                            color="white" if v > 0.6 * top else "black")
    fig.colorbar(im, ax=ax, shrink=0.6)
    return Figure(path, _save(fig), rows + cols + [title, xlabel, ylabel], title, _save_svg(fig) if svg else None)


def lines(path: str, series: dict[str, dict[int, float]], title: str, xlabel: str, ylabel: str,
          svg: bool = False) -> Figure:
    """One line per series over years; a single year is drawn as bars (a line needs two points)."""
    from matplotlib.figure import Figure as MplFigure

    prop = _font()
    years = sorted({y for s in series.values() for y in s})
    fig = MplFigure(figsize=(9, 4.5))
    ax = fig.add_subplot()
    names = [_short(n, 24) for n in series]
    if len(years) <= 1:
        ax.bar(range(len(series)), [next(iter(s.values()), 0) for s in series.values()],
               color=[f"C{i % 10}" for i in range(len(series))])
        ax.set_xticks(range(len(series)), names, rotation=30, ha="right", fontproperties=prop, fontsize=9)
        xlabel = f"{xlabel} {years[0] if years else ''}".strip()
    else:
        for i, (name, s) in enumerate(series.items()):
            ax.plot(years, [s.get(y, 0) for y in years], marker="o", label=names[i], color=f"C{i % 10}")
        ax.legend(prop=prop, fontsize=8, loc="best")
        ax.set_xticks(years, [str(y) for y in years])
    ax.set_title(title, fontproperties=prop)
    ax.set_xlabel(xlabel, fontproperties=prop)
    ax.set_ylabel(ylabel, fontproperties=prop)
    return Figure(path, _save(fig), names + [title, xlabel, ylabel] + [str(y) for y in years], title,
                  _save_svg(fig) if svg else None)


@dataclass
class Spec:
    """A figure to draw: ``figures.<kind>(path, *args)``; ``path`` is relative to the report."""
    kind: str  # "lines" | "heatmap"
    path: str
    title: str
    args: tuple
    kwargs: dict[str, Any]


def draw(specs: list[Spec]) -> list[tuple[str, bytes]]:
    """(path, PNG) of every figure and (path.svg, SVG) beside it; run in a side process (background.py)."""
    # Here, not in figures_section: the side process imports this module only (matplotlib),
    # not the report's pages and pandas, a second of start-up in every run.
    out = []
    for f in (globals()[s.kind](s.path, *s.args, **s.kwargs) for s in specs):
        out.append((f.path, f.png))
        if f.svg is not None:
            out.append((svg_path(f.path), f.svg))
    return out


def svg_path(png: str) -> str:
    return png.rsplit(".", 1)[0] + ".svg"
