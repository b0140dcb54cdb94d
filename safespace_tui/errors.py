"""The one error that means "tell the member this, kindly".

Anything a member's action may raise with words fit to show them derives from
``TellMember``: a refusal from a service, text we cannot accept, a disk that
cannot be written. The UI catches this one type in one place and shows
``.message``; the session goes on. It sits at the bottom of the layers (it
imports nothing of ours) so the store, the sanitiser and the services can all
raise it.
"""

from __future__ import annotations


class TellMember(Exception):
    """``.message`` is a calm, complete sentence for the member; nothing changed."""

    message: str

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
