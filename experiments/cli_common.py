"""What every `traineeflow` command shares: options, consoles, one-line errors, progress, stores.

Nothing here imports the heavy libraries (pandas, SQLAlchemy, Dask, matplotlib, SALib): each
command imports what it needs when it runs, so `traineeflow --help` starts at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from sim.inputs import InputError

if TYPE_CHECKING:
    from experiments.sweep import Executor
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
ParamsOpt = Annotated[
    Path | None,
    typer.Option(
        "--params",
        help="Parameter file (TOML [world] values, e.g. from `calibrate --out`): the world "
        "defaults under every scenario.",
    ),
]
ExecutorOpt = Annotated[
    str, typer.Option(help="local: a process pool on this machine; dask: a Dask cluster.")
]
SchedulerOpt = Annotated[
    str | None, typer.Option(help="Dask scheduler address (tcp://host:8786); default: local.")
]
WorkersOpt = Annotated[int | None, typer.Option(help="Worker processes (default: CPUs).")]
MAX_WORKERS = 4_096  # worker processes one driver may ask for (a large cluster)


def load_params_file(params: Path | None) -> dict[str, object] | None:
    """The world values of a parameter file (None without one); ParamsError if it is bad."""
    if params is None:
        return None
    from sim.paramfile import load_params

    return load_params(params)


def load_inputs(
    data: Path | None, scenario: str, params: Path | None = None
) -> tuple[World, Scenario]:
    """Validated world and scenario, with a parameter file's defaults (raise before writing)."""
    from sim.scenario import load_scenario
    from sim.world import World

    values = load_params_file(params)
    load_scenario(scenario, None, values)  # the file's own structure first: quick, no data
    world = World.load(data)
    return world, load_scenario(scenario, world, values)


def check_executor(executor: str, scheduler: str | None, workers: int | None) -> None:
    """--executor, --scheduler (an address that answers) and --workers that go together."""
    from experiments.write_targets import check_scheduler
    from sim.inputs import check_int

    if executor not in ("local", "dask"):
        raise InputError(f"--executor must be 'local' or 'dask' (got {executor!r})")
    if scheduler is not None and executor != "dask":
        raise InputError("--scheduler needs --executor dask")
    if workers is not None:
        check_int("--workers", workers, 1, MAX_WORKERS)
    if scheduler is not None:
        check_scheduler(scheduler)


def make_executor(
    kind: str, scheduler: str | None, workers: int | None, data: Path | None
) -> Executor:
    """The executor named on the command line (not yet started)."""
    from experiments.sweep import DaskExecutor, LocalExecutor

    if kind == "local":
        return LocalExecutor(workers, data)
    return DaskExecutor(scheduler, workers)


def start_executor(stack: ExitStack, ex: Executor, kind: str) -> Executor:
    """Enter the executor on `stack`; a failure to start is bad input (exit 2)."""
    with user_errors():
        try:
            return stack.enter_context(ex)  # type: ignore[arg-type]
        except OSError as exc:  # e.g. the Dask scheduler went away
            raise InputError(f"cannot start the {kind} executor: {exc}") from None


@contextmanager
def lazy_executor(
    kind: str, scheduler: str | None, workers: int | None, data: Path | None
) -> Iterator[Callable[[], Executor]]:
    """A function that starts the executor on first use (never, if every run is stored)."""
    with ExitStack() as stack:
        started: list[Executor] = []

        def get() -> Executor:
            if not started:
                ex = make_executor(kind, scheduler, workers, data)
                started.append(start_executor(stack, ex, kind))
            return started[0]

        yield get


def print_json(obj: object) -> None:
    """One JSON object on stdout: NaN as null, anything else not JSON-native as text."""
    import json

    from results.analysis import nan_to_none

    print(json.dumps(nan_to_none(obj), allow_nan=False, default=str))
