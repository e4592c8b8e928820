"""Keys hashed over results (``pipeline/digests.py``): equal values give equal bytes, a changed
value changes them, and a value orjson refuses still gets a key. On the works corpus's real
concept traces and document records (the seed and ../shared/corpora/works through the runner's
stages)."""
from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any

from pipeline.digests import canonical_json, plain, short_hash
from pipeline.report.reuse import digest


def _reversed(v: Any) -> Any:
    """The same value with every dict's keys in the opposite order."""
    if isinstance(v, dict):
        return {k: _reversed(v[k]) for k in reversed(list(v))}
    if isinstance(v, list):
        return [_reversed(x) for x in v]
    return v


def _leaves(v: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(v, dict):
        return [p for k, x in v.items() for p in _leaves(x, path + (k,))]
    if isinstance(v, list):
        return [p for i, x in enumerate(v) for p in _leaves(x, path + (i,))]
    return [path] if isinstance(v, (str, int, float)) and not isinstance(v, bool) else []


def _bump(v: Any, path: tuple) -> Any:
    v = copy.deepcopy(v)
    node = v
    for p in path[:-1]:
        node = node[p]
    x = node[path[-1]]
    node[path[-1]] = x + "·" if isinstance(x, str) else x + 1
    return v


def test_trace_keys_follow_values_not_key_order(works_ctx) -> None:
    traces = works_ctx.results["concepts"]["traces"]
    assert len(traces) >= 10
    keys = {}
    for name, t in traces.items():
        k = digest(["concept", t])
        assert digest(["concept", _reversed(t)]) == k, name  # dicts in another order: the same page
        leaves = _leaves(t)
        for path in (leaves[0], leaves[len(leaves) // 2], leaves[-1]):  # one value changed: another key
            assert digest(["concept", _bump(t, path)]) != k, (name, path)
        keys[name] = k
    assert len(set(keys.values())) == len(keys)  # no two traces share a key


def _other(v: Any) -> Any:
    if isinstance(v, dict):
        return {**v, 999: "x"}
    if isinstance(v, list):
        return [*v, "x"]
    if isinstance(v, bool):
        return not v
    if isinstance(v, str):
        return v + "x"
    return (v or 0) + 1


def test_document_keys_see_every_field(works_ctx) -> None:
    from pipeline.concepts.spread import doc_infos

    docs = doc_infos(works_ctx.papers, works_ctx.results["works"])
    keys = {d: short_hash([info, []]) for d, info in docs.items()}
    assert len(set(keys.values())) == len(keys)
    for d, info in list(docs.items())[:5]:
        assert short_hash([dataclasses.replace(info), []]) == keys[d]  # an equal record: the same key
        for f in dataclasses.fields(info):
            v = getattr(info, f.name)
            other = _other(v)
            assert short_hash([dataclasses.replace(info, **{f.name: other}), []]) != keys[d], (d, f.name)


def test_order_kept_where_asked_and_values_json_refuses() -> None:
    # a table's rows are digested in their order, and a JSON cell's keys as written
    assert canonical_json({"a": 1, "b": 2}, sort=False) != canonical_json({"b": 2, "a": 1}, sort=False)
    assert canonical_json({"a": 1, "b": 2}) == canonical_json({"b": 2, "a": 1})
    assert canonical_json([True]) != canonical_json([1]) != canonical_json(["1"])
    assert canonical_json({3: "x", "y": {2, 1}}) == canonical_json({"y": {1, 2}, 3: "x"}, plain)
    # a set is keyed by its sorted members, not by str(), whose order follows the string hash seed
    assert short_hash({"y": {"乙", "甲", "丙"}}) == short_hash({"y": sorted(["乙", "甲", "丙"])})
    # beyond orjson (an integer over 64 bits, nesting past 254 levels): the standard library's text
    big = {"n": 2**70}
    assert canonical_json(big) == json.dumps(big, sort_keys=True).encode()
    assert canonical_json({"n": 2**70 + 1}) != canonical_json(big)
    deep: Any = "leaf"
    for _ in range(300):
        deep = [deep]
    assert canonical_json(deep) == json.dumps(deep).encode()
    assert canonical_json([deep]) != canonical_json(deep)
