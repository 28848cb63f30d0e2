"""What every `traineeflow` command shares: options, consoles, one-line errors, progress, stores.

Nothing here imports the heavy libraries (pandas, SQLAlchemy, Dask, matplotlib, SALib): each
command imports what it needs when it runs, so `traineeflow --help` starts at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from sim.inputs import InputError

if TYPE_CHECKING:
    from results.store import ResultStore
    from sim.scenario import Scenario
    from sim.world import World

err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)


def fail(message: str, code: int = 2) -> None:
    """Print one clear error and exit (code 2: bad input)."""
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn bad input (any InputError) into one clear message and exit code 2."""
    try:
        yield
    except InputError as exc:
        fail(str(exc))


def escape(text: str) -> str:
    """Text shown literally by rich (a path or key may hold '[')."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


@contextmanager
def progress_bar(total: int, label: str, enabled: bool) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr (runs done / total, time left); a no-op when disabled."""
    if not enabled:
        yield lambda _n: None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)


def open_store(db: str | None, out_dir: Path) -> ResultStore:
    """The results store: a URL, or the SQLite file in the output folder."""
    from results.store import ResultStore

    if db is not None:
        return ResultStore(url=db)
    return ResultStore(path=out_dir / "results.sqlite")


def check_db(db: str | None) -> None:
    """A database URL that parses, names a supported backend and can be written (if SQLite)."""
    if db is not None:
        from results.store import check_url

        check_url(db)


ScenarioOpt = Annotated[
    str, typer.Option("--scenario", "-s", help="Bundled scenario name or path to a TOML file.")
]
YearsOpt = Annotated[int, typer.Option(help="Years to simulate from the base year (August 2023).")]
SeedOpt = Annotated[int, typer.Option(help="Master seed; replicates derive their seeds from it.")]
RepOpt = Annotated[int, typer.Option(help="Replicates (seeds) per scenario.")]
DbOpt = Annotated[
    str | None, typer.Option(help="Results database URL (default: SQLite file in --out).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]
DataOpt = Annotated[Path | None, typer.Option(help="Your own data directory (same schema).")]


def load_inputs(data: Path | None, scenario: str) -> tuple[World, Scenario]:
    """Validated world and scenario (raise before anything is written)."""
    from sim.scenario import load_scenario
    from sim.world import World

    load_scenario(scenario)  # the file's own structure first: quick, and needs no data
    world = World.load(data)
    return world, load_scenario(scenario, world)


def print_json(obj: object) -> None:
    """One JSON object on stdout: NaN as null, anything else not JSON-native as text."""
    import json

    from results.analysis import nan_to_none

    print(json.dumps(nan_to_none(obj), allow_nan=False, default=str))
