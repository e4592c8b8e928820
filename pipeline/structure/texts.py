"""The texts of a parsed paper in the order the per-document features cut them into tokens:
title, abstract and body sentences (``sentence_texts``), then keywords, headings and footnotes
(``other_texts``). The terms stage finds a candidate's example sentence by its index in this
order, so the map (``runner/features.py``) and the reduce must read the same lists."""
from __future__ import annotations

from typing import Any


def sentence_texts(paper: dict[str, Any]) -> list[str]:
    """Title, abstract and body sentences in reading order: the order of the token lists."""
    m = paper["meta"]
    return [m.get("title") or "", m.get("abstract") or "",
            *[s["text"] for sec in paper["sections"] for para in sec.get("sentences", []) for s in para]]


def other_texts(paper: dict[str, Any]) -> list[str]:
    """Text outside title, abstract and body sentences where a term may still be used."""
    m = paper["meta"]
    return [*(m.get("keywords") or []), *(s.get("heading") or "" for s in paper["sections"]),
            *(f.get("text") or "" for f in paper["footnotes"])]
