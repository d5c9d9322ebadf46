"""The README's chat and partner tour runs as written, against a real server on the demo's
people."""

import asyncio
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from live import Server

from helpdesk import demo

README = Path(__file__).resolve().parent.parent / "README.md"


def chat_tour() -> str:
    text = README.read_text()
    section = text[text.index("### Chat with a Cyber Hero") : text.index("## Live subscriptions")]
    return "".join(re.findall(r"```sh\n(.*?)```", section, re.DOTALL))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # once is enough
async def test_the_readme_chat_and_partner_tour_runs_as_written(database_url):
    assert shutil.which("bash") and shutil.which("curl"), "the tour needs bash and curl"
    assert await demo.load(ticket_count=10) is not None
    server = Server(database_url)
    await asyncio.to_thread(server.start)
    try:
        script = chat_tour().replace("http://127.0.0.1:8000", server.http_url)
        done = await asyncio.to_thread(
            subprocess.run, ["bash", "-c", script], capture_output=True, text=True, timeout=60
        )
    finally:
        await asyncio.to_thread(server.stop)
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in (done.stderr + done.stdout).splitlines() if line]
    assert all("errors" not in a for a in answers), answers
    data = {key: value for a in answers for key, value in a["data"].items()}
    assert data["startChat"]["chat"]["state"] == "WAITING"
    assert data["startChat"]["ticket"]["channel"] == "CHAT"
    assert data["chats"]["nodes"][0]["customer"] == {"name": "Lena Fischer"}
    assert data["acceptChat"]["chat"]["ticket"]["owner"] == {"name": "Marco Rossi"}
    assert data["endChat"]["chat"]["state"] == "ENDED"
    ticket = data["node"]["ticket"]
    assert ticket["status"] == "IN_PROGRESS"
    (transcript,) = ticket["comments"]["nodes"]
    assert transcript["kind"] == "CHAT_TRANSCRIPT"
    assert "Lena Fischer: Rewards for epoch 612 never arrived" in transcript["body"]
    assert "Marco Rossi: Checking the validator" in transcript["body"]

    assert data["viewer"]["organizations"] == [
        {"name": "Ledgerline Partners"},
        {"name": "Mintpay Labs"},
        {"name": "Nimbus Wallet"},
    ]
    assert {t["organization"]["name"] for t in data["tickets"]["nodes"]} <= {"Mintpay Labs"}
    filed = data["createTicket"]["ticket"]
    assert filed["organization"] == {"name": "Mintpay Labs"}
    assert filed["primaryContact"] == {"name": "Elif Demir"}
