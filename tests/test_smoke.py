import factories as f


async def test_customer_creates_and_reads_ticket(client):
    org = await f.organization("Acme")
    alice = await f.customer(org)
    result = await f.gql(
        client,
        """mutation($input: CreateTicketInput!) { createTicket(input: $input) {
             ticket { id number summary status priority organization { name }
                      primaryContact { email } category { name } daysOpen version }
             errors { code field message } } }""",
        {"input": {"summary": "Wallet not syncing", "description": "Since Monday"}},
        as_=alice,
    )
    assert result.get("errors") is None, result
    payload = result["data"]["createTicket"]
    assert payload["errors"] == []
    assert payload["ticket"]["status"] == "OPEN"
    assert payload["ticket"]["category"]["name"] == "General Support"
    grid = await f.gql(client, "{ tickets { totalCount edges { node { summary } } } }", as_=alice)
    assert grid["data"]["tickets"]["totalCount"] == 1
