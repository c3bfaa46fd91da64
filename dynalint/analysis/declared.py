"""Entry points a project declares outside its Python code.

Whether a function runs on every request or once per process is not visible in the Python
source: AWS SAM/CloudFormation templates and Serverless Framework files name the Lambda
handlers, and packaging metadata names the console scripts. This module reads those files so
the analysis can tell per-request code from run-once code. It never raises and never prints:
a file that cannot be read or parsed simply declares nothing.
"""

from __future__ import annotations

import ast
import configparser
import functools
import json
import os
import re
import sys
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dynalint.analysis.names import is_dotted_name
from dynalint.discovery import files_named
from dynalint.reading import read_regular

if TYPE_CHECKING:
    import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


@dataclass(frozen=True)
class DeclaredEntry:
    """A function some configuration file says is called from outside the project's code.

    `base` is the folder `module` is relative to when the file tells us (a SAM CodeUri, the
    folder of serverless.yml), so the caller can map the module to a file; it is None when only
    the importable module name is known, as for console scripts.
    """

    module: str
    function: str
    base: Path | None
    source: str


_TEMPLATE_NAMES = frozenset({"template.yaml", "template.yml", "template.json"})
_TEMPLATE_SUFFIXES = (".template.yaml", ".template.yml")
_SERVERLESS_NAMES = frozenset({"serverless.yml", "serverless.yaml"})
_LAMBDA_TYPES = frozenset({"AWS::Serverless::Function", "AWS::Lambda::Function"})
_SCRIPT_GROUPS = ("console_scripts", "gui_scripts")
# An entry point object reference, as in the packaging spec: "module:attr [extras]".
_REFERENCE = re.compile(r"^\s*([\w.]+)\s*:\s*([\w.]+)\s*(?:\[[^\]]*\])?\s*$")
_PARSE_ERRORS = (OSError, UnicodeDecodeError, ValueError, RecursionError)


# --- public API -------------------------------------------------------------------------------


def lambda_handlers(root: Path) -> list[DeclaredEntry]:
    """Lambda handlers named by SAM/CloudFormation templates and serverless.yml files under root,
    found by discovery's own walking rules."""
    return handlers_in(files_named(root, is_declaring_name))


def handlers_in(paths: Iterable[Path]) -> list[DeclaredEntry]:
    """Lambda handlers named by these templates and serverless.yml files.

    Sorted by file path, then by order of appearance, so findings are stable between runs.
    """
    entries: list[DeclaredEntry] = []
    for path in sorted(paths):
        entries.extend(_entries_in(path))
    return _unique(entries)


def packaging_files(root: Path) -> tuple[Path, ...]:
    """The files `console_scripts` reads."""
    return (root / "pyproject.toml", root / "setup.cfg", root / "setup.py")


def is_packaging_name(name: str) -> bool:
    """The files that make a folder a distribution's root (besides `setup.py`, a module)."""
    return name in ("pyproject.toml", "setup.cfg")


def is_project_file_name(name: str) -> bool:
    """What the project walk keeps besides Python modules: templates and packaging files."""
    return is_declaring_name(name) or is_packaging_name(name)


def distribution_roots(root: Path, files: Iterable[Path]) -> tuple[Path, ...]:
    """The project's root and every folder below it that holds a distribution's packaging: a
    repository may hold a library and, beside it, the CLI that uses it."""
    found = {root}
    found.update(p.parent for p in files if p.name == "setup.py" or is_packaging_name(p.name))
    return tuple(sorted(found))


def console_scripts(root: Path) -> list[DeclaredEntry]:
    """Console and GUI scripts declared in root's pyproject.toml, setup.cfg and setup.py.

    These functions run once per process, so clients they create are not per-request.
    """
    pyproject, setup_cfg, setup_py = packaging_files(root)
    return _unique(
        [
            *_pyproject_scripts(pyproject),
            *_setup_cfg_scripts(setup_cfg),
            *_setup_py_scripts(setup_py),
        ]
    )


# --- finding the files ------------------------------------------------------------------------


def is_declaring_name(name: str) -> bool:
    """File names SAM, CloudFormation and the Serverless Framework use by convention."""
    if name in _TEMPLATE_NAMES or name in _SERVERLESS_NAMES:
        return True
    return any(name.endswith(suffix) and name != suffix for suffix in _TEMPLATE_SUFFIXES)


# --- loading ----------------------------------------------------------------------------------


@functools.cache
def _template_loader() -> type[yaml.SafeLoader]:
    """A safe loader that also accepts CloudFormation short-form tags such as !Ref and !Sub.

    A subclass, so registering the tags does not change yaml.SafeLoader for anyone else; built
    on libyaml's parser, about twenty times faster, where PyYAML has it. PyYAML is imported
    only by a project with templates.
    """
    import yaml

    base = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
    loader: type[yaml.SafeLoader] = type("TemplateLoader", (base,), {})
    loader.add_multi_constructor("!", _construct_tagged)
    return loader


def _construct_tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> object:
    """Build the long form CloudFormation defines for a short tag, e.g. {"Ref": "Name"}.

    Plain dicts keep intrinsic values distinguishable from literal strings, so a handler or
    CodeUri computed with !Sub or !Ref is treated as unknown instead of as a wrong literal.
    """
    import yaml

    value: object
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:
        value = None
    return _long_form(suffix, value)


def _long_form(suffix: str, value: object) -> dict[str, object]:
    """The JSON spelling of a short-form tag: Ref and Condition keep their name, others Fn::."""
    if suffix in ("Ref", "Condition"):
        return {suffix: value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


def _load_document(path: Path) -> object:
    """The parsed file, or None when it cannot be read or parsed (callers then skip it)."""
    try:
        text = _text(path, "utf-8-sig")
        return json.loads(text) if path.suffix == ".json" else _load_yaml(text)
    except _PARSE_ERRORS:
        return None


def _text(path: Path, encoding: str = "utf-8") -> str:
    """`path.read_text()`, universal newlines included, that never opens a FIFO or a device:
    a project's files are whatever its folders hold."""
    text = read_regular(path).decode(encoding)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _load_yaml(text: str) -> object:
    import yaml

    try:
        return yaml.load(text, Loader=_template_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError:
        return None


def _mapping(value: object) -> Mapping[Any, Any]:
    """The value if it is a mapping, else empty, so malformed files read as declaring nothing."""
    return value if isinstance(value, Mapping) else {}


def _entries_in(path: Path) -> list[DeclaredEntry]:
    """Dispatch on the file name: serverless.yml and templates have different shapes."""
    document = _mapping(_load_document(path))
    if path.name in _SERVERLESS_NAMES:
        return _serverless_entries(path, document)
    return _template_entries(path, document)


# --- handler strings --------------------------------------------------------------------------


def _split_handler(handler: object) -> tuple[str, str] | None:
    """Split "path/to/module.function" the way the Python Lambda runtime does.

    The runtime splits at the last dot and turns slashes into dots, so Serverless paths and
    SAM dotted paths come out alike. Anything with variables or odd characters is unknown.
    """
    if not isinstance(handler, str):
        return None
    text = handler.strip().removeprefix("./")
    module, _, function = text.rpartition(".")
    module = module.replace("/", ".")
    if not module or not is_dotted_name(module) or not is_dotted_name(function):
        return None
    return module, function


def _runs_python(runtime: object) -> bool:
    """Unknown runtimes (unset or computed) might be Python, so only a known other one excludes."""
    return not isinstance(runtime, str) or runtime.startswith("python")


# --- SAM and CloudFormation -------------------------------------------------------------------


def _template_entries(path: Path, document: Mapping[Any, Any]) -> list[DeclaredEntry]:
    """Handlers of the Lambda functions in one SAM or CloudFormation template."""
    defaults = _mapping(_mapping(document.get("Globals")).get("Function"))
    entries: list[DeclaredEntry] = []
    for resource in _mapping(document.get("Resources")).values():
        entry = _function_entry(path, _mapping(resource), defaults)
        if entry is not None:
            entries.append(entry)
    return entries


def _function_entry(
    path: Path, resource: Mapping[Any, Any], defaults: Mapping[Any, Any]
) -> DeclaredEntry | None:
    """The handler of one function resource, or None for other resources and non-Python code."""
    kind = resource.get("Type")
    if not isinstance(kind, str) or kind not in _LAMBDA_TYPES:
        return None
    settings = _function_settings(kind, resource, defaults)
    if _is_image(settings) or not _runs_python(settings.get("Runtime")):
        return None
    parsed = _split_handler(settings.get("Handler"))
    if parsed is None:
        return None
    base = _code_folder(path.parent, settings, _code_key(kind))
    return DeclaredEntry(parsed[0], parsed[1], base, path.name)


def _function_settings(
    kind: str, resource: Mapping[Any, Any], defaults: Mapping[Any, Any]
) -> dict[Any, Any]:
    """Properties with SAM Globals filled in; Globals only apply to AWS::Serverless::Function."""
    properties = _mapping(resource.get("Properties"))
    if kind != "AWS::Serverless::Function":
        return dict(properties)
    return {**defaults, **properties}


def _is_image(settings: Mapping[Any, Any]) -> bool:
    """Container-image functions run code from the image, not from this project's folders."""
    return settings.get("PackageType") == "Image" or "ImageUri" in settings


def _code_key(kind: str) -> str:
    """SAM names the code location CodeUri; plain CloudFormation names it Code."""
    return "CodeUri" if kind == "AWS::Serverless::Function" else "Code"


def _code_folder(folder: Path, settings: Mapping[Any, Any], key: str) -> Path | None:
    """The local folder the handler module lives in, or None when the code is elsewhere.

    Missing means the template's own folder; a dict (S3 location, inline ZipFile), a computed
    value, an s3:// URI or a zip archive does not name a folder we can read.
    """
    if key not in settings:
        return folder
    location = settings[key]
    if not isinstance(location, str) or "://" in location or "\0" in location:
        return None
    if location.lower().endswith((".zip", ".jar")):
        return None
    code = Path(os.path.normpath(folder / location))
    try:
        code.resolve()
    except (OSError, RuntimeError):  # a symlink loop (RuntimeError before Python 3.13)
        return None
    return code


# --- Serverless Framework ---------------------------------------------------------------------


def _serverless_entries(path: Path, document: Mapping[Any, Any]) -> list[DeclaredEntry]:
    """Handlers in serverless.yml; their paths are relative to the service folder."""
    default_runtime = _mapping(document.get("provider")).get("runtime")
    entries: list[DeclaredEntry] = []
    for config in _serverless_functions(document.get("functions")):
        if "image" in config or not _runs_python(config.get("runtime", default_runtime)):
            continue
        parsed = _split_handler(config.get("handler"))
        if parsed is not None:
            entries.append(DeclaredEntry(parsed[0], parsed[1], path.parent, path.name))
    return entries


def _serverless_functions(functions: object) -> list[Mapping[Any, Any]]:
    """Function configs from `functions`, which may be a mapping or a list of mappings."""
    groups = functions if isinstance(functions, list) else [functions]
    return [_mapping(config) for group in groups for config in _mapping(group).values()]


# --- console scripts --------------------------------------------------------------------------


def _parse_reference(reference: object) -> tuple[str, str] | None:
    """Split "pkg.cli:main [extra]" into module and attribute; None when it is not one."""
    if not isinstance(reference, str):
        return None
    match = _REFERENCE.match(reference)
    if match is None:
        return None
    module, function = match.group(1), match.group(2)
    if not is_dotted_name(module) or not is_dotted_name(function):
        return None
    return module, function


def _script_entries(references: Iterable[object], source: str) -> list[DeclaredEntry]:
    """Entries for the references that parse; the rest are skipped quietly."""
    entries: list[DeclaredEntry] = []
    for reference in references:
        parsed = _parse_reference(reference)
        if parsed is not None:
            entries.append(DeclaredEntry(parsed[0], parsed[1], None, source))
    return entries


def _line_references(lines: Iterable[str]) -> list[str]:
    """The right-hand sides of "name = pkg.cli:main" lines, as setup.cfg and setup.py write them."""
    references: list[str] = []
    for line in lines:
        name, equals, reference = line.strip().partition("=")
        if equals and name.strip() and not name.startswith(("#", ";")):
            references.append(reference)
    return references


def _pyproject_scripts(path: Path) -> list[DeclaredEntry]:
    """[project.scripts], [project.gui-scripts] and Poetry's [tool.poetry.scripts]."""
    try:
        data = tomllib.loads(_text(path))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    project = _mapping(data.get("project"))
    poetry = _mapping(_mapping(data.get("tool")).get("poetry"))
    tables = (project.get("scripts"), project.get("gui-scripts"), poetry.get("scripts"))
    references = [value for table in tables for value in _mapping(table).values()]
    return _script_entries(references, "pyproject.toml")


def _setup_cfg_scripts(path: Path) -> list[DeclaredEntry]:
    """console_scripts and gui_scripts under [options.entry_points] in setup.cfg."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(_text(path))
    except (OSError, UnicodeDecodeError, configparser.Error):
        return []
    texts = [parser.get("options.entry_points", group, fallback="") for group in _SCRIPT_GROUPS]
    lines = [line for text in texts for line in text.splitlines()]
    return _script_entries(_line_references(lines), "setup.cfg")


def _setup_py_scripts(path: Path) -> list[DeclaredEntry]:
    """Script entries written as literals in setup.py, found without running the file."""
    tree = _parse_python(path)
    if tree is None:
        return []
    texts = [text for node in _in_source_order(tree) for text in _script_literals(node)]
    lines = [line for text in texts for line in text.splitlines()]
    return _script_entries(_line_references(lines), "setup.py")


def _parse_python(path: Path) -> ast.Module | None:
    """The syntax tree of a file, or None; warnings are silenced so nothing is printed."""
    try:
        source = read_regular(path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source, filename=str(path))
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _in_source_order(tree: ast.Module) -> list[ast.expr]:
    """Dict literals and calls ordered by position; ast.walk alone is breadth-first."""
    nodes = [node for node in ast.walk(tree) if isinstance(node, (ast.Dict, ast.Call))]
    return sorted(nodes, key=lambda node: (node.lineno, node.col_offset))


def _script_literals(node: ast.AST) -> list[str]:
    """Strings given for console_scripts in a {...} or dict(...) literal anywhere in the file.

    Looking at every such literal, not only the setup() call, also covers an entry_points
    dict first bound to a variable.
    """
    if isinstance(node, ast.Dict):
        values = [v for k, v in zip(node.keys, node.values, strict=True) if _is_script_group(k)]
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
        values = [kw.value for kw in node.keywords if kw.arg in _SCRIPT_GROUPS]
    else:
        return []
    return [text for value in values for text in _string_literals(value)]


def _is_script_group(node: ast.expr | None) -> bool:
    """A "console_scripts" or "gui_scripts" string key (None is a **spread)."""
    return isinstance(node, ast.Constant) and node.value in _SCRIPT_GROUPS


def _string_literals(node: ast.expr) -> list[str]:
    """A string, or the strings in a list, tuple or set; anything computed is skipped, except
    a script name computed in an f-string (`f"{name}=tool.cli:main"`): where it points is
    still written out."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        _, equals, reference = _computed_name(node.values).partition("=")
        return [f"script={reference}"] if equals and "{" not in reference else []
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [text for element in node.elts for text in _string_literals(element)]
    return []


def _computed_name(parts: list[ast.expr]) -> str:
    """An f-string's text with each computed part written `{}`."""
    return "".join(
        part.value if isinstance(part, ast.Constant) and isinstance(part.value, str) else "{}"
        for part in parts
    )


# --- helpers ----------------------------------------------------------------------------------


def _unique(entries: list[DeclaredEntry]) -> list[DeclaredEntry]:
    """Drop repeats (two functions sharing a handler) while keeping the first-seen order."""
    return list(dict.fromkeys(entries))
