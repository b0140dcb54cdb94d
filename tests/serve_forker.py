"""A Python with the server's modules already imported, that forks one ``safespace serve`` per request.

Why: a server start in a fresh interpreter is ~0.9 s of CPU, ~0.7 s of it imports (asyncssh,
peewee, Textual); the suite starts ~100 servers, a fifth of its CPU on 2 cores. A forked child
skips the imports and is otherwise what ``python -m safespace_tui serve ...`` is: its own process
(own pid, signals, file descriptors, umask, environment and working directory, as the test gave
them), running the real entry point ``cli.main``, writing to the test's pipe. Only the modules a
server imports before it listens are imported here (the CLI, ``ssh.server``, then the app and
``textual_fixes`` as ``SafeSpaceServer.start`` imports them, without ``apply()``), in that order,
so a child starts from the state a fresh server reaches on its own.

Run by tests/harness.py (``ServerProcess``), one per test process, with one end of a
SOCK_SEQPACKET socket pair as argv[1]. Requests: a JSON object (argv, env, cwd, umask) with the
fd for the child's stdout and stderr attached. Answers: ``started PID`` and, when a child ends,
``exited PID CODE`` (CODE as Popen's returncode: negative for a signal). When the test process's
end closes, every child still running is killed and this process exits.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import socket
import sys

# imported for the children (what the fork saves): the app and textual_fixes as the server's
# start imports them, before it applies the fixes (they are not applied here)
import safespace_tui.cli
import safespace_tui.logs
import safespace_tui.ssh.keys
import safespace_tui.ssh.server
import safespace_tui.tui.app
import safespace_tui.tui.textual_fixes


def serve_requests(channel: socket.socket) -> dict | None:
    """Answer requests until the test process goes; in a forked child, return its request."""
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so the wakeup fd hears of exits
    selector = selectors.DefaultSelector()
    selector.register(channel, selectors.EVENT_READ, "request")
    selector.register(wake_r, selectors.EVENT_READ, "exit")
    children: set[int] = set()
    while True:
        for key, _ in selector.select():
            if key.data == "exit":
                os.read(wake_r, 4096)
                reap(channel, children)
                continue
            message, fds, _flags, _address = socket.recv_fds(channel, 1 << 20, 1)
            if not message:  # the test process has gone
                for pid in children:
                    os.kill(pid, signal.SIGKILL)
                return None
            pid = os.fork()
            if pid == 0:  # the child: leave all of this behind
                selector.close()
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                os.close(wake_r)
                os.close(wake_w)
                channel.close()
                os.dup2(fds[0], 1)
                os.dup2(fds[0], 2)
                os.close(fds[0])
                return json.loads(message)
            os.close(fds[0])
            children.add(pid)
            channel.send(f"started {pid}".encode())
            reap(channel, children)


def reap(channel: socket.socket, children: set[int]) -> None:
    for pid in list(children):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            children.discard(pid)
            channel.send(f"exited {pid} {os.waitstatus_to_exitcode(status)}".encode())


def become_the_server(request: dict) -> None:
    """What ``python -m safespace_tui ARGS`` (with PYTHONUNBUFFERED=1) would have set up."""
    os.chdir(request["cwd"])
    os.umask(request["umask"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.stdin = open(os.devnull)  # noqa: SIM115 - the process's stdin, for its whole life
    sys.stdout = open(1, "w", buffering=1, closefd=False, encoding="utf-8")  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, closefd=False, encoding="utf-8", errors="backslashreplace")  # noqa: SIM115
    sys.argv = [safespace_tui.cli.__file__, *request["argv"]]


if __name__ == "__main__":
    request = serve_requests(socket.socket(fileno=int(sys.argv[1])))
    if request is None:
        sys.exit(0)
    become_the_server(request)
    sys.exit(safespace_tui.cli.main())
