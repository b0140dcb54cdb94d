"""Reading an OpenSSH public key a person handed us (a .pub file or its text).

Parsing needs asyncssh, which only ssh/ may import; services receive the plain
``PublicKey`` this returns and never see a key object. A malformed key is
refused with words that say what was expected (``KeyRejected``, a TellMember).
"""

from __future__ import annotations

import asyncssh
from cryptography.hazmat.primitives.asymmetric import rsa

from ..errors import TellMember
from ..services.views import PublicKey


class KeyRejected(TellMember):
    """Not one usable OpenSSH public key; ``.message`` says what to give instead."""


STRONG_ALGORITHMS = frozenset(
    {
        "ssh-ed25519",
        "sk-ssh-ed25519@openssh.com",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "sk-ecdsa-sha2-nistp256@openssh.com",
        "ssh-rsa",  # 3072 bits or more, and only ever with SHA-2 signatures (ssh/server.py)
    }
)
MIN_RSA_BITS = 3072
WEAK_KEY = (
    "Safe Space takes only strong keys: ed25519, ECDSA, or RSA of 3072 bits or more; this one is {what}. "
    "A new key is one command away: 'ssh-keygen -t ed25519', then give its .pub file."
)


def weakness(key: asyncssh.SSHKey) -> str | None:
    """Why ``key`` is too weak to open the door (DSA, RSA under 3072 bits, unknown types), or None."""
    algorithm = key.get_algorithm()
    if algorithm not in STRONG_ALGORITHMS:
        return algorithm
    pyca = key.pyca_key
    if isinstance(pyca, rsa.RSAPublicKey | rsa.RSAPrivateKey) and pyca.key_size < MIN_RSA_BITS:
        return f"RSA of {pyca.key_size} bits"
    return None


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
    if (what := weakness(key)) is not None:
        raise KeyRejected(WEAK_KEY.format(what=what))
    return PublicKey(
        fingerprint=fingerprint(key),
        algorithm=key.get_algorithm(),
        text=key.export_public_key("openssh").decode().strip(),
        comment=key.get_comment() or "",
    )


def fingerprint(key: asyncssh.SSHKey) -> str:
    """SHA256:… as ``ssh-keygen -lf`` shows it: how members and admins name a key."""
    return key.get_fingerprint("sha256")
