"""The rule catalogue: documented in place, docs generated from it, listed by the CLI."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from dynalint.cli import main
from dynalint.rules import RULES, docs
from dynalint.rules.base import Rule
from tests.conftest import REPO

SECTION = re.compile(r"^## (.+)$", re.MULTILINE)


@pytest.mark.parametrize("rule", RULES, ids=[rule.code for rule in RULES])
def test_docstring_has_every_section_in_order(rule: Rule) -> None:
    assert rule.doc.splitlines()[0] == f"{rule.code} {rule.name}"
    assert tuple(SECTION.findall(rule.doc)) == docs.SECTIONS


def test_rule_modules_are_named_after_their_pattern() -> None:
    for rule in RULES:
        module = __import__(f"dynalint.rules.{rule.name.replace('-', '_')}", fromlist=["RULE"])
        assert module.RULE is rule


def test_generated_docs_are_current() -> None:
    """Run `python -m dynalint.rules.docs` after changing a rule's docstring."""
    folder = REPO / "docs" / "rules"
    on_disk = {path.name: path.read_text(encoding="utf-8") for path in folder.glob("*.md")}

    assert on_disk == docs.pages()


def test_rules_command() -> None:
    result = CliRunner().invoke(main, ["rules"])

    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "code    name                     fix  summary",
        "DYN001  client-per-request       yes  boto3 client created on every request",
        "DYN002  resource-per-request     yes  boto3 resource created on every request",
        "DYN003  table-per-request        yes  DynamoDB Table created on every request",
        "DYN004  session-per-request      no   boto3 Session created on every request",
        "DYN005  connection-per-request   yes  database connection created on every request",
        "DYN006  http-client-per-request  no   HTTP client created on every request",
        "DYN007  sdk-client-per-request   no   SDK client created on every request",
        "DYN008  powertools-per-request   no   "
        "Powertools Logger, Tracer or Metrics created on every request",
    ]


def test_rule_command_prints_the_page() -> None:
    result = CliRunner().invoke(main, ["rule", "dyn002"])

    assert result.exit_code == 0
    assert result.output == (REPO / "docs" / "rules" / "DYN002.md").read_text(encoding="utf-8")
    assert "## Fix safety\n" in result.output


def test_unknown_rule() -> None:
    result = CliRunner().invoke(main, ["rule", "DYN999"])

    assert result.exit_code == 2
    assert "unknown rule code 'DYN999'; `dynalint rules` lists them" in result.stderr
