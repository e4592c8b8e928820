"""Bytes → text: encoding detection with clear per-file errors.

Order of trust: a BOM, then strict UTF-8, then strict GB18030 (a superset of GBK and GB2312,
and the only one of them that encodes every character of the seed, ``ä`` included), then
charset-normalizer's guess. A decode that yields mostly control characters or replacement
characters is rejected instead of producing garbage that later stages would happily count.
"""
from __future__ import annotations

import codecs
import re


class IngestError(Exception):
    """A file that cannot be read as a paper; the message names the reason."""


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    ctrl = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return ctrl > len(sample) * 0.05


# What a wrong decoding leaves: replacement characters and control characters other than tab,
# newline, carriage return and form feed.
_BAD = re.compile("[\ufffd\x00-\x08\x0b\x0e-\x1f]")


def _plausible(text: str) -> bool:
    if not text:
        return False
    sample = text[:20000]
    bad = len(_BAD.findall(sample))
    return bad <= len(sample) * 0.01


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name). Raises IngestError for empty, binary or undecodable input."""
    if not data.strip():
        raise IngestError("empty file")
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace"), "utf-8-sig"
    for bom, name in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                      (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                text = data.decode(name)
            except UnicodeDecodeError as e:
                raise IngestError(f"broken {name} text after its byte-order mark: {e.reason}") from e
            if not text.strip():
                raise IngestError("empty file")
            return text, name
    if _looks_binary(data):
        raise IngestError("binary file, not text (NUL or control bytes in the first 8 KB)")
    for name in ("utf-8", "gb18030"):
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        if _plausible(text):
            return text, name
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200000]).best()
    if best is not None:
        text = data.decode(best.encoding, errors="replace")
        if _plausible(text):
            return text, best.encoding
    raise IngestError("unknown text encoding (not UTF-8, UTF-16 or GB18030)")
