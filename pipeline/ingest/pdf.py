"""PDF → text in the founding paper's line layout, using the page layout (PyMuPDF).

The structure parsers downstream read a paper as page blocks: body paragraphs (one line each,
blank lines between), then that page's footnotes, each starting with its circled marker, then the
next page; a paragraph cut by the page break is left open and re-joined by the body parser. A
PDF's text layer has none of that, so it is rebuilt from geometry and type size:

* running headers, footers and page numbers: lines in the top / bottom margin band that repeat
  on several pages (digits masked, so changing page numbers still repeat) or are a lone number;
* footnotes: the lines under a short horizontal rule in the lower page, or, without a rule, the
  run of smaller-than-body lines at the bottom that starts with a note number;
* note calls: small raised spans in the body (①, or 1 2 3 in CNKI PDFs) become ``^①``; note
  numbers map to circled markers (㉑…㊿ past ⑳, ``[51]`` past 50) so body and notes agree;
* two-column pages: lines left and right of the page's middle that sit side by side are read
  left column first, in bands between lines that span both columns (titles, notes);
* paragraphs: a new one starts at an indented line, after a short line, at a change of type size
  or after a vertical gap; a multi-line title of larger type stays one line.

Every failure of the file itself is an :class:`IngestError` with the reason; nothing else escapes.
"""
from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .encoding import IngestError
from .readers import converted_reader, register_reader

_CIRCLED = ("".join(chr(c) for c in range(0x2460, 0x2474)) + "".join(chr(c) for c in range(0x3251, 0x3260))
            + "".join(chr(c) for c in range(0x32B1, 0x32C0)))  # ①-⑳ ㉑-㉟ ㊱-㊿: values 1-50
_OTHER_CIRCLED = {chr(c): i + 1 for i, c in enumerate(range(0x2776, 0x2780))}
_OTHER_CIRCLED.update({chr(c): i + 1 for i, c in enumerate(range(0x2780, 0x278A))})
_PAGE_NUMBER = re.compile(r"^[\s\-—–·•.．()（）第页Pp]*\d{1,4}[\s\-—–·•.．()（）页]*$")
_JOURNAL_LINE = re.compile(r"^\s*\S.{1,40}?[\s\u3000]*(?:19|20)\d{2}\s*年\s*(?:第?\s*\d+\s*卷\s*)?第?\s*\d{1,3}\s*期")
_NOTE_NUM = re.compile(r"^\s*[\[［(（]?(\d{1,3})[\]］)）]?(?:[\s\u3000.．、]+|(?=[^\d\s年月日期卷号页.,，%]))(.*)$")
_STAR = re.compile(r"^\s*[*＊※]\s*(.*)$")
_SUP_NUM = re.compile(r"^\s*[\[［(（]?(\d{1,3})[\]］)）]?\s*$")
_END = set("。！？!?…")
_URL_TAIL = re.compile(r"(?:https?://|www\.)\S*$|/\S*$")
_LEAD_WORD = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-'’.,:;/]*")


def note_label(n: int) -> str:
    """The marker printed for note number n: ①…⑳㉑…㊿, then [51]-style."""
    return _CIRCLED[n - 1] if 1 <= n <= len(_CIRCLED) else f"[{n}]"


def _circled_value(ch: str) -> int | None:
    i = _CIRCLED.find(ch)
    return i + 1 if i >= 0 else _OTHER_CIRCLED.get(ch)


@dataclass
class Span:
    text: str
    size: float
    x0: float
    y0: float
    x1: float
    y1: float
    base: float  # baseline y
    sup: bool = False  # MuPDF's superscript flag


@dataclass
class Line:
    spans: list[Span]
    x0: float = 0.0
    y0: float = 0.0
    x1: float = 0.0
    y1: float = 0.0
    size: float = 0.0  # the size most of its characters have
    text: str = ""  # rendered text (markers as ^①)
    col: tuple[float, float] = (0.0, 0.0)  # left / right edge of its column

    def measure(self) -> Line:
        self.spans.sort(key=lambda s: s.x0)
        self.x0 = min(s.x0 for s in self.spans)
        self.x1 = max(s.x1 for s in self.spans)
        self.y0 = min(s.y0 for s in self.spans)
        self.y1 = max(s.y1 for s in self.spans)
        weight: Counter[float] = Counter()
        for s in self.spans:
            weight[round(s.size * 2) / 2] += len(s.text.strip())
        self.size = weight.most_common(1)[0][0] if weight else self.spans[0].size
        self.text = "".join(s.text for s in self.spans)
        return self


@dataclass
class PageText:
    body: list[Line] = field(default_factory=list)
    notes: list[Line] = field(default_factory=list)
    margin: list[Line] = field(default_factory=list)  # header / footer band lines
    height: float = 842.0
    width: float = 595.0
    rules: list[tuple[float, float, float]] = field(default_factory=list)  # (y, x0, x1) short rules


# ---------------------------------------------------------------------------------- opening
def _open(data: bytes) -> Any:
    import pymupdf

    if not data.lstrip()[:5].startswith(b"%PDF-"):
        raise IngestError("not a PDF (no %PDF- header)")
    tail = data[-2048:]
    if b"%%EOF" not in tail:
        raise IngestError("truncated PDF: the file ends before its end-of-file marker (%%EOF)")
    pymupdf.TOOLS.mupdf_display_errors(False)  # reasons go into the IngestError, not to stderr
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as e:
        raise IngestError(f"broken PDF: cannot be opened ({e})") from e
    if doc.needs_pass and not doc.authenticate(""):
        raise IngestError("encrypted PDF: a password is needed to read it")
    if doc.page_count == 0:
        raise IngestError("broken PDF: no pages")
    return doc


def _page_lines(page: Any) -> list[Line]:
    raw = page.get_text("dict", sort=False)
    lines: list[Line] = []
    for block in raw.get("blocks", []):
        for ln in block.get("lines", []):
            spans = [Span(s["text"], float(s["size"]), *map(float, s["bbox"]), float(s["origin"][1]),
                          bool(s["flags"] & 1)) for s in ln.get("spans", []) if s["text"].strip()]
            if spans:
                lines.append(Line(spans).measure())
    return _attach_markers(lines)


def _is_marker_text(text: str) -> bool:
    t = text.strip()
    return bool(t) and (all(_circled_value(c) for c in t) or bool(_SUP_NUM.match(t)))


def _attach_markers(lines: list[Line]) -> list[Line]:
    """MuPDF may put a raised note call on a line of its own: give it back to its line."""
    keep: list[Line] = []
    small = [ln for ln in lines if len(ln.text.strip()) <= 4 and _is_marker_text(ln.text)]
    for ln in lines:
        if ln in small:
            continue
        keep.append(ln)
    for m in small:
        host = None
        for ln in keep:
            if ln.size > m.size * 1.15 and ln.y0 - 0.5 * ln.size <= (m.y0 + m.y1) / 2 <= ln.y1 \
                    and ln.x0 - ln.size <= m.x0 <= ln.x1 + ln.size:
                host = ln
                break
        if host is None:
            keep.append(m)
        else:
            host.spans += m.spans
            host.measure()
    return keep


def _short_rules(page: Any) -> list[tuple[float, float, float]]:
    out = []
    try:
        drawings = page.get_drawings()
    except Exception:  # noqa: BLE001 - a damaged content stream: no rules, the font-size fallback still works
        return out
    w = page.rect.width
    for d in drawings:
        r = d.get("rect")
        if r is not None and r.height <= 2.5 and 15 <= r.width <= 0.7 * w:
            out.append((float(r.y0), float(r.x0), float(r.x1)))
    return out


# ---------------------------------------------------------------------------------- layout
def _body_size(pages: list[PageText]) -> float:
    weight: Counter[float] = Counter()
    for p in pages:
        for ln in p.body:
            weight[ln.size] += len(ln.text)
    return weight.most_common(1)[0][0] if weight else 10.5


def _margin_key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def _split_margins(pages: list[PageText], cfg: dict[str, Any]) -> None:
    """Move running headers, footers and page numbers out of the body."""
    top, bottom = float(cfg.get("header_band", 0.09)), float(cfg.get("footer_band", 0.07))
    in_band = {id(ln): (ln.y1 <= p.height * top or ln.y0 >= p.height * (1 - bottom))
               for p in pages for ln in p.body}
    seen: Counter[str] = Counter()
    for p in pages:
        seen.update({_margin_key(ln.text) for ln in p.body if in_band[id(ln)]})
    min_repeat = 2 if len(pages) >= 2 else 10**9
    for p in pages:
        keep = []
        for ln in p.body:
            if in_band[id(ln)] and (seen[_margin_key(ln.text)] >= min_repeat or _PAGE_NUMBER.match(ln.text)):
                p.margin.append(ln)
            else:
                keep.append(ln)
        p.body = keep


def _starts_note(ln: Line, expected: set[int]) -> bool:
    t = ln.text.lstrip()
    if not t:
        return False
    if _circled_value(t[0]) or _STAR.match(t):
        return True
    first = ln.spans[0]
    if _SUP_NUM.match(first.text) and first.size < ln.size * 0.85 + 0.01 and len(ln.spans) > 1:
        return True
    m = _NOTE_NUM.match(t)
    return bool(m and int(m.group(1)) in expected)


def _split_notes(p: PageText, body_size: float, next_number: int) -> None:
    """Move the page's footnote block (under a short rule, or small type at the bottom) out of the body."""
    if not p.body:
        return
    expected = {1, next_number}
    lines = sorted(p.body, key=lambda ln: (ln.y0, ln.x0))
    cut = None
    for y, _x0, _x1 in sorted(p.rules):
        if y < p.height * 0.35:
            continue
        below = [ln for ln in lines if ln.y0 >= y - 1]
        if below and _starts_note(below[0], expected) and below[0].size < body_size + 0.01:
            cut = y - 1
            break
    if cut is None:  # no rule: the run of small lines at the bottom, from its first note start
        run: list[Line] = []
        for ln in reversed(lines):
            if ln.size <= body_size - 0.75:
                run.append(ln)
            else:
                break
        run.reverse()
        starts = [i for i, ln in enumerate(run) if _starts_note(ln, expected)]
        if starts:
            cut = run[starts[0]].y0 - 0.1
    if cut is not None:
        p.notes = [ln for ln in lines if ln.y0 >= cut]
        p.body = [ln for ln in lines if ln.y0 < cut]


def _order_columns(lines: list[Line]) -> list[Line]:
    """Reading order; two-column stretches are read left column first."""
    if not lines:
        return lines
    lines = sorted(lines, key=lambda ln: (round(ln.y0, 1), ln.x0))
    x_lo, x_hi = min(ln.x0 for ln in lines), max(ln.x1 for ln in lines)
    mid, slack = (x_lo + x_hi) / 2, (x_hi - x_lo) * 0.02
    left = [ln for ln in lines if ln.x1 <= mid + slack]
    right = [ln for ln in lines if ln.x0 >= mid - slack]
    side_by_side = sum(1 for a in left for b in right if a.y0 < b.y1 and b.y0 < a.y1)
    for ln in lines:
        ln.col = (x_lo, x_hi)
    if len(left) < 3 or len(right) < 3 or side_by_side < 2:
        return lines
    for group in (left, right):
        lo, hi = min(ln.x0 for ln in group), max(ln.x1 for ln in group)
        for ln in group:
            ln.col = (lo, hi)
    left_ids, right_ids = {id(x) for x in left}, {id(x) for x in right}
    out: list[Line] = []
    band_l: list[Line] = []
    band_r: list[Line] = []
    for ln in lines:
        if id(ln) in left_ids:
            band_l.append(ln)
        elif id(ln) in right_ids:
            band_r.append(ln)
        else:  # spans both columns: closes the band above it
            out += band_l + band_r + [ln]
            band_l, band_r = [], []
    return out + band_l + band_r


# ---------------------------------------------------------------------------------- text
def _render(ln: Line, note_numbers: set[int]) -> str:
    """The line's text with raised note calls as ^①."""
    out: list[str] = []
    for s in ln.spans:
        raised = s.size < ln.size * 0.85 and (s.sup or s.base < max(x.base for x in ln.spans) - 0.15 * ln.size)
        t = s.text.strip()
        if raised and t and all(_circled_value(c) for c in t):
            out.append("".join("^" + note_label(_circled_value(c) or 0) for c in t))
            continue
        m = _SUP_NUM.match(t) if raised else None
        if m and int(m.group(1)) in note_numbers:
            out.append("^" + note_label(int(m.group(1))))
            continue
        out.append(s.text)
    return "".join(out)


def _join(a: str, b: str) -> str:
    a, b = a.rstrip(), b.lstrip()
    if a.endswith("-") and len(a) > 1 and a[-2].isascii() and a[-2].isalpha() and b[:1].isascii() and b[:1].islower():
        return a[:-1] + b
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return a + b if _URL_TAIL.search(a) else a + " " + b  # a URL broken over lines has no space
    return a + b


def _ends_sentence(text: str) -> bool:
    t = re.sub(r"(\^[^\s]|[”’」』）)》】\]])+$", "", text.rstrip())
    return bool(t) and t[-1] in _END


def _paragraphs(lines: list[Line], body_size: float, note_numbers: set[int]) -> tuple[list[str], bool, bool]:
    """(paragraphs, first line continues the previous page, last paragraph runs on)."""
    gaps = [b.y0 - a.y1 for a, b in itertools.pairwise(lines) if a.col == b.col and 0 <= b.y0 - a.y1 < 3 * body_size]
    normal_gap = statistics.median(gaps) if gaps else body_size * 0.7
    paras: list[str] = []
    cur: str | None = None
    prev: Line | None = None
    first_continues = False
    recent: list[Line] = []  # the last lines of the same column and size: their edges are the margins
    history: list[Line] = []
    prev_raw = ""
    for ln in lines:
        text = _render(ln, note_numbers).strip()
        if not text:
            continue
        em = max(ln.size, 1.0)
        recent = [x for x in recent if x.col == ln.col and abs(x.size - ln.size) <= 0.6][-4:]
        left = min((x.x0 for x in recent), default=ln.col[0])
        indented = ln.x0 > left + 1.2 * em
        new = True
        if prev is not None and cur is not None:
            same_size = abs(ln.size - prev.size) <= 0.6
            mates = [x for x in history[-5:] if x.col == prev.col and abs(x.size - prev.size) <= 0.6]
            right = max([x.x1 for x in mates] + ([ln.x1] if ln.col == prev.col and same_size else []))
            room = right - prev.x1
            word = _LEAD_WORD.match(text)
            # Ragged right before a Latin word: the word did not fit, so the line was full.
            prev_full = room <= 1.5 * prev.size or bool(word and len(word.group()) * 0.5 * ln.size > room)
            gap = ln.y0 - prev.y1
            big_gap = ln.col == prev.col and gap > normal_gap + 0.8 * em
            title_like = same_size and ln.size >= body_size * 1.2 and not _ends_sentence(cur) and gap < em
            new = not title_like and (not same_size or indented or not prev_full or big_gap)
        elif prev is None and ln.x0 <= ln.col[0] + 1.2 * em and ln.size <= body_size + 0.01:
            first_continues = True
        if new:
            if cur is not None:
                paras.append(cur)
            cur = text
        else:
            spaced = bool(prev_raw) and (prev_raw[-1].isspace() or ln.text[:1].isspace())
            joined = _join(cur or "", text)
            cur = joined if not spaced or joined != (cur or "").rstrip() + text else (cur or "").rstrip() + " " + text
        prev_raw = ln.text
        prev = ln
        recent.append(ln)
        history.append(ln)
    if cur is not None:
        paras.append(cur)
    runs_on = prev is not None and prev.x1 >= prev.col[1] - 1.5 * prev.size and not _ends_sentence(paras[-1])
    return paras, first_continues, runs_on


def _note_lines(p: PageText, last_number: int, note_numbers_seen: list[int]) -> list[str]:
    """The page's notes as lines ``① text``; unnumbered lines continue the note above them.
    Numbers seen are appended to ``note_numbers_seen``; ``last_number`` is the previous page's last
    (notes numbered through the paper continue from it, page-wise ones restart at 1)."""
    notes: list[list[str]] = []
    expected = {1, last_number + 1}
    prev_raw = ""
    for ln in sorted(p.notes, key=lambda x: (x.y0, x.x0)):
        text = ln.text.strip()
        last_raw, prev_raw = prev_raw, ln.text
        head: str | None = None
        first = ln.spans[0].text.strip()
        c = _circled_value(text[0]) if text else None
        star = _STAR.match(text)
        m_sup = _SUP_NUM.match(first) if len(ln.spans) > 1 and ln.spans[0].size < ln.size * 0.85 + 0.01 else None
        m_num = _NOTE_NUM.match(text)
        if c:
            n, rest = c, text[1:]
        elif star:
            head, rest, n = "*", star.group(1), None
        elif m_sup:
            n, rest = int(m_sup.group(1)), "".join(s.text for s in ln.spans[1:])
        elif m_num and int(m_num.group(1)) in expected:
            n, rest = int(m_num.group(1)), m_num.group(2)
        else:
            n, rest = None, None
        if n is not None:
            note_numbers_seen.append(n)
            expected = {1, n + 1}
            notes.append([("^" if n > len(_CIRCLED) else "") + note_label(n), rest.strip()])
        elif head is not None:
            notes.append([head, (rest or "").strip()])
        elif notes:
            joined = _join(notes[-1][1], text)
            if last_raw[-1:].isspace() or ln.text[:1].isspace():
                joined = notes[-1][1].rstrip() + " " + text if joined == notes[-1][1].rstrip() + text else joined
            notes[-1][1] = joined
        else:  # text in the note area before any note: an unnumbered note (received date, bio)
            notes.append(["", text])
    return [(f"{h} {t}" if h else t).strip() for h, t in notes]


def pdf_to_text(data: bytes, cfg: dict[str, Any] | None = None) -> tuple[str, list[str]]:
    """The layout text of a PDF and warnings. Raises IngestError for a file that cannot be read.

    cfg (``ingest.pdf``): ``header_band`` (0.09) and ``footer_band`` (0.07) page-height shares where
    running lines are looked for; ``min_chars_per_page`` (20) below which a page has no text layer.
    """
    cfg = cfg or {}
    doc = _open(data)
    warnings: list[str] = []
    if doc.is_encrypted:
        warnings.append("PDF is encrypted without a user password: read")
    pages: list[PageText] = []
    empty: list[int] = []
    min_chars = int(cfg.get("min_chars_per_page", 20))
    try:
        for i, page in enumerate(doc):
            pt = PageText(_page_lines(page), height=float(page.rect.height), width=float(page.rect.width))
            pt.rules = _short_rules(page)
            if sum(len(ln.text.strip()) for ln in pt.body) < min_chars:
                empty.append(i + 1)
            pages.append(pt)
    except IngestError:
        raise
    except Exception as e:
        raise IngestError(f"broken PDF: page {len(pages) + 1} cannot be read ({e})") from e
    finally:
        doc.close()
    total = sum(len(ln.text) for p in pages for ln in p.body)
    if total < min_chars:
        raise IngestError("no text layer: run OCR first")
    bad = sum(ln.text.count("\ufffd") for p in pages for ln in p.body)
    if bad > total * 0.2:
        raise IngestError("no usable text layer (fonts without a Unicode mapping): run OCR first")
    if empty:
        warnings.append(f"pages without a text layer (scanned?): {empty[:20]}; their text is missing")

    _split_margins(pages, cfg)
    body_size = _body_size(pages)
    journal = next((ln.text.strip() for ln in sorted(pages[0].margin, key=lambda x: x.y0)
                    if _JOURNAL_LINE.match(ln.text)), None)
    seen_numbers: list[int] = []
    out: list[str] = [journal] if journal else []
    for p in pages:
        _split_notes(p, body_size, (seen_numbers[-1] + 1) if seen_numbers else 1)
        seen: list[int] = []
        notes = _note_lines(p, seen_numbers[-1] if seen_numbers else 0, seen)
        page_numbers = set(seen)
        seen_numbers += seen
        paras, _first_continues, _runs_on = _paragraphs(_order_columns(p.body), body_size, page_numbers)
        out += paras
        out += notes
    text = "\n\n".join(out) + "\n"
    return text, warnings


read_pdf = converted_reader(pdf_to_text, "pdf", "PDF")
register_reader(".pdf", read_pdf)
