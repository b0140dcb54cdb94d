"""``safespace mediation list`` (issue 11): the operator sees that mediations exist and how they
stand: ids, state, times (UTC) and names; never the requester's words, the room's messages or the
outcome note (those are leadership's, in the app, and each read of a note is recorded)."""

from __future__ import annotations

import argparse


def cmd_mediation_list(args) -> int:
    from .cli import _run

    mediations = _run(args, lambda s: s.mediation.list_all())
    if not mediations:
        print("No mediations yet.")
    for m in mediations:
        session = f"{m.starts_at:%Y-%m-%d %H:%M} UTC" if m.starts_at else "no time agreed"
        mediators = ", ".join(m.mediators) or "none yet"
        print(
            f"{m.id:>5}  {m.state:<10} asked {m.created_at:%Y-%m-%d %H:%M} UTC  session {session}  "
            f"{m.requester} and {m.other}; mediators: {mediators}"
        )
    return 0


def register(sub, common: argparse.ArgumentParser) -> None:
    mediation = sub.add_parser("mediation", help="mediations: ids, state, times, names").add_subparsers(
        dest="action", required=True
    )
    p = mediation.add_parser("list", parents=[common], help="every mediation, without words or notes")
    p.set_defaults(func=cmd_mediation_list)
