"""`dynalint fix` never loses code.

Stale findings, fixed code that does not parse, files that change or vanish while the fix runs,
interrupts, the file's mode, owner, encoding, BOM and line endings, hard links, the umask, and
where the helper module may be written. Each test states the exact bytes before and after.
"""

from __future__ import annotations

import os
import pickle
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dynalint.cli import main
from dynalint.fix import fixer
from dynalint.fix.fixer import FileChange, FixResult, fix_source
from dynalint.fix.helper import complete_helper, marker_line, render_helper
from dynalint.fix.write import Progress, write_changes

PYPROJECT = b"[project]\nname = 'orders'\n"
HANDLER = (
    b"import boto3\n\n\ndef lambda_handler(event, context):\n"
    b'    return boto3.client("s3").list_buckets()\n'
)
FIXED = (
    b"from aws_helpers import get_client\n\n\ndef lambda_handler(event, context):\n"
    b'    return get_client("s3").list_buckets()\n'
)
HELPER = render_helper().encode()
NOT_FIXED = "handler.py:5:12: DYN001 not fixed: "
CHANGED = "changed on disk since it was read; not overwritten"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder inside `tmp_path`, so that `tmp_path` itself is outside the project."""
    root = Path(os.path.realpath(tmp_path)) / "project"
    root.mkdir()
    (root / "pyproject.toml").write_bytes(PYPROJECT)
    (root / "handler.py").write_bytes(HANDLER)
    monkeypatch.chdir(root)
    return root


def run(*args: str) -> tuple[int, str, str]:
    """The command in this process, without the cache; it must never crash."""
    result = CliRunner().invoke(main, [*args, "--no-cache"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout, result.stderr


def files(root: Path) -> dict[str, bytes]:
    """Every regular file under `root` (temporary files included) and its bytes."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


def temporaries(root: Path) -> list[Path]:
    return sorted(root.rglob(".*.tmp"))


def findings(count: int) -> str:
    return f"{count} finding{'' if count == 1 else 's'}"


# -- 1. stale findings, and files that change or vanish while the fix runs ---------------------

EDITED = HANDLER.replace(b'boto3.client("s3")', b'boto3.client("sqs", region_name=event["region"])')
BROKEN = HANDLER + b"def (:\n"

# after the analysis, after planning (before the fix is verified), just before writing
MOMENTS = ["plan_fixes", "_settled", "fix_paths"]


def during(monkeypatch: pytest.MonkeyPatch, moment: str, action: Callable[[], object]) -> None:
    """Run `action` at `moment` of the fix pipeline, in the middle of a `dynalint fix`."""
    original = getattr(fixer, moment)

    def hooked(*args: Any, **kwargs: Any) -> Any:
        if moment != "fix_paths":
            action()
            return original(*args, **kwargs)
        result = original(*args, **kwargs)
        action()
        return result

    monkeypatch.setattr(fixer, moment, hooked)


@pytest.mark.parametrize("moment", MOMENTS)
def test_a_file_edited_after_the_analysis_is_not_rewritten_from_stale_findings(
    project: Path, monkeypatch: pytest.MonkeyPatch, moment: str
) -> None:
    """`client("s3")` became a per-request `client("sqs", region_name=event["region"])`."""
    during(monkeypatch, moment, lambda: (project / "handler.py").write_bytes(EDITED))

    code, out, err = run("fix")

    assert (code, err) == (2, f"error: handler.py: {CHANGED}\n")
    assert out == f"Fixed 0 findings in 0 files.\n{NOT_FIXED}{CHANGED}\n1 finding left.\n"
    assert files(project) == {"handler.py": EDITED, "pyproject.toml": PYPROJECT}


@pytest.mark.parametrize("moment", MOMENTS)
def test_a_file_deleted_during_the_fix_is_reported(
    project: Path, monkeypatch: pytest.MonkeyPatch, moment: str
) -> None:
    during(monkeypatch, moment, (project / "handler.py").unlink)

    code, out, err = run("fix")

    assert (code, err) == (2, "error: handler.py: was deleted since it was read; not written\n")
    assert files(project) == {"pyproject.toml": PYPROJECT}


@pytest.mark.parametrize("moment", MOMENTS)
def test_a_file_given_a_syntax_error_during_the_fix_is_reported(
    project: Path, monkeypatch: pytest.MonkeyPatch, moment: str
) -> None:
    during(monkeypatch, moment, lambda: (project / "handler.py").write_bytes(BROKEN))

    code, out, err = run("fix")

    assert (code, err) == (2, f"error: handler.py: {CHANGED}\n")
    assert files(project) == {"handler.py": BROKEN, "pyproject.toml": PYPROJECT}


# -- 2. a fix never writes code that does not parse --------------------------------------------


def test_a_fix_whose_result_does_not_compile_is_not_written(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """libcst reads `return` at module level; Python's compiler does not."""
    apply = fixer.apply_fixes

    def broken(*args: Any, **kwargs: Any) -> fixer.Applied:
        applied = apply(*args, **kwargs)
        return replace(applied, text=applied.text + "return 1\n")

    monkeypatch.setattr(fixer, "apply_fixes", broken)
    reason = "the fixed code does not parse ('return' outside function at line 6); not written"

    code, out, err = run("fix")

    assert (code, err) == (2, f"error: handler.py: {reason}\n")
    assert out == f"No fixes available.\n{NOT_FIXED}{reason}\n1 finding left.\n"
    assert files(project) == {"handler.py": HANDLER, "pyproject.toml": PYPROJECT}


@pytest.mark.parametrize(
    ("after", "problem"),
    [
        pytest.param(b"x = (\n", "'(' was never closed at line 1", id="grammar"),
        pytest.param(
            b"nonlocal x\n",
            "nonlocal declaration not allowed at module level at line 1",
            id="compiler",
        ),
    ],
)
def test_the_writer_never_writes_code_that_does_not_compile(
    tmp_path: Path, after: bytes, problem: str
) -> None:
    path = Path(os.path.realpath(tmp_path)) / "module.py"
    path.write_bytes(b"x = 1\n")

    errors = write_changes([FileChange(path, "module.py", b"x = 1\n", after)])

    message = f"the fixed code does not parse ({problem}); not written"
    assert [(e.path, e.message) for e in errors] == [("module.py", message)]
    assert path.read_bytes() == b"x = 1\n"
    assert temporaries(tmp_path) == []


def test_code_this_python_cannot_compile_to_begin_with_is_left_to_libcst(tmp_path: Path) -> None:
    """Newer syntax than the running Python's: the compiler cannot judge it, libcst does."""
    path = Path(os.path.realpath(tmp_path)) / "module.py"
    path.write_bytes(b"return 1\n")

    assert write_changes([FileChange(path, "module.py", b"return 1\n", b"return 2\n")]) == []
    assert path.read_bytes() == b"return 2\n"


# -- 8. one file's failure is that file's error ------------------------------------------------


def test_an_exception_while_fixing_one_file_is_its_error_and_the_run_goes_on(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "orders.py").write_bytes(HANDLER)
    apply = fixer.apply_fixes

    def failing(text: str, found: Any, **kwargs: Any) -> fixer.Applied:
        if found[0].path == "handler.py":
            raise NotImplementedError("nonlocal at\nmodule level")
        return apply(text, found, **kwargs)

    monkeypatch.setattr(fixer, "apply_fixes", failing)
    reason = "fixing it failed (NotImplementedError: nonlocal at module level); please report this"

    code, out, err = run("fix")

    assert (code, err) == (2, f"error: handler.py: not fixed: {reason}\n")
    assert out == (
        f"Fixed 1 finding in 1 file; wrote aws_helpers.py.\n{NOT_FIXED}{reason}\n1 finding left.\n"
    )
    assert files(project) == {
        "aws_helpers.py": HELPER,
        "handler.py": HANDLER,
        "orders.py": FIXED,
        "pyproject.toml": PYPROJECT,
    }


def test_fix_source_turns_an_exception_into_its_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(*args: Any, **kwargs: Any) -> fixer.Applied:
        raise NotImplementedError("nonlocal at module level")

    monkeypatch.setattr(fixer, "apply_fixes", failing)

    result = fix_source(HANDLER, "handler.py")

    assert result.text == HANDLER.decode()
    assert [(e.path, e.message) for e in result.errors] == [
        (
            "handler.py",
            "not fixed: fixing it failed (NotImplementedError: nonlocal at module level); "
            "please report this",
        )
    ]


def test_nonlocal_at_module_level_is_one_error_line(project: Path) -> None:
    source = HANDLER + b"nonlocal x\n"
    (project / "handler.py").write_bytes(source)

    code, _, err = run("fix")

    assert code == 2
    assert err.startswith("error: handler.py: ") and err.count("\n") == 1
    assert files(project) == {"handler.py": source, "pyproject.toml": PYPROJECT}


# -- 3. interrupts -----------------------------------------------------------------------------


def test_an_interrupt_inside_a_write_leaves_the_old_file_and_no_temporary_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = fixer.fix_paths(["."])

    def interrupted(source: object, target: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)

    with pytest.raises(KeyboardInterrupt):
        write_changes(result.changes)

    assert files(project) == {"handler.py": HANDLER, "pyproject.toml": PYPROJECT}


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="signals cannot be held here")
def test_a_signal_during_a_write_waits_until_the_file_is_written(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while the helper is written: the helper is written in full, the run stops
    before the next file, and the record says exactly what was written."""
    result = fixer.fix_paths(["."])
    replace_file = os.replace

    def replace_then_interrupt(source: str, target: str) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        replace_file(source, target)

    monkeypatch.setattr(os, "replace", replace_then_interrupt)
    progress = Progress()

    with pytest.raises(KeyboardInterrupt):
        write_changes(result.changes, progress)

    assert [change.display for change in progress.written] == ["aws_helpers.py"]
    assert (progress.total, progress.errors) == (2, [])
    assert files(project) == {
        "aws_helpers.py": HELPER,
        "handler.py": HANDLER,
        "pyproject.toml": PYPROJECT,
    }


MANY = 300

# Runs `dynalint fix` on a plan made beforehand (the analysis of 300 files takes a minute),
# with an analysis phase as long as the test asks and a write that takes a few milliseconds a
# file, so that a signal can be sent at a chosen moment. Everything else is the real command.
CHILD = """
import pickle, sys, time
from pathlib import Path
from dynalint.fix import fixer, write

plan = pickle.loads(Path(sys.argv[1]).read_bytes())
started, analysis = Path(sys.argv[2]), float(sys.argv[3])

def fix_paths(paths, config, *, unsafe_fixes=False):
    started.touch()
    time.sleep(analysis)
    return plan

write_one = write._write

def slow_write(change):
    time.sleep(0.004)
    return write_one(change)

fixer.fix_paths = fix_paths
write._write = slow_write
from dynalint.cli import main
main(["fix", "--no-cache", "."], prog_name="dynalint")
"""


@pytest.fixture
def many(project: Path, tmp_path: Path) -> Path:
    """300 modules to fix and the pickled plan of their fix, beside the project."""
    (project / "handler.py").unlink()
    (project / "mod_000.py").write_bytes(HANDLER)
    one = fixer.fix_paths(["."])
    helper = next(change for change in one.changes if change.is_helper)
    module = next(change for change in one.changes if not change.is_helper)
    changes, fixed = [helper], []
    for index in range(MANY):
        name = f"mod_{index:03}.py"
        (project / name).write_bytes(HANDLER)
        changes.append(replace(module, path=project / name, display=name))
        fixed.extend(replace(finding, path=name) for finding in one.fixed)
    plan = FixResult(tuple(changes), tuple(fixed), (), ())
    (tmp_path / "plan.pickle").write_bytes(pickle.dumps(plan))
    return project


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the moment never came"
        time.sleep(0.001)


def is_new(path: Path) -> bool:
    try:
        return path.read_bytes() == FIXED
    except FileNotFoundError:
        return False


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "after"),
    [
        pytest.param(signal.SIGINT, None, id="SIGINT during the analysis"),
        pytest.param(signal.SIGTERM, None, id="SIGTERM during the analysis"),
        pytest.param(signal.SIGINT, 0, id="SIGINT once the helper is written"),
        pytest.param(signal.SIGTERM, 1, id="SIGTERM after the first module"),
        pytest.param(signal.SIGINT, 150, id="SIGINT halfway"),
        pytest.param(signal.SIGTERM, 250, id="SIGTERM near the end"),
    ],
)
def test_an_interrupted_fix_leaves_every_file_old_or_new_and_no_temporary_file(
    many: Path, tmp_path: Path, signum: int, after: int | None
) -> None:
    started = tmp_path / "started"
    analysis = "60" if after is None else "0"
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path / "plan.pickle"), str(started), analysis],
        cwd=many,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    if after is None:
        wait_for(started.exists, process)
    elif after == 0:
        wait_for((many / "aws_helpers.py").exists, process)
    else:
        wait_for(lambda: is_new(many / f"mod_{after - 1:03}.py"), process)
    os.kill(process.pid, signum)
    out, err = process.communicate(timeout=60)

    modules = [(many / f"mod_{index:03}.py").read_bytes() for index in range(MANY)]
    new = sum(data == FIXED for data in modules)
    assert modules == [FIXED] * new + [HANDLER] * (MANY - new), "a file is neither old nor new"
    assert temporaries(many) == []
    if after is None:
        assert new == 0 and not (many / "aws_helpers.py").exists()
        if signum == signal.SIGINT:
            assert (process.returncode, out, err) == (
                130,
                "",
                "error: interrupted; nothing was written\n",
            )
        else:  # the handler is installed for the writes only: killed as by default
            assert process.returncode == -signal.SIGTERM
        return
    assert after <= new < MANY, "the signal did not land in the middle of the writes"
    assert (many / "aws_helpers.py").read_bytes() == HELPER
    name, code = ("SIGINT", 130) if signum == signal.SIGINT else ("SIGTERM", 143)
    assert process.returncode == code, err
    assert (
        out
        == f"Fixed {findings(new)} in {new} file{'' if new == 1 else 's'}; wrote aws_helpers.py.\n"
    )
    assert err == (
        f"error: interrupted by {name}: {new + 1} of {MANY + 1} files written, each in full; "
        f"the other {MANY - new} are unchanged\n"
    )


# -- 4. what a file is besides its text: mode, encoding, BOM, line endings ---------------------


@pytest.mark.parametrize("mode", [0o600, 0o755, 0o2775])
def test_mode_bits_are_kept(project: Path, mode: int) -> None:
    (project / "handler.py").chmod(mode)

    assert run("fix")[0] == 0

    assert (project / "handler.py").read_bytes() == FIXED
    assert stat.S_IMODE((project / "handler.py").stat().st_mode) == mode


def with_endings(text: bytes, endings: list[bytes], start: bytes = b"") -> bytes:
    lines = text.split(b"\n")[:-1]
    return start + b"".join(line + end for line, end in zip(lines, endings, strict=True))


@pytest.mark.parametrize(
    ("endings", "bom"),
    [
        pytest.param([b"\r\n"] * 5, b"", id="CRLF"),
        pytest.param([b"\r\n"] * 5, b"\xef\xbb\xbf", id="BOM and CRLF"),
        pytest.param([b"\n"] * 5, b"\xef\xbb\xbf", id="BOM"),
        pytest.param([b"\n", b"\r\n", b"\r\n", b"\n", b"\r\n"], b"", id="mixed"),
        pytest.param([b"\r\n", b"\n", b"\n", b"\r\n", b"\n"], b"", id="mixed, CRLF first"),
    ],
)
def test_bom_and_line_endings_are_kept_line_by_line(
    project: Path, endings: list[bytes], bom: bytes
) -> None:
    (project / "handler.py").write_bytes(with_endings(HANDLER, endings, bom))

    assert run("fix")[0] == 0

    assert (project / "handler.py").read_bytes() == with_endings(FIXED, endings, bom)


def test_a_pep_263_latin_1_file_stays_latin_1(project: Path) -> None:
    source = (
        b"# -*- coding: latin-1 -*-\n# Caf\xe9 orders.\nimport boto3\n\n\n"
        b"def lambda_handler(event, context):\n"
        b'    return boto3.client("s3", region_name="\xe9u").list_buckets()\n'
    )
    (project / "handler.py").write_bytes(source)

    assert run("fix") == (0, "Fixed 1 finding in 1 file; wrote aws_helpers.py.\n", "")

    assert (project / "handler.py").read_bytes() == (
        b"# -*- coding: latin-1 -*-\n# Caf\xe9 orders.\nfrom aws_helpers import get_client\n\n\n"
        b"def lambda_handler(event, context):\n"
        b'    return get_client("s3", region_name="\xe9u").list_buckets()\n'
    )


def test_a_read_only_file_is_reported_and_left_alone(project: Path) -> None:
    (project / "handler.py").chmod(0o444)

    code, out, err = run("fix")

    assert (code, err) == (2, "error: handler.py: is read-only (mode 0444); not written\n")
    assert files(project) == {"handler.py": HANDLER, "pyproject.toml": PYPROJECT}
    assert stat.S_IMODE((project / "handler.py").stat().st_mode) == 0o444


def test_a_read_only_folder_for_the_helper_leaves_its_users_unchanged(project: Path) -> None:
    shared = project / "shared"
    shared.mkdir()
    (shared / "__init__.py").write_bytes(b"")
    shared.chmod(0o555)
    try:
        code, out, err = run("fix", "--helper-module", "shared.aws_helpers")
    finally:
        shared.chmod(0o755)

    unwritten = "not written: shared/aws_helpers.py, which it imports, could not be written"
    assert code == 2
    assert err == (
        "error: shared/aws_helpers.py: its folder is read-only (mode 0555); not written\n"
        f"error: handler.py: {unwritten}\n"
    )
    assert out == f"Fixed 0 findings in 0 files.\n{NOT_FIXED}{unwritten}\n1 finding left.\n"
    assert files(project) == {
        "handler.py": HANDLER,
        "pyproject.toml": PYPROJECT,
        "shared/__init__.py": b"",
    }


# -- 5. the helper module is only ever written inside the project ------------------------------

EXPECTED = "expected a dotted module name such as 'utils.db'"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../helpers", f"a path, not a module name; {EXPECTED}, placed inside the project"),
        ("/tmp/helpers", f"a path, not a module name; {EXPECTED}, placed inside the project"),
        ("..helpers", f"relative names and empty parts are not allowed; {EXPECTED}"),
        ("utils..db", f"relative names and empty parts are not allowed; {EXPECTED}"),
        ("class.db", f"class is a Python keyword, so no import statement can name it; {EXPECTED}"),
        ("aws-helpers", EXPECTED),
    ],
)
def test_helper_names_that_escape_the_project_are_refused(
    project: Path, name: str, reason: str
) -> None:
    assert run("fix", "--helper-module", name) == (
        2,
        "",
        f"error: helper module {name!r}: {reason}\n",
    )
    assert files(project) == {"handler.py": HANDLER, "pyproject.toml": PYPROJECT}


def outside_reason(shown: str, target: Path) -> str:
    return (
        f"{shown} leads outside the project, to {os.path.realpath(target)} (through a symbolic "
        "link); dynalint writes the helper only inside the project: choose another "
        "--helper-module"
    )


def test_a_folder_linked_out_of_the_project_never_receives_the_helper(
    project: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (project / "shared").symlink_to(outside, target_is_directory=True)
    reason = outside_reason("shared/aws_helpers.py", outside / "aws_helpers.py")

    code, out, err = run("fix", "--helper-module", "shared.aws_helpers")

    assert (code, out, err) == (
        1,
        f"No fixes available.\n{NOT_FIXED}{reason}\n1 finding left.\n",
        "",
    )
    assert list(outside.iterdir()) == []
    assert files(project) == {"handler.py": HANDLER, "pyproject.toml": PYPROJECT}


def test_a_helper_linked_out_of_the_project_is_refused(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    partial = complete_helper(marker_line() + "\n", ["get_resource"]).encode()
    (outside / "aws_helpers.py").write_bytes(partial)
    (project / "aws_helpers.py").symlink_to(outside / "aws_helpers.py")
    reason = outside_reason("aws_helpers.py", outside / "aws_helpers.py")

    code, out, err = run("fix")

    assert (code, out, err) == (
        1,
        f"No fixes available.\n{NOT_FIXED}{reason}\n1 finding left.\n",
        "",
    )
    assert files(outside) == {"aws_helpers.py": partial}
    assert (project / "aws_helpers.py").is_symlink()
    assert files(project) == {"handler.py": HANDLER, "pyproject.toml": PYPROJECT}


@pytest.mark.parametrize("there", [True, False], ids=["target completed", "target created"])
def test_a_helper_linked_inside_the_project_is_written_through_the_link(
    project: Path, there: bool
) -> None:
    (project / "shared").mkdir()
    target = project / "shared" / "aws_helpers.py"
    partial = complete_helper(marker_line() + "\n", ["get_resource"])
    if there:
        target.write_text(partial)
    (project / "aws_helpers.py").symlink_to(Path("shared", "aws_helpers.py"))

    code, out, err = run("fix")

    verb = "completed" if there else "wrote"
    assert (code, out, err) == (0, f"Fixed 1 finding in 1 file; {verb} aws_helpers.py.\n", "")
    assert os.readlink(project / "aws_helpers.py") == os.path.join("shared", "aws_helpers.py")
    expected = complete_helper(partial, ["get_client"]).encode() if there else HELPER
    assert files(project) == {
        "handler.py": FIXED,
        "pyproject.toml": PYPROJECT,
        "shared/aws_helpers.py": expected,
    }


def test_a_folder_where_the_helper_goes_is_reported_by_fix_and_check(project: Path) -> None:
    (project / "aws_helpers.py").mkdir()
    reason = (
        "aws_helpers.py is a folder, not a module file; remove it or choose another --helper-module"
    )

    assert run("fix") == (1, f"No fixes available.\n{NOT_FIXED}{reason}\n1 finding left.\n", "")
    assert run("check", "--format", "sarif")[0] == 1
    assert files(project) == {"handler.py": HANDLER, "pyproject.toml": PYPROJECT}


def test_a_hand_written_latin_1_helper_is_used_as_it_is(project: Path) -> None:
    helper = (
        b"# -*- coding: latin-1 -*-\n# Caf\xe9 helpers, by hand.\n"
        b"from functools import cache\n\nfrom boto3 import client\n\nget_client = cache(client)\n"
    )
    (project / "aws_helpers.py").write_bytes(helper)

    assert run("check", "--format", "sarif")[0] == 1
    assert run("fix") == (0, "Fixed 1 finding in 1 file.\n", "")
    assert files(project) == {
        "aws_helpers.py": helper,
        "handler.py": FIXED,
        "pyproject.toml": PYPROJECT,
    }


def test_a_generated_latin_1_helper_is_completed_in_latin_1(project: Path) -> None:
    source = complete_helper(
        f"{marker_line()}\n# -*- coding: latin-1 -*-\n# Café.\n", ["get_resource"]
    )
    (project / "aws_helpers.py").write_bytes(source.encode("latin-1"))

    assert run("check", "--format", "sarif")[0] == 1
    assert run("fix") == (0, "Fixed 1 finding in 1 file; completed aws_helpers.py.\n", "")
    assert files(project) == {
        "aws_helpers.py": complete_helper(source, ["get_client"]).encode("latin-1"),
        "handler.py": FIXED,
        "pyproject.toml": PYPROJECT,
    }


def test_an_undecodable_helper_is_reported_not_crashed_on(project: Path) -> None:
    helper = b"# Caf\xe9\ndef get_client(name): ...\n"
    (project / "aws_helpers.py").write_bytes(helper)

    assert run("check", "--format", "sarif")[0] == 2
    code, out, err = run("fix")

    assert code == 2
    assert f"{NOT_FIXED}aws_helpers.py cannot be decoded (invalid utf-8 byte at offset 5)" in out
    assert err.startswith("error: aws_helpers.py: ") and err.count("\n") == 1
    assert files(project) == {
        "aws_helpers.py": helper,
        "handler.py": HANDLER,
        "pyproject.toml": PYPROJECT,
    }


# -- 6. owner, group, hard links, the umask, a CRLF helper -------------------------------------

as_root = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root can give a file away"
)


@as_root
def test_owner_and_group_are_kept(project: Path) -> None:
    os.chown(project / "handler.py", 1234, 5678)

    assert run("fix")[0] == 0

    status = (project / "handler.py").stat()
    assert (status.st_uid, status.st_gid) == (1234, 5678)
    assert (project / "handler.py").read_bytes() == FIXED


@as_root
def test_an_owner_that_cannot_be_kept_is_a_refusal(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    os.chown(project / "handler.py", 1234, 5678)

    def not_permitted(*args: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "fchown", not_permitted)
    reason = (
        "is owned by user 1234 and group 5678, which a rewritten file could not keep; not written"
    )

    code, out, err = run("fix")

    assert (code, err) == (2, f"error: handler.py: {reason}\n")
    assert files(project) == {
        "aws_helpers.py": HELPER,
        "handler.py": HANDLER,
        "pyproject.toml": PYPROJECT,
    }


def test_a_file_with_hard_links_is_not_split(project: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.py"
    os.link(project / "handler.py", elsewhere)

    code, out, err = run("fix")

    reason = "has 2 hard links; a rewrite would split them; not written"
    assert (code, err) == (2, f"error: handler.py: {reason}\n")
    assert out == f"Fixed 0 findings in 0 files.\n{NOT_FIXED}{reason}\n1 finding left.\n"
    assert os.path.samefile(project / "handler.py", elsewhere)
    assert files(project) == {"handler.py": HANDLER, "pyproject.toml": PYPROJECT}


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o002, 0o077])
def test_a_new_helper_honours_the_umask(project: Path, umask: int) -> None:
    previous = os.umask(umask)
    try:
        assert run("fix")[0] == 0
    finally:
        os.umask(previous)

    assert stat.S_IMODE((project / "aws_helpers.py").stat().st_mode) == 0o666 & ~umask


def test_a_helper_with_crlf_lines_is_completed_with_crlf_lines(project: Path) -> None:
    partial = complete_helper(marker_line() + "\n", ["get_resource"]).replace("\n", "\r\n")
    (project / "aws_helpers.py").write_bytes(partial.encode())

    assert run("fix") == (0, "Fixed 1 finding in 1 file; completed aws_helpers.py.\n", "")

    data = (project / "aws_helpers.py").read_bytes()
    assert data.startswith(partial.encode())
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert "def get_client(" in data.decode()


# -- 7. what the summary says ------------------------------------------------------------------


def test_a_completed_helper_is_not_counted_as_a_fixed_file(project: Path) -> None:
    partial = complete_helper(marker_line() + "\n", ["get_resource"])
    (project / "aws_helpers.py").write_text(partial)

    assert (
        run("fix", "--diff")[2] == "Would fix 1 finding in 1 file; would complete aws_helpers.py.\n"
    )
    assert run("fix") == (0, "Fixed 1 finding in 1 file; completed aws_helpers.py.\n", "")


def test_the_helpers_of_two_folders_are_named_by_their_paths(project: Path) -> None:
    (project / "handler.py").unlink()
    for function in ("orders", "users"):
        (project / function).mkdir()
        (project / function / "app.py").write_bytes(HANDLER)

    code, out, err = run("fix")

    assert (code, err) == (0, "")
    assert (
        out == "Fixed 2 findings in 2 files; wrote orders/aws_helpers.py, users/aws_helpers.py.\n"
    )
    assert files(project) == {
        "orders/app.py": FIXED,
        "orders/aws_helpers.py": HELPER,
        "pyproject.toml": PYPROJECT,
        "users/app.py": FIXED,
        "users/aws_helpers.py": HELPER,
    }


def test_a_helper_beside_a_module_given_as_a_relative_path_is_shown_relative(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "handler.py").unlink()
    for function in ("orders", "users"):
        (project / function).mkdir()
        (project / function / "app.py").write_bytes(HANDLER)
    monkeypatch.chdir(project / "orders")

    assert run("fix", ".", "../users") == (
        0,
        "Fixed 2 findings in 2 files; wrote aws_helpers.py, ../users/aws_helpers.py.\n",
        "",
    )


def test_the_libcst_codemod_completes_a_generated_helper_too(project: Path) -> None:
    """Standalone libcst runs complete the helper the way `dynalint fix` does, or the module
    they rewrite would import a function the helper lacks."""
    from dynalint.fix.codemod import _ensure_helper

    partial = complete_helper(marker_line() + "\n", ["get_resource"]).replace("\n", "\r\n")
    (project / "aws_helpers.py").write_bytes(partial.encode())

    _ensure_helper(project / "aws_helpers.py", frozenset({"get_client"}))

    expected = complete_helper(partial, ["get_client"]).encode()
    assert files(project) == {
        "aws_helpers.py": expected,
        "handler.py": HANDLER,
        "pyproject.toml": PYPROJECT,
    }
