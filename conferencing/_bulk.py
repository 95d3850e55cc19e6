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
import functools
import time
from collections import Counter
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
)
from types import TracebackType
from typing import Any, Generic, Literal, Protocol, Self, TypeAlias, TypeVar

import attrs

from ._errors import ConferencingError, OutcomeUnknownError, ValidationError
from ._send import SENDING

__all__ = [
    "BulkCreated",
    "BulkFailed",
    "BulkOutcome",
    "BulkResult",
    "BulkRun",
    "BulkSummary",
    "ConferenceCreator",
    "create_many",
]

_C = TypeVar("_C")
_C_co = TypeVar("_C_co", covariant=True)


class ConferenceCreator(Protocol[_C_co]):
    """Anything with the clients' `create_conference(request | **fields)`."""

    @property
    def create_conference(self) -> Callable[..., Awaitable[_C_co]]:
        """Called as `create_conference(request)` or `create_conference(**fields)`."""
        ...


@attrs.frozen
class BulkResult:
    """What every outcome of one input item has; an outcome is a `BulkCreated` or a `BulkFailed`.

    Test `result.ok` (or `isinstance`): a type checker then knows which one
    it holds, so `if result.ok: result.conference.id` type-checks.
    """

    #: The item's position in the input, from 0.
    index: int
    #: The item as given: a request object or a mapping of its fields.
    request: object
    #: The `command_id` the create carried, when the item gave one or the
    #: error reports one (Telnyx); sending the item again with it is safe.
    command_id: str | None = attrs.field(default=None, kw_only=True)


@attrs.frozen
class BulkCreated(BulkResult, Generic[_C]):
    """The conference was created: `conference` is what the client returned."""

    conference: _C = attrs.field(kw_only=True)

    @property
    def error(self) -> None:
        """Always None: nothing went wrong."""

    @property
    def ok(self) -> Literal[True]:
        """Always True: the conference was created."""
        return True


@attrs.frozen
class BulkFailed(BulkResult):
    """The create failed, with a typed `error` (`OutcomeUnknownError`: it may exist anyway)."""

    error: ConferencingError = attrs.field(kw_only=True)

    @property
    def conference(self) -> None:
        """Always None: no conference is known to have been created."""

    @property
    def ok(self) -> Literal[False]:
        """Always False: see `error`."""
        return False

    @property
    def unknown(self) -> bool:
        """Whether the conference may exist anyway (the error is `OutcomeUnknownError`)."""
        return isinstance(self.error, OutcomeUnknownError)


#: One item's outcome, as `BulkRun` yields it.
BulkOutcome: TypeAlias = BulkCreated[_C] | BulkFailed


@attrs.define
class BulkSummary:
    """Counts over the results seen so far; final once the run is exhausted."""

    created: int = 0
    #: Items that failed and created nothing (every error but `OutcomeUnknownError`).
    failed: int = 0
    #: Items whose conference may exist anyway (`OutcomeUnknownError`); not in `failed`.
    unknown: int = 0
    #: Failures, unknown outcomes included, by exception class name.
    errors: Counter[str] = attrs.field(factory=Counter)
    elapsed: float = 0.0

    @property
    def total(self) -> int:
        """Results seen: created, failed and unknown."""
        return self.created + self.failed + self.unknown

    @property
    def rate(self) -> float:
        """Results per second of wall time."""
        return self.total / self.elapsed if self.elapsed > 0 else 0.0

    def add(self, result: BulkOutcome[Any]) -> None:
        """Count one result."""
        if result.ok:
            self.created += 1
            return
        self.errors[type(result.error).__name__] += 1
        if result.unknown:
            self.unknown += 1
        else:
            self.failed += 1


_DONE: Any = object()


def _command_id_of(item: object) -> str | None:
    """The `command_id` an input item sets, if it sets one."""
    found = (
        item.get("command_id") if isinstance(item, Mapping) else getattr(item, "command_id", None)
    )
    return found if isinstance(found, str) else None


class BulkRun(Generic[_C]):
    """An async iterator of outcomes (`BulkCreated` or `BulkFailed`) in completion order.

    Use it in `async for`; to stop early, use it as `async with` (or call
    `aclose()`): in-flight requests are then cancelled and awaited, so no
    task outlives the run. If reading the input raises, the items already
    taken from it are finished and yielded first, then the input's error
    is raised: nothing sent goes unreported.
    """

    def __init__(
        self,
        client: ConferenceCreator[_C],
        requests: Iterable[object] | AsyncIterable[object],
        *,
        concurrency: int,
        on_send: Callable[[int, object], None] | None = None,
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
        self._on_send = on_send
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
        self._spawn()

    def _spawn(self) -> None:
        # Workers start one by one as the input proves to have items, so a
        # wide `concurrency` over a short input costs only what it uses.
        self._workers.append(
            asyncio.create_task(self._work(), name=f"conferencing-bulk-{len(self._workers)}")
        )

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> BulkOutcome[_C]:
        if self._closed:
            raise StopAsyncIteration
        if self._results is None:
            self._start()
        results = self._results
        assert results is not None  # noqa: S101 - set by _start
        while True:
            if self._finished_workers == len(self._workers) and results.empty():
                await self.aclose()
                if self._failure is not None:
                    # Every item taken from the input has had its outcome.
                    raise self._failure
                raise StopAsyncIteration
            try:
                result = await results.get()
            except BaseException:
                # The consumer was cancelled: take the in-flight work with it.
                await self.aclose()
                raise
            if result is _DONE:
                self._finished_workers += 1
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
                if len(self._workers) < self._concurrency and not self._exhausted:
                    self._spawn()
                index, item = pulled
                await self._results.put(await self._create(index, item))
        except Exception as exc:  # noqa: BLE001 - the input failed; the consumer hears of it
            self._failure = exc
            self._exhausted = True
        await self._results.put(_DONE)

    async def _create(self, index: int, item: object) -> BulkOutcome[_C]:
        token = None
        if self._on_send is not None:
            token = SENDING.set(functools.partial(self._on_send, index, item))
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
            command_id = getattr(exc, "command_id", None) or _command_id_of(item)
            return BulkFailed(index, item, command_id=command_id, error=exc)
        finally:
            if token is not None:
                SENDING.reset(token)
        return BulkCreated(index, item, command_id=_command_id_of(item), conference=conference)

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
    on_send: Callable[[int, object], None] | None = None,
) -> BulkRun[_C]:
    """Create a conference for each item of `requests`, `concurrency` at a time.

    Items are request objects (`telnyx.CreateConferenceRequest`, ...) or
    mappings of their fields; the input may be any iterable or async
    iterable and is read only as fast as requests go out. No more tasks
    are started than there are items.

    `on_send(index, item)`, when given, is called the moment an item's
    request is about to leave (after any pacing and the wait for a
    connection slot; again before each retry): the place to record "may
    exist from now on" for a create that has no idempotency key.

    ```python
    async with create_many(tx, requests, concurrency=64) as run:
        async for result in run:
            if result.ok:
                print(result.index, result.conference)
            else:
                print(result.index, result.error)
    print(run.summary)
    ```
    """
    return BulkRun(client, requests, concurrency=concurrency, on_send=on_send)
