"""`dynalint fix` as a libcst codemod command, so `python -m libcst.tool codemod` can run it too.

With libcst's tool, add `dynalint.fix` to the `modules` of `.libcst.codemod.yaml`, then run
`python -m libcst.tool codemod codemod.CacheBoto3Objects src/`. The command analyses each
project once (the first file of a project pays for it; later files read the result), applies the
fixes the findings carry, and creates the helper module when it is missing (or completes a
generated one that lacks a function).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import ClassVar

import libcst as cst
from libcst.codemod import CodemodCommand, CodemodContext, SkipFile

from dynalint.analysis.roots import DEFAULT_HELPER_MODULE
from dynalint.config import Config
from dynalint.discovery import find_project_root
from dynalint.engine import lint_paths, lint_source
from dynalint.fix.apply import FixRefused, apply_fixes
from dynalint.fix.fixer import FileChange
from dynalint.fix.helper import plan_helper, read_helper, undecodable
from dynalint.fix.write import CHANGED, write_changes
from dynalint.settings import SettingsError, settings_for
from dynalint.text import decode
from dynalint.types import Finding, LintResult

_Analysis = tuple[LintResult, dict[Path, str]]


class CacheBoto3Objects(CodemodCommand):
    """libcst's tool makes one command per file, so analyses are kept for the process: by
    project root and options, the first file of a project pays for all of them. A file whose
    text is not what the analysis read is analysed again on its own."""

    DESCRIPTION = (
        "Move boto3 clients, resources and DynamoDB Tables created on every request onto "
        "dynalint's cached helper module."
    )
    _analyses: ClassVar[dict[tuple[Path, str | None], _Analysis]] = {}

    def __init__(
        self,
        context: CodemodContext,
        helper_module: str | None = None,
        unsafe_fixes: bool = False,
    ) -> None:
        super().__init__(context)
        self.helper_module = helper_module
        self.unsafe_fixes = unsafe_fixes

    @staticmethod
    def add_args(arg_parser: argparse.ArgumentParser) -> None:
        arg_parser.add_argument(
            "--helper-module",
            dest="helper_module",
            default=None,
            help="Dotted name of the generated helper module, relative to each file's import "
            f"root [default: {DEFAULT_HELPER_MODULE} in each fixed module's top-level package].",
        )
        arg_parser.add_argument(
            "--unsafe-fixes",
            dest="unsafe_fixes",
            action="store_true",
            help="Also rewrite calls whose arguments are computed by other functions.",
        )

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        path = Path(self.context.filename).resolve() if self.context.filename else None
        findings = self._findings(tree, path)
        try:
            applied = apply_fixes(tree.code, findings, unsafe_fixes=self.unsafe_fixes)
        except FixRefused as refused:
            raise SkipFile(str(refused)) from None
        if not applied.fixed:
            return tree
        helper = next(f.fix.helper_path for f in applied.fixed if f.fix is not None)
        if helper is not None:
            _ensure_helper(helper, applied.helpers)
        return cst.parse_module(applied.text)

    def _findings(self, tree: cst.Module, path: Path | None) -> tuple[Finding, ...]:
        if path is None:
            return lint_source(tree.code, config=self._config(None)).findings
        result, displays = self._analysis(find_project_root([path.parent]))
        display = displays.get(path)
        source = result.sources.get(display) if display is not None else None
        if source is not None and decode(source.data)[0] == tree.code:
            return tuple(f for f in result.findings if f.path == display)
        if source is None and _on_disk(path) == tree.code:
            return ()  # the analysis read it as it is, and found nothing to fix
        # Not what the project analysis read (another codemod ran first): this file again.
        data = tree.code.encode("utf-8")
        return lint_paths([str(path)], self._config(path), sources={path: data}).findings

    def _analysis(self, root: Path) -> _Analysis:
        key = (root, self.helper_module)
        if key not in self._analyses:
            result = lint_paths([str(root)], self._config(root))
            displays = {source.path: display for display, source in result.sources.items()}
            self._analyses[key] = (result, displays)
        return self._analyses[key]

    def _config(self, where: Path | None) -> Config:
        try:
            settings = settings_for([where] if where is not None else [])
        except SettingsError as error:
            raise SkipFile(str(error)) from None
        return Config.from_settings(settings, helper_module=self.helper_module)


def _on_disk(path: Path) -> str | None:
    try:
        return decode(path.read_bytes())[0]
    except (OSError, UnicodeDecodeError, SyntaxError):
        return None


def _ensure_helper(target: Path, needed: frozenset[str], attempts: int = 3) -> None:
    """Standalone runs create a missing helper or complete a generated one, as `dynalint fix`
    writes them: atomically, never over bytes other than those read. Another worker may write
    it meanwhile (`-j N`): then it is read and planned again."""
    for _ in range(attempts):
        existing = read_helper(target)
        if isinstance(existing, str):
            raise SkipFile(f"{target}: {existing}")
        try:
            source, encoding = decode(existing) if existing is not None else (None, "utf-8")
        except (UnicodeDecodeError, SyntaxError) as error:
            raise SkipFile(f"{target}: {undecodable(error)}") from None
        decision = plan_helper(source, needed)
        if decision.error is not None:
            raise SkipFile(f"{target}: {decision.error}")
        if decision.content is None:
            return
        data = decision.content.encode(encoding)
        change = FileChange(target, str(target), existing, data, encoding, is_helper=True)
        errors = write_changes([change])
        if not errors:
            return
        if errors[0].message != CHANGED:
            raise SkipFile(f"{target}: {errors[0].message}")
    raise SkipFile(f"{target}: {CHANGED}")
