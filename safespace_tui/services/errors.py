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
