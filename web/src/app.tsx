// The shell: sign in, the header (who, live or reconnecting, sign out), the views, and the
// confirm-resolved prompt a customer sees at sign-in.
import type { TargetedSubmitEvent } from "preact";
import { useEffect, useState } from "preact/hooks";
import { check, closeLive, connectLive, errorText, gql, onLinkState, saveToken, savedToken, type LinkState } from "./api";
import { isStaff, label } from "./format";
import { Grid } from "./grid";
import { AWAITING, CONFIRM, CREATE, LOGIN, REJECT, START_CHAT, STATS, VIEWER } from "./queries";
import { ChatQueue, ChatWindow } from "./chat";
import { DataLog } from "./datalog";
import { TicketWindow } from "./ticket";
import { follow } from "./api";
import type { AwaitingTicket, Chat, Payload, TicketStats, Viewer } from "./types";

type FormSubmit = TargetedSubmitEvent<HTMLFormElement>;

function ticketFromPath(): number | null {
  const match = window.location.pathname.match(/^\/tickets\/(\d+)$/);
  return match ? Number(match[1]) : null;
}

export function App() {
  const [viewer, setViewer] = useState<Viewer | null | undefined>(undefined);
  useEffect(() => {
    if (!savedToken()) return setViewer(null);
    gql<{ viewer: Viewer | null }>(VIEWER)
      .then((data) => setViewer(data.viewer))
      .catch(() => setViewer(null));
  }, []);
  if (viewer === undefined) return <p class="loading">Loading…</p>;
  if (!viewer) return <SignIn onSignedIn={setViewer} />;
  return <Desk viewer={viewer} signOut={() => { closeLive(); saveToken(null); setViewer(null); }} />;
}

function SignIn({ onSignedIn }: { onSignedIn: (viewer: Viewer) => void }) {
  const [error, setError] = useState("");
  async function submit(e: FormSubmit) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setError("");
    try {
      const payload = check((await gql<{ login: Payload<{ token: string; viewer: Viewer }> }>(LOGIN, { email: form.get("email"), password: form.get("password") })).login);
      saveToken(payload.token);
      sessionStorage.removeItem(LATER);  // a new sign-in asks again
      onSignedIn(payload.viewer);
    } catch (e) {
      setError(errorText(e));
    }
  }
  return (
    <main class="signin">
      <h1>Help Desk</h1>
      <form onSubmit={submit} aria-label="Sign in">
        <label>E-mail<input name="email" type="email" autoComplete="username" required autoFocus /></label>
        <label>Password<input name="password" type="password" autoComplete="current-password" required /></label>
        {error && <p role="alert" class="error">{error}</p>}
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}

function Desk({ viewer, signOut }: { viewer: Viewer; signOut: () => void }) {
  const staff = isStaff(viewer);
  const [link, setLink] = useState<LinkState>("connecting");
  const [view, setView] = useState<"grid" | "new" | "log">("grid");
  const [number, setNumber] = useState<number | null>(ticketFromPath());
  const [chat, setChat] = useState<Chat | null>(null);
  const startChat = async (input: object) => {
    const payload = check((await gql<{ startChat: Payload<{ chat: Chat }> }>(START_CHAT, { input })).startChat);
    setChat(payload.chat);
  };

  useEffect(() => {
    connectLive();
    const stop = onLinkState(setLink);
    const onPop = () => setNumber(ticketFromPath());
    window.addEventListener("popstate", onPop);
    return () => { stop(); closeLive(); window.removeEventListener("popstate", onPop); };
  }, []);

  const open = (n: number | null) => {
    history.pushState(null, "", n ? `/tickets/${n}` : "/");
    setNumber(n);
  };

  return (
    <>
      <header class="top">
        <a class="skip" href="#main">Skip to content</a>
        <strong class="brand">Help Desk</strong>
        <nav aria-label="Main">
          <button type="button" class={view === "grid" ? "current" : "link"} aria-current={view === "grid" ? "page" : undefined} onClick={() => setView("grid")}>{staff ? "Manage Tickets" : "My Tickets"}</button>
          <button type="button" class={view === "new" ? "current" : "link"} aria-current={view === "new" ? "page" : undefined} onClick={() => setView("new")}>New Ticket</button>
          <button type="button" class={view === "log" ? "current" : "link"} aria-current={view === "log" ? "page" : undefined} onClick={() => setView("log")}>Data Log</button>
        </nav>
        <span class={`link-state ${link}`} role="status">{link === "live" ? "Live" : link === "connecting" ? "Connecting…" : "Reconnecting…"}</span>
        <span class="who">{viewer.name} · {label(viewer.role)}{viewer.organization ? ` · ${viewer.organization.name}` : ""}</span>
        <button type="button" class="secondary" onClick={signOut}>Sign out</button>
      </header>
      <main id="main">
        {staff && <Counters />}
        {staff && <ChatQueue open={setChat} />}
        {view === "grid" && <Grid staff={staff} open={open} />}
        {view === "new" && <NewTicket created={(n) => { setView("grid"); open(n); }} chat={startChat} />}
        {view === "log" && <DataLog open={open} />}
      </main>
      {number !== null && <TicketWindow number={number} viewer={viewer} staff={staff} close={() => open(null)} chat={(ticketId) => startChat({ ticketId })} openChat={setChat} />}
      {chat && <ChatWindow key={chat.id} start={chat} me={viewer.id} close={() => setChat(null)} />}
      {!staff && <ConfirmPrompt />}
    </>
  );
}

function Counters() {
  const [stats, setStats] = useState<TicketStats | null>(null);
  useEffect(() => follow<{ ticketStats: TicketStats }>(STATS, () => ({}), (d) => setStats(d.ticketStats)), []);
  if (!stats) return null;
  return (
    <section class="counters" aria-label="Open tickets by status and priority">
      <dl>
        <div><dt>Total</dt><dd>{stats.total}</dd></div>
        {stats.byStatus.filter((s) => s.count).map((s) => <div><dt>{label(s.status)}</dt><dd>{s.count}</dd></div>)}
        {stats.byPriority.filter((p) => p.count).map((p) => <div><dt>{label(p.priority)}</dt><dd>{p.count}</dd></div>)}
      </dl>
    </section>
  );
}

function NewTicket({ created, chat }: { created: (number: number) => void; chat: (input: object) => Promise<void> }) {
  const [error, setError] = useState("");
  const [chatError, setChatError] = useState("");
  async function chatNow(e: FormSubmit) {
    e.preventDefault();
    setChatError("");
    try {
      await chat({ summary: new FormData(e.currentTarget).get("summary") });
    } catch (e) {
      setChatError(errorText(e));
    }
  }
  async function submit(e: FormSubmit) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const input: Record<string, FormDataEntryValue | null> = { summary: form.get("summary"), description: form.get("description") };
    for (const key of ["walletAddress", "walletProvider", "device", "errorCode"]) if (form.get(key)) input[key] = form.get(key);
    setError("");
    try {
      const payload = check((await gql<{ createTicket: Payload<{ ticket: { id: string; number: number } }> }>(CREATE, { input })).createTicket);
      created(payload.ticket.number);
    } catch (e) {
      setError(errorText(e));
    }
  }
  return (
    <section aria-labelledby="new-title" class="new-choices">
      <form class="new-ticket" onSubmit={chatNow} aria-labelledby="chat-new-title">
        <h1 id="chat-new-title">Chat With A Cyber Hero</h1>
        <label>What do you need help with?<input name="summary" required maxLength={200} /></label>
        {chatError && <p role="alert" class="error">{chatError}</p>}
        <button type="submit">Chat With A Cyber Hero</button>
      </form>
      <form class="new-ticket" onSubmit={submit} aria-labelledby="new-title">
        <h1 id="new-title">Submit Offline Ticket</h1>
        <label>Summary<input name="summary" required maxLength={200} /></label>
        <label>Description<textarea name="description" rows={5} required /></label>
        <label>Wallet address<input name="walletAddress" /></label>
        <label>Wallet provider<input name="walletProvider" /></label>
        <label>Device<input name="device" /></label>
        <label>Error code<input name="errorCode" /></label>
        {error && <p role="alert" class="error">{error}</p>}
        <button type="submit">Submit Offline Ticket</button>
      </form>
    </section>
  );
}

const LATER = "helpdesk.confirmLater";

function ConfirmPrompt() {
  const [tickets, setTickets] = useState<AwaitingTicket[]>([]);
  useEffect(() => {
    if (!sessionStorage.getItem(LATER)) gql<{ ticketsAwaitingConfirmation: AwaitingTicket[] }>(AWAITING).then((d) => setTickets(d.ticketsAwaitingConfirmation));
  }, []);
  if (!tickets.length) return null;
  const done = (id: string) => setTickets((list) => list.filter((t) => t.id !== id));
  return (
    <div class="overlay">
      <section class="window prompt" role="dialog" aria-modal="true" aria-labelledby="confirm-title">
        <h2 id="confirm-title">Were these resolved?</h2>
        {tickets.map((t) => <Confirm key={t.id} ticket={t} done={() => done(t.id)} />)}
        <button type="button" class="secondary" onClick={() => { sessionStorage.setItem(LATER, "1"); setTickets([]); }}>Later</button>
      </section>
    </div>
  );
}

function Confirm({ ticket, done }: { ticket: AwaitingTicket; done: () => void }) {
  const [error, setError] = useState("");
  const [rejecting, setRejecting] = useState(false);
  async function confirm(e: FormSubmit) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    try {
      if (rejecting) {
        check((await gql<{ rejectResolution: Payload }>(REJECT, { input: { ticketId: ticket.id, message: form.get("message") } })).rejectResolution);
      } else {
        const feedback = form.get("feedback") || null;
        check((await gql<{ confirmResolution: Payload }>(CONFIRM, { input: { ticketId: ticket.id, rating: Number(form.get("rating")), feedback } })).confirmResolution);
      }
      done();
    } catch (e) {
      setError(errorText(e));
    }
  }
  return (
    <form class="confirm" onSubmit={confirm} aria-label={`Ticket ${ticket.number}`}>
      <h3>#{ticket.number} {ticket.summary}</h3>
      {rejecting ? (
        <label>What is still wrong?<textarea name="message" rows={3} required /></label>
      ) : (
        <>
          <label>Rating
            <select name="rating">{[5, 4, 3, 2, 1].map((n) => <option value={n}>{n}</option>)}</select>
          </label>
          <label>Feedback<textarea name="feedback" rows={2} /></label>
        </>
      )}
      {error && <p role="alert" class="error">{error}</p>}
      <div class="actions">
        <button type="submit">{rejecting ? "Send: Not Resolved" : "Confirm Resolved"}</button>
        <button type="button" class="secondary" onClick={() => setRejecting(!rejecting)}>{rejecting ? "Back" : "Mark as Not Resolved"}</button>
      </div>
    </form>
  );
}
