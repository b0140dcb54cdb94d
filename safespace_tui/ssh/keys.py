"""Reading an OpenSSH public key a person handed us (a .pub file or its text).

Parsing needs asyncssh, which only ssh/ may import; services receive the plain
``PublicKey`` this returns and never see a key object. A malformed key is
refused with words that say what was expected (``KeyRejected``, a TellMember).
"""

from __future__ import annotations

import asyncssh

from ..errors import TellMember
from ..services.views import PublicKey


class KeyRejected(TellMember):
    """Not one usable OpenSSH public key; ``.message`` says what to give instead."""


def read_public_key(text: str) -> PublicKey:
    """The one OpenSSH public key line in ``text``, or raise KeyRejected."""
    if "PRIVATE KEY" in text:  # before counting lines: a private key file has many
        raise KeyRejected(
            "That is a private key. Please give the public one (the .pub file); keep the private key to yourself."
        )
    lines = [line.strip() for line in text.strip().splitlines() if line.strip() and not line.startswith("#")]
    if len(lines) != 1:
        raise KeyRejected(
            f"Please give exactly one public key (a line such as 'ssh-ed25519 AAAA… name'); this had {len(lines)}."
        )
    try:
        key = asyncssh.import_public_key(lines[0])
    except (asyncssh.KeyImportError, ValueError, TypeError) as error:
        raise KeyRejected(
            f"That doesn't look like an SSH public key ({error}). Expected a line such as 'ssh-ed25519 AAAA… name'."
        ) from None
    return PublicKey(
        fingerprint=fingerprint(key),
        algorithm=key.get_algorithm(),
        text=key.export_public_key("openssh").decode().strip(),
        comment=key.get_comment() or "",
    )


def fingerprint(key: asyncssh.SSHKey) -> str:
    """SHA256:… as ``ssh-keygen -lf`` shows it: how members and admins name a key."""
    return key.get_fingerprint("sha256")
