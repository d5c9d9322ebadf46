// The ticket window: details (editable, Save Changes with a clear CONFLICT message),
// status actions, the conversation with reply (and files), history, and who else is here;
// live from ticketUpdated, commentAdded and ticketPresence.
import { useEffect, useRef, useState } from "preact/hooks";
import { check, follow, gql, gqlWithFiles } from "./api";
import { label, PRIORITIES, STATUSES, when } from "./format";
import {
  ASSIGN, CHOICES, CLOSE, COMMENT_ADDED, DOWNLOAD, PRESENCE, REPLY, REPLY_WITH_FILES, RESOLVE,
  SET_PRESENCE, STAFF, STATUS, TICKET_UPDATED, UPDATE, WINDOW,
} from "./queries";

type Props = { number: number; viewer: any; staff: boolean; close: () => void; chat?: (ticketId: string) => void };

export function TicketWindow({ number, viewer, staff, close, chat }: Props) {
  const [ticket, setTicket] = useState<any>(null);
  const [comments, setComments] = useState<any[]>([]);
  const [history, setHistory] = useState<any[]>([]);
  const [draft, setDraft] = useState<Record<string, any>>({});
  // The version the edits started from: a live update meanwhile must not make them win.
  const [base, setBase] = useState<number | null>(null);
  const [message, setMessage] = useState<{ text: string; error?: boolean } | null>(null);
  const [present, setPresent] = useState<any[]>([]);
  const [choices, setChoices] = useState<any>({ categories: [], modules: [], staff: [] });
  const [notFound, setNotFound] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  const load = () =>
    gql(WINDOW, { number }).then((data) => {
      if (!data.ticket) return setNotFound(true);
      const { comments, history, ...rest } = data.ticket;
      setTicket(rest);
      setComments(comments.nodes);
      setHistory(history.nodes);
    });

  useEffect(() => {
    load().then(() => heading.current?.focus());
    gql(CHOICES).then((data) => setChoices((c: any) => ({ ...c, ...data })));
    if (staff) gql(STAFF).then((d) => setChoices((c: any) => ({ ...c, staff: [...d.admins.nodes, ...d.contacts.nodes] })));
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && close();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [number]);

  const id = ticket?.id;
  useEffect(() => {
    if (!id) return;
    const stops = [
      follow(TICKET_UPDATED, () => ({ id }), (d: any) => setTicket(d.ticketUpdated), load),
      follow(COMMENT_ADDED, () => ({ id }), (d: any) =>
        setComments((list) => (list.some((c) => c.id === d.commentAdded.id) ? list : [...list, d.commentAdded]))),
      follow(PRESENCE, () => ({ id }), (d: any) => setPresent(d.ticketPresence.people)),
    ];
    return () => stops.forEach((stop) => stop());
  }, [id]);

  if (notFound) {
    return (
      <Shell close={close} title={`Ticket #${number}`}>
        <p role="alert">Ticket #{number} was not found.</p>
      </Shell>
    );
  }
  if (!ticket) return <Shell close={close} title={`Ticket #${number}`}><p>Loading…</p></Shell>;

  const value = (key: string, fallback: any) => (key in draft ? draft[key] : fallback);
  const edit = (key: string) => (e: any) => {
    if (base === null) setBase(ticket.version);
    setDraft({ ...draft, [key]: e.currentTarget.value });
  };
  const forget = () => {
    setDraft({});
    setBase(null);
  };
  const open = ticket.status !== "CLOSED";
  const say = (text: string, error = false) => setMessage({ text, error });

  async function run(action: () => Promise<any>, done: string) {
    setMessage(null);
    try {
      const payload = check(await action());
      if (payload.ticket) setTicket(payload.ticket);
      say(done);
      return true;
    } catch (e: any) {
      say(
        e.code === "CONFLICT"
          ? "Someone else changed this ticket while you were editing it: your changes were not saved. The window shows their version now; make your changes again."
          : e.message,
        true,
      );
      if (e.code === "CONFLICT") {
        forget();
        load();
      }
      return false;
    }
  }

  async function save(e: Event) {
    e.preventDefault();
    const input: any = { ticketId: ticket.id, expectedVersion: base ?? ticket.version };
    for (const key of ["summary", "description", "categoryId", "priority"]) if (key in draft) input[key] = draft[key];
    if ("ccEmails" in draft) {
      input.ccEmails = draft.ccEmails.split(",").map((s: string) => s.trim()).filter(Boolean);
    }
    const ownerChanged = "ownerId" in draft && draft.ownerId !== (ticket.owner?.id ?? "");
    if (Object.keys(input).length > 2 && !(await run(async () => (await gql(UPDATE, { input })).updateTicket, "Changes saved."))) return;
    if (ownerChanged && !(await run(async () => (await gql(ASSIGN, { input: { ticketId: ticket.id, ownerId: draft.ownerId || null } })).assignTicket, "Changes saved."))) return;
    forget();
  }

  const status = (s: string) =>
    run(async () => (await gql(STATUS, { input: { ticketId: ticket.id, status: s, expectedVersion: ticket.version } })).changeTicketStatus, `Status: ${label(s)}.`);
  const resolve = () => run(async () => (await gql(RESOLVE, { input: { ticketId: ticket.id } })).resolveTicket, "Marked resolved.");
  const closeTicket = () => run(async () => (await gql(CLOSE, { input: { ticketId: ticket.id } })).closeTicket, "Ticket closed.");
  const others = present.filter((p) => p.contact?.id !== viewer.id);

  return (
    <Shell close={close} title={`#${ticket.number} ${ticket.summary}`} headingRef={heading}
      status={<span class={`badge status-${ticket.status}`}>{label(ticket.status)}</span>}>
      {others.length > 0 && (
        <p class="presence" aria-live="polite">
          Also here: {others.map((p) => `${p.displayName} (${label(p.state)})`).join(", ")}
        </p>
      )}
      {message && <p role={message.error ? "alert" : "status"} class={message.error ? "error" : "ok"}>{message.text}</p>}
      <p class="meta">
        Created by {ticket.createdBy?.name ?? "—"} at {when(ticket.createdAt)} · Updated by {ticket.updatedBy?.name ?? "—"} at {when(ticket.updatedAt)}
      </p>
      <div class="window-grid">
        <form class="details" onSubmit={save} aria-label="Ticket details">
          <p><strong>Organization:</strong> {ticket.organization.name}</p>
          <p><strong>Primary contact:</strong> {ticket.primaryContact ? `${ticket.primaryContact.name} <${ticket.primaryContact.email}>${ticket.primaryContact.phone ? ` · ${ticket.primaryContact.phone}` : ""}` : "—"}</p>
          <p><strong>CC contacts:</strong> {ticket.ccContacts.map((c: any) => c.name).join(", ") || "—"}</p>
          <label>CC e-mails<input name="ccEmails" value={value("ccEmails", ticket.ccEmails.join(", "))} onInput={edit("ccEmails")} disabled={!open} /></label>
          <label>Summary<input name="summary" value={value("summary", ticket.summary)} onInput={edit("summary")} disabled={!open} /></label>
          <label>Description<textarea name="description" rows={4} value={value("description", ticket.description)} onInput={edit("description")} disabled={!open} /></label>
          <label>Category
            <select name="categoryId" value={value("categoryId", ticket.category.id)} onChange={edit("categoryId")} disabled={!open}>
              {choices.categories.map((c: any) => <option value={c.id}>{c.name}</option>)}
            </select>
          </label>
          {staff && (
            <>
              <label>Priority
                <select name="priority" value={value("priority", ticket.priority)} onChange={edit("priority")} disabled={!open}>
                  {PRIORITIES.map((p) => <option value={p}>{label(p)}</option>)}
                </select>
              </label>
              <label>Owner
                <select name="ownerId" value={value("ownerId", ticket.owner?.id ?? "")} onChange={edit("ownerId")} disabled={!open}>
                  <option value="">Unassigned</option>
                  {choices.staff.map((p: any) => <option value={p.id}>{p.name}</option>)}
                </select>
              </label>
            </>
          )}
          {!staff && <p><strong>Owner:</strong> {ticket.owner?.name ?? "Unassigned"}</p>}
          <div class="actions">
            {open && <button type="submit" disabled={!Object.keys(draft).length}>Save Changes</button>}
            {staff && open && (
              <label class="inline">Status
                <select aria-label="Change status" value={ticket.status} onChange={(e: any) => status(e.currentTarget.value)}>
                  {STATUSES.filter((s) => s !== "CLOSED").map((s) => <option value={s}>{label(s)}</option>)}
                </select>
              </label>
            )}
            {staff && open && ticket.status !== "RESOLVED" && <button type="button" onClick={resolve}>Mark Resolved</button>}
            {staff && open && <button type="button" class="secondary" onClick={closeTicket}>Close</button>}
            {chat && open && !staff && <button type="button" class="secondary" onClick={() => chat(ticket.id)}>Chat Now</button>}
          </div>
        </form>
        <section class="conversation" aria-label="Conversation">
          <h3>Comments</h3>
          <ol class="comments">
            {comments.map((c) => (
              <li key={c.id} class={c.internal ? "internal" : ""} data-kind={c.kind}>
                <p class="meta">{c.author?.name ?? "System"} · {when(c.createdAt)}{c.internal ? " · Internal note" : ""}{c.kind === "CHAT_TRANSCRIPT" ? " · Chat transcript" : ""}</p>
                <p class="body">{c.body}</p>
                {c.attachments.length > 0 && <Files files={c.attachments} />}
              </li>
            ))}
          </ol>
          {open && <Reply ticketId={ticket.id} staff={staff} onSent={(c) => setComments((list) => (list.some((x) => x.id === c.id) ? list : [...list, c]))} />}
          <details>
            <summary>History ({history.length})</summary>
            <ol class="history">
              {history.map((h) => (
                <li key={h.id}>{when(h.occurredAt)} · {h.actor?.name ?? "System"} · {label(h.kind)}
                  {h.changes.map((c: any) => <span> · {c.field}: {String(c.oldValue ?? "—")} → {String(c.newValue ?? "—")}</span>)}
                </li>
              ))}
            </ol>
          </details>
        </section>
      </div>
    </Shell>
  );
}

function Shell({ close, title, children, status, headingRef }: any) {
  return (
    <div class="overlay">
      <section class="window" role="dialog" aria-modal="true" aria-labelledby="window-title">
        <header>
          <h2 id="window-title" tabIndex={-1} ref={headingRef}>{title}</h2>
          {status}
          <button type="button" class="secondary" onClick={close}>Close window</button>
        </header>
        {children}
      </section>
    </div>
  );
}

function Files({ files }: { files: any[] }) {
  async function download(id: string) {
    const data = await gql(DOWNLOAD, { id });
    if (data.node?.downloadUrl) window.location.href = data.node.downloadUrl;
  }
  return (
    <ul class="files">
      {files.map((f) => (
        <li>{f.deletedAt ? <s>{f.filename}</s> : <button type="button" class="link" onClick={() => download(f.id)}>{f.filename}</button>} <small>({Math.ceil(f.size / 1024)} KB)</small></li>
      ))}
    </ul>
  );
}

function Reply({ ticketId, staff, onSent }: { ticketId: string; staff: boolean; onSent: (c: any) => void }) {
  const [body, setBody] = useState("");
  const [kind, setKind] = useState("REPLY");
  const [error, setError] = useState("");
  const files = useRef<HTMLInputElement>(null);
  const lastSaid = useRef(0);

  function typing(text: string) {
    setBody(text);
    const now = Date.now();
    if (text && now - lastSaid.current > 5000) {
      lastSaid.current = now;
      gql(SET_PRESENCE, { id: ticketId, state: kind === "INTERNAL_NOTE" ? "NOTE" : "REPLYING" }).catch(() => {});
    }
  }

  async function send(e: Event) {
    e.preventDefault();
    setError("");
    const chosen = [...(files.current?.files ?? [])];
    try {
      const payload = chosen.length
        ? (await gqlWithFiles(REPLY_WITH_FILES, { ticketId, body, kind }, chosen)).addComment
        : (await gql(REPLY, { input: { ticketId, body, kind } })).addComment;
      onSent(check(payload).comment);
      setBody("");
      if (files.current) files.current.value = "";
      lastSaid.current = 0;
      gql(SET_PRESENCE, { id: ticketId, state: "VIEWING" }).catch(() => {});
    } catch (e: any) {
      setError(e.message);
    }
  }

  return (
    <form class="reply" onSubmit={send} aria-label="Reply">
      <label>{kind === "INTERNAL_NOTE" ? "Internal note" : "Reply"}
        <textarea name="body" rows={3} value={body} onInput={(e: any) => typing(e.currentTarget.value)} required />
      </label>
      {staff && (
        <fieldset class="inline">
          <legend>Kind</legend>
          <label class="check"><input type="radio" name="kind" checked={kind === "REPLY"} onChange={() => setKind("REPLY")} />Reply to customer</label>
          <label class="check"><input type="radio" name="kind" checked={kind === "INTERNAL_NOTE"} onChange={() => setKind("INTERNAL_NOTE")} />Internal note</label>
        </fieldset>
      )}
      <label>Add Attachments<input type="file" name="files" multiple ref={files} /></label>
      {error && <p role="alert" class="error">{error}</p>}
      <button type="submit">Send</button>
    </form>
  );
}
