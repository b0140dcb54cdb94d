"""Pure rules: who may do what. No Textual, no SSH; every permission check lives here."""

from __future__ import annotations

import time

from ..config import Config
from ..hub import Hub
from ..store.db import Store
from .access import AccessWatch
from .audit import AuditService
from .away import AwayService
from .boundaries import BoundaryService
from .channel_admin import ChannelAdmin
from .channels import ChannelService
from .checkins import CheckInService
from .cheers import CheerService
from .crisis import CrisisService
from .debriefs import DebriefService
from .deletion import DeletionService
from .export import ExportService
from .goals import GoalService
from .group_texts import GroupTextService
from .invites import InviteService
from .mediation import MediationService
from .members import MemberService
from .messages import MessageService
from .moderation import ModerationService
from .no_sales import NoSalesService
from .nominations import NominationService
from .notices import NoticeService
from .onboarding import OnboardingService
from .own_words import OwnWordsService
from .preferences import PreferenceService
from .presence import Presence
from .private_talk import PrivateTalkService
from .profiles import ProfileService
from .reports import ReportService
from .safety_plans import SafetyPlanService
from .search import SearchService
from .spoons import SpoonService
from .wellbeing import WellbeingService


class Services:
    """Everything a session may ask of the server, built once per process."""

    def __init__(self, config: Config, store: Store, hub: Hub) -> None:
        self.config = config
        self.store = store
        self.hub = hub
        self.presence = Presence(hub)
        self.members = MemberService(store, hub)
        # what the CLI (another process) changed: noticed here, not by the SSH server
        self.access = AccessWatch(self.members, self.presence, hub, config.session_check_interval)
        self.channels = ChannelService(store, hub, config.history_page)
        # a member's day: spoons, check-ins, stepping away (issue 4)
        self.spoons = SpoonService(store, hub, config.spoons_max)
        self.checkins = CheckInService(store, hub, self.spoons)
        self.away = AwayService(store, hub, self.spoons)
        self.crisis = CrisisService(config, store, hub, self.presence)
        # every message a member types: cleaned once, crisis rules, posted
        # boundaries (issue 11): the no-money rule and flood control on the send path; CWs, trigger
        # filters and mutes decided per reader
        self.no_sales = NoSalesService(config, store, hub, self.channels)
        self.messages = MessageService(config, self.channels, self.crisis, self.no_sales)
        self.boundaries = BoundaryService(store, hub)
        self.safety_plans = SafetyPlanService(store)
        # seniors reached outside the app when an SOS waits (issue 9); started by the server
        self.notices = NoticeService(config, store, hub, self.presence)
        self.audit = AuditService(store)
        # responder care: a senior's private debrief after closing an alert, for admins only
        self.debriefs = DebriefService(store)
        self.texts = GroupTextService(store)
        # finding things: search, /mentions, a message in its context (issue 12)
        self.search = SearchService(store)
        # channels an admin renames, re-topics or archives from the CLI: seen live (issue 12)
        self.channel_admin = ChannelAdmin(store, hub)
        self.access.also.append(self.channel_admin.check)
        # the seniors' monitoring pane: the group at a glance, for senior members only (issue 14)
        self.wellbeing = WellbeingService(config, store, hub, self.presence, self.crisis, self.spoons)
        # joining (issue 10): invites and capacity, nominations and screening, onboarding
        self.invites = InviteService(store, hub, time.monotonic)
        self.nominations = NominationService(store, hub, self.invites)
        self.onboarding = OnboardingService(store, hub, self.texts, self.messages)
        # a member's own data (issue 10): export, profiles, cheers, goals, deletion
        self.export = ExportService(store)
        self.profiles = ProfileService(store, hub)
        self.deletion = DeletionService(store, hub)
        self.cheers = CheerService(store, hub)
        self.goals = GoalService(store)
        # how a member's sessions open: the plain line mode or the app (issue 12)
        self.preferences = PreferenceService(store)
        # your own words and reports (issue 11): edit and delete one's own messages; report, hide
        self.own_words = OwnWordsService(store, hub, self.no_sales)
        self.reports = ReportService(store, hub)
        # warnings and timeouts from leadership (issue 11)
        self.moderation = ModerationService(store, hub, self.members)
        self.private_talk = PrivateTalkService(store, hub)  # leadership talks privately with a member
        # mediation (issue 11): requests, mediators' slots, the private room; rooms open on the watch round
        self.mediation = MediationService(store, hub)
        self.access.also.append(self.mediation.tick)
