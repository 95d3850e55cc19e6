r"""A web service that creates Telnyx conferences and follows them through their webhooks.

- ``POST /conferences`` with ``{"call_control_id": "v3:...", "name": "standup"}``
  creates a conference (`TelnyxClient.create_conference`) and answers 201
  with its id;
- ``POST /telnyx/webhooks`` receives Telnyx's webhooks: each is verified with
  the account's public key, de-duplicated, and recorded (who joined, who
  left, how the conference ended);
- ``GET /conferences/{id}`` answers what the webhooks said about a conference.

It is configured from the environment: ``TELNYX_API_KEY``,
``TELNYX_PUBLIC_KEY`` (Base64, from the Telnyx portal), ``TELNYX_BASE_URL``
(Telnyx's own by default), and ``HOST`` and ``PORT`` (127.0.0.1 and 8080).
Try it on the emulator, in three shells::

    # 1. The emulator; it prints the telnyx_public_key the service needs.
    python -m conferencing.emulator --port 8000 --telnyx-api-key demo-key \
        --webhook-url http://127.0.0.1:8080/telnyx/webhooks
    # 2. The service.
    TELNYX_BASE_URL=http://127.0.0.1:8000/v2 TELNYX_API_KEY=demo-key \
        TELNYX_PUBLIC_KEY=<telnyx_public_key> python examples/service.py
    # 3. A conference, then what its webhooks said.
    curl -d '{"call_control_id": "v3:host", "name": "standup"}' localhost:8080/conferences
    curl localhost:8080/conferences/<id>

``examples/test_my_service.py`` tests it on the emulator's pytest fixture.
"""

from __future__ import annotations

import collections
import logging
import os
from collections.abc import AsyncIterator, Mapping

import attrs
from aiohttp import web

from conferencing import (
    ConferencingError,
    SessionPool,
    TelnyxClient,
    ValidationError,
    WebhookReceiver,
    telnyx,
)

log = logging.getLogger("service")


@attrs.frozen
class Settings:
    """Where the service finds Telnyx, and the keys it needs there."""

    #: The account's webhook public key (Base64 of 32 bytes).
    public_key: str = attrs.field(repr=False)
    #: The API key; None reads ``TELNYX_API_KEY`` when the client is built.
    api_key: str | None = attrs.field(default=None, repr=False)
    base_url: str = telnyx.DEFAULT_BASE_URL

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Read the settings from environment variables; a missing public key is a KeyError."""
        return cls(
            public_key=environ["TELNYX_PUBLIC_KEY"],
            api_key=environ.get("TELNYX_API_KEY"),
            base_url=environ.get("TELNYX_BASE_URL", telnyx.DEFAULT_BASE_URL),
        )


@attrs.define
class ConferenceRecord:
    """What the webhooks said about one conference so far."""

    joined: list[str] = attrs.Factory(list)
    left: list[str] = attrs.Factory(list)
    ended: str | None = None

    def as_json(self, conference_id: str) -> dict[str, object]:
        """The record as the ``GET /conferences/{id}`` answer."""
        # Counted, not toggled: Telnyx may deliver a "left" before its "joined".
        present = collections.Counter(self.joined)
        present.subtract(self.left)
        return {
            "id": conference_id,
            "participants": sorted(leg for leg, count in present.items() if count > 0),
            "joined": self.joined,
            "left": self.left,
            "ended": self.ended,
        }


class Conferences:
    """The conferences the service has heard of, from its webhooks."""

    def __init__(self) -> None:
        """Start with none."""
        self._records: dict[str, ConferenceRecord] = {}

    def get(self, conference_id: str) -> ConferenceRecord | None:
        """The record of `conference_id`, if any event named it or the service created it."""
        return self._records.get(conference_id)

    def record(self, conference_id: str) -> ConferenceRecord:
        """The record of `conference_id`, made on first use.

        A webhook may arrive before the create's answer does, so either may come first.
        """
        return self._records.setdefault(conference_id, ConferenceRecord())

    async def on_event(self, event: telnyx.Event) -> None:
        """Record one verified, de-duplicated event (the receiver already answered 200)."""
        match event:
            case telnyx.ConferenceParticipantJoined(
                payload=telnyx.ConferenceParticipantJoinedPayload(
                    conference_id=str(conference), call_control_id=str(leg)
                )
            ):
                self.record(conference).joined.append(leg)
                log.info("%s joined %s", leg, conference)
            case telnyx.ConferenceParticipantLeft(
                payload=telnyx.ConferenceParticipantLeftPayload(
                    conference_id=str(conference), call_control_id=str(leg)
                )
            ):
                self.record(conference).left.append(leg)
                log.info("%s left %s", leg, conference)
            case telnyx.ConferenceEnded(
                payload=telnyx.ConferenceEndedPayload(conference_id=str(conference), reason=reason)
            ):
                self.record(conference).ended = reason or "ended"
                log.info("%s ended (%s)", conference, reason)
            case _:
                log.debug("not recorded: %s", event.event_type)


CLIENT = web.AppKey("client", TelnyxClient)
CONFERENCES = web.AppKey("conferences", Conferences)


async def create_conference(request: web.Request) -> web.Response:
    """``POST /conferences``: create one on Telnyx with the caller's leg and name."""
    try:
        body = await request.json()
        call_control_id, name = body["call_control_id"], body["name"]
    except (ValueError, TypeError, KeyError):
        return web.json_response({"error": "expected JSON with call_control_id, name"}, status=400)
    if not (isinstance(call_control_id, str) and isinstance(name, str)):
        return web.json_response({"error": "call_control_id and name are strings"}, status=400)
    try:
        conference = await request.app[CLIENT].create_conference(
            call_control_id=call_control_id, name=name
        )
    except ValidationError as exc:  # a documented rule; nothing was sent
        return web.json_response({"error": str(exc)}, status=422)
    except ConferencingError as exc:  # Telnyx refused, or could not be reached
        log.warning("create_conference failed: %s", exc)
        return web.json_response({"error": type(exc).__name__}, status=502)
    request.app[CONFERENCES].record(conference.id)
    return web.json_response({"id": conference.id, "name": conference.name}, status=201)


async def show_conference(request: web.Request) -> web.Response:
    """``GET /conferences/{id}``: what the webhooks said about it."""
    conference_id = request.match_info["id"]
    record = request.app[CONFERENCES].get(conference_id)
    if record is None:
        return web.json_response({"error": "no such conference"}, status=404)
    return web.json_response(record.as_json(conference_id))


async def healthz(_request: web.Request) -> web.Response:
    """``GET /healthz``: the service is up."""
    return web.json_response({"ok": True})


def make_app(settings: Settings) -> web.Application:
    """The service's aiohttp application, with its client and webhook receiver."""
    conferences = Conferences()
    receiver = WebhookReceiver(
        telnyx.webhook_decoder(settings.public_key), handler=conferences.on_event
    )

    async def client(app: web.Application) -> AsyncIterator[None]:
        # The pool is made inside the loop that uses it, and closed with the app.
        async with SessionPool() as pool:
            app[CLIENT] = TelnyxClient(settings.api_key, base_url=settings.base_url, pool=pool)
            yield
            await receiver.aclose()

    app = web.Application()
    app[CONFERENCES] = conferences
    app.cleanup_ctx.append(client)
    app.router.add_post("/conferences", create_conference)
    app.router.add_get("/conferences/{id}", show_conference)
    app.router.add_post("/telnyx/webhooks", receiver.aiohttp_handler)
    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    """Serve on ``HOST``:``PORT`` until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    web.run_app(
        make_app(Settings.from_environ()),
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8080")),
        access_log=None,
    )


if __name__ == "__main__":
    main()
