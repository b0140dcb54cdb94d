"""The ``safespace`` command: run the server and look after the group from a shell.

Every subcommand takes ``--data-dir`` (env SAFESPACE_DATA_DIR). Errors are one
plain sentence on stderr and a non-zero exit; nothing is changed on error.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import signal
import sys
import tempfile
from pathlib import Path

from . import cli_ops
from .config import ConfigError, default_data_dir, load_config
from .errors import TellMember
from .store.backup import BackupFailed
from .store.cipher import CannotOpen
from .store.db import CannotSave, StoreBusy, StoreFull, StoreReadOnly
from .store.files import AlreadyServing, DataDirLock, secure_data_dir
from .store.migrations import SchemaTooNew
from .text import TextRejected, validate_handle

log = logging.getLogger("safespace.server")


class CLIError(Exception):
    """Shown as ``safespace: <message>`` with exit status 1."""


def _read_key_arg(value: str):
    """A key argument is a path to a .pub file or the key text itself; returns the checked key.

    Keys are read here (ssh/keys.py), not in services: services never import asyncssh.
    """
    from .ssh.keys import read_public_key

    return read_public_key(_key_text(value))


def _key_text(value: str) -> str:
    if value.startswith(("ssh-", "ecdsa-", "sk-")):
        return value
    path = Path(value).expanduser()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CLIError(f"no key file at {path}") from None
    except OSError as error:
        raise CLIError(f"cannot read {path}: {error.strerror}") from None
    if len(data) > 64_000:
        raise CLIError(f"{path} is too large to be a public key")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise CLIError(f"{path} is not a text public key file") from None


def _open(args):
    from .hub import Hub
    from .services import Services
    from .store.db import open_store

    config = load_config(args.data_dir)
    return Services(config, open_store(config), Hub())


def _run(args, coroutine_fn):
    services = _open(args)
    try:
        return asyncio.run(coroutine_fn(services))
    finally:
        services.store.close()


# -- serve / init
def cmd_serve(args) -> int:
    from .logs import setup_logging

    config = load_config(args.data_dir, host=args.host, port=args.port)
    _check_writable(config.data_dir)
    lock = DataDirLock(config.data_dir).acquire()  # one server per data dir: the second refuses at once
    try:
        setup_logging(config.log_path, verbose=args.verbose)
        return asyncio.run(_serve(config, args))
    finally:
        lock.release()


def _check_writable(data_dir: Path) -> None:
    """The server writes its database, log and host key in the data dir: a read-only one (a disk
    remounted read-only, wrong owner) is said plainly at start, not as a traceback."""
    try:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=data_dir):
            pass
    except OSError as error:
        raise CLIError(
            f"the data directory {data_dir} cannot be written ({error.strerror}). Safe Space keeps its "
            "database and log there: check that the disk is not read-only and who owns the directory."
        ) from None


async def _serve(config, args) -> int:
    from .ssh.keys import fingerprint
    from .ssh.server import SafeSpaceServer

    server = SafeSpaceServer(config)
    if args.admin_key:
        await _ensure_admin(server.services, _read_key_arg(args.admin_key), args.admin_name)
    # Handle SIGTERM/SIGINT before saying we listen: a stop sent the moment we are up must
    # still close sessions and the store cleanly.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    port = await server.start()
    log.info(
        "server started: process %d, %s:%d, schema %d, %s",
        os.getpid(),
        config.host,
        port,
        server.store.schema_version,
        "encrypted database" if server.store.encrypted else "plain database",
    )
    print(f"Safe Space is listening on {config.host}:{port}", flush=True)
    print(f"Data: {config.data_dir}", flush=True)
    print(f"Host key fingerprint: {fingerprint(server.host_key)}", flush=True)
    print(f"Members connect with: ssh -p {port} <this host>", flush=True)
    await stop.wait()
    print("Closing sessions…", flush=True)
    log.info("server stopping: closing %d sessions", len(server.sessions))
    await server.close()
    log.info("server stopped")
    return 0


async def _ensure_admin(services, key, admin_name: str | None) -> None:
    existing = await services.members.for_key(key.fingerprint)
    if existing is not None:
        member, _ = existing
        print(f"That key belongs to {member.handle} ({member.role}).", flush=True)
        return
    if await services.members.count_admins() > 0:
        print("The group already has an admin; --admin-key was not used. Use 'safespace member add'.", flush=True)
        return
    handle = admin_name or _default_admin_handle()
    member = await services.members.add(handle, key, role="admin")
    print(f"Made {member.handle} the first admin.", flush=True)


def _default_admin_handle() -> str:
    try:
        return validate_handle(getpass.getuser())
    except (TextRejected, OSError, KeyError):  # a name we cannot use, or no login name at all
        return "leader"


def cmd_init(args) -> int:
    from .ssh.host_key import load_or_create_host_key
    from .ssh.keys import fingerprint

    services = _open(args)
    try:
        asyncio.run(services.channels.ensure_defaults())
        created = not services.config.host_key_path.exists()
        key = load_or_create_host_key(services.config.host_key_path)
    finally:
        services.store.close()
    print(f"Data: {services.config.data_dir}")
    print(("Made a new host key. " if created else "") + f"Host key fingerprint: {fingerprint(key)}")
    return 0


# -- members
def cmd_member_add(args) -> int:
    key = _read_key_arg(args.key)

    async def add(services):
        returning = await services.members.was_removed(args.name)
        return returning, await services.members.add(args.name, key, role=args.role, display_name=args.display_name)

    returning, member = _run(args, add)
    if returning:
        print(f"Welcome back: {member.handle} is a member again as {member.role}, with their history.")
    else:
        print(f"Added {member.handle} as {member.role}.")
    return 0


def cmd_member_list(args) -> int:
    async def load(services):
        members = await services.members.list()
        keys = {m.id: await services.members.keys(m.handle) for m in members} if args.keys else {}
        return members, keys

    members, keys = _run(args, load)
    if not members:
        print("No members yet. Add one with: safespace member add NAME --key FILE.pub")
    for m in members:
        print(f"{m.handle:<24} {m.role:<7} {m.display_name}")
        for k in keys.get(m.id, []):
            state = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "active"
            print(f"    {k.fingerprint}  {state:<18} {k.comment}")
    return 0


def cmd_member_role(args) -> int:
    member = _run(args, lambda s: s.members.set_role(args.name, args.role))
    print(f"{member.handle} is now {member.role}.")
    return 0


def cmd_member_remove(args) -> int:
    _run(args, lambda s: s.members.removable(args.name))  # "no member called …", "only admin": before asking
    if not args.yes and not _confirmed(
        f"Remove {args.name}? Their sessions close; their messages stay. "
        f"'safespace member restore {args.name}' brings them back. [y/N] "
    ):
        raise CLIError("nothing was changed. Answer y to remove, or add --yes in a script.")
    member = _run(args, lambda s: s.members.remove(args.name))
    print(f"Removed {member.handle}. Their messages stay; their live sessions close within seconds.")
    return 0


def _confirmed(question: str) -> bool:
    """Ask on the terminal; no answer (a script, stdin closed) is a no."""
    print(question, end="", flush=True)
    answer = sys.stdin.readline()
    if not answer.endswith("\n"):
        print()
    return answer.strip().lower() in ("y", "yes")


def cmd_key_add(args) -> int:
    key = _read_key_arg(args.key)
    view = _run(args, lambda s: s.members.add_key(args.name, key))
    print(f"Added key {view.fingerprint} for {view.member_handle}.")
    if view.member_removed:
        print(f"{view.member_handle} was removed; the key opens once you run: safespace member restore {args.name}")
    return 0


def cmd_key_revoke(args) -> int:
    view = _run(args, lambda s: s.members.revoke_key(args.name, args.fingerprint))
    print(f"Revoked {view.fingerprint} for {view.member_handle}. Sessions using it close within seconds.")
    return 0


def cmd_key_list(args) -> int:
    for k in _run(args, lambda s: s.members.keys(args.name)):
        state = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "active"
        print(f"{k.fingerprint}  {state:<18} {k.comment}")
    return 0


def cmd_member_notify(args) -> int:
    """Notification addresses of a senior member: add (--url), remove (--remove ID), quiet hours, or list.

    Addresses are secrets: they are printed masked, never whole, and never logged.
    """

    async def change(services):
        notices = services.notices
        if args.url:
            return await notices.admin_add(args.name, args.url)
        if args.remove is not None:
            return await notices.admin_remove(args.name, args.remove)
        if args.quiet is not None:
            return await notices.admin_set_quiet_hours(args.name, args.quiet)
        return await notices.admin_settings(args.name)

    view = _run(args, change)
    if args.url:
        print(f"Added a notification address for {args.name}: {view.addresses[-1].masked}")
    elif args.remove is not None:
        print(f"Removed address {args.remove} of {args.name}.")
    print(f"{args.name}: {'on call' if view.on_call else 'not on call'}, {view.quiet_words}")
    if not view.addresses:
        print("  No notification addresses. Add one with: safespace member notify NAME --url URL")
    for address in view.addresses:
        print(f"  {address.id:>4}  {address.masked}  added {address.added_at:%Y-%m-%d}")
    return 0


# -- channels
def cmd_channel_add(args) -> int:
    channel = _run(args, lambda s: s.channels.add(args.name, args.topic or ""))
    print(f"Added #{channel.name}.")
    return 0


def cmd_channel_rename(args) -> int:
    channel = _run(args, lambda s: s.channel_admin.rename(args.name, args.new_name))
    print(f"Renamed to #{channel.name}. Open sessions show it within seconds.")
    return 0


def cmd_channel_topic(args) -> int:
    channel = _run(args, lambda s: s.channel_admin.set_topic(args.name, args.topic))
    print(f"#{channel.name}'s topic is set. Open sessions show it within seconds.")
    return 0


def cmd_channel_archive(args) -> int:
    channel = _run(args, lambda s: s.channel_admin.archive(args.name))
    print(f"Archived #{channel.name}: out of the lists, no new messages; what was said is kept.")
    return 0


def cmd_channel_list(args) -> int:
    for channel, count in _run(args, lambda s: s.channels.list_all()):
        print(f"#{channel.name:<20} {count:>7} messages  {channel.topic}")
    return 0


# -- the group's own texts
def cmd_charter_load(args) -> int:
    path = Path(args.file).expanduser()
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CLIError(f"cannot read {path}: {error.strerror}") from None
    length = _run(args, lambda s: s.texts.load("charter", data))
    print(f"Loaded the group's charter ({length:,} characters). Members see it with /charter.")
    return 0


def cmd_charter_show(args) -> int:
    print(_run(args, lambda s: s.texts.get("charter")))
    return 0


def cmd_charter_reset(args) -> int:
    _run(args, lambda s: s.texts.reset("charter"))
    print("The charter is back to Safe Space's default text.")
    return 0


# -- alerts and the audit trail (admins reviewing; safety plan contents are never printed)
_SOURCES = {"key": "the SOS key", "command": "/sos", "words": "SOS words in a message"}


def _when(moment) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC" if moment else "-"


def _alert_state(alert) -> str:
    if alert.resolved_at:
        return f"resolved by {alert.resolved_by_name}"
    if alert.acknowledged_at:
        return f"taken by {alert.acknowledged_by_name}"
    return "OPEN, nobody has taken it"


def cmd_alerts_list(args) -> int:
    async def load(services):
        alerts = await services.crisis.admin_list(open_only=args.open, limit=args.limit)
        return alerts, await services.notices.failures()

    alerts, failures = _run(args, load)
    _print_notice_failures(failures)
    if not alerts:
        print("No open alerts." if args.open else "No alerts yet.")
        return 0
    print(f"{'ID':>5}  {'RAISED (UTC)':<19}  {'MEMBER':<24}  {'SOURCE':<7}  {'AGAIN':>5}  STATE")
    for a in alerts:
        print(
            f"{a.id:>5}  {a.created_at:%Y-%m-%d %H:%M:%S}  {a.member_handle:<24}  {a.source:<7}  "
            f"{a.escalations:>5}  {_alert_state(a)}"
        )
    return 0


def _print_notice_failures(failures) -> None:
    """Notices outside the app that did not go out: who should have had one, never their address."""
    if not failures:
        return
    print("Notices outside the app that could not be sent (newest first):")
    for f in failures:
        where = f"to {f.senior_handle}, address {f.address_id}"
        print(f"  {_when(f.at)}  alert {f.alert_id} ({f.reason}) {where}: {f.error}")
    print()


def cmd_alerts_show(args) -> int:
    async def load(services):
        alert = await services.crisis.admin_get(args.id)
        reads = await services.audit.list_all(limit=1000, action="safety_plan.read")
        notices = (await services.notices.sent_count(alert.id), await services.notices.failures(alert_id=alert.id))
        debriefs = await services.debriefs.admin_for_alert(alert.id)
        return alert, [r for r in reads if r.alert_id == alert.id], notices, debriefs

    alert, reads, (sent, failed), debriefs = _run(args, load)
    print(f"Alert {alert.id}: {_alert_state(alert)}")
    print(f"  Member:        {alert.member_handle} ({alert.member_name})")
    print(f"  Raised:        {_when(alert.created_at)} with {_SOURCES.get(alert.source, alert.source)}")
    print(f"  Seniors online then: {alert.seniors_notified}")
    if alert.note:
        print(f"  Note:          {alert.note}")
    if alert.message_id:
        print(f"  Message:       #{alert.message_id} in #911: {alert.message_excerpt}")
    taken = f"{alert.acknowledged_by_name} at {_when(alert.acknowledged_at)}" if alert.acknowledged_at else "-"
    print(f"  Taken:         {taken}")
    print(
        f"  Alerted again: {alert.escalations} time(s)"
        + (f", last at {_when(alert.escalated_at)}" if alert.escalated_at else "")
    )
    print(
        f"  Resolved:      {alert.resolved_by_name + ' at ' + _when(alert.resolved_at) if alert.resolved_at else '-'}"
    )
    if alert.resolution_note:
        print(f"  Private note:  {alert.resolution_note}")
    print(f"  Safety plan:   {'shared' if alert.has_plan else 'none'} (contents are never shown here)")
    print(f"  Notices outside the app: {sent} sent, {len(failed)} could not be sent")
    _print_notice_failures(failed)
    for r in reversed(reads):
        print(f"  Plan read by {r.actor_handle} at {_when(r.created_at)}")
    for d in debriefs:  # responders' private notes to leadership: admins only, never logged
        print(f"  Debrief from {d.author_handle} at {_when(d.created_at)}: {d.body}")
    return 0


def cmd_audit_list(args) -> int:
    from .services.audit import OPERATOR  # here, as Services above: the CLI starts without them

    entries = _run(args, lambda s: s.audit.list_all(limit=args.limit))
    if not entries:
        print("The audit log is empty.")
        return 0
    for e in entries:
        subject = e.subject_handle or "-"
        alert = f" (alert {e.alert_id})" if e.alert_id else ""
        detail = e.detail.removeprefix(OPERATOR).removeprefix(": ")
        why = f" — {detail}" if detail else ""  # ids and fixed words only (services/audit.py)
        print(f"{e.created_at:%Y-%m-%d %H:%M:%S} UTC  {e.actor_handle} {e.words} {subject}{alert}{why}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", help="where the database, host key and log live (env SAFESPACE_DATA_DIR)")
    parser = argparse.ArgumentParser(prog="safespace", description="Safe Space: peer support over SSH.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", parents=[common], help="run the SSH server")
    p.add_argument("--host", help="address to listen on (default 0.0.0.0)")
    p.add_argument("--port", type=int, help="port to listen on (default 2222)")
    p.add_argument(
        "--admin-key", help="public key (file or text) of the first admin, used only while the group has none"
    )
    p.add_argument("--admin-name", help="handle for that first admin (default: your login name)")
    p.add_argument("--verbose", action="store_true", help="debug logging")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("init", parents=[common], help="create the data dir, database, host key and default channels")
    p.set_defaults(func=cmd_init)

    member = sub.add_parser("member", help="members and their keys").add_subparsers(dest="action", required=True)
    p = member.add_parser("add", parents=[common], help="add a member with their public key")
    p.add_argument("name")
    p.add_argument("--key", required=True, help="path to their .pub file, or the key text")
    p.add_argument("--role", default="member", choices=("member", "senior", "admin"))
    p.add_argument("--display-name")
    p.set_defaults(func=cmd_member_add)
    p = member.add_parser("list", parents=[common], help="list members")
    p.add_argument("--keys", action="store_true", help="also each member's keys, with their fingerprints")
    p.set_defaults(func=cmd_member_list)
    p = member.add_parser("role", parents=[common], help="change a member's role")
    p.add_argument("name")
    p.add_argument("role", choices=("member", "senior", "admin"))
    p.set_defaults(func=cmd_member_role)
    p = member.add_parser("remove", parents=[common], help="remove a member (closes their sessions)")
    p.add_argument("name")
    p.add_argument("--yes", action="store_true", help="do not ask first (for scripts)")
    p.set_defaults(func=cmd_member_remove)
    p = member.add_parser(
        "notify", parents=[common], help="a senior member's notification addresses (apprise URLs) and quiet hours"
    )
    p.add_argument("name")
    p.add_argument("--url", help="add an address, e.g. ntfy://topic or mailto://user:pass@example.org")
    p.add_argument("--remove", type=int, metavar="ID", help="remove the address with this number")
    p.add_argument("--quiet", metavar="HH:MM-HH:MM", help="quiet hours in their own time, or 'off'")
    p.set_defaults(func=cmd_member_notify)
    keys = member.add_parser("key", help="a member's keys").add_subparsers(dest="key_action", required=True)
    p = keys.add_parser("add", parents=[common])
    p.add_argument("name")
    p.add_argument("--key", required=True)
    p.set_defaults(func=cmd_key_add)
    p = keys.add_parser("revoke", parents=[common])
    p.add_argument("name")
    p.add_argument("fingerprint", help="SHA256:… as shown by 'member key list'")
    p.set_defaults(func=cmd_key_revoke)
    p = keys.add_parser("list", parents=[common])
    p.add_argument("name")
    p.set_defaults(func=cmd_key_list)

    channel = sub.add_parser("channel", help="channels").add_subparsers(dest="action", required=True)
    p = channel.add_parser("add", parents=[common])
    p.add_argument("name")
    p.add_argument("--topic")
    p.set_defaults(func=cmd_channel_add)
    p = channel.add_parser("list", parents=[common])
    p.set_defaults(func=cmd_channel_list)
    p = channel.add_parser("rename", parents=[common], help="rename a channel (open sessions follow)")
    p.add_argument("name")
    p.add_argument("new_name")
    p.set_defaults(func=cmd_channel_rename)
    p = channel.add_parser("topic", parents=[common], help="set a channel's topic ('' clears it)")
    p.add_argument("name")
    p.add_argument("topic")
    p.set_defaults(func=cmd_channel_topic)
    p = channel.add_parser("archive", parents=[common], help="archive a channel: out of the lists, history kept")
    p.add_argument("name")
    p.set_defaults(func=cmd_channel_archive)

    charter = sub.add_parser("charter", help="the group's charter, shown to members with /charter").add_subparsers(
        dest="action", required=True
    )
    p = charter.add_parser("load", parents=[common], help="load the group's charter from a text file")
    p.add_argument("file")
    p.set_defaults(func=cmd_charter_load)
    p = charter.add_parser("show", parents=[common])
    p.set_defaults(func=cmd_charter_show)
    p = charter.add_parser("reset", parents=[common], help="go back to the default text")
    p.set_defaults(func=cmd_charter_reset)

    alerts = sub.add_parser("alerts", help="SOS alerts, for admins reviewing them").add_subparsers(
        dest="action", required=True
    )
    p = alerts.add_parser("list", parents=[common], help="alerts, newest first")
    p.add_argument("--open", action="store_true", help="only alerts not yet resolved")
    p.add_argument("--limit", type=int, default=200)
    p.set_defaults(func=cmd_alerts_list)
    p = alerts.add_parser("show", parents=[common], help="one alert in full (never a safety plan's contents)")
    p.add_argument("id", type=int)
    p.set_defaults(func=cmd_alerts_show)

    cli_ops.register(sub, common)

    audit = sub.add_parser("audit", help="who read safety plans or moved messages, and when").add_subparsers(
        dest="action", required=True
    )
    p = audit.add_parser("list", parents=[common], help="audit entries, newest first")
    p.add_argument("--limit", type=int, default=200)
    p.set_defaults(func=cmd_audit_list)

    from .cli_joining import register as register_joining

    register_joining(sub, common)
    from .cli_belonging import register

    register(sub, member, common)
    from .cli_mediation import register as register_mediation

    register_mediation(sub, common)
    return parser


def _hint(error: CannotSave) -> str:
    """What an operator can do about a write that could not happen."""
    if isinstance(error, StoreBusy):
        return "Another process held the database for too long (a backup, another command); please try again."
    if isinstance(error, StoreReadOnly):
        return "The database file or its directory is read-only; check the disk and the permissions."
    if isinstance(error, StoreFull):
        return "Is the disk full?"
    return ""


def _tighten(args) -> None:
    """An existing data dir with looser modes (made before this release, or by hand) is made private, with one line."""
    data_dir = Path(args.data_dir).expanduser() if getattr(args, "data_dir", None) else default_data_dir()
    changed = secure_data_dir(data_dir.resolve())
    if changed:
        message = f"made the data directory private (owner only): {', '.join(changed)}"
        print(f"safespace: {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Whatever the caller's umask: every file made from here (database, log, backups, status) is
    # owner-only. store/files.py also sets the modes explicitly; this catches what a library makes.
    umask = os.umask(0o077)
    try:
        _tighten(args)
        return args.func(args)
    except (CLIError, ConfigError, cli_ops.OpsError, CannotOpen, BackupFailed, AlreadyServing) as error:
        print(f"safespace: {error}", file=sys.stderr)
    except SchemaTooNew as error:
        print(f"safespace: {error}. Please run the newer Safe Space (or restore a backup).", file=sys.stderr)
    except CannotSave as error:  # before TellMember: the operator gets SQLite's reason too
        print(
            f"safespace: nothing was saved: the database could not be written ({error}). {_hint(error)}",
            file=sys.stderr,
        )
    except TellMember as error:  # a refusal, a key or text we cannot use: the calm sentence
        print(f"safespace: {error.message}", file=sys.stderr)
    except PermissionError as error:  # the data dir belongs to another user (the service's)
        print(
            f"safespace: permission denied for {error.filename}. Run this as the user who owns the data "
            "directory (e.g. sudo -u safespace safespace …). Nothing was changed.",
            file=sys.stderr,
        )
    except KeyboardInterrupt:
        return 130
    finally:
        os.umask(umask)
    return 1


if __name__ == "__main__":
    sys.exit(main())
