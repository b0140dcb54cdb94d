"""Backup while serving: how long ``safespace backup`` takes on a group with history, and what a
member who keeps writing notices meanwhile (issue 13).

A fresh group with ``--history`` messages (seeded in one transaction, in-process, before the server
starts), the real server as a subprocess, and one member over real SSH who sends a message every
``--gap`` seconds; each message's time is Enter until it is on the member's own screen (pyte). First
calm (no backup), then with ``safespace backup`` run back to back ``--backups`` times by the real
CLI. ``--encrypted``: the same with a database key (SQLCipher; the group is encrypted first).

    .venv/bin/python bench/backup.py [--history 100000] [--backups 5] [--encrypted]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncssh

from common import BENCH_CONFIG, dist, header
from harness import ServerProcess, Terminal, run_in_own_loop

KEY_TEXT = "a bench passphrase, long enough"


def seed(data_dir: Path, history: int) -> Path:
    """A group of one member (``writer``) and ``history`` messages in #living-room; returns the key path."""
    from safespace_tui.config import load_config
    from safespace_tui.hub import Hub
    from safespace_tui.services import Services
    from safespace_tui.ssh.keys import read_public_key
    from safespace_tui.store.db import Store
    from safespace_tui.store.models import Channel, Message

    key = asyncssh.generate_private_key("ssh-ed25519")
    key_path = data_dir.parent / "writer_key"
    key.write_private_key(str(key_path))
    config = load_config(data_dir)
    store = Store(config.db_path)
    try:
        services = Services(config, store, Hub())

        async def members() -> int:
            await services.channels.ensure_defaults()
            return (await services.members.add("writer", read_public_key(key.export_public_key().decode()))).id

        author = run_in_own_loop(members())

        def messages() -> None:
            room = Channel.get(Channel.name == "living-room")
            rows = [
                {"channel": room.id, "author": author, "body": f"earlier message {i}: " + "words " * 12}
                for i in range(history)
            ]
            for start in range(0, len(rows), 5000):
                Message.insert_many(rows[start : start + 5000]).execute()

        store.write_sync(messages)
    finally:
        store.close()
    return key_path


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "safespace_tui", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=600,
    )


SENT = iter(range(1, 10**9))  # one numbering for both phases: every body is new on the screen


async def writing(term: Terminal, gap: float, stop: asyncio.Event, times: list[float]) -> None:
    while not stop.is_set():
        body = f"still here {next(SENT)}."
        term.send(body)
        await term.wait_for(body)  # in the message box
        t0 = time.perf_counter()
        term.press("enter")
        await term.wait_for_message("writer", body, timeout=60)
        times.append((time.perf_counter() - t0) * 1000)
        await asyncio.sleep(gap)


async def phase(term: Terminal, gap: float, seconds: float | None, backups: int, data_dir: Path) -> tuple:
    times: list[float] = []
    stop = asyncio.Event()
    task = asyncio.create_task(writing(term, gap, stop, times))
    backup_seconds: list[float] = []
    reported: list[float] = []
    if seconds is not None:
        await asyncio.sleep(seconds)
    for i in range(backups):
        started = time.perf_counter()
        result = await asyncio.to_thread(cli, data_dir, "backup", str(data_dir.parent / f"b{i}.db"))
        backup_seconds.append((time.perf_counter() - started) * 1000)
        if result.returncode != 0:
            print(result.stderr)
            break
        match = re.search(r"in ([\d.]+) s: (.*)\.", result.stdout)
        if match:
            reported.append(float(match.group(1)) * 1000)
            if i == 0:
                print(f"  backup: {match.group(2)}")
    stop.set()
    await task
    return times, backup_seconds, reported


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, default=100_000)
    parser.add_argument("--backups", type=int, default=5)
    parser.add_argument("--gap", type=float, default=0.1)
    parser.add_argument("--encrypted", action="store_true")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    header(f"bench/backup.py: backup while one member writes, {args.history:,} messages of history")
    tmp = Path(tempfile.mkdtemp(prefix="safespace-bench-backup-"))
    data_dir = tmp / "data"
    try:
        t = time.perf_counter()
        key_path = seed(data_dir, args.history)
        config = BENCH_CONFIG
        if args.encrypted:
            (tmp / "db.key").write_text(KEY_TEXT)
            config += f'db_key_file = "{tmp / "db.key"}"\n'
            (data_dir / "config.toml").write_text(config)
            print("  " + cli(data_dir, "encrypt").stdout.splitlines()[0])
        size = (data_dir / "safespace.db").stat().st_size / 1_048_576
        print(f"(seeded {args.history:,} messages in {time.perf_counter() - t:.1f} s; database {size:.1f} MiB)")
        server = ServerProcess(data_dir, extra_config=config)
        server.start()
        try:
            term = await Terminal.connect(server.port, key_path)
            if args.history:  # the history is on screen: the app is ready for typing
                await term.wait_for(f"earlier message {args.history - 1}:", timeout=120)
            try:
                calm, _, _ = await phase(term, args.gap, 10.0, 0, data_dir)
                busy, wall, reported = await phase(term, args.gap, 1.0, args.backups, data_dir)
            finally:
                await term.close()
        finally:
            server.stop()
        print(f"message Enter -> own screen, calm:           {dist(calm)}")
        print(f"message Enter -> own screen, during backups: {dist(busy)}")
        print(f"backup, as the CLI reports it (copy + check): {dist(reported)}")
        print(f"backup, whole CLI process (Python start too): {dist(wall)}")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
