"""Paths that are not what they seem: each is one error line naming it, never a traceback or a
hang, the rest of the run goes on, and the exit code is 2.

Cases that could hang (FIFOs, /dev/zero) run dynalint in a subprocess with a timeout, so a
regression fails instead of stalling the suite. Permission cases need a user the permission
bits apply to; as root they are skipped, and a twin test simulates the same failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dynalint import discovery, reading
from dynalint.cli import main

pytestmark = pytest.mark.skipif(os.name == "nt", reason="FIFOs, symlinks and modes are POSIX")

ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
needs_permissions = pytest.mark.skipif(ROOT, reason="root reads and lists whatever it likes")

CREATES = 'import boto3\n\ndef handler(event, context):\n    return boto3.client("s3")\n'
ADVICE = "create it once at module level or use a cached helper"
OK_FINDING = (
    f'ok.py:4:12: DYN001 [*] boto3.client("s3") is created on every call of handler(); {ADVICE}'
)
OK_REPORT = [OK_FINDING, "Found 1 finding in 1 file.", "[*] 1 fixable with `dynalint fix`."]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with one good file, `ok.py`, holding one finding."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'project'\n")
    (root / "ok.py").write_text(CREATES)
    monkeypatch.chdir(root)
    return root


def run(*args: str) -> tuple[int, list[str], list[str]]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout.splitlines(), result.stderr.splitlines()


def run_process(*args: str) -> tuple[int, list[str], list[str]]:
    """dynalint in a fresh interpreter, killed (and the test failed) if it hangs."""
    completed = subprocess.run(
        [sys.executable, "-m", "dynalint", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return completed.returncode, completed.stdout.splitlines(), completed.stderr.splitlines()


# 1. A folder named like a module ------------------------------------------------------------


@pytest.mark.parametrize("given", [(), ("x.py", "ok.py")], ids=["walked", "named"])
def test_a_folder_named_x_py_is_walked_as_a_folder(project: Path, given: tuple[str, ...]) -> None:
    (project / "x.py").mkdir()
    (project / "x.py" / "inner.py").write_text(CREATES)

    code, out, err = run("check", *given)

    assert (code, err) == (1, [])
    assert [line.split(":")[0] for line in out[:2]] == ["ok.py", "x.py/inner.py"]
    assert out[2] == "Found 2 findings in 2 files."


# 2. A symlink loop ----------------------------------------------------------------------------


@pytest.mark.parametrize("given", [(), ("sub/a.py", "ok.py")], ids=["walked", "named"])
def test_a_symlink_loop(project: Path, given: tuple[str, ...]) -> None:
    (project / "sub").mkdir()
    (project / "sub" / "a.py").symlink_to("a.py")

    assert run("check", *given) == (2, OK_REPORT, ["error: sub/a.py: symlink loop"])


# 3. Symlinks out of the project ---------------------------------------------------------------


@pytest.fixture
def links_out(project: Path, tmp_path: Path) -> Path:
    """`a.py` leads to a file of another folder, `stdlib.py` to this Python's own `os.py`:
    the project's and the standard library's only common folder is `/`."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "b.py").write_text(CREATES)
    (project / "a.py").symlink_to(elsewhere / "b.py")
    (project / "stdlib.py").symlink_to(os.__file__)
    return elsewhere / "b.py"


def test_links_out_of_the_project_are_skipped_when_walking(links_out: Path) -> None:
    code, out, err = run("check", "--verbose", "--no-cache")

    assert (code, out) == (1, OK_REPORT)
    assert err[0].startswith("dynalint: 1 files, 1 read, ")  # the project was not widened to /


def test_links_out_of_the_project_are_refused_when_named(links_out: Path) -> None:
    assert run("check", "a.py", "stdlib.py", "ok.py") == (
        2,
        OK_REPORT,
        [
            "error: a.py: symlink to a file outside the project; not followed",
            "error: stdlib.py: symlink to a file outside the project; not followed",
        ],
    )


@pytest.mark.parametrize("given", [(), ("a.py", "ok.py")], ids=["walked", "named"])
def test_fix_never_writes_through_a_link_out_of_the_project(
    links_out: Path, project: Path, given: tuple[str, ...]
) -> None:
    outside = [links_out.parent, Path(os.__file__).parent]
    before = [sorted(folder.iterdir()) for folder in outside]

    code, _, err = run("fix", *given)

    assert code == (2 if given else 0)
    assert links_out.read_text() == CREATES
    assert [sorted(folder.iterdir()) for folder in outside] == before  # no helper module there
    assert "get_client" in (project / "ok.py").read_text()
    assert ("error: a.py: symlink to a file outside the project; not followed" in err) == bool(
        given
    )


def test_a_link_inside_the_project_is_followed(project: Path) -> None:
    (project / "sub").mkdir()
    (project / "ok.py").rename(project / "sub" / "real.py")
    (project / "ok.py").symlink_to(project / "sub" / "real.py")

    code, out, err = run("check", "ok.py")

    assert (code, out, err) == (1, OK_REPORT, [])


# 4. FIFOs and devices -------------------------------------------------------------------------


@pytest.fixture
def irregular(project: Path) -> None:
    (project / "sub").mkdir()
    os.mkfifo(project / "sub" / "fifo.py")
    (project / "sub" / "zero.py").symlink_to("/dev/zero")


@pytest.mark.usefixtures("irregular")
@pytest.mark.parametrize(
    "given", [(), ("sub/fifo.py", "sub/zero.py", "ok.py")], ids=["walked", "named"]
)
def test_fifos_and_devices_are_never_opened(given: tuple[str, ...]) -> None:
    assert run_process("check", *given) == (
        2,
        OK_REPORT,
        ["error: sub/fifo.py: not a regular file", "error: sub/zero.py: not a regular file"],
    )


# 5. Settings files that are not files --------------------------------------------------------


def test_a_fifo_pyproject_toml(project: Path) -> None:
    (project / "pyproject.toml").unlink()
    os.mkfifo(project / "pyproject.toml")

    assert run_process("check") == (2, [], ["error: pyproject.toml: not a regular file"])


def test_a_fifo_packaging_file_declares_nothing(project: Path) -> None:
    """Without settings to look for, the FIFO is still a packaging file the analysis reads."""
    (project / "pyproject.toml").unlink()
    os.mkfifo(project / "pyproject.toml")
    for name in ("setup.cfg", "setup.py", "template.yaml", ".gitignore"):
        os.mkfifo(project / name)

    assert run_process("check", "--isolated") == (
        2,
        OK_REPORT,
        ["error: setup.py: not a regular file"],
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(os.mkfifo, "not a regular file", id="fifo"),
        pytest.param(os.mkdir, "cannot read: Is a directory", id="folder"),
        pytest.param(lambda path: None, "cannot read: No such file or directory", id="missing"),
    ],
)
def test_config_that_is_not_a_file(
    project: Path, make: Callable[[Path], None], message: str
) -> None:
    make(project / "dynalint.toml")

    code, out, err = run_process("check", "--config", "dynalint.toml")

    assert (code, out, err) == (2, [], [f"error: dynalint.toml: {message}"])


# 6. A folder that cannot be listed ------------------------------------------------------------


@pytest.fixture
def locked(project: Path) -> Iterator[Path]:
    folder = project / "locked"
    folder.mkdir()
    (folder / "b.py").write_text(CREATES)
    folder.chmod(0)
    yield folder
    folder.chmod(0o755)


@needs_permissions
def test_a_folder_that_cannot_be_listed(locked: Path) -> None:
    assert run("check") == (2, OK_REPORT, ["error: locked: cannot read: Permission denied"])


@needs_permissions
def test_a_file_inside_a_folder_that_cannot_be_searched(locked: Path) -> None:
    assert run("check", "locked/b.py", "ok.py") == (
        2,
        OK_REPORT,
        ["error: locked/b.py: cannot read: Permission denied"],
    )


def test_a_folder_that_cannot_be_listed_simulated(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "locked").mkdir()
    (project / "locked" / "b.py").write_text(CREATES)
    scandir = os.scandir

    def refuse(path: str) -> object:
        if os.path.basename(path) == "locked":
            raise PermissionError(13, "Permission denied", path)
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refuse)

    assert run("check") == (2, OK_REPORT, ["error: locked: cannot read: Permission denied"])


def test_a_test_folder_that_cannot_be_listed_is_skipped_with_the_tests(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "tests").mkdir()
    scandir = os.scandir

    def refuse(path: str) -> object:
        if os.path.basename(path) == "tests":
            raise PermissionError(13, "Permission denied", path)
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refuse)

    assert run("check") == (1, OK_REPORT, [])
    assert run("check", "--include-tests") == (
        2,
        OK_REPORT,
        ["error: tests: cannot read: Permission denied"],
    )


# 7. A file that cannot be read ----------------------------------------------------------------


@needs_permissions
def test_an_unreadable_file_named_on_the_command_line(project: Path) -> None:
    (project / "secret.py").write_text(CREATES)
    (project / "secret.py").chmod(0)

    assert run("check", "secret.py", "ok.py") == (
        2,
        OK_REPORT,
        ["error: secret.py: cannot read: Permission denied"],
    )


def test_an_unreadable_file_simulated(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "secret.py").write_text(CREATES)

    def refuse(path: Path) -> bytes:
        if Path(path).name == "secret.py":
            raise PermissionError(13, "Permission denied", str(path))
        return reading.read_regular(path)

    monkeypatch.setattr("dynalint.engine.read_regular", refuse)

    assert run("check", "--no-cache", "secret.py", "ok.py") == (
        2,
        OK_REPORT,
        ["error: secret.py: cannot read: Permission denied"],
    )


# 8. Paths that are not there ------------------------------------------------------------------


def test_a_file_deleted_between_discovery_and_reading(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "gone.py").write_text(CREATES)

    def discover_then_delete(*args: Any, **kwargs: Any) -> discovery.Discovery:
        found = discovery.discover(*args, **kwargs)
        (project / "gone.py").unlink()
        return found

    monkeypatch.setattr("dynalint.engine.discover", discover_then_delete)

    assert run("check") == (
        2,
        OK_REPORT,
        ["error: gone.py: cannot read: No such file or directory"],
    )


@pytest.mark.parametrize(
    ("given", "error"),
    [
        pytest.param("nowhere.py", "error: nowhere.py: no such file or directory", id="missing"),
        pytest.param("", "error: '': empty path", id="empty"),
        pytest.param(
            "ok.py/x.py", "error: ok.py/x.py: no such file or directory", id="file-as-folder"
        ),
    ],
)
def test_paths_that_are_not_there(project: Path, given: str, error: str) -> None:
    assert run("check", given, "ok.py") == (2, OK_REPORT, [error])


# 9. The report's own file ---------------------------------------------------------------------


def test_output_file_in_a_missing_folder_creates_it(project: Path) -> None:
    assert run("check", "-o", "reports/deep/out.txt") == (1, [], [])
    assert (project / "reports/deep/out.txt").read_text().splitlines() == OK_REPORT


@pytest.mark.parametrize(
    ("target", "message"),
    [
        pytest.param("ok.py/out.txt", "cannot write: Not a directory", id="file-as-folder"),
        pytest.param("folder", "cannot write: Is a directory", id="folder"),
    ],
)
def test_output_file_that_cannot_be_written(project: Path, target: str, message: str) -> None:
    (project / "folder").mkdir()

    assert run("check", "-o", target) == (2, [], [f"error: {target}: {message}"])


# 10. Templates naming what cannot be a folder -------------------------------------------------


def test_template_code_uri_with_a_nul_byte_or_a_symlink_loop(project: Path) -> None:
    (project / "src").mkdir()
    (project / "ok.py").rename(project / "src" / "ok.py")
    (project / "loop").symlink_to("loop")
    (project / "src" / "loopmod.py").symlink_to("loopmod.py")
    functions = [("A", '"src\\0x"', "ok.handler"), ("B", "loop", "ok.handler")]
    functions.append(("C", "src", "loopmod.handler"))
    (project / "template.yaml").write_text(
        "Resources:\n"
        + "".join(
            f"  {name}:\n    Type: AWS::Serverless::Function\n    Properties:\n"
            f"      CodeUri: {uri}\n      Handler: {handler}\n"
            for name, uri, handler in functions
        )
    )

    code, out, err = run("check")

    assert (code, err) == (2, ["error: src/loopmod.py: symlink loop"])
    assert out[0].startswith("src/ok.py:4:12: DYN001 ")


# 11. The summary tells the truth -------------------------------------------------------------


def test_no_all_checks_passed_when_a_file_could_not_be_checked(project: Path) -> None:
    (project / "ok.py").write_text("")
    (project / "a.py").symlink_to("a.py")

    assert run("check") == (
        2,
        ["No findings; 1 file could not be checked."],
        ["error: a.py: symlink loop"],
    )
    assert run("check", "ok.py") == (0, ["All checks passed."], [])
