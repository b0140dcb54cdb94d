"""Server logging: to a file in the data dir (rotated), and to the journal under systemd; never to a member's screen.

Logs name members by id and key fingerprint, never by what they wrote: message text, notes and
safety plans must not reach a log line. What an admin finds there: start and stop, sign-ins and
sign-outs, refusals, and errors.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import time
from pathlib import Path

from .store.files import PRIVATE_FILE, private_dir

LOG_BYTES = 10_000_000  # one file's size before it is rotated
LOG_FILES_KEPT = 5  # server.log.1 … server.log.5
UNWRITABLE_REMINDER = 600  # seconds between two "the log file cannot be written" lines


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose every file (the current one and each new one after a rotation) is 0600."""

    _unwritable_since: float | None = None  # when the last "cannot be written" line was printed
    _failed = False  # the record being emitted could not be written

    def _open(self):
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE)
        os.close(fd)
        os.chmod(self.baseFilename, PRIVATE_FILE)
        return super()._open()

    def emit(self, record: logging.LogRecord) -> None:
        self._failed = False
        super().emit(record)
        if not self._failed:
            self._unwritable_since = None  # written: a new failure is told at once

    def handleError(self, record: logging.LogRecord) -> None:
        """The log cannot be written (a full disk): say so once, on stderr (the journal under
        systemd), not a "--- Logging error ---" traceback for every line, which is what filled the
        terminal and the journal while the disk was full. Lines are dropped until it can be written."""
        self._failed = True
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):
            super().handleError(record)
            return
        now = time.monotonic()
        if self._unwritable_since is None or now - self._unwritable_since > UNWRITABLE_REMINDER:
            self._unwritable_since = now
            print(
                f"safespace: the log file cannot be written ({error.strerror}); lines are dropped until it can",
                file=sys.__stderr__,
                flush=True,
            )


def under_systemd() -> bool:
    """systemd sets JOURNAL_STREAM when stderr is connected to the journal."""
    return bool(os.environ.get("JOURNAL_STREAM"))


def setup_logging(log_path: Path, *, verbose: bool = False) -> None:
    private_dir(log_path.parent)
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    file_handler = PrivateRotatingFileHandler(
        log_path, maxBytes=LOG_BYTES, backupCount=LOG_FILES_KEPT, encoding="utf-8"
    )
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(file_handler)
    console = logging.StreamHandler(sys.__stderr__)
    if under_systemd():  # the journal stamps the time itself; it wants every line, sign-ins too
        console.setLevel(logging.INFO)
        console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    else:
        console.setLevel(logging.WARNING)
        console.setFormatter(logging.Formatter("safespace: %(levelname)s %(message)s"))
    root.addHandler(console)
    for noisy in ("asyncssh", "peewee"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
