"""Server logging: to a file in the data dir, never to a member's screen.

Logs name members by id, never by what they wrote: message text, notes and
safety plans must not reach a log line.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path


def setup_logging(log_path: Path, *, verbose: bool = False) -> None:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    file_handler = logging.handlers.RotatingFileHandler(log_path, maxBytes=10_000_000, backupCount=5, encoding="utf-8")
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(file_handler)
    console = logging.StreamHandler(sys.__stderr__)
    console.setLevel(logging.WARNING)
    console.setFormatter(logging.Formatter("safespace: %(levelname)s %(message)s"))
    root.addHandler(console)
    for noisy in ("asyncssh", "peewee"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
