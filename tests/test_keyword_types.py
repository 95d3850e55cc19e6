"""The clients' keyword forms are typed: one TypedDict per request class, in step with it."""

from __future__ import annotations

import re
import textwrap
import typing
from pathlib import Path
from typing import Any

import attrs
import pytest
from mypy import api as mypy_api

from conferencing import RequestOptions, catapult, telnyx

# (TypedDict, the attrs request class, the fields a positional id supplies instead)
PAIRS: list[tuple[Any, type[Any], frozenset[str]]] = [
    (telnyx.CreateConferenceFields, telnyx.CreateConferenceRequest, frozenset()),
    (telnyx.JoinFields, telnyx.JoinRequest, frozenset()),
    (telnyx.JoinOptionalFields, telnyx.JoinRequest, frozenset({"call_control_id"})),
    (telnyx.LeaveFields, telnyx.LeaveRequest, frozenset()),
    (telnyx.LeaveOptionalFields, telnyx.LeaveRequest, frozenset({"call_control_id"})),
    (telnyx.MuteFields, telnyx.MuteRequest, frozenset()),
    (telnyx.UnmuteFields, telnyx.UnmuteRequest, frozenset()),
    (telnyx.HoldFields, telnyx.HoldRequest, frozenset()),
    (telnyx.UnholdFields, telnyx.UnholdRequest, frozenset()),
    (telnyx.EndConferenceFields, telnyx.EndConferenceRequest, frozenset()),
    (telnyx.UpdateParticipantFields, telnyx.UpdateParticipantRequest, frozenset()),
    (telnyx.ListConferencesFields, telnyx.ListConferencesRequest, frozenset()),
    (telnyx.ListParticipantsFields, telnyx.ListParticipantsRequest, frozenset()),
    (telnyx.PlayFields, telnyx.PlayRequest, frozenset()),
    (telnyx.StopFields, telnyx.StopRequest, frozenset()),
    (telnyx.SpeakFields, telnyx.SpeakRequest, frozenset()),
    (telnyx.RecordStartFields, telnyx.RecordStartRequest, frozenset()),
    (telnyx.RecordStopFields, telnyx.RecordStopRequest, frozenset()),
    (telnyx.RecordPauseFields, telnyx.RecordPauseRequest, frozenset()),
    (telnyx.RecordResumeFields, telnyx.RecordResumeRequest, frozenset()),
    (telnyx.UpdateConferenceFields, telnyx.UpdateConferenceRequest, frozenset()),
    (
        telnyx.UpdateConferenceOptionalFields,
        telnyx.UpdateConferenceRequest,
        frozenset({"call_control_id"}),
    ),
    (telnyx.SendDtmfFields, telnyx.SendDtmfRequest, frozenset()),
    (telnyx.GatherUsingAudioFields, telnyx.GatherUsingAudioRequest, frozenset()),
    (
        telnyx.GatherUsingAudioOptionalFields,
        telnyx.GatherUsingAudioRequest,
        frozenset({"call_control_id"}),
    ),
    (telnyx.DialFields, telnyx.DialRequest, frozenset()),
    (telnyx.HangUpFields, telnyx.HangUpRequest, frozenset()),
    (catapult.CreateConferenceFields, catapult.CreateConferenceRequest, frozenset()),
    (catapult.UpdateConferenceFields, catapult.UpdateConferenceRequest, frozenset()),
    (catapult.CreateCallFields, catapult.CreateCallRequest, frozenset()),
    (catapult.AddMemberFields, catapult.AddMemberRequest, frozenset()),
    (catapult.AddMemberOptionalFields, catapult.AddMemberRequest, frozenset({"call_id"})),
    (catapult.UpdateMemberFields, catapult.UpdateMemberRequest, frozenset()),
    (catapult.PlayAudioFields, catapult.PlayAudioRequest, frozenset()),
    (catapult.UpdateCallFields, catapult.UpdateCallRequest, frozenset()),
    (catapult.ListCallsFields, catapult.ListCallsRequest, frozenset()),
]


def pair_id(pair: tuple[Any, type[Any], frozenset[str]]) -> str:
    """The test id of a pair: its provider and TypedDict name."""
    return f"{pair[0].__module__.split('.')[1]}.{pair[0].__name__}"


def init_fields(cls: type[Any]) -> dict[str, attrs.Attribute[Any]]:
    """The attrs fields of `cls` that `__init__` takes, by keyword name."""
    return {a.alias: a for a in attrs.fields(cls) if a.init}


@pytest.mark.parametrize("module", [telnyx, catapult], ids=["telnyx", "catapult"])
def test_every_request_class_has_its_fields(module: Any) -> None:
    """Each exported `XRequest` class has an exported `XFields` TypedDict listed above."""
    requests = {name for name in module.__all__ if name.endswith("Request")}
    covered = {
        cls.__name__ for fields, cls, _ in PAIRS if fields.__module__.startswith(module.__name__)
    }
    assert requests == covered
    for name in requests:
        assert name.removesuffix("Request") + "Fields" in module.__all__


@pytest.mark.parametrize("pair", PAIRS, ids=pair_id)
def test_typeddict_matches_the_request_class(pair: tuple[Any, type[Any], frozenset[str]]) -> None:
    """Keys, required keys and types equal the attrs init fields, defaults and annotations."""
    fields, cls, supplied = pair
    known = {name: a for name, a in init_fields(cls).items() if name not in supplied}
    required = {name for name, a in known.items() if a.default is attrs.NOTHING}
    expected_types = typing.get_type_hints(cls)
    # Every keyword form also takes the per-call options (timeout=, extra_body=, ...).
    actual_types = {
        name: hint
        for name, hint in typing.get_type_hints(fields).items()
        if name not in RequestOptions.__annotations__
    }

    assert set(known) == set(actual_types)
    assert required == set(fields.__required_keys__)
    for name, attribute in known.items():
        assert expected_types[attribute.name] == actual_types[name], name


BAD = """
    from conferencing import CatapultClient, TelnyxClient, telnyx


    async def bad(tx: TelnyxClient, cp: CatapultClient) -> None:
        await tx.create_conference(call_control_id="v3:x", nmae="Business")  # E
        await tx.create_conference(call_control_id="v3:x", name="B", max_participants="9")  # E
        await cp.create_conference(from_="+15551234567", callbak_url="http://example.com/")  # E
        await cp.create_conference(from_="+15551234567", callback_timeout="2000")  # E
        await tx.join("conf-1", "v3:y", call_control_id="v3:z")  # E
        await cp.add_member("conf-1", "c-1", jion_tone=True)  # E
        await tx.dial(connection_id="c", from_="+15551234567", to="+1555", timeout_secs="9")  # E
        await tx.dial(connection_id="c", to="+15557654321")  # E
        await tx.play("conf-1", audio_url="https://x.example/a.wav", loop="forever")  # E
        await tx.speak("conf-1", payload="Hi")  # E
        await tx.record_start("conf-1", fromat="mp3")  # E
        await tx.send_dtmf(telnyx.ConferenceName("Sales"), digits="1")  # E
        await tx.update_conference("conf-1", "v3:y")  # E
        await tx.hang_up("v3:y", comand_id="x")  # E


    async def bulk(tx: TelnyxClient) -> None:
        from conferencing import create_many

        async for result in create_many(tx, []):
            print(result.conference.id)  # E
"""

GOOD = """
    from conferencing import CatapultClient, TelnyxClient, catapult, telnyx


    async def good(tx: TelnyxClient, cp: CatapultClient) -> None:
        await tx.create_conference(call_control_id="v3:x", name="B", max_participants=9)
        await tx.create_conference(telnyx.CreateConferenceRequest(call_control_id="v3:x", name="B"))
        await tx.join("conf-1", "v3:y", mute=True)
        await tx.join("conf-1", call_control_id="v3:y", whisper_call_control_ids=["v3:z"])
        await tx.mute("conf-1")
        await cp.create_conference(from_="+15551234567", callback_timeout=2000)
        await cp.create_conference(catapult.CreateConferenceRequest(from_="+15551234567"))
        await cp.add_member("conf-1", "c-1", join_tone=True)
        await cp.play_audio("conf-1", member_id="m-1", sentence="Welcome")
        sales = telnyx.ConferenceName("Sales standup")
        await tx.play(sales, audio_url="https://x.example/a.wav", loop="infinity")
        await tx.play("conf-1", media_name="hold_music", loop=3, call_control_ids=["v3:y"])
        await tx.speak(sales, payload="Welcome", voice="Telnyx.KokoroTTS.af")
        await tx.record_start("conf-1", format="mp3", channels="dual")
        await tx.update_conference(sales, "v3:y", supervisor_role="whisper")
        await tx.send_dtmf("conf-1", digits="1234#")
        await tx.gather_using_audio("conf-1", "v3:y", media_name="menu", maximum_digits=1)
        leg = await tx.dial(
            connection_id="c",
            from_="+15551234567",
            to="sip:agent@example.com",
            conference_config=telnyx.ConferenceConfig(conference_name="Sales standup"),
        )
        await tx.hang_up(leg.call_control_id, command_id=leg.command_id)


    async def readme_bulk(tx: TelnyxClient) -> None:
        # The README's example: `ok` tells the type checker which outcome it is.
        from conferencing import OutcomeUnknownError, create_many

        async with create_many(tx, [{"call_control_id": "v3:a", "name": "a"}]) as run:
            async for result in run:
                if result.ok:
                    print(result.index, result.conference.id)
                else:
                    print(result.index, type(result.error).__name__, result.unknown)
                    if isinstance(result.error, OutcomeUnknownError):
                        print(result.error.command_id, result.error.request)
        print(run.summary.rate)
"""


def test_mypy_refuses_misspelled_and_mistyped_keywords(tmp_path: Path) -> None:
    """Under mypy --strict wrong keywords and unchecked outcomes are errors; README code is not."""
    bad = tmp_path / "bad_keywords.py"
    bad.write_text(textwrap.dedent(BAD))
    good = tmp_path / "good_keywords.py"
    good.write_text(textwrap.dedent(GOOD))
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\n")

    stdout, stderr, _ = mypy_api.run(
        [
            "--strict",
            f"--config-file={config}",
            f"--cache-dir={tmp_path / 'cache'}",
            "--no-error-summary",
            str(bad),
            str(good),
        ]
    )

    errors = re.findall(r"^(.*?):(\d+): error:", stdout, re.MULTILINE)
    expected = {
        (bad.name, number)
        for number, line in enumerate(bad.read_text().splitlines(), start=1)
        if line.endswith("# E")
    }
    assert "" == stderr
    assert expected == {(Path(path).name, int(number)) for path, number in errors}, stdout
