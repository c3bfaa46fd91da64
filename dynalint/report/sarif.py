"""SARIF 2.1.0, the format GitHub code scanning (and most security dashboards) ingest.

Every rule is listed in `tool.driver.rules`, not only those found, so dashboards can show the
catalogue and keep a rule's history when a run finds nothing for it. Columns are code points
(`columnKind`), as the parser counts them; our end columns are already SARIF's exclusive ones.

A result that plain `dynalint fix` removes carries that fix as SARIF `fixes`: the text only
`dynalint fix` knows (the helper call, the helper import, perhaps a new helper module), given by
the caller in `options.fixes` as whole files, each one replacement of the file's whole text (a
new helper module: an insertion into an empty file). One fix may resolve several results of the
same file. Each result also says `properties.fixable` next to `properties.applicability`.

File errors are `toolExecutionNotifications` of the one invocation, which is then marked
unsuccessful, so code scanning shows that part of the code was not analysed.
"""

from __future__ import annotations

import json
import posixpath
import re
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from dynalint.report.options import (
    DEFAULT_OPTIONS,
    ArtifactChange,
    ReportOptions,
    is_fixable,
    unsafe_fix,
)
from dynalint.rules import RULES
from dynalint.rules.base import Rule
from dynalint.types import FileError, Finding, LintResult
from dynalint.version import __version__

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/dynalint/dynalint"
HELP_URI = "https://github.com/dynalint/dynalint/blob/main/docs/rules/{code}.md"
TAGS = ["performance", "aws-lambda"]
RULE_INDEX = {rule.code: index for index, rule in enumerate(RULES)}

Json = dict[str, Any]


def render(result: LintResult, options: ReportOptions = DEFAULT_OPTIONS) -> str:
    run = {
        "tool": {"driver": _driver()},
        "columnKind": "unicodeCodePoints",
        "invocations": [_invocation(result.errors)],
        "results": [_result(finding, options) for finding in result.findings],
    }
    document = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2) + "\n"


def _driver() -> Json:
    return {
        "name": "dynalint",
        "informationUri": INFORMATION_URI,
        "version": __version__,
        "rules": [_rule(rule) for rule in RULES],
    }


def _rule(rule: Rule) -> Json:
    doc = rule.doc.strip()
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": section(doc, "What it does") or rule.summary},
        "help": {"text": doc, "markdown": doc},
        "helpUri": HELP_URI.format(code=rule.code),
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": list(TAGS)},
    }


def section(doc: str, title: str) -> str | None:
    """A `## title` section of a rule's doc, unwrapped to one line of plain text."""
    pattern = rf"^## {re.escape(title)}[ \t]*\n(.*?)(?=^## |\Z)"
    match = re.search(pattern, doc, re.MULTILINE | re.DOTALL)
    return " ".join(match.group(1).split()) if match else None


def _result(finding: Finding, options: ReportOptions) -> Json:
    result: Json = {"ruleId": finding.code}
    changes = options.fixes.get((finding.path, finding.line, finding.column, finding.code))
    if changes:
        result["fixes"] = [_fix(changes)]
    if finding.code in RULE_INDEX:
        result["ruleIndex"] = RULE_INDEX[finding.code]
    location = {"artifactLocation": artifact(finding.path), "region": _region(finding)}
    return result | {
        "level": finding.severity,
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": location}],
        "properties": {
            "reach": finding.reach.value,
            "certain": finding.certain,
            "chain": list(finding.chain),
            "applicability": finding.applicability.value,
            "fixable": is_fixable(finding) or unsafe_fix(finding),
        },
    }


def _fix(changes: tuple[ArtifactChange, ...]) -> Json:
    return {
        "description": {"text": "Move it onto the cached helper module (dynalint fix)"},
        "artifactChanges": [
            {
                "artifactLocation": artifact(change.path),
                "replacements": [
                    {
                        "deletedRegion": {
                            "charOffset": 0,
                            "charLength": len(change.before or ""),
                        },
                        "insertedContent": {"text": change.after},
                    }
                ],
            }
            for change in changes
        ],
    }


def _region(finding: Finding) -> Json:
    return {
        "startLine": finding.line,
        "startColumn": finding.column,
        "endLine": finding.end_line,
        "endColumn": finding.end_column,
    }


def artifact(path: str) -> Json:
    """A URI for a display path: relative ones against `%SRCROOT%`, absolute ones as `file:`."""
    windows = PureWindowsPath(path)
    if windows.drive and windows.is_absolute():
        return {"uri": windows.as_uri()}
    posix = path.replace("\\", "/")
    if posix.startswith("/"):
        return {"uri": PurePosixPath(posix).as_uri()}
    return {"uri": quote(posixpath.normpath(posix)), "uriBaseId": "%SRCROOT%"}


def _invocation(errors: tuple[FileError, ...]) -> Json:
    return {
        "executionSuccessful": not errors,
        "toolExecutionNotifications": [_notification(error) for error in errors],
    }


def _notification(error: FileError) -> Json:
    return {
        "level": "error",
        "message": {"text": error.message},
        "locations": [{"physicalLocation": {"artifactLocation": artifact(error.path)}}],
    }
