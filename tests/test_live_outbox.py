"""The socket outbox (subscriptions/transport.py): messages leave in order through one writer
per socket, a client too slow to read is closed with 1013 instead of piling messages up, and
a stopped outbox drops what comes. The client end is a stand-in socket whose sends wait until
the test lets them through (a real TCP peer would need megabytes unread to block a send)."""

import asyncio
from types import SimpleNamespace

from helpdesk.subscriptions.transport import SocketOutbox


class Peer:
    """Starlette's websocket as the outbox uses it: `ws.send_text` and `close`."""

    def __init__(self) -> None:
        self.received: list[str] = []
        self.closed: tuple[int, str] | None = None
        self.open = asyncio.Event()
        self.open.set()
        self.ws = SimpleNamespace(send_text=self.send_text)

    async def send_text(self, text: str) -> None:
        await self.open.wait()
        self.received.append(text)

    async def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_messages_leave_in_order_through_one_writer_that_sleeps_between_bursts():
    peer = Peer()
    outbox = SocketOutbox(peer)  # type: ignore[arg-type]
    for i in range(3):
        outbox.push(f"m{i}")
    await settle()
    writer = outbox._writer
    assert peer.received == ["m0", "m1", "m2"] and writer is not None and not writer.done()
    outbox.push("m3")  # the same writer wakes: no task per burst
    await settle()
    assert peer.received[-1] == "m3" and outbox._writer is writer
    outbox.stop()
    await settle()
    assert writer.cancelled()
    outbox.push("late")
    await settle()
    assert peer.received == ["m0", "m1", "m2", "m3"]


async def test_a_client_that_stops_reading_is_closed_not_buffered_without_end():
    peer = Peer()
    outbox = SocketOutbox(peer)  # type: ignore[arg-type]
    peer.open.clear()  # the client reads nothing
    for i in range(SocketOutbox.LIMIT + 1):
        outbox.push(f"m{i}")
    await settle()
    assert peer.closed == (1013, "Too slow: messages are piling up")
    assert len(outbox._pending) == SocketOutbox.LIMIT
    peer.open.set()  # what was queued before the limit still leaves, in order
    await settle()
    assert peer.received[:3] == ["m0", "m1", "m2"]
    outbox.stop()


async def test_a_failed_send_stops_the_outbox():
    peer = Peer()

    async def broken(text: str) -> None:
        raise ConnectionResetError

    peer.ws.send_text = broken
    outbox = SocketOutbox(peer)  # type: ignore[arg-type]
    outbox.push("m0")
    await settle()
    assert outbox._writer is not None and outbox._writer.done()
    outbox.push("m1")  # dropped: the handler cleans up
    assert not outbox._pending
