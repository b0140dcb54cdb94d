"""Pure rules: who may do what. No Textual, no SSH; every permission check lives here."""

from __future__ import annotations

from ..config import Config
from ..hub import Hub
from ..store.db import Store
from .channels import ChannelService
from .group_texts import GroupTextService
from .members import MemberService
from .presence import Presence


class Services:
    """Everything a session may ask of the server, built once per process."""

    def __init__(self, config: Config, store: Store, hub: Hub) -> None:
        self.config = config
        self.store = store
        self.hub = hub
        self.presence = Presence(hub)
        self.members = MemberService(store, hub)
        self.channels = ChannelService(store, hub, config.history_page)
        self.texts = GroupTextService(store)
