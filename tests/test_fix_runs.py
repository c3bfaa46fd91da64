"""`dynalint fix` keeps a program's meaning: each scenario's handlers do the same before and after.

The goldens prove what the fix writes; this proves that what it writes still works. A scenario
folder of `fixtures/fix/` with a `run.json` is copied twice, one copy goes through the real
`dynalint fix`, and `tests/run_scenario.py` runs the Lambda handlers of each copy under moto in a
fresh interpreter (see its docstring for the `run.json` keys). The copies must return the same
values, raise the same errors and leave the same tables, queues and buckets behind; the copy as
written must raise nothing, and the fix must have changed something (unless `run.json` says
`"expect_unchanged": true`, and then it must have changed nothing). Creators `run.json` counts must
run as often as it says, as written and after the fix (once per distinct arguments). A scenario that
names servers (`"servers": ["redis"]`) gets a fresh one for each copy, its URL in `REDIS_URL`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES

RUNNER = Path(__file__).with_name("run_scenario.py")
SCENARIOS = sorted(path.parent for path in (FIXTURES / "fix").glob("*/run.json"))


def files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def start_run(project: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    command = [sys.executable, str(RUNNER), str(project)]
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )


def servers(spec: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, str]:
    """The environment of one run: a fresh server of each kind `run.json` asks for."""
    env = {}
    if "redis" in spec.get("servers", []):
        env["REDIS_URL"] = request.getfixturevalue("redis_server")()
    return env


def result_of(run: subprocess.Popen[str]) -> Any:
    stdout, stderr = run.communicate(timeout=120)
    assert run.returncode == 0, stderr
    return json.loads(stdout)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[path.name for path in SCENARIOS])
def test_fixed_handlers_behave_as_before(
    scenario: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    before, after = tmp_path / "before" / scenario.name, tmp_path / "after" / scenario.name
    shutil.copytree(scenario, before)
    shutil.copytree(scenario, after)
    spec = json.loads((scenario / "run.json").read_text())

    before_run = start_run(before, servers(spec, request))  # runs while the fix works
    fix = subprocess.run(
        [sys.executable, "-m", "dynalint", "fix", "--no-cache", scenario.name],
        cwd=after.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    fixed = files(after)
    expected, actual = result_of(before_run), result_of(start_run(after, servers(spec, request)))
    made_before, made_after = expected.pop("created"), actual.pop("created")

    raised = [
        result for result in expected["calls"] if isinstance(result, dict) and "raised" in result
    ]
    assert not raised, "the scenario fails as written"
    assert actual == expected, f"dynalint fix said:\n{fix.stdout}{fix.stderr}"
    if spec.get("expect_unchanged", False):
        assert fixed == files(before)
    else:
        assert fixed != files(before), f"nothing was fixed:\n{fix.stdout}{fix.stderr}"
    # A counted creator ran as often as `run.json` says: [as written, after the fix].
    counts = spec.get("count", {})
    assert made_before == {name: written for name, (written, _) in counts.items()}
    assert made_after == {name: fixed for name, (_, fixed) in counts.items()}
