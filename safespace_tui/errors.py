"""The one error that means "tell the member this, kindly".

Services refuse (``services.errors.ServiceError``), text is rejected (``text.TextRejected``)
and the disk can be full (``store.db.StoreFull``): each carries ``.message``, a calm sentence
fit to show a person, and nothing changed. Front ends catch this one type, in one place.
It lives below every layer so that the store, the text rules and the services can all use it.
"""

from __future__ import annotations


class TellMember(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
