"""Segmentation that keeps registry concepts whole.

Per line: :func:`fast_normalize` (t2s, dashes, quotes, widths, zero-width) → Aho-Corasick over the
registry's surfaces → the gaps between matches go to the backend (jieba or jieba-rs, each with its
own dictionary holding ``configs/userdict.txt`` and the registry). A registry occurrence therefore
comes out as ONE token equal to the registry's normalized surface whatever the dash, quote, script
or zero-width variant printed; jieba never sees it, so it cannot split it.

Tokens are those of the NORMALIZED text (simplified characters, ``—`` for dash runs, ASCII for
full-width forms): topic models, co-occurrence and concept counts want one spelling per word.
Whitespace tokens are dropped. :meth:`Segmenter.cut_spans` maps tokens back to offsets in the
original text when the printed form is needed (KWIC, spaCy, evaluation).

Example::

    >>> seg = Segmenter({"backend": "rjieba"})
    >>> seg.cut("“中心－散点”結構")
    ['“', '中心—散点', '”', '结构']
"""
from __future__ import annotations

import json
import multiprocessing as mp
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from pipeline.text.backends import make_backend
from pipeline.text.protect import Protector, fast_normalize, normalize_map
from pipeline.settings.files import packaged_configs
from pipeline.settings.fill import filled
from pipeline.text.registry import Registry, load_registry, registry_path_of, resolve_config_path

DEFAULT_USERDICT = packaged_configs() / "userdict.txt"
_WS = re.compile(r"\s")


def _section(cfg: dict | None) -> dict:
    """Accept either the whole config or its ``segment`` section; what it leaves out comes from
    the settings model."""
    cfg = cfg or {}
    return filled(cfg["segment"] if isinstance(cfg.get("segment"), dict) else cfg, "segment")


def read_userdict(path: str | Path) -> list[tuple[str, int | None, str | None]]:
    """jieba's userdict format: ``word [freq] [tag]`` per line; ``#`` starts a comment line."""
    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        word, freq, tag = parts[0], None, None
        for p in parts[1:]:
            if p.isdigit():
                freq = int(p)
            else:
                tag = p
        rows.append((fast_normalize(word), freq, tag))
    return rows


class Segmenter:
    """One backend instance + userdict + registry protection; see the module doc."""

    def __init__(self, cfg: dict | None = None, registry: Registry | None = None,
                 userdict_path: str | Path | None = None) -> None:
        sec = _section(cfg)
        self.backend_name: str = sec["backend"]
        if registry is None:  # the one registry key, concepts.registry, when the whole config is given
            registry = load_registry(registry_path_of(cfg))
        self.registry = registry
        if userdict_path is None and sec["userdict"]:  # null: no user dictionary
            userdict_path = resolve_config_path(sec["userdict"], DEFAULT_USERDICT, (cfg or {}).get("_root"))
        self.userdict_path = Path(userdict_path) if userdict_path else None
        registry_freq = sec["registry_freq"]

        self.backend = make_backend(self.backend_name)
        if self.userdict_path and self.userdict_path.exists():
            for word, freq, tag in read_userdict(self.userdict_path):
                self.backend.add_word(word, freq, tag)
        for surface in registry.surfaces:
            self.backend.add_word(surface, registry_freq, "nz")
        self.protector = Protector(registry)
        self._cut_gap = self.backend.cut

    # -- hot path: strings in, lists of strings out, no per-token objects ------------------
    def _cut_norm(self, norm: str) -> list[str]:
        spans = self.protector.spans(norm)
        if not spans:
            toks = self._cut_gap(norm)
        else:
            toks = []
            pos = 0
            for start, end, surface in spans:
                if start > pos:
                    toks.extend(self._cut_gap(norm[pos:start]))
                toks.append(surface)
                pos = end
            if pos < len(norm):
                toks.extend(self._cut_gap(norm[pos:]))
        if _WS.search(norm):
            toks = [t for t in toks if not t.isspace()]
        return toks

    def cut(self, text: str) -> list[str]:
        """Tokens of the normalized text; registry surfaces are single tokens."""
        return self._cut_norm(fast_normalize(text))

    # -- slow path with offsets ----------------------------------------------------------
    def cut_spans(self, text: str) -> list[tuple[str, int, int]]:
        """(token, start, end) with offsets into the ORIGINAL ``text``; token as in :meth:`cut`.

        A collapsed dash run (——) or a dropped zero-width character belongs to the token it
        follows, so spans of adjacent tokens tile the printed text except for whitespace.
        """
        norm, idx = normalize_map(text)
        spans = self.protector.spans(norm)
        pieces: list[tuple[str, bool]] = []  # (piece, protected)
        pos = 0
        for start, end, surface in spans:
            if start > pos:
                pieces.append((norm[pos:start], False))
            pieces.append((norm[start:end], True))
            pos = end
        if pos < len(norm):
            pieces.append((norm[pos:], False))
        out: list[tuple[str, int, int]] = []
        at = 0
        for piece, protected in pieces:
            toks = [piece] if protected else self._cut_gap(piece)
            for tok in toks:
                s, e = at, at + len(tok)
                at = e
                if tok.isspace():
                    continue
                o_start = idx[s]
                o_end = idx[e - 1] + 1
                limit = idx[e] if e < len(idx) else len(text)
                # take dropped characters (second dash of ——, zero-width) but not whitespace
                while o_end < limit and not text[o_end].isspace():
                    o_end += 1
                shown = self.protector_surface(tok) if protected else tok
                out.append((shown, o_start, o_end))
        return out

    def protector_surface(self, matched: str) -> str:
        return self.registry.canonical_surface(matched) or matched


# -- streaming for the CLI -----------------------------------------------------------------
_WORKER_SEG: Segmenter | None = None


def _cut_chunk(lines: list[str]) -> list[list[str]]:
    seg = _WORKER_SEG
    return [seg.cut(t) for t in lines]


def _join_chunk(lines: list[str]) -> list[str]:
    seg = _WORKER_SEG
    return [" ".join(seg.cut(t)) for t in lines]


def _chunks(items: Iterable[str], max_chars: int = 200_000, max_lines: int = 4000) -> Iterator[list[str]]:
    """Chunks big enough that IPC is cheap, small enough that workers stay balanced."""
    chunk: list[str] = []
    size = 0
    for item in items:
        chunk.append(item)
        size += len(item)
        if size >= max_chars or len(chunk) >= max_lines:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _pool_map(seg: Segmenter, fn, chunks: Iterator, workers: int) -> Iterator:
    """Ordered imap over forked workers that inherit ``seg`` (no dictionary reload per worker)."""
    global _WORKER_SEG
    _WORKER_SEG = seg
    ctx = mp.get_context("fork")
    from ..lifeline import follow_parent

    with ctx.Pool(workers, initializer=follow_parent, initargs=(os.getpid(),)) as pool:  # end with this process
        # imap keeps memory flat on a 30 MB stdin: chunks are consumed as workers free up
        yield from pool.imap(fn, chunks, chunksize=1)


def _join_block(block: str) -> str:
    """A block of whole lines → the same lines segmented, ``\n``-terminated (one IPC string each way)."""
    cut = _WORKER_SEG.cut
    return "".join(" ".join(cut(ln)) + "\n" for ln in block.split("\n"))


def _json_block(block: str) -> str:
    """``litmap segment --json``: one JSON array of tokens per line (tokens may hold spaces)."""
    cut = _WORKER_SEG.cut
    return "".join(json.dumps(cut(ln), ensure_ascii=False) + "\n" for ln in block.split("\n"))


def _read_blocks(infile: TextIO, size: int = 1 << 18) -> Iterator[str]:
    """Blocks of whole lines (newline-free ends), about ``size`` characters each."""
    rest = ""
    while True:
        data = infile.read(size)
        if not data:
            break
        data = rest + data
        cut = data.rfind("\n")
        if cut < 0:
            rest = data
            continue
        rest = data[cut + 1:]
        yield data[:cut].replace("\r\n", "\n").replace("\r", "\n")
    if rest:
        yield rest.replace("\r\n", "\n").replace("\r", "\n")


def _make(segmenter: Segmenter | None, backend: str, cfg: dict | None,
          userdict_path: str | Path | None = None, registry_path: str | Path | None = None) -> Segmenter:
    if segmenter is not None:
        return segmenter
    sec = dict(_section(cfg))
    sec["backend"] = backend
    registry = load_registry(registry_path) if registry_path else None
    return Segmenter(sec, registry=registry, userdict_path=userdict_path)


def segment_lines(lines: Iterable[str], backend: str = "jieba", workers: int = 1,
                  userdict_path: str | Path | None = None, registry_path: str | Path | None = None,
                  segmenter: Segmenter | None = None, cfg: dict | None = None,
                  joined: bool = False) -> Iterator:
    """One result per input line, in order: its token list, or with ``joined=True`` the tokens
    joined by single spaces (joining in the workers saves IPC).

    Trailing newlines are stripped. ``workers`` processes (0 = all cores) are forked after the
    dictionaries are loaded, so start-up is paid once. For whole files prefer
    :func:`segment_stream`, which moves blocks of lines instead of single lines.
    """
    seg = _make(segmenter, backend, cfg, userdict_path, registry_path)
    if workers == 0:
        workers = mp.cpu_count()
    stripped = (ln.rstrip("\r\n") for ln in lines)
    if workers <= 1:
        cut = seg.cut
        if joined:
            for ln in stripped:
                yield " ".join(cut(ln))
        else:
            for ln in stripped:
                yield cut(ln)
        return
    for out in _pool_map(seg, _join_chunk if joined else _cut_chunk, _chunks(stripped), workers):
        yield from out


def segment_stream(infile: TextIO, outfile: TextIO, backend: str = "jieba", workers: int = 0,
                   userdict_path: str | Path | None = None, registry_path: str | Path | None = None,
                   segmenter: Segmenter | None = None, cfg: dict | None = None,
                   as_json: bool = False) -> None:
    """``litmap segment -``: read ``infile`` in blocks, write one segmented line per input line.

    The fast path for whole files: blocks of ~256 KB travel to the workers and back as single
    strings, so the parent does almost nothing per line.
    """
    seg = _make(segmenter, backend, cfg, userdict_path, registry_path)
    if workers == 0:
        workers = mp.cpu_count()
    blocks = _read_blocks(infile)
    fn = _json_block if as_json else _join_block
    if workers <= 1:
        global _WORKER_SEG
        _WORKER_SEG = seg
        outfile.writelines(fn(block) for block in blocks)
        return
    outfile.writelines(_pool_map(seg, fn, blocks, workers))


def main(argv: list[str] | None = None) -> int:
    """``python -m pipeline.text.segment [TEXT|-] [--backend B] [--workers N]``: a stand-in for
    ``litmap segment`` (the CLI proper lives in pipeline/cli.py) used by bench/segment.py."""
    import argparse
    import sys

    ap = argparse.ArgumentParser(prog="python -m pipeline.text.segment")
    ap.add_argument("text", nargs="?", default="-")
    ap.add_argument("--backend", default="jieba", choices=["jieba", "rjieba"])
    ap.add_argument("--workers", type=int, default=0)
    args = ap.parse_args(argv)
    if args.text != "-":
        print(" ".join(Segmenter({"backend": args.backend}).cut(args.text)))
        return 0
    segment_stream(sys.stdin, sys.stdout, backend=args.backend, workers=args.workers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
