"""Pages kept from the previous report when what they are made of has not changed.

A run whose report is not reused whole (``runner/run.py`` ``_reuse_report``: a paper added,
``--update``) used to render every author page again, though adding one paper changes a few of
them. Each kind of page that is kept has a *key*: a hash of everything its page is made of (the
data the page shows, the labels and links of what it points to, the code that renders it). The
keys go into ``run.json`` (``<kind>_pages``: {path: key}); the next report keeps a page whose
key it computes again from the previous report's folder instead of rendering it (the writer
links the file into the new report: ``writer.FileWriter``), so the report folder is still built
whole and swapped in (``outdir.py``). A kept page is byte for byte the page a full render gives,
but for its footer, which says when the page was written (``tests/test_report_reuse.py``).

Keys are cheap: JSON of the page's inputs, hashed, costs a fraction of rendering the page.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..context import ReportContext
from ..digests import canonical_json
from .section import previous_run_info

HERE = Path(__file__).parent
# The code every page goes through: the page frame and its template, the navigation, the links
# and the labels. A page kind adds its own module.
FRAME = ("html.py", "links.py", "labels.py", "section.py", "sections.py", "templates/page.html", "reuse.py")


def code_hash(*modules: str) -> str:
    """The litmap version and the source of the page frame and of ``modules`` (relative to
    ``report/``): a change of the code that renders a page renders it again."""
    from .. import __version__

    h = hashlib.sha1(__version__.encode())
    for f in (*FRAME, *modules):
        try:
            h.update((HERE / f).read_bytes())
        except OSError:
            h.update(f.encode())
    return h.hexdigest()


def digest(parts: Any) -> str:
    """The key of a page's inputs: JSON (sorted keys; sets as their sorted members, other values
    by ``str``: ``digests.plain``) hashed."""
    return hashlib.sha1(canonical_json(parts)).hexdigest()


def section_key(page: Any, section: Any) -> str:
    """A key of two parts, ``page.section``: the digest of all a page's inputs but one section's,
    then a short digest of that section's. A page whose first part is unchanged is the previous
    page with that section made again (:meth:`Reuse.previous`, :func:`replace_section`)."""
    return digest(page) + "." + digest(section)[:16]


def same_page(old: str, key: str) -> bool:
    """Whether two :func:`section_key` keys differ at most in their section's part."""
    return "." in key and old.rsplit(".", 1)[0] == key.rsplit(".", 1)[0]


def replace_section(page: str, key: str, title_zh: str, title_en: str, html: str) -> str | None:
    """``page`` (a page of the report as written) with the body of its one section ``key`` made
    ``html``: a kept page whose only changed part is that section (a topic's new label, an
    author's topic weights after the online topic update). None when the page does not have
    exactly one such section. The opening is how templates/page.html writes a section's head;
    texts on a page are escaped, so no text can hold it."""
    opening = f'<section id="{key}">\n<h2>{title_zh} <span class="en">{title_en}</span></h2>\n'
    i = page.find(opening)
    if i < 0 or page.find(opening, i + 1) >= 0:
        return None
    i += len(opening)
    j = page.find("\n</section>", i)
    return None if j < 0 else page[:i] + str(html) + page[j:]


class Reuse:
    """The pages of one kind (``author``, ``concept``, …): which the previous report holds
    under the same key (:meth:`kept`), and the keys of this report (``run_info``)."""

    def __init__(self, ctx: ReportContext, kind: str, run_info: dict[str, Any] | None) -> None:
        self.out = Path(getattr(ctx, "out", "") or ".")
        info = previous_run_info(self.out)
        self.name = f"{kind}_pages"
        before = info.get(self.name)
        # Only a report of the same store: another store's pages were made from other papers
        # whatever their keys say (a key names a file key, not the file's text).
        store = getattr(getattr(ctx, "store", None), "path", None)
        if store is None or info.get("store") != str(Path(store).resolve()):
            before = None
        self.before: dict[str, str] = before if isinstance(before, dict) else {}
        self.keys: dict[str, str] = {}
        if run_info is not None:
            run_info[self.name] = self.keys
        self.n_kept = 0

    def kept(self, path: str, key: str) -> Path | None:
        """The previous report's page at ``path`` if it was written under ``key``; the key is
        this report's either way."""
        self.keys[path] = key
        if self.before.get(path) == key:
            f = self.out / path
            if f.is_file():
                self.n_kept += 1
                return f
        return None

    def previous(self, path: str, key: str) -> Path | None:
        """The previous report's page at ``path`` if its :func:`section_key` and ``key`` share
        their first part (the caller makes the section again: :func:`replace_section`)."""
        old = self.before.get(path)
        if old is not None and same_page(old, key):
            f = self.out / path
            if f.is_file():
                return f
        return None

    def forget(self, path: str) -> None:
        """A page that must never be kept (made without its data)."""
        self.keys.pop(path, None)

    def page(self, path: str, key: str, render: Callable[[], str]) -> tuple[str, str | Path]:
        """(path, the kept file or the page rendered now)."""
        f = self.kept(path, key)
        return path, (f if f is not None else render())
