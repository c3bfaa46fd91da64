"""Pinned sdists from the package index, fetched once and unpacked: the benchmarks' real code."""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Sequence
from pathlib import Path


def normalized(name: str) -> str:
    """A project name as pip spells sdist files: `localstack-core` -> `localstack_core`."""
    return re.sub(r"[-_.]+", "_", name).lower()


def sdist_of(pin: str, folder: Path) -> Path | None:
    """The downloaded archive of `name==version`, if it is there."""
    name, _, wanted = pin.partition("==")
    for archive in folder.glob("*"):
        stem = archive.name.removesuffix(".tar.gz").removesuffix(".zip")
        project, _, got = stem.rpartition("-")
        if normalized(project) == normalized(name) and got == wanted:
            return archive
    return None


def download(pins: Sequence[str], folder: Path) -> list[Path]:
    """pip download the pins once; later runs find the archives and skip the network."""
    folder.mkdir(parents=True, exist_ok=True)
    missing = [pin for pin in pins if sdist_of(pin, folder) is None]
    if missing:
        pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
        subprocess.run([*pip, "--quiet", "--dest", str(folder), *missing], check=True)
    archives = [sdist_of(pin, folder) for pin in pins]
    return [archive for archive in archives if archive is not None]


def unpack(archive: Path, dest: Path) -> None:
    """Each sdist holds one top folder, `<name>-<version>/`, which lands in dest."""
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(dest)
        return
    with tarfile.open(archive) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(dest, filter="data")
        else:  # Python < 3.10.12 / 3.11.4
            tar.extractall(dest)  # noqa: S202 - pinned sdists from the package index
