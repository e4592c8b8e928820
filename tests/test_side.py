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
