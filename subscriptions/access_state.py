"""Who may still receive live events, kept in memory from the log event stream itself, so
a delivery never asks the database."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from helpdesk.models import LogEvent, LogKind
from helpdesk.resolvers.viewer import Viewer

# Events after which a person's open subscriptions must end: they see less (or more) now.
ACCESS_CHANGES = {
    LogKind.CONTACT_DEACTIVATED,
    LogKind.ROLE_CHANGED,
    LogKind.MEMBERSHIP_ADDED,
    LogKind.MEMBERSHIP_REMOVED,
}


@dataclass
class AccessState:
    # Contact id -> id of the last event that changed what they may see.
    contact_changed_at: dict[int, int] = field(default_factory=dict)
    # Token id -> id of the event that revoked it.
    token_revoked_at: dict[int, int] = field(default_factory=dict)

    def apply(self, events: list[LogEvent]) -> tuple[set[int], set[int]]:
        """Returns the contacts and tokens whose access just ended."""
        contacts, tokens = set(), set()
        for event in events:
            if event.kind in ACCESS_CHANGES and event.subject_contact_id is not None:
                self.contact_changed_at[event.subject_contact_id] = event.id
                contacts.add(event.subject_contact_id)
            elif event.kind is LogKind.TOKEN_REVOKED and event.subject_token_id is not None:
                self.token_revoked_at[event.subject_token_id] = event.id
                tokens.add(event.subject_token_id)
        return contacts, tokens

    def allows(self, viewer: Viewer, checked_through: int, at: datetime | None = None) -> bool:
        """Is a viewer authenticated when the stream stood at `checked_through` still valid
        (`at` now, or the time a delivery to many started)?"""
        if viewer.token_expires_at is not None and viewer.token_expires_at <= (
            at or datetime.now(UTC)
        ):
            return False
        if self.contact_changed_at.get(viewer.contact_id, 0) > checked_through:
            return False
        revoked = self.token_revoked_at.get(viewer.token_id) if viewer.token_id else None
        return revoked is None or revoked <= checked_through
