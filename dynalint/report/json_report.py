"""One JSON object: `{"findings": [...], "errors": [...]}`, stable for machines.

Each finding carries its `fix` as ruff's JSON does (applicability, message, edits with 1-based
`location` and exclusive `end_location`), plus the helper imports it adds and where the helper
module lives; a finding without a fix has `"fix": null` and says why in `no_fix`.
"""

from __future__ import annotations

import json
from typing import Any

from dynalint.report.options import DEFAULT_OPTIONS, ReportOptions
from dynalint.types import Edit, Finding, Fix, LintResult


def render(result: LintResult, options: ReportOptions = DEFAULT_OPTIONS) -> str:
    document = {
        "findings": [_finding(finding) for finding in result.findings],
        "errors": [{"path": error.path, "message": error.message} for error in result.errors],
    }
    return json.dumps(document, indent=2) + "\n"


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line,
        "end_column": finding.end_column,
        "code": finding.code,
        "name": finding.name,
        "message": finding.message,
        "severity": finding.severity,
        "reach": finding.reach.value,
        "certain": finding.certain,
        "chain": list(finding.chain),
        "applicability": finding.applicability.value,
        "fix": _fix(finding.fix) if finding.fix is not None else None,
        "no_fix": finding.no_fix,
    }


def _fix(fix: Fix) -> dict[str, Any]:
    return {
        "applicability": fix.applicability.value,
        "message": fix.message,
        "edits": [_edit(edit) for edit in fix.edits],
        "imports": [
            {"module": fix.helper_module, "name": i.name, "alias": i.alias} for i in fix.imports
        ],
        "helper": {"module": fix.helper_module, "path": fix.helper_display},
    }


def _edit(edit: Edit) -> dict[str, Any]:
    return {
        "content": edit.content,
        "location": {"row": edit.line, "column": edit.column},
        "end_location": {"row": edit.end_line, "column": edit.end_column},
    }
