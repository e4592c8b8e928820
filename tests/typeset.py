"""Typeset the founding paper with engines other than PyMuPDF, at test time, as journals print it.

``fixtures_docs.build_pdf`` draws its PDFs with PyMuPDF, the library the reader reads with, so a
reader tuned to it may fail on what other software writes. Here the seed's logical document
(``fixtures_docs.seed_document``: header, body paragraphs with note calls, 77 notes in running
order, the funding note) is set by two independent typesetters:

- WeasyPrint: HTML and CSS paged media (``float: footnote``, ``::footnote-call``,
  ``::footnote-marker``, an ``@footnote`` area under a rule, margin boxes for the running head and
  the page number); Pango shapes the text.
- Typst: its own layout engine (``#footnote``, ``footnote.entry``, page header and footer).

Every document holds what journals print and a reader must cope with: a running head repeating
the title (not on page 1), page numbers at the foot, the funding note called with ``*`` after the
title and printed as the first footnote of page 1, footnotes smaller than the body, a page with
no notes (a short section closing paragraph set on a page of its own), a stretch in two columns,
and a long note that runs on to the next page.

The engines differ in what they can do, and the documents show it as they are:
- WeasyPrint never splits a note: ``footnote-policy: line`` moves a call's line to the next page
  when its note does not fit, so every note sits wholly on its call's page. It cannot restart a
  CSS counter per page either, so per-page labels are written note by note after a first layout.
- Typst splits a long note at the page foot and continues it on the next page, e.g.
  ``TypesetStyle(engine="typst", paper="B5")`` (a note runs from page 3 on to page 4; see
  :data:`CONTINUED_NOTE`). Its two-column stretch is set with page columns (pages of their own).

Numbering schemes (:data:`SCHEMES`): ``page-circled`` (①②… restarting on every page, the seed's
own style), ``through-circled`` (①…⑳ then 21, 22…), ``through-decimal`` (superscript 1, 2, 3…,
notes "1."), ``through-bracket`` ([1] calls and notes) and ``through-paren`` (（1） calls and notes).

Call :func:`typeset_pdf` with a :class:`TypesetStyle`; builds are cached per style for the
session.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fixtures_docs import SEED, LogicalDoc, Para, seed_document

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
FONT = "Noto Serif CJK SC"
SCHEMES = ("page-circled", "through-circled", "through-decimal", "through-bracket", "through-paren")
ENGINES = ("weasy", "typst", "office", "tex")
CIRCLED = "".join(chr(c) for c in range(0x2460, 0x2474))  # ①..⑳
_PAPERS = {"A4": (210, 297), "A5": (148, 210), "B5": (176, 250), "16K": (184, 260)}
_LEVEL2 = re.compile(r"^[（(]\s*[一二三四五六七八九十]+\s*[)）]")

# Where the layout features sit in the seed's paragraph list (by the text a paragraph starts
# with, so a change in the seed's reading fails loudly instead of moving them silently).
# A style whose PDF holds a note continued on the next page (checked with PyMuPDF's get_text).
CONTINUED_NOTE = dict(engine="typst", paper="B5")
_NOTE_FREE = "综上所述"  # a body paragraph with no note calls: set alone on its page
_TWO_COLUMN = "四、"  # the section from this heading up to the next level-1 heading: two columns


@dataclass(frozen=True)
class TypesetStyle:
    engine: str = "weasy"  # weasy | typst
    numbering: str = "page-circled"  # one of SCHEMES
    paper: str = "A4"  # A4 | A5 | B5 | 16K
    two_column: bool = True  # set section 四 in two columns
    running_head: bool = True  # the title at the top of pages 2..n
    font_size: float = 10.5  # body size in pt; notes are set at 0.8 of it
    note_free_page: bool = True  # the paragraph 综上所述… alone on a page, with no notes

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}, not {self.engine!r}")
        if self.numbering not in SCHEMES:
            raise ValueError(f"numbering must be one of {SCHEMES}, not {self.numbering!r}")
        if self.paper not in _PAPERS:
            raise ValueError(f"paper must be one of {tuple(_PAPERS)}, not {self.paper!r}")

    @property
    def note_size(self) -> float:
        return round(self.font_size * 0.8, 2)

    @property
    def per_page(self) -> bool:
        return self.numbering.startswith("page-")


def weasy_available() -> str | None:
    """None when WeasyPrint imports, else the reason it cannot (it needs the Pango libraries)."""
    try:
        import weasyprint  # noqa: F401
    except ImportError as exc:
        return f"weasyprint is not installed ({exc}): pip install weasyprint (the test extra)"
    except OSError as exc:  # the Python package is there, Pango is not (dlopen fails)
        return f"weasyprint cannot load Pango ({exc}): install libpango-1.0-0 libpangoft2-1.0-0"
    return None


def office_available() -> str | None:
    """None when LibreOffice's ``soffice`` is on the PATH (Debian: libreoffice-writer-nogui)."""
    import shutil

    return None if shutil.which("soffice") else "LibreOffice (soffice) is not installed"


def tex_available() -> str | None:
    """None when XeLaTeX with ctex is installed (Debian: texlive-xetex texlive-lang-chinese)."""
    import shutil
    import subprocess

    if not shutil.which("xelatex"):
        return "XeLaTeX is not installed"
    found = subprocess.run(["kpsewhich", "ctexart.cls"], capture_output=True, text=True)
    return None if found.stdout.strip() else "ctex (texlive-lang-chinese) is not installed"


def typst_available() -> str | None:
    try:
        import typst  # noqa: F401
    except ImportError as exc:
        return f"typst cannot be imported ({exc})"
    return None


@lru_cache(maxsize=None)
def typeset_pdf(style: TypesetStyle = TypesetStyle()) -> bytes:
    """The founding paper typeset in ``style``: the PDF's bytes (cached per style)."""
    doc = paper_document()
    if style.engine == "weasy":
        return _weasy(doc, style)
    if style.engine == "office":
        return _office(doc, style)
    if style.engine == "tex":
        return _tex(doc, style)
    return _typst(doc, style)


@lru_cache(maxsize=1)
def paper_document() -> LogicalDoc:
    return seed_document(SEED)


def _blocks(doc: LogicalDoc) -> list[tuple[str, Para]]:
    """(role, para) in reading order: role is the paragraph's kind, with headings split into
    h1 (一、) and h2 (（一）)."""
    out = []
    for p in doc.paras:
        kind = p.kind
        if kind == "heading":
            kind = "h2" if _LEVEL2.match(p.text()) else "h1"
        out.append((kind, p))
    return out


def _two_column_span(blocks: list[tuple[str, Para]]) -> tuple[int, int]:
    """Indexes [start, end) of the blocks set in two columns: the body of section 四 (in
    WeasyPrint its heading stays full width above the columns, as journals set it)."""
    start = next(i for i, (k, p) in enumerate(blocks) if k == "h1" and p.text().startswith(_TWO_COLUMN))
    end = next(i for i in range(start + 1, len(blocks)) if blocks[i][0] == "h1")
    return start + 1, end


def paper_title(doc: LogicalDoc) -> str:
    return doc.paras[0].text().rstrip("*").strip()


# ------------------------------------------------------------------------------- WeasyPrint
def _css_counter_style(style: TypesetStyle) -> tuple[str, str, str]:
    """(@counter-style rules, footnote-call content, footnote-marker content)."""
    symbols = " ".join(f'"{c}"' for c in CIRCLED)
    rules = f"@counter-style circled {{ system: fixed; symbols: {symbols}; suffix: ''; fallback: decimal; }}"
    n = style.numbering
    if n in ("page-circled", "through-circled"):
        return rules, "counter(footnote, circled)", "counter(footnote, circled) ' '"
    if n == "through-decimal":
        return rules, "counter(footnote)", "counter(footnote) '. '"
    if n == "through-bracket":
        return rules, "'[' counter(footnote) ']'", "'[' counter(footnote) '] '"
    return rules, "'（' counter(footnote) '）'", "'（' counter(footnote) '）'"


def _weasy_css(doc: LogicalDoc, style: TypesetStyle) -> str:
    w, h = _PAPERS[style.paper]
    small = style.paper == "A5"
    margin = "16mm 14mm 16mm 14mm" if small else "25mm 22mm 22mm 22mm"
    rules, call, marker = _css_counter_style(style)
    title = paper_title(doc).replace('"', '\\"')
    head = (f'@top-center {{ content: "{title}"; font-size: {style.note_size}pt; '
            f"border-bottom: 0.5pt solid black; vertical-align: bottom; padding-bottom: 2pt; }}"
            if style.running_head else "")
    # footnote-policy: line moves a call's line to the next page when its note does not fit, so
    # a note is never separated from its call (WeasyPrint cannot split a note across pages).
    # No margin-top on @footnote: WeasyPrint 70 then finds no room for any note and piles them
    # all, one per page, after the body (a 15-page excerpt became 91 pages).
    # Raised calls as journals set them: 0.6 of the body size (not of the note's: the call's
    # element is the note) and lifted; bracketed and parenthesised calls are raised too (CNKI
    # prints [1] as a superscript).
    return f"""
{rules}
@page {{
  size: {w}mm {h}mm; margin: {margin};
  {head}
  @bottom-center {{ content: counter(page); font-size: {style.note_size}pt; }}
  @footnote {{ border-top: 0.5pt solid black; padding-top: 4pt; }}
}}
@page :first {{ @top-center {{ content: none; border: none; }} }}
html {{ font-family: '{FONT}'; font-size: {style.font_size}pt; line-height: 1.65; }}
body {{ margin: 0; }}
p {{ margin: 0; text-indent: 2em; text-align: justify; }}
h1 {{ font-size: 1.55em; text-align: center; margin: 0 0 0.6em; font-weight: bold; }}
.authors {{ text-align: center; text-indent: 0; font-size: 1.1em; margin-bottom: 0.8em; }}
.abstract, .keywords {{ font-size: 0.9em; margin: 0 2em 0.3em; text-indent: 0; }}
.keywords {{ margin-bottom: 1em; }}
h2 {{ font-size: 1.05em; text-align: center; margin: 0.8em 0 0.4em; font-weight: bold; }}
h3 {{ font-size: 1em; margin: 0.5em 0 0.3em; text-indent: 2em; font-weight: bold; }}
.cols {{ column-count: 2; column-gap: 1.5em; }}
.alone {{ break-before: page; break-after: page; }}
.fn {{ float: footnote; footnote-policy: line; font-size: {style.note_size}pt; line-height: 1.45;
       text-indent: 0;
       text-align: justify; font-weight: normal; }}
.fn::footnote-call {{ content: {call}; vertical-align: super; font-size: {round(style.font_size * 0.6, 2)}pt;
                      line-height: 1; }}
.fn::footnote-marker {{ content: {marker}; }}
.fund {{ counter-increment: none; }}
.fund::footnote-call {{ content: '*'; }}
.fund::footnote-marker {{ content: '* '; }}
"""


def _weasy_html(doc: LogicalDoc, style: TypesetStyle, labels: dict[int, str]) -> str:
    blocks = _blocks(doc)
    c0, c1 = _two_column_span(blocks) if style.two_column else (-1, -1)
    out: list[str] = []

    def inline(para: Para) -> str:
        s = []
        for part in para.parts:
            if isinstance(part, int):
                s.append(f'<span class="fn" id="n{part}">{html.escape(doc.notes[part])}</span>')
            else:
                s.append(html.escape(part))
        return "".join(s)

    for i, (kind, para) in enumerate(blocks):
        if i == c0:
            out.append('<div class="cols">')
        if kind == "title":
            fund = f'<span class="fn fund">{html.escape(doc.funding)}</span>' if doc.funding else ""
            out.append(f"<h1>{html.escape(paper_title(doc))}{fund}</h1>")
        elif kind in ("authors", "abstract", "keywords"):
            out.append(f'<p class="{kind}">{inline(para)}</p>')
        elif kind in ("h1", "h2"):
            tag = "h2" if kind == "h1" else "h3"
            out.append(f"<{tag}>{inline(para)}</{tag}>")
        else:
            alone = style.note_free_page and para.text().startswith(_NOTE_FREE)
            out.append(f'<p{" class=alone" if alone else ""}>{inline(para)}</p>')
        if i + 1 == c1:
            out.append("</div>")
    # Per-page labels, when known, override the counter note by note.
    fixed = "".join(f'#n{nid}::footnote-call {{ content: "{lab}"; }} '
                    f'#n{nid}::footnote-marker {{ content: "{lab} "; }}' for nid, lab in labels.items())
    # The style sheet goes in the document: WeasyPrint reads @counter-style only from there.
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>{_weasy_css(doc, style)}'
            f'{fixed}</style></head><body>{"".join(out)}</body></html>')


def _weasy(doc: LogicalDoc, style: TypesetStyle) -> bytes:
    """One layout for straight-through numbering. CSS counters cannot restart on every page in
    WeasyPrint (``@page { counter-reset: footnote }`` is ignored), so per-page numbers are set
    the way a layout program would: lay out, read which page each note landed on, print each
    note's label explicitly, and lay out again until the pages no longer move (two passes for
    the seed: a circled label is as wide as the counter's)."""
    import weasyprint

    labels: dict[int, str] = {}
    for _ in range(4):
        page = weasyprint.HTML(string=_weasy_html(doc, style, labels))
        laid = page.render()
        if not style.per_page:
            return laid.write_pdf()
        found = _weasy_note_pages(laid)
        new = {}
        for nids in found:
            for local, nid in enumerate(nids):
                new[nid] = CIRCLED[local] if local < len(CIRCLED) else str(local + 1)
        if new == labels:
            return laid.write_pdf()
        labels = new
    raise RuntimeError("per-page footnote labels did not settle in 4 layouts")


def _weasy_note_pages(laid) -> list[list[int]]:
    """Per page, the running ids of the notes whose text starts in its footnote area."""
    seen: set[int] = set()
    pages = []
    for pg in laid.pages:
        nids = []
        for box in pg._page_box.children:  # WeasyPrint's layout tree: body, then the note area
            if type(box).__name__ != "FootnoteAreaBox":
                continue
            for note in box.children:
                ident = (note.element.get("id") or "") if note.element is not None else ""
                if ident.startswith("n") and int(ident[1:]) not in seen:
                    seen.add(int(ident[1:]))
                    nids.append(int(ident[1:]))
        pages.append(nids)
    return pages


# ------------------------------------------------------------------------------------ Typst
def _typst_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _typst_numbering(style: TypesetStyle) -> str:
    n = style.numbering
    if n in ("page-circled",):
        return '"①"'
    if n == "through-circled":  # ①..⑳, then plain numbers (fonts and Unicode stop at ⑳ in practice)
        return 'n => if n <= 20 { numbering("①", n) } else { str(n) }'
    if n == "through-decimal":
        return '"1"'
    if n == "through-bracket":
        return '"[1]"'
    return '"（1）"'


def _typst_src(doc: LogicalDoc, style: TypesetStyle) -> str:
    w, h = _PAPERS[style.paper]
    small = style.paper == "A5"
    margin = "(x: 14mm, top: 18mm, bottom: 16mm)" if small else "(x: 22mm, top: 25mm, bottom: 22mm)"
    title = _typst_str(paper_title(doc))
    reset = "counter(footnote).update(0)" if style.per_page else "none"
    running = (f"if here().page() > 1 {{ set text(size: {style.note_size}pt); align(center, {title}); "
               "v(-0.7em); line(length: 100%, stroke: 0.5pt) }" if style.running_head else "none")
    # The note's own number: "1." for decimal notes, as the call prints it otherwise.
    entry_num = 'numbering(it.note.numbering, ..counter(footnote).at(it.note.location()))'
    if style.numbering == "through-decimal":
        entry_num = f'[#{entry_num}.]'
    body: list[str] = [f"""
#set page(width: {w}mm, height: {h}mm, margin: {margin},
  header: context {{ {reset}; {running} }},
  footer: context align(center, text(size: {style.note_size}pt, counter(page).display())))
#set text(font: "{FONT}", size: {style.font_size}pt, lang: "zh", region: "cn")
#set par(justify: true, first-line-indent: (amount: 2em, all: true), leading: 0.75em, spacing: 0.75em)
#set footnote(numbering: {_typst_numbering(style)})
#set footnote.entry(separator: line(length: 35%, stroke: 0.5pt), gap: 0.45em, clearance: 1em)
#show footnote.entry: it => {{
  set text(size: {style.note_size}pt)
  set par(first-line-indent: 0em, leading: 0.55em)
  if it.note.numbering == "*" {{ [\\* #it.note.body] }} else {{ [#{entry_num} #it.note.body] }}
}}
#show heading: set text(size: {style.font_size}pt, weight: "bold")
#show heading.where(level: 1): it => align(center, block(above: 1.2em, below: 0.8em, it.body))
#show heading.where(level: 2): it => block(above: 0.9em, below: 0.6em, h(2em) + it.body)
"""]
    blocks = _blocks(doc)
    c0, c1 = _two_column_span(blocks) if style.two_column else (-1, -1)
    c0 -= style.two_column  # page columns start a page: the section's heading goes with its text

    def inline(para: Para) -> str:
        s = []
        for part in para.parts:
            if isinstance(part, int):
                s.append(f"#footnote[{_typst_text(doc.notes[part])}]")
            else:
                s.append(_typst_text(part))
        return "".join(s)

    for i, (kind, para) in enumerate(blocks):
        if i == c0:
            # Page columns, not the columns() function: Typst 0.13 sets a note called inside
            # columns() on the page before its call when the columns break across pages.
            body.append("#[\n#set page(columns: 2)\n#set columns(gutter: 1.5em)")
        if kind == "title":
            fund = (f'#footnote(numbering: "*")[{_typst_text(doc.funding)}]#counter(footnote).update(0)'
                    if doc.funding else "")
            body.append(f"#align(center, text(size: {round(style.font_size * 1.55, 1)}pt, weight: \"bold\")"
                        f"[{_typst_text(paper_title(doc))}{fund}])\n#v(0.5em)")
        elif kind == "authors":
            size = round(style.font_size * 1.1, 1)
            body.append(f"#align(center, text(size: {size}pt)[{inline(para)}])\n#v(0.5em)")
        elif kind in ("abstract", "keywords"):
            body.append(f"#pad(x: 2em, text(size: {round(style.font_size * 0.9, 2)}pt, "
                        f"par(first-line-indent: 0em)[{inline(para)}]))")
        elif kind == "h1":
            body.append(f"= {inline(para)}")
        elif kind == "h2":
            body.append(f"== {inline(para)}")
        else:
            alone = style.note_free_page and para.text().startswith(_NOTE_FREE)
            text = inline(para)
            body.append(f"#pagebreak(weak: true)\n{text}\n#pagebreak()" if alone else text)
        if i + 1 == c1:
            body.append("]")
    return "\n\n".join(body) + "\n"


_TYPST_SPECIAL = re.compile(r"([\\#*_`$<>@\[\]~/=+\-'\".])")


def _typst_text(s: str) -> str:
    """Text as Typst markup: every markup character escaped (a leading '1.' or '-' would start a
    list, '//' a comment, '[...]' content)."""
    return _TYPST_SPECIAL.sub(r"\\\1", s)


def _typst(doc: LogicalDoc, style: TypesetStyle) -> bytes:
    import typst

    return typst.compile(_typst_src(doc, style).encode("utf-8"), format="pdf", font_paths=[str(FONT_DIR)])


# ------------------------------------------------------------------------------- LibreOffice
_ODF_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
           'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
           'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
           'office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text"')


def _office_fodt(doc: LogicalDoc, style: TypesetStyle) -> str:
    """A flat ODT: Writer's own footnotes (per-page or running numbering from the notes
    configuration), a header repeating the title, a page-number footer, paragraph styles."""
    w, h = _PAPERS[style.paper]
    fmt = {"page-circled": "①", "through-circled": "①", "through-decimal": "1",
           "through-bracket": "1", "through-paren": "1"}[style.numbering]
    prefix, suffix = {"through-bracket": ("[", "]"), "through-paren": ("（", "）")}.get(style.numbering, ("", ""))
    restart = "page" if style.per_page else "document"
    size, note = style.font_size, style.note_size
    esc = html.escape

    def text_of(para: Para) -> str:
        out = []
        for part in para.parts:
            if isinstance(part, int):
                out.append('<text:note text:note-class="footnote"><text:note-citation/><text:note-body>'
                           f'<text:p text:style-name="Footnote">{esc(doc.notes[part])}</text:p>'
                           "</text:note-body></text:note>")
            else:
                out.append(esc(part))
        return "".join(out)

    body = []
    for kind, para in _blocks(doc):
        if kind == "title":
            fund = ('<text:note text:note-class="footnote"><text:note-citation text:label="*">*</text:note-citation>'
                    f'<text:note-body><text:p text:style-name="Footnote">{esc(doc.funding)}</text:p>'
                    "</text:note-body></text:note>") if doc.funding else ""
            body.append(f'<text:p text:style-name="Title">{esc(paper_title(doc))}{fund}</text:p>')
        elif kind in ("authors", "abstract", "keywords"):
            body.append(f'<text:p text:style-name="{kind}">{text_of(para)}</text:p>')
        elif kind in ("h1", "h2"):
            body.append(f'<text:p text:style-name="{kind}">{text_of(para)}</text:p>')
        else:
            body.append(f'<text:p text:style-name="Body">{text_of(para)}</text:p>')
    font = f'style:font-name-asian="{FONT}" fo:font-family="{FONT}" style:font-family-asian="{FONT}"'
    head = (f'<style:header><text:p text:style-name="Head">{esc(paper_title(doc))}</text:p></style:header>'
            if style.running_head else "")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document {_ODF_NS}>
<office:font-face-decls><style:font-face style:name="{FONT}" svg:font-family="'{FONT}'"/></office:font-face-decls>
<office:styles>
 <style:default-style style:family="paragraph"><style:text-properties {font} fo:font-size="{size}pt"
   style:font-size-asian="{size}pt" fo:language="zh" fo:country="CN"/></style:default-style>
 <style:style style:name="Body" style:family="paragraph"><style:paragraph-properties fo:text-indent="{2 * size}pt"
   fo:text-align="justify" fo:line-height="160%"/></style:style>
 <style:style style:name="Title" style:family="paragraph"><style:paragraph-properties fo:text-align="center"
   fo:margin-bottom="8pt"/><style:text-properties fo:font-size="{size * 1.55:.1f}pt" style:font-size-asian="{size * 1.55:.1f}pt"
   fo:font-weight="bold" style:font-weight-asian="bold"/></style:style>
 <style:style style:name="authors" style:family="paragraph"><style:paragraph-properties fo:text-align="center"
   fo:margin-bottom="8pt"/><style:text-properties fo:font-size="{size * 1.1:.1f}pt" style:font-size-asian="{size * 1.1:.1f}pt"/></style:style>
 <style:style style:name="abstract" style:family="paragraph"><style:paragraph-properties fo:margin-left="{2 * size}pt"
   fo:margin-right="{2 * size}pt" fo:text-align="justify"/><style:text-properties fo:font-size="{note}pt" style:font-size-asian="{note}pt"/></style:style>
 <style:style style:name="keywords" style:family="paragraph" style:parent-style-name="abstract"><style:paragraph-properties fo:margin-bottom="10pt"/></style:style>
 <style:style style:name="h1" style:family="paragraph"><style:paragraph-properties fo:text-align="center"
   fo:margin-top="8pt" fo:margin-bottom="4pt" fo:keep-with-next="always"/><style:text-properties fo:font-weight="bold"
   style:font-weight-asian="bold" fo:font-size="{size * 1.05:.1f}pt" style:font-size-asian="{size * 1.05:.1f}pt"/></style:style>
 <style:style style:name="h2" style:family="paragraph"><style:paragraph-properties fo:text-indent="{2 * size}pt"
   fo:margin-top="4pt" fo:margin-bottom="2pt" fo:keep-with-next="always"/><style:text-properties fo:font-weight="bold"
   style:font-weight-asian="bold"/></style:style>
 <style:style style:name="Footnote" style:family="paragraph"><style:paragraph-properties fo:text-align="justify"/>
   <style:text-properties fo:font-size="{note}pt" style:font-size-asian="{note}pt"/></style:style>
 <style:style style:name="Head" style:family="paragraph"><style:paragraph-properties fo:text-align="center"/>
   <style:text-properties fo:font-size="{note}pt" style:font-size-asian="{note}pt"/></style:style>
 <style:style style:name="Foot" style:family="paragraph" style:parent-style-name="Head"/>
 <text:notes-configuration text:note-class="footnote" style:num-format="{fmt}" style:num-prefix="{prefix}"
   style:num-suffix="{suffix}" text:start-value="0" text:footnotes-position="page" text:start-numbering-at="{restart}"/>
</office:styles>
<office:automatic-styles>
 <style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="{w}mm" fo:page-height="{h}mm"
   fo:margin-top="18mm" fo:margin-bottom="18mm" fo:margin-left="22mm" fo:margin-right="22mm"/>
   <style:footnote-sep style:width="0.5pt" style:rel-width="25%" style:adjustment="left"/></style:page-layout>
</office:automatic-styles>
<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pm1">{head}
 <style:footer><text:p text:style-name="Foot"><text:page-number text:select-page="current"/></text:p></style:footer>
</style:master-page></office:master-styles>
<office:body><office:text>{"".join(body)}</office:text></office:body>
</office:document>"""


def _office(doc: LogicalDoc, style: TypesetStyle) -> bytes:
    """LibreOffice Writer's PDF export of the flat ODT (headless, a private profile)."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "paper.fodt"
        src.write_text(_office_fodt(doc, style), encoding="utf-8")
        subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp}/profile", "--headless",
                        "--convert-to", "pdf", "--outdir", tmp, str(src)],
                       check=True, capture_output=True, timeout=300)
        return (Path(tmp) / "paper.pdf").read_bytes()


# ------------------------------------------------------------------------------- XeLaTeX
_TEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
                "%": r"\%", "_": r"\_", "^": r"\^{}", "~": r"\~{}"}


def _tex_text(s: str) -> str:
    # a URL may break after a slash (as \url would let it), or TeX runs it off the page
    return "".join(_TEX_SPECIAL.get(c, c) + (r"\allowbreak{}" if c == "/" else "") for c in s)


def _tex_src(doc: LogicalDoc, style: TypesetStyle) -> str:
    """ctexart with LaTeX's own footnotes: straight through by default; circled labels by
    redefining \thefootnote; per-page restart by resetting the counter with the page."""
    w, h = _PAPERS[style.paper]
    circled = "circled" in style.numbering
    labels = ""
    if circled:
        cases = "".join(f"\\or {c}" for c in CIRCLED)
        labels = f"\\renewcommand\\thefootnote{{\\ifcase\\value{{footnote}}{cases}\\else\\arabic{{footnote}}\\fi}}"
    if style.numbering == "through-bracket":
        labels = r"\renewcommand\thefootnote{[\arabic{footnote}]}"
    if style.numbering == "through-paren":
        labels = r"\renewcommand\thefootnote{（\arabic{footnote}）}"
    reset = r"\makeatletter\@addtoreset{footnote}{page}\makeatother" if style.per_page else ""

    def inline(para: Para) -> str:
        out = []
        for part in para.parts:
            out.append(f"\\footnote{{{_tex_text(doc.notes[part])}}}" if isinstance(part, int) else _tex_text(part))
        return "".join(out)

    body = []
    for kind, para in _blocks(doc):
        if kind == "title":
            fund = f"\\footnote[0]{{{_tex_text(doc.funding)}}}" if doc.funding else ""
            body.append("{\\renewcommand\\thefootnote{*}\\centering\\zihao{3}\\bfseries "
                        f"{_tex_text(paper_title(doc))}{fund}\\par}}\\setcounter{{footnote}}{{0}}\\vspace{{6pt}}")
        elif kind == "authors":  # xeCJK drops a space between Chinese characters: a typesetter's \quad
            body.append(f"{{\\centering\\zihao{{-4}} {inline(para).replace(' ', chr(92) + 'quad ')}\\par}}\\vspace{{6pt}}")
        elif kind == "keywords":
            body.append(f"{{\\small\\leftskip=2em\\rightskip=2em\\noindent {inline(para).replace(' ', chr(92) + 'quad ')}\\par}}")
        elif kind == "abstract":
            body.append(f"{{\\small\\leftskip=2em\\rightskip=2em\\noindent {inline(para)}\\par}}")
        elif kind == "h1":
            body.append(f"\\section*{{{inline(para)}}}")
        elif kind == "h2":
            body.append(f"\\subsection*{{{inline(para)}}}")
        elif style.note_free_page and para.text().startswith(_NOTE_FREE):
            body.append("\\clearpage\n" + inline(para) + "\n\\clearpage\n")
        else:
            body.append(inline(para) + "\n")
    head = _tex_text(paper_title(doc)) if style.running_head else ""
    return rf"""\documentclass[zihao=5,fontset=none]{{ctexart}}
\usepackage[paperwidth={w}mm,paperheight={h}mm,margin=22mm]{{geometry}}
\setCJKmainfont{{{FONT}}}
\setCJKsansfont{{Noto Sans CJK SC}}
\usepackage{{fancyhdr}}
\pagestyle{{fancy}}\fancyhf{{}}\fancyhead[C]{{\small {head}}}\fancyfoot[C]{{\small\thepage}}
\ctexset{{section={{format=\centering\bfseries\zihao{{4}}}}, subsection={{format=\bfseries\zihao{{5}}, indent=2em}}}}
{labels}
{reset}
\begin{{document}}
\thispagestyle{{plain}}
{chr(10).join(body)}
\end{{document}}
"""


def _tex(doc: LogicalDoc, style: TypesetStyle) -> bytes:
    """XeLaTeX, run twice (headers), in a temporary folder."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "paper.tex"
        src.write_text(_tex_src(doc, style), encoding="utf-8")
        for _ in range(2):
            subprocess.run(["xelatex", "-interaction=nonstopmode", "-halt-on-error", "paper.tex"], cwd=tmp,
                           capture_output=True, timeout=300)
        pdf = Path(tmp) / "paper.pdf"
        if not pdf.exists():
            log = (Path(tmp) / "paper.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"xelatex failed: {log}")
        return pdf.read_bytes()
