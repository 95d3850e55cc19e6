"""Property-based checks of the emulator's range rules, over HTTP to a threaded emulator."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conferencing.emulator import Emulator, EmulatorThread


@pytest.fixture(scope="module")
def threaded() -> Iterator[Emulator]:
    """One emulator for all examples of this module."""
    with EmulatorThread() as emulator:
        yield emulator


def _post(url: str, body: dict[str, Any], authorization: str) -> tuple[int, Any]:
    request = urllib.request.Request(  # noqa: S310 - our loopback URL
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": authorization, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.integers(-5, 805), st.integers()))
def test_max_participants_is_accepted_exactly_within_2_to_800(
    threaded: Emulator, value: int
) -> None:
    """Telnyx accepts max_participants 2..800 and answers 10033 for every other integer."""
    body = {"call_control_id": "v3:p", "name": uuid.uuid4().hex, "max_participants": value}
    status, answer = _post(
        threaded.telnyx_url + "/conferences", body, f"Bearer {threaded.telnyx_api_key}"
    )
    if 2 <= value <= 800:
        assert 200 == status
    else:
        assert (422, ["10033"]) == (status, [e["code"] for e in answer["errors"]])


@settings(max_examples=60, deadline=None)
@given(
    st.one_of(st.integers(-3, 10003), st.integers()),
    st.booleans(),
)
def test_callback_timeout_is_accepted_exactly_within_1_to_10000(
    threaded: Emulator, value: int, as_text: bool
) -> None:
    """Catapult accepts callbackTimeout 1..10000, as a number or a string of digits."""
    token = f"{threaded.catapult_api_token}:{threaded.catapult_api_secret}"
    authorization = "Basic " + base64.b64encode(token.encode()).decode()
    url = f"{threaded.catapult_url}/v1/users/{threaded.catapult_user_id}/conferences"
    body = {"from": "+15551234567", "callbackTimeout": str(value) if as_text else value}
    status, answer = _post(url, body, authorization)
    if 1 <= value <= 10000:
        assert 201 == status
    else:
        assert (400, "validation-error") == (status, answer["code"])
