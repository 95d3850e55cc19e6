"""Request headers that hold a credential, and never show it."""

from __future__ import annotations

from multidict import CIMultiDict

__all__ = ["AuthHeaders"]

_SECRET = frozenset({"authorization", "proxy-authorization"})


class AuthHeaders(CIMultiDict[str]):
    """Request headers whose repr never shows an `Authorization` or `Proxy-Authorization` value.

    A `CIMultiDict`, the type aiohttp keeps headers in, so that it need not
    convert them on every request.
    """

    def __repr__(self) -> str:
        shown = {k: ("***" if k.lower() in _SECRET else v) for k, v in self.items()}
        return f"AuthHeaders({shown!r})"

    __str__ = __repr__
