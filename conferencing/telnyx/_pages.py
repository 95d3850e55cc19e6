"""Lazy iteration over Telnyx's paged listings."""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable
from typing import Generic, Self, TypeVar

from ._models import PageMeta

__all__ = ["Pages"]

_T = TypeVar("_T")


class Pages(Generic[_T]):
    """The items of a Telnyx listing, fetched a page at a time as you iterate.

    `async for item in pages:` asks for page 1, yields its items, then asks
    for page 2 only when they are used up, and so on; it stops after the
    page numbered `total_pages`, or at the first empty page, whichever comes
    first. Each `Pages` is iterated once. `meta` is the last page's `PageMeta`.
    """

    def __init__(self, fetch: Callable[[int], Awaitable[tuple[tuple[_T, ...], PageMeta]]]) -> None:
        self._fetch = fetch
        self._buffer: deque[_T] = deque()
        self._next_page = 1
        self._done = False
        self.meta: PageMeta | None = None

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> _T:
        while not self._buffer:
            if self._done:
                raise StopAsyncIteration
            items, meta = await self._fetch(self._next_page)
            self.meta = meta
            # Our own page counter, not the answer's page_number: a server
            # that repeats a page number cannot keep us on one page forever.
            total = meta.total_pages
            self._done = not items or total is None or self._next_page >= total
            self._next_page += 1
            self._buffer.extend(items)
        return self._buffer.popleft()
