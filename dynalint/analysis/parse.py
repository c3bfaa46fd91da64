"""One file's bytes to its model, or to the one-line reason it has none.

The only place dynalint parses source, so the work can run in another process: the job and the
result are small frozen values, and libcst is imported only where this module is.
"""

from __future__ import annotations

import ast

import libcst as cst

from dynalint.analysis.build import build_model
from dynalint.analysis.model import FileModel, Job
from dynalint.text import decode, decode_error


def model_of(job: Job) -> FileModel | str:
    """The model, or why there is none (`cannot decode: ...`, `syntax error at ...`)."""
    try:
        text, _ = decode(job.data)
    except (UnicodeDecodeError, SyntaxError) as error:
        return f"cannot decode: {decode_error(error)}"
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        return _syntax_error(text, error)
    except RecursionError:
        return "too deeply nested to parse"
    return build_model(
        module,
        job.module,
        is_package=job.is_package,
        vocabulary=job.vocabulary,
        helper_module=job.helper_module,
    )


def _syntax_error(text: str, error: cst.ParserSyntaxError) -> str:
    """CPython words syntax errors best; libcst's own message is for code only it rejects."""
    try:
        ast.parse(text)
    except SyntaxError as python:
        return f"syntax error at line {python.lineno}, column {python.offset}: {python.msg}"
    first = error.message.splitlines()[0] if error.message else "cannot parse"
    return f"cannot parse at line {error.raw_line}, column {error.raw_column + 1}: {first}"
