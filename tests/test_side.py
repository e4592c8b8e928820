"""Side processes (``pipeline/side.py``): a job that lets go of its arguments once they are sent."""
from __future__ import annotations

import os

import pytest

from pipeline.side import Job, SideLost


def test_a_job_that_let_go_of_its_arguments_says_its_side_process_was_lost() -> None:
    # The topics stage sends the fit its bags this way (90 MB at 10,000 papers) and holds none
    # of them while it waits; a side process that dies then cannot be redone from them here.
    job = Job(os._exit, (3,), side=True, keep_args=False)
    if job.proc is None:
        pytest.skip("no side process could be started here (limits)")  # inline would exit pytest
    with pytest.raises(SideLost, match="_exit.*exit status 3"):
        job.result()
    assert job.args is None


def test_a_job_keeps_its_arguments_unless_told_and_answers_either_way() -> None:
    data = list(range(100_000))
    for keep in (True, False):
        job = Job(sum, (data,), side=True, keep_args=keep)
        assert job.result() == sum(data)
        assert (job.args is not None) == keep


def _bags_seen(bags: list) -> tuple[int, int, bool, bool]:
    """In the side process: the bags' rows and total count, whether every array of theirs is
    writable and whether it was mapped from a file (``mmap``) rather than read from the pipe."""
    import mmap

    arrays = [a for b in bags for a in (b.matrix.data, b.matrix.indices, b.matrix.indptr)]

    def mapped(a) -> bool:
        while getattr(a, "base", None) is not None:
            a = a.base
        return isinstance(a, memoryview) and isinstance(a.obj, mmap.mmap)

    writable = all(a.flags.writeable for a in arrays)
    bags[0].matrix.data[:1] += 0  # the fit may write to what it was sent
    return (sum(len(b) for b in bags), int(sum(b.matrix.data.sum() for b in bags)), writable,
            all(mapped(a) for a in arrays))


def test_a_jobs_large_buffers_go_through_a_file_it_leaves_nowhere(tmp_path, monkeypatch) -> None:
    """``Job(spill_dir=...)``: the topic fit's bags (CSR arrays) reach the side process mapped from
    an unnamed file in that folder, writable, and equal to what was sent; the sender holds none
    of them once sent, and the folder is left as it was. Without a folder they go by the pipe."""
    import json
    from collections import Counter

    from conftest import SHARED
    from pipeline.models.topics_bows import CsrBows

    texts = [json.loads(line)["abstract"] for line in
             (SHARED / "data" / "csl" / "csl_2000.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    ids: dict[str, int] = {}
    bows = [sorted((ids.setdefault(ch, len(ids)), n) for ch, n in Counter(t).items()) for t in texts]
    bags = [CsrBows.from_bows(bows, len(ids)), CsrBows.from_bows(bows[::2], len(ids))]
    want = (len(texts) + len(bows[::2]), sum(len(t) for t in texts) + sum(len(t) for t in texts[::2]))
    monkeypatch.setattr("pipeline.side.SPILL_MIN_BYTES", 1024)  # the CSL bags' arrays are under 1 MB each
    job = Job(_bags_seen, (bags,), side=True, keep_args=False, spill_dir=tmp_path)
    if job.proc is None:
        pytest.skip("no side process could be started here (limits)")
    rows, total, writable, mapped = job.result()
    assert (rows, total) == want and writable
    assert mapped == os.path.isdir(f"/proc/{os.getpid()}/fd")
    assert job.args is None and job.spill is None and list(tmp_path.iterdir()) == []
    rows, total, writable, mapped = Job(_bags_seen, (bags,), side=True).result()
    assert (rows, total) == want and writable and not mapped
