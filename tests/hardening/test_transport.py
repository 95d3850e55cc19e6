"""Transport safety: TLS verified by default, plain http only to loopback unless asked."""

from __future__ import annotations

import asyncio
import ipaddress
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from hardening_support import (
    BOUND,
    CATAPULT_SECRET,
    CATAPULT_TOKEN,
    CCID,
    HARDENING,
    TELNYX_CONFERENCE,
    TELNYX_KEY,
    USER_ID,
    RawServer,
    json_answer,
    raw,
    telnyx_client,
)
from hypothesis import example, given
from hypothesis import strategies as st
from yarl import URL

from conferencing import (
    NO_RETRY,
    CatapultClient,
    ConfigurationError,
    SessionPool,
    TelnyxClient,
    TransportError,
    ValidationError,
)

pytest_plugins = ["hardening_fixtures"]

OPENSSL = shutil.which("openssl")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, made with the openssl command."""
    if OPENSSL is None:
        pytest.fail("the openssl command is needed to make a self-signed certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(  # noqa: S603 - our own fixed command line
        [
            OPENSSL,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return cert, key


@pytest.fixture
async def https_server(certificate: tuple[Path, Path]) -> AsyncIterator[RawServer]:
    """An HTTPS server on 127.0.0.1 with the self-signed certificate, answering a conference."""
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = RawServer(raw(json_answer(200, {"data": TELNYX_CONFERENCE})), tls=context)
    await server.start()
    yield server
    await server.close()


async def create_through(server: RawServer, pool: SessionPool) -> str:
    """Create a conference on `server` through `pool`; return its id."""
    async with asyncio.timeout(BOUND):
        client = telnyx_client(server, pool)
        return (await client.create_conference(call_control_id=CCID, name="Hardening")).id


async def test_the_default_pool_refuses_a_self_signed_certificate(https_server: RawServer) -> None:
    """With the default pool, an untrusted certificate is a TransportError naming it; none sent."""
    async with SessionPool(timeout=BOUND) as pool:
        with pytest.raises(TransportError, match=r"(?i)certificate") as caught:
            await create_through(https_server, pool)
    assert not caught.value.request_sent
    assert [] == https_server.requests


async def test_turning_verification_off_reaches_the_test_server(https_server: RawServer) -> None:
    """`SessionPool(ssl=False)` talks to the self-signed test server."""
    async with SessionPool(timeout=BOUND, ssl=False) as pool:
        assert TELNYX_CONFERENCE["id"] == await create_through(https_server, pool)


async def test_a_context_trusting_the_certificate_reaches_the_server(
    https_server: RawServer, certificate: tuple[Path, Path]
) -> None:
    """An `ssl.SSLContext` that trusts the certificate verifies it and talks to the server."""
    context = ssl.create_default_context(cafile=str(certificate[0]))
    async with SessionPool(timeout=BOUND, ssl=context) as pool:
        assert TELNYX_CONFERENCE["id"] == await create_through(https_server, pool)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname


async def test_the_default_pool_session_verifies_and_ignores_proxy_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The default pool's connector verifies TLS, and its session ignores proxy variables."""
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    async with SessionPool() as pool:
        session = pool._origin("https://api.telnyx.com").session
        connector: Any = session.connector
        assert True is connector._ssl
        assert False is session.trust_env


# --- Plain http -------------------------------------------------------------------


def make(kind: str, base_url: str, **options: Any) -> TelnyxClient | CatapultClient:
    """A client of `kind` on `base_url` (constructed only; nothing is sent)."""
    if kind == "telnyx":
        return TelnyxClient(TELNYX_KEY, base_url=base_url, **options)
    return CatapultClient(USER_ID, CATAPULT_TOKEN, CATAPULT_SECRET, base_url=base_url, **options)


NOT_LOOPBACK = [
    "http://api.telnyx.com/v2",
    "http://10.0.0.5:8080",
    "http://0.0.0.0:8080",
    "http://127.0.0.1.nip.io/v2",
    "http://localhost.example.com",
    "http://localhost./v2",
    "http://[::ffff:7f00:1]/v2",
    "http://127.1/v2",
    "HTTP://example.com",
]


@pytest.mark.parametrize("kind", ["telnyx", "catapult"])
@pytest.mark.parametrize("base_url", NOT_LOOPBACK)
def test_plain_http_elsewhere_is_refused(kind: str, base_url: str) -> None:
    """A plain http:// base URL to anything but loopback is a ConfigurationError."""
    with pytest.raises(ConfigurationError, match="http"):
        make(kind, base_url)


@pytest.mark.parametrize("kind", ["telnyx", "catapult"])
@pytest.mark.parametrize("base_url", NOT_LOOPBACK)
def test_plain_http_elsewhere_is_allowed_when_asked(kind: str, base_url: str) -> None:
    """`allow_insecure_http=True` lets a plain http:// base URL through (built, never used)."""
    client = make(kind, base_url, allow_insecure_http=True)
    assert "http" == URL(client.base_url).scheme


@pytest.mark.parametrize("kind", ["telnyx", "catapult"])
@pytest.mark.parametrize(
    "base_url",
    ["http://127.0.0.1:8080", "http://127.8.9.10", "http://localhost:1", "http://[::1]:80"],
)
def test_plain_http_to_loopback_is_allowed(kind: str, base_url: str) -> None:
    """A plain http:// base URL to a loopback address needs no opt-in."""
    host = URL(make(kind, base_url).base_url).host
    assert host is not None
    assert host == "localhost" or ipaddress.ip_address(host).is_loopback


HOSTS = st.sampled_from(
    [
        "127.0.0.1",
        "localhost",
        "LOCALHOST",
        "a.localhost",
        "[::1]",
        "example.com",
        "127.0.0.1.example.com",
        "localhost.example.com",
        "[::ffff:127.0.0.1]",
        "0.0.0.0",  # noqa: S104 - a host name under test, not a bind
        "127.1",
        "",
        "[::1",
        "évil.com",
    ]
)
TRICKS = st.text(st.sampled_from("/\\@:#?%. \t\r\n\x00a1[]"), max_size=6)


@HARDENING
@given(
    scheme=st.sampled_from(["http", "https", "HTTP", "ftp", ""]),
    host=HOSTS,
    before=TRICKS,
    after=TRICKS,
    tail=st.text(max_size=10),
)
@example(scheme="http", host="127.0.0.1", before="", after="\\@example.com", tail="")
@example(scheme="http", host="example.com", before="127.0.0.1\t", after="", tail="")
@example(scheme="http", host="127.0.0.1", before="", after=":80@example.com", tail="")
@example(scheme="https", host="127.0.0.1", before="", after="", tail="\x80")
@example(scheme="https", host="a..b", before="", after="", tail="")
def test_any_base_url_is_refused_or_usable_and_plain_http_only_to_loopback(
    scheme: str, host: str, before: str, after: str, tail: str
) -> None:
    """Any base URL is a ConfigurationError, or usable and, over plain http, loopback only."""
    base_url = f"{scheme}://{before}{host}{after}{tail}"
    for kind in ("telnyx", "catapult"):
        try:
            client = make(kind, base_url)
        except ConfigurationError:
            continue
        try:
            url = URL(client.base_url + "/conferences")
        except (ValueError, UnicodeError) as error:
            pytest.fail(f"{base_url!r} was accepted but is no usable URL: {error!r}")
        assert url.scheme in {"http", "https"}
        assert url.user is None
        assert url.password is None
        if url.scheme == "http":
            assert url.host is not None
            assert (
                url.host == "localhost"
                or url.host.endswith(".localhost")
                or (ipaddress.ip_address(url.host).is_loopback)
            ), base_url


@pytest.mark.parametrize("kind", ["telnyx", "catapult"])
@pytest.mark.parametrize(
    "base_url",
    ["https://a..b/v2", "https://" + "a" * 300 + ".com/v2", "https://exa mple.com/v2"],
    ids=["empty-label", "label-too-long", "space-in-host"],
)
async def test_a_base_url_whose_host_cannot_be_used_is_refused_at_once(
    kind: str, base_url: str
) -> None:
    """A host no request could reach is a ConfigurationError when the client is built, not later."""
    async with asyncio.timeout(BOUND), SessionPool(timeout=1) as pool:
        with pytest.raises(ConfigurationError):
            await build_and_create(kind, base_url, pool)


async def build_and_create(kind: str, base_url: str, pool: SessionPool) -> object:
    """Build a client of `kind` on `base_url` and create one conference with it."""
    client = make(kind, base_url, pool=pool, retry=NO_RETRY)
    return await client.create_conference(**CREATE[kind])


CREATE: dict[str, dict[str, Any]] = {
    "telnyx": {"call_control_id": CCID, "name": "Hardening"},
    "catapult": {"from_": "+15551234567"},
}


# --- Options -------------------------------------------------------------------------


OPTIONS: dict[str, Callable[[], object]] = {
    "insecure-http-as-a-string": lambda: TelnyxClient(
        TELNYX_KEY,
        base_url="http://example.com/v2",
        allow_insecure_http="false",  # type: ignore[arg-type]
    ),
    "insecure-http-as-an-int": lambda: CatapultClient(
        USER_ID,
        CATAPULT_TOKEN,
        CATAPULT_SECRET,
        base_url="http://example.com",
        allow_insecure_http=1,  # type: ignore[arg-type]
    ),
    "pool-ssl-a-string": lambda: SessionPool(ssl="no"),  # type: ignore[arg-type]
    "pool-timeout-a-string": lambda: SessionPool(timeout="30"),  # type: ignore[arg-type]
    "pool-timeout-nan": lambda: SessionPool(timeout=float("nan")),
    "pool-connect-timeout-negative": lambda: SessionPool(connect_timeout=-1),
    "client-timeout-a-string": lambda: TelnyxClient(TELNYX_KEY, timeout="5"),  # type: ignore[arg-type]
    "client-timeout-nan": lambda: TelnyxClient(TELNYX_KEY, timeout=float("nan")),
    "api-key-an-int": lambda: TelnyxClient(12345),  # type: ignore[arg-type]
    "api-key-bytes": lambda: TelnyxClient(b"sk-bytes"),  # type: ignore[arg-type]
    "api-token-an-int": lambda: CatapultClient(USER_ID, 5, CATAPULT_SECRET),  # type: ignore[arg-type]
}


@pytest.mark.parametrize("make_it", list(OPTIONS.values()), ids=list(OPTIONS))
def test_unusable_options_are_refused_at_construction(make_it: Callable[[], object]) -> None:
    """An option of the wrong type or out of range is a ConfigurationError at construction."""
    with pytest.raises(ConfigurationError):
        make_it()


@pytest.mark.parametrize(
    "user_id", ["u/1", "..", "u?x", "u#x", "u%2F", "u 1", "u\t1", "u\x7f", "ü", "u" * 600]
)
def test_a_user_id_that_would_change_the_path_is_refused(user_id: str) -> None:
    """A Catapult user id that cannot be one path segment is a ValidationError naming user_id."""
    with pytest.raises(ValidationError) as caught:
        CatapultClient(user_id, CATAPULT_TOKEN, CATAPULT_SECRET)
    assert "user_id" == caught.value.field
