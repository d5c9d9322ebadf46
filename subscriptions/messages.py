"""The shape of a graphql-transport-ws message, checked before the handler reads it:
strawberry indexes into messages as they come, so a payload that is not an object or an id
that is not a string would end the socket with an internal error, and a query that is not
a string would leave the operation hanging without an answer."""

from typing import Any

MAX_ID = 128  # clients send UUIDs or counters; the id is a key and is sent back


def shape_problem(message: Any) -> str | None:
    """Why the message cannot be handled, in words that fit a close frame; None if it can."""
    if not isinstance(message, dict):
        return "a message must be a JSON object"
    if not isinstance(message.get("type"), str):
        return "a message needs a type"
    if "id" in message and not (isinstance(message["id"], str) and len(message["id"]) <= MAX_ID):
        return f"a message id must be a string of at most {MAX_ID} characters"
    if message["type"] != "subscribe":
        return None
    payload = message.get("payload")
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return "subscribe needs a payload with a query string"
    if not isinstance(payload.get("operationName"), str | None):
        return "operationName must be a string"
    for name in ("variables", "extensions"):
        if not isinstance(payload.get(name), dict | None):
            return f"{name} must be an object"
    return None
