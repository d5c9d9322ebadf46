"""What typed resolver inputs share: UNSET, a field that was not given.

None means "clear it"; UNSET means "leave it alone" (or "use the default" when creating).
The schema maps strawberry's own UNSET to this one, so nothing below it knows GraphQL."""

from enum import Enum
from typing import Final, Literal, TypeAlias, TypeVar

T = TypeVar("T")


class Unset(Enum):
    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> Literal[False]:
        return False


UNSET: Final = Unset.UNSET
# A field that may be left out: Maybe[str | None] is a string, None (clear it) or UNSET.
Maybe: TypeAlias = T | Literal[Unset.UNSET]


def value_or(value: Maybe[T], default: T) -> T:
    return default if value is UNSET else value
