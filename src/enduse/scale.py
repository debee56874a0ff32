"""Scale-out: the audit's per-batch function run on a Dask cluster.

Reading, row numbering and the atomic writers stay in the calling process, so
a Dask run writes exactly what a local run writes; only judging the batches
moves to the workers. Workers rebuild the caller's judge from its spec (pack
directories and changed assumptions) because compiled Cedar handles do not
travel; each worker builds it once.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping

import polars as pl

from enduse.errors import InputError
from enduse.judge import Judge, JudgeSpec

#: What a worker runs on a batch: ``work(batch, judge, first_row=..., mapping=...)`` → (decided, rejected).
Work = Callable[..., tuple[pl.DataFrame, pl.DataFrame]]


def _judge_remote(work: Work, batch: pl.DataFrame, spec: JudgeSpec, mapping: Mapping[str, str], first_row: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    judge: Judge = spec.build()
    return work(batch, judge, first_row=first_row, mapping=mapping)


def dask_batches(
    numbered: Iterable[tuple[int, pl.DataFrame]],
    work: Work,
    spec: JudgeSpec,
    *,
    mapping: Mapping[str, str],
    scheduler: str | None = None,
    window: int = 4,
) -> Iterator[tuple[pl.DataFrame, pl.DataFrame]]:
    """Run ``work`` on ``(first_row, batch)`` pairs on a Dask cluster with the judge ``spec`` describes, in input order.

    ``scheduler`` is the address of a running scheduler; without one a local
    cluster of two worker processes is started for the run. At most ``window``
    batches are in flight, which bounds memory like the local engine.
    """
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise InputError("--engine dask needs Dask: pip install 'enduse[dask]'") from None
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout="10s")
        else:
            cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)
            client = Client(cluster)
    except OSError as error:
        raise InputError(f"cannot reach the Dask scheduler {scheduler!r}: {error}") from None
    try:
        pending = deque()
        for first_row, batch in numbered:
            pending.append(client.submit(_judge_remote, work, batch, spec, dict(mapping), first_row, pure=False))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
