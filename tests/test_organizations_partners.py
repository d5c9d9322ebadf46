"""Partners: a customer who manages several organizations (seed 003) sees and files tickets
for each of them, and nothing of any other; admins add and remove the memberships, and a
removed one stops live delivery at once."""

import factories as f
import pytest
from factories import codes
from live import closed, create_ticket, event_where, listen

from helpdesk import models
from helpdesk.resolvers import organizations

ADD = """mutation($c: ID!, $o: ID!) {
  addOrganizationMembership(input: {contactId: $c, organizationId: $o}) {
    contact { organizations { name } } errors { code field message } } }"""
REMOVE = """mutation($c: ID!, $o: ID!) {
  removeOrganizationMembership(input: {contactId: $c, organizationId: $o}) {
    contact { organizations { name } } errors { code field message } } }"""
GRID = """query($f: TicketFilter) { tickets(filter: $f) { totalCount nodes { summary
  organization { name } primaryContact { email } } } }"""
CREATE = """mutation($input: CreateTicketInput!) { createTicket(input: $input) {
  ticket { summary organization { name } primaryContact { email } } errors { code field } } }"""


@pytest.fixture
async def firms(database_url):
    alpha, beta, gamma = [await f.organization(n) for n in ("Alpha", "Beta", "Gamma")]
    people = {
        "pat": await f.customer(alpha, name="Pat Partner", email="pat@alpha.test"),
        "bea": await f.customer(beta, name="Bea Beta", email="bea@beta.test"),
        "gil": await f.customer(gamma, name="Gil Gamma", email="gil@gamma.test"),
        "admin": await f.admin(),
        "agent": await f.agent(),
    }
    # Pat manages Alpha (her own) and Beta: two of the three.
    people["pat"] = await f.partner(people["pat"], beta)
    for who, summary in (("pat", "Alpha's issue"), ("bea", "Beta's issue"), ("gil", "Gamma's")):
        await f.ticket(people[who], summary=summary)
    return {"alpha": alpha, "beta": beta, "gamma": gamma, **people}


def gid(kind: str, pk: int) -> str:
    return f.global_id(kind, pk)


async def test_a_partner_sees_every_organization_they_manage_and_nothing_else(client, firms):
    pat = firms["pat"]
    grid = (await f.gql(client, GRID, as_=pat))["data"]["tickets"]
    assert sorted(t["summary"] for t in grid["nodes"]) == ["Alpha's issue", "Beta's issue"]
    by_name = await f.gql(client, GRID, {"f": {"organizationName": "Gam*"}}, as_=pat)
    assert by_name["data"]["tickets"]["totalCount"] == 0
    beta_only = await f.gql(client, GRID, {"f": {"organizationName": "Beta"}}, as_=pat)
    assert [t["summary"] for t in beta_only["data"]["tickets"]["nodes"]] == ["Beta's issue"]

    people = await f.gql(client, "{ contacts { nodes { email } } }", as_=pat)
    emails = {c["email"] for c in people["data"]["contacts"]["nodes"]}
    assert {"pat@alpha.test", "bea@beta.test"} <= emails and "gil@gamma.test" not in emails
    # Bea's organization is managed by Pat: Bea sees Pat (a ticket may name her), not Gil.
    seen_by_bea = await f.gql(client, "{ contacts { nodes { email } } }", as_=firms["bea"])
    bea_sees = {c["email"] for c in seen_by_bea["data"]["contacts"]["nodes"]}
    assert "pat@alpha.test" in bea_sees and "gil@gamma.test" not in bea_sees

    gamma_ticket = await models.Ticket.get(summary="Gamma's")
    node = await f.gql(
        client,
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": gid("Ticket", gamma_ticket.id)},
        as_=pat,
    )
    assert codes(node) == ["NOT_FOUND"]
    mine = await f.gql(client, "{ viewer { organizations { name } } }", as_=pat)
    assert mine["data"]["viewer"]["organizations"] == [{"name": "Alpha"}, {"name": "Beta"}]


async def test_a_partner_files_tickets_for_a_managed_organization_or_their_own(client, firms):
    pat = firms["pat"]
    for_beta = await f.gql(
        client,
        CREATE,
        {
            "input": {
                "summary": "For Beta",
                "description": "x",
                "organizationId": gid("Organization", firms["beta"].id),
            }
        },
        as_=pat,
    )
    assert for_beta["data"]["createTicket"]["ticket"] == {
        "summary": "For Beta",
        "organization": {"name": "Beta"},
        "primaryContact": {"email": "pat@alpha.test"},
    }
    default = await f.gql(
        client, CREATE, {"input": {"summary": "Mine", "description": "x"}}, as_=pat
    )
    assert default["data"]["createTicket"]["ticket"]["organization"] == {"name": "Alpha"}
    refused = await f.gql(
        client,
        CREATE,
        {
            "input": {
                "summary": "For Gamma",
                "description": "x",
                "organizationId": gid("Organization", firms["gamma"].id),
            }
        },
        as_=pat,
    )
    assert refused["data"]["createTicket"]["errors"] == [
        {"code": "NOT_FOUND", "field": "organizationId"}
    ]
    assert not await models.Ticket.filter(summary="For Gamma").exists()


async def test_only_admins_manage_memberships_and_every_mistake_is_named(client, firms):
    pat, gamma = firms["pat"], firms["gamma"]
    ids = {"c": pat.id, "o": gid("Organization", gamma.id)}
    for who in ("pat", "agent"):
        assert codes(await f.gql(client, ADD, ids, as_=firms[who])) == ["FORBIDDEN"]
    before = await models.LogEvent.all().count()

    cases = [
        (ADD, {"c": firms["agent"].id, "o": ids["o"]}, "NOT_ALLOWED", "contactId"),
        (ADD, {"c": pat.id, "o": gid("Organization", firms["beta"].id)}, "TAKEN", "organizationId"),
        (
            ADD,
            {"c": pat.id, "o": gid("Organization", firms["alpha"].id)},
            "TAKEN",
            "organizationId",
        ),
        (ADD, {"c": pat.id, "o": gid("Organization", 99999)}, "NOT_FOUND", "organizationId"),
        (REMOVE, ids, "NOT_FOUND", "organizationId"),
        (
            REMOVE,
            {"c": pat.id, "o": gid("Organization", firms["alpha"].id)},
            "NOT_ALLOWED",
            "organizationId",
        ),
    ]
    for mutation, variables, code, field in cases:
        result = await f.gql(client, mutation, variables, as_=firms["admin"])
        payload = next(iter(result["data"].values()))
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, field)], variables
    assert await models.LogEvent.all().count() == before  # nothing changed

    added = await f.gql(client, ADD, ids, as_=firms["admin"])
    assert added["data"]["addOrganizationMembership"]["contact"]["organizations"] == [
        {"name": "Alpha"},
        {"name": "Beta"},
        {"name": "Gamma"},
    ]
    grid = await f.gql(client, GRID, as_=pat)
    assert grid["data"]["tickets"]["totalCount"] == 3
    removed = await f.gql(client, REMOVE, ids, as_=firms["admin"])
    assert removed["data"]["removeOrganizationMembership"]["errors"] == []
    assert (await f.gql(client, GRID, as_=pat))["data"]["tickets"]["totalCount"] == 2
    kinds = await models.LogEvent.filter(subject_contact_id=pat.contact.id).values_list(
        "kind", flat=True
    )
    assert kinds[-2:] == [models.LogKind.MEMBERSHIP_ADDED, models.LogKind.MEMBERSHIP_REMOVED]


async def test_live_events_follow_memberships_and_a_removal_stops_them_at_once(firms, server):
    # (`firms` first: the server starts after the memberships it would otherwise see added.)
    pat, bea = firms["pat"], firms["bea"]
    socket, op = await listen(server, pat)
    ticket = await create_ticket(server, bea, summary="Beta, live")
    event = await event_where(socket, op, kind="CREATED")
    assert event["ticket"]["summary"] == "Beta, live"

    await organizations.remove_membership(firms["admin"].viewer, pat.contact.id, firms["beta"].id)
    code, _ = await closed(socket)
    assert code == 4403  # what she may see changed: she reconnects with her new view

    again, again_op = await listen(server, pat)
    comment = """mutation($input: AddCommentInput!) { addComment(input: $input) {
      comment { id } errors { code } } }"""
    await server.gql(comment, {"input": {"ticketId": ticket["id"], "body": "Beta only"}}, bea.token)
    await create_ticket(server, pat, summary="Alpha, live")
    event = await event_where(again, again_op, kind="CREATED")
    assert event["ticket"]["summary"] == "Alpha, live"  # Beta's comment never reached her
    await again.close()


async def test_partner_events_reach_the_right_shared_execution(firms, server):
    """A partner's audience is their whole set of organizations: they never share a live
    execution with a plain customer of one of them."""
    pat, bea = firms["pat"], firms["bea"]
    pat_socket, pat_op = await listen(server, pat)
    bea_socket, _ = await listen(server, bea)
    await create_ticket(server, pat, summary="Alpha only")
    assert (await event_where(pat_socket, pat_op, kind="CREATED"))["ticket"]["summary"] == (
        "Alpha only"
    )
    await bea_socket.nothing_for(1.0)
    await pat_socket.close()
    await bea_socket.close()
