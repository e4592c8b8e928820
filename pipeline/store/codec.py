"""A corpus result written to a folder without pickle, and read back as the same objects.

The folder (``<stage>-<input_hash>/`` beside the store) holds:

* ``result.json``: the result's small, non-tabular parts, as JSON with a few tagged values
  (``{"$t": "tuple" | "set" | "dict" | "np" | "obj" | ...}``) for what JSON cannot say;
* one Parquet table per list of records the stage names (``TABLES``: mentions, references,
  rows …): typed columns where every value has one scalar type, JSON text otherwise, and for
  each row which of the table's keys it has, in its order, so a record comes back exactly. A
  table of per-document records (each has a ``doc_id``) is cut into parts (``name-00000.parquet``
  …) when ``Parts.docs`` asks for it: a part ends after each document whose id hashes to 0
  modulo that number, so the cuts depend on the documents, not on their positions, and adding
  one document changes one part. An ``--update`` names the documents whose records it changed
  (``Parts.changed``); a part holding the same documents' records as a part of the result it
  folded into (``Parts.base``), none of them changed, is that part's file, linked, not encoded
  again (at 10,000 papers encoding the 160,000 mentions was 1.9 s of every update);
* arrays as ``.npy`` (``allow_pickle=False``) and sparse matrices as ``.npz``; gensim models and
  dictionaries with their own ``save``; data frames as Parquet;
* ``versions.json``: the litmap, Python and library versions that wrote it.

Objects of litmap's own classes (and scikit-learn estimators, whose fitted state is arrays) are
rebuilt from their attributes, only for the classes of ``_ALLOWED``; anything else cannot be
stored (a stage returning a new kind of object says so when it is first written). Why not pickle:
a pickle breaks when a class moves or a library is upgraded, and cannot be read by anything but
Python; these files can (DuckDB reads the tables, numpy the arrays).
"""
from __future__ import annotations

import importlib
import json
import os
import shutil
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..digests import JSON_SCALARS, only_scalars

# Lists of records stored as tables, by stage: (key path in the result, table file name).
TABLES: dict[str, tuple[str, ...]] = {
    "concepts": ("mentions",),
    "works": ("references", "listed", "work_references"),
    "stance": ("rows",),
    "definitions": ("rows",),
    "terms": ("rows",),
    "glossary": ("entries",),
    "vectors": ("similar",),
}
_ALLOWED = ("pipeline.", "sklearn.", "gensim.")
PARTS_FILE = "parts.json"  # the tables written in parts, as result.json names them: what an update reuses
_TAG = "$t"
# Values JSON holds as they are. A list of only these (a sentence's words, a row of counts) is
# written and read as it is: encoding it element by element was most of writing a result.
_PLAIN = JSON_SCALARS
_STR = frozenset((str,))


class StoredBytes:
    """A ``bytes`` value of a stored result left in its file until :meth:`read` (a result read
    with ``read_result(lazy_bytes=True)``). Why: the topics stage's packed state (model,
    dictionary and units: 51 MB at 10,000 papers) is read once, by the report's pyLDAvis page,
    which hashes and unzips it from this file (``topic_state.unpack`` takes either); the driver
    held it from the topics stage to the end of the report, through the run's memory peaks.
    Written again (an update folds into a result read this way), it is its bytes."""

    __slots__ = ("path",)

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def read(self) -> bytes:
        return self.path.read_bytes()

    def __repr__(self) -> str:
        return f"StoredBytes({str(self.path)!r})"


def _class_path(obj: Any) -> str:
    cls = type(obj)
    return f"{cls.__module__}:{cls.__qualname__}"


def _load_class(path: str) -> type:
    module, _, name = path.partition(":")
    if not module.startswith(_ALLOWED):
        raise ValueError(f"{path} is not a class a stored result may name")
    obj: Any = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


@dataclass
class Parts:
    """How the per-document tables of a result are cut and what of an earlier result they may
    reuse. ``docs``: a part ends after a document whose id hashes to 0 modulo ``docs`` (about
    that many documents a part; 0 or 1 document: one file a table). ``base``: the folder of the
    result an update folded into; ``changed``: the documents whose records the update changed
    (None: any may have changed, nothing is reused)."""

    docs: int = 0
    base: Path | None = None
    changed: frozenset[str] | None = None
    reused: dict[str, int] = field(default_factory=dict)  # table -> parts linked from ``base``
    written: dict[str, int] = field(default_factory=dict)  # table -> parts encoded
    _base_top: dict[str, Any] | None = field(default=None, repr=False)

    def base_parts(self, name: str) -> dict[tuple, dict[str, Any]]:
        """The parts of table ``name`` in ``base``, by their documents' runs."""
        if self.base is None or self.changed is None:
            return {}
        if self._base_top is None:
            try:  # the parts' list, not result.json: that holds the whole result (3 MB at 1,000 papers)
                top = json.loads((self.base / PARTS_FILE).read_text(encoding="utf-8"))
                self._base_top = top if isinstance(top, dict) else {}
            except (OSError, ValueError):
                self._base_top = {}  # nothing to reuse: every part is written
        meta = self.base_meta(name)
        if not meta.get("parts") or "columns" not in meta:
            return {}
        return {tuple(tuple(r) for r in p["docs"]): p for p in meta["parts"]}

    def base_meta(self, name: str) -> dict[str, Any]:
        """Table ``name`` as ``base`` stored it: its schema and parts (empty: none)."""
        meta = (self._base_top or {}).get(name)
        return meta if isinstance(meta, dict) and meta.get(_TAG) == "table" else {}


def doc_runs(records: list[dict[str, Any]], every: int) -> list[tuple[int, int, tuple]] | None:
    """(first row, end row, ((doc_id, rows), …)) of each part of ``records``: a part ends after
    a run of records of one document whose id hashes (CRC-32) to 0 modulo ``every``. None when
    a record has no text ``doc_id``."""
    parts: list[tuple[int, int, tuple]] = []
    runs: list[tuple[str, int]] = []
    lo = i = 0
    n = len(records)
    while i < n:
        d = records[i].get("doc_id")
        if type(d) is not str:
            return None
        j = i + 1
        while j < n and records[j].get("doc_id") == d:
            j += 1
        runs.append((d, j - i))
        i = j
        if zlib.crc32(d.encode()) % every == 0 or i == n:
            parts.append((lo, i, tuple(runs)))
            lo, runs = i, []
    return parts


def _link(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)  # the file is never written again: a link is a copy
    except OSError:  # a file system without hard links
        shutil.copyfile(src, dst)


class _RowIndex:
    """The table and row number of each record of the tables a result wrote, by the record's id,
    in two arrays sorted by id. Why not a dict of id to (table, row): at 10,000 papers that
    dict held 160,000 mentions' positions in 23 MB, through the whole result's encoding, at
    the concepts stage's end, which was the full run's memory peak."""

    _SHIFT = 40  # a position is its table's number times 2**40 plus its row

    def __init__(self) -> None:
        self.names: list[str] = []
        self.ids = np.empty(0, dtype=np.uint64)
        self.at = np.empty(0, dtype=np.int64)

    def __bool__(self) -> bool:
        return bool(len(self.ids))

    def add(self, name: str, records: list[Any]) -> None:
        ids = np.concatenate([self.ids, np.fromiter(map(id, records), dtype=np.uint64, count=len(records))])
        at = np.concatenate([self.at, np.arange(len(records), dtype=np.int64) + (len(self.names) << self._SHIFT)])
        self.names.append(name)
        order = np.argsort(ids, kind="stable")  # a record in two tables: the first table's row
        self.ids, self.at = ids[order], at[order]

    def find(self, values: list[Any]) -> tuple[str, list[int]] | None:
        """The table and row numbers of ``values`` when all are records of one table, else None."""
        q = np.fromiter(map(id, values), dtype=np.uint64, count=len(values))
        k = np.minimum(np.searchsorted(self.ids, q), len(self.ids) - 1)
        if not (self.ids[k] == q).all():
            return None
        at = self.at[k]
        table = at >> self._SHIFT
        if (table != table[0]).any():
            return None
        return self.names[int(table[0])], (at & ((1 << self._SHIFT) - 1)).tolist()


class Writer:
    def __init__(self, folder: Path, parts: Parts | None = None) -> None:
        self.folder = folder
        self.parts = parts or Parts()
        self.n = 0
        self.rows = _RowIndex()  # the records of the tables written so far: a list of them is stored as row numbers
        self._keep: list[Any] = []  # those records, alive while their ids are used

    def _name(self, suffix: str) -> str:
        self.n += 1
        return f"part-{self.n}{suffix}"

    def enc(self, v: Any) -> Any:  # noqa: C901 - one branch per kind of value, read as a table
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, (int, float)) and type(v) in (int, float):
            return v
        if isinstance(v, dict):
            if (_STR.issuperset(map(type, v)) or all(isinstance(k, str) for k in v)) and _TAG not in v:
                if only_scalars(v.values()):  # a flat record: JSON as it is
                    return v
                return {k: x if type(x) in _PLAIN else self.enc(x) for k, x in v.items()}
            return {_TAG: "dict", "items": [[self.enc(k), self.enc(x)] for k, x in v.items()]}
        if isinstance(v, list):
            if only_scalars(v):
                return v
            if type(v[0]) is dict and self.rows:
                rows = self._rows_of(v)
                if rows is not None:
                    return rows
            return [x if type(x) in _PLAIN else self.enc(x) for x in v]
        if isinstance(v, tuple):
            return {_TAG: "tuple", "v": [x if type(x) in _PLAIN else self.enc(x) for x in v]}
        if isinstance(v, (set, frozenset)):
            return {_TAG: "set", "v": [self.enc(x) for x in sorted(v, key=repr)]}
        if isinstance(v, StoredBytes):
            v = v.read()
        if isinstance(v, bytes):
            name = self._name(".bin")
            (self.folder / name).write_bytes(v)
            return {_TAG: "bytes", "file": name}
        if isinstance(v, np.generic):
            return {_TAG: "np", "dtype": v.dtype.str, "v": v.item()}
        if isinstance(v, np.ndarray):
            if v.dtype == object:
                return {_TAG: "ndarray", "shape": list(v.shape), "v": [self.enc(x) for x in v.ravel().tolist()]}
            name = self._name(".npy")
            np.save(self.folder / name, v, allow_pickle=False)
            return {_TAG: "npy", "file": name}
        return self._enc_object(v)

    def _rows_of(self, v: list[Any]) -> dict[str, Any] | None:
        """A list of records all of one table written before (a trace's mentions) as that
        table's row numbers, one tagged list: a tagged dict per record was most of writing
        and reading the concepts result (16,000 of them at 1,000 papers, re-encoded on every
        ``--update``). None when any is not such a record. A record met alone is written whole:
        no result holds one so (results written before may hold it as a ``row`` tag, still read),
        and looking each dict up was a cost on every dict encoded."""
        found = self.rows.find(v)
        if found is None:
            return None
        table, rows = found
        return {_TAG: "rows", "table": table, "i": rows}

    def _enc_object(self, v: Any) -> Any:
        import pandas as pd
        from scipy import sparse

        if sparse.issparse(v):
            name = self._name(".npz")
            sparse.save_npz(self.folder / name, v, compressed=False)
            return {_TAG: "sparse", "file": name, "array": not sparse.isspmatrix(v)}
        if isinstance(v, pd.DataFrame):
            return self._enc_frame(v)
        path = _class_path(v)
        if not path.startswith(_ALLOWED):
            raise TypeError(f"a corpus result cannot store a {path}: add its class to store/codec.py")
        # gensim's models, and litmap's own subclasses of them (models/vectors.py), by gensim's save
        if hasattr(v, "save") and any(c.__module__.startswith("gensim.") for c in type(v).__mro__):
            name = self._name(".gensim")
            v.save(str(self.folder / name))
            return {_TAG: "gensim", "class": path, "file": name}
        state = vars(v) if hasattr(v, "__dict__") else {s: getattr(v, s) for s in type(v).__slots__}
        return {_TAG: "obj", "class": path, "state": {k: self.enc(x) for k, x in state.items()}}

    def _enc_frame(self, df: Any) -> Any:
        import pandas as pd

        if not isinstance(df.index, pd.RangeIndex) or df.index.start != 0 or df.index.step != 1:
            raise TypeError("a stored data frame must have a plain 0..n index")
        name = self._name(".parquet")
        from .records_table import frame_to_parquet

        frame_to_parquet(df, self.folder / name)
        return {_TAG: "frame", "file": name, "columns": list(df.columns), "dtypes": [str(t) for t in df.dtypes]}

    def _parts(self, name: str, records: list[dict[str, Any]], cuts: list[tuple[int, int, tuple]]) -> Any:
        """A table in parts of one schema (so they read in one query): the parts the base result
        holds for the same unchanged documents are linked when the schema of the rest is the
        base's; otherwise every part is written."""
        from .records_table import Schema, json_cells, scan, write_records

        # A cell may point at a record of a table written before it (its row number); a
        # linked part would point into another result's rows: only a first table links.
        base = self.parts.base_parts(name) if not self.rows else {}
        changed = self.parts.changed or frozenset()
        keep: dict[int, dict[str, Any]] = {}
        for k, (_lo, _hi, runs) in enumerate(cuts):
            old = base.get(runs)
            if old is not None and not any(d in changed for d, _n in runs) \
                    and (self.parts.base / old["file"]).is_file():
                keep[k] = old
        # The schema and pattern numbers of the records of the parts to write, looked up once
        # and sliced per part below, in the order they are written; their column values, and
        # the JSON texts of their cells (``json_cells``), one part at a time: the whole table's
        # at once were most of the 57 MB writing the concepts result of 10,000 papers added.
        scanned = None
        if keep:
            before = Schema.of_meta(self.parts.base_meta(name))
            scanned = scan([r for k, (lo, hi, _r) in enumerate(cuts) if k not in keep for r in records[lo:hi]],
                           before, values=False)
            if scanned[0].names != before.names or scanned[0].types != before.types:
                keep, scanned = {}, None  # a new key or type: the linked parts would not read as one table
        if scanned is None:
            scanned = scan(records, values=False)
        schema, which, _columns = scanned
        files = []
        at = 0  # where the next written part's rows start in ``scanned``
        for k, (lo, hi, runs) in enumerate(cuts):
            file = f"{name}-{k:05d}.parquet"
            if k in keep:
                _link(self.parts.base / keep[k]["file"], self.folder / file)
            else:
                end = at + hi - lo
                write_records(self.folder / file, records[lo:hi], self.enc, json_cells(self.enc),
                              (schema, which[at:end], None))
                at = end
            files.append({"file": file, "docs": [list(r) for r in runs]})
        if keep:
            self.parts.reused[name] = len(keep)
        self.parts.written[name] = len(cuts) - len(keep)
        return {_TAG: "table", **schema.meta(), "parts": files}

    def table(self, name: str, records: list[dict[str, Any]]) -> Any:
        """A list of records as a Parquet table; the records are remembered so that a later
        reference to one of them (a trace listing its mentions) is stored as its row number."""
        from .records_table import write_records

        cuts = doc_runs(records, self.parts.docs) if self.parts.docs > 1 else None
        if cuts is None or len(cuts) < 2:
            file = f"{name}.parquet"
            meta = write_records(self.folder / file, records, self.enc)
            out = {_TAG: "table", "file": file, **meta}
        else:
            out = self._parts(name, records, cuts)
        self.rows.add(name, records)
        self._keep.append(records)
        return out


class Reader:
    def __init__(self, folder: Path, lazy_bytes: bool = False) -> None:
        self.folder = folder
        self.lazy_bytes = lazy_bytes
        self.tables: dict[str, list[Any]] = {}

    def dec(self, v: Any) -> Any:  # noqa: C901
        if isinstance(v, list):
            if only_scalars(v):  # decoded JSON: no tag, no container inside
                return v
            return [x if type(x) in _PLAIN else self.dec(x) for x in v]
        if not isinstance(v, dict):
            return v
        tag = v.get(_TAG)
        if tag is None:
            if only_scalars(v.values()):  # a flat record, fresh from json.loads
                return v
            return {k: x if type(x) in _PLAIN else self.dec(x) for k, x in v.items()}
        if tag == "row":
            return self.tables[v["table"]][v["i"]]
        if tag == "rows":
            return list(map(self.tables[v["table"]].__getitem__, v["i"]))
        if tag == "dict":
            return {self.dec(k): self.dec(x) for k, x in v["items"]}
        if tag == "tuple":
            return tuple([x if type(x) in _PLAIN else self.dec(x) for x in v["v"]])
        if tag == "set":
            return {self.dec(x) for x in v["v"]}
        if tag == "bytes":
            path = self.folder / v["file"]
            return StoredBytes(path) if self.lazy_bytes else path.read_bytes()
        if tag == "np":
            return np.dtype(v["dtype"]).type(v["v"])
        if tag == "ndarray":
            out = np.empty(len(v["v"]), dtype=object)
            out[:] = [self.dec(x) for x in v["v"]]
            return out.reshape(v["shape"])
        if tag == "npy":
            return np.load(self.folder / v["file"], allow_pickle=False)
        if tag == "sparse":
            from scipy import sparse

            m = sparse.load_npz(self.folder / v["file"])
            return m
        if tag == "frame":
            return self._dec_frame(v)
        if tag == "gensim":
            return _load_class(v["class"]).load(str(self.folder / v["file"]))
        if tag == "obj":
            cls = _load_class(v["class"])
            obj = cls.__new__(cls)
            state = {k: self.dec(x) for k, x in v["state"].items()}
            if hasattr(obj, "__dict__"):
                obj.__dict__.update(state)
            else:
                for k, x in state.items():
                    object.__setattr__(obj, k, x)
            return obj
        if tag == "table":
            from .records_table import read_records

            if "parts" not in v:
                return read_records(self.folder / v["file"], v, self.dec)
            return read_records([self.folder / p["file"] for p in v["parts"]], v, self.dec)
        raise ValueError(f"unknown tag {tag!r} in a stored result")

    def _dec_frame(self, v: dict[str, Any]) -> Any:
        from .records_table import scratch

        df = scratch().execute("SELECT * FROM read_parquet(?)", [str(self.folder / v["file"])]).df()
        for col, dtype in zip(v["columns"], v["dtypes"]):
            if str(df[col].dtype) != dtype:
                df[col] = df[col].astype(dtype)
        return df[v["columns"]]


def write_result(folder: Path, result: Any, tables: tuple[str, ...], versions: dict[str, Any],
                 parts: Parts | None = None) -> None:
    """Write ``result`` into ``folder`` (made anew); the keys ``tables`` of a dict result, when
    they hold lists of records, become Parquet tables (cut and reused as ``parts`` says), written
    first so records they hold that appear again elsewhere in the result are stored once."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    w = Writer(folder, parts)
    done: dict[str, Any] = {}
    if isinstance(result, dict):
        for key in tables:
            rows = result.get(key)
            if isinstance(rows, list) and all(isinstance(r, dict) for r in rows):
                done[key] = w.table(key, rows)
        cut = {k: v for k, v in done.items() if "parts" in v}
        if cut:
            (folder / PARTS_FILE).write_text(json.dumps(cut, ensure_ascii=False), encoding="utf-8")
    (folder / "versions.json").write_text(json.dumps(versions, ensure_ascii=False, indent=1, sort_keys=True),
                                          encoding="utf-8")
    with open(folder / "result.json", "w", encoding="utf-8") as f:
        if isinstance(result, dict):
            # the text json.dumps gives of {"$t": "result", "items": [[key, encoded value], ...]},
            # each value encoded only when it is written (``_write_json``)
            f.write(_dumps({_TAG: "result", "items": []})[:-2])
            for n, (k, v) in enumerate(result.items()):
                f.write(", [" if n else "[")
                f.write(_dumps(k) + ", ")
                _write_json(f, done[k] if k in done else w.enc(v), _STREAM_DEPTH)
                f.write("]")
            f.write("]}")
        else:
            _write_json(f, w.enc(result), _STREAM_DEPTH)


_dumps = json.JSONEncoder(ensure_ascii=False).encode
_STREAM_DEPTH = 3  # below a top-level value: a concept's trace, a coined term's uses
_STREAM_BATCH = 256  # elements of a long list (items of a long dict) encoded at once


def _write_json(f: Any, v: Any, depth: int) -> None:
    """Write ``json.dumps(v, ensure_ascii=False)`` to ``f``, its containers ``depth`` levels
    down a member (a long one a batch of members) at a time. Why: the concepts result of
    10,000 papers was one 15 MB text, built beside its encoded copy and then encoded again as
    UTF-8 (+34 MB at the concepts stage's end, the full run's memory peak); this way only one
    member's text is held at once, and the result is encoded one top-level value at a time."""
    if depth and type(v) is dict and len(v) > 1 and all(type(k) is str for k in v) \
            and not only_scalars(v.values()):
        items = list(v.items())
        f.write("{")
        if len(items) > _STREAM_BATCH:
            for i in range(0, len(items), _STREAM_BATCH):
                f.write((", " if i else "") + _dumps(dict(items[i:i + _STREAM_BATCH]))[1:-1])
        else:
            for n, (k, x) in enumerate(items):
                f.write((", " if n else "") + _dumps(k) + ": ")
                _write_json(f, x, depth - 1)
        f.write("}")
    elif depth and type(v) is list and len(v) > 1 and not only_scalars(v):
        f.write("[")
        if len(v) > _STREAM_BATCH:
            for i in range(0, len(v), _STREAM_BATCH):
                f.write((", " if i else "") + _dumps(v[i:i + _STREAM_BATCH])[1:-1])
        else:
            for n, x in enumerate(v):
                if n:
                    f.write(", ")
                _write_json(f, x, depth - 1)
        f.write("]")
    else:
        f.write(_dumps(v))


def read_versions(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "versions.json").read_text(encoding="utf-8"))


def read_result(folder: Path, skip: frozenset[str] = frozenset(), lazy_bytes: bool = False) -> Any:
    """The result ``write_result`` wrote; of a dict result, without the keys in ``skip`` (not
    decoded at all); with ``lazy_bytes``, its ``bytes`` values as :class:`StoredBytes`."""
    top = json.loads((folder / "result.json").read_text(encoding="utf-8"))
    r = Reader(folder, lazy_bytes)
    if isinstance(top, dict) and top.get(_TAG) == "result":
        out: dict[str, Any] = {}
        items = [(k, v) for k, v in top["items"] if k not in skip]
        del top
        for k, v in items:  # tables first: the rest may refer to their records
            if isinstance(v, dict) and v.get(_TAG) == "table":
                r.tables[k] = out[k] = r.dec(v)
        for k, v in items:
            if k not in out:
                out[k] = r.dec(v)
        return {k: out[k] for k, _v in items}
    return r.dec(top)
