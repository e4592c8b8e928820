"""Side processes of the report (pipeline/report/background.py): the work runs in a fresh
interpreter that holds only its inputs, and anything that goes wrong there costs time, not
the report."""
from __future__ import annotations

import os
from pathlib import Path
import types

import psutil
import pytest

from pipeline.report.background import submit, workers


def _pid_and_rss(payload: list[int]) -> tuple[int, float, int]:
    return os.getpid(), psutil.Process().memory_info().rss / 2**20, sum(payload)


def _fail(msg: str) -> None:
    raise ValueError(msg)


def _die() -> None:
    os._exit(9)  # killed for memory, say: no answer comes back


def _die_unless(pid: int) -> int:
    if os.getpid() != pid:
        os._exit(9)
    return pid


def test_side_process_is_fresh_and_small():
    ctx = types.SimpleNamespace(memo={})
    ballast = bytearray(300 * 2**20)  # a large driver: a fork would start at this size
    ballast[::4096] = b"x" * len(ballast[::4096])
    with workers(ctx):
        pid, rss, total = submit(ctx, _pid_and_rss, list(range(1000))).result()
    assert pid != os.getpid()
    assert total == sum(range(1000))
    assert rss < 250, f"side process holds {rss:.0f} MB: it carries the driver's memory"
    del ballast


def test_errors_are_raised_where_the_result_is_asked_for():
    ctx = types.SimpleNamespace(memo={})
    with workers(ctx):
        job = submit(ctx, _fail, "no figure for 数字食利国")
        with pytest.raises(ValueError, match="数字食利国"):
            job.result()


def test_lost_or_unpicklable_work_is_redone_inline():
    ctx = types.SimpleNamespace(memo={})
    with workers(ctx):
        # a lambda does not pickle: the side process never gets it, and the parent runs it
        assert submit(ctx, lambda x: x + 1, 41).result() == 42
        job = submit(ctx, _die)
        job.fn = lambda: "inline"  # what result() falls back to once the child died unanswered
        assert job.result() == "inline"


def test_outside_workers_the_job_runs_inline():
    pid, _, total = submit(types.SimpleNamespace(memo={}), _pid_and_rss, [1, 2]).result()
    assert pid == os.getpid() and total == 3


def test_a_run_given_one_worker_writes_its_report_in_one_process():
    ctx = types.SimpleNamespace(workers=1, memo={})
    with workers(ctx):
        pid, _, total = submit(ctx, _pid_and_rss, [1, 2]).result()
    assert pid == os.getpid() and total == 3


def test_a_warm_process_takes_the_next_job_of_its_module_and_an_untaken_one_ends():
    from pipeline import side
    from pipeline.report.figures import svg_path

    side.warm(svg_path.__module__)
    ((proc, _answer),) = side._WARM[svg_path.__module__]
    job = side.Job(svg_path, ("figures/a.png",), side=True)
    assert job.proc is proc  # the process started before the call was known took it
    assert job.result() == "figures/a.svg"
    assert proc.returncode == 0
    side.warm(svg_path.__module__)
    ((idle, _answer),) = side._WARM[svg_path.__module__]
    side.cool()  # no job came: its input closes and it ends without an answer
    assert idle.returncode == 0 and not side._WARM


def _seed_tables() -> list[tuple[str, "pd.DataFrame"]]:
    import pandas as pd

    from pathlib import Path

    text = next((Path(__file__).resolve().parents[1] / "corpora").glob("*.txt")).read_text(encoding="utf-8")
    lines = [x for x in text.splitlines() if x.strip()]
    return [("paragraphs", pd.DataFrame({"n": range(len(lines)), "text": lines})),
            ("chars", pd.DataFrame({"line": range(50), "chars": [len(x) for x in lines[:50]]})),
            ("paragraphs", pd.DataFrame({"n": [0], "text": [lines[0]]}))]  # a later table of a name wins


def test_the_tables_are_shared_between_the_side_process_and_the_report(tmp_path):
    """write_tables runs in a side process while the report's process writes the CSVs it has
    not claimed (share_tables): each CSV is written once, whole, by one of them; a CSV claimed
    by a side process that died unwritten is written by finish_tables."""
    from pipeline.report.writer import finish_tables, share_tables, write_tables

    tables = _seed_tables()
    want = {"paragraphs": tables[2][1], "chars": tables[1][1]}
    for case in ("side", "died"):
        root = tmp_path / case
        (root / "data").mkdir(parents=True)
        ctx = types.SimpleNamespace(memo={})
        with workers(ctx):
            if case == "died":  # as if a side process had claimed this CSV and been killed
                (root / "data" / "chars.csv.claim").touch()
                write_tables(tables, root)  # the inline redo: skips what is claimed
                assert not (root / "data" / "chars.csv").exists()
            else:
                job = submit(ctx, write_tables, tables, root)
                share_tables(tables, root)
                job.result()
            finish_tables(tables, root)
        assert sorted(p.name for p in (root / "data").iterdir()) == ["chars.csv", "paragraphs.csv"]
        for name, df in want.items():
            assert (root / "data" / f"{name}.csv").read_text(encoding="utf-8") == df.to_csv(index=False, lineterminator="\n")
        assert (root / "report.xlsx").stat().st_size > 0


def _pid_and(x: int) -> tuple[int, int]:
    return os.getpid(), x * 2


def test_a_session_answers_its_calls_in_one_process_and_redoes_what_it_cannot():
    """The early figures' side process (``side.Session``): calls answered in order by one
    process (asked for in any order), an error raised where its result is asked for, and once
    the process dies the calls it did not answer run here; a session whose calls are all
    cancelled ends its process."""
    from pipeline import side

    s = side.Session()
    calls = [s.call(_pid_and, (i,)) for i in range(4)]
    bad = s.call(_fail, ("no such figure",))
    assert calls[2].result()[1] == 4  # asked out of order: the earlier answers are kept
    pids = {c.result()[0] for c in calls}
    assert len(pids) == 1 and os.getpid() not in pids
    with pytest.raises(ValueError, match="no such figure"):
        bad.result()
    s.call(_die, ())  # killed, say: never asked for here (it would end this process too)
    after = s.call(_pid_and, (5,))
    assert after.result() == (os.getpid(), 10)  # the process died at the call before: done here
    assert s.proc is None
    s2 = side.Session()
    c = s2.call(_pid_and, (1,))
    assert c.result()[1] == 2
    idle = s2.call(_pid_and, (2,))
    p2 = s2.proc
    idle.cancel()  # nothing of the session is wanted any more: its process is stopped
    assert s2.proc is None and p2.poll() is not None


def _big(n: int) -> bytes:
    return b"x" * n


def _touch(path: str) -> int:
    with open(path, "w") as f:
        f.write(str(os.getpid()))
    return os.getpid()


def test_a_session_works_on_its_next_call_while_an_earlier_answer_is_not_read(tmp_path):
    """An answer larger than a pipe (a figure's PNG) is not asked for until the report's end;
    the session's next call (the concept timeline, asked for beside the stages) must be done
    meanwhile, not after the first answer is read."""
    import time

    from pipeline import side

    s = side.Session()
    big = s.call(_big, (4 * 2**20,))  # far more than a pipe's 64 KB
    marker = tmp_path / "second-call-ran"
    second = s.call(_touch, (str(marker),))
    deadline = time.monotonic() + 30
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the second call waited for the first answer to be read"
    assert len(big.result()) == 4 * 2**20
    assert second.result() == int(marker.read_text()) != os.getpid()
    s.close()


def _wait_for(path: str) -> int:
    import time

    deadline = time.monotonic() + 60
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.05)
    return os.getpid()


def test_an_answer_read_is_not_waited_for_behind_a_later_one(tmp_path):
    """After ``Session.finish`` a thread reads the answers in order and waits for each: an
    answer already read (pyLDAvis's layout, sent to the tables' process before the tables) is
    returned at once, not once every later call (the tables) is answered."""
    import threading

    from pipeline import side

    s = side.Session()
    first = s.call(_pid_and, (5,))
    gate = tmp_path / "go"
    later = s.call(_wait_for, (str(gate),))  # answered only once the test says so
    s.finish()
    got: list = []
    asker = threading.Thread(target=lambda: got.append(first.result()), daemon=True)
    asker.start()
    asker.join(30)
    try:
        assert got and got[0][1] == 10, "the first answer waited for the later call"
        assert later.outcome is None  # the later call is still not answered
    finally:
        gate.touch()
    assert later.result() == got[0][0] != os.getpid()
    s.close()


def test_a_finished_session_ends_its_process_before_its_answers_are_asked_for():
    """``Session.finish`` (the early figures, once every stage they are drawn from has run):
    the process answers what it was given and ends, its answers (here larger than a pipe) read
    by this process meanwhile, so it does not live on through the report; a call made after
    runs here; close() after finish() returns at once."""
    import time

    from pipeline import side

    s = side.Session()
    big = s.call(_big, (4 * 2**20,))
    other = s.call(_pid_and, (3,))
    proc = s.proc
    s.finish()
    deadline = time.monotonic() + 30
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() == 0, "the finished session's process lived on, waiting for its answers to be read"
    late = s.call(_pid_and, (4,))
    assert late.result() == (os.getpid(), 8)
    assert len(big.result()) == 4 * 2**20
    pid, doubled = other.result()
    assert doubled == 6 and pid == proc.pid
    s.close()
    # a session closed while a finished process still works is stopped at once, not waited for
    slow = side.Session()
    slow.call(time.sleep, (60,))
    slow.finish()
    t = time.monotonic()
    slow.close()
    assert time.monotonic() - t < 10 and slow.proc is None


def test_a_jobs_process_ends_when_its_work_is_done_not_when_its_result_is_asked_for():
    """``side.Job`` (the topic fit beside the concepts stage, the report's figures and tables):
    the answer, here larger than a pipe, is read as soon as it is written, so the process ends
    with its work instead of living on (the topic fit's 247 MB at 10,000 papers) until the
    caller asks for the result, which is then the same."""
    import time

    from pipeline import side

    job = side.Job(_big, (4 * 2**20,), side=True)
    proc = job.proc
    assert proc is not None
    deadline = time.monotonic() + 30
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() == 0, "the process waited for its answer to be asked for"
    assert job.result() == b"x" * (4 * 2**20)
    lost = side.Job(_die_unless, (os.getpid(),), side=True)  # died without an answer: done here
    assert lost.result() == os.getpid()
    slow = side.Job(time.sleep, (60,), side=True)
    started = time.monotonic()
    slow.cancel()  # stopped at once, its reader thread too
    assert time.monotonic() - started < 10 and slow.proc is None


def _xlsx_parts(path: Path) -> dict[str, bytes]:
    import zipfile

    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_the_tables_streamed_to_a_side_process_are_the_tables_written_whole(tmp_path, monkeypatch):
    """``writer.TablesStream``: the report's tables sent to one side process a run of rows at a
    time (here 40 rows, so the seed's lines take several runs), added a few at a time as the
    report's sections are built, give the CSVs and the workbook that ``write_tables`` writes in
    one call, byte for byte. A name added again (a later table of a name replaces an earlier
    one) stops the side process, and ``result`` writes the tables here, the same files again;
    so does a side process killed before it answered, and every CSV is there after
    ``finish_tables``."""
    import pandas as pd

    from pipeline.report import writer
    from pipeline.report.writer import TablesStream, finish_tables, write_tables

    seed = _seed_tables()
    tables = [("lines", seed[0][1]), seed[1], ("empty", pd.DataFrame({"a": []}))]
    again = tables + [("lines", seed[2][1])]  # a later table of a name replaces the earlier one
    assert len(tables[0][1]) > 100 and tables[0][0] == "lines"
    monkeypatch.setattr(writer, "STREAM_ROWS", 40)
    roots = {n: tmp_path / n for n in ("whole", "streamed", "whole_again", "again", "killed")}
    for root in roots.values():
        (root / "data").mkdir(parents=True)
    for name, given in (("whole", tables), ("whole_again", again)):
        write_tables(given, roots[name])
        finish_tables(given, roots[name])
    stream = TablesStream(tables[:1], roots["streamed"], side=True, done=False)
    stream.add(tables[1:])
    assert stream.session.proc is not None and len(stream.calls) > 6
    stream.result()
    redone = TablesStream(again[:2], roots["again"], side=True, done=False)
    assert redone.calls
    redone.add(again[2:])
    assert not redone.calls  # stopped: written here
    redone.result()
    dead = TablesStream(tables, roots["killed"], side=True)
    dead.session.proc.kill()  # before it could import pandas and answer: nothing was written there
    dead.result()
    assert {status for status, _v in dead.session.answers()} == {"lost"}  # written here instead
    for name, want, given in (("streamed", "whole", tables), ("killed", "whole", tables),
                              ("again", "whole_again", again)):
        root, whole = roots[name], roots[want]
        finish_tables(given, root)
        assert sorted(p.name for p in (root / "data").iterdir()) == sorted(p.name for p in (whole / "data").iterdir())
        for p in (whole / "data").iterdir():
            assert (root / "data" / p.name).read_bytes() == p.read_bytes(), (name, p.name)
        assert _xlsx_parts(root / "report.xlsx") == _xlsx_parts(whole / "report.xlsx"), name
    assert pd.read_excel(roots["streamed"] / "report.xlsx", sheet_name="lines")["text"].tolist() == \
        tables[0][1]["text"].tolist()
    assert pd.read_excel(roots["again"] / "report.xlsx", sheet_name="lines")["text"].tolist() == \
        again[-1][1]["text"].tolist()

def test_work_beside_the_tables_is_answered_by_their_process_and_is_not_theirs(tmp_path):
    """``background.beside_tables``: pyLDAvis's layout runs in the tables' side process (no
    process of its own beside it and the driver), after the tables sent before it. Its error is
    raised where its result is asked for; the tables' result neither raises it nor writes the
    tables again for it. Without a tables' stream the work runs as ``submit`` runs it."""
    from pipeline.report.background import beside_tables, stream_tables
    from pipeline.report.writer import finish_tables, write_tables

    seed = _seed_tables()[:2]  # two names: a name again would stop the stream
    roots = {n: tmp_path / n for n in ("whole", "streamed")}
    for root in roots.values():
        (root / "data").mkdir(parents=True)
    write_tables(seed, roots["whole"])
    finish_tables(seed, roots["whole"])
    ctx = types.SimpleNamespace(memo={})
    with workers(ctx):
        stream = stream_tables(ctx, seed[:1], roots["streamed"], done=False)
        tables_pid = stream.session.proc.pid
        pid, _rss, total = beside_tables(ctx, _pid_and_rss, [1, 2, 3]).result()
        failing = beside_tables(ctx, _fail, "no layout for 中心—散点")
        stream.add(seed[1:])
        stream.finish()
        assert stream.session.proc is not None  # the stream went on: the tables are its own
        assert pid == tables_pid != os.getpid() and total == 6
        with pytest.raises(ValueError, match="中心—散点"):
            failing.result()
        # every table call and the first work answered, the failing work's error in its place
        assert sorted(status for status, _v in stream.session.answers()) == ["error"] + ["ok"] * (len(stream.calls) + 1)
        stream.result()  # the layout's error is not the tables'
    finish_tables(seed, roots["streamed"])
    for p in (roots["whole"] / "data").iterdir():
        assert (roots["streamed"] / "data" / p.name).read_bytes() == p.read_bytes(), p.name
    assert _xlsx_parts(roots["streamed"] / "report.xlsx") == _xlsx_parts(roots["whole"] / "report.xlsx")
    alone = types.SimpleNamespace(memo={})
    with workers(alone):
        pid, _rss, _t = beside_tables(alone, _pid_and_rss, [1]).result()
    assert pid not in (os.getpid(), tables_pid)
