"""The values a configuration holds, read from what a user wrote: durations, trial commands, paths, and
NNI search-space JSON files.

Each function returns a clean value or raises :class:`~nniannot.errors.ConfigError` whose message states the
rule and the value; a search-space file's problems are located at ``file:line:col``.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from typing import Any

from nniannot.errors import ConfigError
from nniannot.runner.bounds import check_seconds

# Deeper than any real search space or config; a guard against files that would exhaust the parser's stack.
MAX_DEPTH = 100

_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([smhd]?)\s*$", re.IGNORECASE)
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def parse_duration(value: Any, what: str = "duration", limit: str = "max_duration") -> float | None:
    """Seconds from ``"30s"``, ``"10m"``, ``"1h"``, ``"2d"`` or a number of seconds; None stays None.

    The result lies inside the range :mod:`nniannot.runner.bounds` gives the limit named ``limit``.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ConfigError(f"{what} must be like 30s, 10m, 1h or 2d, but got {value!r}")
    if not isinstance(value, str):
        return check_seconds(limit, value, what)
    match = _DURATION.match(value)
    if not match:
        raise ConfigError(f"{what} must be like 30s, 10m, 1h or 2d, but got {value!r}")
    try:
        return check_seconds(limit, float(match.group(1)) * _UNIT[match.group(2).lower()], what)
    except ConfigError as exc:
        raise ConfigError(f"{exc} (from {value!r})") from None


def split_command(command: Any, where: str) -> list[str]:
    """A trial command as argv: a shell-like string goes through shlex, a list of strings is kept."""
    if isinstance(command, list) and command and all(isinstance(c, str) for c in command):
        return list(command)
    if not isinstance(command, str) or not command.strip():
        raise ConfigError(f"{where}: the trial command must be a non-empty string, but got {command!r}")
    try:
        return shlex.split(command)
    except ValueError as exc:
        raise ConfigError(f"{where}: cannot split the trial command {command!r}: {exc}") from None


def resolve_path(base: str, path: Any, where: str) -> str:
    """``path`` (``~`` expanded) made absolute against the folder ``base``."""
    if not isinstance(path, str) or not path:
        raise ConfigError(f"{where} must be a path, but got {path!r}")
    return os.path.normpath(os.path.join(base, os.path.expanduser(path)))


def load_search_space_file(path: str) -> dict[str, Any]:
    """Read an NNI search-space JSON file: a JSON object, UTF-8, nested at most :data:`MAX_DEPTH` levels."""
    text = read_utf8(path, "the search space", "a search space")
    _check_json_depth(text, path)
    try:
        space = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    if not isinstance(space, dict):
        raise ConfigError(
            f"{path}: a search space must be a JSON object of parameters, but got {_kind(space)}"
        )
    return space


def read_utf8(path: str, noun: str, what: str) -> str:
    """The text of the file ``path``; ConfigError if it cannot be read (naming ``noun``) or is not UTF-8."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as exc:
        raise ConfigError(f"cannot read {noun} {path}: {exc.strerror}") from None
    return decode_utf8(raw, path, what)


def decode_utf8(raw: bytes, path: str, what: str) -> str:
    """``raw`` as text (a UTF-8 byte-order mark is dropped); ConfigError at the first byte that is not UTF-8."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError(
            f"{path}:{line}:{col}: {what} must be UTF-8 text, but byte 0x{raw[exc.start]:02x} is not UTF-8"
            " (save the file as UTF-8)"
        ) from None


def place_of(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of the character at ``offset`` in ``text``."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _check_json_depth(text: str, path: str) -> None:
    # json's decoder recurses per level: a deep enough file ends in RecursionError, so measure first.
    depth = 0
    for token in _JSON_TOKEN.finditer(text):
        bracket = token.group()
        if bracket in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                line, col = place_of(text, token.start())
                raise ConfigError(
                    f"{path}:{line}:{col}: a search space may nest at most {MAX_DEPTH} levels, but this one"
                    " nests deeper"
                )
        elif bracket in "]}":
            depth -= 1


def _kind(value: Any) -> str:
    return {list: "a list", str: "a string", type(None): "null"}.get(type(value), type(value).__name__)
