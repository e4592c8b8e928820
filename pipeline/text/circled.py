"""Circled numerals, the labels Chinese papers give their footnotes, mapped to their numbers.

One table for every reader: the text path (``structure.footnotes``) and the PDF layout reader.
"""
from __future__ import annotations

# Circled numerals of every Unicode block a typesetter uses: ①-⑳ ㉑-㉟ ㊱-㊿, and the negative and
# sans-serif and double-circled ones some fonts set for 1-10.
CIRCLED_VALUE: dict[str, int] = {}
for _start, _end, _first in ((0x2460, 0x2474, 1), (0x3251, 0x3260, 21), (0x32B1, 0x32C0, 36),
                             (0x2776, 0x2780, 1), (0x2780, 0x278A, 1), (0x24F5, 0x24FF, 1)):
    for _i, _c in enumerate(range(_start, _end)):
        CIRCLED_VALUE[chr(_c)] = _first + _i


def circled_value(ch: str) -> int | None:
    """The number a circled numeral stands for, or None.

    >>> circled_value("③"), circled_value("㉑"), circled_value("3")
    (3, 21, None)
    """
    return CIRCLED_VALUE.get(ch)
