"""``safespace member restore`` and ``safespace export``: coming back, and a member's own data.

Registered by ``cli.build_parser``; kept here so the shared ``cli.py`` grows by one line.
"""

from __future__ import annotations

import json
import sys


def cmd_member_restore(args) -> int:
    from .cli import _run

    member = _run(args, lambda s: s.members.restore(args.name))
    print(f"Restored {member.handle} with their history. Their keys that were not revoked open again.")
    return 0


def cmd_export(args) -> int:
    """JSON on stdout, so ``safespace export --member dana > dana.json`` works."""
    from .cli import _run

    if args.member:
        data = _run(args, lambda s: s.export.admin_member(args.member))
    else:
        data = _run(args, lambda s: s.export.group())
    json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
    print()
    return 0


def register(sub, member, common) -> None:
    """Add the subcommands to the parser's ``sub`` and ``member`` subparsers."""
    p = member.add_parser("restore", parents=[common], help="bring a removed member back, with their history")
    p.add_argument("name")
    p.set_defaults(func=cmd_member_restore)
    p = sub.add_parser("export", parents=[common], help="a member's own data (--member NAME), or the group's, as JSON")
    p.add_argument("--member", metavar="NAME", help="everything held about this member")
    p.set_defaults(func=cmd_export)
