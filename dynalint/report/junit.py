"""JUnit XML, for CI dashboards that only understand test reports (GitLab, Jenkins, Azure).

Each finding is a failed test case and each unreadable file an errored one. A clean run still
holds one passing test case, because several dashboards treat an empty suite as "no report".
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from dynalint.report.options import DEFAULT_OPTIONS, ReportOptions
from dynalint.types import FileError, Finding, LintResult

NAME = "dynalint"
HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n'
# Characters XML 1.0 cannot hold even escaped; a string literal in linted code may contain them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def render(result: LintResult, options: ReportOptions = DEFAULT_OPTIONS) -> str:
    cases = [_failure(finding) for finding in result.findings]
    cases += [_error(error) for error in result.errors]
    counts = {
        "tests": str(max(len(cases), 1)),
        "failures": str(len(result.findings)),
        "errors": str(len(result.errors)),
    }
    suites = ET.Element("testsuites", {"name": NAME, **counts})
    suite = ET.SubElement(suites, "testsuite", {"name": NAME, **counts})
    suite.extend(cases or [ET.Element("testcase", {"name": NAME, "classname": NAME})])
    ET.indent(suites)
    return HEADER + ET.tostring(suites, encoding="unicode") + "\n"


def _failure(finding: Finding) -> ET.Element:
    case = _case(f"{finding.code} {finding.name}", finding.path, {"line": str(finding.line)})
    failure = ET.SubElement(
        case, "failure", {"message": _xml(finding.message), "type": finding.code}
    )
    where = f"{finding.path}:{finding.line}:{finding.column}"
    failure.text = _xml(f"{where}: {finding.code} {finding.message}")
    return case


def _error(error: FileError) -> ET.Element:
    case = _case("file-error", error.path, {})
    element = ET.SubElement(case, "error", {"message": _xml(error.message), "type": "file-error"})
    element.text = _xml(f"{error.path}: {error.message}")
    return case


def _case(name: str, path: str, extra: dict[str, str]) -> ET.Element:
    attributes = {"name": name, "classname": _xml(path), "file": _xml(path), **extra}
    return ET.Element("testcase", attributes)


def _xml(text: str) -> str:
    """Replace what XML cannot carry by a visible `\\xNN` so the report stays well formed."""
    return _NOT_XML.sub(lambda match: f"\\x{ord(match.group()):02x}", text)
