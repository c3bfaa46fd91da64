"""Run options shared by the engine and every front end."""

from __future__ import annotations

from dataclasses import dataclass

from dynalint.rules import selected_codes


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    include_tests: bool = False

    def __post_init__(self) -> None:
        self.codes  # noqa: B018 - an unknown rule code fails here, before any work is done

    @property
    def codes(self) -> frozenset[str]:
        return selected_codes(self.select, self.ignore)


DEFAULT_CONFIG = Config()
