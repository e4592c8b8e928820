"""Printed reference lists of bibliographic records (CSSCI's 【参考文献】) → :class:`Ref` records.

A list item that no parser can read is kept, raw, with the reason in ``Ref.unparsed``: the
report lists it next to the footnotes that gave nothing, and nothing a user exported is lost.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipeline.records import Ref

# style -> parser of one printed item (the text after its list number), given the alias table
PARSERS: dict[str, Callable[[str, dict[str, Any] | None], Ref]] = {}


def parse_reference_list(lines: list[str], style: str, aliases: dict[str, Any] | None = None) -> list[Ref]:
    """Each printed item → one Ref with ``source=style`` and ``list_n`` its printed number."""
    import re

    parse = PARSERS.get(style)
    out: list[Ref] = []
    for i, line in enumerate(lines, start=1):
        m = re.match(r"^\s*(\d{1,4})\s*[.、．]\s*(?=\S)", line)
        n = int(m.group(1)) if m else i
        text = line[m.end():] if m else line.strip()
        if parse is None:
            ref = Ref(raw=text, unparsed=f"no parser for reference style {style!r}")
        else:
            try:
                ref = parse(text, aliases)
            except Exception as e:  # one odd item must not lose the record's other references
                ref = Ref(raw=text, unparsed=f"parser error: {e.__class__.__name__}: {e}")
        ref.source, ref.list_n = style, n
        out.append(ref)
    return out


# The parsers register themselves on import; importing them here means every user of the list
# parser (build_paper, the tests, the bench) has them, whichever module it imported first.
from pipeline.refs import cssci  # noqa: E402,F401
