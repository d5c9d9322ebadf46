"""Login throttling: after a few free failures each attempt waits, twice as long after each
failure, counted per e-mail and per client address; a waiting attempt is refused before
its password is looked at."""

import asyncio

import factories as f
import httpx
import pytest

from helpdesk import models
from helpdesk.app import create_app
from helpdesk.resolvers.accounts import Backoff
from helpdesk.settings import Settings

PASSWORD = "correct horse battery"
LOGIN = """mutation($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) { token errors { code } } }"""


@pytest.fixture
def app(database_url):
    settings = Settings(
        database_url=database_url,
        login_free_failures=3,
        login_free_failures_per_address=5,
        login_base_delay_seconds=60,
    )
    return create_app(settings, manage_database=False)


@pytest.fixture
async def from_address(app):
    """An HTTP client of the app connecting from the given address."""
    clients: list[httpx.AsyncClient] = []

    def connect(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(address, 50000))
        clients.append(httpx.AsyncClient(transport=transport, base_url="http://testserver"))
        return clients[-1]

    yield connect
    for client in clients:
        await client.aclose()


async def login(client, email: str, password: str) -> dict:
    return await f.gql(client, LOGIN, {"email": email, "password": password})


def outcome(result: dict) -> str:
    """INVALID_CREDENTIALS, RATE_LIMITED or SIGNED_IN."""
    if result.get("errors"):
        return result["errors"][0]["extensions"]["code"]
    payload = result["data"]["login"]
    return payload["errors"][0]["code"] if payload["errors"] else "SIGNED_IN"


@pytest.fixture
async def lena(database_url):
    return await f.customer(await f.organization(), email="lena@example.com", password=PASSWORD)


async def test_after_the_free_failures_an_attempt_is_refused_with_rate_limited(from_address, lena):
    client = from_address("10.0.0.1")
    failures = [outcome(await login(client, "lena@example.com", "guess")) for _ in range(3)]
    assert failures == ["INVALID_CREDENTIALS"] * 3
    refused = await login(client, "lena@example.com", "guess")
    assert refused["data"] is None
    [error] = refused["errors"]
    assert error["extensions"] == {"code": "RATE_LIMITED", "retryAfter": 60}
    assert "try again in 60 s" in error["message"]


async def test_the_right_password_is_refused_while_the_account_waits(from_address, lena):
    client = from_address("10.0.0.1")
    for _ in range(3):
        await login(client, "lena@example.com", "guess")
    assert outcome(await login(client, "lena@example.com", PASSWORD)) == "RATE_LIMITED"
    assert not await models.ApiToken.filter(kind=models.TokenKind.SESSION).exists()


async def test_the_throttle_holds_for_the_account_whatever_the_case_of_the_email(
    from_address, lena
):
    client = from_address("10.0.0.1")
    for email in ("lena@example.com", "LENA@example.com", " Lena@Example.com "):
        await login(client, email, "guess")
    assert outcome(await login(client, "lena@EXAMPLE.com", PASSWORD)) == "RATE_LIMITED"


async def test_another_account_from_another_address_is_unaffected(from_address, lena):
    await f.customer(await f.organization(), email="omar@example.com", password=PASSWORD)
    attacker, omar = from_address("10.0.0.1"), from_address("10.0.0.2")
    for _ in range(4):
        await login(attacker, "lena@example.com", "guess")
    assert outcome(await login(omar, "omar@example.com", PASSWORD)) == "SIGNED_IN"
    # The account itself waits, from any address.
    assert outcome(await login(omar, "lena@example.com", PASSWORD)) == "RATE_LIMITED"


async def test_one_address_guessing_many_accounts_is_slowed_down(from_address, lena):
    attacker = from_address("10.0.0.1")
    guesses = [outcome(await login(attacker, f"person{n}@example.com", "guess")) for n in range(5)]
    assert guesses == ["INVALID_CREDENTIALS"] * 5
    assert outcome(await login(attacker, "lena@example.com", PASSWORD)) == "RATE_LIMITED"
    assert outcome(await login(from_address("10.0.0.2"), "lena@example.com", PASSWORD)) == (
        "SIGNED_IN"
    )


async def test_an_ipv6_host_rotating_through_its_block_counts_as_one_address(from_address, lena):
    for n in range(5):
        await login(from_address(f"2001:db8::{n + 1}"), f"person{n}@example.com", "guess")
    assert outcome(await login(from_address("2001:db8::ff"), "lena@example.com", PASSWORD)) == (
        "RATE_LIMITED"
    )
    assert outcome(await login(from_address("2001:db8:1::1"), "lena@example.com", PASSWORD)) == (
        "SIGNED_IN"
    )


async def test_guesses_sent_all_at_once_get_no_more_than_the_free_failures(from_address, lena):
    client = from_address("10.0.0.1")
    results = await asyncio.gather(
        *(login(client, "lena@example.com", f"guess {n}") for n in range(12))
    )
    outcomes = sorted(outcome(r) for r in results)
    assert outcomes == ["INVALID_CREDENTIALS"] * 3 + ["RATE_LIMITED"] * 9


async def test_signing_in_starts_the_accounts_count_over(database_url, lena):
    settings = Settings(
        database_url=database_url, login_free_failures=2, login_base_delay_seconds=0.5
    )
    transport = httpx.ASGITransport(app=create_app(settings, manage_database=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for _ in range(2):
            await login(client, "lena@example.com", "guess")
        assert outcome(await login(client, "lena@example.com", PASSWORD)) == "RATE_LIMITED"
        await asyncio.sleep(0.6)
        assert outcome(await login(client, "lena@example.com", PASSWORD)) == "SIGNED_IN"
        again = [outcome(await login(client, "lena@example.com", "guess")) for _ in range(2)]
        assert again == ["INVALID_CREDENTIALS"] * 2


async def test_a_wrong_current_password_in_change_password_counts_as_a_failed_login(
    from_address, lena
):
    client = from_address("10.0.0.1")
    change = """mutation($current: String!) {
      changePassword(input: {currentPassword: $current, newPassword: "a brand new one"}) {
        errors { code } } }"""
    for _ in range(3):
        await f.gql(client, change, {"current": "guess"}, as_=lena)
    refused = await f.gql(client, change, {"current": PASSWORD}, as_=lena)
    assert refused["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert outcome(await login(client, "lena@example.com", PASSWORD)) == "RATE_LIMITED"


def test_each_failure_past_the_free_ones_doubles_the_wait_up_to_the_cap():
    now = [0.0]
    backoff = Backoff(free=2, base=1.0, cap=5.0, forget_after=3600, clock=lambda: now[0])
    waits = []
    for _ in range(6):
        now[0] += backoff.wait("lena")
        backoff.begin("lena")
        backoff.end("lena", failed=True)
        waits.append(backoff.wait("lena"))
    assert waits == [0, 1, 2, 4, 5, 5]


def test_failures_are_forgotten_after_a_quiet_while():
    now = [0.0]
    backoff = Backoff(free=1, base=60.0, cap=900.0, forget_after=3600, clock=lambda: now[0])
    backoff.begin("lena")
    backoff.end("lena", failed=True)
    now[0] = 3000.0
    backoff.begin("lena")
    backoff.end("lena", failed=True)
    assert backoff.wait("lena") == 120  # still remembered: the wait doubled
    now[0] = 3000.0 + 3601
    assert backoff.wait("lena") == 0
    backoff.begin("lena")
    backoff.end("lena", failed=True)
    assert backoff.wait("lena") == 60  # counted from the start again
