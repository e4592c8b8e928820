"""RawDoc → Paper: header metadata, body structure, footnote references, overrides.

This module only assembles: each part (header, body, references) is parsed by its own module.
Front matter and sidecar metadata always win over what the text says.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any

from ..records import Meta, Paper, RawDoc
from .body import parse_body
from .header import parse_bio, parse_editor, parse_header

_YEAR_IN_TEXT = re.compile(r"((?:19|20)\d\d)\s*年")


def _infer_year(paper: Paper) -> int | None:
    """The latest year a paper cites: it was written no earlier (shown as inferred)."""
    this_year = date.today().year
    years = [r.year for f in paper.footnotes for r in f.refs if r.year and r.year <= this_year]
    for f in paper.footnotes:  # data cited in notes ("2025年8月数据") counts too
        years += [int(y) for y in _YEAR_IN_TEXT.findall(f.text) if int(y) <= this_year]
    return max(years) if years else None


def build_paper(raw: RawDoc, aliases: dict[str, Any] | None = None, cfg: dict[str, Any] | None = None) -> Paper:
    """cfg is the ``structure`` section of the config."""
    from ..refs import parse_footnotes
    from ..refs.names import canonical_authors, default_aliases

    lines = raw.text.split("\n")
    cfg = cfg or {}
    header = parse_header(lines, cfg.get("header"))
    body = parse_body(lines, header.body_start, cfg.get("body"), raw.layout)
    meta = Meta(
        title=header.title, authors=list(header.authors), affiliations=dict(header.affiliations or {}),
        journal=header.journal, year=header.year, issue=header.issue, abstract=header.abstract,
        keywords=list(header.keywords), funding=body.funding,
    )
    if body.bio_line:
        meta.affiliations.update(parse_bio(body.bio_line) or {})
    if body.editor_line:
        meta.editor = parse_editor(body.editor_line)
    for key, value in raw.overrides.items():
        setattr(meta, key, value)
    meta.authors_canonical = canonical_authors(meta.authors, meta.title, aliases or default_aliases())
    paper = Paper(raw.doc_id, raw.source, raw.encoding, raw.script,
                  list(raw.warnings) + list(header.warnings) + list(body.warnings), meta,
                  body.sections, body.footnotes, body.citations, raw.kind)
    if paper.footnotes:
        for fn, refs in zip(paper.footnotes, parse_footnotes([f.text for f in paper.footnotes], aliases)):
            fn.refs = refs
    if raw.reference_lines:
        from ..refs.lists import parse_reference_list

        paper.references = parse_reference_list(raw.reference_lines, raw.reference_style or "", aliases)
    if meta.year is None:
        meta.year_inferred = _infer_year(paper)
    return paper
