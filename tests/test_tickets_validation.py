"""Bad input to createTicket, updateTicket, addComment, confirmResolution and
rejectResolution: each problem is named by `code` and `field`, and nothing is written."""

from types import SimpleNamespace

import factories as f
import pytest

from helpdesk.models import Status
from helpdesk.resolvers import catalog, contacts, tickets

ERRORS = "errors { code field message }"
CREATE = f"""mutation($input: CreateTicketInput!) {{ createTicket(input: $input) {{
  ticket {{ id status walletAddress ccEmails summary description }} {ERRORS} }} }}"""
UPDATE = f"""mutation($input: UpdateTicketInput!) {{ updateTicket(input: $input) {{
  ticket {{ id version summary description walletAddress }} {ERRORS} }} }}"""
COMMENT = f"""mutation($input: AddCommentInput!) {{ addComment(input: $input) {{
  comment {{ id }} {ERRORS} }} }}"""
CONFIRM = f"""mutation($input: ConfirmResolutionInput!) {{ confirmResolution(input: $input) {{
  ticket {{ id status rating }} {ERRORS} }} }}"""
REJECT = f"""mutation($input: RejectResolutionInput!) {{ rejectResolution(input: $input) {{
  ticket {{ id status }} {ERRORS} }} }}"""
STATE = """query($id: ID!) { node(id: $id) { ... on Ticket {
  status version summary description priority walletAddress ccEmails errorCode device
  walletProvider rating feedback organization { id } primaryContact { id } owner { id }
  category { id } module { id } ccContacts { id } comments { nodes { id } }
  history { nodes { kind } } } } }"""
COUNT = "{ tickets(filter: {includeResolved: true, includeClosed: true}) { totalCount } }"

EVM_ADDRESS = "0x52908400098527886E0F7030069857D2E4169EE7"
EVM_TX = "0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060"
BTC_BECH32 = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
BTC_TAPROOT = "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297"
BTC_LEGACY = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
BTC_P2SH = "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"
BTC_TXID = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"


@pytest.fixture
async def w(client):
    acme = await f.organization("Acme")
    globex = await f.organization("Globex")
    admin = await f.admin()
    return SimpleNamespace(
        client=client,
        acme=acme,
        globex=globex,
        alice=await f.customer(acme),
        bob=await f.customer(acme),
        gina=await f.customer(globex),
        agent=await f.agent(),
        admin=admin,
        module=await catalog.create_module(admin.viewer, "Wallet"),
    )


def gid(ticket) -> str:
    return f.global_id("Ticket", ticket.id)


def org_id(org) -> str:
    return f.global_id("Organization", org.id)


async def run(w, query: str, input: dict, as_, name: str) -> dict:
    result = await f.gql(w.client, query, {"input": input}, as_=as_)
    assert result.get("errors") is None, result
    return result["data"][name]


def problems(body: dict) -> list[tuple[str, str | None]]:
    return [(e["code"], e["field"]) for e in body["errors"]]


async def ticket_count(w) -> int:
    result = await f.gql(w.client, COUNT, as_=w.admin)
    return result["data"]["tickets"]["totalCount"]


async def state(w, ticket) -> dict:
    result = await f.gql(w.client, STATE, {"id": gid(ticket)}, as_=w.admin)
    assert result.get("errors") is None, result
    return result["data"]["node"]


def base(**fields) -> dict:
    return {"summary": "Cannot withdraw", "description": "The button is grey.", **fields}


async def create_fails(w, input: dict, expected: list[tuple[str, str | None]], as_=None):
    body = await run(w, CREATE, input, as_ or w.alice, "createTicket")
    assert body["ticket"] is None, body
    assert problems(body) == expected, body
    assert all(e["message"] for e in body["errors"])
    assert await ticket_count(w) == 0


# --- createTicket -----------------------------------------------------------------------

CUSTOMER_CREATE_ERRORS = {
    "empty summary": (base(summary=""), [("REQUIRED", "summary")]),
    "blank summary": (base(summary="   "), [("REQUIRED", "summary")]),
    "summary too long": (base(summary="s" * 201), [("TOO_LONG", "summary")]),
    "description too long": (base(description="d" * 20_001), [("TOO_LONG", "description")]),
    "error code too long": (base(errorCode="E" * 101), [("TOO_LONG", "errorCode")]),
    "wallet provider too long": (base(walletProvider="w" * 101), [("TOO_LONG", "walletProvider")]),
    "device too long": (base(device="d" * 201), [("TOO_LONG", "device")]),
    "offline without description": (base(description=None), [("REQUIRED", "description")]),
    "offline with blank description": (base(description="  "), [("REQUIRED", "description")]),
    "cc email without domain": (base(ccEmails=["alice"]), [("INVALID_EMAIL", "ccEmails.0")]),
    "second cc email bad": (
        base(ccEmails=["ok@example.com", "a@b"]),
        [("INVALID_EMAIL", "ccEmails.1")],
    ),
    "cc email with space": (
        base(ccEmails=["bo b@example.com"]),
        [("INVALID_EMAIL", "ccEmails.0")],
    ),
    "blank cc email": (base(ccEmails=[" "]), [("REQUIRED", "ccEmails.0")]),
    "too many cc emails": (
        base(ccEmails=[f"cc{i}@example.com" for i in range(51)]),
        [("TOO_MANY", "ccEmails")],
    ),
    "short hex wallet": (base(walletAddress="0x1234"), [("INVALID_WALLET", "walletAddress")]),
    "non-hex evm wallet": (
        base(walletAddress="0x" + "g" * 40),
        [("INVALID_WALLET", "walletAddress")],
    ),
    "wallet with spaces": (
        base(walletAddress="my wallet address"),
        [("INVALID_WALLET", "walletAddress")],
    ),
    "bech32 with bad characters": (
        base(walletAddress="bc1qbbbbbbbbbbbbbiiiiiooooo"),
        [("INVALID_WALLET", "walletAddress")],
    ),
    "malformed category id": (base(categoryId="garbage"), [("INVALID_ID", "categoryId")]),
    "malformed module id": (base(moduleId="!!"), [("INVALID_ID", "moduleId")]),
    "malformed primary contact id": (
        base(primaryContactId="abc"),
        [("INVALID_ID", "primaryContactId")],
    ),
    "malformed cc contact id": (base(ccContactIds=["nope"]), [("INVALID_ID", "ccContactIds")]),
    "category id of a module": (
        base(categoryId=f.global_id("Module", 1)),
        [("INVALID_ID", "categoryId")],
    ),
    "category id with a non-numeric key": (
        base(categoryId=f.global_id("Category", "abc")),
        [("INVALID_ID", "categoryId")],
    ),
    "unknown category": (
        base(categoryId=f.global_id("Category", 999_999)),
        [("NOT_FOUND", "categoryId")],
    ),
    "unknown module": (base(moduleId=f.global_id("Module", 999_999)), [("NOT_FOUND", "moduleId")]),
    "unknown primary contact": (
        base(primaryContactId=f.global_id("Contact", 999_999)),
        [("NOT_FOUND", "primaryContactId")],
    ),
    "unknown cc contact": (
        base(ccContactIds=[f.global_id("Contact", 999_999)]),
        [("NOT_FOUND", "ccContactIds")],
    ),
    "unknown organization": (
        base(organizationId=f.global_id("Organization", 999_999)),
        [("NOT_FOUND", "organizationId")],
    ),
}


@pytest.mark.parametrize(
    ("input", "expected"), CUSTOMER_CREATE_ERRORS.values(), ids=CUSTOMER_CREATE_ERRORS.keys()
)
async def test_create_ticket_rejects_bad_input_and_creates_nothing(w, input, expected):
    await create_fails(w, input, expected)


async def test_create_ticket_reports_every_problem_at_once(w):
    await create_fails(
        w,
        base(summary="", ccEmails=["nope"], walletAddress="0xabc", device="d" * 201),
        [
            ("REQUIRED", "summary"),
            ("TOO_LONG", "device"),
            ("INVALID_WALLET", "walletAddress"),
            ("INVALID_EMAIL", "ccEmails.0"),
        ],
    )


async def test_create_ticket_with_a_cc_contact_of_another_organization_is_not_found(w):
    await create_fails(w, base(ccContactIds=[w.gina.id]), [("NOT_FOUND", "ccContactIds")])


async def test_create_ticket_with_a_staff_member_as_cc_contact_is_not_found(w):
    await create_fails(w, base(ccContactIds=[w.agent.id]), [("NOT_FOUND", "ccContactIds")])


async def test_create_ticket_with_a_deactivated_cc_contact_is_not_found(w):
    await contacts.set_active(w.admin.viewer, w.bob.contact.id, False)
    await create_fails(w, base(ccContactIds=[w.bob.id]), [("NOT_FOUND", "ccContactIds")])


async def test_create_ticket_with_a_primary_contact_of_another_organization_is_not_found(w):
    await create_fails(w, base(primaryContactId=w.gina.id), [("NOT_FOUND", "primaryContactId")])


async def test_customer_cannot_file_a_ticket_for_another_organization(w):
    await create_fails(w, base(organizationId=org_id(w.globex)), [("NOT_FOUND", "organizationId")])


async def test_staff_ticket_for_an_organization_needs_a_primary_contact_of_it(w):
    await create_fails(
        w,
        base(organizationId=org_id(w.acme), primaryContactId=w.gina.id),
        [("NOT_FOUND", "primaryContactId")],
        as_=w.agent,
    )


async def test_staff_ticket_needs_an_organization_and_a_primary_contact(w):
    await create_fails(
        w, base(), [("REQUIRED", "organizationId"), ("REQUIRED", "primaryContactId")], as_=w.agent
    )


async def test_staff_ticket_with_a_staff_primary_contact_is_not_found(w):
    await create_fails(
        w,
        base(organizationId=org_id(w.acme), primaryContactId=w.agent.id),
        [("NOT_FOUND", "primaryContactId")],
        as_=w.agent,
    )


async def test_staff_ticket_owned_by_a_customer_is_owner_not_found(w):
    await create_fails(
        w,
        base(organizationId=org_id(w.acme), primaryContactId=w.alice.id, ownerId=w.bob.id),
        [("NOT_FOUND", "ownerId")],
        as_=w.agent,
    )


async def test_staff_ticket_with_an_unknown_owner_is_not_found(w):
    await create_fails(
        w,
        base(
            organizationId=org_id(w.acme),
            primaryContactId=w.alice.id,
            ownerId=f.global_id("Contact", 999_999),
        ),
        [("NOT_FOUND", "ownerId")],
        as_=w.agent,
    )


@pytest.mark.parametrize(
    "field", [{"priority": "URGENT"}, {"ownerId": "AGENT"}], ids=["priority", "owner"]
)
async def test_customer_setting_priority_or_owner_on_create_is_forbidden(w, field):
    field = {k: (w.agent.id if v == "AGENT" else v) for k, v in field.items()}
    result = await f.gql(w.client, CREATE, {"input": base(**field)}, as_=w.alice)
    assert result["data"] is None
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await ticket_count(w) == 0


async def test_create_ticket_without_a_token_is_unauthenticated(w):
    result = await f.gql(w.client, CREATE, {"input": base()})
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await ticket_count(w) == 0


@pytest.mark.parametrize(
    "wallet",
    [
        EVM_ADDRESS,
        EVM_ADDRESS.lower(),
        EVM_TX,
        BTC_BECH32,
        BTC_TAPROOT,
        BTC_LEGACY,
        BTC_P2SH,
        BTC_TXID,
    ],
    ids=["evm", "evm-lower", "evm-tx", "bech32", "taproot", "legacy", "p2sh", "btc-txid"],
)
async def test_create_ticket_accepts_wallet_addresses_and_transaction_hashes(w, wallet):
    body = await run(w, CREATE, base(walletAddress=f"  {wallet} "), w.alice, "createTicket")
    assert body["errors"] == []
    assert body["ticket"]["walletAddress"] == wallet


async def test_create_ticket_accepts_fields_at_their_length_limits(w):
    input = base(summary="s" * 200, description="d" * 20_000, errorCode="E" * 100, device="x" * 200)
    body = await run(w, CREATE, input, w.alice, "createTicket")
    assert body["errors"] == []
    assert len(body["ticket"]["summary"]) == 200


async def test_create_ticket_stores_cc_emails_lowercased_and_once(w):
    input = base(ccEmails=["Boss@Example.com", "boss@example.com", "it@example.org"])
    body = await run(w, CREATE, input, w.alice, "createTicket")
    assert body["errors"] == []
    assert body["ticket"]["ccEmails"] == ["boss@example.com", "it@example.org"]


async def test_a_chat_ticket_needs_no_description(w):
    body = await run(
        w, CREATE, {"summary": "Live chat", "channel": "CHAT"}, w.alice, "createTicket"
    )
    assert body["errors"] == []
    assert body["ticket"]["description"] == ""


# --- updateTicket -----------------------------------------------------------------------


async def update_fails(w, fields: dict, expected, as_=None):
    ticket = await f.ticket(w.alice, cc_contact_ids=[w.bob.contact.id])
    before = await state(w, ticket)
    body = await run(w, UPDATE, {"ticketId": gid(ticket), **fields}, as_ or w.agent, "updateTicket")
    assert body["ticket"] is None, body
    assert problems(body) == expected, body
    assert await state(w, ticket) == before


UPDATE_ERRORS = {
    "empty summary": ({"summary": ""}, [("REQUIRED", "summary")]),
    "null summary": ({"summary": None}, [("REQUIRED", "summary")]),
    "summary too long": ({"summary": "s" * 201}, [("TOO_LONG", "summary")]),
    "description too long": ({"description": "d" * 20_001}, [("TOO_LONG", "description")]),
    "error code too long": ({"errorCode": "E" * 101}, [("TOO_LONG", "errorCode")]),
    "bad cc email": ({"ccEmails": ["x@", "ok@example.com"]}, [("INVALID_EMAIL", "ccEmails.0")]),
    "bad wallet": ({"walletAddress": "0xdeadbeef"}, [("INVALID_WALLET", "walletAddress")]),
    "unknown category": (
        {"categoryId": f.global_id("Category", 999_999)},
        [("NOT_FOUND", "categoryId")],
    ),
    "unknown module": ({"moduleId": f.global_id("Module", 999_999)}, [("NOT_FOUND", "moduleId")]),
    "malformed module": ({"moduleId": "%%%"}, [("INVALID_ID", "moduleId")]),
    "unknown primary contact": (
        {"primaryContactId": f.global_id("Contact", 999_999)},
        [("NOT_FOUND", "primaryContactId")],
    ),
    "no primary contact": ({"primaryContactId": None}, [("REQUIRED", "primaryContactId")]),
    "unknown cc contact": (
        {"ccContactIds": [f.global_id("Contact", 999_999)]},
        [("NOT_FOUND", "ccContactIds")],
    ),
    "unknown organization": (
        {"organizationId": f.global_id("Organization", 999_999)},
        [("NOT_FOUND", "organizationId")],
    ),
    "no organization": ({"organizationId": None}, [("REQUIRED", "organizationId")]),
    "blank description of an offline ticket": (
        {"description": " "},
        [("REQUIRED", "description")],
    ),
}


@pytest.mark.parametrize(("fields", "expected"), UPDATE_ERRORS.values(), ids=UPDATE_ERRORS.keys())
async def test_update_ticket_rejects_bad_input_and_changes_nothing(w, fields, expected):
    await update_fails(w, fields, expected)


async def test_update_ticket_with_a_malformed_ticket_id_is_invalid_id(w):
    body = await run(w, UPDATE, {"ticketId": "not-an-id", "summary": "x"}, w.agent, "updateTicket")
    assert problems(body) == [("INVALID_ID", "ticketId")]


async def test_update_ticket_with_a_comment_id_as_ticket_id_is_invalid_id(w):
    body = await run(
        w,
        UPDATE,
        {"ticketId": f.global_id("Comment", 1), "summary": "x"},
        w.agent,
        "updateTicket",
    )
    assert problems(body) == [("INVALID_ID", "ticketId")]


@pytest.mark.parametrize("pk", [0, -1, 2**31, 10**20], ids=["zero", "negative", "int32+1", "huge"])
async def test_update_ticket_with_a_ticket_id_out_of_range_is_invalid_id(w, pk):
    body = await run(
        w, UPDATE, {"ticketId": f.global_id("Ticket", pk), "summary": "x"}, w.agent, "updateTicket"
    )
    assert problems(body) == [("INVALID_ID", "ticketId")]


async def test_create_ticket_with_a_category_id_out_of_range_is_invalid_id(w):
    await create_fails(
        w, base(categoryId=f.global_id("Category", 10**20)), [("INVALID_ID", "categoryId")]
    )


@pytest.mark.parametrize("pk", ["0", "-1", "2147483648", str(10**20), "\u00b2"])
async def test_node_lookup_of_an_out_of_range_id_is_not_found(w, pk):
    result = await f.gql(
        w.client,
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": f.global_id("Ticket", pk)},
        as_=w.agent,
    )
    assert result["data"] is None
    assert result["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_update_ticket_with_a_cc_contact_of_another_organization_is_not_found(w):
    await update_fails(w, {"ccContactIds": [w.gina.id]}, [("NOT_FOUND", "ccContactIds")])


async def test_update_ticket_with_a_primary_contact_of_another_organization_is_not_found(w):
    await update_fails(w, {"primaryContactId": w.gina.id}, [("NOT_FOUND", "primaryContactId")])


async def test_moving_a_ticket_to_another_organization_needs_its_contacts_to_move_too(w):
    await update_fails(
        w,
        {"organizationId": org_id(w.globex)},
        [("NOT_FOUND", "primaryContactId"), ("NOT_FOUND", "ccContactIds")],
    )


async def test_staff_move_a_ticket_to_another_organization_with_its_contacts(w):
    ticket = await f.ticket(w.alice)
    body = await run(
        w,
        UPDATE,
        {
            "ticketId": gid(ticket),
            "organizationId": org_id(w.globex),
            "primaryContactId": w.gina.id,
        },
        w.agent,
        "updateTicket",
    )
    assert body["errors"] == []
    after = await state(w, ticket)
    assert after["organization"]["id"] == org_id(w.globex)
    assert after["primaryContact"]["id"] == w.gina.id


@pytest.mark.parametrize(
    "field",
    [{"priority": "URGENT"}, {"organizationId": "GLOBEX"}],
    ids=["priority", "organization"],
)
async def test_customer_setting_staff_only_fields_on_update_is_forbidden(w, field):
    field = {k: (org_id(w.globex) if v == "GLOBEX" else v) for k, v in field.items()}
    ticket = await f.ticket(w.alice)
    before = await state(w, ticket)
    result = await f.gql(
        w.client, UPDATE, {"input": {"ticketId": gid(ticket), **field}}, as_=w.alice
    )
    assert result["data"] is None
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await state(w, ticket) == before


async def test_customer_updating_another_organizations_ticket_gets_not_found(w):
    ticket = await f.ticket(w.alice)
    before = await state(w, ticket)
    result = await f.gql(
        w.client, UPDATE, {"input": {"ticketId": gid(ticket), "summary": "Mine now"}}, as_=w.gina
    )
    assert result["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert await state(w, ticket) == before


async def test_update_ticket_accepts_a_transaction_hash(w):
    ticket = await f.ticket(w.alice)
    body = await run(
        w, UPDATE, {"ticketId": gid(ticket), "walletAddress": EVM_TX}, w.alice, "updateTicket"
    )
    assert body["errors"] == []
    assert body["ticket"]["walletAddress"] == EVM_TX


async def test_update_ticket_clears_an_optional_field_with_null(w):
    ticket = await f.ticket(w.alice, wallet_address=BTC_LEGACY, module_id=w.module.id)
    body = await run(
        w,
        UPDATE,
        {"ticketId": gid(ticket), "walletAddress": None, "moduleId": None},
        w.alice,
        "updateTicket",
    )
    assert body["errors"] == []
    after = await state(w, ticket)
    assert (after["walletAddress"], after["module"]) == (None, None)


# --- addComment -------------------------------------------------------------------------

COMMENT_ERRORS = {
    "empty body": ({"body": ""}, [("REQUIRED", "body")]),
    "blank body": ({"body": " \n\t "}, [("REQUIRED", "body")]),
    "body too long": ({"body": "b" * 20_001}, [("TOO_LONG", "body")]),
    "system kind": ({"body": "hi", "kind": "SYSTEM"}, [("NOT_ALLOWED", "kind")]),
}


@pytest.mark.parametrize(("fields", "expected"), COMMENT_ERRORS.values(), ids=COMMENT_ERRORS.keys())
@pytest.mark.parametrize("who", ["alice", "agent"])
async def test_add_comment_rejects_bad_input_and_adds_nothing(w, who, fields, expected):
    ticket = await f.ticket(w.alice)
    before = await state(w, ticket)
    body = await run(w, COMMENT, {"ticketId": gid(ticket), **fields}, getattr(w, who), "addComment")
    assert body["comment"] is None
    assert problems(body) == expected
    assert await state(w, ticket) == before


async def test_add_comment_with_a_malformed_ticket_id_is_invalid_id(w):
    body = await run(w, COMMENT, {"ticketId": "xyz", "body": "hi"}, w.alice, "addComment")
    assert problems(body) == [("INVALID_ID", "ticketId")]


async def test_add_comment_on_an_unknown_ticket_is_not_found(w):
    result = await f.gql(
        w.client,
        COMMENT,
        {"input": {"ticketId": f.global_id("Ticket", 999_999), "body": "hi"}},
        as_=w.alice,
    )
    assert result["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_add_comment_accepts_a_body_at_its_length_limit(w):
    ticket = await f.ticket(w.alice)
    body = await run(
        w, COMMENT, {"ticketId": gid(ticket), "body": "b" * 20_000}, w.alice, "addComment"
    )
    assert body["errors"] == []


# --- confirmResolution and rejectResolution ---------------------------------------------


async def resolved_ticket(w):
    ticket = await f.ticket(w.alice)
    await tickets.change_status(w.agent.viewer, ticket.id, Status.RESOLVED, None)
    return ticket


@pytest.mark.parametrize("rating", [0, 6, -1, 100])
async def test_confirm_resolution_rating_out_of_range_changes_nothing(w, rating):
    ticket = await resolved_ticket(w)
    before = await state(w, ticket)
    body = await run(
        w, CONFIRM, {"ticketId": gid(ticket), "rating": rating}, w.alice, "confirmResolution"
    )
    assert body["ticket"] is None
    assert problems(body) == [("OUT_OF_RANGE", "rating")]
    assert await state(w, ticket) == before
    assert before["status"] == "RESOLVED"


@pytest.mark.parametrize("rating", [1, 5])
async def test_confirm_resolution_accepts_ratings_1_and_5(w, rating):
    ticket = await resolved_ticket(w)
    body = await run(
        w, CONFIRM, {"ticketId": gid(ticket), "rating": rating}, w.alice, "confirmResolution"
    )
    assert body["errors"] == []
    assert body["ticket"]["rating"] == rating


async def test_confirm_resolution_with_too_long_feedback_changes_nothing(w):
    ticket = await resolved_ticket(w)
    before = await state(w, ticket)
    body = await run(
        w,
        CONFIRM,
        {"ticketId": gid(ticket), "rating": 5, "feedback": "f" * 20_001},
        w.alice,
        "confirmResolution",
    )
    assert problems(body) == [("TOO_LONG", "feedback")]
    assert await state(w, ticket) == before


async def test_confirm_resolution_reports_rating_and_feedback_problems_together(w):
    ticket = await resolved_ticket(w)
    body = await run(
        w,
        CONFIRM,
        {"ticketId": gid(ticket), "rating": 0, "feedback": "f" * 20_001},
        w.alice,
        "confirmResolution",
    )
    assert problems(body) == [("OUT_OF_RANGE", "rating"), ("TOO_LONG", "feedback")]


async def test_confirm_resolution_with_a_malformed_ticket_id_is_invalid_id(w):
    body = await run(w, CONFIRM, {"ticketId": "123", "rating": 5}, w.alice, "confirmResolution")
    assert problems(body) == [("INVALID_ID", "ticketId")]


@pytest.mark.parametrize("message", ["", "   "])
async def test_reject_resolution_needs_a_message(w, message):
    ticket = await resolved_ticket(w)
    before = await state(w, ticket)
    body = await run(
        w, REJECT, {"ticketId": gid(ticket), "message": message}, w.alice, "rejectResolution"
    )
    assert problems(body) == [("REQUIRED", "message")]
    assert await state(w, ticket) == before


async def test_reject_resolution_with_too_long_a_message_changes_nothing(w):
    ticket = await resolved_ticket(w)
    before = await state(w, ticket)
    body = await run(
        w,
        REJECT,
        {"ticketId": gid(ticket), "message": "m" * 20_001},
        w.alice,
        "rejectResolution",
    )
    assert problems(body) == [("TOO_LONG", "message")]
    assert await state(w, ticket) == before
