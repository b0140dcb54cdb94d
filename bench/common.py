"""Shared pieces for the benches: a group in a temp dir, the real server, cheap PTY clients, figures.

Everything is measured from outside the server process: it runs as ``python -m safespace_tui serve``
(``tests/harness.py``'s ServerProcess) and is observed through psutil on its pid; members are real
asyncssh clients with a PTY on 127.0.0.1.

Client cost. The clients run in this process, on the same 2 cores as the server, so every
microsecond they spend is one the server may not get. ``BenchTerminal`` therefore does not feed pyte
as bytes arrive (as the test harness does): its reader only stamps each chunk with
``time.perf_counter()`` and keeps it. ``sync()`` feeds pending chunks to pyte one at a time later
and reports the arrival stamp of the chunk after which a needle first became visible on the pyte
screen. So a figure is "when the bytes that put the text on screen reached the client", decided
by pyte (the honest judge: Textual draws text in pieces with escape codes between), while the pyte
work happens off the measured path. ``watch()`` adds a cheap raw-bytes pre-check used only to know
when to stop waiting; it never decides a figure.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, fields
from pathlib import Path

import asyncssh
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from harness import KEYS, ServerProcess, Terminal  # noqa: E402 - importable only after tests/ joins sys.path above
from safespace_tui.config import Config  # noqa: E402 - the code measured (PYTHONPATH may point elsewhere)

HOST = "127.0.0.1"
# One source address for every client: lift the per-address limits (connections, new connections a second,
# connections waiting to log in) for the bench.
BENCH_CONFIG = (
    "max_connections_per_address = 1000\nmax_sessions = 1000\n"
    "connections_per_second = 1000.0\nconnection_burst = 1000\n"
    "max_unauthenticated = 1000\nmax_unauthenticated_per_address = 1000\n"
)
if "flood_burst" in {f.name for f in fields(Config)}:  # one sender, a message every ~2 s: not a flood here
    BENCH_CONFIG += "flood_burst = 1000\nflood_per_minute = 6000.0\n"


# ---------------------------------------------------------------- the group and the server
@dataclass
class Group:
    tmp: Path
    data_dir: Path
    server: ServerProcess
    handles: list[str]
    keys: list[asyncssh.SSHKey]  # private keys, index-aligned with handles

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def pid(self) -> int:
        return self.server.pid

    def stop(self, keep: bool = False) -> None:
        self.server.stop()
        if not keep:
            shutil.rmtree(self.tmp, ignore_errors=True)


async def _add_members(data_dir: Path, handles: list[str], keys: list[asyncssh.SSHKey], history: int = 0) -> None:
    """Members (and, with ``history``, that many earlier messages in #living-room: a full, scrolling log)."""
    from safespace_tui.config import load_config
    from safespace_tui.hub import Hub
    from safespace_tui.services import Services
    from safespace_tui.ssh.keys import read_public_key
    from safespace_tui.store.db import Store

    config = load_config(data_dir)
    store = Store(config.db_path)
    try:
        services = Services(config, store, Hub())
        await services.channels.ensure_defaults()
        members = [
            await services.members.add(h, read_public_key(k.export_public_key().decode()))
            for h, k in zip(handles, keys, strict=True)
        ]
        living_room = next(c for c in await services.channels.list_for(members[0]) if c.name == "living-room")
        for i in range(history):
            await services.channels.post(members[i % len(members)], living_room.id, f"earlier message {i}")
    finally:
        store.close()


async def start_in_process(members: int, prefix: str, history: int = 0, tag: str = "diag"):
    """For the in-process diagnostics (heap_diag, profile_fanout, memory_diag): a fresh group in a
    temp dir and the real SafeSpaceServer started *in this process*. The dir holds ``data/``,
    ``keys/NNN`` (private keys, for the client child process) and ``port``; returns (server, dir)."""
    from safespace_tui.config import load_config
    from safespace_tui.logs import setup_logging
    from safespace_tui.ssh.server import SafeSpaceServer

    work = Path(tempfile.mkdtemp(prefix=f"safespace-{tag}-"))
    data = work / "data"
    data.mkdir()
    (data / "config.toml").write_text(BENCH_CONFIG)
    keys = [asyncssh.generate_private_key("ssh-ed25519") for _ in range(members)]
    await _add_members(data, [f"{prefix}{i:02d}" for i in range(members)], keys, history)
    (work / "keys").mkdir()
    for i, key in enumerate(keys):
        key.write_private_key(str(work / "keys" / f"{i:03d}"))
    config = load_config(data, host="127.0.0.1", port=0)
    setup_logging(config.log_path)
    server = SafeSpaceServer(config)
    (work / "port").write_text(str(await server.start()))
    return server, work


async def start_client_child(script: str, work: str | Path, *options: str, stdin: bool = False):
    """The in-process diagnostics' clients: ``script --client --dir WORK OPTIONS`` as a child
    process (their CPU and objects are not the server's), its stdout piped (and stdin if asked)."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        script,
        "--client",
        "--dir",
        str(work),
        *options,
        stdout=asyncio.subprocess.PIPE,
        stdin=asyncio.subprocess.PIPE if stdin else None,
    )


def in_process_port_and_keys(work: str | Path) -> tuple[int, list[asyncssh.SSHKey]]:
    """The client child's side of start_in_process: the port and the members' private keys."""
    keys = [asyncssh.read_private_key(str(p)) for p in sorted(Path(work, "keys").iterdir())]
    return int(Path(work, "port").read_text()), keys


async def start_group(members: int, prefix: str = "m", history: int = 0) -> Group:
    """A fresh data dir with ``members`` members (handles m00, m01, …) and the server running."""
    tmp = Path(tempfile.mkdtemp(prefix="safespace-bench-"))
    data_dir = tmp / "data"
    data_dir.mkdir()
    (data_dir / "config.toml").write_text(BENCH_CONFIG)
    handles = [f"{prefix}{i:02d}" for i in range(members)]
    keys = [asyncssh.generate_private_key("ssh-ed25519", comment=h) for h in handles]
    t = time.perf_counter()
    await _add_members(data_dir, handles, keys, history)
    print(f"(added {members} members and {history} messages in-process in {time.perf_counter() - t:.1f} s)")
    server = ServerProcess(data_dir, extra_config=BENCH_CONFIG)
    server.start()  # blocks this loop briefly; nothing else runs yet
    return Group(tmp, data_dir, server, handles, keys)


BOUNDARY_TRIGGERS = (
    "knife", "blood", "belt", "basement", "whiskey", "hospital", "funeral", "yelling", "car crash", "fireworks",
    "cologne", "locked door", "slap", "court", "wedding", "police", "needle", "storm", "dog bite", "choking",
)  # fmt: skip


def seed_boundaries(db_path: Path, handles: list[str]) -> str:
    """Issue 11 in use: each of ``handles`` gets 20 trigger words (none in a bench's tokens, so every
    message is still shown and every reader pays the fold decision) and mutes 3 of the others.
    Written into the file before they connect (a session reads its member's boundaries once)."""
    with sqlite3.connect(db_path) as db:
        ids = dict(db.execute("SELECT handle, id FROM member"))
        members = [ids[h] for h in handles]
        for index, member_id in enumerate(members):
            db.executemany(
                "INSERT INTO trigger_word (member_id, word) VALUES (?, ?)",
                [(member_id, word) for word in BOUNDARY_TRIGGERS],
            )
            muted = [members[(index + k) % len(members)] for k in (1, 2, 3)]
            db.executemany("INSERT INTO mute (member_id, muted_id) VALUES (?, ?)", [(member_id, m) for m in muted])
    return f"boundaries in use: {len(members)} members x {len(BOUNDARY_TRIGGERS)} trigger words and 3 mutes each"


# ---------------------------------------------------------------- observing the server
class Probe:
    """The server process seen through psutil."""

    def __init__(self, pid: int) -> None:
        self.proc = psutil.Process(pid)

    def cpu(self) -> float:
        t = self.proc.cpu_times()
        return t.user + t.system

    def rss_mib(self) -> float:
        return self.proc.memory_info().rss / 2**20

    def uss_mib(self) -> float | None:
        try:
            return self.proc.memory_full_info().uss / 2**20
        except (psutil.AccessDenied, AttributeError):
            return None

    def fds(self) -> int:
        return self.proc.num_fds()

    def threads(self) -> int:
        return self.proc.num_threads()

    def tcp_established(self) -> int:
        return sum(1 for c in self.proc.net_connections("tcp") if c.status == psutil.CONN_ESTABLISHED)

    def io(self) -> tuple[int, int]:
        """(write syscalls, bytes written to storage) by the server so far."""
        c = self.proc.io_counters()
        return c.write_count, c.write_bytes

    def snapshot(self) -> dict:
        return {
            "rss": self.rss_mib(),
            "uss": self.uss_mib(),
            "fds": self.fds(),
            "threads": self.threads(),
            "tcp": self.tcp_established(),
        }

    async def cpu_over(self, seconds: float) -> tuple[float, float]:
        """(server CPU seconds, this bench process's CPU seconds) used over a wall-clock window."""
        me = psutil.Process()
        c0, m0, w0 = self.cpu(), sum(me.cpu_times()[:2]), time.perf_counter()
        await asyncio.sleep(seconds)
        c1, m1, w1 = self.cpu(), sum(me.cpu_times()[:2]), time.perf_counter()
        return (c1 - c0) / (w1 - w0), (m1 - m0) / (w1 - w0)

    async def settle(self, quiet: float = 0.10, window: float = 0.5, limit: float = 15.0) -> float:
        """Wait until the server uses < ``quiet`` of a core over ``window``; returns the wait."""
        start = time.perf_counter()
        while time.perf_counter() - start < limit:
            c0 = self.cpu()
            await asyncio.sleep(window)
            if (self.cpu() - c0) / window < quiet:
                break
        return time.perf_counter() - start


def status_supported() -> bool:
    """Does this checkout's server write a ``status tasks=…`` log line on SIGUSR1?

    Checked in the source first: SIGUSR1 kills a process that has no handler for it.
    """
    import inspect

    from safespace_tui.ssh import server

    source = inspect.getsource(server)
    return "SIGUSR1" in source and "all_tasks" in source


async def server_status(group: Group, timeout: float = 5) -> dict[str, int] | None:
    """The server's own counts (tasks, sessions, connections) via SIGUSR1 and its log, or None."""
    import re
    import signal

    if not status_supported():
        return None
    marker = "safespace.ssh: status "
    before = group.server.log_text().count(marker)
    group.server.proc.send_signal(signal.SIGUSR1)
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        lines = [line for line in group.server.log_text().splitlines() if marker in line]
        if len(lines) > before:
            return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", lines[-1])}
        await asyncio.sleep(0.05)
    return None


def bench_cpu() -> float:
    t = psutil.Process().cpu_times()
    return t.user + t.system


# ---------------------------------------------------------------- a cheap member terminal
class BenchTerminal(Terminal):
    """A harness Terminal whose reader only stamps chunks; pyte is fed lazily by ``sync``."""

    def __init__(self, width: int = 100, height: int = 30) -> None:
        super().__init__(width, height)
        self.pending: list[tuple[float, bytes]] = []
        self.bytes_in = 0
        self.chunks_in = 0
        self.found: dict[str, float] = {}  # needle -> arrival stamp of the chunk that showed it
        self._last_fed = 0.0  # arrival stamp of the newest chunk fed to pyte
        self.raw_watch: dict[bytes, float | None] = {}
        self._tail = b""
        self.t_start = self.t_auth = self.t_open = self.t_first_byte = 0.0

    @classmethod
    async def open(
        cls, port: int, key: asyncssh.SSHKey, *, width: int = 100, height: int = 30, term: str = "xterm-256color"
    ) -> BenchTerminal:
        """Connect (stamps: TCP connect start, auth done, PTY session open); does not wait for a frame."""
        t = cls(width, height)
        t.t_start = time.perf_counter()
        t.conn = await asyncssh.connect(
            HOST,
            port,
            username="member",
            client_keys=[key],
            known_hosts=None,
            agent_path=None,
            preferred_auth="publickey",
        )
        t.t_auth = time.perf_counter()
        t.process = await t.conn.create_process(term_type=term, term_size=(width, height), encoding=None)
        t.t_open = time.perf_counter()
        t._reader = asyncio.create_task(t._read())
        return t

    async def _read(self) -> None:
        try:
            while True:
                data = await self.process.stdout.read(65536)
                if not data:
                    break
                now = time.perf_counter()
                if not self.t_first_byte:
                    self.t_first_byte = now
                self.bytes_in += len(data)
                self.chunks_in += 1
                self.pending.append((now, data))
                if self.raw_watch:
                    window = self._tail + data
                    for token, seen in self.raw_watch.items():
                        if seen is None and token in window:
                            self.raw_watch[token] = now
                    self._tail = data[-64:]
        except (asyncssh.Error, ConnectionError):
            pass
        finally:
            self.closed.set()

    def watch(self, token: str) -> None:
        self.raw_watch[token.encode()] = None

    def raw_seen(self, token: str) -> bool:
        return self.raw_watch.get(token.encode()) is not None

    def unwatch(self, token: str) -> None:
        self.raw_watch.pop(token.encode(), None)

    def sync(self, *needles: str) -> None:
        """Feed pending chunks to pyte; record when each not-yet-found needle first showed."""
        todo = [n for n in needles if n not in self.found]
        if todo and not self.pending:
            # Fed already by an earlier sync that stopped looking once its own needles showed: the
            # needle is on screen, and its chunk arrived no later than the last one fed.
            screen = self.text()
            for needle in [n for n in todo if n in screen]:
                self.found[needle] = self._last_fed
                todo.remove(needle)
        pending, self.pending = self.pending, []
        if pending:
            self._last_fed = pending[-1][0]
        for i, (stamp, data) in enumerate(pending):
            if not todo:
                self.show(b"".join(d for _, d in pending[i:]))
                return
            self.show(data)
            screen = self.text()
            for needle in list(todo):
                if needle in screen:
                    self.found[needle] = stamp
                    todo.remove(needle)

    async def wait_shown(self, needle: str, timeout: float = 30, poll: float = 0.01) -> float:
        """Arrival stamp of the chunk that put ``needle`` on the pyte screen."""
        deadline = time.perf_counter() + timeout
        while True:
            self.sync(needle)
            if needle not in self.found and needle in self.text():
                # already fed in bulk by a sync for other needles (a page title that came in the same
                # chunks as "#living-room"): shown, stamped now (never the case for a bench's tokens)
                self.found[needle] = time.perf_counter()
            if needle in self.found:
                return self.found[needle]
            if self.closed.is_set():
                raise RuntimeError(f"session closed before {needle!r} showed:\n{self.text()}")
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{needle!r} did not show within {timeout} s:\n{self.text()}")
            await asyncio.sleep(poll)

    async def first_frame(self, needle: str = "Channels", loaded: str = "#living-room") -> tuple[float, float]:
        """(ms from TCP connect start until ``needle`` is on screen, ms until ``loaded`` is)."""
        a = await self.wait_shown(needle)
        b = await self.wait_shown(loaded)
        return (a - self.t_start) * 1000, (b - self.t_start) * 1000


async def connect(port: int, key: asyncssh.SSHKey, **kw) -> tuple[BenchTerminal, float, float]:
    t = await BenchTerminal.open(port, key, **kw)
    first, loaded = await t.first_frame()
    return t, first, loaded


async def connect_one_by_one(port: int, keys: list[asyncssh.SSHKey], spacing: float = 0.0) -> list[BenchTerminal]:
    """Each key's member connects after the one before has its first frame, ``spacing`` seconds apart."""
    terminals = []
    for key in keys:
        terminal, _, _ = await connect(port, key)
        terminals.append(terminal)
        if spacing:
            await asyncio.sleep(spacing)
    return terminals


async def close_all(terminals: list[Terminal]) -> None:
    await asyncio.gather(*(t.close() for t in terminals), return_exceptions=True)


# ---------------------------------------------------------------- figures
def pct(values: list[float], p: float) -> float:
    """Percentile by linear interpolation between closest ranks (p in 0..100)."""
    if not values:
        return float("nan")
    s = sorted(values)
    if len(s) == 1:
        return s[0]
    k = (len(s) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def dist(values: list[float], unit: str = "ms") -> str:
    if not values:
        return "n/a"
    return (
        f"p50 {pct(values, 50):7.1f} {unit}  p90 {pct(values, 90):7.1f}  p99 {pct(values, 99):7.1f}  "
        f"max {max(values):7.1f}  min {min(values):6.1f}  mean {statistics.fmean(values):7.1f}  (n={len(values)})"
    )


def verdict(ok: bool) -> str:
    return "meets target" if ok else "MISSES target"


def machine() -> str:
    load = os.getloadavg()
    import textual

    return (
        f"{_dt.datetime.now().isoformat(timespec='seconds')}  {platform.node()}  {psutil.cpu_count()} cores  "
        f"load {load[0]:.2f}/{load[1]:.2f}/{load[2]:.2f}  Python {platform.python_version()}  "
        f"textual {textual.__version__}  asyncssh {asyncssh.__version__}"
    )


def others_cpu() -> str:
    """How busy the rest of the (shared) machine is right now, over 1 s."""
    total0 = psutil.cpu_times()
    time.sleep(1.0)
    total1 = psutil.cpu_times()
    busy = (total1.user + total1.system + total1.nice) - (total0.user + total0.system + total0.nice)
    return f"machine busy {busy * 100:.0f}% of one core over 1 s (all processes, {psutil.cpu_count()} cores)"


def code_version() -> str:
    """Which server code is measured: the package's location and, in a git checkout, its commit."""
    import subprocess

    import safespace_tui

    where = Path(safespace_tui.__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(where), "log", "-1", "--format=%h %cI"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(where), "status", "--porcelain", "--", "safespace_tui"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit, dirty = "", ""
    if not commit:
        return f"server code: {where} (not a git checkout)"
    return f"server code: {where} at {commit}" + (" + uncommitted changes in safespace_tui/" if dirty else "")


def header(title: str) -> None:
    print("=" * 100)
    print(title)
    print(machine())
    print(code_version())
    print("=" * 100)


def focus_out(t: Terminal) -> None:
    t.send("\x1b[O")  # the member's terminal window lost focus (focus reporting is on)


def focus_in(t: Terminal) -> None:
    t.send("\x1b[I")


__all__ = [
    "KEYS",
    "BenchTerminal",
    "Group",
    "Probe",
    "bench_cpu",
    "close_all",
    "connect",
    "dist",
    "focus_in",
    "focus_out",
    "header",
    "machine",
    "others_cpu",
    "pct",
    "server_status",
    "start_group",
    "status_supported",
    "verdict",
]
