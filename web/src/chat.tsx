// Live chat: the customer's chat window and the staff's waiting-chat queue, from chatEvents
// (resumed after its last cursor) and chatQueue.
import { useEffect, useRef, useState } from "preact/hooks";
import { check, follow, gql } from "./api";
import { when } from "./format";
import { ACCEPT_CHAT, CHAT_EVENTS, CHAT_QUEUE, END_CHAT, SAY } from "./queries";

export function ChatWindow({ start, close }: { start: any; close: () => void }) {
  const chatId = start.id;
  const [chat, setChat] = useState<any>(start);
  const [lines, setLines] = useState<any[]>([]);
  const [body, setBody] = useState("");
  const [error, setError] = useState("");
  const cursor = useRef<string | null>(null);

  useEffect(() => follow(CHAT_EVENTS, () => ({ id: chatId, after: cursor.current }), (d: any) => {
    const event = d.chatEvents;
    if (event.cursor) cursor.current = event.cursor;
    if (event.chat) setChat(event.chat);
    if (event.kind === "TYPING") return;
    setLines((list) => [...list, event]);
  }), [chatId]);

  async function send(e: Event) {
    e.preventDefault();
    setError("");
    try {
      check((await gql(SAY, { id: chatId, body })).sendChatMessage);
      setBody("");
    } catch (e: any) {
      setError(e.message);
    }
  }
  const end = async () => {
    try { check((await gql(END_CHAT, { id: chatId })).endChat); } catch (e: any) { setError(e.message); }
  };
  const ended = chat?.state === "ENDED";

  return (
    <div class="overlay">
      <section class="window chat" role="dialog" aria-modal="true" aria-labelledby="chat-title">
        <header>
          <h2 id="chat-title">Chat{chat?.ticket ? ` · #${chat.ticket.number} ${chat.ticket.summary}` : ""}</h2>
          <button type="button" class="secondary" onClick={close}>Close window</button>
        </header>
        <p role="status">
          {!chat ? "Connecting…" : chat.state === "WAITING" ? "Waiting for a Cyber Hero…"
            : ended ? `Chat ended: the transcript is on ticket #${chat.ticket?.number}.`
            : `Chatting with ${chat.agent?.name ?? "a Cyber Hero"}`}
        </p>
        <ol class="chat-lines" aria-live="polite">
          {lines.map((event, i) => (
            <li key={event.cursor ?? i}>
              {event.kind === "MESSAGE"
                ? <><strong>{event.message.author?.name ?? "Someone"}:</strong> {event.message.body} <small>{when(event.occurredAt)}</small></>
                : <em>{event.actor?.name ?? "Someone"} · {event.kind.toLowerCase()}</em>}
            </li>
          ))}
        </ol>
        {!ended && (
          <form class="reply" onSubmit={send} aria-label="Chat message">
            <label>Message<input name="message" value={body} onInput={(e: any) => setBody(e.currentTarget.value)} required autoFocus /></label>
            {error && <p role="alert" class="error">{error}</p>}
            <div class="actions">
              <button type="submit">Send message</button>
              <button type="button" class="secondary" onClick={end}>End Chat</button>
            </div>
          </form>
        )}
      </section>
    </div>
  );
}

export function ChatQueue({ open }: { open: (chat: any) => void }) {
  const [queue, setQueue] = useState<any>(null);
  const [error, setError] = useState("");
  useEffect(() => follow(CHAT_QUEUE, () => ({}), (d: any) => setQueue(d.chatQueue)), []);
  async function accept(id: string) {
    try {
      open(check((await gql(ACCEPT_CHAT, { id })).acceptChat).chat);
    } catch (e: any) {
      setError(e.message);
    }
  }
  if (!queue) return null;
  return (
    <section class="queue" aria-labelledby="queue-title">
      <h2 id="queue-title">Waiting chats ({queue.totalCount})</h2>
      {error && <p role="alert" class="error">{error}</p>}
      <ul>
        {queue.chats.map((c: any) => (
          <li key={c.id}>
            {c.customer?.name} ({c.organization?.name}) · #{c.ticket?.number} {c.ticket?.summary} · waiting {c.waitingSeconds} s{" "}
            <button type="button" onClick={() => accept(c.id)}>Accept chat with {c.customer?.name}</button>
          </li>
        ))}
      </ul>
    </section>
  );
}
