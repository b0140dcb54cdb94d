"""Private rooms (issue 11, mediation): channels that exist only for the people in them.

A mediation room is a channel linked from a ``Mediation`` row; its people are the two parties and
the mediators, and nobody else, admins included. Every read of channels and messages already
goes through ``channels.visible_to`` and ``channels.list_for``/``by_name``; each of those adds
``hidden_rooms(actor)``, so the channel list, ``/join``, history, search, ``/mentions``, cheers,
reports and the line mode (which uses the same services) all say "not found" alike. Rooms are few
(one per mediation), so the subquery is small.

These are plain query builders and checks that run inside a store transaction (no I/O of their own).
"""

from __future__ import annotations

from ..store.models import Mediation, MediationMediator
from .errors import Invalid, NotFound
from .views import MemberView

ROOM_PREFIX = "mediation-"  # rooms are named mediation-N; an admin may not make a channel so named
CLOSED_ROOM = "This mediation room is closed. It stays here for you to read; it takes no new messages."


def all_rooms():
    """Channel ids of every private room (a subquery): the operator's channel commands skip them."""
    return Mediation.select(Mediation.room).where(Mediation.room.is_null(False))


def in_mediation(actor_id: int):
    """The condition on ``Mediation`` rows that ``actor_id`` is a party to or mediates."""
    mediating = MediationMediator.select(MediationMediator.mediation).where(MediationMediator.member == actor_id)
    return (Mediation.requester == actor_id) | (Mediation.other == actor_id) | Mediation.id.in_(mediating)


def hidden_rooms(actor: MemberView):
    """Channel ids of the private rooms ``actor`` is not in (a subquery for ``NOT IN``)."""
    return Mediation.select(Mediation.room).where(Mediation.room.is_null(False), ~in_mediation(actor.id))


def check_may_post(actor: MemberView, channel_id: int) -> None:
    """Inside a write: a room ``actor`` is not in does not exist for them; a closed one is read-only."""
    room = Mediation.get_or_none(Mediation.room == channel_id)
    if room is None:
        return
    if not Mediation.select().where(Mediation.id == room.id, in_mediation(actor.id)).exists():
        raise NotFound("That channel is gone.")
    if room.state == "closed":
        raise Invalid(CLOSED_ROOM)
