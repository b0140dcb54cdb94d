"""``safespace status``: what a running server says of itself, counts only, through a 0600 file.

The CLI leaves a ``status.request`` file and sends the server SIGUSR1 (the pid is in the data dir's
serve.lock); the server writes its log status line as before and, because it was asked, this small
JSON file, which the CLI reads once it is newer than the signal. (A plain SIGUSR1, as the tests'
harness sends, only logs: no task is started that a leak count would see.) A file in the 0700
data dir, not a socket: no listener to secure, and nothing is sent unless the server's own user
asks. Never a name, a handle or a word a member wrote.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import time
from pathlib import Path
from typing import Any

from .config import Config
from .store.db import Store
from .store.files import PRIVATE_FILE, holder
from .store.models import Alert

log = logging.getLogger("safespace.status")


def _open_alerts() -> int:
    return Alert.select().where(Alert.resolved_at.is_null()).count()


async def write_from(config: Config, store: Store, counts: dict[str, int], members_online: int) -> None:
    """Write the status file from the server's counts, the open alerts (one count query) and the db size."""
    try:
        open_alerts: int | None = await store.read(_open_alerts)
    except Exception:
        log.exception("could not count open alerts for the status file")
        open_alerts = None
    data = {
        "pid": os.getpid(),
        "written_at": time.time(),
        "sessions": counts.get("sessions", 0),
        "members_online": members_online,
        "connections": counts.get("connections", 0),
        "open_alerts": open_alerts,
        "db_bytes": store.size(),
        "encrypted": store.encrypted,
    }
    write(config.status_path, data)


REQUEST = "status.request"


def requested(config: Config) -> bool:
    """Did ``safespace status`` ask for the file? (It leaves ``status.request``; this takes it away.)"""
    try:
        (config.data_dir / REQUEST).unlink()
    except FileNotFoundError:
        return False
    return True


def write(path: Path, data: dict[str, Any]) -> None:
    """Replace ``path`` at once (write a 0600 temp file, then rename): a reader never sees half a file."""
    temp = path.with_name(f".{path.name}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    os.replace(temp, path)


class NotServing(RuntimeError):
    """No server holds the data dir, or it did not answer."""


def ask(config: Config, timeout: float = 10.0) -> dict[str, Any]:
    """Signal the server holding ``config.data_dir`` and return the status it writes (waits up to ``timeout`` s)."""
    pid = holder(config.data_dir)
    if not pid:
        raise NotServing(f"no Safe Space server is running on {config.data_dir}.")
    asked_at = time.time()
    os.close(os.open(config.data_dir / REQUEST, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE))
    try:
        os.kill(pid, signal.SIGUSR1)
    except ProcessLookupError:
        raise NotServing(f"no Safe Space server is running on {config.data_dir}.") from None
    except PermissionError:
        raise NotServing(
            f"the server on {config.data_dir} (process {pid}) belongs to another user: run this as that user."
        ) from None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data = _read(config.status_path)
        if data is not None and data.get("pid") == pid and data.get("written_at", 0) >= asked_at:
            return data
        time.sleep(0.05)
    raise NotServing(f"the server on {config.data_dir} (process {pid}) did not answer within {timeout:.0f} s.")


def _read(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def describe(config: Config, data: dict[str, Any]) -> str:
    """The lines ``safespace status`` prints."""
    alerts = data["open_alerts"]
    alerts_words = "could not be counted (see the log)" if alerts is None else str(alerts)
    size = f"{data['db_bytes'] / 1_048_576:.1f} MiB" + (", encrypted" if data.get("encrypted") else "")
    return "\n".join(
        [
            f"Safe Space is running (process {data['pid']}) on {config.data_dir}",
            f"  Sessions:        {data['sessions']}",
            f"  Members online:  {data['members_online']}",
            f"  Open alerts:     {alerts_words}",
            f"  Database:        {size}",
        ]
    )
