"""Proxies and connector options: where requests go, and that a proxy password never shows."""

from __future__ import annotations

import asyncio
import base64
import logging
import warnings
from typing import Any

import pytest
from hardening_support import (
    BOUND,
    CATAPULT_CONFERENCE,
    CCID,
    FROM,
    TELNYX_CONFERENCE,
    RawServer,
    Received,
    ServeFn,
    answer,
    catapult_client,
    error_chain_texts,
    json_answer,
    raw,
    telnyx_client,
)

from conferencing import (
    ConferencingError,
    ConfigurationError,
    Hooks,
    OutcomeUnknownError,
    RetryPolicy,
    SessionPool,
    TransportError,
)

pytest_plugins = ["hardening_fixtures"]

PROXY_USER = "user"
PROXY_PASSWORD = "p@ss"  # noqa: S105 - a fake credential
#: The password as it stands, percent-encoded, in the proxy URL.
PROXY_PASSWORD_IN_URL = "p%40ss"  # noqa: S105 - a fake credential
PROXY_BASIC = base64.b64encode(f"{PROXY_USER}:{PROXY_PASSWORD}".encode()).decode()
PROXY_SECRETS = (PROXY_PASSWORD, PROXY_PASSWORD_IN_URL, PROXY_BASIC)
#: The environment variables aiohttp reads proxies from, in both spellings.
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY")


def proxy_url(server: RawServer | int) -> str:
    """The proxy URL of `server` (or a port), with the user and the percent-encoded password."""
    port = server if isinstance(server, int) else server.port
    return f"http://{PROXY_USER}:{PROXY_PASSWORD_IN_URL}@127.0.0.1:{port}"


def proxy_secrets_in(text: str) -> list[str]:
    """The proxy password, in any of its forms, wherever it shows in `text`."""
    return [secret for secret in PROXY_SECRETS if secret in text]


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy variable of the machine running the tests reaches them."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


async def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens any more."""
    server = await asyncio.start_server(lambda _r, _w: None, "127.0.0.1", 0)
    port = int(server.sockets[0].getsockname()[1])
    server.close()
    await server.wait_closed()
    return port


def telnyx_answer() -> bytes:
    return json_answer(200, {"data": TELNYX_CONFERENCE})


# --- Through a proxy ----------------------------------------------------------------


async def test_a_telnyx_request_goes_to_the_proxy_in_absolute_form(serve: ServeFn) -> None:
    """The proxy gets `POST http://origin/v2/...` with Basic user:p@ss; the origin gets nothing."""
    proxy = await serve(raw(telnyx_answer(), close=False))
    origin = await serve(raw(telnyx_answer(), close=False))
    async with SessionPool(proxy=proxy_url(proxy), timeout=BOUND) as pool:
        client = telnyx_client(origin, pool)
        conference = await client.create_conference(call_control_id=CCID, name="Proxied")
    assert TELNYX_CONFERENCE["id"] == conference.id
    [received] = proxy.requests
    assert f"POST {origin.origin}/v2/conferences HTTP/1.1" == received.request_line
    assert [f"Basic {PROXY_BASIC}"] == received.header("proxy-authorization")
    assert "Proxied" == received.json()["name"]
    assert [] == origin.requests


async def test_a_catapult_create_goes_through_the_proxy(serve: ServeFn) -> None:
    """A Catapult create and a fetch go through the proxy, each with Proxy-Authorization."""
    location = {"Location": "/v1/users/u-hardening/conferences/conf-1"}

    async def respond(
        _server: RawServer,
        _reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        received: Received,
    ) -> None:
        if received.method == "POST":
            writer.write(answer(201, headers=location))
        else:
            writer.write(json_answer(200, CATAPULT_CONFERENCE))
        await writer.drain()

    proxy = await serve(respond)
    origin = await serve(raw(telnyx_answer(), close=False))
    async with SessionPool(proxy=proxy_url(proxy), timeout=BOUND) as pool:
        client = catapult_client(origin, pool)
        ref = await client.create_conference(from_=FROM)
        fetched = await client.get_conference(ref.id)
    assert ("conf-1", "conf-1") == (ref.id, fetched.id)
    assert [
        f"POST {origin.origin}/v1/users/u-hardening/conferences HTTP/1.1",
        f"GET {origin.origin}/v1/users/u-hardening/conferences/conf-1 HTTP/1.1",
    ] == [r.request_line for r in proxy.requests]
    assert [[f"Basic {PROXY_BASIC}"]] * 2 == [
        r.header("proxy-authorization") for r in proxy.requests
    ]
    assert [] == origin.requests


async def test_a_proxy_without_user_info_gets_no_proxy_authorization(serve: ServeFn) -> None:
    """A proxy URL with no user info sends no Proxy-Authorization at all."""
    proxy = await serve(raw(telnyx_answer(), close=False))
    origin = await serve(raw(telnyx_answer(), close=False))
    async with SessionPool(proxy=proxy.origin, timeout=BOUND) as pool:
        await telnyx_client(origin, pool).get_conference("c-1")
    [received] = proxy.requests
    assert f"GET {origin.origin}/v2/conferences/c-1 HTTP/1.1" == received.request_line
    assert [] == received.header("proxy-authorization")


async def test_the_pools_repr_shows_the_proxy_but_not_its_password(serve: ServeFn) -> None:
    """repr(pool) names the proxy's host and port, without user info or password."""
    proxy = await serve(raw(telnyx_answer(), close=False))
    async with SessionPool(proxy=proxy_url(proxy)) as pool:
        shown = f"{pool!r} {pool!s}"
    assert f"127.0.0.1:{proxy.port}" in shown
    assert [] == proxy_secrets_in(shown)
    assert f"{PROXY_USER}:" not in shown


async def test_a_proxy_refusing_connections_is_a_transport_error_without_the_password() -> None:
    """Nothing listening at the proxy: TransportError, request not sent, no password anywhere."""
    async with SessionPool(proxy=proxy_url(await closed_port()), timeout=BOUND) as pool:
        client = telnyx_client(f"http://127.0.0.1:{await closed_port()}/v2", pool)
        with pytest.raises(ConferencingError) as caught:
            await client.get_conference("c-1")
        with pytest.raises(ConferencingError) as created:
            await client.create_conference(call_control_id=CCID, name="Refused")
    for error in (caught.value, created.value):
        assert TransportError is type(error), repr(error)
        assert isinstance(error, TransportError)
        assert not error.request_sent
        assert [] == proxy_secrets_in(error_chain_texts(error))


async def test_a_proxy_refusing_the_tunnel_means_the_request_was_not_sent(serve: ServeFn) -> None:
    """A 407 to CONNECT for an https origin: TransportError, no password, not sent nor retried."""
    refuse = raw(answer(407, reason="Proxy Authentication Required", close=True))
    proxy = await serve(refuse)
    retry = RetryPolicy(attempts=3, backoff_initial=0.01, jitter=0, deadline=5)
    async with SessionPool(proxy=proxy_url(proxy), timeout=BOUND) as pool:
        https_origin = f"https://127.0.0.1:{await closed_port()}"
        with pytest.raises(ConferencingError) as caught:
            await catapult_client(https_origin, pool, retry=retry).create_conference(from_=FROM)
    [received] = proxy.requests
    assert received.request_line.startswith("CONNECT 127.0.0.1:")
    assert [f"Basic {PROXY_BASIC}"] == received.header("proxy-authorization")
    assert [] == received.header("authorization")  # the provider's credentials stay in the tunnel
    error = caught.value
    assert [] == proxy_secrets_in(error_chain_texts(error))
    # The tunnel was refused: the create provably never reached Catapult.
    assert not isinstance(error, OutcomeUnknownError), repr(error)
    assert isinstance(error, TransportError)
    assert (False, True) == (error.request_sent, error.proxy_refused)


async def test_a_proxy_refusing_an_http_request_is_a_transport_error_not_sent(
    serve: ServeFn,
) -> None:
    """A 407 from the proxy for an http origin: TransportError naming the proxy, sent once."""
    refuse = raw(answer(407, reason="Proxy Authentication Required", close=True))
    proxy = await serve(refuse)
    retry = RetryPolicy(attempts=3, backoff_initial=0.01, jitter=0, deadline=5)
    async with SessionPool(proxy=proxy_url(proxy), timeout=BOUND) as pool:
        origin = f"http://127.0.0.1:{await closed_port()}"
        client = telnyx_client(f"{origin}/v2", pool, retry=retry)
        with pytest.raises(ConferencingError) as created:
            await client.create_conference(call_control_id=CCID, name="Refused")
        with pytest.raises(ConferencingError) as fetched:
            await client.get_conference("c-1")
    assert [
        f"POST {origin}/v2/conferences HTTP/1.1",
        f"GET {origin}/v2/conferences/c-1 HTTP/1.1",
    ] == [r.request_line for r in proxy.requests]
    for error in (created.value, fetched.value):
        # The provider never saw the request: not its answer, and no unknown outcome.
        assert not isinstance(error, OutcomeUnknownError), repr(error)
        assert TransportError is type(error), repr(error)
        assert isinstance(error, TransportError)
        assert (False, True) == (error.request_sent, error.proxy_refused)
        assert f"the proxy 127.0.0.1:{proxy.port} refused it: 407" in str(error)
        assert [] == proxy_secrets_in(error_chain_texts(error))
        assert PROXY_USER not in error_chain_texts(error)


async def test_a_proxy_password_uses_no_deprecated_aiohttp_api(serve: ServeFn) -> None:
    """A pool with a proxy password, and a request through it, raise no DeprecationWarning."""
    proxy = await serve(raw(telnyx_answer(), close=False))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with SessionPool(proxy=proxy_url(proxy), timeout=BOUND) as pool:
            client = telnyx_client(f"http://127.0.0.1:{await closed_port()}/v2", pool)
            await client.get_conference("c-1")
    assert [] == [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
    assert 1 == len(proxy.requests)


async def test_a_failure_answered_by_the_proxy_shows_no_proxy_credential(
    serve: ServeFn, caplog: pytest.LogCaptureFixture
) -> None:
    """A 502 page from the proxy: the error, the DEBUG log and the hooks' infos hold no password."""
    seen: list[object] = []
    proxy = await serve(
        raw(answer(502, b"<html>bad gateway</html>", {"Content-Type": "text/html"}))
    )
    caplog.set_level(logging.DEBUG, logger="conferencing")
    hooks = Hooks(on_request=seen.append, on_response=seen.append)
    async with SessionPool(proxy=proxy_url(proxy), timeout=BOUND, hooks=hooks) as pool:
        client = telnyx_client(f"http://127.0.0.1:{await closed_port()}/v2", pool)
        with pytest.raises(ConferencingError) as caught:
            await client.get_conference("c-1")
        shown = "\n".join([repr(pool), *(repr(info) for info in seen), caplog.text])
    assert [f"Basic {PROXY_BASIC}"] == proxy.requests[0].header("proxy-authorization")
    assert 2 == len(seen)
    assert [] == proxy_secrets_in(error_chain_texts(caught.value))
    assert [] == proxy_secrets_in(shown)


# --- The environment ------------------------------------------------------------------


async def test_the_environment_proxy_is_ignored_by_default(
    serve: ServeFn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With trust_env left False, HTTP_PROXY is ignored: the origin gets the request directly."""
    proxy = await serve(raw(telnyx_answer(), close=False))
    origin = await serve(raw(telnyx_answer(), close=False))
    monkeypatch.setenv("HTTP_PROXY", proxy_url(proxy))
    async with SessionPool(timeout=BOUND) as pool:
        await telnyx_client(origin, pool).get_conference("c-1")
    assert [] == proxy.requests
    [received] = origin.requests
    assert "GET /v2/conferences/c-1 HTTP/1.1" == received.request_line
    assert [] == received.header("proxy-authorization")


async def test_trust_env_uses_the_environment_proxy(
    serve: ServeFn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With trust_env=True, HTTP_PROXY (and its user info) is used and the origin gets nothing."""
    proxy = await serve(raw(telnyx_answer(), close=False))
    origin = await serve(raw(telnyx_answer(), close=False))
    monkeypatch.setenv("HTTP_PROXY", proxy_url(proxy))
    async with SessionPool(trust_env=True, timeout=BOUND) as pool:
        await telnyx_client(origin, pool).get_conference("c-1")
    assert [] == origin.requests
    [received] = proxy.requests
    assert f"GET {origin.origin}/v2/conferences/c-1 HTTP/1.1" == received.request_line
    assert [f"Basic {PROXY_BASIC}"] == received.header("proxy-authorization")


@pytest.mark.parametrize("trust_env", ["yes", 1, None])
def test_trust_env_takes_only_true_or_false(trust_env: Any) -> None:
    """A trust_env other than a bool is a ConfigurationError."""
    with pytest.raises(ConfigurationError):
        SessionPool(trust_env=trust_env)


# --- Unusable proxies ------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"ftp://{PROXY_USER}:{PROXY_PASSWORD_IN_URL}@127.0.0.1:3128",
        f"socks5://{PROXY_USER}:{PROXY_PASSWORD_IN_URL}@127.0.0.1:1080",
        "http://",
        f"http://{PROXY_USER}:{PROXY_PASSWORD_IN_URL}@",
        f"http://{PROXY_USER}:{PROXY_PASSWORD_IN_URL}@127.0.0.1:3128/path",
        f"http://{PROXY_USER}:{PROXY_PASSWORD_IN_URL}@127.0.0.1:3128?x=1",
        f"http://{PROXY_USER}:{PROXY_PASSWORD_IN_URL}@127.0.0.1:3128#frag",
        f"http://{PROXY_USER}:{PROXY_PASSWORD_IN_URL}@127.0.0.1:99999",
        f"http://{PROXY_USER}:{PROXY_PASSWORD_IN_URL}@127.0.0.1:3128 ",
        "127.0.0.1:3128",
        "",
    ],
    ids=[
        "ftp",
        "socks",
        "no-host",
        "user-info-only",
        "path",
        "query",
        "fragment",
        "bad-port",
        "space",
        "no-scheme",
        "empty",
    ],
)
def test_an_unusable_proxy_url_is_refused_without_echoing_its_password(url: str) -> None:
    """Other schemes, no host, a path, query or fragment: ConfigurationError, password not shown."""
    with pytest.raises(ConfigurationError) as caught:
        SessionPool(proxy=url)
    assert [] == proxy_secrets_in(error_chain_texts(caught.value))


def test_a_proxy_that_is_not_a_string_is_refused() -> None:
    """A proxy given as something else than a URL string is a ConfigurationError."""
    not_a_url: Any = 3128
    with pytest.raises(ConfigurationError):
        SessionPool(proxy=not_a_url)


# --- Connector options -----------------------------------------------------------------


async def test_force_close_opens_a_connection_per_request(serve: ServeFn) -> None:
    """connector_options={'force_close': True}: two requests, two connections (one by default)."""
    closing = await serve(raw(telnyx_answer(), close=False))
    reusing = await serve(raw(telnyx_answer(), close=False))
    async with SessionPool(connector_options={"force_close": True}, timeout=BOUND) as pool:
        client = telnyx_client(closing, pool)
        for _ in range(2):
            await client.get_conference("c-1")
    async with SessionPool(timeout=BOUND) as pool:
        client = telnyx_client(reusing, pool)
        for _ in range(2):
            await client.get_conference("c-1")
    assert (2, 2) == (closing.connections, len(closing.requests))
    assert (1, 2) == (reusing.connections, len(reusing.requests))


@pytest.mark.parametrize(
    "name",
    [
        "limit",
        "limit_per_host",
        "ssl",
        "verify_ssl",
        "ssl_context",
        "fingerprint",
        "loop",
        "no_such_option",
        "Force_Close",
    ],
)
def test_connector_options_the_pool_owns_or_aiohttp_lacks_are_refused(name: str) -> None:
    """The connection limit, TLS settings and unknown keywords are refused, naming the key."""
    with pytest.raises(ConfigurationError) as caught:
        SessionPool(connector_options={name: False})
    assert name in str(caught.value)


@pytest.mark.parametrize("options", [["force_close"], "force_close", 1])
def test_connector_options_must_be_a_mapping(options: Any) -> None:
    """connector_options that are not a mapping are a ConfigurationError."""
    with pytest.raises(ConfigurationError):
        SessionPool(connector_options=options)


async def test_a_pool_with_a_proxy_and_connector_options_still_creates(serve: ServeFn) -> None:
    """A proxy and connector options together carry a create through the proxy."""
    proxy = await serve(raw(telnyx_answer(), close=False))
    async with SessionPool(
        proxy=proxy_url(proxy), connector_options={"force_close": True}, timeout=BOUND
    ) as pool:
        client = telnyx_client(f"http://127.0.0.1:{await closed_port()}/v2", pool)
        for _ in range(2):
            await client.create_conference(call_control_id=CCID, name="Both")
    assert (2, 2) == (proxy.connections, len(proxy.requests))
