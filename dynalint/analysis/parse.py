"""One file's bytes to its model, or to the one-line reason it has none.

The only place dynalint parses source, so the work can run in another process: the job and the
result are small frozen values, and libcst is imported only where this module is.

Python itself is the judge of what is Python: the running interpreter compiles the text first,
and what it refuses (`return` outside a function, `def f(x, x)`, 300 nested parentheses) is
reported with its words and never handed to libcst, whose native parser can crash outright on
input that deep. Only an interpreter older than the newest grammar libcst reads cannot tell a
syntax error from newer syntax (`type Alias = ...` on Python 3.11): libcst decides then, in a
process of its own, so that a crash there costs that file and nothing else (see `dynalint.workers`).
"""

from __future__ import annotations

import ast
import io
import sys
import tokenize
import warnings
from dataclasses import dataclass, replace

import libcst as cst

from dynalint.analysis.build import build_model
from dynalint.analysis.model import FileModel, Job, Span
from dynalint.deep import run_deep
from dynalint.text import decode, decode_error

# The newest Python whose grammar libcst parses: an interpreter this new or newer knows every
# construct libcst does, so its syntax errors are errors.
_NEWEST_GRAMMAR = (3, 14)
# Refusals no newer grammar lifts: CPython's own limits (input past them is exactly the input
# that overflows native parsers), and literals that cannot be decoded (`"\u"`, `b"é"`).
_LIMITS = (
    "too many nested parentheses",
    "too many levels of indentation",
    "(unicode error)",
    "(value error)",
    "bytes can only contain ASCII",
)
_TOO_DEEP = "too deeply nested for Python to compile"
_MIXED_INDENTATION = (
    "the file mixes tabs and spaces in its indentation in a way only Python reads; a fix would "
    "rewrite all of it, so fix this by hand"
)


class Unsure(str):
    """The running interpreter's syntax error, from an interpreter that may be too old to read
    the file: libcst has the last word."""


def model_of(job: Job) -> FileModel | str:
    """The model, or why there is none (`cannot decode: ...`, `syntax error at ...`). An
    `Unsure` reason asks for `newer_syntax_model`, run in a process of its own."""
    try:
        text, _ = decode(job.data)
    except SyntaxError as error:
        return decode_error(error)
    verdict = python_verdict(text)
    if verdict is not None:
        return verdict
    return run_deep(lambda: _model(job, text))


def newer_syntax_model(job: Job, python_says: str) -> FileModel | str:
    """libcst's reading of a file the running interpreter refused but may be too old for;
    when libcst refuses it too, the interpreter's words."""
    text, _ = decode(job.data)
    return run_deep(lambda: _model(job, text, python_says))


def python_verdict(text: str) -> str | None:
    """Why the running interpreter refuses `text`, or None when it compiles it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarnings are the code's, not dynalint's
        return _compile_verdict(text)


def _compile_verdict(text: str) -> str | None:
    try:
        compile(text, "<source>", "exec", dont_inherit=True)
    except SyntaxError as error:  # IndentationError and TabError too
        message = _located(error)
        if sys.version_info >= _NEWEST_GRAMMAR or error.msg.startswith(_LIMITS):
            return message
        try:
            ast.parse(text)
        except SyntaxError:
            return Unsure(message)  # the parser refused it: maybe newer syntax
        except (RecursionError, MemoryError):
            return _TOO_DEEP
        return message  # parsed, then refused by the compiler: an error in every version
    except (RecursionError, MemoryError):
        return _TOO_DEEP
    return None


def _located(error: SyntaxError) -> str:
    if error.lineno is None:
        return f"syntax error: {error.msg}"
    return f"syntax error at line {error.lineno}, column {error.offset or 1}: {error.msg}"


def _model(job: Job, text: str, python_says: str | None = None) -> FileModel | str:
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        if python_says is not None:
            return python_says
        return _retabbed_model(job, text, error)
    return _build(job, module)


def _build(job: Job, module: cst.Module) -> FileModel:
    return build_model(
        module,
        job.module,
        is_package=job.is_package,
        vocabulary=job.vocabulary,
        helper_module=job.helper_module,
    )


def _retabbed_model(job: Job, text: str, error: cst.ParserSyntaxError) -> FileModel | str:
    """Python accepts some mixes of tabs and spaces in indentation that libcst refuses (a
    block indented by a space, its body by a tab and a space). With tabs expanded as Python
    expands them, libcst reads the same program: its findings are reported where they are in
    the file, without fixes, since a fix would rewrite the indentation of the whole file."""
    retabbed = _expand_indentation(text)
    try:
        module = cst.parse_module(retabbed.text) if retabbed.text != text else None
    except cst.ParserSyntaxError:
        module = None
    if module is None:
        first = error.message.splitlines()[0] if error.message else "cannot parse"
        return (
            f"Python accepts this file but libcst cannot parse it (line {error.raw_line}, "
            f"column {error.raw_column + 1}: {first}); it was not checked"
        )
    model = _build(job, module)
    sites = tuple(
        replace(site, span=retabbed.original(site.span), fixes=(), no_fix=_MIXED_INDENTATION)
        for site in model.sites
    )
    return replace(model, sites=sites)


@dataclass(frozen=True)
class _Retabbed:
    """Text whose indentation had its tabs expanded; `grown` maps a changed line to where its
    indentation ended before and after."""

    text: str
    grown: dict[int, tuple[int, int]]

    def original(self, span: Span) -> Span:
        return Span(
            span.line,
            self._column(span.line, span.column),
            span.end_line,
            self._column(span.end_line, span.end_column),
        )

    def _column(self, line: int, column: int) -> int:
        if line not in self.grown:
            return column
        before, after = self.grown[line]
        return column - (after - before) if column >= after else min(column, before)


def _expand_indentation(text: str) -> _Retabbed:
    """Expand tabs (to the next multiple of eight, as Python counts them) in the indentation of
    every line that does not continue a string."""
    inside_string: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.STRING and token.end[0] > token.start[0]:
                inside_string.update(range(token.start[0] + 1, token.end[0] + 1))
    except (tokenize.TokenError, SyntaxError):
        return _Retabbed(text, {})
    lines = text.splitlines(keepends=True)
    grown: dict[int, tuple[int, int]] = {}
    for number, line in enumerate(lines, start=1):
        body = line.lstrip(" \t\f")
        indentation = line[: len(line) - len(body)]
        if "\t" in indentation and number not in inside_string:
            expanded = indentation.expandtabs(8)
            lines[number - 1] = expanded + body
            grown[number] = (len(indentation), len(expanded))
    return _Retabbed("".join(lines), grown)
