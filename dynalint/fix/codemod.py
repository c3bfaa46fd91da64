"""`dynalint fix` as a libcst codemod command, so `python -m libcst.tool codemod` can run it too.

With libcst's tool, add `dynalint.fix` to the `modules` of `.libcst.codemod.yaml`, then run
`python -m libcst.tool codemod codemod.CacheBoto3Objects src/`. The command finds its own targets
by linting each file in its project, and creates the helper module when it is missing.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Sequence
from pathlib import Path

import libcst as cst
from libcst.codemod import CodemodCommand, CodemodContext, SkipFile
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.helpers import get_full_name_for_node

from dynalint.discovery import import_root, module_name
from dynalint.engine import lint_paths, lint_source
from dynalint.fix.helper import module_path, plan_helper
from dynalint.fix.rewrite import Plan, RewriteCalls, plan
from dynalint.types import Finding

DEFAULT_HELPER_MODULE = "aws_helpers"


class CacheBoto3Objects(CodemodCommand):
    DESCRIPTION = (
        "Move boto3 clients, resources and DynamoDB Tables created on every request onto "
        "dynalint's cached helper module."
    )

    def __init__(
        self,
        context: CodemodContext,
        helper_module: str = DEFAULT_HELPER_MODULE,
        unsafe_fixes: bool = False,
        findings: Sequence[Finding] | None = None,
    ) -> None:
        super().__init__(context)
        self.helper_module = helper_module
        self.unsafe_fixes = unsafe_fixes
        self.findings = findings
        self.plan = Plan()

    @staticmethod
    def add_args(arg_parser: argparse.ArgumentParser) -> None:
        arg_parser.add_argument(
            "--helper-module",
            dest="helper_module",
            default=DEFAULT_HELPER_MODULE,
            help="Dotted name of the generated helper module, relative to each file's import root.",
        )
        arg_parser.add_argument(
            "--unsafe-fixes",
            dest="unsafe_fixes",
            action="store_true",
            help="Also rewrite calls whose arguments are computed by other functions.",
        )

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        path = Path(self.context.filename).resolve() if self.context.filename else None
        findings = self.findings if self.findings is not None else _lint(tree, path)
        name = module_name(path) if path is not None else "module"
        is_package = path is not None and path.name == "__init__.py"
        self.plan = plan(
            tree, name, findings, is_package=is_package, unsafe_fixes=self.unsafe_fixes
        )
        if not self.plan.changes:
            return tree
        if self.findings is None and path is not None:
            self._ensure_helper(path)
        for helper in sorted(self.plan.helpers):
            AddImportsVisitor.add_needed_import(self.context, self.helper_module, helper)
        for module, obj, asname in _boto3_imports(tree):
            RemoveImportsVisitor.remove_unused_import(self.context, module, obj, asname)
        return tree.visit(RewriteCalls(self.plan))

    def transform_module(self, tree: cst.Module) -> cst.Module:
        return _in_place_of_boto3(tree, super().transform_module(tree), self.helper_module)

    def _ensure_helper(self, path: Path) -> None:
        """Standalone runs create a missing helper; `dynalint fix` writes it itself, atomically."""
        target = module_path(import_root(path), self.helper_module)
        existing = target.read_text(encoding="utf-8") if target.exists() else None
        decision = plan_helper(existing, self.plan.helpers)
        if decision.error is not None:
            raise SkipFile(f"{target}: {decision.error}")
        if decision.content is not None and existing is None:
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with open(target, "x", encoding="utf-8") as handle:
                    handle.write(decision.content)
            except FileExistsError:
                pass


def _in_place_of_boto3(before: cst.Module, after: cst.Module, helper_module: str) -> cst.Module:
    """Put the helper import where the boto3 import it replaces stood, with its blank lines.

    AddImportsVisitor appends new imports after the last one, and RemoveImportsVisitor drops a
    removed import's leading lines; together they would glue the helper import onto another
    group. Moving that one line afterwards keeps the diff to `-import boto3 / +from ... import`.
    """
    added = [s for s in after.body if _imports_from(s, helper_module)]
    imported = [s for s in before.body if _imports_from(s, "boto3")]
    kept = [s for s in after.body if _imports_from(s, "boto3")]
    gone = [s for s in imported if not any(s.deep_equals(k) for k in kept)]
    if len(added) != 1 or not gone or len(kept) + len(gone) != len(imported):
        return after
    # Module-level statements are never removed by the rewrite, so the others keep their order.
    at = next(i for i, s in enumerate(before.body) if s is gone[0])
    body = [s for s in after.body if s is not added[0]]
    moved = added[0].with_changes(leading_lines=gone[0].leading_lines)
    return after.with_changes(body=[*body[:at], moved, *body[at:]])


def _imports_from(statement: cst.CSTNode, module: str) -> bool:
    """A line that only imports from `module` or its submodules."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    if isinstance(small, cst.ImportFrom) and small.module is not None and not small.relative:
        return _within(get_full_name_for_node(small.module), module)
    if isinstance(small, cst.Import):
        return all(_within(get_full_name_for_node(alias.name), module) for alias in small.names)
    return False


def _within(name: str | None, module: str) -> bool:
    return name is not None and (name == module or name.startswith(f"{module}."))


def _lint(tree: cst.Module, path: Path | None) -> tuple[Finding, ...]:
    if path is None:
        return lint_source(tree.code).findings
    return lint_paths([str(path)], sources={path: tree.code.encode("utf-8")}).findings


def _boto3_imports(tree: cst.Module) -> Iterator[tuple[str, str | None, str | None]]:
    """Every module-level boto3 import, for RemoveImportsVisitor to drop if the fix unused it."""
    for statement in tree.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    name = get_full_name_for_node(alias.name) or ""
                    if name.split(".")[0] == "boto3":
                        yield name, None, _asname(alias)
            elif isinstance(small, cst.ImportFrom) and small.module is not None:
                module = get_full_name_for_node(small.module) or ""
                if module.split(".")[0] == "boto3" and not isinstance(small.names, cst.ImportStar):
                    for alias in small.names:
                        yield module, get_full_name_for_node(alias.name), _asname(alias)


def _asname(alias: cst.ImportAlias) -> str | None:
    if alias.asname is None or not isinstance(alias.asname.name, cst.Name):
        return None
    return alias.asname.name.value
