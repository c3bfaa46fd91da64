"""Import roots: the folder on sys.path when a module runs, which names the module and tells a fix
where its helper must live so that the fixed code can import it."""

from __future__ import annotations

from pathlib import Path

import pytest

from dynalint.analysis.declared import DeclaredEntry
from dynalint.analysis.facts import Facts, facts_of
from dynalint.analysis.roots import ImportRoots, module_path


def tree(root: Path, files: dict[str, str]) -> dict[Path, Facts]:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return {(root / name).resolve(): facts_of(text.encode()) for name, text in files.items()}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path.resolve()


@pytest.mark.parametrize(
    "importer",
    [
        pytest.param("from app import store\n", id="from package import module"),
        pytest.param("import app.store\n", id="import dotted"),
        pytest.param("from app.store import save\n", id="from module import name"),
        pytest.param("from app import (\n    other,\n    store,\n)\n", id="parenthesized"),
    ],
)
def test_a_namespace_package_imported_through_its_parent(root: Path, importer: str) -> None:
    sources = tree(root, {"handler.py": importer, "app/store.py": "", "app/other.py": ""})
    roots = ImportRoots(root, sources)

    assert roots.of(root / "app" / "store.py") == root
    assert roots.module_name(root / "app" / "store.py") == "app.store"
    assert roots.module_name(root / "handler.py") == "handler"


def test_a_folder_nobody_imports_through_is_its_own_root(root: Path) -> None:
    sources = tree(root, {"create/app.py": "import store\n", "create/store.py": ""})
    roots = ImportRoots(root, sources)

    assert roots.module_name(root / "create" / "app.py") == "app"
    assert roots.of(root / "create" / "store.py") == root / "create"


def test_a_folder_inside_a_package_is_a_namespace_portion_of_it(root: Path) -> None:
    """`examples/src/migration/` without `__init__.py`, below the package `examples.src`."""
    files = {
        "examples/__init__.py": "",
        "examples/src/__init__.py": "",
        "examples/src/migration/demo.py": "import boto3\n",
    }
    roots = ImportRoots(root, tree(root, files))

    assert roots.of(root / "examples" / "src" / "migration" / "demo.py") == root
    assert (
        roots.module_name(root / "examples/src/migration/demo.py") == "examples.src.migration.demo"
    )


def test_a_name_that_is_no_module_of_the_folder_is_no_evidence(root: Path) -> None:
    """SAM functions each have an `app.py`; `from app import handler` names a function."""
    sources = tree(root, {"fn/app.py": "from app import lambda_handler\n", "app/x.py": ""})
    roots = ImportRoots(root, sources)

    assert roots.of(root / "app" / "x.py") == root / "app"


def test_tests_are_no_evidence(root: Path) -> None:
    sources = tree(
        root, {"tests/test_app.py": "from src.create import app\n", "src/create/app.py": ""}
    )
    roots = ImportRoots(root, sources)

    assert roots.of(root / "src" / "create" / "app.py") == root / "src" / "create"


def test_a_declared_code_folder_wins(root: Path) -> None:
    """Lambda runs `src/create/app.py` from its CodeUri, whatever other code imports."""
    sources = tree(root, {"tool.py": "from src.create import app\n", "src/create/app.py": ""})
    handler = DeclaredEntry("app", "lambda_handler", root / "src" / "create", "template.yaml")
    roots = ImportRoots(root, sources, [handler])

    assert roots.of(root / "src" / "create" / "app.py") == root / "src" / "create"


def test_a_console_script_is_evidence(root: Path) -> None:
    sources = tree(root, {"tools/cli.py": ""})
    script = DeclaredEntry("tools.cli", "main", None, "pyproject.toml")

    assert ImportRoots(root, sources, [script]).module_name(root / "tools" / "cli.py") == (
        "tools.cli"
    )


def test_a_regular_package_is_named_from_above_it(root: Path) -> None:
    sources = tree(root, {"src/orders/__init__.py": "", "src/orders/service.py": ""})

    assert ImportRoots(root, sources).module_name(root / "src" / "orders" / "service.py") == (
        "orders.service"
    )


def test_a_helper_cannot_live_inside_a_module(root: Path) -> None:
    tree(root, {"handler.py": ""})

    with pytest.raises(ValueError, match=r"handler is a module of the project \(handler.py\)"):
        module_path(root, "handler.db")
