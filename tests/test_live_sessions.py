"""Every operation on a websocket re-checks the socket's token first: an expired, revoked or
outdated session closes the socket (4403) and the operation does not run."""

from datetime import UTC, datetime, timedelta

import factories as f
import pytest
import websockets
from live import LiveClient

from helpdesk import models

PASSWORD = "correct horse battery"
LOGIN = """mutation($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) {
    token viewer { email organization { name } } errors { code } } }"""
VIEWER = "{ viewer { email organization { name } } }"
MINT = """mutation { createApiToken(input: {name: "minted"}) { secret errors { code } } }"""
LOGOUT = "mutation { logout { errors { code } } }"
CHANGE_PASSWORD = """mutation { changePassword(input: {
  currentPassword: "correct horse battery", newPassword: "a much better passphrase"}) {
  errors { code } } }"""


async def session(server, email: str) -> str:
    data = await server.gql(LOGIN, {"email": email, "password": PASSWORD})
    return data["login"]["token"]


async def socket(server, token: str) -> LiveClient:
    client = await LiveClient.connect(server, token)
    await client.acked()
    return client


async def run(client: LiveClient, document: str, variables: dict | None = None) -> dict:
    op = await client.subscribe(document, variables)
    return await client.next(op)


async def refused(client: LiveClient, document: str) -> int:
    """Sends an operation; the server must close the socket without answering it."""
    with pytest.raises(websockets.ConnectionClosed) as closed:
        op = await client.subscribe(document)
        while True:
            message = await client.receive(timeout=5)
            assert message.get("id") != op, message
    return closed.value.rcvd.code


@pytest.fixture
async def lena(world):
    return await f.customer(world["acme"], email="lena@example.com", password=PASSWORD)


async def test_an_expired_session_cannot_run_a_query_on_an_open_socket(server, lena):
    client = await socket(server, await session(server, "lena@example.com"))
    assert (await run(client, VIEWER))["data"]["viewer"]["email"] == "lena@example.com"
    await models.ApiToken.filter(kind=models.TokenKind.SESSION).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    assert await refused(client, VIEWER) == 4403


async def test_an_expired_session_cannot_mint_an_api_token_on_an_open_socket(server, lena):
    client = await socket(server, await session(server, "lena@example.com"))
    await models.ApiToken.filter(kind=models.TokenKind.SESSION).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    assert await refused(client, MINT) == 4403
    assert not await models.ApiToken.filter(name="minted").exists()


async def test_a_query_right_after_logout_on_the_same_socket_is_refused(server, lena):
    client = await socket(server, await session(server, "lena@example.com"))
    assert (await run(client, LOGOUT))["data"]["logout"]["errors"] == []
    assert await refused(client, VIEWER) == 4403


@pytest.mark.parametrize(
    "change",
    [
        {"role": models.Role.AGENT, "organization_id": None},
        {"organization_id": "globex"},
        {"is_active": False},
    ],
    ids=["role", "organization", "deactivated"],
)
async def test_a_person_changed_since_the_socket_opened_is_refused_the_next_operation(
    server, world, lena, change
):
    client = await socket(server, await session(server, "lena@example.com"))
    assert (await run(client, VIEWER))["data"]["viewer"]["organization"] == {"name": "Acme"}
    if change.get("organization_id") == "globex":
        change = {"organization_id": (await models.Organization.get(name="Globex")).id}
    # Straight to the row, with no log event: only the check before the operation sees it.
    await models.Contact.filter(id=lena.contact.id).update(**change)
    assert await refused(client, VIEWER) == 4403


async def test_login_on_a_socket_answers_as_the_new_person_and_leaves_the_socket_as_it_was(
    server, world
):
    await f.customer(
        await models.Organization.get(name="Globex"), email="gus@example.com", password=PASSWORD
    )
    client = await socket(server, world["alice"].token)
    signed_in = await run(client, LOGIN, {"email": "gus@example.com", "password": PASSWORD})
    assert signed_in["data"]["login"]["viewer"] == {
        "email": "gus@example.com",
        "organization": {"name": "Globex"},
    }
    still = (await run(client, VIEWER))["data"]["viewer"]
    assert still == {"email": world["alice"].contact.email, "organization": {"name": "Acme"}}


async def test_changing_the_password_closes_the_persons_other_sockets(server, lena):
    phone = await socket(server, await session(server, "lena@example.com"))
    laptop = await socket(server, await session(server, "lena@example.com"))
    assert (await run(laptop, CHANGE_PASSWORD))["data"]["changePassword"]["errors"] == []

    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            await phone.receive(timeout=5)
    assert closed.value.rcvd.code == 4403
    assert (await run(laptop, VIEWER))["data"]["viewer"]["email"] == "lena@example.com"
