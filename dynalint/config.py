"""Run options shared by the engine and every front end."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path

from dynalint.analysis.names import DEFAULT_VOCABULARY, Vocabulary
from dynalint.discovery import Excludes
from dynalint.rules import selected_codes
from dynalint.settings import Settings, ignored_codes_for
from dynalint.types import Reach, reaches


@dataclass(frozen=True)
class Config:
    """Everything a run depends on, from `[tool.dynalint]` and the command line merged.

    `exclude` (None: the defaults) and `extend_exclude` are gitignore-style patterns and
    `per_file_ignores` glob patterns, all relative to `base`, the settings file's folder.
    `helper_module` is the cached helper module that fixes import, since a finding carries its
    fix; None places `aws_helpers` by the rule of `roots.helper_module_for`. `reach` is what is
    reported: certain findings (`per-request`), possible ones (`unknown`), or both. With
    `cache`, models are kept in `cache_dir` (None: `.dynalint_cache` at the project root);
    `jobs` is how many processes may parse (None: one per CPU). Neither changes a finding.
    """

    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    include_tests: bool = False
    exclude: tuple[str, ...] | None = None
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    vocabulary: Vocabulary = field(default=DEFAULT_VOCABULARY)
    base: Path | None = None
    helper_module: str | None = None
    reach: frozenset[Reach] = frozenset(Reach)
    cache: bool = False
    cache_dir: Path | None = None
    jobs: int | None = 1

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        select: tuple[str, ...] | None = None,
        ignore: tuple[str, ...] | None = None,
        include_tests: bool | None = None,
        helper_module: str | None = None,
        reach: tuple[str, ...] | None = None,
        cache: bool = False,
        cache_dir: Path | None = None,
        jobs: int | None = 1,
    ) -> Config:
        """The file's settings, with whatever the command line gave winning over them."""
        if cache_dir is None and settings.cache_dir is not None:
            base = settings.source.parent if settings.source is not None else Path.cwd()
            cache_dir = base / settings.cache_dir
        vocabulary = Vocabulary(
            handler_patterns=settings.handler_patterns,
            route_decorators=frozenset(settings.route_decorators),
            memoize_decorators=frozenset(settings.memoize_decorators),
            creators=settings.creators,
        )
        return cls(
            select=select if select is not None else settings.select,
            ignore=ignore if ignore is not None else settings.ignore,
            include_tests=bool(
                include_tests if include_tests is not None else settings.include_tests
            ),
            exclude=settings.exclude,
            extend_exclude=settings.extend_exclude,
            per_file_ignores=settings.per_file_ignores,
            vocabulary=vocabulary,
            base=settings.source.parent if settings.source is not None else None,
            helper_module=helper_module or settings.helper_module,
            reach=reaches(reach or settings.reach or [r.value for r in Reach]),
            cache=cache,
            cache_dir=Path(os.path.realpath(cache_dir)) if cache_dir is not None else None,
            jobs=jobs,
        )

    @property
    def excludes(self) -> Excludes:
        patterns = (*(self.exclude or ()), *self.extend_exclude)
        if self.base is None or not patterns:
            return Excludes(defaults=self.exclude is None)
        return Excludes(self.base, patterns, defaults=self.exclude is None)

    def ignored_in(self, path: Path) -> frozenset[str]:
        """The codes `per-file-ignores` turns off for one file."""
        if self.base is None or not self.per_file_ignores:
            return frozenset()
        try:
            relative = path.relative_to(self.base).as_posix()
        except ValueError:
            return frozenset()
        return ignored_codes_for(self.per_file_ignores, relative)

    def shape(self) -> object:
        """Every setting that can change a finding (all but `cache`, `cache_dir` and `jobs`),
        spelled the same in every process: sets sorted."""
        return canonical(replace(self, cache=False, cache_dir=None, jobs=1))

    def __post_init__(self) -> None:
        self.codes  # noqa: B018 - an unknown rule code fails here, before any work is done

    @property
    def codes(self) -> frozenset[str]:
        return selected_codes(self.select, self.ignore)


def canonical(value: object) -> object:
    """A value spelled the same in every process (sets sorted), to be part of a cache key."""
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(map(repr, value)))
    if is_dataclass(value) and not isinstance(value, type):
        return tuple((item.name, canonical(getattr(value, item.name))) for item in fields(value))
    if isinstance(value, tuple):
        return tuple(map(canonical, value))
    return repr(value)


def default_jobs() -> int:
    """One process per CPU this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


DEFAULT_CONFIG = Config()
