"""The project pass: per-file models joined into reachability verdicts.

A function runs per request when an entry point (a Lambda handler, a route, a request-handler
method) reaches it through calls; it runs once when every reference to it is a call made at
import time, in a lazy-initialisation guard, by a setter, or from other run-once code; anything
else has callers that dynalint cannot see.
"""

from __future__ import annotations

import os
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, replace
from pathlib import Path

from dynalint.analysis.declared import DeclaredEntry
from dynalint.analysis.model import FileModel, Function, Reference, Site, Value
from dynalint.analysis.names import (
    HANDED_OUT,
    MODULE_WILDCARD,
    RETURNED,
    framework_class,
    method_creation,
)
from dynalint.analysis.roots import ImportRoots
from dynalint.types import Reach

FunctionKey = tuple[Path, str]
Inbound = Mapping[FunctionKey, list[tuple[FunctionKey | None, Reference]]]
Outbound = Mapping[FunctionKey, list[tuple[FunctionKey, Reference]]]
_MAX_ALIAS_HOPS = 8


@dataclass(frozen=True)
class Verdict:
    """`reach` is None for run-once code; `chain` runs from the entry point to the function."""

    reach: Reach | None
    chain: tuple[FunctionKey, ...] = ()


class Project:
    def __init__(
        self,
        models: Mapping[Path, FileModel],
        handlers: Iterable[DeclaredEntry] = (),
        scripts: Iterable[DeclaredEntry] = (),
        roots: ImportRoots | None = None,
        on_disk: Set[tuple[Path, str]] | None = None,
        distributions: Iterable[Path] = (),
    ) -> None:
        """`on_disk` holds (import root, module) for every module of the project, parsed or
        not: a module of the importing file's own root is the one Python finds.
        `distributions` are the folders holding a distribution's packaging."""
        self._models = models
        self._roots = roots or ImportRoots(None, {})
        self._modules: dict[str, list[Path]] = defaultdict(list)
        self._units: dict[tuple[Path, str], list[Path]] = defaultdict(list)
        for path, model in models.items():
            self._modules[model.module].append(path)
            self._units[(self._roots.of(path), model.module)].append(path)
        self._on_disk = on_disk
        self._resolved: dict[tuple[str, Path], list[FunctionKey]] = {}
        self._handlers = self._declared(handlers)
        scripts = list(scripts)
        self._script_modules = {entry.module for entry in scripts}
        self._scripts = self._declared(scripts)
        self._verdicts: dict[FunctionKey, Verdict] | None = None
        self._inbound: Inbound = {}
        # Deepest first, so a file belongs to the nearest distribution above it.
        self._distributions = sorted(distributions, key=lambda d: len(d.parts), reverse=True)
        self._distribution_of: dict[Path, Path | None] = {}
        units = on_disk if on_disk is not None else self._units.keys()
        self._import_roots = {root for root, _ in units}

    # -- name resolution across modules ----------------------------------------------------

    def resolve(self, target: str, origin: Path, hops: int = 0) -> list[FunctionKey]:
        """The project functions a qualified name can denote, seen from `origin` (which only
        matters through its import root)."""
        key = (target, self._roots.of(origin))
        if hops == 0 and key in self._resolved:
            return self._resolved[key]
        found: list[FunctionKey] = []
        for name in self._expand(target):
            for path, rest in self._locate(name, origin, hops):
                found.extend(self._within(path, rest, hops))
        if hops == 0:
            self._resolved[key] = found
        return found

    def _expand(self, target: str) -> list[str]:
        """`commands.*.run`: the `run` of each module directly in `commands`."""
        package, wildcard, rest = target.partition(f".{MODULE_WILDCARD}.")
        if not wildcard:
            return [target]
        return [
            f"{module}.{rest}"
            for module in self._modules
            if module.startswith(f"{package}.") and "." not in module[len(package) + 1 :]
        ]

    def export(self, target: str, origin: Path, hops: int = 0) -> Value | None:
        """The boto3 object a module-level name holds, or a function or method returns (an
        inherited one too), if any."""
        for path, rest in self._locate(target, origin, hops):
            model = self._models[path]
            value = model.exports.get(".".join(rest))
            if value is not None:
                return value
            for name in inherited(model, rest) if hops < _MAX_ALIAS_HOPS else ():
                value = self.export(name, path, hops + 1)
                if value is not None:
                    return value
        return None

    def site_kind(self, site: Site, origin: Path) -> Site:
        """Settle a site whose receiver was imported from another module."""
        if site.kind is not None or site.receiver is None or site.method is None:
            return site
        value = self.export(site.receiver, origin)
        kind = method_creation(value, site.method) if value is not None else None
        if kind is None:
            return site
        return replace(site, kind=kind)

    def _locate(self, target: str, origin: Path, hops: int) -> list[tuple[Path, tuple[str, ...]]]:
        parts = target.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:cut])
            if module not in self._modules:
                continue
            rest = tuple(parts[cut:])
            found: list[tuple[Path, tuple[str, ...]]] = []
            for path in self._pick(module, origin):
                model = self._models[path]
                alias = model.aliases.get(rest[0])
                if alias is not None and hops < _MAX_ALIAS_HOPS and not _defines(model, rest):
                    found.extend(self._locate(".".join((alias, *rest[1:])), path, hops + 1))
                else:
                    found.append((path, rest))
            return found
        return []

    def _within(self, path: Path, rest: tuple[str, ...], hops: int) -> list[FunctionKey]:
        if rest[-1] == HANDED_OUT and len(rest) > 1:
            return [
                (key[0], closure)
                for key in self._within(path, rest[:-1], hops)
                for closure in self._function(key).hands_out
            ]
        model = self._models[path]
        if RETURNED in rest[1:]:
            cut = rest.index(RETURNED)
            cls = model.returns.get(".".join(rest[:cut]))
            member = ".".join(rest[cut + 1 :])
            if cls is None or not member or hops >= _MAX_ALIAS_HOPS:
                return []
            return self.resolve(f"{cls}.{member}", path, hops + 1)
        if rest[-1] == MODULE_WILDCARD:
            return [(path, name) for name in _public_members(model, ".".join(rest[:-1]))]
        qualname = ".".join(rest)
        if qualname in model.functions:
            return [(path, qualname)]
        if qualname in model.classes:
            return self._within(path, (*rest, "__init__"), hops)
        for name in inherited(model, rest) if hops < _MAX_ALIAS_HOPS else ():
            found = self.resolve(name, path, hops + 1)
            if found:
                return found
        return []

    def _pick(self, module: str, origin: Path) -> list[Path]:
        """Same-named modules of different import roots (SAM functions): prefer the origin's."""
        candidates = self._modules[module]
        unit = (self._roots.of(origin), module)
        if self._on_disk is not None and unit in self._on_disk:
            return self._units.get(unit, [])
        if len(candidates) == 1:
            return candidates
        return self._units.get(unit) or candidates

    def _declared(self, entries: Iterable[DeclaredEntry]) -> set[FunctionKey]:
        keys: set[FunctionKey] = set()
        for entry in entries:
            for path in self._declared_paths(entry):
                if entry.function in self._models[path].functions:
                    keys.add((path, entry.function))
        return keys

    def _declared_paths(self, entry: DeclaredEntry) -> list[Path]:
        if entry.base is None:
            return list(self._modules.get(entry.module, ()))
        relative = Path(*entry.module.split("."))
        candidates = [
            entry.base / relative.with_suffix(".py"),
            entry.base / relative / "__init__.py",
        ]
        resolved = (Path(os.path.realpath(p)) for p in candidates)  # no raise on a symlink loop
        return [p for p in resolved if p in self._models]

    # -- verdicts --------------------------------------------------------------------------

    def site_verdict(self, site: Site, path: Path) -> Verdict:
        """An object cached lazily on `self` (or in a closure's `nonlocal`) is the cure unless
        instances (closures) are certainly built per request: then each request builds its own.
        So is one that a setter keeps or a stand-in for the creator makes, unless its function
        is certainly called per request."""
        key = (path, site.function)
        verdict = self.verdict(key)
        kept = site.per_instance or site.per_closure or site.callers_decide
        if kept and verdict.reach is Reach.UNKNOWN:
            return Verdict(None)
        if site.unless is not None and verdict.reach is not None:
            return self._without(key, site.unless, verdict)
        return verdict

    def _without(
        self, key: FunctionKey, parameter: tuple[str, int | None], verdict: Verdict
    ) -> Verdict:
        """How often a default for `parameter` is built: as often as the calls that omit the
        argument run. Without known callers, or in an entry point, the function's own verdict
        stands; when every known call passes it, the default is never built."""
        inbound = self._inbound.get(key, [])
        if not inbound or self._function(key).entry:
            return verdict
        reaches: list[Verdict] = []
        for source, reference in inbound:
            if reference.passes(*parameter):
                continue
            if source is None or reference.once:
                reaches.append(Verdict(None))
            elif not reference.call:
                reaches.append(Verdict(Reach.UNKNOWN))
            else:
                reaches.append(self.verdict(source))
        for reach in (Reach.PER_REQUEST, Reach.UNKNOWN):
            found = next((v for v in reaches if v.reach is reach), None)
            if found is not None:
                return Verdict(reach, (*found.chain, key)) if found.chain else Verdict(reach)
        return Verdict(None)

    def verdict(self, key: FunctionKey) -> Verdict:
        if self._verdicts is None:
            self._verdicts = self._judge()
        return self._verdicts.get(key, Verdict(Reach.UNKNOWN))

    def _judge(self) -> dict[FunctionKey, Verdict]:
        inbound, outbound = self._edges()
        self._inbound = inbound
        parents = self._per_request(outbound)
        verdicts = {key: Verdict(Reach.PER_REQUEST, _chain(key, parents)) for key in parents}
        for key in self._run_once(inbound, outbound, parents):
            verdicts[key] = Verdict(None)
        return verdicts

    def _edges(self) -> tuple[Inbound, Outbound]:
        inbound: dict[FunctionKey, list[tuple[FunctionKey | None, Reference]]] = defaultdict(list)
        outbound: dict[FunctionKey, list[tuple[FunctionKey, Reference]]] = defaultdict(list)
        for path in sorted(self._models):
            for reference in self._models[path].references:
                source = (path, reference.source) if reference.source is not None else None
                for target in self.resolve(reference.target, path):
                    inbound[target].append((source, reference))
                    if source is not None:
                        outbound[source].append((target, reference))
                    # What a call hands out, its caller holds and may call at any time.
                    escaped = replace(reference, call=False)
                    for closure in self._function(target).hands_out if reference.call else ():
                        inbound[(target[0], closure)].append((source, escaped))
        return inbound, outbound

    def _entries(self) -> list[FunctionKey]:
        found = set(self._handlers)
        for path, model in self._models.items():
            found.update((path, name) for name, f in model.functions.items() if f.entry)
        return sorted(found)

    def _per_request(self, outbound: Outbound) -> dict[FunctionKey, FunctionKey | None]:
        """Breadth first from every entry point, so each chain is a shortest one."""
        entries = self._entries()
        parents: dict[FunctionKey, FunctionKey | None] = dict.fromkeys(entries)
        queue = deque(entries)
        while queue:
            key = queue.popleft()
            if self._function(key).memoized:
                continue
            for target, reference in outbound.get(key, ()):
                if not reference.once and target not in parents:
                    parents[target] = key
                    queue.append(target)
        return parents

    def _run_once(
        self, inbound: Inbound, outbound: Outbound, per_request: Mapping[FunctionKey, object]
    ) -> set[FunctionKey]:
        once = {key for key in self._keys() if self._function(key).runs_once} | self._scripts
        once |= self._command_line_package()
        once |= self._unbuilt(inbound)
        once |= {key for key in self._keys() if not inbound.get(key) and self._unshipped(key[0])}
        once -= per_request.keys()
        # Recursion is no caller from outside: assume every function whose references are all
        # calls runs once, drop those that code of other lifetimes calls until none is left to
        # drop, then keep those that run-once code actually reaches.
        maybe = {
            key
            for key in self._keys()
            if key not in once
            and key not in per_request
            and self._calls_only(key, inbound)
            and not self._hook_api(key)
        }
        dropped = True
        while dropped:
            dropped = False
            for key in list(maybe):
                if not all(
                    self._once_from(source, reference, once, maybe, key)
                    for source, reference in inbound[key]
                ):
                    maybe.discard(key)
                    dropped = True
        queue = deque(
            key
            for key in maybe
            if any(self._once_from(s, r, once, frozenset(), key) for s, r in inbound[key])
        )
        while queue:
            key = queue.popleft()
            if key in maybe:
                maybe.discard(key)
                once.add(key)
                queue.extend(target for target, _ in outbound.get(key, ()) if target in maybe)
        return once

    def _command_line_package(self) -> set[FunctionKey]:
        """Every function of the package a console script lives in, when that is a subpackage
        (`samcli/cli/` for `samcli.cli.main:cli`): it is the command-line tool's own code, not
        the library's API, so what runs there runs once per command a person types, whoever
        calls it (click callbacks and context objects dynalint cannot follow). A console script
        in a top-level package (`tool.cli:main`) claims only its own module."""
        modules = {model.module for model in self._models.values()}
        if self._on_disk is not None:
            modules |= {module for _, module in self._on_disk}
        claimed: set[str] = set()
        for module in self._script_modules:
            is_package = any(other.startswith(f"{module}.") for other in modules)
            package = module if is_package else module.rpartition(".")[0]
            claimed.add(module)
            if "." in package:
                claimed |= {other for other in modules if f"{other}.".startswith(f"{package}.")}
        return {
            (path, name)
            for path, model in self._models.items()
            if model.module in claimed
            for name in model.functions
        }

    def _unbuilt(self, inbound: Inbound) -> set[FunctionKey]:
        """The initialisers of classes that the project never instantiates (it may name them,
        as in `isinstance(x, Cls)` or a registry), but through alternate constructors that
        nothing calls (`return cls(...)` in `from_config`): their users build the objects, and
        keeping a client on an object built once is the cure, so how often they run is theirs
        to say, not ours to guess."""
        found: set[FunctionKey] = set()
        for key in self._keys():
            cls, _, name = key[1].rpartition(".")
            if name != "__init__" or "." in cls:
                continue
            if all(
                source is not None
                and source[0] == key[0]
                and source[1].rpartition(".")[0] == cls
                and not inbound.get(source)
                for source, reference in inbound.get(key, ())
                if reference.call
            ):
                found.add(key)
        return found

    def _calls_only(self, key: FunctionKey, inbound: Inbound) -> bool:
        """Something refers to the function and every reference calls it (reading a property
        calls it too). A call from another distribution of the repository (a CLI beside its
        library), or from a sample beside the package, says nothing of the library's other
        users."""
        references = inbound.get(key, ())
        accessor = self._function(key).accessor
        return bool(references) and all(
            (reference.call or accessor)
            and (source is None or not self._foreign(source[0], key[0]))
            for source, reference in references
        )

    def _hook_api(self, key: FunctionKey) -> bool:
        """A public method of an Airflow hook (a `*Hook` class deriving from another): DAG
        authors call hooks from their own tasks, so that the provider's operators call it once
        says nothing of how often they do."""
        cls, _, name = key[1].rpartition(".")
        bases = self._models[key[0]].classes.get(cls, ())
        return framework_class(cls, bases, "Hook") and not name.startswith("_")

    def _once_from(
        self,
        source: FunctionKey | None,
        reference: Reference,
        once: Set[FunctionKey],
        assumed: Set[FunctionKey],
        target: FunctionKey,
    ) -> bool:
        """The reference is made once: at import time, in a lazy guard, where what it makes is
        kept (by a setter, or by an instance or closure not certainly built per request), by
        run-once code (or code assumed to run once), or by a memoised function, unless that is
        a method caching what a public method of its own class makes: the object's users call
        that one too."""
        return (
            source is None
            or reference.once
            or reference.kept
            or source in once
            or source in assumed
            or (self._function(source).memoized and not _public_sibling(source, target))
        )

    def _unshipped(self, path: Path) -> bool:
        """A module outside the `src/` folder of a src-layout distribution ships with nothing
        (examples, scripts, docs tooling): what nothing calls there, a person runs, once."""
        distribution = self._distribution(path)
        if distribution is None:
            return False
        src = distribution / "src"
        return src in self._import_roots and not path.is_relative_to(src)

    def _foreign(self, source: Path, target: Path) -> bool:
        """The caller is not part of what ships the callee: another distribution, or a sample
        or script beside a src-layout package."""
        if self._distribution(source) != self._distribution(target):
            return True
        return self._unshipped(source) and not self._unshipped(target)

    def _distribution(self, path: Path) -> Path | None:
        if path not in self._distribution_of:
            self._distribution_of[path] = next(
                (folder for folder in self._distributions if path.is_relative_to(folder)), None
            )
        return self._distribution_of[path]

    def _keys(self) -> Iterable[FunctionKey]:
        for path, model in self._models.items():
            for name in model.functions:
                yield (path, name)

    def _function(self, key: FunctionKey) -> Function:
        return self._models[key[0]].functions[key[1]]


def inherited(model: FileModel, rest: Sequence[str]) -> list[str]:
    """Where a member of one of the module's classes (`rest`: `Cls.member`) is looked up next
    when the class does not define it: the same member of each base, in order."""
    owner = ".".join(rest[:-1])
    return [f"{base}.{rest[-1]}" for base in model.classes.get(owner, ())]


def _public_members(model: FileModel, owner: str) -> list[str]:
    """The functions a computed `getattr(owner, name)` may pick: the public methods of a class,
    or the public functions of a module (`owner` empty) and its public classes' initialisers."""
    found = []
    for qualname in model.functions:
        parent, _, name = qualname.rpartition(".")
        if parent == owner and not name.startswith("_"):
            found.append(qualname)
        elif not owner and name == "__init__" and "." not in parent and parent[:1] != "_":
            found.append(qualname)
    return found


def _defines(model: FileModel, rest: tuple[str, ...]) -> bool:
    name = ".".join(rest)
    return name in model.functions or name in model.classes


def _chain(
    key: FunctionKey, parents: Mapping[FunctionKey, FunctionKey | None]
) -> tuple[FunctionKey, ...]:
    chain = [key]
    while (parent := parents[chain[-1]]) is not None:
        chain.append(parent)
    return tuple(reversed(chain))


def _public_sibling(source: FunctionKey, target: FunctionKey) -> bool:
    """`target` is a public method of the class `source` is a method of."""
    cls, _, name = target[1].rpartition(".")
    return (
        source[0] == target[0]
        and bool(cls)
        and source[1].rpartition(".")[0] == cls
        and not name.startswith("_")
        and not cls.rpartition(".")[2].startswith("_")
    )
