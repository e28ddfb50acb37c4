"""YAML config files read with the place of every key, and a collector for their problems.

:func:`load_yaml` returns :class:`YamlMap` mappings that know the (line, column) of each key and value, so
that every later check can point at what the user wrote. Problems of the file itself (not UTF-8, not YAML,
duplicate keys, ``!!binary`` or date values, absurd nesting) are recorded in :class:`Problems`, all of them,
and raised together as one :class:`~nniannot.errors.ConfigFileError`; nothing escapes as a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from nniannot.errors import ConfigFileError, Diagnostic
from nniannot.runner.config_values import MAX_DEPTH, read_utf8

Place = tuple[int, int]  # 1-based line and column


class YamlMap(dict):  # type: ignore[type-arg]
    """A mapping read from YAML; ``at`` is where it starts, ``key_at``/``value_at`` where each entry is."""

    def __init__(self, at: Place = (1, 1)) -> None:
        super().__init__()
        self.at = at
        self.key_at: dict[Any, Place] = {}
        self.value_at: dict[Any, Place] = {}


class Problems:
    """The errors and warnings found in one config file, each at its place."""

    def __init__(self, path: str, text: str = "") -> None:
        self.path = path
        self.lines = text.splitlines()
        self.errors: list[Diagnostic] = []
        self._warnings: list[tuple[int, int, str]] = []

    def error(self, at: Place, message: str) -> None:
        line, col = at
        source = self.lines[line - 1] if 0 < line <= len(self.lines) else None
        self.errors.append(Diagnostic(self.path, line, col, message, "error", source))

    def warn(self, at: Place, message: str) -> None:
        self._warnings.append((*at, f"{self.path}:{at[0]}:{at[1]}: {message}"))

    @property
    def warnings(self) -> list[str]:
        """One line per warning, ``path:line:col: message``, in the order of the file."""
        return [text for *_, text in sorted(self._warnings)]

    def raise_errors(self) -> None:
        """Raise every error recorded so far as one ConfigFileError (nothing happens if there is none)."""
        if self.errors:
            raise ConfigFileError(self.path, self.errors)


class _TooDeep(Exception):
    def __init__(self, mark: Any) -> None:
        self.mark = mark


def plain(value: Any) -> Any:
    """``value`` with every YamlMap turned into a plain dict (lists copied), for values kept in a config."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _place(mark: Any) -> Place:
    return (mark.line + 1, mark.column + 1)


class _Loader(yaml.SafeLoader):
    """SafeLoader that builds YamlMaps, records problems instead of stopping, and bounds the nesting."""

    def __init__(self, text: str, problems: Problems) -> None:
        super().__init__(text)
        self.problems = problems
        self.depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        # Composing recurses once per level: stop well before Python's recursion limit would.
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _TooDeep(self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def build_map(self, node: yaml.MappingNode) -> Iterator[YamlMap]:
        data = YamlMap(_place(node.start_mark))
        yield data
        self._report_duplicates(node)
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=False)
            try:
                hash(key)
            except TypeError:
                self.problems.error(
                    _place(key_node.start_mark), "a key must be a word, not a list or a mapping"
                )
                continue
            data[key] = self.construct_object(value_node, deep=False)
            data.key_at[key] = _place(key_node.start_mark)
            data.value_at[key] = _place(value_node.start_mark)

    def _report_duplicates(self, node: yaml.MappingNode) -> None:
        first: dict[str, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            line = key_node.start_mark.line + 1
            if key_node.value in first:
                self.problems.error(
                    _place(key_node.start_mark),
                    f"duplicate key `{key_node.value}`: on line {first[key_node.value]} and again on line {line}"
                    " (a key may appear once in a mapping)",
                )
            else:
                first[key_node.value] = line

    def refuse_binary(self, node: yaml.Node) -> None:
        self.problems.error(
            _place(node.start_mark), "`!!binary` values are not settings: write the value as text"
        )

    def refuse_date(self, node: yaml.ScalarNode) -> None:
        self.problems.error(
            _place(node.start_mark),
            f'`{node.value}` reads as a date, which no setting takes: quote it ("{node.value}") for text',
        )


_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.build_map)
_Loader.add_constructor("tag:yaml.org,2002:binary", _Loader.refuse_binary)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.refuse_date)


def load_yaml(path: str) -> tuple[YamlMap, Problems]:
    """Read the YAML mapping in ``path`` and the problems found in it so far, which the caller raises
    (:meth:`Problems.raise_errors`) after its own checks. ConfigError at once if there is no mapping to read."""
    text = read_utf8(path, "the config", "a config")
    problems = Problems(path, text)
    data = _parse(text, problems)
    if not isinstance(data, YamlMap):
        if not problems.errors:  # else it did not parse, and the errors say why
            problems.error((1, 1), f"a config must be a YAML mapping of settings, but got {_kind(data)}")
        raise ConfigFileError(path, problems.errors)
    return data, problems


def _parse(text: str, problems: Problems) -> Any:
    loader = _Loader(text, problems)
    try:
        return loader.get_single_data()
    except _TooDeep as exc:
        problems.error(
            _place(exc.mark), f"a config may nest at most {MAX_DEPTH} levels, but this one nests deeper"
        )
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        problems.error(_place(mark) if mark else (1, 1), f"not valid YAML: {problem}")
    finally:
        loader.dispose()
    return None


def _kind(value: Any) -> str:
    if value is None:
        return "an empty file"
    kinds: dict[type, str] = {list: "a list", str: "text"}
    return kinds.get(type(value), type(value).__name__)
