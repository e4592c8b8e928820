"""A fitted topic model's state (model, dictionary, units, weights, the bags' kept columns) as
bytes without pickle: a zip of the folder ``store/codec.py`` writes (gensim's own ``save`` for
the model and dictionary, ``.npy`` arrays, JSON for the rest).

The state travels as bytes because its readers want bytes: the pyLDAvis page is keyed by their
hash (``report/ldavis_page.py``) and laid out in a side process that is sent them. The zip is
written in name order with fixed dates, so one state gives the same bytes every time.
"""
from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from ..store.codec import read_result, write_result

_DATE = (1980, 1, 1, 0, 0, 0)


def pack(state: dict[str, Any]) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "state"
        write_result(folder, state, (), {})
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
            for f in sorted(folder.iterdir()):
                z.writestr(zipfile.ZipInfo(f.name, _DATE), f.read_bytes())
        return buf.getvalue()


def unpack(data: bytes) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for name in z.namelist():
                if "/" in name or name.startswith("."):
                    raise ValueError(f"unexpected entry {name!r} in a topic state")
            z.extractall(folder)
        return read_result(folder)
