"""Page footnotes read from the layout: the note area, each note's label, the numbering scheme,
and the note calls in the body linked to their notes.

* The note area is the run of lines at the foot of a page set smaller than the body and below its
  last body line; a rule or a gap above it, or a note label on its first line, marks its top.
* A note starts with its label: circled (①), decimal (1, 1., a raised 1), bracketed ([1], （1）)
  or a symbol (*). A line without a label continues the note above it; at the top of a page's
  note area it continues the previous page's last note.
* A call in the body is a raised or smaller glyph with a label. Labels restart on every page or run
  through the paper: the notes themselves show which (a page whose first note is 1 after a page
  that ended at 4 restarts; a page that starts at 5 continues), and the link follows the scheme:
  the same label on the same page, or the same number anywhere. A call without its note is
  reported, never linked to a wrong one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..text.circled import circled_value
from .pdf_geometry import Line, Page, Span

_DEC_HEAD = re.compile(r"^\s*(\d{1,3})(?:[.．、]\s*|\s+|(?=[^\d\s年月日期卷号页版条章节.,，%:：/\-—–]))(.*)$")
_BRACKET_HEAD = re.compile(r"^\s*[\[［〔【]\s*(\d{1,3})\s*[\]］〕】]\s*(.*)$")
_PAREN_HEAD = re.compile(r"^\s*[(（]\s*(\d{1,3})\s*[)）]\s*(.*)$")
_SYMBOL_HEAD = re.compile(r"^\s*([*＊※†‡]+)\s*(.*)$")
_RAISED_LABEL = re.compile(r"^\s*[\[［(（〔]?\s*(\d{1,3})\s*[\]］)）〕]?\s*[.．]?\s*$")
_CALL_LIST = re.compile(r"[\[［(（〔]?\s*(\d{1,3})(?:\s*[\-–~]\s*(\d{1,3}))?\s*[\]］)）〕]?")
_SYMBOLS = set("*＊※†‡")
_UNREADABLE = set("\ufffd\uffff")  # glyphs a PDF gives no character for (TeX's circled numerals)
_UNITS = set("年月日期卷号页版条章节辑册次%％")  # "12 期。": a wrapped line of a note, not note 12
_ENUM_BEFORE = set("：:；;，,、（(")


@dataclass
class Note:
    page: int
    label: str  # as printed: ①, 1, [1], （1）, *
    value: int | None  # its number; None for a symbol
    style: str  # circled | decimal | bracket | paren | symbol | plain
    text: str
    n: int = 0  # running number over the paper, once numbered
    continued: bool = False  # its text runs on to the next page


@dataclass
class Call:
    page: int
    label: str
    value: int | None
    note: Note | None = None


@dataclass
class NoteResult:
    notes: list[Note] = field(default_factory=list)
    scheme: str = "none"  # per-page | straight | single-page | none
    warnings: list[str] = field(default_factory=list)


def raised(s: Span, line: Line) -> bool:
    """A glyph set smaller than its line and lifted off its baseline (or flagged superscript)."""
    return s.size < line.size * 0.9 and (s.sup or s.base < line.base - 0.12 * line.size)


def note_head(line: Line) -> tuple[str, int | None, str, str] | None:
    """(label, value, style, rest) when the line starts a note."""
    text = line.text.lstrip()
    if not text:
        return None
    if text[0] in _UNREADABLE:
        rest = text.lstrip("".join(_UNREADABLE))
        return "?", None, "glyph", rest.strip()
    c = circled_value(text[0])
    if c:
        return text[0], c, "circled", text[1:].strip()
    first = line.spans[0]
    m = _RAISED_LABEL.match(first.text)
    if m and len(line.spans) > 1 and (first.sup or first.size < line.size * 0.9):
        return first.text.strip(), int(m.group(1)), "decimal", "".join(s.text for s in line.spans[1:]).strip()
    m = _BRACKET_HEAD.match(text)
    if m:
        return text[: text.index(m.group(2))].strip() if m.group(2) else text.strip(), int(m.group(1)), "bracket", m.group(2)
    m = _PAREN_HEAD.match(text)
    if m:
        return text[: len(text) - len(m.group(2))].strip(), int(m.group(1)), "paren", m.group(2)
    m = _SYMBOL_HEAD.match(text)
    if m:
        return m.group(1), None, "symbol", m.group(2)
    m = _DEC_HEAD.match(text)
    if m and m.group(2).strip() and m.group(2).lstrip()[0] not in _UNITS:
        return m.group(1), int(m.group(1)), "decimal", m.group(2)
    return None


def split_note_area(page: Page, body_size: float, expect: set[int], prev_had_notes: bool) -> None:
    """Move the page's note areas from ``page.lines`` to ``page.notes`` (in reading order); the
    rest is body. A two-column page may keep notes under each column, or across the page's foot."""
    from .pdf_geometry import columns

    body, notes = _split_area(page, page.lines, body_size, expect, prev_had_notes)
    cols = columns(page.lines)
    if cols is None or any(id(ln) in {id(x) for x in cols[2]} for ln in notes):
        page.body, page.notes = body, notes  # one column, or notes across the page's whole foot
        return
    left, right, span = cols
    body, notes = list(span), []
    for group in (left, right):  # notes under each column
        b, n = _split_area(page, group, body_size, expect, prev_had_notes or bool(notes))
        body += b
        notes += n
    page.body, page.notes = body, notes


def _split_area(page: Page, group: list[Line], body_size: float, expect: set[int],
                prev_had_notes: bool) -> tuple[list[Line], list[Line]]:
    """(body, notes) of one column: the notes are the run of small lines at its foot."""
    lines = sorted(group, key=lambda ln: (ln.y0, ln.x0))
    small = body_size - max(0.4, 0.06 * body_size)
    run_start = len(lines)
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].size <= small:
            run_start = i
        else:
            break
    run = lines[run_start:]
    if not run:
        return lines, []
    above = lines[run_start - 1] if run_start > 0 else None
    starts = [i for i, ln in enumerate(run) if _starts(ln, expect)]
    x0, x1 = min(ln.x0 for ln in lines), max(ln.x1 for ln in lines)
    rules = [y for y, a, b in page.rules if a < x1 and b > x0]
    top = above.y1 if above is not None else run[0].y0 - 3 * body_size
    ruled = any(top - 1 <= y <= run[0].y0 + 1 for y in rules)
    separated = ruled or above is None or run[0].y0 - above.y1 > 0.9 * body_size
    if starts and starts[0] > 0:
        s = starts[0]
        # Small lines above the first label: the end of the previous page's last note when the
        # area's rule or gap sits above them, small body text (a quotation) when it sits below.
        below_gap = run[s].y0 - run[s - 1].y1 > 0.9 * body_size or any(run[s - 1].y1 - 1 <= y <= run[s].y0 + 1 for y in rules)
        carried = prev_had_notes and (ruled or (separated and not below_gap))
        cut = 0 if carried else s
    elif starts:
        cut = 0
    elif prev_had_notes and ruled:
        cut = 0  # a whole note area carried over from the previous page, under its rule
    else:
        return lines, []
    return lines[: run_start + cut], run[cut:]


def _starts(line: Line, expect: set[int]) -> bool:
    head = note_head(line)
    if head is None:
        return False
    _label, value, style, _rest = head
    return style in ("circled", "symbol", "glyph") or value in expect


def read_notes(pages: list[Page], body_size: float) -> list[Note]:
    """Split every page's note area and read its notes, in page order."""
    from .pdf_text import join_lines

    notes: list[Note] = []
    last_value, last_style = 0, ""
    for page in pages:
        # the paper's first note may not be 1 (an offprint, or a funding note that took the 1)
        expect = {1, last_value + 1, last_value + 2, last_value + 3} if last_value else {1, 2, 3}
        split_note_area(page, body_size, expect, bool(notes))
        edge = min((ln.x0 for ln in page.notes), default=0.0)
        current: Note | None = None
        page_first: Note | None = None
        for ln in page.notes:  # in reading order: a column's notes before the next column's
            head = note_head(ln)
            expect = {1, last_value + 1} if last_value else {1, 2, 3}
            if last_style == "glyph":  # after unreadable labels the count is unknown: ①…⑳ then 21
                expect |= set(range(1, len(notes) + 4))
            # a note lost by the typesetter (or unreadable) must not lose the ones after it: a
            # label up to three ahead counts when it keeps the labels' style at the area's edge
            if head is not None and last_value and head[2] == last_style and ln.x0 <= edge + ln.size:
                expect |= {last_value + 2, last_value + 3}
                # the page's first note carried the previous page's count (LibreOffice labels
                # the first note of a page 10 after a page of nine): the next ones restart low
                if current is not None and current.page == page.index and page_first == current:
                    expect |= {2, 3}
            # a restart at 1 keeps the labels' style: "1 期。" under paren-labelled notes is text
            restyled = head is not None and head[1] == 1 and last_value > 0 and head[2] != last_style \
                and {head[2], last_style} != {"circled", "decimal"}
            ok = head is not None and not restyled and (head[2] in ("circled", "glyph") or head[1] in expect
                                       # a symbol labels the notes before the numbered ones (funding, author)
                                       or (head[2] == "symbol" and not last_value
                                           and (current is None or current.style == "symbol")))
            if head is not None and ok:
                label, value, style, rest = head
                if style == "glyph":  # unreadable labels are numbered by their place on the page
                    value = 1 + sum(1 for n in notes if n.page == page.index and n.style == "glyph")
                current = Note(page.index, label, value, style, rest.strip())
                notes.append(current)
                if page_first is None:
                    page_first = current
                if value is not None:
                    last_value, last_style = value, style
            elif current is not None:
                current.text = join_lines(current.text, ln.text.strip())
            elif notes:  # the top of this page's notes continues the last note of an earlier page
                notes[-1].continued = True
                notes[-1].text = join_lines(notes[-1].text, ln.text.strip())
            else:  # text in a note area before any note: an unnumbered note (received date, bio)
                current = Note(page.index, "", None, "plain", ln.text.strip())
                notes.append(current)
    return notes


def decide_scheme(notes: list[Note]) -> str:
    """per-page or straight, from how each page's first number follows the previous page's last."""
    by_page: dict[int, list[int]] = {}
    for note in notes:
        if note.value is not None:
            by_page.setdefault(note.page, []).append(note.value)
    pages = sorted(by_page)
    if not pages:
        return "none"
    if len(pages) == 1:
        return "single-page"
    restarts = continues = 0
    for a, b in zip(pages, pages[1:]):
        first, last = by_page[b][0], by_page[a][-1]
        if first == last + 1:
            continues += 1
        elif first == 1:
            restarts += 1
    return "per-page" if restarts > continues else "straight"


def calls_in(line: Line, page_labels: set[int], known: set[int]) -> list[tuple[int, int, list[tuple[str, int | None]]]]:
    """Note calls in a body line: (span index, char offset in the span, [(label, value)]) where the
    span is a raised label, or a circled numeral in the running text that is not an enumeration."""
    out: list[tuple[int, int, list[tuple[str, int | None]]]] = []
    # a call is raised, or at least much smaller than its line (some typesetters do not lift it);
    # adjacent raised runs are one call (TeX sets （9） as three runs)
    ups = [raised(s, line) or s.size < line.size * 0.75 for s in line.spans]
    units: list[list[int]] = []
    for i, s in enumerate(line.spans):
        prev = units[-1][-1] if units else None
        if prev is not None and ups[i] and ups[prev] and s.x0 - line.spans[prev].x1 < 0.5 * line.size:
            units[-1].append(i)
        else:
            units.append([i])
    for unit in units:
        i = unit[0]
        s = line.spans[i]
        t = "".join(line.spans[j].text for j in unit).strip()
        if not t:
            continue
        up = ups[i]
        small = s.size < line.size * 0.9
        rest = [(j, -1, []) for j in unit[1:]]  # the unit's other runs: part of the same call
        if up and set(t) <= _UNREADABLE:  # a label whose glyph has no Unicode: numbered by its place
            out += [(i, -1, [("?", None)])] + rest
            continue
        if len(unit) > 1:
            m = re.fullmatch(r"[\[［(（〔]?\s*\d{1,3}(?:\s*[,，、\-–~]\s*\d{1,3})*\s*[\]］)）〕]?", t)
            if m and any(int(v) in known for v in re.findall(r"\d{1,3}", t)):
                out += [(i, -1, [(v, int(v)) for v in re.findall(r"\d{1,3}", t)])] + rest
            continue
        if (up or small) and all(circled_value(c) for c in t):
            out.append((i, -1, [(c, circled_value(c)) for c in t]))
            continue
        if up and set(t) <= _SYMBOLS:
            out.append((i, -1, [(t, None)]))
            continue
        if up and re.fullmatch(r"[\[［(（〔]?\s*\d{1,3}(?:\s*[,，、\-–~]\s*\d{1,3})*\s*[\]］)）〕]?", t):
            labels: list[tuple[str, int | None]] = []
            for m in _CALL_LIST.finditer(t):
                lo = int(m.group(1))
                hi = int(m.group(2)) if m.group(2) else lo
                if hi - lo > 20 or hi < lo:
                    hi = lo
                labels += [(str(v), v) for v in range(lo, hi + 1)]
            if any(v in known for _l, v in labels):
                out.append((i, -1, labels))
            continue
        if not up:  # circled calls printed at body size, inside the running text
            for k, ch in enumerate(s.text):
                v = circled_value(ch)
                if not v or v not in page_labels:
                    continue
                before = "".join(x.text for x in line.spans[:i]) + s.text[:k]
                prev = before.rstrip()
                if prev and prev[-1] not in _ENUM_BEFORE and circled_value(prev[-1]) is None:
                    out.append((i, k, [(ch, v)]))
    return out


def link_calls(calls: list[Call], notes: list[Note], scheme: str) -> list[str]:
    """Point each call at its note; returns warnings for calls left unlinked."""
    numbered = [n for n in notes if n.value is not None]
    by_page: dict[tuple[int, int], Note] = {}
    by_value: dict[int, list[Note]] = {}
    for note in numbered:
        by_page.setdefault((note.page, note.value or 0), note)
        by_value.setdefault(note.value or 0, []).append(note)
    lost: list[str] = []
    last: tuple[int, int] = (-1, 0)  # (page, label) of the previous call
    for call in calls:
        if call.value is None:
            continue
        if scheme == "per-page":
            # labels grow along a page: one that starts again at the page's end calls a note
            # the typesetter set on the next page
            again = last[0] == call.page and call.value <= last[1]
            last = (call.page, call.value)
            call.note = (again and by_page.get((call.page + 1, call.value))) or by_page.get((call.page, call.value))
        else:
            cands = by_value.get(call.value, [])
            # the same number twice (a numbering that restarts somewhere): the nearest at or after the call
            cands = sorted(cands, key=lambda n: (n.page < call.page, abs(n.page - call.page)))
            call.note = cands[0] if cands else None
            if call.note is not None and scheme == "single-page" and call.note.page != call.page:
                call.note = None
    if scheme == "per-page":
        _pair_by_order(calls, numbered)
    for call in calls:
        if call.value is not None and call.note is None:
            lost.append(f"{call.label} (page {call.page + 1})")
    warnings = []
    if lost:
        warnings.append(f"{len(lost)} note calls have no note on their page and were left unlinked: "
                        + ", ".join(lost[:10]))
    return warnings


def _pair_by_order(calls: list[Call], notes: list[Note]) -> None:
    """Per page, the calls left without a note and the notes no call reached, when there are as
    many of each, are paired in reading order: the label was misprinted (LibreOffice prints the
    first note of a page with the previous page's count), the order on the page was not."""
    taken = {id(c.note) for c in calls if c.note is not None}
    free_notes: dict[int, list[Note]] = {}
    for note in notes:
        if id(note) not in taken:
            free_notes.setdefault(note.page, []).append(note)
    free_calls: dict[int, list[Call]] = {}
    for call in calls:
        if call.value is not None and call.note is None:
            free_calls.setdefault(call.page, []).append(call)
    for page, cs in free_calls.items():
        ns = free_notes.get(page, [])
        if len(ns) == len(cs):
            for c, n in zip(cs, ns):
                c.note = n
