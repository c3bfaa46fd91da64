"""The rule catalogue. Codes are part of the public interface: never renumber them."""

from __future__ import annotations

from collections.abc import Iterable

from dynalint.analysis.model import Creation
from dynalint.rules import (
    client_per_request,
    connection_per_request,
    http_client_per_request,
    powertools_per_request,
    resource_per_request,
    sdk_client_per_request,
    session_per_request,
    table_per_request,
)
from dynalint.rules.base import Rule

RULES: tuple[Rule, ...] = (
    client_per_request.RULE,
    resource_per_request.RULE,
    table_per_request.RULE,
    session_per_request.RULE,
    connection_per_request.RULE,
    http_client_per_request.RULE,
    sdk_client_per_request.RULE,
    powertools_per_request.RULE,
)
BY_CODE = {rule.code: rule for rule in RULES}
BY_KIND: dict[Creation, Rule] = {rule.kind: rule for rule in RULES}


class UnknownRuleError(ValueError):
    pass


def selected_codes(select: Iterable[str] | None, ignore: Iterable[str]) -> frozenset[str]:
    """ruff-style selection: a code or a prefix of codes (`DYN`, `DYN00`); ignore wins."""
    chosen = _expand(select) if select is not None else set(BY_CODE)
    return frozenset(chosen - _expand(ignore))


def _expand(patterns: Iterable[str]) -> set[str]:
    codes: set[str] = set()
    for pattern in patterns:
        matched = {code for code in BY_CODE if code.startswith(pattern.strip().upper())}
        if not matched or not pattern.strip():
            raise UnknownRuleError(f"unknown rule code {pattern.strip()!r}")
        codes |= matched
    return codes
