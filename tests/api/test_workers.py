"""The worker processes: the whole pool is replaced after its recycle count, and no request is lost meanwhile."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time

import pytest
from starlette.responses import Response

from service.api import _facts_answer
from service.criteria import Catalog, load_catalog
from service.settings import Settings, default_criteria_dir
from service.workers import WorkPool

DAY = dt.date(2026, 11, 22)


def _pid(body: bytearray, catalog: Catalog, stop: object) -> Response:
    """Work that answers with the id of the worker process that ran it."""
    return Response(str(os.getpid()))


@pytest.mark.slow
def test_pool_is_replaced_without_losing_or_changing_answers(baseline_bytes: bytes) -> None:
    """Two workers recycled after 2 requests each: two replacements, every answer right, new worker ids."""
    settings = Settings(criteria_dir=default_criteria_dir())
    catalog = load_catalog(settings.criteria_dir, settings.copies_per_iu)
    expected = _facts_answer(bytearray(baseline_bytes), catalog, DAY, settings.max_entries, lambda: False).body
    pool = WorkPool(2, settings.criteria_dir, settings.copies_per_iu, recycle_after=2)

    async def facts() -> bytes:
        return bytes((await pool.run(_facts_answer, bytearray(baseline_bytes), (DAY, settings.max_entries), None)).body)

    async def pid() -> str:
        return bytes((await pool.run(_pid, bytearray(), (), None)).body).decode()

    async def scenario() -> tuple[list[bytes], set[str]]:
        await asyncio.gather(*(asyncio.wrap_future(ready) for ready in pool.start()))
        answers: list[bytes] = []
        pids: set[str] = set()
        deadline = time.monotonic() + 120
        while len(pids) < 6 and time.monotonic() < deadline:  # three pools of two workers: two replacements
            answers += await asyncio.gather(*(facts() for _ in range(4)))
            pids.update(await asyncio.gather(*(pid() for _ in range(4))))
        return answers, pids

    try:
        answers, pids = asyncio.run(scenario())
    finally:
        pool.stop()
    assert answers == [expected] * len(answers)
    assert len(pids) >= 6, pids


@pytest.mark.slow
def test_stop_during_a_replacement_stops_both_pools() -> None:
    """Stopping the pool while its replacement is still starting shuts both down and leaves no replacement behind."""
    settings = Settings(criteria_dir=default_criteria_dir())
    pool = WorkPool(1, settings.criteria_dir, settings.copies_per_iu, recycle_after=1)

    async def scenario() -> bool:
        await asyncio.gather(*(asyncio.wrap_future(ready) for ready in pool.start()))
        await pool.run(_pid, bytearray(), (), None)  # the first request starts the replacement
        return pool.replacement is not None

    try:
        replacing = asyncio.run(scenario())
    finally:
        pool.stop()
    assert replacing
    assert pool.executor is None and pool.replacement is None
