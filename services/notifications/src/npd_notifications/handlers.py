"""Reactions to other services' events: the recipients read model first, then every rule for the event,
then the webhook subscriptions that want it; all in the consumer's transaction for the batch.

Deduplication, batching and the transaction are the runtime's (npd_runtime.consumer); exactly one message
per event and rule, and one delivery per recipient and channel, come from the unique keys in fanout.
"""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from npd_contracts import EVENT_TYPES, Envelope, EventData, PersonContactChanged
from npd_runtime import Handler
from npd_runtime.access import ACCESS_HANDLERS
from sqlalchemy.ext.asyncio import AsyncSession

from npd_notifications import fanout
from npd_notifications.domain import is_news
from npd_notifications.recipients import READ_MODEL
from npd_notifications.rules import RULES, Rule, rules_by_event

# What a webhook may subscribe to: every event this service reads, except the restricted contact changes.
MEMBERSHIP_EVENTS = [cls for name, cls in EVENT_TYPES.items() if name.startswith("nl.npd.membership.")]


def webhook_events(rules: Sequence[Rule[Any]] = RULES) -> list[type[EventData]]:
    types = {*MEMBERSHIP_EVENTS, *(rule.event for rule in rules)} - {PersonContactChanged}
    return sorted(types, key=lambda cls: cls.TYPE)


def _notifying(rules: Sequence[Rule[Any]], webhooks: bool) -> Handler:
    async def handle(session: AsyncSession, events: Sequence[Envelope[Any]]) -> None:
        now = datetime.now(UTC)
        # A run of events takes a few statements whatever its length: the names, one fan-out per shape of
        # audience, and one look at what enabled webhook subscriptions want.
        due = [
            (rule, event)
            for event in events
            for rule in rules
            if rule.when(event.data) and is_news(rule.at(event.data), now)
        ]
        if due:
            await fanout.notify(session, due)
        if webhooks:
            wanted = await fanout.subscribed_types(session)
            # A replay calls no endpoint with old news.
            hooked = [e for e in events if e.type in wanted and is_news(e.time, now)]
            if hooked:
                await fanout.for_webhooks(session, hooked)

    return handle


def _in_order(*steps: Handler) -> Handler:
    async def handle(session: AsyncSession, events: Sequence[Envelope[Any]]) -> None:
        for step in steps:
            await step(session, events)

    return handle


def event_handlers(rules: Sequence[Rule[Any]] = RULES) -> Mapping[type[EventData], Handler]:
    """Every event this service consumes and what it does with it (the runtime adds its access read model's
    handlers in front of these)."""
    by_event = rules_by_event(tuple(rules))
    hookable = set(webhook_events(rules))
    consumed: set[type[EventData]] = {*READ_MODEL, *by_event, *hookable, *ACCESS_HANDLERS, PersonContactChanged}
    handlers: dict[type[EventData], Handler] = {}
    for event in consumed:
        steps: list[Handler] = []
        if event in READ_MODEL:
            steps.append(READ_MODEL[event])
        if event in by_event or event in hookable:
            steps.append(_notifying(by_event.get(event, ()), webhooks=event in hookable))
        if steps:
            handlers[event] = _in_order(*steps)
    return handlers
