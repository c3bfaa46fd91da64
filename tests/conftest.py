from __future__ import annotations

from pathlib import Path

import pytest

from tests.servers import redis_server

__all__ = ["redis_server"]

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="Rewrite the expected outputs of fix scenarios from what dynalint produces now.",
    )
    parser.addoption(
        "--fuzz-examples",
        type=int,
        default=None,
        metavar="N",
        help="Run each property test of tests/test_fuzz.py on N fresh random examples.",
    )


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture
def fuzz_examples(request: pytest.FixtureRequest) -> int | None:
    """`--fuzz-examples N`, or None for the bounded run of the test suite."""
    value = request.config.getoption("--fuzz-examples")
    return int(value) if value is not None else None
