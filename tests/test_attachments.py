"""Attachments over real HTTP against a real server: GraphQL multipart requests made by hand
(`operations`, `map`, the files), signed download links, and what is refused. After every
refusal, no file is left in storage and no row in the database."""

import asyncio
import hashlib
import json
from pathlib import Path

import factories as f
import httpx
import pytest
from live import EVENTS, Server, event_where, listen

from helpdesk.demo_attachments import csv_file, pdf, png
from helpdesk.models import Attachment, Comment, LogEvent, LogKind, Ticket
from helpdesk.resolvers import accounts

MAX_FILE = 64 * 1024
MAX_REQUEST = 256 * 1024
PER_TICKET = 4
PREFLIGHT = {"GraphQL-Require-Preflight": "1"}
LOG = b"2025-06-01 WARN sync: peer timeout\n2025-06-01 ERROR sync: giving up\n"
# A Windows program, named like a picture: its content gives it away.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200

ATTACHMENT = "id filename contentType size sha256 downloadUrl uploadedBy { name }"
CREATE = f"""mutation($input: CreateTicketInput!) {{ createTicket(input: $input) {{
    ticket {{ id number attachments {{ {ATTACHMENT} }} }} errors {{ code field message }} }} }}"""
ADD = f"""mutation($input: AddAttachmentsInput!) {{ addAttachments(input: $input) {{
    ticket {{ number }} attachments {{ {ATTACHMENT} }} errors {{ code field message }} }} }}"""
COMMENT_WITH_FILES = f"""mutation($input: AddCommentInput!) {{ addComment(input: $input) {{
    comment {{ id kind attachments {{ {ATTACHMENT} }} }} errors {{ code field message }} }} }}"""
DELETE = """mutation($id: ID!) { deleteAttachment(input: {attachmentId: $id}) {
    attachment { id filename deletedAt downloadUrl } errors { code message } } }"""
TICKET = f"""query($number: Int!) {{ ticket(number: $number) {{ attachments {{ {ATTACHMENT} }}
    history {{ nodes {{ kind changes {{ field newValue }} }} }} }} }}"""
NODE = f"query($id: ID!) {{ node(id: $id) {{ ... on Attachment {{ {ATTACHMENT} }} }} }}"


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


@pytest.fixture
async def server(database_url, data_dir):
    """Small limits, so the refusals are quick to reach; files under the test's folder."""
    server = Server(
        database_url,
        env={
            "HELPDESK_DATA_DIR": str(data_dir),
            "HELPDESK_MAX_UPLOAD_BYTES": str(MAX_FILE),
            "HELPDESK_MAX_UPLOAD_REQUEST_BYTES": str(MAX_REQUEST),
            "HELPDESK_MAX_ATTACHMENTS_PER_TICKET": str(PER_TICKET),
        },
    )
    await asyncio.to_thread(server.start)
    yield server
    await asyncio.to_thread(server.stop)


async def upload(
    server: Server,
    person: f.Person | None,
    query: str,
    variables: dict,
    files: list[tuple[str, bytes]],
    at: str = "input.attachments",
    headers: dict | None = None,
) -> httpx.Response:
    """A GraphQL multipart request: each file's place in the variables a null, named in
    `map`."""
    variables = json.loads(json.dumps(variables))
    target = variables
    *path, last = at.split(".")
    for key in path:
        target = target[key]
    target[last] = [None] * len(files)
    operations = {"query": query, "variables": variables}
    mapping = {str(i): [f"variables.{at}.{i}"] for i in range(len(files))}
    sent = {
        str(i): (name, data, "application/octet-stream") for i, (name, data) in enumerate(files)
    }
    all_headers = dict(PREFLIGHT if headers is None else headers)
    if person is not None:
        all_headers["Authorization"] = f"Bearer {person.token}"
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.post(
            f"{server.http_url}/graphql",
            data={"operations": json.dumps(operations), "map": json.dumps(mapping)},
            files=sent,
            headers=all_headers,
        )


async def answer(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def fetch(url: str, **headers) -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.get(url, headers=headers)


def stored_files(data_dir: Path) -> list[Path]:
    root = data_dir / "attachments"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def assert_nothing_left(data_dir: Path, rows: int = 0) -> None:
    """Storage holds exactly the files the database records, and nothing is staged."""
    files = stored_files(data_dir)
    keys = set(await Attachment.all().values_list("storage_key", flat=True))
    assert len(keys) == rows
    assert {p.name for p in files if p.parent.name != "staging"} == keys
    assert [p for p in files if p.parent.name == "staging"] == []


async def add_files(server, person, ticket_id: str, files: list[tuple[str, bytes]]) -> dict:
    """`addAttachments` with these files, by multipart over HTTP: the answer's data."""
    sent = await upload(
        server, person, ADD, {"input": {"ticketId": ticket_id}}, files, at="input.files"
    )
    return await answer(sent)


async def new_ticket(server, person) -> dict:
    variables = {"input": {"summary": "Files", "description": "See files"}}
    return (await server.gql(CREATE, variables, person.token))["createTicket"]["ticket"]


async def test_a_ticket_with_two_files_downloads_for_its_organization_and_staff(
    server, world, data_dir
):
    alice, agent = world["alice"], world["agent"]
    colleague = await f.customer(world["acme"])
    picture = png()
    response = await upload(
        server,
        alice,
        CREATE,
        {"input": {"summary": "Withdrawal stuck", "description": "Screenshot and log attached"}},
        [("screenshot.png", picture), ("wallet-sync.log", LOG)],
    )
    created = (await answer(response))["createTicket"]
    assert created["errors"] == []
    shown = created["ticket"]["attachments"]
    assert [(a["filename"], a["contentType"], a["size"]) for a in shown] == [
        ("screenshot.png", "image/png", len(picture)),
        ("wallet-sync.log", "text/plain", len(LOG)),
    ]
    assert [a["sha256"] for a in shown] == [hashlib.sha256(d).hexdigest() for d in (picture, LOG)]
    assert {a["uploadedBy"]["name"] for a in shown} == {alice.contact.name}
    await assert_nothing_left(data_dir, rows=2)

    # The owner, a colleague of the same organization, and staff each get a link that works.
    for person in (alice, colleague, agent):
        data = await server.gql(TICKET, {"number": created["ticket"]["number"]}, person.token)
        links = [a["downloadUrl"] for a in data["ticket"]["attachments"]]
        got = [await fetch(link) for link in links]
        assert [r.status_code for r in got] == [200, 200]
        assert [r.content for r in got] == [picture, LOG]
        assert got[0].headers["content-type"] == "image/png"
        assert got[0].headers["content-disposition"] == 'attachment; filename="screenshot.png"'
        assert got[1].headers["content-type"].startswith("text/plain")
        assert all(r.headers["x-content-type-options"] == "nosniff" for r in got)


async def test_a_download_serves_ranges(server, world):
    alice = world["alice"]
    ticket = await new_ticket(server, alice)
    data = await add_files(server, alice, ticket["id"], [("r.pdf", pdf())])
    link = data["addAttachments"]["attachments"][0]["downloadUrl"]
    whole = pdf()
    first = await fetch(link, Range="bytes=0-9")
    assert (first.status_code, first.content) == (206, whole[:10])
    assert first.headers["content-range"] == f"bytes 0-9/{len(whole)}"
    tail = await fetch(link, Range="bytes=-6")
    assert (tail.status_code, tail.content) == (206, whole[-6:])
    beyond = await fetch(link, Range=f"bytes={len(whole) + 10}-")
    assert beyond.status_code == 416


async def test_another_organization_cannot_reach_the_files(server, world, data_dir):
    alice, bob = world["alice"], world["bob"]
    ticket = await new_ticket(server, alice)
    data = await add_files(server, alice, ticket["id"], [("a.csv", csv_file())])
    attachment = data["addAttachments"]["attachments"][0]

    seen = await server.gql_raw(NODE, {"id": attachment["id"]}, bob.token)
    assert f.codes(seen) == ["NOT_FOUND"]
    theirs = await server.gql_raw(TICKET, {"number": ticket["number"]}, bob.token)
    assert theirs["data"]["ticket"] is None
    # Adding files to a ticket out of reach: not found, and nothing written.
    tried = await upload(
        server,
        bob,
        ADD,
        {"input": {"ticketId": ticket["id"]}},
        [("x.txt", b"hi")],
        at="input.files",
    )
    assert f.codes(tried.json()) == ["NOT_FOUND"]
    await assert_nothing_left(data_dir, rows=1)
    # A link of Bob's own, pointed at Alice's file, is not signed for it.
    own = await new_ticket(server, bob)
    mine = await add_files(server, bob, own["id"], [("b.txt", b"bob")])
    link = mine["addAttachments"]["attachments"][0]["downloadUrl"]
    own_id = link.split("/attachments/")[1].split("?")[0]
    alices_id = attachment["downloadUrl"].split("/attachments/")[1].split("?")[0]
    forged = await fetch(link.replace(f"/attachments/{own_id}?", f"/attachments/{alices_id}?"))
    assert forged.status_code == 403
    assert (await fetch(link)).status_code == 200


async def test_a_link_stops_working_when_its_person_loses_sight_of_the_ticket(server, world):
    alice, agent, bob = world["alice"], world["agent"], world["bob"]
    ticket = await new_ticket(server, alice)
    data = await add_files(server, alice, ticket["id"], [("a.txt", b"abc")])
    link = data["addAttachments"]["attachments"][0]["downloadUrl"]
    assert (await fetch(link)).status_code == 200
    globex = f.global_id("Organization", bob.contact.organization_id)
    moved = await server.gql(
        """mutation($input: UpdateTicketInput!) { updateTicket(input: $input) {
            errors { code } } }""",
        {"input": {"ticketId": ticket["id"], "organizationId": globex, "primaryContactId": bob.id}},
        agent.token,
    )
    assert moved["updateTicket"]["errors"] == []
    assert (await fetch(link)).status_code == 404


async def test_a_link_stops_working_when_its_session_ends(server, world):
    alice = world["alice"]
    ticket = await new_ticket(server, alice)
    data = await add_files(server, alice, ticket["id"], [("a.txt", b"abc")])
    link = data["addAttachments"]["attachments"][0]["downloadUrl"]
    await accounts.logout(alice.viewer)
    refused = await fetch(link)
    assert refused.status_code == 403 and "session" in refused.text


async def test_a_tampered_or_expired_link_is_refused(server, world):
    alice = world["alice"]
    ticket = await new_ticket(server, alice)
    data = await add_files(server, alice, ticket["id"], [("a.txt", b"abc")])
    link = data["addAttachments"]["attachments"][0]["downloadUrl"]
    base, _, query = link.partition("?")
    params = dict(part.split("=", 1) for part in query.split("&"))
    later = {**params, "expires": str(int(params["expires"]) + 3600)}
    tampered = await fetch(base + "?" + "&".join(f"{k}={v}" for k, v in later.items()))
    assert tampered.status_code == 403 and "signature" in tampered.text
    past = {**params, "expires": "1000"}
    assert (
        await fetch(base + "?" + "&".join(f"{k}={v}" for k, v in past.items()))
    ).status_code == 403
    assert (await fetch(base + "?contact=x")).status_code == 404
    assert (await fetch(base)).status_code == 404


async def test_an_oversize_file_is_refused_and_leaves_nothing(server, world, data_dir):
    alice = world["alice"]
    big = b"x" * (MAX_FILE + 1)
    response = await upload(
        server,
        alice,
        CREATE,
        {"input": {"summary": "Too big", "description": "A large log"}},
        [("fine.txt", b"fine"), ("huge.log", big)],
    )
    result = (await answer(response))["createTicket"]
    assert result["ticket"] is None
    assert [(e["code"], e["field"]) for e in result["errors"]] == [("TOO_LARGE", "attachments")]
    assert "huge.log" in result["errors"][0]["message"]
    assert not await Ticket.filter(summary="Too big").exists()
    await assert_nothing_left(data_dir)


async def test_a_request_over_the_request_limit_is_refused_and_leaves_nothing(
    server, world, data_dir
):
    alice = world["alice"]
    ticket = await new_ticket(server, alice)
    variables = {"input": {"ticketId": ticket["id"], "files": [None] * PER_TICKET}}
    built = httpx.Request(
        "POST",
        f"{server.http_url}/graphql",
        data={
            "operations": json.dumps({"query": ADD, "variables": variables}),
            "map": json.dumps({str(i): [f"variables.input.files.{i}"] for i in range(PER_TICKET)}),
        },
        files={str(i): (f"{i}.txt", b"y" * (MAX_FILE - 10)) for i in range(PER_TICKET)},
        headers={**PREFLIGHT, "Authorization": f"Bearer {alice.token}"},
    )
    body = built.read()
    assert MAX_REQUEST < len(body)
    # Announced: refused before a byte of the body is read.
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    head = "".join(f"{k}: {v}\r\n" for k, v in built.headers.items())
    writer.write(f"POST /graphql HTTP/1.1\r\n{head}\r\n".encode())
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), 10)
    writer.close()
    assert status_line.startswith(b"HTTP/1.1 413"), status_line

    # Streamed without a length: cut off once past the limit (the server may reset the
    # connection rather than answer, with the client still sending).
    async def chunks():
        for start in range(0, len(body), 16 * 1024):
            yield body[start : start + 16 * 1024]

    headers = {k: v for k, v in built.headers.items() if k.lower() != "content-length"}
    async with httpx.AsyncClient(timeout=30) as client:
        try:
            response = await client.post(
                f"{server.http_url}/graphql", content=chunks(), headers=headers
            )
            assert response.status_code == 413
        except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError):
            pass
    await asyncio.sleep(0.5)  # the server finishes its side
    await assert_nothing_left(data_dir)


async def test_a_file_whose_content_is_not_allowed_is_refused(server, world, data_dir):
    alice = world["alice"]
    ticket = await new_ticket(server, alice)
    for name, data in [
        ("photo.png", EXE),
        ("notes.txt", b"abc\x00def"),
        ("x.log", b"\xff\xfe\x00"),
    ]:
        response = await upload(
            server,
            alice,
            ADD,
            {"input": {"ticketId": ticket["id"]}},
            [("ok.txt", b"ok"), (name, data)],
            at="input.files",
        )
        result = (await answer(response))["addAttachments"]
        assert result["attachments"] == []
        assert [e["code"] for e in result["errors"]] == ["FILE_TYPE_NOT_ALLOWED"], name
        assert name in result["errors"][0]["message"]
        await assert_nothing_left(data_dir)


async def test_the_stored_type_is_the_detected_one_and_the_name_follows_it(server, world):
    alice = world["alice"]
    ticket = await new_ticket(server, alice)
    files = [("invoice.pdf", png()), ("page.html", b"<script>alert(1)</script>"), ("d.JSON", b"{}")]
    data = await answer(
        await upload(
            server, alice, ADD, {"input": {"ticketId": ticket["id"]}}, files, at="input.files"
        )
    )
    shown = [(a["filename"], a["contentType"]) for a in data["addAttachments"]["attachments"]]
    assert shown == [
        ("invoice.pdf.png", "image/png"),
        ("page.html.txt", "text/plain"),
        ("d.JSON", "application/json"),
    ]


async def test_a_hostile_file_name_is_only_a_display_name(server, world, data_dir):
    alice = world["alice"]
    ticket = await new_ticket(server, alice)
    hostile = "../../../etc/cron.d/evil\u202egpj.exe"
    data = await add_files(server, alice, ticket["id"], [(hostile, png()), ("..", b"dots")])
    shown = data["addAttachments"]["attachments"]
    assert [a["filename"] for a in shown] == ["evilgpj.exe.png", "attachment.txt"]
    # On disk only names the server made, all inside the storage folder.
    everything = [p for p in data_dir.parent.rglob("*") if p.is_file()]
    assert not [p for p in everything if "evil" in str(p) or "cron" in str(p)]
    assert all(len(p.name) == 32 for p in stored_files(data_dir))
    got = await fetch(shown[0]["downloadUrl"])
    assert got.headers["content-disposition"] == 'attachment; filename="evilgpj.exe.png"'


async def test_a_multipart_request_without_the_preflight_header_is_refused(server, world, data_dir):
    alice = world["alice"]
    response = await upload(
        server,
        alice,
        CREATE,
        {"input": {"summary": "Forged", "description": "From another site"}},
        [("a.txt", b"abc")],
        headers={},
    )
    assert response.status_code == 400
    assert "GraphQL-Require-Preflight" in response.text
    assert not await Ticket.filter(summary="Forged").exists()
    await assert_nothing_left(data_dir)
    # Apollo's header does as well.
    ticket = await new_ticket(server, alice)
    apollo = await upload(
        server,
        alice,
        ADD,
        {"input": {"ticketId": ticket["id"]}},
        [("a.txt", b"abc")],
        at="input.files",
        headers={"Apollo-Require-Preflight": "true"},
    )
    assert (await answer(apollo))["addAttachments"]["errors"] == []


async def test_an_anonymous_multipart_request_is_refused(server, world, data_dir):
    response = await upload(
        server,
        None,
        CREATE,
        {"input": {"summary": "Anon", "description": "x"}},
        [("a.txt", b"abc")],
    )
    assert response.status_code == 401
    await assert_nothing_left(data_dir)


async def test_a_malformed_multipart_request_gets_a_clear_answer(server, world):
    alice = world["alice"]
    headers = {**PREFLIGHT, "Authorization": f"Bearer {alice.token}"}
    operations = json.dumps(
        {
            "query": CREATE,
            "variables": {"input": {"summary": "s", "description": "d", "attachments": [None]}},
        }
    )
    cases = [
        (
            {"operations": operations, "map": json.dumps({"0": ["variables.input.nowhere.0"]})},
            "names nothing",
        ),
        (
            {"operations": operations, "map": json.dumps({"0": ["query"]})},
            "point into the variables",
        ),
        (
            {"operations": operations, "map": json.dumps({"9": ["variables.input.attachments.0"]})},
            "not a file part",
        ),
        ({"operations": operations, "map": "[1, 2]"}, "must be an object"),
        ({"operations": "{", "map": "{}"}, "invalid JSON"),
    ]
    async with httpx.AsyncClient(timeout=30) as client:
        for data, reason in cases:
            response = await client.post(
                f"{server.http_url}/graphql",
                data=data,
                files={"0": ("a.txt", b"abc", "text/plain")},
                headers=headers,
            )
            assert response.status_code == 400, (data, response.text)
            assert reason in response.text, (reason, response.text)


async def test_an_upload_sent_as_json_is_not_a_file(server, world):
    alice = world["alice"]
    result = await server.gql_raw(
        CREATE,
        {"input": {"summary": "s", "description": "d", "attachments": ["not a file"]}},
        alice.token,
    )
    errors = result["data"]["createTicket"]["errors"]
    assert [e["code"] for e in errors] == ["NOT_A_FILE"]


async def test_a_ticket_holds_a_limited_number_of_files(server, world, data_dir):
    alice = world["alice"]
    ticket = await new_ticket(server, alice)
    variables = {"input": {"ticketId": ticket["id"]}}
    three = [(f"{i}.txt", b"%d" % i) for i in range(3)]
    assert (await answer(await upload(server, alice, ADD, variables, three, at="input.files")))[
        "addAttachments"
    ]["errors"] == []
    two = [("a.txt", b"a"), ("b.txt", b"b")]
    result = (await answer(await upload(server, alice, ADD, variables, two, at="input.files")))[
        "addAttachments"
    ]
    assert [e["code"] for e in result["errors"]] == ["TOO_MANY"]
    await assert_nothing_left(data_dir, rows=3)


async def test_an_internal_notes_files_never_reach_customers(server, world, data_dir):
    alice, agent = world["alice"], world["agent"]
    ticket = await new_ticket(server, alice)
    note = await answer(
        await upload(
            server,
            agent,
            COMMENT_WITH_FILES,
            {"input": {"ticketId": ticket["id"], "body": "Node logs", "kind": "INTERNAL_NOTE"}},
            [("node-debug.log", LOG)],
        )
    )
    attachment = note["addComment"]["comment"]["attachments"][0]
    staff_view = await server.gql(TICKET, {"number": ticket["number"]}, agent.token)
    assert [a["filename"] for a in staff_view["ticket"]["attachments"]] == ["node-debug.log"]
    customer_view = await server.gql(TICKET, {"number": ticket["number"]}, alice.token)
    assert customer_view["ticket"]["attachments"] == []
    kinds = [n["kind"] for n in customer_view["ticket"]["history"]["nodes"]]
    assert "ATTACHMENT_ADDED" not in kinds
    assert f.codes(await server.gql_raw(NODE, {"id": attachment["id"]}, alice.token)) == [
        "NOT_FOUND"
    ]


async def test_deleting_is_for_staff_removes_the_file_and_is_logged(server, world, data_dir):
    alice, agent = world["alice"], world["agent"]
    ticket = await new_ticket(server, alice)
    data = await add_files(server, alice, ticket["id"], [("gone.txt", b"bye")])
    attachment = data["addAttachments"]["attachments"][0]
    refused = await server.gql_raw(DELETE, {"id": attachment["id"]}, alice.token)
    assert f.codes(refused) == ["FORBIDDEN"]
    assert len(stored_files(data_dir)) == 1

    deleted = (await server.gql(DELETE, {"id": attachment["id"]}, agent.token))["deleteAttachment"]
    assert deleted["errors"] == [] and deleted["attachment"]["deletedAt"]
    assert deleted["attachment"]["downloadUrl"] is None
    assert stored_files(data_dir) == []
    assert (await fetch(attachment["downloadUrl"])).status_code == 404
    view = await server.gql(TICKET, {"number": ticket["number"]}, alice.token)
    assert view["ticket"]["attachments"] == []
    event = await LogEvent.get(kind=LogKind.ATTACHMENT_DELETED)
    assert event.actor_id == agent.contact.id
    assert event.changes == {"filename": "gone.txt"}
    again = await server.gql_raw(DELETE, {"id": attachment["id"]}, agent.token)
    assert f.codes(again) == ["NOT_FOUND"]


async def test_files_arrive_in_ticket_events_and_comment_added(server, world):
    alice, agent = world["alice"], world["agent"]
    ticket = await new_ticket(server, alice)
    events, events_id = await listen(
        server,
        agent,
        EVENTS.replace("comment { body kind }", "comment { body kind } attachment { filename }"),
    )
    comments, comments_id = await listen(
        server,
        agent,
        """subscription($id: ID!) { commentAdded(ticketId: $id) {
            body attachments { filename contentType downloadUrl } } }""",
        {"id": ticket["id"]},
    )
    response = await upload(
        server,
        alice,
        COMMENT_WITH_FILES,
        {"input": {"ticketId": ticket["id"], "body": "Here is the export"}},
        [("transactions.csv", csv_file())],
    )
    assert (await answer(response))["addComment"]["errors"] == []
    added = (await comments.next(comments_id))["data"]["commentAdded"]
    assert added["body"] == "Here is the export"
    assert [(a["filename"], a["contentType"]) for a in added["attachments"]] == [
        ("transactions.csv", "text/csv")
    ]
    attached = await event_where(events, events_id, kind="ATTACHED")
    assert attached["attachment"] == {"filename": "transactions.csv"}
    assert attached["ticket"]["number"] == ticket["number"]
    await events.close()
    await comments.close()


async def test_a_comment_with_a_refused_file_is_not_written(server, world, data_dir):
    alice = world["alice"]
    ticket = await new_ticket(server, alice)
    response = await upload(
        server,
        alice,
        COMMENT_WITH_FILES,
        {"input": {"ticketId": ticket["id"], "body": "See attached"}},
        [("tool.png", EXE)],
    )
    result = (await answer(response))["addComment"]
    assert result["comment"] is None
    assert [e["code"] for e in result["errors"]] == ["FILE_TYPE_NOT_ALLOWED"]
    assert not await Comment.filter(body="See attached").exists()
    await assert_nothing_left(data_dir)
