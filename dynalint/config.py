"""Run options shared by the engine and every front end."""

from __future__ import annotations

from dataclasses import dataclass

from dynalint.rules import selected_codes


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    include_tests: bool = False

    @property
    def codes(self) -> frozenset[str]:
        return selected_codes(self.select, self.ignore)
