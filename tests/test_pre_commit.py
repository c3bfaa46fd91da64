"""The pre-commit hooks of `.pre-commit-hooks.yaml`, run by the real pre-commit.

Each test builds a small Lambda project in its own temporary git repository and runs pre-commit
in it, the way a user of the hooks would, so that the manifest, the hook environment pre-commit
builds with pip from this checkout, and the exit codes and output pre-commit shows all agree.

Two facts about pre-commit shape this module:

* ``try-repo`` on a local path with uncommitted changes commits only *tracked* files into its
  shadow repository (``git add -u``), so a new, not yet added file, such as the manifest itself
  while it is being written, would be missing. The hooks are therefore tried from a snapshot:
  a temporary repository holding one commit of the working tree (tracked and untracked files,
  minus what .gitignore ignores). On a clean CI clone that is the checkout as it is.
* ``try-repo`` always uses a throwaway store and rebuilds the hook environment on every call
  (about 6 s), whatever ``PRE_COMMIT_HOME`` says. Each hook's first trial uses it, as a
  developer trying the hooks would; the rest run ``pre-commit run`` with the very config
  ``try-repo`` writes (the snapshot and its commit) against a ``PRE_COMMIT_HOME`` shared by the
  module, so that environment is built once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parent.parent
# Building the hook environment downloads libcst and friends from PyPI; be generous.
TIMEOUT = 600

PYPROJECT = """\
[project]
name = "uploads"
version = "0.1.0"
"""

HANDLER = """\
from app.store import save_upload


def lambda_handler(event, context):
    save_upload(event["key"], event["body"].encode())
    return {"statusCode": 204}
"""

PER_REQUEST_STORE = """\
\"\"\"Uploads kept in the bucket named by BUCKET.\"\"\"

import os

import boto3


def save_upload(key: str, body: bytes) -> None:
    s3 = boto3.client("s3")
    s3.put_object(Bucket=os.environ["BUCKET"], Key=key, Body=body)
"""

MODULE_LEVEL_STORE = """\
\"\"\"Uploads kept in the bucket named by BUCKET.\"\"\"

import os

import boto3

S3 = boto3.client("s3")


def save_upload(key: str, body: bytes) -> None:
    S3.put_object(Bucket=os.environ["BUCKET"], Key=key, Body=body)
"""

CLIENT_CALL = 'boto3.client("s3")'


def expected_finding_prefix() -> str:
    """`app/store.py:line:col: DYN001`, located in the source so that editing it cannot drift."""
    for number, line in enumerate(PER_REQUEST_STORE.splitlines(), start=1):
        column = line.find(CLIENT_CALL)
        if column >= 0:
            return f"app/store.py:{number}:{column + 1}: DYN001"
    raise AssertionError(f"{CLIENT_CALL} is not in the per-request store")


def git(cwd: Path, env: Mapping[str, str], *args: str) -> str:
    """Run git quietly and fail loudly: a broken fixture repository would mislead every test."""
    completed = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert completed.returncode == 0, f"git {' '.join(args)} failed:\n{completed.stderr}"
    return completed.stdout


def pre_commit(cwd: Path, env: Mapping[str, str], *args: str) -> tuple[int, str]:
    """Run the installed pre-commit and return its exit code and its output, both streams."""
    completed = subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    return completed.returncode, completed.stdout


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An environment isolated from the user's git setup and pre-commit cache.

    Inherited ``GIT_*`` variables are dropped: when the suite itself runs from a git hook,
    ``GIT_DIR`` or ``GIT_INDEX_FILE`` would point every git command here at the wrong
    repository. Global and system git config are ignored so that a signing or hooks setting of
    the user cannot make the fixture commits fail. pip's own cache is kept: it is what makes
    the hook environment quick to build.
    """
    environment = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    environment.update(
        PRE_COMMIT_HOME=str(tmp_path_factory.mktemp("pre-commit-home")),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="dynalint tests",
        GIT_AUTHOR_EMAIL="tests@dynalint.invalid",
        GIT_COMMITTER_NAME="dynalint tests",
        GIT_COMMITTER_EMAIL="tests@dynalint.invalid",
    )
    return environment


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> Path:
    """One commit of this checkout's working tree, for pre-commit to install the hooks from.

    The file list comes from the checkout's git with the caller's environment (it is only read),
    so that a ``safe.directory`` setting the checkout may need still applies.
    """
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    if listed.returncode != 0:
        pytest.skip(f"{REPO_ROOT} is not a git checkout: {listed.stderr.strip()}")
    snapshot = tmp_path_factory.mktemp("dynalint-hooks")
    for name in filter(None, listed.stdout.split("\0")):
        source = REPO_ROOT / name
        if source.is_file():  # a tracked file deleted in the working tree stays deleted
            target = snapshot / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    assert (snapshot / ".pre-commit-hooks.yaml").is_file()
    git(snapshot, env, "init", "--quiet")
    git(snapshot, env, "add", "--all")
    git(snapshot, env, "commit", "--quiet", "--no-verify", "--message", "snapshot")
    return snapshot


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str], hook_repo: Path) -> Path:
    """The config `pre-commit try-repo` would write, but installed into the shared store."""
    rev = git(hook_repo, env, "rev-parse", "HEAD").strip()
    path = tmp_path_factory.mktemp("config") / ".pre-commit-config.yaml"
    path.write_text(
        "repos:\n"
        f"-   repo: {hook_repo.as_posix()}\n"
        f"    rev: {rev}\n"
        "    hooks:\n"
        "    -   id: dynalint\n"
        "    -   id: dynalint-fix\n",
        encoding="utf-8",
    )
    return path


def make_project(root: Path, env: Mapping[str, str], store: str) -> Path:
    """A committed Lambda project: handler.py calls app/store.py, whose source is `store`."""
    root.mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (root / "handler.py").write_text(HANDLER, encoding="utf-8")
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("", encoding="utf-8")
    (root / "app" / "store.py").write_text(store, encoding="utf-8")
    git(root, env, "init", "--quiet")
    git(root, env, "config", "user.email", "tests@dynalint.invalid")
    git(root, env, "config", "user.name", "dynalint tests")
    git(root, env, "add", "--all")
    git(root, env, "commit", "--quiet", "--no-verify", "--message", "initial")
    return root


@pytest.fixture
def lambda_project(tmp_path: Path, env: dict[str, str]) -> Path:
    """Per test, because the fix hook rewrites it."""
    return make_project(tmp_path / "lambda", env, PER_REQUEST_STORE)


def test_try_repo_blocks_a_per_request_client(
    lambda_project: Path, env: dict[str, str], hook_repo: Path
) -> None:
    """What a developer trying the hook sees: pre-commit fails and prints the finding."""
    code, out = pre_commit(
        lambda_project, env, "try-repo", str(hook_repo), "dynalint", "--all-files"
    )

    assert code != 0, out
    assert "- hook id: dynalint\n" in out
    assert any(line.startswith(expected_finding_prefix()) for line in out.splitlines()), out


def test_module_level_client_passes(tmp_path: Path, env: dict[str, str], hook_repo: Path) -> None:
    project = make_project(tmp_path / "clean", env, MODULE_LEVEL_STORE)

    code, out = pre_commit(project, env, "try-repo", str(hook_repo), "dynalint", "--all-files")

    assert code == 0, out
    assert "DYN001" not in out


def test_changed_file_alone_is_judged_with_the_whole_project(
    lambda_project: Path, env: dict[str, str], config: Path
) -> None:
    """pre-commit passes only the changed helper; its caller in handler.py still counts."""
    code, out = pre_commit(
        lambda_project, env, "run", "--config", str(config), "dynalint", "--files", "app/store.py"
    )

    assert code == 1, out
    findings = [line for line in out.splitlines() if line.startswith(expected_finding_prefix())]
    assert len(findings) == 1, out
    assert "save_upload() <- lambda_handler() (handler.py)" in findings[0]
    assert "Found 1 finding in 1 file." in out


def test_fix_hook_rewrites_then_passes(
    lambda_project: Path, env: dict[str, str], config: Path, hook_repo: Path
) -> None:
    first, out = pre_commit(
        lambda_project, env, "try-repo", str(hook_repo), "dynalint-fix", "--all-files"
    )

    assert first != 0, out
    assert "- files were modified by this hook" in out
    store = (lambda_project / "app" / "store.py").read_text(encoding="utf-8")
    assert "from app.aws_helpers import get_client" in store
    assert 'get_client("s3")' in store
    assert CLIENT_CALL not in store
    assert (lambda_project / "app" / "aws_helpers.py").is_file()

    git(lambda_project, env, "add", "--all")
    # Both hooks: the fix settles, and the check agrees that nothing is left.
    second, out = pre_commit(lambda_project, env, "run", "--config", str(config), "--all-files")

    assert second == 0, out
    assert out.count("Passed") == 2, out
