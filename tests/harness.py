"""Real parts for end-to-end tests: the server as a subprocess, members as SSH clients with a PTY.

The screen a member would see is rebuilt with ``pyte`` (a VT100 emulator) from the exact bytes the
server sent, so assertions read what a person would read.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh
import pyte
from pyte.charsets import LAT1_MAP
from pyte.modes import IRM
from pyte.screens import Char
from wcwidth import wcwidth

# What an xterm sends for each key: the one table every test types from.
KEYS = {
    "enter": "\r",
    "tab": "\t",
    "shift+tab": "\x1b[Z",
    "escape": "\x1b",
    "backspace": "\x7f",
    "up": "\x1b[A",
    "down": "\x1b[B",
    "right": "\x1b[C",
    "left": "\x1b[D",
    "pageup": "\x1b[5~",
    "pagedown": "\x1b[6~",
    "f1": "\x1bOP",
    "f2": "\x1bOQ",
    "f3": "\x1bOR",
    "f4": "\x1bOS",
    "f5": "\x1b[15~",
    "f6": "\x1b[17~",
    "f7": "\x1b[18~",
    "f8": "\x1b[19~",
    "f9": "\x1b[20~",
    "f10": "\x1b[21~",
    "f11": "\x1b[23~",
    "f12": "\x1b[24~",
    **{f"ctrl+{c}": chr(ord(c) - 96) for c in "abcdefghijklnopqrstuvwxyz"},
}
PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"


async def wait_until(
    condition: Callable[[], object] | Callable[[], Awaitable[object]],
    timeout: float = 15,
    what: str | Callable[[], str] = "the condition never held",
    interval: float = 0.03,
):
    """Poll ``condition`` (plain or async) until it returns something true, and return that.

    The one way tests wait: for a condition, never for a time. ``what`` says what was awaited in
    the failure (a callable is read only then, e.g. to show the screen as it was at the end).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(what() if callable(what) else what)
        await asyncio.sleep(interval)


def safespace(data_dir: Path, *args: str, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess:
    """Run the real ``safespace`` CLI against ``data_dir``."""
    result = subprocess.run(
        [sys.executable, "-m", "safespace_tui", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        input=input,
        timeout=60,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"safespace {' '.join(args)} failed: {result.stderr}")
    return result


def safespace_here(data_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """The real ``safespace`` CLI against ``data_dir``, run in this process: the same entry point
    (``cli.main``, its argument parsing, umask and error words), with stdin closed (a question gets
    no answer, as from a script) and stdout/stderr captured. A Python start-up is ~0.45 s of CPU;
    the stories call the CLI ~200 times, so this is a fifth of the suite's CPU on 2 cores. Tests of
    the process itself (exit codes from a shell, umask, a second process holding the lock) use
    ``safespace``. On a thread of its own: the CLI runs its own event loop."""
    from safespace_tui import cli

    argv = [*args, "--data-dir", str(data_dir)]
    out, err = io.StringIO(), io.StringIO()

    def run() -> int:
        stdin = sys.stdin
        sys.stdin = io.StringIO("")
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    return cli.main(argv)
                except SystemExit as exit_:  # argparse's own refusals
                    return exit_.code if isinstance(exit_.code, int) else 1
        finally:
            sys.stdin = stdin

    code = in_own_thread(run)
    result = subprocess.CompletedProcess(["safespace", *argv], code, out.getvalue(), err.getvalue())
    if check and code != 0:
        raise AssertionError(f"safespace {' '.join(args)} failed: {result.stderr}")
    return result


def fingerprint(key_path: Path) -> str:
    """SHA256 fingerprint of the key pair at ``key_path`` (private key path; the .pub beside it is read)."""
    return asyncssh.read_public_key(str(key_path.with_suffix(".pub"))).get_fingerprint("sha256")


async def ssh_connect(
    port: int, key_path: Path | list[Path] | None, *, username: str = "member", **options
) -> asyncssh.SSHClientConnection:
    """A plain asyncssh connection (no session yet) with ``key_path`` as the only identity."""
    keys = [] if key_path is None else [str(k) for k in (key_path if isinstance(key_path, list) else [key_path])]
    options.setdefault("preferred_auth", "publickey")
    options.setdefault("agent_path", None)
    return await asyncssh.connect("127.0.0.1", port, username=username, client_keys=keys, known_hosts=None, **options)


def openssh_args(port: int, key_path: Path | None, *extra: str, tool: str = "ssh") -> list[str]:
    """Command line for the real OpenSSH client (``ssh``/``scp``/``sftp``), ignoring the user's own config."""
    port_flag = "-p" if tool == "ssh" else "-P"
    args = [
        tool,
        "-F",
        "/dev/null",
        port_flag,
        str(port),
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "IdentityAgent=none",
        "-o",
        "ConnectTimeout=10",
        "-o",
        "LogLevel=ERROR",
    ]
    if key_path is not None:
        args += ["-i", str(key_path)]
    return args + list(extra)


def make_key(directory: Path, name: str) -> Path:
    """An ed25519 key pair on disk; returns the private key path (public is ``.pub`` beside it)."""
    key = asyncssh.generate_private_key("ssh-ed25519", comment=name)
    path = directory / f"{name}_ed25519"
    path.write_bytes(key.export_private_key())
    path.chmod(0o600)
    path.with_suffix(".pub").write_bytes(key.export_public_key())
    return path


def add_members_direct(data_dir: Path, members: dict[str, str]) -> dict[str, Path]:
    """Make a key pair for each member and add them through MemberService in this process (the
    code ``safespace member add`` runs, without a Python start-up per member). Server not running."""
    from safespace_tui.config import load_config
    from safespace_tui.hub import Hub
    from safespace_tui.services import Services
    from safespace_tui.ssh.keys import read_public_key
    from safespace_tui.store.db import Store

    keys = {name: make_key(data_dir.parent, name) for name in members}
    config = load_config(data_dir)
    store = Store(config.db_path)
    try:
        services = Services(config, store, Hub())

        async def add_all() -> None:
            for name, role in members.items():
                await services.members.add(name, read_public_key(keys[name].with_suffix(".pub").read_text()), role=role)

        run_in_own_loop(add_all())
    finally:
        store.close()
    return keys


def in_own_thread(fn, *args):
    """``fn(*args)`` on a thread of its own, waited for: also from inside an async test, whose
    loop is running (``asyncio.run`` refuses to start a loop there)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args).result()


def run_in_own_loop(coroutine):
    """Run a coroutine to completion from sync code, with its own event loop on its own thread."""
    return in_own_thread(asyncio.run, coroutine)


class _Forked:
    """The part of ``subprocess.Popen`` the tests use, for a server forked by tests/serve_forker.py
    (its parent is the forker, which reports its exit)."""

    def __init__(self, forker: _Forker, pid: int, stdout) -> None:
        self._forker, self.pid, self.stdout = forker, pid, stdout
        self.args = ["safespace", "serve"]
        self.returncode: int | None = None

    def poll(self) -> int | None:
        self.returncode = self._forker.exits.get(self.pid)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        with self._forker.changed:
            if not self._forker.changed.wait_for(lambda: self.pid in self._forker.exits, timeout):
                raise subprocess.TimeoutExpired(self.args, timeout or 0)
        return self.poll()  # type: ignore[return-value]

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:  # as Popen: never a pid that may be someone else's by now
            with contextlib.suppress(ProcessLookupError):  # it ended; the forker's word is on its way
                os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class _Forker:
    """tests/serve_forker.py for this test process: a ``safespace serve`` per request, forked from
    a Python whose imports are done (a server start: ~0.9 s of CPU fresh, ~0.2 s forked)."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        script = Path(__file__).with_name("serve_forker.py")
        self.proc = subprocess.Popen(
            [sys.executable, str(script), str(theirs.fileno())], pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL
        )
        theirs.close()
        self.channel = ours
        self.exits: dict[int, int] = {}
        self.changed = threading.Condition()
        self.started: queue.Queue[int] = queue.Queue()
        self.lock = threading.Lock()
        threading.Thread(target=self._listen, daemon=True).start()

    def close(self) -> None:
        """Closing our end ends the forker (and kills any server left); waiting for it lets its
        children's CPU count in this process's, as a Popen'd server's did."""
        with contextlib.suppress(OSError):
            self.channel.shutdown(socket.SHUT_RDWR)  # wakes our listener's recv; close alone would not
        self.channel.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)

    def start(self, argv: list[str]) -> _Forked:
        """``safespace ARGV`` as a forked child, with this process's environment, directory and umask."""
        umask = os.umask(0o077)
        os.umask(umask)
        request = {"argv": argv, "env": dict(os.environ, PYTHONUNBUFFERED="1"), "cwd": os.getcwd(), "umask": umask}
        read_end, write_end = os.pipe()
        try:
            with self.lock:
                socket.send_fds(self.channel, [json.dumps(request).encode()], [write_end])
                pid = self.started.get(timeout=30)
        finally:
            os.close(write_end)
        return _Forked(self, pid, open(read_end, encoding="utf-8", errors="replace"))

    def _listen(self) -> None:
        while message := self.channel.recv(4096).decode():
            what, pid, *code = message.split()
            if what == "started":
                self.started.put(int(pid))
            else:
                with self.changed:
                    self.exits[int(pid)] = int(code[0])
                    self.changed.notify_all()


_FORKER: _Forker | None = None


def _forker() -> _Forker:
    global _FORKER
    if _FORKER is None or _FORKER.proc.poll() is not None:
        _FORKER = _Forker()
    return _FORKER


def close_forker() -> None:
    """At the end of the session (tests/conftest.py): the forker ends, and is waited for."""
    if _FORKER is not None:
        _FORKER.close()


@dataclass
class ServerProcess:
    """``safespace serve`` in a subprocess on 127.0.0.1 and an OS-chosen port.

    ``forked``: from tests/serve_forker.py, imports done (the test groups of tests/conftest.py);
    otherwise a fresh ``python -m safespace_tui serve`` (bench/ measures those)."""

    data_dir: Path
    extra_config: str = ""
    proc: subprocess.Popen | _Forked | None = None
    port: int = 0
    output: list[str] = field(default_factory=list)
    forked: bool = False

    def start(self, timeout: float = 30) -> int:
        """Start the server and return its port (the OS chose it: port 0, safe for parallel runs).

        Its output is read by a thread from the first line, so the deadline holds even for a
        server that prints nothing; a server that exits, or is not listening in time, is killed
        and its output is in the failure."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.extra_config:
            (self.data_dir / "config.toml").write_text(self.extra_config)
        if self.forked and type(self).command is ServerProcess.command:
            self.proc = _forker().start(self.command()[3:])
        else:
            self.proc = subprocess.Popen(
                self.command(),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                env=dict(os.environ, PYTHONUNBUFFERED="1"),
            )
        self.port = 0  # a restart listens on a new port
        # This run's own event: the reader of the run before (killed with kill9) may still be
        # reading its last lines, and its "output ended" once set the new run's event (CI, a
        # restart after kill9 failed as "exited early" while the new server was starting).
        listening = threading.Event()
        threading.Thread(target=self._drain, args=(self.proc, listening), daemon=True).start()
        listening.wait(timeout)
        if not self.port:
            exited = listening.is_set()  # set without a port: the output ended
            self._kill()
            state = "exited early" if exited else f"was not listening after {timeout} s"
            raise AssertionError(f"server {state}:\n" + "".join(self.output))
        return self.port

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "safespace_tui",
            "serve",
            "--data-dir",
            str(self.data_dir),
            "--host",
            "127.0.0.1",
            "--port",
            "0",
        ]

    def _drain(self, proc, listening: threading.Event) -> None:
        """Keep reading one run's output (so the pipe never fills); note the port when it listens."""
        assert proc.stdout is not None
        for line in proc.stdout:
            self.output.append(line)
            match = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
            if match and proc is self.proc and not self.port:
                self.port = int(match.group(1))
                listening.set()
        listening.set()  # the output ended: the server has exited

    def _kill(self) -> None:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self._kill()
        return self.proc.returncode

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def status(self, timeout: float = 15, *, collect: bool = False) -> dict[str, int]:
        """Ask the server for its counts (SIGUSR1 -> a ``status tasks=… sessions=…`` log line);
        ``collect``: after a full collection, with ``objects`` (SIGUSR2, for leak tests)."""
        assert self.proc is not None
        before = len(self._status_lines())
        self.proc.send_signal(signal.SIGUSR2 if collect else signal.SIGUSR1)

        def new_line() -> str | None:
            lines = self._status_lines()
            return lines[-1] if len(lines) > before else None

        line = await wait_until(new_line, timeout, "the server wrote no status line after SIGUSR1", 0.02)
        return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}

    def _status_lines(self) -> list[str]:
        return [line for line in self.log_text().splitlines() if "safespace.ssh: status " in line]

    async def wait_status(self, timeout: float = 20, **expected: int) -> dict[str, int]:
        """Poll ``status()`` until every ``expected`` count holds; return the last status."""
        last: dict[str, int] = {}

        async def reached() -> bool:
            last.update(await self.status())
            return all(last.get(k) == v for k, v in expected.items())

        await wait_until(reached, timeout, lambda: f"server status {last} never reached {expected}", 0.1)
        return last

    def log_text(self) -> str:
        path = self.data_dir / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _row_text(screen: pyte.Screen, y: int) -> str:
    """Row ``y`` as ``screen.display`` gives it: the cell after a wide character is skipped.
    An ASCII row has no wide character, so it needs no wcwidth call."""
    line = screen.buffer[y]
    cells = [line[x].data for x in range(screen.columns)]
    text = "".join(cells)
    if text.isascii():
        return text
    kept, after_wide = [], False
    for cell in cells:
        if after_wide:
            after_wide = False
            continue
        kept.append(cell)
        after_wide = bool(cell) and _is_wide(cell[0])
    return "".join(kept)


@functools.cache
def _is_wide(char: str) -> bool:
    return wcwidth(char) == 2


class _Stream(pyte.ByteStream):
    """pyte's byte stream, with the common control sequence (``ESC [ ? params final``) read by
    one regular expression instead of pyte's parser, which takes a character at a time: Textual
    sends one before nearly every run of text (colours, cursor moves), and pyte's parser was a
    third of the test process's busy CPU in test_day_e2e and test_boundaries_e2e. The screen is
    called exactly as pyte's parser calls it (the same parameters, ``private=True`` after ``?``,
    ``debug`` for a sequence it does not know); anything else, or a sequence cut between two
    chunks, goes through pyte's parser. pyte is pinned in pyproject.toml for this."""

    _CSI = re.compile(r"\x1b\[(\?)?([0-9;]*)([\x40-\x7e])")

    def attach(self, screen: pyte.Screen) -> None:
        super().attach(screen)
        self._csi_calls = {final: getattr(screen, name) for final, name in self.csi.items()}

    def feed(self, data: bytes) -> None:  # type: ignore[override]
        self._feed_text(self.utf8_decoder.decode(data) if self.use_utf8 else "".join(map(chr, data)))

    def _feed_text(self, data: str) -> None:
        """``pyte.Stream.feed`` with the fast path for control sequences."""
        screen = self.listener
        send, draw, debug = self._send_to_parser, screen.draw, screen.debug
        match_text, match_csi, calls = self._text_pattern.match, self._CSI.match, self._csi_calls
        plain, offset, length = self._taking_plain_text, 0, len(data)
        while offset < length:
            if plain:
                if match := match_text(data, offset):
                    start, offset = match.span()
                    draw(data[start:offset])
                    continue
                if match := match_csi(data, offset):
                    offset = match.end()
                    private, params, final = match.groups()
                    args = [min(int(param or 0), 9999) for param in params.split(";")]
                    call = calls.get(final, debug)
                    call(*args, private=True) if private else call(*args)
                    continue
            plain = send(data[offset])
            offset += 1
        self._taking_plain_text = plain


class _Screen(pyte.Screen):
    bells = 0

    def bell(self, *args) -> None:
        self.bells += 1

    def draw(self, data: str) -> None:
        """pyte's. Printable ASCII that fits on the row is written in one loop (pyte asks wcwidth
        and copies the cursor's attributes with ``_replace`` for each character: 13% of the test
        process's busy CPU). A combining character at the start of a row is joined to the last
        cell of the row above, which pyte does not mark dirty: text with one marks every row."""
        cursor = self.cursor
        start = cursor.x
        if (
            start + len(data) <= self.columns
            and data.isascii()
            and data.isprintable()
            and not self.charset
            and self.g0_charset is LAT1_MAP
            and IRM not in self.mode
        ):
            line, attributes = self.buffer[cursor.y], tuple(cursor.attrs)[1:]
            for x, char in enumerate(data, start):
                line[x] = tuple.__new__(Char, (char, *attributes))
            cursor.x = start + len(data)
            self.dirty.add(cursor.y)
            return
        super().draw(data)
        if not data.isascii() and any(map(unicodedata.combining, data)):
            self.dirty.update(range(self.lines))


class Terminal:
    """One member's ssh session with a PTY, and the screen they see."""

    def __init__(self, width: int = 100, height: int = 30) -> None:
        self.width, self.height = width, height
        self.screen = _Screen(width, height)
        self.stream = _Stream(self.screen)
        self.raw = bytearray()
        self.conn: asyncssh.SSHClientConnection | None = None
        self.process = None
        self._reader: asyncio.Task | None = None
        self.closed = asyncio.Event()
        self._text: str | None = None  # text() as of the last bytes fed (None: to be rebuilt)
        self._rows: list[str] = []  # rows(): each made again when pyte marks it dirty

    @classmethod
    async def connect(
        cls,
        port: int,
        key_path: Path,
        *,
        width: int = 100,
        height: int = 30,
        term: str = "xterm-256color",
        env: dict[str, str] | None = None,
        username: str = "member",
        wait_for: str | None = "Channels",
    ) -> Terminal:
        terminal = cls(width, height)
        terminal.conn = await asyncssh.connect(
            "127.0.0.1",
            port,
            username=username,
            client_keys=[str(key_path)],
            known_hosts=None,
            agent_path=None,
            preferred_auth="publickey",
        )
        terminal.process = await terminal.conn.create_process(
            term_type=term, term_size=(width, height), encoding=None, env=env or {}
        )
        terminal._reader = asyncio.create_task(terminal._read())
        if wait_for:
            await terminal.wait_for(wait_for)
        return terminal

    async def _read(self) -> None:
        try:
            while True:
                data = await self.process.stdout.read(65536)
                if not data:
                    break
                self.raw.extend(data)
                self.show(data)
        except (asyncssh.Error, ConnectionError):
            pass
        finally:
            self.closed.set()

    def show(self, data: bytes) -> None:
        """Feed ``data`` to the screen emulator: the one way bytes reach it, since text() is kept
        until new bytes come (bench/common.py's BenchTerminal feeds it late, through here too)."""
        self.stream.feed(data)
        self._text = None

    # -- looking
    def text(self) -> str:
        """The screen as text, rebuilt only after new bytes (or a resize): waits poll this every
        30 ms, and rebuilding it from pyte's cells each time was ~10% of a story's CPU in the test
        process (tests/test_ssh_chat.py: 2.9 s of pyte's render in a 36 s profile)."""
        if self._text is None:
            self._text = "\n".join(row.rstrip() for row in self.rows())
        return self._text

    def rows(self) -> list[str]:
        """``screen.display``, each row made again only when pyte marked it dirty: a frame changes
        a few rows, and pyte makes all of them, two wcwidth calls a cell (2.5 of 17 s busy in
        test_day_e2e and test_boundaries_e2e)."""
        screen, rows = self.screen, self._rows
        if len(rows) != screen.lines:
            rows[:] = [""] * screen.lines
            screen.dirty.update(range(screen.lines))
        for y in screen.dirty:
            if y < screen.lines:
                rows[y] = _row_text(screen, y)
        screen.dirty.clear()
        return list(rows)  # a copy: the kept rows change with the next bytes

    async def wait_for(self, needle: str, timeout: float = 15) -> None:
        def shown() -> bool:
            if needle in self.text():
                return True
            assert not self.closed.is_set(), f"session closed before {needle!r} appeared:\n{self.text()}"
            return False

        await wait_until(shown, timeout, lambda: f"{needle!r} never appeared on screen:\n{self.text()}")

    async def wait_for_message(self, author: str, body: str, timeout: float = 15) -> None:
        """Wait until ``body`` is a line of the conversation, by ``author``.

        Not ``wait_for(body)``: the sender's own words are on screen in the message box before
        Enter has sent them, so that would return before the message exists.
        """
        await self.wait_for(f"{author}  {body}", timeout)

    async def wait_gone(self, needle: str, timeout: float = 15) -> None:
        await wait_until(
            lambda: needle not in self.text(), timeout, lambda: f"{needle!r} is still on screen:\n{self.text()}"
        )

    async def wait_screen(self, condition: Callable[[], object], what: str, timeout: float = 15):
        """``wait_until`` for a condition on this screen; the failure shows the screen."""
        return await wait_until(condition, timeout, lambda: f"{what}:\n{self.text()}")

    async def wait_closed(self, timeout: float = 15) -> None:
        await asyncio.wait_for(self.closed.wait(), timeout)

    @property
    def bells(self) -> int:
        return self.screen.bells

    # -- typing
    def send(self, data: str | bytes) -> None:
        self.process.stdin.write(data.encode() if isinstance(data, str) else data)

    def press(self, *keys: str) -> None:
        for key in keys:
            self.send(KEYS[key])

    def paste(self, text: str) -> None:
        """A bracketed paste, as a terminal sends one."""
        self.send(PASTE_START + text + PASTE_END)

    async def type_line(self, text: str) -> None:
        """Type text and press Enter, as a person would (a paste if it holds newlines). No pause
        before Enter: the server applies keys in the order they arrive (tests/test_ssh_typing.py)."""
        if "\n" in text:
            self.paste(text)
        else:
            self.send(text)
        self.press("enter")

    async def resize(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.screen.resize(height, width)
        self._text = None
        self.process.change_terminal_size(width, height)

    async def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.conn.wait_closed(), 5)
        if self._reader is not None:
            self._reader.cancel()
