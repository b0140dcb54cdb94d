"""The hub: fan-out by topic, isolation of failing subscribers, and each callback in its subscriber's context."""

from __future__ import annotations

import contextvars

from safespace_tui.hub import Hub

current_session = contextvars.ContextVar("current_session", default="none")


def test_publish_reaches_only_subscribers_of_the_topic_and_unsubscribe_works():
    hub = Hub()
    seen = []
    off = hub.subscribe("a", seen.append)
    hub.subscribe("b", lambda e: seen.append(("b", e)))
    assert hub.publish("a", 1) == 1
    off()
    assert hub.publish("a", 2) == 0
    assert seen == [1]
    assert hub.subscriber_count("a") == 0


def test_a_failing_subscriber_does_not_stop_the_others():
    hub = Hub()
    seen = []

    def broken(event):
        raise RuntimeError("boom")

    hub.subscribe("t", broken)
    hub.subscribe("t", seen.append)
    assert hub.publish("t", "x") == 1
    assert seen == ["x"]


def test_callbacks_run_in_the_subscribers_context_not_the_publishers():
    """Textual's `app` is a context variable: a callback must see its own session, not the publisher's."""
    hub = Hub()
    seen = []

    def subscribe_as(name):
        current_session.set(name)
        hub.subscribe("t", lambda event: seen.append(current_session.get()))

    contextvars.copy_context().run(subscribe_as, "ann")
    contextvars.copy_context().run(subscribe_as, "bea")
    current_session.set("publisher")
    hub.publish("t", None)
    assert sorted(seen) == ["ann", "bea"]
