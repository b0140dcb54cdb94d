"""Shared fixtures: a group with keys, and a running server on loopback with a real SQLite file.

Every end-to-end module gets its server from ``running_group`` here (one way to make one): the
data dir is under pytest's tmp dir (per xdist worker) and the port is the OS's choice (port 0),
so modules and workers never collide.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness import ServerProcess, add_members_direct, close_forker, make_key, safespace_here

THREE = {"ann": "member", "bea": "member", "sam": "senior"}


# The longest modules, longest first: xdist (--dist loadfile) hands out whole modules in this order,
# so a long one starts early instead of running alone at the end. Measured: one full run, -n 4 on
# 2 busy cores, seconds per module summed over its tests; every other module follows in its usual
# order. Before, xdist's own order (most tests first) started test_lifecycle.py (3 tests, 59 s)
# among the last, and it ran on alone for ~50 s. A stale list costs only time, never a result.
LONGEST_FIRST = (
    "test_lifecycle.py",  # 59
    "test_operations.py",  # 58
    "test_day_tui.py",  # 56
    "test_ssh_chat.py",  # 53
    "test_crisis_holes_e2e.py",  # 43
    "test_everyday.py",  # 38
    "test_everyday_e2e.py",  # 36
    "test_main_screen.py",  # 35
    "test_ssh_front_door.py",  # 34
    "test_boundaries_e2e.py",  # 32
    "test_joining_e2e.py",  # 32
    "test_day_e2e.py",  # 28
    "test_cli.py",  # 26
    "test_coming_and_going_e2e.py",  # 22
    "test_line_mode.py",  # 22
    "test_ssh_driver.py",  # 21
    "test_store_busy.py",  # 20
    "test_mediation_e2e.py",  # 18
    "test_own_words_e2e.py",  # 18
    "test_moderation_e2e.py",  # 14 (one story alone was 20 s in another run)
)


def pytest_configure(config) -> None:
    """xdist sorts modules by their number of tests unless told not to; keep ours (below).

    And the package is compiled once, before any worker, server or CLI process starts. Where
    ``PYTHONDONTWRITEBYTECODE`` is set (this machine sets it), every one of them compiled it from
    source again; the variable stops writing compiled files, not reading them. Measured: importing
    the whole package 1.16 -> 0.82 s of CPU, a CLI call 0.43 -> 0.31 s.
    """
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False
    if not hasattr(config, "workerinput"):  # the controller (or a run without workers)
        import compileall

        import safespace_tui

        compileall.compile_dir(Path(safespace_tui.__file__).parent, quiet=1)


def pytest_collection_modifyitems(config, items) -> None:
    """The modules of LONGEST_FIRST first, in its order; a module's own tests keep their order."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def pytest_unconfigure(config) -> None:
    """The servers' forker (harness.ServerProcess) ends with the session; waiting for it counts its
    servers' CPU in this process's children, as when each server was a child of its own."""
    close_forker()


@dataclass
class Group:
    """A data dir with members (name -> private key path) and a running server."""

    data_dir: Path
    keys: dict[str, Path]
    server: ServerProcess
    stranger: Path | None = None  # a key pair that is never registered
    unknown: list[Path] = field(default_factory=list)  # more of those, where a test needs several

    @property
    def port(self) -> int:
        return self.server.port

    def add(self, name: str, role: str = "member") -> Path:
        """Add a member through the real CLI, as an admin would (the server may be running)."""
        key = make_key(self.data_dir.parent, name)
        safespace_here(self.data_dir, "member", "add", name, "--key", str(key.with_suffix(".pub")), "--role", role)
        self.keys[name] = key
        return key

    def cli(self, *args: str, check: bool = True):
        """The real CLI's entry point, run in this process (harness.safespace_here says why)."""
        return safespace_here(self.data_dir, *args, check=check)


FLOOD_LIFTED = "flood_burst = 100000\nflood_per_minute = 100000.0\n"


def start_group(
    base: Path,
    members: dict[str, str],
    extra_config: str = "",
    prepare: Callable[[Group], None] | None = None,
) -> Group:
    """``safespace init`` in ``base/data``, the members added (name -> role; in this process, the
    code ``member add`` runs, without a Python start-up each), ``prepare`` run on the data dir
    before the server starts (channels, seeded rows), then the server started."""
    data_dir = base / "data"
    group = Group(data_dir, {}, ServerProcess(data_dir, extra_config=extra_config, forked=True))
    safespace_here(data_dir, "init")
    group.keys.update(add_members_direct(data_dir, members))
    if prepare is not None:
        prepare(group)
    if "flood_" not in extra_config and not (data_dir / "config.toml").exists():
        # Stories share one group per module and type many lines as one member; flood control
        # (12 at once, then 30 a minute) would hold some back, more or fewer with the machine's
        # speed. Its own tests set it (test_boundaries_e2e); a test that writes its own
        # config.toml keeps it as written. Top-level keys first, before any [table] of the test's.
        group.server.extra_config = FLOOD_LIFTED + extra_config
    group.server.start()
    return group


@contextmanager
def running_group(base: Path, members: dict[str, str], extra_config: str = "", prepare=None) -> Iterator[Group]:
    """``start_group``, and the server stopped afterwards whatever happened."""
    group = start_group(base, members, extra_config, prepare)
    try:
        yield group
    finally:
        group.server.stop()


@pytest.fixture
def group(tmp_path: Path) -> Iterator[Group]:
    """A running server of its own for one test: ann (member), bea (member) and sam (senior)."""
    with running_group(tmp_path, THREE) as g:
        yield g


@pytest.fixture
def groups(tmp_path: Path) -> Iterator[Callable[..., Group]]:
    """Start groups on demand (members, extra config); every server started is stopped at the end."""
    started: list[Group] = []

    def start(members: dict[str, str], extra_config: str = "") -> Group:
        started.append(start_group(tmp_path / f"g{len(started)}", members, extra_config))
        return started[-1]

    yield start
    for g in started:
        g.server.stop()
