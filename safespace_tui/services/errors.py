"""Errors a service raises; each carries a calm sentence fit to show a person."""

from __future__ import annotations

from ..errors import TellMember


class ServiceError(TellMember):
    """A rule of the group said no; ``.message`` says so kindly."""


class NotFound(ServiceError):
    """Also what a refused read looks like, so a refusal reveals nothing."""


class NotAllowed(ServiceError):
    """An action (not a read) the acting member may not take."""


class Invalid(ServiceError):
    """Input we cannot use, such as a malformed key or an unknown role."""


TOLD_ERRORS = (TellMember,)
"""What a member's action may raise with a ``.message`` to tell them: a refusal, text we cannot
accept, or a disk that cannot be written (then nothing changed, and the session goes on).
Kept only until the TUI catches ``TellMember`` itself (removed with the TUI rewrite)."""
