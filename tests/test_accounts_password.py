"""Changing a password ends the person's other sessions and API tokens."""

import factories as f

from helpdesk import models

PASSWORD = "correct horse battery"
NEW = "a much better passphrase"
LOGIN = """mutation($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) { token errors { code } } }"""
CHANGE_PASSWORD = """mutation($current: String!, $new: String!) {
  changePassword(input: {currentPassword: $current, newPassword: $new}) {
    errors { code field } } }"""
VIEWER = "{ viewer { email } }"


async def session(client, email: str) -> str:
    result = await f.gql(client, LOGIN, {"email": email, "password": PASSWORD})
    return result["data"]["login"]["token"]


async def signed_in_as(client, token: str) -> str | None:
    return ((await f.gql(client, VIEWER, as_=token))["data"]["viewer"] or {}).get("email")


async def test_changing_the_password_ends_every_other_session_and_api_token(client):
    org = await f.organization()
    yara = await f.customer(org, email="yara@example.com", password=PASSWORD)
    phone, laptop = (
        await session(client, "yara@example.com"),
        await session(client, "yara@example.com"),
    )
    result = await f.gql(client, CHANGE_PASSWORD, {"current": PASSWORD, "new": NEW}, as_=laptop)
    assert result["data"]["changePassword"]["errors"] == []

    assert await signed_in_as(client, laptop) == "yara@example.com"  # the one that asked
    assert await signed_in_as(client, phone) is None
    assert await signed_in_as(client, yara.token) is None  # the factory's API token


async def test_each_ended_token_is_logged_as_revoked_after_the_password_change(client):
    org = await f.organization()
    yara = await f.customer(org, email="yara@example.com", password=PASSWORD)
    someone_else = await f.customer(org)
    await session(client, "yara@example.com")
    laptop = await session(client, "yara@example.com")
    await f.gql(client, CHANGE_PASSWORD, {"current": PASSWORD, "new": NEW}, as_=laptop)

    ended = await models.ApiToken.filter(revoked_at__isnull=False).order_by("id")
    assert len(ended) == 2 and {t.contact_id for t in ended} == {yara.contact.id}
    revoked = await models.LogEvent.filter(kind=models.LogKind.TOKEN_REVOKED).order_by("id")
    assert [e.subject_token_id for e in revoked] == [t.id for t in ended]
    changed = await models.LogEvent.get(kind=models.LogKind.PASSWORD_CHANGED)
    assert all(e.id > changed.id and e.actor_id == yara.contact.id for e in revoked)
    assert await signed_in_as(client, someone_else.token) is not None


async def test_a_refused_password_change_ends_no_session(client):
    org = await f.organization()
    await f.customer(org, email="yara@example.com", password=PASSWORD)
    phone = await session(client, "yara@example.com")
    laptop = await session(client, "yara@example.com")
    result = await f.gql(client, CHANGE_PASSWORD, {"current": "wrong", "new": NEW}, as_=laptop)
    assert result["data"]["changePassword"]["errors"] == [
        {"code": "INVALID_CREDENTIALS", "field": "currentPassword"}
    ]
    assert await signed_in_as(client, phone) == "yara@example.com"
    assert not await models.LogEvent.filter(kind=models.LogKind.TOKEN_REVOKED).exists()
