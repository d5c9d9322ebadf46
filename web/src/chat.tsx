// Live chat: the customer's chat window and the staff's waiting-chat queue, from chatEvents
// (from the chat's start, then resumed after its last cursor) and chatQueue.
import { useEffect, useRef, useState } from "preact/hooks";
import { check, errorText, follow, gql } from "./api";
import { when } from "./format";
import { ACCEPT_CHAT, ACTIVE_CHATS, CHAT_EVENTS, CHAT_QUEUE, CHAT_TYPING, END_CHAT, JOIN_CHAT, SAY } from "./queries";
import type { Chat, ChatEvent, ChatQueue as Queue, Nodes, Payload } from "./types";

type ChatPayload = Payload<{ chat: Chat }>;

const TYPING_LASTS = 10_000;  // ms: typing is over after this without a new TYPING event

export function ChatWindow({ start, close, me }: { start: Chat; close: () => void; me: string }) {
  const chatId = start.id;
  const [chat, setChat] = useState<Chat>(start);
  const [lines, setLines] = useState<ChatEvent[]>([]);
  const [body, setBody] = useState("");
  const [error, setError] = useState("");
  const [typers, setTypers] = useState<Record<string, string>>({});  // contact id -> name
  const cursor = useRef<string | null>(null);
  const timers = useRef<Record<string, number>>({});
  const saidTyping = useRef(0);

  function typer(id: string, name: string | null) {
    clearTimeout(timers.current[id]);
    setTypers((all) => {
      const next = { ...all };
      if (name) next[id] = name;
      else delete next[id];
      return next;
    });
    if (name) timers.current[id] = window.setTimeout(() => typer(id, null), TYPING_LASTS);
  }

  // From the chat's first event until one is seen (the window shows what was said before it
  // opened, and misses nothing said while it did), then resumed after the last one seen.
  const position = () => ({ id: chatId, after: cursor.current, fromStart: cursor.current === null });
  useEffect(() => {
    const stop = follow<{ chatEvents: ChatEvent }>(CHAT_EVENTS, position, (d) => {
      const event = d.chatEvents;
      if (event.cursor) cursor.current = event.cursor;
      if (event.chat) setChat(event.chat);
      const actor = event.actor;
      if (event.kind === "TYPING") {
        if (actor && actor.id !== me) typer(actor.id, event.typing ? actor.name : null);
        return;
      }
      if (event.kind === "MESSAGE" && actor) typer(actor.id, null);
      setLines((list) => [...list, event]);
    });
    return () => {
      stop();
      Object.values(timers.current).forEach(clearTimeout);
    };
  }, [chatId]);

  // Others see "… is typing" while this person types: said again every few seconds so it
  // does not lapse, and stopped when the line is sent or emptied.
  function typing(text: string) {
    setBody(text);
    const now = Date.now();
    if (text && now - saidTyping.current > 4000) {
      saidTyping.current = now;
      gql<{ setChatTyping: ChatPayload }>(CHAT_TYPING, { id: chatId, typing: true }).catch(() => {});
    } else if (!text && saidTyping.current) {
      saidTyping.current = 0;
      gql<{ setChatTyping: ChatPayload }>(CHAT_TYPING, { id: chatId, typing: false }).catch(() => {});
    }
  }

  async function send(e: Event) {
    e.preventDefault();
    setError("");
    try {
      check((await gql<{ sendChatMessage: Payload<{ message: { id: string } }> }>(SAY, { id: chatId, body })).sendChatMessage);
      setBody("");
      saidTyping.current = 0;
    } catch (e) {
      setError(errorText(e));
    }
  }
  const end = async () => {
    try { check((await gql<{ endChat: ChatPayload }>(END_CHAT, { id: chatId })).endChat); } catch (e) { setError(errorText(e)); }
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
              {event.kind === "MESSAGE" && event.message
                ? <><strong>{event.message.author?.name ?? "Someone"}:</strong> {event.message.body} <small>{when(event.occurredAt)}</small></>
                : <em>{event.actor?.name ?? "Someone"} · {event.kind.toLowerCase()}</em>}
            </li>
          ))}
        </ol>
        <p class="typing" aria-live="polite">
          {!ended && Object.values(typers).length > 0 && `${Object.values(typers).join(", ")} ${Object.values(typers).length > 1 ? "are" : "is"} typing…`}
        </p>
        {!ended && (
          <form class="reply" onSubmit={send} aria-label="Chat message">
            <label>Message<input name="message" value={body} onInput={(e) => typing(e.currentTarget.value)} required autoFocus /></label>
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

export function ChatQueue({ open }: { open: (chat: Chat) => void }) {
  const [queue, setQueue] = useState<Queue | null>(null);
  const [active, setActive] = useState<Chat[]>([]);
  const [error, setError] = useState("");
  // The queue changes when a chat arrives, is accepted or ends: the active ones with it.
  const loadActive = () => gql<{ chats: Nodes<Chat> }>(ACTIVE_CHATS).then((d) => setActive(d.chats.nodes)).catch(() => {});
  useEffect(() => follow<{ chatQueue: Queue }>(CHAT_QUEUE, () => ({}), (d) => {
    setQueue(d.chatQueue);
    loadActive();
  }), []);
  async function take<F extends "acceptChat" | "joinChat">(document: string, field: F, id: string) {
    setError("");
    try {
      const data = await gql<Record<F, ChatPayload>>(document, { id });
      open(check(data[field]).chat);
    } catch (e) {
      setError(errorText(e));
    }
  }
  const accept = (id: string) => take(ACCEPT_CHAT, "acceptChat", id);
  if (!queue) return null;
  return (
    <section class="queue" aria-labelledby="queue-title">
      <h2 id="queue-title">Waiting chats ({queue.totalCount})</h2>
      {error && <p role="alert" class="error">{error}</p>}
      <ul>
        {queue.chats.map((c) => (
          <li key={c.id}>
            {c.customer?.name} ({c.organization?.name}) · #{c.ticket?.number} {c.ticket?.summary} · waiting {c.waitingSeconds} s{" "}
            <button type="button" onClick={() => accept(c.id)}>Accept chat with {c.customer?.name}</button>
          </li>
        ))}
      </ul>
      {active.length > 0 && (
        <>
          <h3>Active chats ({active.length})</h3>
          <ul>
            {active.map((c) => (
              <li key={c.id}>
                {c.customer?.name} ({c.organization?.name}) with {c.agent?.name} · #{c.ticket?.number} {c.ticket?.summary}{" "}
                <button type="button" class="secondary" onClick={() => take(JOIN_CHAT, "joinChat", c.id)}>Join chat with {c.customer?.name}</button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
