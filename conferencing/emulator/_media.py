"""Recordings the emulator serves itself: small, valid WAV and MP3 files of silence.

A Telnyx ``conference.recording.saved`` webhook names URLs to fetch the
recording from; the emulator points them at ``/_emulator/recordings/{id}.{format}``
on its own origin (no auth, as a pre-signed URL needs none), so a client can
download what it was told about. The body is silence as long as the
recording was, capped at `MAX_SECONDS` so an emulator left recording for
hours still answers a few kilobytes.
"""

from __future__ import annotations

import io
import math
import wave
from typing import Final

import attrs

RECORDINGS_PATH: Final = "/_emulator/recordings"

MAX_SECONDS: Final = 2.0
"""The longest silence served, whatever the recording's length."""

WAV_RATE: Final = 8000
"""Samples per second of the WAV served (telephone quality, 16-bit mono)."""

_MP3_FRAME_HEADER: Final = bytes((0xFF, 0xFB, 0x90, 0x04))
"""MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, no CRC, no padding, single channel."""
_MP3_FRAME_BYTES: Final = 417
"""144 * 128000 / 44100, rounded down: one frame of that header."""
_MP3_FRAME_SECONDS: Final = 1152 / 44100

CONTENT_TYPES: Final = {"wav": "audio/wav", "mp3": "audio/mpeg"}


def wav_silence(seconds: float) -> bytes:
    """Return a WAV file (16-bit mono PCM at 8 kHz) of `seconds` of silence."""
    frames = max(1, round(min(seconds, MAX_SECONDS) * WAV_RATE))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(WAV_RATE)
        writer.writeframes(b"\x00\x00" * frames)
    return buffer.getvalue()


def mp3_silence(seconds: float) -> bytes:
    """Return an MP3 stream of `seconds` of silence: frames whose side info codes no sound."""
    count = max(1, math.ceil(min(seconds, MAX_SECONDS) / _MP3_FRAME_SECONDS))
    frame = _MP3_FRAME_HEADER + bytes(_MP3_FRAME_BYTES - len(_MP3_FRAME_HEADER))
    return frame * count


@attrs.frozen
class Recording:
    """A saved recording: its format and how long it ran."""

    format: str
    seconds: float

    def body(self) -> bytes:
        """Return the file's bytes."""
        return wav_silence(self.seconds) if self.format == "wav" else mp3_silence(self.seconds)


class Recordings:
    """The recordings saved so far, by id, and the URLs that serve them."""

    __slots__ = ("_saved",)

    def __init__(self) -> None:
        """Hold none yet."""
        self._saved: dict[str, Recording] = {}

    def clear(self) -> None:
        """Forget every recording."""
        self._saved.clear()

    def save(self, recording_id: str, file_format: str, seconds: float, origin: str) -> str:
        """Keep a recording; return the URL it is served at under `origin`."""
        self._saved[recording_id] = Recording(file_format, max(0.0, seconds))
        return f"{origin}{RECORDINGS_PATH}/{recording_id}.{file_format}"

    def find(self, file_name: str) -> Recording | None:
        """Return the recording named ``{id}.{format}``, or None."""
        recording_id, dot, file_format = file_name.rpartition(".")
        found = self._saved.get(recording_id) if dot else None
        if found is None or found.format != file_format:
            return None
        return found
