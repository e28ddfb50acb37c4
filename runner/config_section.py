"""Reading one mapping of a config file: typed values, their checks, and the keys nobody knows.

A :class:`Section` never raises for a wrong value: it records the problem at the value's place in the
file's :class:`~nniannot.runner.config_yaml.Problems` and returns None, so one read reports every mistake.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from nniannot.errors import ConfigError
from nniannot.runner.bounds import check_int
from nniannot.runner.config_values import parse_duration
from nniannot.runner.config_yaml import Place, Problems, YamlMap


class Section:
    """The mapping ``data`` of a config file; ``prefix`` (``"tuner."``) names its keys in messages."""

    def __init__(self, data: YamlMap, problems: Problems, prefix: str = "") -> None:
        self.data, self.problems, self.prefix = data, problems, prefix

    def name(self, key: str) -> str:
        """The key as messages show it: ```tuner.classArgs```."""
        return f"`{self.prefix}{key}`"

    def value_place(self, key: str) -> Place:
        return self.data.value_at.get(key, self.data.at)

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def has(self, key: str) -> bool:
        return key in self.data

    def fail(self, key: str, message: str) -> None:
        """Record an error at the value of ``key`` (at the section's start when the key is absent)."""
        self.problems.error(self.value_place(key), message)

    def warn(self, key: str, message: str) -> None:
        self.problems.warn(self.data.key_at.get(key, self.data.at), message)

    def attempt(self, key: str, func: Callable[..., Any], *args: Any) -> Any:
        """``func(*args)``, or None with its ConfigError recorded at ``key``'s value."""
        try:
            return func(*args)
        except ConfigError as exc:
            self.fail(key, str(exc))
            return None

    def int(self, key: str, limit: str, default: int | None = None) -> int | None:
        """A whole number inside the range of ``limit`` in :mod:`nniannot.runner.bounds`."""
        value = self.data.get(key)
        if value is None:
            return default
        return self.attempt(key, check_int, limit, value, self.name(key))

    def seconds(self, key: str, limit: str) -> float | None:
        """A duration (``1h``, ``30m``, seconds) inside the range of ``limit``."""
        return self.attempt(key, parse_duration, self.data.get(key), self.name(key), limit)

    def typed(self, key: str, kind: type | tuple[type, ...], words: str) -> Any:
        """The value if it is a ``kind`` (bool is not a number here); ``words`` says what is expected."""
        value = self.data.get(key)
        if value is None:
            return None
        if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
            self.fail(key, f"{self.name(key)} must be {words}, but got {value!r}")
            return None
        return value

    def section(self, key: str, prefix: str | None = None) -> Section | None:
        """The mapping under ``key`` as a Section (None if absent; recorded if it is not a mapping)."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, YamlMap):
            self.fail(key, f"{self.name(key)} must be a mapping of settings, but got {value!r}")
            return None
        return Section(value, self.problems, f"{self.prefix}{key}." if prefix is None else prefix)

    def require(self, key: str, message: str) -> Any:
        """The value of ``key``; if it is absent or null, ``message`` is recorded at the section."""
        value = self.data.get(key)
        if value is None:
            self.problems.error(self.data.at, message)
        return value

    def check_keys(
        self, known: Iterable[str], unsupported: Mapping[str, str] | None = None, quiet: Iterable[str] = ()
    ) -> None:
        """Record every key that is not ``known``: an error with the nearest known key, or, for an
        ``unsupported`` one, a warning that says what happens instead; ``quiet`` keys pass silently."""
        unsupported = unsupported or {}
        known, quiet = set(known), set(quiet)
        for key, at in self.data.key_at.items():
            if key in known or key in quiet:
                continue
            if key in unsupported:
                self.problems.warn(at, f"ignored: {self.name(key)} ({unsupported[key]})")
            else:
                self.problems.error(at, _unknown(self.name(str(key)), str(key), known | set(unsupported)))


def _unknown(shown: str, key: str, known: set[str]) -> str:
    by_lower = {k.lower(): k for k in known}
    near = difflib.get_close_matches(key.lower(), list(by_lower), n=1, cutoff=0.6)
    if near:
        hint = f"; did you mean `{by_lower[near[0]]}`?"
    elif len(known) <= 12:
        hint = f"; the keys here are {', '.join(sorted(known))}"
    else:
        hint = " (docs/config.md lists the keys)"
    return f"unknown key {shown}{hint}"
