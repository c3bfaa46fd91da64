"""Tests for reading `[tool.dynalint]` settings and applying per-file-ignores."""

from __future__ import annotations

from pathlib import Path

import pytest

from dynalint.analysis.model import Creation
from dynalint.settings import (
    Settings,
    SettingsError,
    find_pyproject,
    ignored_codes_for,
    load_settings,
    settings_for,
)

FULL = """\
[project]
name = "app"

[tool.dynalint]
select = ["DYN001", "dyn00"]
ignore = ["DYN004"]
exclude = ["vendor/", "!vendor/ours.py"]
extend-exclude = ["generated/**/*.py"]
include-tests = true
handler-patterns = ["*_entry", "process_event"]
route-decorators = ["on_event", "myframework.route"]
memoize-decorators = ["cachetools.cached", "myapp.cache.memo"]
creators = { "myapp.db.connect" = "database", "vendor.sdk.Client" = "sdk" }
helper-module = "utils.db"
reach = ["Per-Request"]

[tool.dynalint.per-file-ignores]
"tests/*" = ["DYN001"]
"scripts/**/*.py" = ["DYN"]
"handler.py" = ["DYN002", "DYN003"]
"""


def write(folder: Path, body: str, name: str = "pyproject.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


def load_table(tmp_path: Path, body: str) -> Settings:
    """Load `body` as the `[tool.dynalint]` table of a pyproject.toml shown by its name."""
    return load_settings(write(tmp_path, "[tool.dynalint]\n" + body), "pyproject.toml")


# --- parsing ----------------------------------------------------------------------------------


def test_every_key_is_parsed(tmp_path: Path) -> None:
    path = write(tmp_path, FULL)
    assert load_settings(path) == Settings(
        select=("DYN001", "DYN00"),
        ignore=("DYN004",),
        exclude=("vendor/", "!vendor/ours.py"),
        extend_exclude=("generated/**/*.py",),
        per_file_ignores=(
            ("tests/*", ("DYN001",)),
            ("scripts/**/*.py", ("DYN",)),
            ("handler.py", ("DYN002", "DYN003")),
        ),
        include_tests=True,
        handler_patterns=("*_entry", "process_event"),
        route_decorators=("on_event", "myframework.route"),
        memoize_decorators=("cachetools.cached", "myapp.cache.memo"),
        creators=(("myapp.db.connect", Creation.DATABASE), ("vendor.sdk.Client", Creation.SDK)),
        helper_module="utils.db",
        reach=("per-request",),
        source=path,
    )


def test_unset_keys_keep_their_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, "[tool.dynalint]\ninclude-tests = false\nselect = []\n")
    assert load_settings(path) == Settings(select=(), include_tests=False, source=path)


def test_pyproject_without_the_table_gives_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, '[project]\nname = "app"\n\n[tool.ruff]\nline-length = 100\n')
    assert load_settings(path) == Settings(source=path)


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [
        pytest.param("selct", " (did you mean 'select'?)", id="typo"),
        pytest.param("include_tests", " (did you mean 'include-tests'?)", id="underscores"),
        pytest.param("per_file_ignores", " (did you mean 'per-file-ignores'?)", id="underscores2"),
        pytest.param("extend_exclude", " (did you mean 'extend-exclude'?)", id="extend"),
        pytest.param("frobnicate", "", id="no-suggestion"),
    ],
)
def test_unknown_key(tmp_path: Path, key: str, suggestion: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_table(tmp_path, f"{key} = true\n")
    assert str(caught.value) == f"pyproject.toml: [tool.dynalint] unknown key {key!r}{suggestion}"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(
            'select = "DYN001"',
            "select: expected a list of rule codes, got 'DYN001'",
            id="select-string",
        ),
        pytest.param(
            'select = ["DYN001", 3]',
            "select: expected a list of rule codes, got 3 as item 2",
            id="select-item",
        ),
        pytest.param(
            'ignore = [""]',
            "ignore: expected a list of rule codes, got an empty string as item 1",
            id="ignore-empty",
        ),
        pytest.param(
            "ignore = true",
            "ignore: expected a list of rule codes, got true",
            id="ignore-bool",
        ),
        pytest.param(
            'exclude = "vendor"',
            "exclude: expected a list of strings, got 'vendor'",
            id="exclude-string",
        ),
        pytest.param(
            'exclude = ["  "]',
            "exclude: expected a list of strings, got '  ' as item 1",
            id="exclude-blank",
        ),
        pytest.param(
            'extend-exclude = ["ok", ["nested"]]',
            "extend-exclude: expected a list of strings, got a list as item 2",
            id="extend-exclude-nested",
        ),
        pytest.param(
            "extend-exclude = {a = 1}",
            "extend-exclude: expected a list of strings, got a table",
            id="extend-exclude-table",
        ),
        pytest.param(
            'per-file-ignores = ["tests/*"]',
            "per-file-ignores: expected a table of glob patterns to lists of rule codes,"
            " got a list",
            id="per-file-ignores-list",
        ),
        pytest.param(
            'per-file-ignores = {"tests/*" = "DYN001"}',
            "per-file-ignores.\"tests/*\": expected a list of rule codes, got 'DYN001'",
            id="per-file-ignores-value",
        ),
        pytest.param(
            'include-tests = "yes"',
            "include-tests: expected true or false, got 'yes'",
            id="include-tests-string",
        ),
        pytest.param(
            "include-tests = 1",
            "include-tests: expected true or false, got 1",
            id="include-tests-int",
        ),
        pytest.param(
            'handler-patterns = "*_entry"',
            "handler-patterns: expected a list of strings, got '*_entry'",
            id="handler-patterns-string",
        ),
        pytest.param(
            'handler-patterns = ["app.handler"]',
            "handler-patterns: expected function name patterns such as '*_entry',"
            " got 'app.handler' as item 1",
            id="handler-patterns-dotted",
        ),
        pytest.param(
            "route-decorators = [1.5]",
            "route-decorators: expected a list of strings, got 1.5 as item 1",
            id="route-decorators-float",
        ),
        pytest.param(
            'route-decorators = ["my framework.route"]',
            "route-decorators: expected dotted names such as 'myframework.route',"
            " got 'my framework.route' as item 1",
            id="route-decorators-space",
        ),
        pytest.param(
            "memoize-decorators = 1979-05-27",
            "memoize-decorators: expected a list of strings, got a date or time",
            id="memoize-decorators-date",
        ),
        pytest.param(
            'memoize-decorators = ["functools.", "x"]',
            "memoize-decorators: expected dotted names such as 'cachetools.cached',"
            " got 'functools.' as item 1",
            id="memoize-decorators-trailing-dot",
        ),
        pytest.param(
            'creators = ["myapp.db.connect"]',
            "creators: expected a table of dotted names and families such as "
            '{ "myapp.db.connect" = "database" }, got a list',
            id="creators-list",
        ),
        pytest.param(
            'creators = { "connect" = "database" }',
            "creators: expected a dotted name such as 'myapp.db.connect', got 'connect'",
            id="creators-bare-name",
        ),
        pytest.param(
            'creators = { "myapp.db.connect" = "db" }',
            'creators."myapp.db.connect": expected one of client, resource, table, session, '
            "database, http, sdk, powertools, got 'db'",
            id="creators-unknown-family",
        ),
        pytest.param(
            'reach = ["always"]',
            "reach: unknown reach 'always'; expected per-request or unknown",
            id="reach-unknown",
        ),
        pytest.param(
            "reach = []",
            "reach: expected at least one reach: per-request, unknown",
            id="reach-empty",
        ),
        pytest.param(
            'helper-module = ["utils.db"]',
            "helper-module: expected a dotted module name such as 'utils.db', got a list",
            id="helper-module-list",
        ),
        pytest.param(
            'helper-module = "utils/db.py"',
            "helper-module: expected a dotted module name such as 'utils.db', got 'utils/db.py'",
            id="helper-module-path",
        ),
        pytest.param(
            'helper-module = "app.class"',
            "helper-module: expected a dotted module name such as 'utils.db', got 'app.class'",
            id="helper-module-keyword",
        ),
        pytest.param(
            'helper-module = ""',
            "helper-module: expected a dotted module name such as 'utils.db', got an empty string",
            id="helper-module-empty",
        ),
        pytest.param(
            f'helper-module = "{"x/" * 50}"',
            f"helper-module: expected a dotted module name such as 'utils.db', got '{'x/' * 28}...",
            id="long-value-shortened",
        ),
    ],
)
def test_wrong_types(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_table(tmp_path, body + "\n")
    assert str(caught.value) == f"pyproject.toml: [tool.dynalint] {message}"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param('select = ["DYN999"]', "select: unknown rule code 'DYN999'", id="select"),
        pytest.param('select = ["DYN", "E"]', "select: unknown rule code 'E'", id="select-prefix"),
        pytest.param('ignore = ["DYN1"]', "ignore: unknown rule code 'DYN1'", id="ignore"),
        pytest.param(
            '[tool.dynalint.per-file-ignores]\n"tests/*" = ["DYN001"]\n"x.py" = ["DYN999"]',
            "per-file-ignores.\"x.py\": unknown rule code 'DYN999'",
            id="per-file-ignores",
        ),
    ],
)
def test_unknown_rule_code(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_table(tmp_path, body + "\n")
    assert str(caught.value) == f"pyproject.toml: [tool.dynalint] {message}"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(
            'exclude = ["#vendor"]',
            "exclude: expected gitignore-style patterns, got '#vendor' as item 1",
            id="exclude-comment",
        ),
        pytest.param(
            'extend-exclude = ["ok/", "!"]',
            "extend-exclude: expected gitignore-style patterns, got '!' as item 2",
            id="extend-exclude-lone-bang",
        ),
        pytest.param(
            'exclude = ["src/[a"]',
            "exclude: expected gitignore-style patterns, got 'src/[a' as item 1",
            id="exclude-unclosed-bracket",
        ),
        pytest.param(
            'per-file-ignores = {"" = ["DYN001"]}',
            "per-file-ignores: expected a table of glob patterns to lists of rule codes,"
            " got an empty string as a pattern",
            id="per-file-ignores-empty-pattern",
        ),
        pytest.param(
            'per-file-ignores = {"bad\\\\" = ["DYN001"]}',
            "per-file-ignores: expected a table of glob patterns to lists of rule codes,"
            " got 'bad\\\\' as a pattern",
            id="per-file-ignores-trailing-backslash",
        ),
    ],
)
def test_unusable_patterns(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_table(tmp_path, body + "\n")
    assert str(caught.value) == f"pyproject.toml: [tool.dynalint] {message}"


def test_escaped_hash_is_a_usable_pattern(tmp_path: Path) -> None:
    assert load_table(tmp_path, 'exclude = ["\\\\#notes.py"]\n').exclude == ("\\#notes.py",)


def test_first_mistake_in_file_order_is_reported(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        load_table(tmp_path, 'include-tests = "no"\nselct = []\n')
    assert str(caught.value) == (
        "pyproject.toml: [tool.dynalint] include-tests: expected true or false, got 'no'"
    )


def test_tool_dynalint_that_is_not_a_table(tmp_path: Path) -> None:
    path = write(tmp_path, "[tool]\ndynalint = 5\n")
    with pytest.raises(SettingsError) as caught:
        load_settings(path, "pyproject.toml")
    assert str(caught.value) == "pyproject.toml: tool.dynalint: expected a table, got 5"


# --- reading ----------------------------------------------------------------------------------


def test_invalid_toml(tmp_path: Path) -> None:
    path = write(tmp_path, "[tool.dynalint]\nselect = DYN001\n")
    with pytest.raises(SettingsError) as caught:
        load_settings(path, "proj/pyproject.toml")
    message = str(caught.value)
    assert message.startswith("proj/pyproject.toml: invalid TOML: ")
    assert "line 2" in message
    assert "\n" not in message


def test_toml_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_bytes(b"[tool.dynalint]\nhelper-module = '\xff'\n")
    with pytest.raises(SettingsError, match=r"^pyproject\.toml: invalid TOML: 'utf-8' codec"):
        load_settings(path, "pyproject.toml")


def test_missing_file_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(tmp_path / "dynalint.toml", "dynalint.toml")
    assert str(caught.value) == "dynalint.toml: cannot read: No such file or directory"


def test_folder_cannot_be_read(tmp_path: Path) -> None:
    folder = tmp_path / "pyproject.toml"
    folder.mkdir()
    with pytest.raises(SettingsError, match=r"^pyproject\.toml: cannot read: \w"):
        load_settings(folder, "pyproject.toml")


def test_path_is_shown_as_given_by_default(tmp_path: Path) -> None:
    path = write(tmp_path, "[tool.dynalint]\nhelper-module = 1\n")
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    assert str(caught.value).startswith(f"{path}: [tool.dynalint] helper-module: ")


# --- finding ----------------------------------------------------------------------------------


def test_find_pyproject_skips_a_nearer_one_without_the_table(tmp_path: Path) -> None:
    outer = write(tmp_path, '[tool.dynalint]\nselect = ["DYN001"]\n')
    write(tmp_path / "pkg", '[project]\nname = "pkg"\n')
    start = tmp_path / "pkg" / "src"
    start.mkdir()
    assert find_pyproject(start) == outer.resolve()


def test_find_pyproject_picks_the_nearest_with_the_table(tmp_path: Path) -> None:
    write(tmp_path, '[tool.dynalint]\nselect = ["DYN001"]\n')
    inner = write(tmp_path / "pkg", '[tool.dynalint]\nselect = ["DYN002"]\n')
    handler = tmp_path / "pkg" / "app" / "handler.py"
    handler.parent.mkdir()
    handler.write_text("", encoding="utf-8")
    assert find_pyproject(handler) == inner.resolve()
    assert find_pyproject(tmp_path / "pkg") == inner.resolve()


def test_find_pyproject_counts_an_empty_table(tmp_path: Path) -> None:
    outer = write(tmp_path, '[tool.dynalint]\nselect = ["DYN001"]\n')
    inner = write(tmp_path / "pkg", "[tool.dynalint]\n")
    assert find_pyproject(tmp_path / "pkg") == inner.resolve()
    assert outer != inner


def test_find_pyproject_without_any(tmp_path: Path) -> None:
    write(tmp_path, '[project]\nname = "app"\n')
    assert find_pyproject(tmp_path) is None


def test_find_pyproject_reports_a_broken_nearer_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "[tool.dynalint]\n")
    write(tmp_path / "pkg", "[project\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SettingsError, match=r"^pkg/pyproject\.toml: invalid TOML: "):
        find_pyproject(tmp_path / "pkg")


# --- settings_for -----------------------------------------------------------------------------


def test_settings_for_finds_the_project_settings(tmp_path: Path) -> None:
    path = write(tmp_path, '[tool.dynalint]\nselect = ["DYN001"]\n')
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x.py").write_text("", encoding="utf-8")
    settings = settings_for([tmp_path / "a", tmp_path / "b" / "x.py"])
    assert settings == Settings(select=("DYN001",), source=path.resolve())


def test_settings_for_uses_the_current_folder_without_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "[tool.dynalint]\ninclude-tests = true\n")
    monkeypatch.chdir(tmp_path)
    assert settings_for([]) == Settings(include_tests=True, source=path.resolve())


def test_settings_for_without_settings(tmp_path: Path) -> None:
    assert settings_for([tmp_path]) == Settings()


def test_settings_for_shows_found_file_relative_to_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, '[tool.dynalint]\nselect = ["DYN999"]\n')
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SettingsError) as caught:
        settings_for([Path("src")])
    assert str(caught.value) == "pyproject.toml: [tool.dynalint] select: unknown rule code 'DYN999'"


def test_config_file_as_pyproject(tmp_path: Path) -> None:
    write(tmp_path, '[tool.dynalint]\nselect = ["DYN001"]\n')
    other = write(tmp_path / "other", '[tool.dynalint]\nignore = ["DYN002"]\n')
    settings = settings_for([tmp_path], config_file=other)
    assert settings == Settings(ignore=("DYN002",), source=other.resolve())


def test_config_file_as_pyproject_without_the_table(tmp_path: Path) -> None:
    write(tmp_path, '[tool.dynalint]\nselect = ["DYN001"]\n')
    other = write(tmp_path / "other", '[project]\nname = "x"\n')
    assert settings_for([tmp_path], config_file=other) == Settings(source=other.resolve())


def test_config_file_as_dynalint_toml(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'select = ["DYN001"]\nhelper-module = "utils.db"\n'
        '[per-file-ignores]\n"tests/*" = ["DYN"]\n',
        name="dynalint.toml",
    )
    assert settings_for([], config_file=path) == Settings(
        select=("DYN001",),
        per_file_ignores=(("tests/*", ("DYN",)),),
        helper_module="utils.db",
        source=path.resolve(),
    )


def test_config_file_with_the_table_under_another_name(tmp_path: Path) -> None:
    path = write(tmp_path, '[tool.dynalint]\nselect = ["DYN003"]\n', name="ci.toml")
    assert settings_for([], config_file=path).select == ("DYN003",)


def test_dynalint_toml_errors_name_no_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "selct = []\n", name="dynalint.toml")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SettingsError) as caught:
        settings_for([], config_file=Path("dynalint.toml"))
    assert str(caught.value) == "dynalint.toml: unknown key 'selct' (did you mean 'select'?)"


def test_dynalint_toml_with_other_tools_table(tmp_path: Path) -> None:
    path = write(tmp_path, "[tool.ruff]\nline-length = 100\n", name="dynalint.toml")
    with pytest.raises(SettingsError) as caught:
        load_settings(path, "dynalint.toml")
    assert str(caught.value) == "dynalint.toml: unknown key 'tool'"


def test_isolated_ignores_every_file(tmp_path: Path) -> None:
    write(tmp_path, '[tool.dynalint]\nselect = ["DYN001"]\n')
    broken = write(tmp_path, "not toml", name="dynalint.toml")
    assert settings_for([tmp_path], isolated=True) == Settings()
    assert settings_for([tmp_path], config_file=broken, isolated=True) == Settings()


# --- per-file-ignores -------------------------------------------------------------------------

PER_FILE = Settings(
    per_file_ignores=(
        ("handler.py", ("DYN001",)),
        ("tests/*", ("DYN002",)),
        ("scripts/**/*.py", ("DYN",)),
        ("legacy/", ("DYN00",)),
        ("!src/**", ("DYN004",)),
    )
)
EVERY_CODE = frozenset(f"DYN00{n}" for n in range(1, 9))


@pytest.mark.parametrize(
    ("path", "codes"),
    [
        pytest.param("src/handler.py", {"DYN001"}, id="basename-nested"),
        pytest.param("handler.py", {"DYN001", "DYN004"}, id="basename-top"),
        pytest.param("src/app/handler.py", {"DYN001"}, id="basename-deep"),
        pytest.param("src/handler_test.py", set(), id="basename-no-partial"),
        pytest.param("tests/test_x.py", {"DYN002", "DYN004"}, id="folder-glob"),
        pytest.param("tests/unit/test_x.py", {"DYN002", "DYN004"}, id="folder-glob-covers-folder"),
        pytest.param("src/tests/test_x.py", set(), id="folder-glob-anchored"),
        pytest.param("scripts/run.py", EVERY_CODE, id="double-star-zero-folders"),
        pytest.param("scripts/a/b/run.py", EVERY_CODE, id="double-star-deep"),
        pytest.param("scripts/README.md", {"DYN004"}, id="double-star-ext"),
        pytest.param("legacy/old/app.py", EVERY_CODE, id="prefix-dyn00"),
        pytest.param("./tests/test_x.py", {"DYN002", "DYN004"}, id="dot-slash"),
        pytest.param("src/app.py", set(), id="no-match"),
    ],
)
def test_ignored_codes_for(path: str, codes: set[str]) -> None:
    assert ignored_codes_for(PER_FILE.per_file_ignores, path) == frozenset(codes)


def test_ignored_codes_for_without_per_file_ignores() -> None:
    assert ignored_codes_for(Settings().per_file_ignores, "tests/test_x.py") == frozenset()


def test_ignored_codes_for_loaded_settings(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, FULL))
    assert ignored_codes_for(settings.per_file_ignores, "scripts/tool/run.py") == EVERY_CODE
    assert ignored_codes_for(settings.per_file_ignores, "app/handler.py") == {"DYN002", "DYN003"}
    assert ignored_codes_for(settings.per_file_ignores, "tests/test_app.py") == {"DYN001"}
