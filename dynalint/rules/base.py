"""What every rule shares: its identity, its documentation, its fix and how it words a finding."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dynalint.analysis.model import Creation, Site
from dynalint.types import Finding, Fix, Reach

if TYPE_CHECKING:  # fixes are built with libcst, which only a run that parses imports
    from dynalint.rules.fixing import FixFunction

FROM_REQUEST = "its arguments depend on the request, so a shared cache would keep one per request"
FROM_SESSION = "it is made from a Session: move the Session to module level by hand"


@dataclass(frozen=True)
class Rule:
    """One rule per kind of creating call. `doc` is the rule module's docstring; `fix` builds
    the rule's fixes, and a rule without one says why in `no_fix`."""

    code: str
    name: str
    kind: Creation
    summary: str
    advice: str
    doc: str
    fix: FixFunction | None = None
    no_fix: str = "dynalint fix does not rewrite it"

    @property
    def fixable(self) -> bool:
        return self.fix is not None

    def finding(
        self,
        site: Site,
        path: str,
        reach: Reach,
        chain: tuple[str, ...],
        via: str,
        fix: Fix | str,
    ) -> Finding:
        """`via` is the chain as people read it: `get_item() <- lambda_handler() (handler.py)`;
        `fix` is the finding's fix or the reason it has none."""
        return Finding(
            path=path,
            line=site.span.line,
            column=site.span.column,
            end_line=site.span.end_line,
            end_column=site.span.end_column,
            code=self.code,
            name=self.name,
            message=self._message(site, reach, via),
            reach=reach,
            chain=chain,
            fix=fix if isinstance(fix, Fix) else None,
            no_fix=fix if isinstance(fix, str) else None,
        )

    def _message(self, site: Site, reach: Reach, via: str) -> str:
        where = f"on every call of {via}"
        if site.per_instance:
            owner = site.function.rpartition(".")[0].rpartition(".")[2]
            where = f"once per {owner} instance, and instances are made {where}"
        elif site.per_closure:
            where = f"once per closure, and closures are made {where}"
        if reach is Reach.UNKNOWN:
            where += ", whose callers are unknown"
        if site.request_names:
            names = ", ".join(site.request_names)
            return (
                f"{site.text} is created {where}; it depends on per-request values ({names}), "
                "so cache it by those values or build it from settings instead"
            )
        return f"{site.text} is created {where}; {self.advice}"
