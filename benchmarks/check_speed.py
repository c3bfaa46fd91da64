"""Time `dynalint check` against pythaw on the same folders: wall time, peak memory, findings.

    python benchmarks/check_speed.py                       # generated corpus, 5 runs per tool
    python benchmarks/check_speed.py --corpus PATH --corpus PATH2 --runs 3

A script, not a test. Needs dynalint and pythaw (`pip install pythaw`) in the running interpreter;
POSIX only (peak memory comes from GNU time or from `resource`).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures" / "check"
GNU_TIME = "/usr/bin/time"
# Fallback when GNU time is missing: a fresh interpreter whose only child is the tool.
WRAPPER = (
    "import resource, subprocess, sys\n"
    "rc = subprocess.call(sys.argv[2:])\n"
    "kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "kb = kb // 1024 if sys.platform == 'darwin' else kb\n"
    "open(sys.argv[1], 'w').write(str(kb))\n"
    "sys.exit(rc)\n"
)
TOOLS: dict[str, list[str]] = {
    "dynalint": [sys.executable, "-m", "dynalint", "check", "--quiet"],
    "pythaw": [sys.executable, "-m", "pythaw", "check", "--format", "github"],
}


@dataclass
class Run:
    seconds: float
    rss_kb: int
    exit_code: int
    findings: list[str]


def findings_of(tool: str, stdout: str) -> list[str]:
    """dynalint --quiet prints one finding a line; pythaw's github format one `::error` a line."""
    if tool == "dynalint":
        return [line for line in stdout.splitlines() if line.strip()]
    found = []
    for line in stdout.splitlines():
        if line.startswith("::error "):
            where, _, message = line.removeprefix("::error ").partition("::")
            fields = dict(part.split("=", 1) for part in where.split(","))
            found.append(f"{fields['file']}:{fields['line']}:{fields['col']}: {message}")
    return found


def measure(tool: str, path: Path, cwd: Path, scratch: Path) -> Run:
    """Run one tool once as a child process; peak RSS is that child's alone."""
    rss_file = scratch / "rss.txt"
    if Path(GNU_TIME).exists():
        cmd = [GNU_TIME, "-f", "%M", "-o", str(rss_file), *TOOLS[tool], str(path)]
    else:
        cmd = [sys.executable, "-c", WRAPPER, str(rss_file), *TOOLS[tool], str(path)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1, 2):
        sys.exit(f"{tool} failed on {path} (exit {proc.returncode}):\n{proc.stderr}")
    # GNU time writes "Command exited with non-zero status N" above the number.
    rss_kb = int(rss_file.read_text().split()[-1])
    return Run(seconds, rss_kb, proc.returncode, findings_of(tool, proc.stdout))


def make_corpus(root: Path, copies: int) -> Path:
    """`copies` copies of every project under fixtures/check, each copy in its own folder."""
    corpus = root / f"fixtures_x{copies}"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for n in range(copies):
        for project in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
            shutil.copytree(project, corpus / f"copy_{n:02d}" / project.name, ignore=ignore)
    return corpus


def is_test(relative: Path) -> bool:
    """dynalint's default test-file rule, which it skips unless --include-tests."""
    name = relative.name
    if name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py"):
        return True
    return any(folder in ("tests", "test") for folder in relative.parts[:-1])


def describe(corpus: Path) -> str:
    files = sorted(p for p in corpus.rglob("*.py") if p.is_file())
    data = {p: p.read_bytes() for p in files}
    lines = sum(d.count(b"\n") for d in data.values())
    boto = [p for p, d in data.items() if b"boto" in d]
    outside = sum(not is_test(p.relative_to(corpus)) for p in boto)
    return (
        f"{len(files):,} .py files, {lines:,} lines; {len(boto):,} contain b'boto', {outside:,} "
        f"of those outside tests (roughly the files dynalint parses: an approximation)"
    )


def compare(corpus: Path, label: str, runs: int, scratch: Path) -> None:
    print(f"\ncorpus: {label}")
    print(f"  {describe(corpus)}")
    print(f"  {runs} timed runs per tool after one untimed warm-up each; order alternates by round")
    results: dict[str, list[Run]] = {tool: [] for tool in TOOLS}
    for tool in TOOLS:
        measure(tool, corpus, scratch, scratch)
    for round_no in range(runs):
        order = list(TOOLS) if round_no % 2 == 0 else list(reversed(TOOLS))
        for tool in order:
            results[tool].append(measure(tool, corpus, scratch, scratch))
    print(f"  {'tool':<9} {'median':>8} {'min':>8} {'peak RSS':>10} {'findings':>9}  exit")
    medians: dict[str, float] = {}
    for tool, tool_runs in results.items():
        seconds = [r.seconds for r in tool_runs]
        medians[tool] = statistics.median(seconds)
        rss_mb = max(r.rss_kb for r in tool_runs) / 1024
        counts = sorted({len(r.findings) for r in tool_runs})
        codes = sorted({r.exit_code for r in tool_runs})
        print(
            f"  {tool:<9} {medians[tool]:>7.2f}s {min(seconds):>7.2f}s {rss_mb:>7.1f} MB "
            f"{'/'.join(map(str, counts)):>9}  {'/'.join(map(str, codes))}"
        )
    ratio = medians["dynalint"] / medians["pythaw"]
    print(f"  dynalint takes {ratio:.1f}x pythaw's time (ratio of medians)")


def show_crud(scratch: Path) -> None:
    """The write-up's Lambda: handler.py dispatches to four functions of app/collection.py."""
    print("\nfixtures/check/crud, findings as each tool reports them (run from the repo root):")
    for tool in TOOLS:
        run = measure(tool, Path("fixtures/check/crud"), REPO, scratch)
        print(f"  {tool}: {len(run.findings)} finding(s), exit {run.exit_code}")
        for finding in run.findings:
            print(f"    {finding}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, action="append", help="folder to check (repeat)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per tool and corpus")
    parser.add_argument("--copies", type=int, default=40, help="copies in the generated corpus")
    args = parser.parse_args()

    print("dynalint check vs pythaw check: each tool a fresh subprocess per run")
    print(
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.system()}, {os.cpu_count()} CPUs; dynalint {version('dynalint')} "
        f"(libcst {version('libcst')}), pythaw {version('pythaw')}"
    )
    memory = "GNU time %M" if Path(GNU_TIME).exists() else "ru_maxrss of a wrapper's child"
    print(f"peak RSS from {memory}; commands: dynalint check --quiet PATH, ", end="")
    print("pythaw check --format github PATH")
    with tempfile.TemporaryDirectory(prefix="check_speed_") as tmp:
        scratch = Path(tmp)  # also the working directory: neither tool finds a config there
        if args.corpus:
            corpora = [(path.resolve(), str(path)) for path in args.corpus]
        else:
            corpus = make_corpus(scratch, args.copies)
            label = f"fixtures/check/* copied {args.copies} times (one project: no marker above)"
            corpora = [(corpus, label)]
        for path, label in corpora:
            compare(path, label, args.runs, scratch)
        show_crud(scratch)


if __name__ == "__main__":
    main()
