"""The keys of LogEvent.changes, named once. Resolvers write them, the live layer reverts
ticket facts by them and the schema shows them as `FieldChange.field`.

The values are what existing rows hold: never rename one."""

from enum import StrEnum


class Change(StrEnum):
    # A ticket's fields (created, updated, assigned, moved through the workflow).
    SUMMARY = "summary"
    DESCRIPTION = "description"
    STATUS = "status"
    PRIORITY = "priority"
    CHANNEL = "channel"
    ORGANIZATION_ID = "organizationId"
    PRIMARY_CONTACT_ID = "primaryContactId"
    CATEGORY_ID = "categoryId"
    MODULE_ID = "moduleId"
    OWNER_ID = "ownerId"
    CC_CONTACT_IDS = "ccContactIds"
    CC_EMAILS = "ccEmails"
    ERROR_CODE = "errorCode"
    WALLET_ADDRESS = "walletAddress"
    WALLET_PROVIDER = "walletProvider"
    DEVICE = "device"
    RATING = "rating"
    FEEDBACK = "feedback"
    # A comment's kind, or a token's.
    KIND = "kind"
    # Contacts, organizations, categories, modules, tokens.
    NAME = "name"
    EMAIL = "email"
    TELEGRAM = "telegram"
    PHONE = "phone"
    ROLE = "role"
    ORGANIZATION = "organization"  # a contact's organization, as a role change moves it
    IS_ACTIVE = "isActive"
    # A chat's state, and why it ended.
    CHAT_STATE = "chatState"
    REASON = "reason"
    # A person's Data Log.
    HIDDEN = "hidden"
    LOG_EVENT = "logEvent"
    # An attachment: its cleaned name, the type found in its content, its size in bytes.
    FILENAME = "filename"
    CONTENT_TYPE = "contentType"
    SIZE = "size"
