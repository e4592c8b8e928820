"""CSL-JSON for Zotero (File → Import…) and citation processors: a JSON array of CSL items
(``zotero_items.items``), with the references in ``note`` and tags in ``keyword``;
``"source": "litmap"`` and ids ``litmap:<work_id>`` mark the file as litmap's."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .records import CitedRef, Work
from .text import _split_latin, is_cjk, one_line
from .zotero_items import Item, items

CSL_TYPE = {"journal": "article-journal", "book": "book", "classic": "book", "chapter": "chapter",
            "newspaper": "article-newspaper", "web": "webpage", "report": "report", "thesis": "thesis"}
SOURCE = "litmap"
ID_PREFIX = "litmap:"


def name(n: str) -> dict[str, str]:
    """Chinese names whole (``literal``: family and given names are not split by guess); Latin
    names as family and given."""
    n = one_line(n)
    if is_cjk(n) or not n:
        return {"literal": n}
    family, given = _split_latin(n)
    return {"family": family, "given": " ".join(given)} if given else {"literal": n}


def item(it: Item) -> dict[str, Any]:
    d: dict[str, Any] = {"id": ID_PREFIX + it.id, "type": CSL_TYPE.get(it.type, "document"), "source": SOURCE}
    fields = {"title": it.title, "container-title": it.container, "publisher": it.publisher, "volume": it.volume,
              "issue": it.issue, "page": it.pages, "DOI": it.doi, "abstract": it.abstract,
              "keyword": ", ".join(it.keywords), "note": it.note}
    d.update({k: (v if k == "note" else one_line(v)) for k, v in fields.items() if one_line(v)})
    if it.authors:
        d["author"] = [name(a) for a in it.authors]
    if it.year is not None:
        d["issued"] = {"date-parts": [[int(it.year)]]}
    return d


def render(works: list[Work], refs: list[CitedRef]) -> str:
    return json.dumps([item(it) for it in items(works, refs)], ensure_ascii=False, indent=1)


def write(works: list[Work], refs: list[CitedRef], path: Path) -> None:
    path.write_text(render(works, refs) + "\n", encoding="utf-8")


def is_ours(text: str) -> bool:
    try:
        data = json.loads(text)
    except ValueError:
        return False
    return isinstance(data, list) and all(
        isinstance(x, dict) and x.get("source") == SOURCE and str(x.get("id", "")).startswith(ID_PREFIX) for x in data)
