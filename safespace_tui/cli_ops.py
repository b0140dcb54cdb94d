"""``safespace backup | restore | encrypt | status``: running a server for years (issue 13).

Registered by cli.py (``register``). Each says what it did in a line or two; errors are one plain
sentence and change nothing. ``backup`` and ``status`` work while the server runs; ``restore``
and ``encrypt`` refuse while it does (they take the data dir's lock, store/files.py).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .config import load_config, read_db_key
from .store import backup as copies
from .store.files import AlreadyServing, DataDirLock, private_dir


class OpsError(Exception):
    """Shown as ``safespace: <message>`` with exit status 1 (cli.main catches it)."""


def cmd_backup(args) -> int:
    config = load_config(args.data_dir)
    key = read_db_key(config)
    if args.file:
        target = Path(args.file).expanduser().resolve()
        if target.is_dir():
            target = copies.default_backup_path(target)
    else:
        private_dir(config.backup_dir)
        target = copies.default_backup_path(config.backup_dir)
    checked, seconds = copies.backup(config.db_path, target, key)
    print(f"Backed up to {target} in {seconds:.2f} s: {checked.summary()}.")
    print("Integrity check: ok. Only you can read the file (mode 0600).")
    if args.keep:
        for old in copies.prune(target.parent, args.keep):
            print(f"Removed the old backup {old.name} (keeping the {args.keep} newest).")
    return 0


def cmd_restore(args) -> int:
    config = load_config(args.data_dir)
    key = read_db_key(config)
    source = Path(args.file).expanduser().resolve()
    try:
        lock = DataDirLock(config.data_dir).acquire()
    except AlreadyServing as error:
        raise OpsError(f"{error} A restore needs the server stopped. Nothing was changed.") from None
    try:
        checked, aside = copies.restore(source, config.db_path, key)
    except copies.BackupFailed as error:
        raise OpsError(f"{error}. Nothing was changed.") from None
    finally:
        lock.release()
    print(f"Checked {source}: integrity ok, {checked.summary()}.")
    if aside is not None:
        print(f"The database that was there is kept as {aside}; delete it once all is well.")
    print(f"Restored it as {config.db_path} (mode 0600). Start the server again to use it.")
    if not config.host_key_path.exists():  # a new machine, or the data dir was lost: the key is not in a backup
        print(
            f"There is no host key in {config.data_dir}. If you kept the old {config.host_key_path.name}, put it "
            "back there (mode 0600) before you start the server. If not, the server makes a new one and each "
            "member's ssh will warn once that the server changed: tell them the new fingerprint first "
            "(`safespace init` prints it)."
        )
    return 0


def cmd_encrypt(args) -> int:
    config = load_config(args.data_dir)
    key = read_db_key(config)
    if key is None:
        raise OpsError(
            "no database key is configured: put a long random passphrase in a file outside the data directory "
            "(e.g. /etc/safespace/db.key, mode 0600) and set db_key_file in config.toml, or "
            "SAFESPACE_DB_KEY_FILE. Nothing was changed."
        )
    try:
        lock = DataDirLock(config.data_dir).acquire()
    except AlreadyServing as error:
        raise OpsError(f"{error} Encrypting needs the server stopped. Nothing was changed.") from None
    try:
        kind = copies.cipher.kind_of_file(config.db_path)
        if kind == "new":
            print("There is no database yet: Safe Space will create it encrypted with this key.")
            return 0
        if kind == "encrypted":
            copies.check(config.db_path, key)  # a wrong key says so here
            print(f"{config.db_path} is already encrypted with this key. Nothing to do.")
            return 0
        _plain, encrypted = copies.encrypt(config.db_path, key)
    finally:
        lock.release()
    print(f"Encrypted {config.db_path}: {encrypted.summary()}.")
    print(
        "From now on the server needs this key to start. Backups made before now are still plain text: "
        "delete them, or keep them as safe as the key."
    )
    return 0


def cmd_status(args) -> int:
    from . import status_file

    config = load_config(args.data_dir)
    try:
        data = status_file.ask(config)
    except status_file.NotServing as error:
        print(f"Safe Space: {error}")
        return 3  # as `systemctl status` says "not running"
    print(status_file.describe(config, data))
    return 0


def _count(text: str) -> int:
    """``--keep`` is a whole number of copies, at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of copies") from None
    if value < 1:
        raise argparse.ArgumentTypeError("keep at least 1 copy")
    return value


def register(sub, common: argparse.ArgumentParser) -> None:
    """Add the four subcommands to cli.py's parser."""
    p = sub.add_parser("backup", parents=[common], help="copy the database while the server runs, and check the copy")
    p.add_argument("file", nargs="?", help="where to write it (a file or a directory; default: DATA_DIR/backups/)")
    p.add_argument("--keep", type=_count, default=0, metavar="N", help="then keep only the N newest backups there")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", parents=[common], help="put a backup in place of the database (server stopped)")
    p.add_argument("file")
    p.set_defaults(func=cmd_restore)
    p = sub.add_parser(
        "encrypt", parents=[common], help="encrypt the existing database with the configured key (server stopped)"
    )
    p.set_defaults(func=cmd_encrypt)
    p = sub.add_parser("status", parents=[common], help="sessions, members online, open alerts and database size")
    p.set_defaults(func=cmd_status)
