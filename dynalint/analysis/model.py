"""The per-file model: everything the project pass needs from one module, and nothing more.

Models are small frozen values so they can be cached and shipped between processes; the
syntax tree they were built from is dropped as soon as a module has been read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dynalint.types import ByValue, Fix

if TYPE_CHECKING:
    from dynalint.analysis.names import Vocabulary


class Creation(str, ByValue):
    """What a creating call makes; each kind has its own rule. The first four are boto3's; the
    others are the families AWS also says belong outside the handler."""

    CLIENT = "client"
    RESOURCE = "resource"
    TABLE = "table"
    SESSION = "session"
    DATABASE = "database"
    HTTP = "http"
    SDK = "sdk"
    POWERTOOLS = "powertools"


@dataclass(frozen=True)
class Value:
    """An expensive object held by a name, as far as dynalint can tell."""

    kind: Creation
    service: str | None = None


@dataclass(frozen=True)
class Span:
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class FixOption:
    """One way to fix a site; `needs` are the indices (in `FileModel.sites`) of the sites whose
    code it rewrites too, which must all be reported for it to be used."""

    fix: Fix
    needs: frozenset[int]


@dataclass(frozen=True)
class Site:
    """A call that creates a boto3 object inside a function.

    `kind` is None when the receiver is a name imported from another module of the project
    (`from app.aws import DDB; DDB.Table(x)`): the project pass decides from that module's
    exports whether `method` on it creates anything. `per_instance` marks a creation cached on
    `self`: `function` is then the class's `__init__`, which decides how often it runs;
    `per_closure` one cached in a `nonlocal`: `function` is then the one that made the closure.
    `unless` is the parameter (name, and position in a call) whose default the creation
    supplies (`if client is None: client = boto3.client(...)`): calls passing it skip it.
    `callers_decide` marks one whose function's callers alone decide how often it runs: a
    setter keeping it in a global or class attribute (returning nothing, calling nothing on it),
    which the program calls to configure itself, or a stand-in for the creator that hands its
    own `*args, **kwargs` over unchanged (`def client(*args, **kwargs): return
    boto3.client(*args, **kwargs)`).
    `fixes` are the ways to fix it, best first (their `helper_path` is left for the project
    pass to fill in); `no_fix` says why there is none.
    """

    kind: Creation | None
    span: Span
    text: str
    function: str
    request_names: tuple[str, ...] = ()
    fixes: tuple[FixOption, ...] = ()
    no_fix: str | None = None
    receiver: str | None = None
    method: str | None = None
    per_instance: bool = False
    per_closure: bool = False
    unless: tuple[str, int | None] | None = None
    callers_decide: bool = False


@dataclass(frozen=True)
class Function:
    """`accessor` marks a property: reading or setting the attribute calls it. `hands_out`
    are the functions defined inside it that it returns (a decorator's wrapper)."""

    qualname: str
    name: str
    entry: str | None = None
    runs_once: bool = False
    memoized: bool = False
    accessor: bool = False
    hands_out: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reference:
    """`source` refers to `target` (a dotted qualified name as this module resolves it).

    `source` is None at import time. `once` marks references made inside a lazy-initialisation
    guard, which run once whatever calls their function. A call also says which arguments it
    certainly gives a value, by position and by keyword: not `None`, not a parameter of its
    own passed on (which may be `None`), not what `*` or `**` spread. `kept` marks a call made
    where what it makes is kept: by a setter in a global or class attribute (`Accessor._cache =
    Cache()` in `set_cache_kwargs`), which the program calls to configure itself, or in the cold
    branch of a cache on `self` or in a `nonlocal`, whose `source` is then the class's
    `__init__` or the closure's maker. Like such sites, it counts only when its source
    certainly runs per request.
    """

    source: str | None
    target: str
    call: bool
    once: bool = False
    positions: tuple[int, ...] = ()
    keywords: tuple[str, ...] = ()
    kept: bool = False

    def passes(self, parameter: str, position: int | None) -> bool:
        """The call certainly gives `parameter` (at `position`, if it has one) a value."""
        return self.call and (parameter in self.keywords or position in self.positions)


@dataclass(frozen=True)
class FileModel:
    """`returns` names the project class whose objects a function returns (`provider_for` ->
    `pkg.providers.Provider`); `helper_module` is the module this module's fixes import their
    helpers from."""

    module: str
    functions: Mapping[str, Function] = field(default_factory=dict)
    classes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    aliases: Mapping[str, str] = field(default_factory=dict)
    exports: Mapping[str, Value] = field(default_factory=dict)
    returns: Mapping[str, str] = field(default_factory=dict)
    sites: tuple[Site, ...] = ()
    references: tuple[Reference, ...] = ()
    helper_module: str = "aws_helpers"


@dataclass(frozen=True)
class Job:
    """Everything a model depends on besides the code: the cache keys models by exactly this."""

    data: bytes
    module: str
    is_package: bool
    vocabulary: Vocabulary
    helper_module: str
