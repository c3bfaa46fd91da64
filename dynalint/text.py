"""Bytes to text and back, honouring a BOM and a coding cookie as Python itself does."""

from __future__ import annotations

import codecs
import io
import tokenize


class SourceDecodeError(SyntaxError):
    """The bytes are not Python source text; Python itself refuses them with a SyntaxError.
    The message is the whole one-line reason."""


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding to write it back with (`utf-8-sig` keeps a BOM)."""
    nul = data.find(b"\0")
    if nul >= 0:
        raise SourceDecodeError(f"contains a NUL byte at offset {nul}")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        if not error.msg.startswith("invalid or missing encoding declaration"):
            raise SourceDecodeError(f"cannot decode: {error.msg}") from None
        encoding = "utf-8"  # no cookie, and the first lines are not UTF-8: say where
    if not getattr(codecs.lookup(encoding), "_is_text_encoding", True):
        raise SourceDecodeError(f"cannot decode: {encoding!r} is not a text encoding")
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as error:
        raise SourceDecodeError(
            f"cannot decode: invalid {error.encoding} byte at offset {error.start}"
        ) from None


def decode_error(error: Exception) -> str:
    """The one-line reason a `decode` failed."""
    if isinstance(error, SyntaxError) and error.msg:
        return error.msg
    return str(error)
