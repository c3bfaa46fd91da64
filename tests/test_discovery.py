from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from dynalint.discovery import (
    Discovery,
    SourceFile,
    discover,
    find_project_root,
    import_root,
    is_test_file,
    module_name,
    project_files,
)


def make(root: Path, files: Iterable[str], texts: dict[str, str] | None = None) -> None:
    """Create empty files, then files with text (such as .gitignore), under root."""
    for name, text in [*((name, "") for name in files), *(texts or {}).items()]:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def displays(discovery: Discovery) -> list[str]:
    return [source.display for source in discovery.files]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    make(tmp_path, ["pyproject.toml"])
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_default_walk_finds_py_files_sorted(project: Path) -> None:
    make(
        project,
        [
            "handler.py",
            "app/__init__.py",
            "app/collection.py",
            "app/data.json",
            "README.md",
            "scripts/run",
        ],
    )

    result = discover(["."])

    assert displays(result) == ["app/__init__.py", "app/collection.py", "handler.py"]
    assert result.files[1] == SourceFile(
        path=(project / "app/collection.py").resolve(), display="app/collection.py"
    )
    assert result.missing == ()


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param([".hidden/x.py"], [], id="hidden-folder"),
        pytest.param([".aws-sam/build/HelloFunction/app.py"], [], id="aws-sam"),
        pytest.param(["myenv/pyvenv.cfg", "myenv/lib/x.py"], [], id="venv-by-pyvenv-cfg"),
        pytest.param(["venv/x.py"], ["venv/x.py"], id="venv-name-without-pyvenv-cfg-kept"),
        pytest.param(["lib/python3.11/site-packages/boto3/x.py"], [], id="site-packages"),
        pytest.param(["node_modules/pkg/x.py"], [], id="node-modules"),
        pytest.param(["build/lib/x.py"], [], id="build"),
        pytest.param(["dist/x.py"], [], id="dist"),
        pytest.param(["app/__pycache__/x.py"], [], id="pycache"),
        pytest.param(["dynalint.egg-info/x.py"], [], id="egg-info"),
        pytest.param(
            ["layer/python/boto3-1.34.0.dist-info/RECORD", "layer/python/boto3/session.py"],
            [],
            id="lambda-layer-of-installed-packages",
        ),
        pytest.param(
            ["package/six-1.16.0-py3.12.egg-info/PKG-INFO", "package/six.py"],
            [],
            id="installed-egg-info",
        ),
        pytest.param(
            ["src/my_project.egg-info/PKG-INFO", "src/my_project/app.py"],
            ["src/my_project/app.py"],
            id="own-egg-info-kept",
        ),
        pytest.param([".hidden.py"], [".hidden.py"], id="hidden-file-kept"),
        pytest.param(["builder/x.py"], ["builder/x.py"], id="similar-name-kept"),
    ],
)
def test_walk_skips_tooling_folders(project: Path, files: list[str], expected: list[str]) -> None:
    make(project, ["main.py", *files])

    assert displays(discover(["."])) == sorted(["main.py", *expected])


def test_a_folder_of_installed_packages_named_by_the_user_is_walked(project: Path) -> None:
    make(project, ["layer/python/requests-2.32.0.dist-info/RECORD", "layer/python/vendored.py"])

    assert displays(discover(["layer/python"])) == ["layer/python/vendored.py"]
    assert displays(discover(["."])) == []


def test_root_gitignore(project: Path) -> None:
    make(
        project,
        [
            "main.py",
            "generated/x.py",
            "api_pb2.py",
            "keep_pb2.py",
            "top_only.py",
            "sub/top_only.py",
        ],
        {".gitignore": "generated/\n*_pb2.py\n!keep_pb2.py\n/top_only.py\n"},
    )

    assert displays(discover(["."])) == ["keep_pb2.py", "main.py", "sub/top_only.py"]


def test_nested_gitignore_applies_from_its_own_folder(project: Path) -> None:
    make(
        project,
        [
            "data.py",
            "sub/data.py",
            "sub/inner/data.py",
            "sub/local.py",
            "sub/inner/local.py",
            "sub/x_pb2.py",
            "local.py",
        ],
        {".gitignore": "*_pb2.py\n", "sub/.gitignore": "/data.py\nlocal.py\n!x_pb2.py\n"},
    )

    assert displays(discover(["."])) == ["data.py", "local.py", "sub/inner/data.py", "sub/x_pb2.py"]


def test_ancestor_gitignore_applies_inside_a_named_subfolder(project: Path) -> None:
    make(project, ["sub/a.py", "sub/a_pb2.py"], {".gitignore": "*_pb2.py\n"})

    assert displays(discover(["sub"])) == ["sub/a.py"]


def test_gitignored_folder_named_explicitly_is_walked(project: Path) -> None:
    make(
        project,
        ["vendored/a.py", "vendored/b.py"],
        {".gitignore": "vendored/\n", "vendored/.gitignore": "b.py\n"},
    )

    assert displays(discover(["."])) == []
    assert displays(discover(["vendored"])) == ["vendored/a.py"]


def test_skipped_folder_named_explicitly_is_walked(project: Path) -> None:
    make(project, [".aws-sam/build/Hello/app.py", ".aws-sam/build/Hello/__pycache__/app.py"])

    assert displays(discover(["."])) == []
    assert displays(discover([".aws-sam/build"])) == [".aws-sam/build/Hello/app.py"]


TEST_TREE = [
    "app/main.py",
    "app/testing.py",
    "app/contest.py",
    "app/test_b.py",
    "app/b_test.py",
    "conftest.py",
    "tests/helpers.py",
    "tests/test_a.py",
    "pkg/test/x.py",
]


@pytest.mark.parametrize(
    ("include_tests", "expected"),
    [
        pytest.param(
            False, ["app/contest.py", "app/main.py", "app/testing.py"], id="skipped-by-default"
        ),
        pytest.param(True, sorted(TEST_TREE), id="include-tests"),
    ],
)
def test_test_files(project: Path, include_tests: bool, expected: list[str]) -> None:
    make(project, TEST_TREE)

    assert displays(discover(["."], include_tests=include_tests)) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("test_x.py", True, id="test-prefix"),
        pytest.param("app/x_test.py", True, id="test-suffix"),
        pytest.param("conftest.py", True, id="conftest"),
        pytest.param("tests/helpers.py", True, id="under-tests"),
        pytest.param("a/test/helpers.py", True, id="under-test"),
        pytest.param("app/testing.py", False, id="testing-module"),
        pytest.param("app/tests.py", False, id="module-named-tests"),
        pytest.param("test_data.json", False, id="not-python"),
    ],
)
def test_is_test_file(tmp_path: Path, path: str, expected: bool) -> None:
    assert is_test_file(tmp_path / path, tmp_path) is expected


def test_is_test_file_ignores_folders_above_root(tmp_path: Path) -> None:
    root = tmp_path / "tests" / "proj"

    assert is_test_file(root / "app" / "main.py", root) is False


def test_explicit_files_are_always_checked(project: Path) -> None:
    make(
        project,
        ["tests/test_a.py", "gen/out.py", "scripts/run", "app/main.py"],
        {".gitignore": "gen/\n"},
    )

    result = discover(["tests/test_a.py", "gen/out.py", "./scripts/run", "."])

    assert displays(result) == ["app/main.py", "gen/out.py", "scripts/run", "tests/test_a.py"]
    assert result.files[2].path == (project / "scripts/run").resolve()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        pytest.param(".", ["sub/app/collection.py"], id="dot"),
        pytest.param("sub", ["sub/app/collection.py"], id="subfolder"),
        pytest.param("./sub/", ["sub/app/collection.py"], id="subfolder-dot-slash"),
        pytest.param("sub/app", ["sub/app/collection.py"], id="nested-subfolder"),
        pytest.param("./sub/app/collection.py", ["sub/app/collection.py"], id="file"),
    ],
)
def test_display_relative(project: Path, given: str, expected: list[str]) -> None:
    make(project, ["sub/app/collection.py"])

    assert displays(discover([given])) == expected


def test_display_from_inside_a_subfolder(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make(project, ["sub/app/collection.py", "sub/tests/test_c.py"])
    monkeypatch.chdir(project / "sub")

    assert displays(discover(["."])) == ["app/collection.py"]


def test_display_absolute(project: Path) -> None:
    make(project, ["sub/app/collection.py"])

    result = discover([str(project / "sub")])

    assert displays(result) == [f"{project.as_posix()}/sub/app/collection.py"]
    assert result.files[0].path == (project / "sub/app/collection.py").resolve()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        pytest.param([".", "."], ["a.py", "app/x.py"], id="same-folder-twice"),
        pytest.param(["app/x.py", "."], ["a.py", "app/x.py"], id="file-and-its-folder"),
        pytest.param(
            ["app/../app/x.py", "app/x.py"], ["app/../app/x.py"], id="same-file-two-spellings"
        ),
        pytest.param(
            ["app", str(Path("app").absolute())], ["app/x.py"], id="relative-and-absolute"
        ),
    ],
)
def test_duplicates_removed(project: Path, given: list[str], expected: list[str]) -> None:
    make(project, ["a.py", "app/x.py"])

    assert displays(discover(given)) == expected


def test_missing_paths_reported_as_given(project: Path) -> None:
    make(project, ["app/x.py"])

    result = discover(["nope", "app", "also/missing.py"])

    assert result == Discovery(
        files=(SourceFile(path=(project / "app/x.py").resolve(), display="app/x.py"),),
        missing=("nope", "also/missing.py"),
    )


@pytest.mark.parametrize(
    "marker",
    [
        pytest.param("pyproject.toml", id="pyproject"),
        pytest.param("setup.cfg", id="setup-cfg"),
        pytest.param("setup.py", id="setup-py"),
        pytest.param(".git/HEAD", id="git-folder"),
    ],
)
def test_find_project_root_with_marker(tmp_path: Path, marker: str) -> None:
    make(tmp_path, [f"proj/{marker}", "proj/src/a/x.py", "proj/src/b/y.py"])
    proj = tmp_path / "proj"

    assert find_project_root([proj / "src/a/x.py", proj / "src/b"]) == proj.resolve()


def test_find_project_root_takes_nearest_marker(tmp_path: Path) -> None:
    make(tmp_path, [".git/HEAD", "sub/pyproject.toml", "sub/app/x.py"])

    assert find_project_root([tmp_path / "sub/app/x.py"]) == (tmp_path / "sub").resolve()


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        pytest.param(["src/a", "src/b/y.py"], "src", id="common-folder"),
        pytest.param(["src/b/y.py"], "src/b", id="file-gives-its-parent"),
    ],
)
def test_find_project_root_without_marker(tmp_path: Path, paths: list[str], expected: str) -> None:
    make(tmp_path, ["src/a/x.py", "src/b/y.py"])

    assert find_project_root([tmp_path / path for path in paths]) == (tmp_path / expected).resolve()


def test_project_files_uses_walk_rules(project: Path) -> None:
    make(
        project,
        [
            "app/main.py",
            "app/gen_pb2.py",
            "tests/test_a.py",
            "build/x.py",
            ".venv/pyvenv.cfg",
            ".venv/lib/y.py",
        ],
        {".gitignore": "*_pb2.py\n"},
    )
    root = project.resolve()

    assert project_files(project) == [root / "app/main.py"]
    assert project_files(project, include_tests=True) == [
        root / "app/main.py",
        root / "tests/test_a.py",
    ]


SAM_TREE = [
    "sam/template.yaml",
    "sam/hello_world/app.py",
    "sam/hello_world/utils/__init__.py",
    "sam/hello_world/utils/db.py",
    "sam/goodbye/app.py",
]

PACKAGE_TREE = [
    "proj/pyproject.toml",
    "proj/handler.py",
    "proj/app/__init__.py",
    "proj/app/collection.py",
    "proj/app/sub/__init__.py",
    "proj/app/sub/x.py",
]


@pytest.mark.parametrize(
    ("tree", "path", "root", "name"),
    [
        pytest.param(SAM_TREE, "sam/hello_world/app.py", "sam/hello_world", "app", id="sam-hello"),
        pytest.param(SAM_TREE, "sam/goodbye/app.py", "sam/goodbye", "app", id="sam-goodbye"),
        pytest.param(
            SAM_TREE,
            "sam/hello_world/utils/__init__.py",
            "sam/hello_world",
            "utils",
            id="sam-package",
        ),
        pytest.param(
            SAM_TREE,
            "sam/hello_world/utils/db.py",
            "sam/hello_world",
            "utils.db",
            id="sam-package-module",
        ),
        pytest.param(
            PACKAGE_TREE, "proj/app/collection.py", "proj", "app.collection", id="package-module"
        ),
        pytest.param(PACKAGE_TREE, "proj/app/__init__.py", "proj", "app", id="package-init"),
        pytest.param(
            PACKAGE_TREE, "proj/app/sub/x.py", "proj", "app.sub.x", id="subpackage-module"
        ),
        pytest.param(PACKAGE_TREE, "proj/handler.py", "proj", "handler", id="top-level-module"),
    ],
)
def test_import_root_and_module_name(
    tmp_path: Path, tree: list[str], path: str, root: str, name: str
) -> None:
    make(tmp_path, tree)

    assert import_root(tmp_path / path) == tmp_path / root
    assert module_name(tmp_path / path) == name
