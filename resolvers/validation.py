"""Input checks shared by every resolver. Each adds a Problem; `done()` raises them all at once."""

import re

from helpdesk.resolvers.errors import ErrorCode, InvalidInput, Problem

MAX_PASSWORD = 256  # argon2 never hashes an arbitrarily long input
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TELEGRAM = re.compile(r"^@?[A-Za-z0-9_]{5,32}$")
PHONE = re.compile(r"^\+?[0-9 ()\-.]{6,32}$")
# NUL ends strings in C and PostgreSQL refuses it; a lone surrogate has no UTF-8 form, so
# argon2, SQLite and PostgreSQL fail on it. A valid pair is one code point in a str.
BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
# Wallet addresses and transaction hashes of the common chains.
WALLET = [
    re.compile(r"^0x[0-9a-fA-F]{40}$"),  # EVM address
    re.compile(r"^0x[0-9a-fA-F]{64}$"),  # EVM transaction hash
    re.compile(r"^[0-9a-fA-F]{64}$"),  # Bitcoin transaction id
    re.compile(r"^(bc1|tb1)[02-9ac-hj-np-z]{11,71}$"),  # Bitcoin bech32 address
    re.compile(r"^[13][1-9A-HJ-NP-Za-km-z]{25,34}$"),  # Bitcoin legacy address
    re.compile(r"^[1-9A-HJ-NP-Za-km-z]{32,88}$"),  # base58: Solana address or signature
    re.compile(r"^T[1-9A-HJ-NP-Za-km-z]{33}$"),  # Tron address
]


def text_problem(value: str) -> str | None:
    """What makes a string unfit to store, or None if it is valid text."""
    found = BAD_TEXT.search(value)
    if found is None:
        return None
    char = ord(found.group())
    return "a NUL character (U+0000)" if char == 0 else f"a lone surrogate (U+{char:04X})"


class Checks:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, field: str | None, code: ErrorCode, message: str) -> None:
        if code is ErrorCode.REQUIRED and any(p.field == field for p in self.problems):
            return  # a value refused as invalid is not also missing
        self.problems.append(Problem(field, code, message))

    def done(self) -> None:
        if self.problems:
            raise InvalidInput(self.problems)

    def text(
        self, field: str, value: str | None, *, max_length: int, required: bool = False
    ) -> str | None:
        """Strips the value; returns None for blank or invalid text (which must reach no
        query). Checks that it is present, valid text and not too long."""
        if value is not None:
            value = value.strip()
        if not value:
            if required:
                self.add(field, ErrorCode.REQUIRED, f"{field} is required")
            return None
        if not self.valid_text(field, value):
            return None
        if len(value) > max_length:
            self.add(field, ErrorCode.TOO_LONG, f"{field} must be at most {max_length} characters")
        return value

    def required_text(self, field: str, value: str | None, *, max_length: int) -> str:
        """`text` for a field that must be given. "" stands in for a missing or invalid
        value: its problem is recorded, and `done` raises before "" can reach a query."""
        return self.text(field, value, max_length=max_length, required=True) or ""

    def email(self, field: str, value: str | None, *, required: bool = False) -> str | None:
        value = self.text(field, value, max_length=254, required=required)
        if value is None:
            return None
        if not EMAIL.match(value):
            self.add(field, ErrorCode.INVALID_EMAIL, f"{field} is not an e-mail address: {value!r}")
        return value.lower()

    def telegram(self, field: str, value: str | None) -> str | None:
        value = self.text(field, value, max_length=33)
        if value is not None and not TELEGRAM.match(value):
            self.add(
                field, ErrorCode.INVALID_TELEGRAM, f"{field} is not a Telegram handle: {value!r}"
            )
        return value if value is None or value.startswith("@") else "@" + value

    def phone(self, field: str, value: str | None) -> str | None:
        value = self.text(field, value, max_length=32)
        if value is not None and not PHONE.match(value):
            self.add(field, ErrorCode.INVALID_PHONE, f"{field} is not a phone number: {value!r}")
        return value

    def wallet(self, field: str, value: str | None) -> str | None:
        value = self.text(field, value, max_length=128)
        if value is not None and not any(p.match(value) for p in WALLET):
            self.add(
                field,
                ErrorCode.INVALID_WALLET,
                f"{field} is neither a wallet address nor a transaction hash: {value!r}",
            )
        return value

    def valid_text(self, field: str, value: str) -> bool:
        problem = text_problem(value)
        if problem:
            self.add(
                field, ErrorCode.INVALID_TEXT, f"{field} is not valid text: it holds {problem}"
            )
        return problem is None

    def password(self, field: str, value: str | None) -> str | None:
        if value and not self.valid_text(field, value):
            return None
        if not value or len(value) < 8:
            self.add(field, ErrorCode.TOO_SHORT, f"{field} must be at least 8 characters")
        elif len(value) > MAX_PASSWORD:
            self.add(
                field, ErrorCode.TOO_LONG, f"{field} must be at most {MAX_PASSWORD} characters"
            )
        return value

    def rating(self, field: str, value: int) -> int:
        if not 1 <= value <= 5:
            self.add(field, ErrorCode.OUT_OF_RANGE, f"{field} must be from 1 to 5, not {value}")
        return value
