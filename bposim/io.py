"""Writing results atomically (a reader sees a whole file or none, never half of one), and
reading them back with a message that names the file when one is damaged."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .config import ConfigError


def atomic_write(path: str | Path, write: Callable[[str], object]) -> Path:
    """Call write(tmp) on a temporary file beside `path`, then move it into place in one step.

    The folder is created when missing; on any error the temporary file goes and `path` is
    left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)  # atomic on POSIX within one file system
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_parquet(df: pd.DataFrame, path: str | Path) -> Path:
    return atomic_write(path, lambda tmp: df.to_parquet(tmp, index=False))


def write_text(text: str, path: str | Path) -> Path:
    return atomic_write(path, lambda tmp: Path(tmp).write_text(text))


def write_bytes(data: bytes, path: str | Path) -> Path:
    return atomic_write(path, lambda tmp: Path(tmp).write_bytes(data))


class UnreadableResults(ConfigError):
    """A result file that is missing, empty or not what bposim wrote: the message names it."""

    def __str__(self) -> str:
        return "; ".join(self.problems)


def read_parquet(path: str | Path, **kwargs) -> pd.DataFrame:
    """A table bposim wrote; UnreadableResults naming the file if it cannot be read."""
    try:
        return pd.read_parquet(path, **kwargs)
    except Exception as err:  # noqa: BLE001 - pyarrow raises many kinds for a damaged file
        raise UnreadableResults([f"{path}: cannot be read as a Parquet table ({_first_line(err)})"]) from None


def read_yaml(path: str | Path) -> Any:
    """A YAML file bposim (or Hydra) wrote, as plain data; UnreadableResults naming the file."""
    try:
        return yaml.safe_load(Path(path).read_text())
    except Exception as err:  # noqa: BLE001 - a YAML error, an unreadable file
        raise UnreadableResults([f"{path}: cannot be read as YAML ({_first_line(err)})"]) from None


def _first_line(err: BaseException) -> str:
    return next((line.strip() for line in str(err).splitlines() if line.strip()), type(err).__name__)
