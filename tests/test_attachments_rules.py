"""The rules behind attachments, called directly: display names, the type checks, what a
failed change leaves in storage, the signing key and the signed links."""

import io
import os
import stat

import factories as f
import pytest

from helpdesk.models import Attachment
from helpdesk.resolvers import attachment_files, attachment_links, attachments
from helpdesk.resolvers.attachment_files import clean_filename
from helpdesk.resolvers.attachments import Incoming, Limits
from helpdesk.resolvers.errors import Forbidden, InvalidInput
from helpdesk.settings import Settings
from helpdesk.storage import LocalStorage, set_storage

LIMITS = Limits(max_file_bytes=1024 * 1024, max_per_ticket=10)


@pytest.fixture
def storage(tmp_path):
    storage = LocalStorage(tmp_path / "attachments")
    set_storage(storage)
    yield storage
    set_storage(None)


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("report.pdf", "report.pdf"),
        ("C:\\Users\\lena\\Desktop\\report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("inv\u202efdp.exe", "invfdp.exe"),  # a bidi override hiding ".exe"
        ("a\x00b\r\nc\td.txt", "abcd.txt"),
        ("  ..hidden  ", "hidden"),
        ("...", "attachment"),
        ("", "attachment"),
        (None, "attachment"),
        ("x" * 300 + ".log", "x" * 196 + ".log"),
    ],
)
def test_a_file_name_is_cleaned_for_display(sent, shown):
    assert clean_filename(sent) == shown


def test_a_name_gets_the_extension_of_its_content():
    assert attachment_files.typed_name("photo.JPG", "image/jpeg") == ("photo.JPG", "image/jpeg")
    assert attachment_files.typed_name("photo", "image/png") == ("photo.png", "image/png")
    assert attachment_files.typed_name("data.csv", None) == ("data.csv", "text/csv")
    assert attachment_files.typed_name("run.sh", None) == ("run.sh.txt", "text/plain")


async def test_text_whose_characters_straddle_chunks_is_text(world, storage):
    alice = world["alice"]
    ticket = await f.ticket(alice)
    text = ("Grüße, ü € 😀 " * 20_000).encode()  # multibyte characters across 64 KiB chunks
    _, rows = await attachments.add(
        alice.viewer, ticket.id, [Incoming("notes.txt", io.BytesIO(text))], LIMITS
    )
    assert (rows[0].content_type, rows[0].size) == ("text/plain", len(text))
    cut = text[:-2]  # ends inside the last emoji
    with pytest.raises(InvalidInput) as refused:
        await attachments.add(
            alice.viewer, ticket.id, [Incoming("cut.txt", io.BytesIO(cut))], LIMITS
        )
    assert refused.value.problems[0].code == "FILE_TYPE_NOT_ALLOWED"
    assert await storage.keys() == [rows[0].storage_key]


async def test_empty_files_and_no_files_are_refused(world, storage):
    alice = world["alice"]
    ticket = await f.ticket(alice)
    with pytest.raises(InvalidInput) as empty:
        await attachments.add(alice.viewer, ticket.id, [Incoming("e.txt", io.BytesIO(b""))], LIMITS)
    assert [(p.field, p.code) for p in empty.value.problems] == [("files", "REQUIRED")]
    with pytest.raises(InvalidInput) as none:
        await attachments.add(alice.viewer, ticket.id, [], LIMITS)
    assert [(p.field, p.code) for p in none.value.problems] == [("files", "REQUIRED")]
    assert await storage.keys() == []


async def test_a_change_that_fails_after_the_files_were_kept_removes_them(world, storage):
    alice = world["alice"]
    ticket = await f.ticket(alice)
    files = [Incoming("a.txt", io.BytesIO(b"a")), Incoming("b.txt", io.BytesIO(b"b"))]
    with pytest.raises(RuntimeError):
        async with attachments.received(alice.viewer, ticket.id, files, LIMITS, "files") as kept:
            assert sorted(await storage.keys()) == sorted(k.key for k in kept)
            raise RuntimeError("the change's transaction failed")
    assert await storage.keys() == []
    assert not (storage.staging.exists() and any(storage.staging.iterdir()))
    assert await Attachment.all().count() == 0


def test_production_needs_a_secret_key():
    with pytest.raises(ValueError, match="HELPDESK_SECRET_KEY must be set in production"):
        Settings.from_env({"HELPDESK_ENV": "production"})
    key = "k" * 40
    assert Settings.from_env({"HELPDESK_ENV": "production", "HELPDESK_SECRET_KEY": key}).production
    with pytest.raises(ValueError, match="at least 32 characters"):
        Settings.from_env({"HELPDESK_SECRET_KEY": "short"})
    with pytest.raises(ValueError, match="HELPDESK_STORAGE_URL"):
        Settings.from_env({"HELPDESK_STORAGE_URL": "/var/files"})
    with pytest.raises(ValueError, match="HELPDESK_MAX_UPLOAD_BYTES"):
        Settings.from_env({"HELPDESK_MAX_UPLOAD_BYTES": str(2**31)})


def test_the_development_key_is_made_once_and_shared(tmp_path):
    settings = Settings(data_dir=str(tmp_path / "data"))
    first = attachment_links.secret_key(settings)
    path = tmp_path / "data" / "secret_key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    attachment_links._kept_secret.cache_clear()  # as another process would read it
    assert attachment_links.secret_key(settings) == first
    assert len(first) >= 32
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]


def test_a_link_is_signed_for_one_attachment_person_and_key(world):
    alice = world["alice"]
    one = Settings(secret_key="a" * 40)
    other = Settings(secret_key="b" * 40)
    url = attachment_links.download_url(one, alice.viewer, 7, "http://host")
    assert url is not None and url.startswith("http://host/attachments/7?")
    query = dict(part.split("=", 1) for part in url.split("?", 1)[1].split("&"))
    assert attachment_links.check(one, "7", query) == (
        7,
        attachment_links.Grant(alice.contact.id, alice.viewer.token_id),
    )
    for settings, attachment_id in [(other, "7"), (one, "8")]:
        with pytest.raises(Forbidden):
            attachment_links.check(settings, attachment_id, query)
    with pytest.raises(Forbidden):
        attachment_links.check(one, "7", {**query, "contact": str(alice.contact.id + 1)})
    # Shared live results are computed for no one: no link.
    from helpdesk.resolvers import access

    shared = access.representative(access.audience(alice.viewer))
    assert attachment_links.download_url(one, shared, 7) is None
