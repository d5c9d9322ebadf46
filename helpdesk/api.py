"""The whole GraphQL schema: queries and mutations from schema/, the subscription root type
from subscriptions/, which sits above it."""

import strawberry

from helpdesk import schema
from helpdesk.settings import Settings
from helpdesk.subscriptions.fields import Subscription


def build_schema(settings: Settings) -> strawberry.Schema:
    return schema.build(settings, subscription=Subscription)
