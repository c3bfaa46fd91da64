"""Project settings from `[tool.dynalint]` in pyproject.toml, read the way ruff reads `[tool.ruff]`.

A project states once which rules apply where, which extra names mark handlers, routes and
caches, and where the cached helper lives, so every run (and every engineer, and CI) agrees
without repeating flags. The settings used are those of the nearest pyproject.toml, at or above
the checked paths, that has a `[tool.dynalint]` table; `--config` names a file instead, and
`--isolated` uses none. Keys are spelled with dashes, as in ruff.

Nothing in the file is silently ignored: an unknown key, a value of the wrong type, an unknown
rule code or an unusable pattern raises `SettingsError`, whose message is one line naming the
file, the key and what was expected, so the CLI can print it as it is. Merging the settings
with command-line options is the CLI's job, not this module's.

Patterns (`exclude`, `extend-exclude` and the keys of `per-file-ignores`) are gitignore-style
and relative to the folder of the settings file, matched with pathspec as the .gitignore files
are in discovery: a pattern without a slash (`handler.py`, `*_test.py`) matches a file of that
name at any depth, a pattern with one (`tests/*`, `scripts/**/*.py`) is anchored to the folder,
`**` spans folders, and a pattern that matches a folder covers everything inside it. As in ruff,
a per-file-ignores pattern starting with `!` applies to the files it does not match.
"""

from __future__ import annotations

import difflib
import functools
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import pathspec

from dynalint.analysis.model import Creation
from dynalint.analysis.names import is_dotted_name
from dynalint.discovery import common_folder
from dynalint.reading import read_regular, reason
from dynalint.rules import UnknownRuleError, selected_codes
from dynalint.types import reaches

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

PYPROJECT = "pyproject.toml"

_PER_FILE_IGNORES = "expected a table of glob patterns to lists of rule codes"
# Function names plus the fnmatch wildcards `*`, `?` and `[!a-z]`: a dotted "module.function"
# can never match a function's name, so it is refused rather than silently matching nothing.
_HANDLER_PATTERN = re.compile(r"[\w*?\[\]!-]+")
_MAX_SHOWN = 60


class SettingsError(ValueError):
    """The settings cannot be used; `str()` is one line naming the file, the key and the fault."""


@dataclass(frozen=True)
class Settings:
    """What a project's settings file says; None or empty means "not set, use the default".

    Rule codes are kept upper-cased and stripped (prefixes such as `DYN00` stay prefixes);
    `per_file_ignores` keeps the file's order. `source` is the file the settings came from,
    and the folder that the patterns are relative to.
    """

    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] | None = None
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    include_tests: bool | None = None
    handler_patterns: tuple[str, ...] = ()
    route_decorators: tuple[str, ...] = ()
    memoize_decorators: tuple[str, ...] = ()
    creators: tuple[tuple[str, Creation], ...] = ()
    helper_module: str | None = None
    cache_dir: str | None = None
    reach: tuple[str, ...] | None = None
    source: Path | None = None


class _Invalid(Exception):
    """A value is wrong; the caller, which knows the file and the key, builds the message.

    `within` names a part of the value, as `."tests/*"` for one entry of per-file-ignores.
    """

    def __init__(self, message: str, *, within: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.within = within


# --- public API -------------------------------------------------------------------------------


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above `start` that has a `[tool.dynalint]` table.

    A nearer pyproject.toml without the table is skipped, as ruff skips one without
    `[tool.ruff]`, so a sub-package's packaging file does not hide the project's settings. One
    that cannot be read or parsed raises: whether it holds settings cannot be known. So does
    one that is not a regular file (a FIFO would hang the run); a folder of that name is none.
    """
    here = Path(os.path.realpath(start))  # Path.resolve() raises on a symlink loop
    folder = here if here.is_dir() else here.parent
    for candidate in (folder / PYPROJECT, *(parent / PYPROJECT for parent in folder.parents)):
        if not candidate.exists() or candidate.is_dir():
            continue
        if _has_dynalint_table(_read_toml(candidate, _display(candidate))):
            return candidate
    return None


def load_settings(path: Path, display: str | None = None) -> Settings:
    """Read one settings file; `display` is how errors name it (default: the path as given).

    A file with a `[tool.dynalint]` table is read from that table. Otherwise a pyproject.toml
    gives the defaults, and any other file (a dynalint.toml) is read from its top level.
    """
    shown = str(path) if display is None else display
    document = _read_toml(path, shown)
    if _has_dynalint_table(document):
        table = document["tool"]["dynalint"]
        if not isinstance(table, dict):
            raise SettingsError(f"{shown}: tool.dynalint: expected a table, got {_describe(table)}")
        return _parse(table, f"{shown}: [tool.dynalint]", path)
    if path.name == PYPROJECT:
        return Settings(source=path)
    return _parse(document, f"{shown}:", path)


def settings_for(
    paths: Sequence[Path], *, config_file: Path | None = None, isolated: bool = False
) -> Settings:
    """The settings for a run over `paths`: none when isolated (even with a config file), the
    named file when given, else the nearest pyproject.toml with `[tool.dynalint]` above the
    folder the paths share (the current folder when there are none). `source` is absolute."""
    if isolated:
        return Settings()
    if config_file is not None:
        return load_settings(Path(os.path.realpath(config_file)), str(config_file))
    found = find_pyproject(common_folder(paths))
    return Settings() if found is None else load_settings(found, _display(found))


def ignored_codes_for(
    per_file_ignores: Sequence[tuple[str, Sequence[str]]], relative_path: str
) -> frozenset[str]:
    """The rule codes per-file-ignores turns off for a file, prefixes expanded to codes.

    `relative_path` is the file's posix path relative to the folder of the settings file; every
    matching entry contributes, as in ruff.
    """
    path = PurePosixPath(relative_path).as_posix()
    codes: set[str] = set()
    for pattern, rule_codes in per_file_ignores:
        if _matches(pattern, path):
            codes |= selected_codes(rule_codes, ())
    return frozenset(codes)


# --- reading ----------------------------------------------------------------------------------


def _read_toml(path: Path, shown: str) -> dict[str, Any]:
    """Both failures become SettingsError so the CLI reports them like any bad setting. Only a
    regular file is opened: `--config` naming a FIFO must not hang the run."""
    try:
        data = read_regular(path)
    except OSError as error:
        raise SettingsError(f"{shown}: {reason(error)}") from error
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError) as error:
        raise SettingsError(f"{shown}: invalid TOML: {error}") from error


def _has_dynalint_table(document: dict[str, Any]) -> bool:
    """Present even when not a table, so a wrong `tool.dynalint = ...` is reported, not skipped."""
    tool = document.get("tool")
    return isinstance(tool, dict) and "dynalint" in tool


def _display(path: Path) -> str:
    """Errors name a file relative to the current folder when it is inside it, as ruff does."""
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# --- parsing ----------------------------------------------------------------------------------


def _parse(table: dict[str, Any], where: str, source: Path) -> Settings:
    """Keys are checked in file order, so the first mistake in the file is the one reported."""
    fields: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _KEYS:
            raise SettingsError(f"{where} {_unknown_key(key)}")
        field, parse = _KEYS[key]
        try:
            fields[field] = parse(value)
        except _Invalid as invalid:
            raise SettingsError(f"{where} {key}{invalid.within}: {invalid.message}") from None
    return Settings(**fields, source=source)


def _unknown_key(key: str) -> str:
    """A typo or `include_tests` for `include-tests` gets the key that was probably meant."""
    close = difflib.get_close_matches(key, list(_KEYS), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown key {key!r}{hint}"


def _strings(value: object, expected: str = "expected a list of strings") -> tuple[str, ...]:
    """A list of non-blank strings; a bare string is refused, not taken as a one-item list."""
    if not isinstance(value, list):
        raise _Invalid(f"{expected}, got {_describe(value)}")
    for number, item in enumerate(value, 1):
        if not isinstance(item, str) or not item.strip():
            raise _bad_item(expected, item, number)
    return tuple(value)


def _bad_item(expected: str, item: object, number: int) -> _Invalid:
    """Items are counted from 1, as a person reading the file counts them."""
    return _Invalid(f"{expected}, got {_describe(item)} as item {number}")


def _rule_codes(value: object) -> tuple[str, ...]:
    """Checked with the same prefix rule as `--select`, so a typo fails before any work."""
    codes = _strings(value, "expected a list of rule codes")
    try:
        selected_codes(codes, ())
    except UnknownRuleError as error:
        raise _Invalid(str(error)) from None
    return tuple(code.strip().upper() for code in codes)


def _patterns(value: object) -> tuple[str, ...]:
    """Gitignore-style lines; `!pattern` re-includes, as in a .gitignore file."""
    patterns = _strings(value)
    for number, pattern in enumerate(patterns, 1):
        if _spec(pattern.removeprefix("!")) is None:
            raise _bad_item("expected gitignore-style patterns", pattern, number)
    return patterns


def _per_file_ignores(value: object) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Order is kept so the file reads the way it is applied."""
    if not isinstance(value, dict):
        raise _Invalid(f"{_PER_FILE_IGNORES}, got {_describe(value)}")
    entries: list[tuple[str, tuple[str, ...]]] = []
    for pattern, codes in value.items():
        if _spec(pattern.removeprefix("!")) is None:
            raise _Invalid(f"{_PER_FILE_IGNORES}, got {_describe(pattern)} as a pattern")
        try:
            entries.append((pattern, _rule_codes(codes)))
        except _Invalid as invalid:
            raise _Invalid(invalid.message, within=f".{json.dumps(pattern)}") from None
    return tuple(entries)


def _reaches(value: object) -> tuple[str, ...]:
    """`per-request` (certain findings) and `unknown` (possible ones); at least one."""
    names = _strings(value, "expected a list of reaches such as ['per-request']")
    if not names:
        raise _Invalid("expected at least one reach: per-request, unknown")
    try:
        reaches(names)
    except ValueError as error:
        raise _Invalid(str(error)) from None
    return tuple(name.strip().lower() for name in names)


def _boolean(value: object) -> bool:
    """TOML has real booleans; "yes" or 1 is more likely a mistake than a wish."""
    if not isinstance(value, bool):
        raise _Invalid(f"expected true or false, got {_describe(value)}")
    return value


def _handler_patterns(value: object) -> tuple[str, ...]:
    """fnmatch patterns over function names, such as `*_entry` or `process_event`."""
    patterns = _strings(value)
    for number, pattern in enumerate(patterns, 1):
        if not _HANDLER_PATTERN.fullmatch(pattern):
            raise _bad_item("expected function name patterns such as '*_entry'", pattern, number)
    return patterns


def _dotted_names(example: str) -> Callable[[object], tuple[str, ...]]:
    """Decorator names are compared with the source's dotted names, so they must be ones."""

    def parse(value: object) -> tuple[str, ...]:
        names = _strings(value)
        for number, name in enumerate(names, 1):
            if not is_dotted_name(name):
                raise _bad_item(f"expected dotted names such as {example!r}", name, number)
        return names

    return parse


def _creators(value: object) -> tuple[tuple[str, Creation], ...]:
    """A table of dotted names of factories, each with the family of what it creates."""
    families = ", ".join(kind.value for kind in Creation)
    if not isinstance(value, dict):
        raise _Invalid(
            "expected a table of dotted names and families such as "
            f'{{ "myapp.db.connect" = "database" }}, got {_describe(value)}'
        )
    entries: list[tuple[str, Creation]] = []
    for name, family in value.items():
        if not is_dotted_name(name) or "." not in name:
            raise _Invalid(
                f"expected a dotted name such as 'myapp.db.connect', got {_describe(name)}"
            )
        if family not in {kind.value for kind in Creation}:
            raise _Invalid(
                f"expected one of {families}, got {_describe(family)}",
                within=f".{json.dumps(name)}",
            )
        entries.append((name, Creation(family)))
    return tuple(entries)


def _module_name(value: object) -> str:
    """The fixer writes `from <module> import ...`, so the name must be importable as written."""
    if not isinstance(value, str) or not is_dotted_name(value):
        raise _Invalid(f"expected a dotted module name such as 'utils.db', got {_describe(value)}")
    return value


def _folder(value: object) -> str:
    """A folder path, relative to the settings file's folder unless absolute."""
    if not isinstance(value, str) or not value.strip() or "\0" in value:
        raise _Invalid(f"expected a folder path such as '.dynalint_cache', got {_describe(value)}")
    return value


_KEYS: dict[str, tuple[str, Callable[[object], object]]] = {
    "select": ("select", _rule_codes),
    "ignore": ("ignore", _rule_codes),
    "exclude": ("exclude", _patterns),
    "extend-exclude": ("extend_exclude", _patterns),
    "per-file-ignores": ("per_file_ignores", _per_file_ignores),
    "include-tests": ("include_tests", _boolean),
    "handler-patterns": ("handler_patterns", _handler_patterns),
    "route-decorators": ("route_decorators", _dotted_names("myframework.route")),
    "memoize-decorators": ("memoize_decorators", _dotted_names("cachetools.cached")),
    "creators": ("creators", _creators),
    "helper-module": ("helper_module", _module_name),
    "cache-dir": ("cache_dir", _folder),
    "reach": ("reach", _reaches),
}


def _describe(value: object) -> str:
    """A found value in TOML's terms, short enough to keep the message on one line."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = repr(value) if value else "an empty string"
        return shown if len(shown) <= _MAX_SHOWN else shown[: _MAX_SHOWN - 3] + "..."
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return "a date or time"


# --- matching ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=512)
def _spec(pattern: str) -> pathspec.GitIgnoreSpec | None:
    """One compiled pattern, or None when it could never match anything (a `#` comment, a
    blank, an unclosed `[`, a lone `!`); cached because matching runs for every file."""
    if "\n" in pattern or "\r" in pattern:
        return None
    try:
        spec = pathspec.GitIgnoreSpec.from_lines([pattern])
    except ValueError:
        return None
    usable = spec.patterns and all(compiled.include is True for compiled in spec.patterns)
    return spec if usable else None


def _matches(pattern: str, path: str) -> bool:
    """`!pattern` applies to the files `pattern` does not match, as in ruff."""
    negated = pattern.startswith("!")
    spec = _spec(pattern.removeprefix("!"))
    return spec is not None and spec.match_file(path) != negated
