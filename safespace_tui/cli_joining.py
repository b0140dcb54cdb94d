"""``safespace invite …`` and ``safespace group capacity``: the operator's side of joining (issue 10).

``invite create`` prints the code alone on stdout, so ``code=$(safespace invite create --for dana)``
works; everything else it says goes to stderr. The code is shown once: only its hash is kept.
"""

from __future__ import annotations

import argparse
import sys


def cmd_invite_create(args) -> int:
    from .cli import _run
    from .services.invites import parse_expiry

    lasts = parse_expiry(args.expires)
    code, invite = _run(
        args, lambda s: s.invites.create(None, args.for_name or "", lasts=lasts, over_capacity=args.over_capacity)
    )
    print(code)
    who = f" for {invite.for_name}" if invite.for_name else ""
    print(
        f"Invite {invite.id}{who}, until {invite.expires_at:%Y-%m-%d %H:%M} UTC. They connect with: "
        "ssh -p PORT join@HOST and type the code. It works once.",
        file=sys.stderr,
    )
    return 0


def cmd_invite_list(args) -> int:
    from .cli import _run

    invites = _run(args, lambda s: s.invites.list())
    if not invites:
        print("No invites yet. Make one with: safespace invite create --for NAME")
    for i in invites:
        state = f"used by {i.redeemed_by}" if i.redeemed_by else i.state
        print(f"{i.id:>5}  {i.for_name or '-':<24} until {i.expires_at:%Y-%m-%d %H:%M} UTC  {state}")
    return 0


def cmd_invite_revoke(args) -> int:
    from .cli import _run

    invite = _run(args, lambda s: s.invites.revoke(None, args.id))
    print(f"Revoked invite {invite.id}; its code no longer opens the door.")
    return 0


def cmd_group_capacity(args) -> int:
    from .cli import CLIError, _run

    if args.capacity is None:
        seats = _run(args, lambda s: s.invites.seats())
    else:
        word = args.capacity.strip().lower()
        if word not in ("none", "off") and not word.isdigit():
            raise CLIError("give a number of members, or 'none' for no limit")
        seats = _run(args, lambda s: s.invites.set_capacity(None, None if not word.isdigit() else int(word)))
    print(seats.words)
    return 0


def register(sub, common: argparse.ArgumentParser) -> None:
    """Add ``invite`` and ``group`` to the ``safespace`` command."""
    invite = sub.add_parser("invite", help="invite codes for newcomers (ssh join@host)").add_subparsers(
        dest="action", required=True
    )
    p = invite.add_parser("create", parents=[common], help="make a code; prints the code alone on stdout")
    p.add_argument("--for", dest="for_name", metavar="NAME", help="who it is for (suggested as their name)")
    p.add_argument("--expires", default="7d", help="how long it works: 7d, 12h, 30m (default 7d)")
    p.add_argument("--over-capacity", action="store_true", help="invite even though the group is full")
    p.set_defaults(func=cmd_invite_create)
    p = invite.add_parser("list", parents=[common], help="invites, newest first (never their codes)")
    p.set_defaults(func=cmd_invite_list)
    p = invite.add_parser("revoke", parents=[common], help="an open invite stops working")
    p.add_argument("id", type=int)
    p.set_defaults(func=cmd_invite_revoke)

    group = sub.add_parser("group", help="the group as a whole").add_subparsers(dest="action", required=True)
    p = group.add_parser("capacity", parents=[common], help="how many members the group holds (no number: show)")
    p.add_argument("capacity", nargs="?", help="a number, or 'none' for no limit")
    p.set_defaults(func=cmd_group_capacity)
