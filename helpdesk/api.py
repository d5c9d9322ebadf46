"""The whole GraphQL schema: queries and mutations from schema/, the subscription root type
from subscriptions/, which sits above it."""

import strawberry
from strawberry.tools import merge_types

from helpdesk import schema
from helpdesk.settings import Settings
from helpdesk.subscriptions.chats import ChatSubscriptions
from helpdesk.subscriptions.fields import Subscription as TicketSubscriptions
from helpdesk.subscriptions.presence import PresenceSubscriptions

# Each live domain's subscription fields, joined into one root type.
SUBSCRIPTIONS: tuple[type, ...] = (
    TicketSubscriptions,
    ChatSubscriptions,
    PresenceSubscriptions,
)


def build_schema(settings: Settings) -> strawberry.Schema:
    return schema.build(settings, subscription=merge_types("Subscription", SUBSCRIPTIONS))
