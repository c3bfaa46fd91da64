"""The cache and the worker processes change how fast a run is, never what it finds.

Every fixture project is checked without a cache, with a cold and a warm one, after a file
changed, and with one process and with several; the findings and errors must be identical. The
cache is also shown to be keyed on what shapes a model, to survive damage, and to be removable.
"""

from __future__ import annotations

import io
import os
import pickle
import shutil
from enum import Enum
from pathlib import Path

import pytest
from click.testing import CliRunner

from dynalint.analysis.model import Creation
from dynalint.cache import CACHE_DIR, Cache, Known, _Unpickler, clean
from dynalint.cli import main
from dynalint.config import Config
from dynalint.engine import lint_paths
from dynalint.types import Applicability, Fix, LintResult, Reach
from tests.conftest import FIXTURES

PROJECTS = sorted(p.name for p in (FIXTURES / "check").iterdir() if p.is_dir())


def outcome(result: LintResult) -> tuple[object, ...]:
    return (result.findings, result.errors, result.files_checked)


def copy(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(FIXTURES / "check" / name, tmp_path / name)
    monkeypatch.chdir(tmp_path / name)
    return tmp_path / name


@pytest.mark.parametrize("name", PROJECTS)
def test_cached_runs_find_what_uncached_runs_find(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy(name, tmp_path, monkeypatch)
    uncached = lint_paths(["."], Config())
    cached = Config(cache=True)

    cold = lint_paths(["."], cached)
    warm = lint_paths(["."], cached)
    other_command = lint_paths([str(project)], cached)  # paths shown otherwise: models reused

    assert outcome(cold) == outcome(uncached)
    assert outcome(warm) == outcome(uncached)
    assert outcome(other_command) == outcome(lint_paths([str(project)], Config()))
    assert cold.stats.cached == 0 and cold.stats.parsed > 0 and not cold.stats.reused
    assert warm.stats.reused and warm.stats.read == warm.stats.parsed == 0
    assert other_command.stats.parsed == 0 and other_command.stats.cached == cold.stats.parsed
    assert not other_command.stats.reused
    assert (project / CACHE_DIR / ".gitignore").read_text().endswith("*\n")


@pytest.mark.parametrize("name", PROJECTS)
def test_one_process_and_many_find_the_same(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy(name, tmp_path, monkeypatch)
    monkeypatch.setattr("dynalint.workers._MIN_JOBS", 1)  # use the pool even for few files

    assert outcome(lint_paths(["."], Config(jobs=3))) == outcome(lint_paths(["."], Config()))


def test_a_changed_file_is_rebuilt_and_the_rest_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy("crud", tmp_path, monkeypatch)
    config = Config(cache=True)
    lint_paths(["."], config)
    collection = project / "app" / "collection.py"
    text = collection.read_text().replace('boto3.resource("dynamodb")', "DYNAMODB", 1)
    collection.write_text("DYNAMODB = None\n" + text)
    later = os.stat(collection).st_mtime_ns + 5_000_000_000
    os.utime(collection, ns=(later, later))

    again = lint_paths(["."], config)

    assert outcome(again) == outcome(lint_paths(["."], Config()))
    assert again.stats.read == 1 and again.stats.parsed == 1


def test_an_outcome_is_not_reused_once_a_template_declares_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy("sam_app", tmp_path, monkeypatch)
    config = Config(cache=True)
    before = lint_paths(["."], config)
    template = project / "template.yaml"
    template.write_text(template.read_text().replace("app.handle_payment", "app.unrelated"))

    after = lint_paths(["."], config)

    assert not after.stats.reused and after.stats.parsed == 0
    assert outcome(after) == outcome(lint_paths(["."], Config()))
    assert outcome(after) != outcome(before)


def test_an_outcome_is_kept_per_command_and_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy("sam_app", tmp_path, monkeypatch)
    lint_paths(["."], Config(cache=True))
    narrow = Config(cache=True, select=("DYN004",))

    first = lint_paths(["."], narrow)
    alone = lint_paths(["payments/app.py"], Config(cache=True))

    assert not first.stats.reused and not alone.stats.reused
    assert outcome(first) == outcome(lint_paths(["."], Config(select=("DYN004",))))
    assert outcome(alone) == outcome(lint_paths(["payments/app.py"], Config()))
    assert lint_paths(["."], Config(cache=True)).stats.reused
    assert lint_paths(["."], narrow).stats.reused


def test_an_outcome_follows_a_helper_module_outside_the_project_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hand-written helper that git ignores is read for what it defines, and watched."""
    project = copy("crud", tmp_path, monkeypatch)
    config = Config(cache=True)
    fixes = [f.fix for f in lint_paths(["."], Config()).findings if isinstance(f.fix, Fix)]
    helper = fixes[0].helper_path
    assert helper is not None
    (project / ".gitignore").write_text(f"{helper.name}\n")
    helper.write_text("def unrelated():\n    pass\n")
    refused = lint_paths(["."], config)
    assert not any(isinstance(f.fix, Fix) for f in refused.findings)
    assert lint_paths(["."], config).stats.reused

    helper.unlink()
    again = lint_paths(["."], config)

    assert not again.stats.reused
    assert [f.fix for f in again.findings if isinstance(f.fix, Fix)] == fixes


def test_the_model_key_holds_the_settings_that_shape_a_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy("crud", tmp_path, monkeypatch)
    lint_paths(["."], Config(cache=True))

    moved = lint_paths(["."], Config(cache=True, helper_module="utils.db"))

    assert moved.stats.cached == 0
    assert {f.fix.helper_module for f in moved.findings if f.fix} == {"utils.db"}


def test_a_damaged_or_foreign_entry_is_rebuilt_not_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy("crud", tmp_path, monkeypatch)
    expected = outcome(lint_paths(["."], Config()))
    lint_paths(["."], Config(cache=True))
    entries = [p for p in (project / CACHE_DIR).rglob("*") if p.is_file() and p.name[0] != "."]
    entries[0].write_bytes(b"not a cache entry")
    for entry in entries[1:]:
        header = entry.read_bytes().split(b"\n", 2)
        # A well-formed header over a payload that names a class outside dynalint.
        entry.write_bytes(b"\n".join(header[:2]) + b"\n" + b"cos\nsystem\n(S'exit 3'\ntR.")

    again = lint_paths(["."], Config(cache=True))

    assert outcome(again) == expected
    assert again.stats.cached == 0


def test_cache_dir_setting_and_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = copy("crud", tmp_path, monkeypatch)
    (project / "pyproject.toml").write_text('[tool.dynalint]\ncache-dir = "build/lint"\n')
    runner = CliRunner()

    first = runner.invoke(main, ["check", "--quiet", "-v"])
    second = runner.invoke(main, ["check", "--quiet", "-v"])

    assert first.exit_code == second.exit_code == 1
    assert first.stdout == second.stdout
    assert " 0 from cache" in first.stderr and " 0 parsed" in second.stderr
    assert (project / "build" / "lint" / ".gitignore").is_file()
    assert not (project / CACHE_DIR).exists()
    removed = runner.invoke(main, ["clean"])
    assert removed.exit_code == 0 and not (project / "build" / "lint").exists()
    assert runner.invoke(main, ["clean"]).stdout.startswith("No cache at ")


def test_no_cache_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = copy("crud", tmp_path, monkeypatch)

    result = CliRunner().invoke(main, ["check", "--no-cache", "-v"])

    assert result.exit_code == 1 and " 0 from cache" in result.stderr
    assert not (project / CACHE_DIR).exists()


def test_clean_refuses_a_folder_that_is_not_a_cache(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("x = 1\n")

    with pytest.raises(ValueError, match="is not a dynalint cache"):
        clean(tmp_path / "src")
    assert (tmp_path / "src" / "app.py").exists()


def test_a_racy_stat_is_not_trusted(tmp_path: Path) -> None:
    """A file modified within two seconds of being indexed may change again unseen."""
    cache = Cache(tmp_path / CACHE_DIR, tmp_path)
    path = tmp_path / "app.py"
    path.write_text("x = 1\n")
    info = os.stat(path)
    stat = (info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns)
    known = Known("digest", _facts())

    cache.remember(path, stat, known)

    assert cache.known(path, stat) is None
    old = (stat[0], stat[1] - 10_000_000_000, stat[2], stat[3])
    cache.remember(path, old, known)
    assert cache.known(path, old) == known


def _facts() -> object:
    from dynalint.analysis.facts import facts_of

    return facts_of(b"x = 1\n")


@pytest.mark.parametrize("kind", [Reach, Applicability, Creation])
def test_cached_enums_load_without_calling_anything_but_themselves(kind: type[Enum]) -> None:
    """Python 3.11's early releases pickle enums as `getattr(Kind, name)`, which the cache's
    loader refuses; dynalint's own enums pickle as `Kind(value)` everywhere."""
    for member in kind:
        data = pickle.dumps(member, protocol=pickle.HIGHEST_PROTOCOL)

        assert b"builtins" not in data
        assert _Unpickler(io.BytesIO(data)).load() is member
