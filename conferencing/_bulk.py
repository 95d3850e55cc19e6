"""Bulk creation: many conferences, each with exactly one outcome, none lost.

`create_many` reads its input lazily and keeps only `concurrency` requests
in flight, so memory stays flat however long the input is. Each input gets
one `BulkResult`, in completion order; a failed item is a result with an
`error`, never an exception that stops the batch. Whether a failed create
may be retried is the client's business (its `RetryPolicy`), so a bulk run
is exactly as safe from duplicates as a single call.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Iterable, Iterator, Mapping
from types import TracebackType
from typing import Any, Generic, Protocol, Self, TypeVar

import attrs

from ._errors import ConferencingError, OutcomeUnknownError, ValidationError

__all__ = ["BulkResult", "BulkRun", "BulkSummary", "ConferenceCreator", "create_many"]

_C = TypeVar("_C")
_C_co = TypeVar("_C_co", covariant=True)


class ConferenceCreator(Protocol[_C_co]):
    """Anything with the clients' `create_conference(request | **fields)`."""

    def create_conference(self, request: Any = None, /, **fields: Any) -> Awaitable[_C_co]:
        """Create one conference."""
        ...


@attrs.frozen
class BulkResult(Generic[_C]):
    """The outcome of one input item: the created conference, or the typed error."""

    #: The item's position in the input, from 0.
    index: int
    #: The item as given: a request object or a mapping of its fields.
    request: object
    #: What the client returned, when the create succeeded.
    conference: _C | None = None
    #: Why it failed, when it did (`OutcomeUnknownError`: it may exist anyway).
    error: ConferencingError | None = None

    @property
    def ok(self) -> bool:
        """Whether the conference was created."""
        return self.error is None


@attrs.define
class BulkSummary:
    """Counts over the results seen so far; final once the run is exhausted."""

    created: int = 0
    failed: int = 0
    #: Failures whose conference may exist anyway (`OutcomeUnknownError`).
    unknown: int = 0
    #: Failures by exception class name.
    errors: Counter[str] = attrs.field(factory=Counter)
    elapsed: float = 0.0

    @property
    def total(self) -> int:
        """Results seen."""
        return self.created + self.failed

    @property
    def rate(self) -> float:
        """Results per second of wall time."""
        return self.total / self.elapsed if self.elapsed > 0 else 0.0

    def add(self, result: BulkResult[Any]) -> None:
        """Count one result."""
        if result.error is None:
            self.created += 1
            return
        self.failed += 1
        self.errors[type(result.error).__name__] += 1
        if isinstance(result.error, OutcomeUnknownError):
            self.unknown += 1


_DONE: Any = object()


class BulkRun(Generic[_C]):
    """An async iterator of `BulkResult`s in completion order, with a `summary`.

    Use it in `async for`; to stop early, use it as `async with` (or call
    `aclose()`): in-flight requests are then cancelled and awaited, so no
    task outlives the run.
    """

    def __init__(
        self,
        client: ConferenceCreator[_C],
        requests: Iterable[object] | AsyncIterable[object],
        *,
        concurrency: int,
    ) -> None:
        given: object = concurrency
        if isinstance(given, bool) or not isinstance(given, int) or given < 1:
            raise ValidationError(
                f"concurrency must be an int >= 1, got {given!r}", field="concurrency"
            )
        self._client = client
        self._sync: Iterator[object] | None = None
        self._async: AsyncIterator[object] | None = None
        if isinstance(requests, AsyncIterable):
            self._async = aiter(requests)
        else:
            self._sync = iter(requests)
        self._concurrency = concurrency
        self._summary = BulkSummary()
        self._workers: list[asyncio.Task[None]] = []
        self._results: asyncio.Queue[Any] | None = None
        self._pull_lock: asyncio.Lock | None = None
        self._next_index = 0
        self._exhausted = False
        self._finished_workers = 0
        self._failure: BaseException | None = None
        self._started_at = 0.0
        self._closed = False

    @property
    def summary(self) -> BulkSummary:
        """Counts so far; complete when iteration has ended."""
        if self._started_at and not self._closed:
            self._summary.elapsed = time.monotonic() - self._started_at
        return self._summary

    def _start(self) -> None:
        # A bounded queue: when the consumer is slow, workers wait instead
        # of piling results up in memory.
        self._results = asyncio.Queue(maxsize=self._concurrency)
        self._pull_lock = asyncio.Lock()
        self._started_at = time.monotonic()
        self._workers = [
            asyncio.create_task(self._work(), name=f"conferencing-bulk-{n}")
            for n in range(self._concurrency)
        ]

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> BulkResult[_C]:
        if self._closed:
            raise StopAsyncIteration
        if self._results is None:
            self._start()
        results = self._results
        assert results is not None  # noqa: S101 - set by _start
        while True:
            if self._finished_workers == len(self._workers) and results.empty():
                await self.aclose()
                raise StopAsyncIteration
            try:
                result = await results.get()
            except BaseException:
                # The consumer was cancelled: take the in-flight work with it.
                await self.aclose()
                raise
            if result is _DONE:
                self._finished_workers += 1
                if self._failure is not None:
                    failure = self._failure
                    await self.aclose()
                    raise failure
                continue
            self._summary.add(result)
            return result  # type: ignore[no-any-return]

    async def _pull(self) -> tuple[int, object] | None:
        """The next input item and its index, or None at the end of the input."""
        assert self._pull_lock is not None  # noqa: S101 - set by _start
        async with self._pull_lock:
            if self._exhausted:
                return None
            try:
                if self._sync is not None:
                    item = next(self._sync)
                else:
                    assert self._async is not None  # noqa: S101
                    item = await anext(self._async)
            except (StopIteration, StopAsyncIteration):
                self._exhausted = True
                return None
            index = self._next_index
            self._next_index += 1
            return index, item

    async def _work(self) -> None:
        assert self._results is not None  # noqa: S101 - set by _start
        try:
            while (pulled := await self._pull()) is not None:
                index, item = pulled
                await self._results.put(await self._create(index, item))
        except Exception as exc:  # noqa: BLE001 - the input failed; the consumer hears of it
            self._failure = exc
            self._exhausted = True
        await self._results.put(_DONE)

    async def _create(self, index: int, item: object) -> BulkResult[_C]:
        try:
            if isinstance(item, Mapping):
                fields = dict(item)
                if not all(isinstance(name, str) for name in fields):
                    raise ValidationError("field names must be strings")
                conference = await self._client.create_conference(**fields)
            else:
                # The client refuses anything but its request class.
                conference = await self._client.create_conference(item)
        except ConferencingError as exc:
            return BulkResult(index=index, request=item, error=exc)
        return BulkResult(index=index, request=item, conference=conference)

    async def aclose(self) -> None:
        """Stop: cancel in-flight requests and wait for them; calling it again does nothing."""
        if self._closed:
            return
        if self._started_at:
            self._summary.elapsed = time.monotonic() - self._started_at
        self._closed = True
        for worker in self._workers:
            worker.cancel()
        if self._workers:
            await asyncio.gather(*self._workers, return_exceptions=True)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def create_many(
    client: ConferenceCreator[_C],
    requests: Iterable[object] | AsyncIterable[object],
    *,
    concurrency: int = 32,
) -> BulkRun[_C]:
    """Create a conference for each item of `requests`, `concurrency` at a time.

    Items are request objects (`telnyx.CreateConferenceRequest`, ...) or
    mappings of their fields; the input may be any iterable or async
    iterable and is read only as fast as requests go out.

    ```python
    async with create_many(tx, requests, concurrency=64) as run:
        async for result in run:
            print(result.index, result.conference or result.error)
    print(run.summary)
    ```
    """
    return BulkRun(client, requests, concurrency=concurrency)
