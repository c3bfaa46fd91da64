"""Score dynalint (and pythaw, when installed) against the hand-labelled real-world set.

    python benchmarks/score_realworld.py              # figures overall, per family, per project
    python benchmarks/score_realworld.py --errors     # and every remaining false alarm and miss
    python benchmarks/score_realworld.py --project moto --errors

The labels are benchmarks/realworld/labels/<project>.txt (format in benchmarks/realworld/README.md).
Each project's pinned sdist is fetched once into --work and unpacked; each tool then checks the
unpacked tree as a user would, from its root, with its default settings and no cache.

Only the labelled files count. A finding on a `flag` site is a true positive, one on a `noflag`
site or on a line of a labelled file that holds no labelled site is a false alarm, a `flag` site
without a finding is a miss, and `uncertain` sites are left out. A site matches a finding of its
kind on its line: DYN001 client, DYN002 resource, DYN003 table, DYN004 session (pythaw: PW001
client, PW002 resource, PW003 session; pythaw has no rule for tables).

A script, not a test: standard library only besides dynalint (and pythaw) in this interpreter.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sdists import download, normalized, unpack

LABELS = Path(__file__).parent / "realworld" / "labels"
LABEL_LINE = re.compile(
    r"(?P<path>\S+):(?P<line>\d+)\s+(?P<kind>client|resource|table|session)\s+"
    r"(?P<label>flag|noflag|uncertain)\s+(?P<family>[\w-]+)\s*(?P<reason>.*)"
)
FAMILIES = (
    "handler",
    "library",
    "instance",
    "flow",
    "closure",
    "cli",
    "import-time",
    "cure",
    "dispatch",
    "other",
)
REACHES = ("certain", "possible")
DYNALINT_KINDS = {"DYN001": "client", "DYN002": "resource", "DYN003": "table", "DYN004": "session"}
PYTHAW_KINDS = {"PW001": "client", "PW002": "resource", "PW003": "session"}
GITHUB_LINE = re.compile(r"::\w+ file=(?P<path>[^,]+),line=(?P<line>\d+),col=\d+::(?P<code>\w+)")


@dataclass(frozen=True)
class Site:
    project: str
    path: str
    line: int
    kind: str
    label: str
    family: str
    reason: str

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.path, self.line, self.kind)


@dataclass(frozen=True)
class Report:
    """What one tool said about one project: (path, line, kind) -> how many findings, and
    which of those sites the tool was certain of (dynalint's per-request findings)."""

    project: str
    found: Counter[tuple[str, int, str]]
    certain: frozenset[tuple[str, int, str]] = frozenset()

    def reach(self, key: tuple[str, int, str]) -> str:
        return "certain" if key in self.certain else "possible"


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Tally) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    counts_misses: bool = True

    @property
    def recall(self) -> float | None:
        if not self.counts_misses or not self.tp + self.fn:
            return None
        return self.tp / (self.tp + self.fn)


def read_labels(folder: Path) -> tuple[dict[str, str], list[Site]]:
    """Every label file's pin (`# name==version` on line 1) and its sites."""
    pins: dict[str, str] = {}
    sites: list[Site] = []
    for labels in sorted(folder.glob("*.txt")):
        lines = labels.read_text(encoding="utf-8").splitlines()
        if not lines or not lines[0].startswith("# ") or "==" not in lines[0]:
            sys.exit(f"{labels}: the first line must pin the sdist: # name==version")
        pins[labels.stem] = lines[0][2:].strip()
        for number, text in enumerate(lines[1:], start=2):
            if not text.strip() or text.startswith("#"):
                continue
            match = LABEL_LINE.fullmatch(text.strip())
            if match is None or match["family"] not in FAMILIES:
                sys.exit(f"{labels}:{number}: not a label line: {text}")
            sites.append(
                Site(
                    project=labels.stem,
                    path=match["path"],
                    line=int(match["line"]),
                    kind=match["kind"],
                    label=match["label"],
                    family=match["family"],
                    reason=match["reason"],
                )
            )
    return pins, sites


def unpacked(pin: str, work: Path) -> Path:
    """WORK/trees/<pin>/<sdist folder>, unpacked once."""
    tree = work / "trees" / normalized(pin)
    if not tree.is_dir():
        (archive,) = download([pin], work / "sdists")
        partial = tree.with_name(tree.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        unpack(archive, partial)
        partial.rename(tree)
    (root,) = [child for child in tree.iterdir() if child.is_dir()]
    return root


def run_dynalint(project: str, root: Path) -> Report:
    # The labels are boto3's creation sites: the boto3 rules alone are scored.
    boto3_rules = ",".join(DYNALINT_KINDS)
    command = [sys.executable, "-m", "dynalint", "check", "--format", "json", "--no-cache"]
    command += ["--select", boto3_rules, "."]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        sys.exit(f"dynalint failed on {root} (exit {done.returncode}):\n{done.stderr}")
    found: Counter[tuple[str, int, str]] = Counter()
    certain = set()
    for finding in json.loads(done.stdout)["findings"]:
        key = (finding["path"], finding["line"], DYNALINT_KINDS[finding["code"]])
        found[key] += 1
        if finding["certain"]:
            certain.add(key)
    return Report(project, found, frozenset(certain))


def run_pythaw(project: str, root: Path) -> Report:
    command = [sys.executable, "-m", "pythaw", "check", "--format", "github", "."]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    found: Counter[tuple[str, int, str]] = Counter()
    for match in GITHUB_LINE.finditer(done.stdout):
        kind = PYTHAW_KINDS.get(match["code"])
        if kind is not None:
            found[(match["path"].removeprefix("./"), int(match["line"]), kind)] += 1
    return Report(project, found)


@dataclass(frozen=True)
class Error:
    kind: str  # "false alarm" or "miss"
    project: str
    where: str
    family: str
    reason: str


@dataclass
class Scored:
    """One tool on one project: tallies per family and per reach of its findings, and errors."""

    families: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    reaches: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    errors: list[Error] = field(default_factory=list)


def score(sites: Sequence[Site], report: Report) -> Scored:
    """The tallies and the errors, for one project's sites and one tool's findings."""
    scored = Scored()
    tallies, errors = scored.families, scored.errors
    found = Counter(report.found)
    labelled_files = {site.path for site in sites}
    for site in sites:
        hit = found[site.key] > 0
        if hit:
            found[site.key] -= 1
        tally, where = tallies[site.family], f"{site.path}:{site.line} {site.kind}"
        if hit and site.label != "uncertain":
            scored.reaches[report.reach(site.key)].tp += site.label == "flag"
            scored.reaches[report.reach(site.key)].fp += site.label == "noflag"
        if site.label == "flag" and hit:
            tally.tp += 1
        elif site.label == "flag":
            tally.fn += 1
            errors.append(Error("miss", site.project, where, site.family, site.reason))
        elif site.label == "noflag" and hit:
            tally.fp += 1
            errors.append(Error("false alarm", site.project, where, site.family, site.reason))
    for (path, line, kind), left in sorted(found.items()):
        if left > 0 and path in labelled_files:
            tallies["unlabelled"].fp += left
            scored.reaches[report.reach((path, line, kind))].fp += left
            where = f"{path}:{line} {kind}"
            errors.append(Error("false alarm", report.project, where, "unlabelled", "no site here"))
    return scored


def figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def table(title: str, rows: Iterable[tuple[str, Tally]]) -> None:
    """Recall is left blank where misses are not counted (findings grouped by reach)."""
    print(f"\n{title}")
    print(f"  {'':<34} {'tp':>5} {'fp':>5} {'fn':>5} {'precision':>10} {'recall':>8}")
    for name, tally in rows:
        print(
            f"  {name:<34} {tally.tp:>5} {tally.fp:>5} {tally.fn:>5}"
            f" {figure(tally.precision):>10} {figure(tally.recall):>8}"
        )


def summarize(tool: str, results: dict[str, Scored]) -> list[Error]:
    total = Tally()
    families: dict[str, Tally] = defaultdict(Tally)
    projects: dict[str, Tally] = {}
    reaches = {reach: Tally(counts_misses=False) for reach in REACHES}
    errors: list[Error] = []
    for project, scored in results.items():
        projects[project] = Tally()
        for family, tally in scored.families.items():
            families[family].add(tally)
            projects[project].add(tally)
            total.add(tally)
        for reach, tally in scored.reaches.items():
            reaches[reach].add(tally)
        errors.extend(scored.errors)
    order = [*FAMILIES, "unlabelled"]
    table(f"{tool}: per family", [(f, families[f]) for f in order if f in families])
    table(f"{tool}: per project", sorted(projects.items()))
    if any(t.tp or t.fp for t in reaches.values()):
        table(f"{tool}: findings by reach", [(r, reaches[r]) for r in REACHES])
    table(f"{tool}: all labelled sites", [("total", total)])
    return errors


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_work = Path(tempfile.gettempdir()) / "dynalint-realworld"
    parser.add_argument("--work", type=Path, default=default_work, help="sdists and trees")
    parser.add_argument("--project", action="append", help="only these label files' projects")
    parser.add_argument("--errors", action="store_true", help="list every false alarm and miss")
    args = parser.parse_args(argv)

    pins, sites = read_labels(LABELS)
    projects = sorted(args.project or pins)
    counts = Counter(site.label for site in sites if site.project in projects)
    print(f"{len(projects)} projects, " + ", ".join(f"{n} {label}" for label, n in counts.items()))
    tools = {"dynalint": run_dynalint}
    if shutil.which("pythaw") or _importable("pythaw"):
        tools["pythaw"] = run_pythaw
    for tool, run in tools.items():
        results = {}
        for project in projects:
            root = unpacked(pins[project], args.work)
            mine = [site for site in sites if site.project == project]
            results[project] = score(mine, run(project, root))
        errors = summarize(tool, results)
        if args.errors and tool == "dynalint":
            print(f"\n{tool}: {len(errors)} errors")
            for error in sorted(errors, key=lambda e: (e.kind, e.family, e.project, e.where)):
                print(f"  {error.kind:<11} {error.family:<11} {error.project}: {error.where}")
                print(f"  {'':<11} {'':<11} label says: {error.reason}")


def _importable(module: str) -> bool:
    probe = [sys.executable, "-c", f"import {module}"]
    return subprocess.run(probe, capture_output=True, check=False).returncode == 0


if __name__ == "__main__":
    main()
