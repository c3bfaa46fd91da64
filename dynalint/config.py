"""Run options shared by the engine and every front end."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dynalint.analysis.names import DEFAULT_VOCABULARY, Vocabulary
from dynalint.rules import selected_codes


@dataclass(frozen=True)
class Config:
    """Everything a run depends on, from `[tool.dynalint]` and the command line merged.

    `exclude` (None: the defaults) and `extend_exclude` are gitignore-style patterns and
    `per_file_ignores` glob patterns, all relative to `base`, the settings file's folder.
    """

    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    include_tests: bool = False
    exclude: tuple[str, ...] | None = None
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    vocabulary: Vocabulary = field(default=DEFAULT_VOCABULARY)
    base: Path | None = None

    def __post_init__(self) -> None:
        self.codes  # noqa: B018 - an unknown rule code fails here, before any work is done

    @property
    def codes(self) -> frozenset[str]:
        return selected_codes(self.select, self.ignore)


DEFAULT_CONFIG = Config()
