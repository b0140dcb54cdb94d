"""Where Safe Space keeps its data and the settings an admin may change.

Settings live in ``config.toml`` inside the data directory; every value has a
calm, safe default so a first start needs no file at all.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from .sales_words import DEFAULT_SOLICITATION_PATTERNS

DATA_DIR_ENV = "SAFESPACE_DATA_DIR"


@dataclass(frozen=True)
class CrisisLine:
    """One place a member can reach a human right now."""

    name: str
    contact: str


DEFAULT_CRISIS_LINES = (
    CrisisLine("Emergency services", "Call your local emergency number (911 in the US, 112 in the EU, 999 in the UK)"),
    CrisisLine("988 Suicide & Crisis Lifeline (US)", "Call or text 988"),
    CrisisLine("Crisis Text Line (US/UK/IE/CA)", "Text HOME to 741741 (US/CA), 85258 (UK), 50808 (IE)"),
    CrisisLine("Samaritans (UK/IE)", "Call 116 123"),
)

# Words of self-harm or of not wanting to live: they lead only to the gentle care check ("would
# you like this in #911?"), never to an automatic move. Each word also matches its forms (cut,
# cuts, cutting; don't, dont, do not): services/crisis.py looks_like_self_harm. Judged by the corpus
# in tests/test_self_harm_words.py; an admin may replace the list (self_harm_phrases in config.toml).
DEFAULT_SELF_HARM_PHRASES = (
    "kill myself",
    "end my life",
    "end it all",
    "want to die",
    "wish i was dead",
    "wish i were dead",
    "better off dead",
    "better off without me",
    "suicide",
    "suicidal",
    "hurt myself",
    "harm myself",
    "cut myself",
    "burn myself",
    "i cut again",
    "cutting again",
    "self harm",
    "overdose",
    "not be here anymore",
    "don't want to be here",
    "don't want to live",
    "don't want to be alive",
    "no reason to live",
    "can't go on like this",
    "can't go on anymore",
    "can't do this anymore",
    "disappear forever",
    "not safe with myself",
    "don't feel safe with myself",
)


@dataclass(frozen=True)
class Config:
    """Everything the server needs to know, resolved once at start."""

    data_dir: Path
    host: str = "0.0.0.0"
    port: int = 2222
    # connection hardening
    login_timeout: float = 30.0
    keepalive_interval: float = 30.0
    keepalive_count_max: int = 3
    max_auth_failures: int = 6
    max_connections_per_address: int = 10
    max_sessions: int = 300  # members logged in at once (connections past the key check)
    # before the key check (ssh/door.py): a smaller budget, shared fairly between addresses
    max_unauthenticated: int = 64
    max_unauthenticated_per_address: int = 16
    connections_per_second: float = 10.0  # new connections per source address (DHEat wants < 20)
    connection_burst: int = 10
    free_key_attempts: int = 20  # per address and minute, answered at once; more wait longer
    max_auth_delay: float = 5.0
    idle_connection_timeout: float = 15.0  # logged in, but no session open
    max_output_buffer: int = 4 * 1024 * 1024
    session_check_interval: float = 2.0
    housekeeping_interval: float = 60.0  # due deletions of a member's data, and /away dates reached
    # care
    crisis_lines: tuple[CrisisLine, ...] = DEFAULT_CRISIS_LINES
    sos_escalate_after: float = 300.0
    max_alerts_held: int = 2  # alerts one senior may hold at once; past it they are asked to find another senior
    self_harm_phrases: tuple[str, ...] = DEFAULT_SELF_HARM_PHRASES
    spoons_max: int = 12
    # the seniors' monitoring pane (issue 14): "gone quiet" after this many days without a word or a check-in
    quiet_after_days: int = 3
    history_page: int = 100
    # store: how long a write waits for another process's lock (the CLI, a restore), per attempt
    store_busy_timeout: float = 2.0
    # one member's fair share (issue 15): window size, keys a second (ssh/input_budget.py)
    max_window_width: int = 500
    max_window_height: int = 200
    input_keys_per_second: float = 30.0
    input_key_burst: int = 50
    # boundaries (issue 11): the no-money rule's patterns (sales_words.py), and flood control: a member
    # may send flood_burst messages at once, then flood_per_minute (SOS and #911 are never limited)
    solicitation_patterns: tuple[tuple[str, str], ...] = DEFAULT_SOLICITATION_PATTERNS
    flood_burst: int = 12  # generous: someone struggling may type many short lines quickly
    flood_per_minute: float = 30.0
    # encryption at rest (optional): a file holding the database's passphrase, OUTSIDE the data dir
    # (a copy of the dir must not carry its own key). Also SAFESPACE_DB_KEY_FILE, or the systemd
    # credential "safespace-db-key" (LoadCredential=, read from $CREDENTIALS_DIRECTORY).
    db_key_file: str = ""

    @property
    def db_path(self) -> Path:
        return self.data_dir / "safespace.db"

    @property
    def host_key_path(self) -> Path:
        return self.data_dir / "host_key_ed25519"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "server.log"

    @property
    def config_path(self) -> Path:
        return self.data_dir / "config.toml"

    @property
    def status_path(self) -> Path:
        return self.data_dir / "status.json"

    @property
    def backup_dir(self) -> Path:
        return self.data_dir / "backups"


KEY_FILE_ENV = "SAFESPACE_DB_KEY_FILE"
KEY_CREDENTIAL = "safespace-db-key"


def db_key_path(config: Config) -> Path | None:
    """Where the database key is, if encryption at rest is on: config.toml's ``db_key_file``, else
    ``$SAFESPACE_DB_KEY_FILE``, else the systemd credential; None means plain SQLite (the default)."""
    if config.db_key_file:
        return Path(config.db_key_file).expanduser()
    if env := os.environ.get(KEY_FILE_ENV):
        return Path(env).expanduser()
    if credentials := os.environ.get("CREDENTIALS_DIRECTORY"):
        candidate = Path(credentials) / KEY_CREDENTIAL
        if candidate.exists():
            return candidate
    return None


def read_db_key(config: Config) -> str | None:
    """The database passphrase (the key file's text, one trailing newline dropped), or None.

    A key inside the data dir is refused: a backup or a stolen copy of the dir would carry the key
    that opens it. The key is never logged or printed.
    """
    path = db_key_path(config)
    if path is None:
        return None
    resolved = path.resolve()
    if resolved == config.data_dir or config.data_dir in resolved.parents:
        raise ConfigError(
            f"the database key {path} is inside the data directory; keep it elsewhere "
            "(a copy of the data directory must not carry the key that opens it)"
        )
    try:
        data = resolved.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"the database key file {path} does not exist") from None
    except OSError as error:
        raise ConfigError(f"cannot read the database key file {path}: {error.strerror}") from None
    try:
        key = data.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise ConfigError(f"the database key file {path} is not text") from None
    if len(key) < 16:
        raise ConfigError(f"the database key in {path} is too short: use at least 16 characters")
    return key


def default_data_dir() -> Path:
    """``$SAFESPACE_DATA_DIR``, else the XDG data home, else ~/.local/share/safespace."""
    if env := os.environ.get(DATA_DIR_ENV):
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "safespace"


class ConfigError(ValueError):
    """config.toml says something we cannot use; the message says what and where."""


_SIMPLE = {f.name for f in fields(Config)}


def load_config(data_dir: Path | str | None = None, **overrides: object) -> Config:
    """Read ``config.toml`` from the data dir (if any) and apply explicit overrides."""
    directory = Path(data_dir).expanduser() if data_dir else default_data_dir()
    config = Config(data_dir=directory.resolve())
    values: dict[str, Any] = {}  # field name -> value: from config.toml (checked there) or the overrides
    if config.config_path.exists():
        try:
            raw = tomllib.loads(config.config_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise ConfigError(f"{config.config_path}: {error}") from None
        values = _from_toml(raw, config)
    values.update({k: v for k, v in overrides.items() if v is not None})
    return replace(config, **values)


def _from_toml(raw: dict, defaults: Config) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "crisis_lines":
            try:
                values[key] = tuple(CrisisLine(str(item["name"]), str(item["contact"])) for item in value)
            except (TypeError, KeyError):
                raise ConfigError("crisis_lines must be a list of tables with name and contact") from None
        elif key == "solicitation_patterns":
            values[key] = _solicitation_patterns(value)
        elif key == "self_harm_phrases":
            values[key] = tuple(str(p).lower() for p in value)
        elif key in _SIMPLE and key != "data_dir":
            expected = type(getattr(defaults, key))
            if expected is float and isinstance(value, int):
                value = float(value)
            if not isinstance(value, expected):
                raise ConfigError(f"{key} should be {expected.__name__}, not {value!r}")
            values[key] = value
        else:
            raise ConfigError(f"unknown setting {key!r} in config.toml")
    return values


def _solicitation_patterns(value: object) -> tuple[tuple[str, str], ...]:
    """``[[solicitation_patterns]]`` tables of ``kind`` and ``pattern`` (a regular expression)."""
    try:
        patterns = tuple((str(item["kind"]), str(item["pattern"])) for item in value)  # type: ignore[attr-defined]
    except (TypeError, KeyError):
        raise ConfigError("solicitation_patterns must be a list of tables with kind and pattern") from None
    for kind, pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ConfigError(f"solicitation_patterns: the pattern for {kind!r} is not valid: {error}") from None
    return patterns
