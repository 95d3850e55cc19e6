"""Lazy iteration over paged listings, whatever the provider."""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable
from typing import Generic, Self, TypeVar

import attrs

__all__ = ["PageMeta", "Pages"]

_T = TypeVar("_T")


@attrs.frozen
class PageMeta:
    """Where a page of a listing stands: its number and size, and the totals when known.

    Telnyx answers all four; Catapult none, so its listings fill in what
    they know (`total_pages` None once a short page shows the end is near).
    """

    page_number: int | None = None
    page_size: int | None = None
    total_pages: int | None = None
    total_results: int | None = None


class Pages(Generic[_T]):
    """The items of a listing, fetched a page at a time as you iterate.

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
