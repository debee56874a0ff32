"""Concurrent checks judged together (and the decisions given together logged in one transaction).

Checks that arrive together, for the same pack, version and assumptions, are
judged in one pass in a worker thread: a check waits at most ``max_wait``
seconds for company, and a batch never exceeds ``max_size`` uses. Each caller
gets exactly its own use's decision or error.

For uses located by an area one table pass costs about what one use costs.
A plain use (a point or a named place) takes the scalar path, about a
millisecond, inside a pass too, and still gains from it under load: judged at
once in the event loop instead, one worker under 64 connections answered
300-340 new uses/s with p99 2.5-3.8 s, against 390-510/s and p99 0.24-0.31 s
batched (``benchmarks/bench_http.py``, 2026-12-04, same runs interleaved).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from starlette.concurrency import run_in_threadpool


class Batcher:
    """Gathers ``submit`` calls sharing a key and judges them with ``judge(key, items)`` in a worker thread.

    One pass runs at a time; checks arriving meanwhile wait and form the next pass, so a busy server
    makes larger batches rather than more threads competing for the interpreter. ``judge`` returns
    one result per item, in order; a result that is an exception is raised to its caller alone. An
    exception raised by ``judge`` itself goes to every caller of that pass.
    """

    def __init__(self, judge: Callable[[Hashable, Sequence[Any]], Sequence[Any]], *, max_size: int = 64,
                 max_wait: float = 0.002) -> None:
        self._judge = judge
        self._max_size = max_size
        self._max_wait = max_wait
        self._pending: dict[Hashable, list[tuple[Any, asyncio.Future]]] = {}
        self._one_pass = asyncio.Lock()

    async def submit(self, key: Hashable, item: Any) -> Any:
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()
        waiting = self._pending.setdefault(key, [])
        waiting.append((item, future))
        if len(waiting) == 1:
            loop.call_later(self._max_wait, lambda: asyncio.ensure_future(self._drain(key)))
        return await future

    async def _drain(self, key: Hashable) -> None:
        async with self._one_pass:
            while waiting := self._pending.get(key):
                batch, self._pending[key] = waiting[: self._max_size], waiting[self._max_size :]
                await self._run(key, batch)
            self._pending.pop(key, None)

    async def _run(self, key: Hashable, batch: list[tuple[Any, asyncio.Future]]) -> None:
        try:
            results = await run_in_threadpool(self._judge, key, [item for item, _ in batch])
        except Exception as error:  # noqa: BLE001 - handed to every caller of the pass
            for _, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():
                continue
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)
