"""A fitted topic model's state (model, dictionary, units, weights, the bags' kept columns) as
bytes without pickle: a zip of the folder ``store/codec.py`` writes (gensim's own ``save`` for
the model and dictionary, ``.npy`` arrays, JSON for the rest).

The state travels as bytes because its readers want bytes: the pyLDAvis page is keyed by their
hash (``report/ldavis_page.py``) and laid out in a side process that is sent them. The zip is
written in name order with fixed dates. (gensim's own files hold the name of the temporary folder
they were saved in, so two packs of one state differ in those bytes.)
"""
from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from ..store.codec import StoredBytes, read_result, write_result

_DATE = (1980, 1, 1, 0, 0, 0)


def pack(state: dict[str, Any]) -> bytes:
    """The state as the zip's bytes. The zip is made on disk, each file streamed into it, and
    read back once: made in memory, the files read whole, the growing buffer and its final copy
    held 2-3 times the state at once (51 MB at 10,000 papers: the topics stage's peak)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "state"
        write_result(folder, state, (), {})
        target = Path(tmp) / "state.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as z:
            for f in sorted(folder.iterdir()):
                info = zipfile.ZipInfo(f.name, _DATE)
                info.file_size = f.stat().st_size
                with f.open("rb") as src, z.open(info, "w") as dst:
                    shutil.copyfileobj(src, dst, 2**20)
                f.unlink()  # the temporary folder holds each byte once: the file or the zip
        return target.read_bytes()


def unpack(data: bytes | StoredBytes) -> dict[str, Any]:
    """The state :func:`pack` made, from its bytes or from the stored result's file that holds
    them (``codec.StoredBytes``: a run's held topics result), read there without a copy."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with zipfile.ZipFile(data.path if isinstance(data, StoredBytes) else io.BytesIO(data)) as z:
            for name in z.namelist():
                if "/" in name or name.startswith("."):
                    raise ValueError(f"unexpected entry {name!r} in a topic state")
            z.extractall(folder)
        return read_result(folder)
