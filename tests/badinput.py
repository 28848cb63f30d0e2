"""Checks for bad-input tests: exit code 2, one clear error, no traceback, nothing written."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from typer.testing import CliRunner

from experiments.cli import app

TRAINEEFLOW = str(Path(sys.executable).with_name("traineeflow"))
runner = CliRunner()


def snapshot(*roots: Path) -> dict[str, tuple[int, int]]:
    """Every file under `roots` with its size and modification time (folders too)."""
    seen: dict[str, tuple[int, int]] = {}
    for root in roots:
        if not root.exists():
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            for name in [*dirnames, *filenames]:
                path = Path(dirpath) / name
                try:
                    info = path.lstat()
                except OSError:
                    continue
                seen[str(path)] = (info.st_size, info.st_mtime_ns)
    return seen


def one_error(stderr: str, stdout: str) -> str:
    """The single error line (words joined, as the console may wrap); asserts there is one."""
    assert "Traceback" not in stderr and "Traceback" not in stdout, stderr
    assert stdout == "", stdout
    lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, stderr
    return " ".join(stderr.split())


def refused(args: Sequence[str], watch: Sequence[Path], words: Sequence[str] = ()) -> str:
    """Run the CLI in-process: exit 2, one error holding `words`, nothing new under `watch`."""
    before = snapshot(*watch)
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code == 2, (result.exit_code, result.output)
    message = one_error(result.stderr, result.stdout)
    for word in words:
        assert word in message, (word, message)
    assert snapshot(*watch) == before, "something was written"
    return message


def refused_in_process(
    args: Sequence[str], watch: Sequence[Path], words: Sequence[str] = (), timeout: float = 120
) -> str:
    """As `refused`, but as a real `traineeflow` process."""
    before = snapshot(*watch)
    proc = subprocess.run(
        [TRAINEEFLOW, *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    message = one_error(proc.stderr, proc.stdout)
    for word in words:
        assert word in message, (word, message)
    assert snapshot(*watch) == before, "something was written"
    return message


@contextmanager
def unwritable(folder: Path) -> Iterator[Path]:
    """`folder` made unwritable even for root (immutable flag), else by its mode bits."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(folder)], check=True)
        try:
            yield folder
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        return
    mode = folder.stat().st_mode
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        yield folder
    finally:
        folder.chmod(mode)
