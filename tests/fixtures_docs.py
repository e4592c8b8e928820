"""Build journal-like PDFs and .docx files at test time from the founding paper's real text.

Nothing binary is committed: the seed text is read back into a logical document (header, body
paragraphs with note calls, footnotes in running order) and typeset again, so every test file
holds real sentences, real footnotes and page breaks that fall inside sentences.

The PDF layout imitates a Chinese journal: 10.5pt body with a two-character first-line indent,
9pt footnotes at the bottom of the page under a short rule, per-page circled note numbers printed
as raised small markers, a running header (journal, issue, page number) and a page number in the
footer, and optionally one page set in two columns.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED = SHARED / "corpora" / "seed" / "000_085182e16f623625.txt"

CIRCLED = "".join(chr(c) for c in range(0x2460, 0x2474))
_NOTE = re.compile(rf"^\^?([{CIRCLED}])\s*(.*)$")
_MARK = re.compile(rf"\^?([{CIRCLED}])")
_HEAD = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(]\s*[一二三四五六七八九十]+\s*[)）])")
_ENDS = set("。！？!?…")


@dataclass
class Para:
    kind: str  # title | authors | abstract | keywords | heading | body
    parts: list[str | int] = field(default_factory=list)  # text pieces and note ids (0-based)

    def text(self) -> str:
        return "".join(p for p in self.parts if isinstance(p, str))


@dataclass
class LogicalDoc:
    paras: list[Para]
    notes: list[str]  # footnote texts in running order, without markers
    funding: str | None


def _lower(ch: str) -> bool:
    return bool(ch) and ch.isascii() and ch.islower()


def _latin(ch: str) -> bool:
    return bool(ch) and ch.isascii() and ch.isalnum()


def _ends(text: str) -> bool:
    t = text.rstrip().rstrip("”’）)》】]")
    return bool(t) and t[-1] in _ENDS


def seed_document(path: Path = SEED) -> LogicalDoc:
    """The seed's layout read back: markers resolved to running note ids, cut lines re-joined."""
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    head, rest = lines[:4], lines[4:]
    paras = [Para("title", [head[0]]), Para("authors", [head[1]]), Para("abstract", [head[2]]),
             Para("keywords", [head[3]])]
    blocks: list[list[int]] = []  # per footnote block: note ids by local number - 1
    notes: list[str] = []
    funding = None
    pending: list[tuple[Para, int, int]] = []  # (para, index in parts, block index) for markers
    prev_note = False
    last_local = 0
    open_para: Para | None = None
    crossed = False
    for line in rest:
        m = _NOTE.match(line)
        if line.startswith("*"):
            funding = line.lstrip("* ").strip()
            if not prev_note:
                blocks.append([])
            prev_note, crossed = True, True
            continue
        if m:
            local = CIRCLED.index(m.group(1)) + 1
            if not prev_note or local <= last_local:  # a new page's block starts
                blocks.append([])
            blocks[-1].append(len(notes))
            notes.append(m.group(2).strip())
            last_local, prev_note, crossed = local, True, True
            continue
        prev_note = False
        last_local = 0
        block = len(blocks)  # markers on this line point into the next block to come
        if open_para is not None and crossed and not _ends(open_para.text()):
            para = open_para
        else:
            kind = "heading" if _HEAD.match(line) and len(line) < 60 and not _ends(line) else "body"
            para = Para(kind)
            paras.append(para)
        crossed = False
        pos = 0
        for mk in _MARK.finditer(line):
            para.parts.append(line[pos:mk.start()])
            pending.append((para, len(para.parts), block))
            para.parts.append(CIRCLED.index(mk.group(1)))  # local number - 1, resolved below
            pos = mk.end()
        para.parts.append(line[pos:])
        open_para = para
    for para, i, block in pending:
        para.parts[i] = blocks[block][para.parts[i]]
    return LogicalDoc(paras, notes, funding)


# --------------------------------------------------------------------------------- PDF
@dataclass
class PdfStyle:
    body: float = 10.5
    note: float = 9.0
    leading: float = 18.0
    note_leading: float = 13.5
    width: float = 595.0
    height: float = 842.0
    left: float = 72.0
    right: float = 72.0
    top: float = 80.0
    bottom: float = 780.0
    journal: str = "马克思主义与现实"
    issue_line: str = "2025年第3期"
    two_column_page: int | None = 3  # 1-based page set in two columns, None for none
    marker_style: str = "circled"  # circled | digits (CNKI: superscript 1 2 3, "1" before notes)
    max_pages: int | None = None  # stop after this many pages (a shorter test file)
    rule: bool = True  # draw the short rule above the footnotes


def _wrap(text_parts: list[tuple[str, int | None]], width: float, size: float, indent: float):
    """Greedy line filling: every character is one em wide in the built-in CJK font; a raised
    marker takes 0.6 em. Returns lines as lists of (char or '', note id or None)."""
    lines: list[list[tuple[str, int | None]]] = []
    cur: list[tuple[str, int | None]] = []
    x = indent
    for ch, note in text_parts:
        w = size if note is None else 0.6 * size
        if x + w > width + 0.01 and cur and note is None:
            j = len(cur)
            if len(cur) > 2 and _lower(cur[-2][0]) and _lower(cur[-1][0]) and _lower(ch):  # hyphenate
                lines.append(cur[:-1] + [("-", None)])
                cur = cur[-1:]
            else:  # other Latin runs (numbers, codes) move whole to the next line
                while j > 0 and _latin(cur[j - 1][0]) and _latin(ch):
                    j -= 1
                if j == 0:
                    j = len(cur)
                lines.append(cur[:j])
                cur = cur[j:]
            x = sum(size if n is None else 0.6 * size for _, n in cur)
        cur.append((ch, note))
        x += w
    if cur:
        lines.append(cur)
    return lines


def _flatten(para: Para) -> list[tuple[str, int | None]]:
    out: list[tuple[str, int | None]] = []
    for p in para.parts:
        if isinstance(p, int):
            out.append(("", p))
        else:
            out.extend((c, None) for c in p)
    return out


def build_pdf(doc: LogicalDoc | None = None, style: PdfStyle | None = None) -> bytes:
    import pymupdf

    doc = doc or seed_document()
    st = style or PdfStyle()
    pdf = pymupdf.open()
    full_w = st.width - st.left - st.right
    gutter = 18.0
    state = {"page": None, "y": 0.0, "col": 0, "ncols": 1, "notes": [], "pageno": 0}

    def note_lines(nid: int, local: int) -> list[str]:
        label = _label(local, st)
        parts = [(c, None) for c in label + " " + doc.notes[nid]]
        return ["".join(c for c, _ in ln) for ln in _wrap(parts, full_w, st.note, 0.0)]

    def funding_lines() -> list[str]:
        if not doc.funding or state["pageno"] != 1:
            return []
        parts = [(c, None) for c in "* " + doc.funding]
        return ["".join(c for c, _ in ln) for ln in _wrap(parts, full_w, st.note, 0.0)]

    def notes_height(notes: list[int]) -> float:
        fund = funding_lines()
        if not notes and not fund:
            return 0.0
        return 16.0 + st.note_leading * (len(fund) + sum(len(note_lines(n, i + 1)) for i, n in enumerate(notes)))

    def finish_page() -> None:
        page = state["page"]
        if page is None:
            return
        notes = state["notes"]
        if notes or funding_lines():
            y = st.bottom - notes_height(notes) + 16.0
            if st.rule:
                page.draw_line((st.left, y - 10), (st.left + 150, y - 10), width=0.5)
            block = funding_lines() + [ln for i, nid in enumerate(notes) for ln in note_lines(nid, i + 1)]
            for ln in block:
                page.insert_text((st.left, y + st.note), ln, fontname="china-s", fontsize=st.note)
                y += st.note_leading

    def new_page() -> None:
        finish_page()
        page = pdf.new_page(width=st.width, height=st.height)
        state["pageno"] += 1
        n = state["pageno"]
        head = f"{st.journal}　{st.issue_line}"
        if n % 2:
            page.insert_text((st.left, 50), head, fontname="china-s", fontsize=9)
            page.insert_text((st.width - st.right - 20, 50), str(n + 40), fontname="china-s", fontsize=9)
        else:
            page.insert_text((st.left, 50), str(n + 40), fontname="china-s", fontsize=9)
            page.insert_text((st.width - st.right - 9 * len(head), 50), head, fontname="china-s", fontsize=9)
        page.draw_line((st.left, 56), (st.width - st.right, 56), width=0.5)
        page.insert_text((st.width / 2 - 15, 815), f"· {n + 40} ·", fontname="china-s", fontsize=9)
        state.update(page=page, y=st.top, col=0, notes=[], col0_end=0.0,
                     ncols=2 if st.two_column_page == n else 1)

    def col_geom() -> tuple[float, float]:
        if state["ncols"] == 1:
            return st.left, full_w
        w = (full_w - gutter) / 2
        return st.left + state["col"] * (w + gutter), w

    def fill(parts: list[tuple[str, int | None]], pos: int, width: float, size: float, indent: float) -> int:
        """Index after the last item that fits on a line of ``width`` starting at ``parts[pos]``."""
        x, i = indent, pos
        while i < len(parts):
            nid = parts[i][1]
            w = size if nid is None else 0.6 * size
            if nid is None and x + w > width + 0.01 and i > pos:
                if i - 2 > pos and all(_lower(parts[k][0]) for k in (i - 2, i - 1, i)):
                    return -(i - 1)  # hyphenate: the caller adds "-" and the last letter moves on
                j = i  # other Latin runs (numbers, codes) move whole to the next line
                while j > pos and _latin(parts[j - 1][0]) and _latin(parts[j][0]):
                    j -= 1
                return j if j > pos else i
            x += w
            i += 1
        return i

    def fits(line: list[tuple[str, int | None]], lead: float) -> bool:
        if state["page"] is None:
            return False
        ids = [n for _, n in line if n is not None]
        low = max(state["y"] + lead, state.get("col0_end", 0.0) if state["col"] == 1 else 0.0)
        return low <= st.bottom - notes_height(state["notes"] + ids)

    def advance() -> None:
        if state["page"] is not None and state["ncols"] == 2 and state["col"] == 0:
            state["col0_end"], state["col"], state["y"] = state["y"], 1, st.top
        else:
            new_page()

    def draw(line: list[tuple[str, int | None]], size: float, x: float) -> None:
        page = state["page"]
        y = state["y"] + size
        run, run_x = "", x
        for ch, nid in line:
            if nid is None:
                run += ch
                continue
            if run:
                page.insert_text((run_x, y), run, fontname="china-s", fontsize=size)
                run_x += size * len(run)
                run = ""
            state["notes"].append(nid)
            label = _label(len(state["notes"]), st)
            page.insert_text((run_x, y - size * 0.4), label, fontname="china-s", fontsize=size * 0.6)
            run_x += size * 0.6
        if run:
            page.insert_text((run_x, y), run, fontname="china-s", fontsize=size)

    def set_para(para: Para, size: float, centered: bool, inner: float) -> None:
        parts = _flatten(para)
        lead = max(st.leading, size * 1.6)
        pos, first = 0, True
        while pos < len(parts):
            for _attempt in range(3):
                left, cw = col_geom()
                indent = 0.0 if centered or not first else 2 * size
                width = cw - 2 * inner
                end = fill(parts, pos, width, size, indent)
                line = parts[pos:abs(end)] + ([("-", None)] if end < 0 else [])
                end = abs(end)
                if fits(line, lead):
                    break
                advance()
            text_w = sum(size if n is None else 0.6 * size for _, n in line)
            x = left + (cw - text_w) / 2 if centered else left + inner + indent
            draw(line, size, x)
            state["y"] += lead
            pos, first = end, False

    new_page()
    sizes = {"title": 16.0, "authors": 12.0, "abstract": 9.0, "keywords": 9.0, "heading": 10.5}
    pages_done = False
    for para in doc.paras:
        if st.max_pages and state["pageno"] > st.max_pages:
            pages_done = True
            break
        size = sizes.get(para.kind, st.body)
        centered = para.kind in ("title", "authors") or (para.kind == "heading" and para.text()[:1] != "（")
        inner = 2 * size if para.kind in ("abstract", "keywords") else 0.0
        set_para(para, size, centered, inner)
        if para.kind in ("title", "keywords"):
            state["y"] += 8
    if not pages_done:
        finish_page()
    if st.max_pages:
        while len(pdf) > st.max_pages:
            pdf.delete_page(-1)
    return pdf.tobytes(garbage=3, deflate=True)


def _label(local: int, st: PdfStyle) -> str:
    return str(local) if st.marker_style == "digits" else CIRCLED[local - 1]


def image_only_pdf() -> bytes:
    """A scan: one page holding only a picture (of text-like stripes), no text layer."""
    import pymupdf

    pix = pymupdf.Pixmap(pymupdf.csGRAY, pymupdf.IRect(0, 0, 200, 100), False)
    pix.set_rect(pix.irect, (255,))
    for y in range(10, 90, 12):
        pix.set_rect(pymupdf.IRect(10, y, 190, y + 5), (0,))
    pdf = pymupdf.open()
    page = pdf.new_page(width=595, height=842)
    page.insert_image(pymupdf.Rect(72, 72, 523, 300), pixmap=pix)
    return pdf.tobytes()


def encrypted_pdf(text: str = "数字资本是数字化生产的历史产物。") -> bytes:
    import pymupdf

    pdf = pymupdf.open()
    pdf.new_page().insert_text((72, 72), text, fontname="china-s", fontsize=10.5)
    return pdf.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="reader", owner_pw="owner")


# --------------------------------------------------------------------------------- DOCX
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def build_docx(doc: LogicalDoc | None = None, max_notes: int | None = None) -> bytes:
    """A .docx with Word heading styles, real footnotes (footnotes.xml) and reference runs.

    python-docx writes the body; note calls are placed as ``{{FN:id}}`` text runs and then
    replaced in document.xml by ``w:footnoteReference`` runs, and footnotes.xml is added with its
    relationship and content type, as Word would write them.
    """
    import docx

    doc = doc or seed_document()
    d = docx.Document()
    used: list[int] = []
    for para in doc.paras:
        if para.kind == "title":
            d.add_heading(para.text().rstrip("*"), level=0)
            continue
        if para.kind == "heading":
            lvl = 1 if para.text()[:1] != "（" and para.text()[:1] != "(" else 2
            d.add_heading(para.text(), level=lvl)
            continue
        p = d.add_paragraph()
        for part in para.parts:
            if isinstance(part, int):
                if max_notes is not None and part >= max_notes:
                    continue
                used.append(part)
                p.add_run(f"{{{{FN:{part + 1}}}}}")
            elif part:
                p.add_run(part)
    buf = io.BytesIO()
    d.save(buf)
    return _add_footnotes(buf.getvalue(), {n + 1: doc.notes[n] for n in sorted(set(used))})


def _add_footnotes(data: bytes, notes: dict[int, str]) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "word/document.xml":
                body = re.sub(
                    rb"<w:r>(?:<w:rPr>.*?</w:rPr>)?<w:t(?: [^>]*)?>\{\{FN:(\d+)\}\}</w:t></w:r>",
                    lambda m: (b'<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/>'
                               b'<w:vertAlign w:val="superscript"/></w:rPr><w:footnoteReference w:id="'
                               + m.group(1) + b'"/></w:r>'), body)
            elif item.filename == "word/_rels/document.xml.rels":
                body = body.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdFn1" Type="http://schemas.openxmlformats.org/officeDocument/'
                    b'2006/relationships/footnotes" Target="footnotes.xml"/></Relationships>')
            elif item.filename == "[Content_Types].xml":
                body = body.replace(
                    b"</Types>",
                    b'<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-'
                    b'officedocument.wordprocessingml.footnotes+xml"/></Types>')
            dst.writestr(item, body)
        dst.writestr("word/footnotes.xml", _footnotes_xml(notes))
    return out.getvalue()


def _footnotes_xml(notes: dict[int, str]) -> bytes:
    from xml.sax.saxutils import escape

    parts = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:footnotes xmlns:w="{_W}">',
             '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>',
             ('<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
              '</w:r></w:p></w:footnote>')]
    for nid, text in notes.items():
        # Word splits a note into several runs; do the same so the reader must join them.
        half = len(text) // 2
        parts.append(
            f'<w:footnote w:id="{nid}"><w:p><w:pPr><w:pStyle w:val="FootnoteText"/></w:pPr>'
            '<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteRef/></w:r>'
            f'<w:r><w:t xml:space="preserve"> {escape(text[:half])}</w:t></w:r>'
            f'<w:r><w:t>{escape(text[half:])}</w:t></w:r></w:p></w:footnote>')
    parts.append("</w:footnotes>")
    return "".join(parts).encode("utf-8")
