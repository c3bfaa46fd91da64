"""Bytes to text and back, honouring a BOM and a coding cookie as Python itself does."""

from __future__ import annotations

import io
import tokenize


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding to write it back with (`utf-8-sig` keeps a BOM)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding), encoding


def decode_error(error: Exception) -> str:
    if isinstance(error, UnicodeDecodeError):
        return f"invalid {error.encoding} byte at offset {error.start}"
    return str(error)
