"""Rule documentation, generated from the rules' docstrings and never written twice.

`python -m dynalint.rules.docs` rewrites `docs/rules/`; a test fails when those files are stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dynalint.rules import RULES
from dynalint.rules.base import Rule

SECTIONS = (
    "What it does",
    "Why is this bad?",
    "Example",
    "Use instead",
    "Fix safety",
    "Known limits",
)


def markdown(rule: Rule) -> str:
    """The rule's page: a title line, then its docstring's sections as they are written."""
    body = rule.doc.split("\n", 1)[1].strip()
    fix = "yes (`dynalint fix`)" if rule.fixable else "no"
    return f"# {rule.code} {rule.name}\n\n{rule.summary}. Fix: {fix}.\n\n{body}\n"


def index() -> str:
    lines = ["# Rules", "", "| code | name | summary | fix |", "|---|---|---|---|"]
    for rule in RULES:
        fix = "yes" if rule.fixable else "no"
        lines.append(f"| [{rule.code}]({rule.code}.md) | {rule.name} | {rule.summary} | {fix} |")
    return "\n".join(lines) + "\n"


def pages() -> dict[str, str]:
    """Every generated file of `docs/rules/`, by name."""
    found = {f"{rule.code}.md": markdown(rule) for rule in RULES}
    found["README.md"] = index()
    return found


def write(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in pages().items():
        (folder / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules"))
