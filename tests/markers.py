"""Expected findings written into fixtures as `# expect: DYN002, DYN003` on the reported line."""

from __future__ import annotations

import re
from pathlib import Path

_MARKER = re.compile(r"#.*?\bexpect:\s*(?P<codes>DYN\d{3}(?:\s*,\s*DYN\d{3})*)")

Expected = tuple[str, int, str]


def expected_findings(root: Path, files: list[Path]) -> list[Expected]:
    found: list[Expected] = []
    for path in files:
        relative = path.relative_to(root).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = _MARKER.search(line)
            if match:
                codes = (code.strip() for code in match.group("codes").split(","))
                found.extend((relative, number, code) for code in codes)
    return sorted(found)
