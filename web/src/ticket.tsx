// The ticket window: details (editable, Save Changes with a clear CONFLICT message),
// status actions, the conversation with reply (and files), history, and who else is here;
// live from ticketUpdated, commentAdded and ticketPresence.
import type { ComponentChildren, Ref, TargetedEvent } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, check, errorText, follow, gql, gqlWithFiles } from "./api";
import { label, PRIORITIES, STATUSES, when } from "./format";
import {
  ASSIGN, CHOICES, CLOSE, COMMENT_ADDED, DOWNLOAD, JOIN_CHAT, ORG_CONTACTS, TICKET_CHAT, ORGANIZATIONS,
  PRESENCE, REPLY, REPLY_WITH_FILES, RESOLVE, SET_PRESENCE, STAFF, STATUS, TICKET_UPDATED, UPDATE, WINDOW,
} from "./queries";
import type {
  Attachment, Chat, Comment, Contact, HistoryEntry, Named, Nodes, Payload, PresentPerson, Ticket, TicketWithThread, Viewer,
} from "./types";

type Props = {
  number: number; viewer: Viewer; staff: boolean; close: () => void;
  chat?: (ticketId: string) => Promise<void>; openChat?: (chat: Chat) => void;
};

/** The edits not saved yet, as the fields hold them. */
type Draft = {
  summary?: string; description?: string; categoryId?: string; priority?: string; moduleId?: string;
  organizationId?: string; primaryContactId?: string; ccContactIds?: string[]; ccEmails?: string; ownerId?: string;
};
type Field = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;
type TicketPayload = Payload<{ ticket: Ticket }>;
type CommentAdded = { addComment: Payload<{ comment: Comment }> };
type Choices = { categories: Named[]; modules: Named[]; staff: Named[]; organizations: Named[] };

/** How someone's presence reads to others. */
export function doing(state: string): string {
  return state === "REPLYING" ? "replying" : state === "NOTE" ? "writing a note" : "viewing";
}

export function TicketWindow({ number, viewer, staff, close, chat, openChat }: Props) {
  const [ticket, setTicket] = useState<Ticket | null>(null);
  const [comments, setComments] = useState<Comment[]>([]);
  const [history, setHistory] = useState<HistoryEntry[]>([]);
  const [draft, setDraft] = useState<Draft>({});
  // The version the edits started from: a live update meanwhile must not make them win.
  const [base, setBase] = useState<number | null>(null);
  const [message, setMessage] = useState<{ text: string; error?: boolean } | null>(null);
  const [present, setPresent] = useState<PresentPerson[]>([]);
  const [choices, setChoices] = useState<Choices>({ categories: [], modules: [], staff: [], organizations: [] });
  const [people, setPeople] = useState<Contact[]>([]);  // the customers of the chosen organization
  const [liveChat, setLiveChat] = useState<Chat | null>(null);  // staff: an active chat about this ticket
  const [notFound, setNotFound] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  const load = () =>
    gql<{ ticket: TicketWithThread | null }>(WINDOW, { number }).then((data) => {
      if (!data.ticket) return setNotFound(true);
      const { comments, history, ...rest } = data.ticket;
      setTicket(rest);
      setComments(comments.nodes);
      setHistory(history.nodes);
    });

  useEffect(() => {
    load().then(() => heading.current?.focus());
    gql<{ categories: Named[]; modules: Named[] }>(CHOICES).then((data) => setChoices((c) => ({ ...c, ...data })));
    if (staff) {
      gql<{ contacts: Nodes<Named>; admins: Nodes<Named> }>(STAFF)
        .then((d) => setChoices((c) => ({ ...c, staff: [...d.admins.nodes, ...d.contacts.nodes] })));
      gql<{ organizations: Nodes<Named> }>(ORGANIZATIONS)
        .then((d) => setChoices((c) => ({ ...c, organizations: d.organizations.nodes })));
    }
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && close();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [number]);

  const id = ticket?.id;
  useEffect(() => {
    if (!id) return;
    const stops = [
      follow<{ ticketUpdated: Ticket }>(TICKET_UPDATED, () => ({ id }), (d) => setTicket(d.ticketUpdated), load),
      follow<{ commentAdded: Comment }>(COMMENT_ADDED, () => ({ id }), (d) =>
        setComments((list) => (list.some((c) => c.id === d.commentAdded.id) ? list : [...list, d.commentAdded]))),
      follow<{ ticketPresence: { people: PresentPerson[] } }>(PRESENCE, () => ({ id }), (d) => setPresent(d.ticketPresence.people)),
    ];
    return () => stops.forEach((stop) => stop());
  }, [id]);

  const organizationId = draft.organizationId ?? ticket?.organization.id;
  useEffect(() => {
    if (!organizationId) return;
    gql<{ contacts: Nodes<Contact> }>(ORG_CONTACTS, { org: organizationId }).then((d) => setPeople(d.contacts.nodes)).catch(() => setPeople([]));
  }, [organizationId]);

  useEffect(() => {
    if (!id || !staff) return;
    gql<{ node: { activeChat: Chat | null } | null }>(TICKET_CHAT, { id })
      .then((d) => setLiveChat(d.node?.activeChat?.state === "ACTIVE" ? d.node.activeChat : null))
      .catch(() => {});
  }, [id, ticket?.updatedAt]);

  if (notFound) {
    return (
      <Shell close={close} title={`Ticket #${number}`}>
        <p role="alert">Ticket #{number} was not found.</p>
      </Shell>
    );
  }
  if (!ticket) return <Shell close={close} title={`Ticket #${number}`}><p>Loading…</p></Shell>;

  const value = <K extends keyof Draft>(key: K, fallback: Required<Draft>[K]) =>
    key in draft ? (draft[key] as Required<Draft>[K]) : fallback;
  const edit = (key: Exclude<keyof Draft, "ccContactIds">) => (e: TargetedEvent<Field>) => {
    if (base === null) setBase(ticket.version);
    setDraft({ ...draft, [key]: e.currentTarget.value });
  };
  const moveTo = (e: TargetedEvent<HTMLSelectElement>) => {
    if (base === null) setBase(ticket.version);
    // Its people belong to the old organization: choose again among the new one's.
    setDraft({ ...draft, organizationId: e.currentTarget.value, primaryContactId: "", ccContactIds: [] });
  };
  const ccIds = value("ccContactIds", ticket.ccContacts.map((c) => c.id));
  const toggleCc = (contactId: string) => (e: TargetedEvent<HTMLInputElement>) => {
    if (base === null) setBase(ticket.version);
    const next = e.currentTarget.checked ? [...ccIds, contactId] : ccIds.filter((x) => x !== contactId);
    setDraft({ ...draft, ccContactIds: next });
  };
  const primaryId = value("primaryContactId", ticket.primaryContact?.id ?? "");
  // The current people stay choosable while the list loads (or if they left the organization).
  const known = [...people];
  for (const c of [ticket.primaryContact, ...ticket.ccContacts]) {
    if (c && !draft.organizationId && !known.some((p) => p.id === c.id)) known.push(c);
  }
  const forget = () => {
    setDraft({});
    setBase(null);
  };
  const open = ticket.status !== "CLOSED";
  const say = (text: string, error = false) => setMessage({ text, error });

  async function run(action: () => Promise<TicketPayload>, done: string) {
    setMessage(null);
    try {
      const payload = check(await action());
      if (payload.ticket) setTicket(payload.ticket);
      say(done);
      return true;
    } catch (e) {
      const conflict = e instanceof ApiError && e.code === "CONFLICT";
      say(
        conflict
          ? "Someone else changed this ticket while you were editing it: your changes were not saved. The window shows their version now; make your changes again."
          : errorText(e),
        true,
      );
      if (conflict) {
        forget();
        load();
      }
      return false;
    }
  }

  const save = async (e: Event) => {
    e.preventDefault();
    const input: Record<string, unknown> = { ticketId: ticket.id, expectedVersion: base ?? ticket.version };
    for (const key of ["summary", "description", "categoryId", "priority", "organizationId", "ccContactIds"] as const) if (key in draft) input[key] = draft[key];
    for (const key of ["primaryContactId", "moduleId"] as const) if (key in draft) input[key] = draft[key] || null;
    if (draft.ccEmails !== undefined) {
      input.ccEmails = draft.ccEmails.split(",").map((s) => s.trim()).filter(Boolean);
    }
    const ownerChanged = "ownerId" in draft && draft.ownerId !== (ticket.owner?.id ?? "");
    if (Object.keys(input).length > 2 && !(await run(async () => (await gql<{ updateTicket: TicketPayload }>(UPDATE, { input })).updateTicket, "Changes saved."))) return;
    if (ownerChanged && !(await run(async () => (await gql<{ assignTicket: TicketPayload }>(ASSIGN, { input: { ticketId: ticket.id, ownerId: draft.ownerId || null } })).assignTicket, "Changes saved."))) return;
    forget();
  };

  const status = (s: string) =>
    run(async () => (await gql<{ changeTicketStatus: TicketPayload }>(STATUS, { input: { ticketId: ticket.id, status: s, expectedVersion: ticket.version } })).changeTicketStatus, `Status: ${label(s)}.`);
  const resolve = () => run(async () => (await gql<{ resolveTicket: TicketPayload }>(RESOLVE, { input: { ticketId: ticket.id } })).resolveTicket, "Marked resolved.");
  const join = async () => {
    if (!liveChat) return;
    try {
      openChat?.(check((await gql<{ joinChat: Payload<{ chat: Chat }> }>(JOIN_CHAT, { id: liveChat.id })).joinChat).chat);
    } catch (e) {
      say(errorText(e), true);
    }
  };
  const chatNow = async () => {
    try {
      await chat?.(ticket.id);
    } catch (e) {
      say(errorText(e), true);
    }
  };
  const closeTicket = () => run(async () => (await gql<{ closeTicket: TicketPayload }>(CLOSE, { input: { ticketId: ticket.id } })).closeTicket, "Ticket closed.");
  const others = present.filter((p) => p.contact?.id !== viewer.id);

  return (
    <Shell close={close} title={`#${ticket.number} ${ticket.summary}`} headingRef={heading}
      status={<span class={`badge status-${ticket.status}`}>{label(ticket.status)}</span>}>
      {others.length > 0 && (
        <p class="presence" aria-live="polite">
          Also here: {others.map((p) => `${p.displayName} (${doing(p.state)})`).join(", ")}
        </p>
      )}
      {message && <p role={message.error ? "alert" : "status"} class={message.error ? "error" : "ok"}>{message.text}</p>}
      <p class="meta">
        Created by {ticket.createdBy?.name ?? "—"} at {when(ticket.createdAt)} · Updated by {ticket.updatedBy?.name ?? "—"} at {when(ticket.updatedAt)}
      </p>
      <div class="window-grid">
        <form class="details" onSubmit={save} aria-label="Ticket details">
          {staff ? (
            <label>Organization
              <select name="organizationId" value={organizationId} onChange={moveTo} disabled={!open}>
                {!choices.organizations.some((o) => o.id === ticket.organization.id) && <option value={ticket.organization.id}>{ticket.organization.name}</option>}
                {choices.organizations.map((o) => <option value={o.id}>{o.name}</option>)}
              </select>
            </label>
          ) : (
            <p><strong>Organization:</strong> {ticket.organization.name}</p>
          )}
          <label>Primary contact
            <select name="primaryContactId" value={primaryId} onChange={edit("primaryContactId")} disabled={!open}>
              {!primaryId && <option value="">Choose…</option>}
              {known.map((c) => <option value={c.id}>{c.name} &lt;{c.email}&gt;</option>)}
            </select>
          </label>
          {ticket.primaryContact?.phone && !draft.primaryContactId && <p class="meta">Phone: {ticket.primaryContact.phone}</p>}
          <fieldset class="cc">
            <legend>CC contacts</legend>
            {known.filter((c) => c.id !== primaryId).map((c) => (
              <label class="check"><input type="checkbox" checked={ccIds.includes(c.id)} onChange={toggleCc(c.id)} disabled={!open} />{c.name}</label>
            ))}
          </fieldset>
          <label>CC e-mails<input name="ccEmails" value={value("ccEmails", ticket.ccEmails.join(", "))} onInput={edit("ccEmails")} disabled={!open} /></label>
          <label>Summary<input name="summary" value={value("summary", ticket.summary)} onInput={edit("summary")} disabled={!open} /></label>
          <label>Description<textarea name="description" rows={4} value={value("description", ticket.description)} onInput={edit("description")} disabled={!open} /></label>
          <label>Category
            <select name="categoryId" value={value("categoryId", ticket.category.id)} onChange={edit("categoryId")} disabled={!open}>
              {choices.categories.map((c) => <option value={c.id}>{c.name}</option>)}
            </select>
          </label>
          {staff && (
            <>
              <label>Priority
                <select name="priority" value={value("priority", ticket.priority)} onChange={edit("priority")} disabled={!open}>
                  {PRIORITIES.map((p) => <option value={p}>{label(p)}</option>)}
                </select>
              </label>
              <label>Module
                <select name="moduleId" value={value("moduleId", ticket.module?.id ?? "")} onChange={edit("moduleId")} disabled={!open}>
                  <option value="">None</option>
                  {choices.modules.map((m) => <option value={m.id}>{m.name}</option>)}
                </select>
              </label>
              <label>Owner
                <select name="ownerId" value={value("ownerId", ticket.owner?.id ?? "")} onChange={edit("ownerId")} disabled={!open}>
                  <option value="">Unassigned</option>
                  {choices.staff.map((p) => <option value={p.id}>{p.name}</option>)}
                </select>
              </label>
            </>
          )}
          {!staff && <p><strong>Module:</strong> {ticket.module?.name ?? "—"}</p>}
          {!staff && <p><strong>Owner:</strong> {ticket.owner?.name ?? "Unassigned"}</p>}
          <div class="actions">
            {open && <button type="submit" disabled={!Object.keys(draft).length}>Save Changes</button>}
            {staff && open && (
              <label class="inline">Status
                <select aria-label="Change status" value={ticket.status} onChange={(e) => status(e.currentTarget.value)}>
                  {STATUSES.filter((s) => s !== "CLOSED").map((s) => <option value={s}>{label(s)}</option>)}
                </select>
              </label>
            )}
            {staff && open && ticket.status !== "RESOLVED" && <button type="button" onClick={resolve}>Mark Resolved</button>}
            {staff && open && <button type="button" class="secondary" onClick={closeTicket}>Close</button>}
            {chat && open && !staff && <button type="button" class="secondary" onClick={chatNow}>Chat Now</button>}
            {staff && liveChat && <button type="button" class="secondary" onClick={join}>Join Chat</button>}
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
                  {h.changes.map((c) => <span> · {c.field}: {String(c.oldValue ?? "—")} → {String(c.newValue ?? "—")}</span>)}
                </li>
              ))}
            </ol>
          </details>
        </section>
      </div>
    </Shell>
  );
}

type ShellProps = {
  close: () => void; title: string; children: ComponentChildren;
  status?: ComponentChildren; headingRef?: Ref<HTMLHeadingElement>;
};

function Shell({ close, title, children, status, headingRef }: ShellProps) {
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

function Files({ files }: { files: Attachment[] }) {
  async function download(id: string) {
    const data = await gql<{ node: { downloadUrl?: string | null } }>(DOWNLOAD, { id });
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

function Reply({ ticketId, staff, onSent }: { ticketId: string; staff: boolean; onSent: (c: Comment) => void }) {
  const [body, setBody] = useState("");
  const [kind, setKind] = useState("REPLY");
  const [error, setError] = useState("");
  const files = useRef<HTMLInputElement>(null);
  const lastSaid = useRef({ at: 0, state: "VIEWING" });

  // Others see REPLYING (or NOTE, staff only) while this person types, said again every
  // few seconds so it does not lapse; VIEWING once the text is sent or emptied.
  function say(state: string) {
    const now = Date.now();
    if (state === lastSaid.current.state && (state === "VIEWING" || now - lastSaid.current.at < 5000)) return;
    lastSaid.current = { at: now, state };
    gql(SET_PRESENCE, { id: ticketId, state }).catch(() => {});
  }
  const typingState = (k: string) => (k === "INTERNAL_NOTE" ? "NOTE" : "REPLYING");

  function typing(text: string) {
    setBody(text);
    say(text ? typingState(kind) : "VIEWING");
  }
  function choose(k: string) {
    setKind(k);
    if (body) say(typingState(k));
  }

  async function send(e: Event) {
    e.preventDefault();
    setError("");
    const chosen = [...(files.current?.files ?? [])];
    try {
      const payload = chosen.length
        ? (await gqlWithFiles<CommentAdded>(REPLY_WITH_FILES, { ticketId, body, kind }, chosen)).addComment
        : (await gql<CommentAdded>(REPLY, { input: { ticketId, body, kind } })).addComment;
      onSent(check(payload).comment);
      setBody("");
      if (files.current) files.current.value = "";
      say("VIEWING");
    } catch (e) {
      setError(errorText(e));
    }
  }

  return (
    <form class="reply" onSubmit={send} aria-label="Reply">
      <label>{kind === "INTERNAL_NOTE" ? "Internal note" : "Reply"}
        <textarea name="body" rows={3} value={body} onInput={(e) => typing(e.currentTarget.value)} required />
      </label>
      {staff && (
        <fieldset class="inline">
          <legend>Kind</legend>
          <label class="check"><input type="radio" name="kind" checked={kind === "REPLY"} onChange={() => choose("REPLY")} />Reply to customer</label>
          <label class="check"><input type="radio" name="kind" checked={kind === "INTERNAL_NOTE"} onChange={() => choose("INTERNAL_NOTE")} />Internal note</label>
        </fieldset>
      )}
      <label>Add Attachments<input type="file" name="files" multiple ref={files} /></label>
      {error && <p role="alert" class="error">{error}</p>}
      <button type="submit">Send</button>
    </form>
  );
}
