// Help Desk / Manage Tickets: the grid with every filter, sorting and paging, live from
// ticketEvents (rows that stop matching the filter drop out), and bulk Resolve for staff.
import type { TargetedEvent } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { check, errorText, follow, gql, type UserError } from "./api";
import { label, PRIORITIES, STATUSES, when } from "./format";
import { CHOICES, GRID, GRID_EVENTS, RESOLVE_MANY, STAFF } from "./queries";
import type { Named, Nodes, Payload, TicketEvent, TicketPage, TicketRow } from "./types";

const PAGE = 25;
/** The filter form as typed. */
type Filters = {
  number: string; primaryContact: string; organizationName: string; assignedToId: string; status: string[];
  categoryId: string; summary: string; createdFrom: string; createdTo: string; updatedFrom: string; updatedTo: string;
  includeResolved: boolean; includeClosed: boolean;
};
/** The TicketFilter input made of it. */
type TicketFilter = {
  number?: number; primaryContact?: string; organizationName?: string; summary?: string;
  createdFrom?: string; createdTo?: string; updatedFrom?: string; updatedTo?: string;
  assignedToId?: string; unassigned?: boolean; status?: string[]; categoryId?: string[];
  includeResolved: boolean; includeClosed: boolean;
};
const EMPTY: Filters = {
  number: "", primaryContact: "", organizationName: "", assignedToId: "", status: [],
  categoryId: "", summary: "", createdFrom: "", createdTo: "", updatedFrom: "", updatedTo: "",
  includeResolved: false, includeClosed: false,
};

function toFilter(form: Filters): TicketFilter {
  const filter: TicketFilter = { includeResolved: form.includeResolved, includeClosed: form.includeClosed };
  if (form.number) filter.number = Number(form.number);
  for (const key of ["primaryContact", "organizationName", "summary", "createdFrom", "createdTo", "updatedFrom", "updatedTo"] as const) {
    if (form[key]) filter[key] = form[key];
  }
  if (form.assignedToId === "none") filter.unassigned = true;
  else if (form.assignedToId) filter.assignedToId = form.assignedToId;
  if (form.status.length) filter.status = form.status;
  if (form.categoryId) filter.categoryId = [form.categoryId];
  return filter;
}

// The server's order: status and priority by rank, then the ticket number as the tiebreak.
const RANKS: Record<string, string[]> = { STATUS: STATUSES, PRIORITY: PRIORITIES };
const KEYS: Record<string, (t: TicketRow) => number> = {
  NUMBER: (t) => t.number,
  CREATED_AT: (t) => Date.parse(t.createdAt),
  UPDATED_AT: (t) => Date.parse(t.updatedAt),
  STATUS: (t) => RANKS.STATUS.indexOf(t.status),
  PRIORITY: (t) => RANKS.PRIORITY.indexOf(t.priority),
};

function comparer(order: { field: string; direction: string }) {
  const key = KEYS[order.field] ?? KEYS.UPDATED_AT;
  const sign = order.direction === "ASC" ? 1 : -1;
  return (a: TicketRow, b: TicketRow) => sign * (key(a) - key(b) || a.number - b.number);
}

/** RESOLVE_MANY: each ticket's own errors. */
type ResolveResults = { results: { ticketId: string; errors: UserError[] }[] };

type Page = { first?: number; after?: string | null; last?: number; before?: string | null };

export function Grid({ staff, open }: { staff: boolean; open: (number: number) => void }) {
  const [form, setForm] = useState<Filters>(EMPTY);
  const [filter, setFilter] = useState<TicketFilter>(toFilter(EMPTY));
  const [order, setOrder] = useState({ field: "UPDATED_AT", direction: "DESC" });
  const [page, setPage] = useState<Page>({ first: PAGE });
  const [result, setResult] = useState<TicketPage | null>(null);
  const [error, setError] = useState("");
  const [choices, setChoices] = useState<{ categories: Named[]; staff: Named[] }>({ categories: [], staff: [] });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [notice, setNotice] = useState("");
  const cursor = useRef<string | null>(null);
  const pageRef = useRef<Page>(page);
  pageRef.current = page;
  const hasPrevious = Boolean(result?.pageInfo.hasPreviousPage || page.after);

  useEffect(() => {
    gql<{ categories: Named[] }>(CHOICES).then((data) => setChoices((c) => ({ ...c, categories: data.categories })));
    if (staff) {
      gql<{ contacts: Nodes<Named>; admins: Nodes<Named> }>(STAFF).then((data) =>
        setChoices((c) => ({ ...c, staff: [...data.admins.nodes, ...data.contacts.nodes] })),
      );
    }
  }, [staff]);

  const loads = useRef(0);
  const load = () => {
    // Only the latest request's answer counts: an earlier one may arrive after it.
    const mine = ++loads.current;
    return gql<{ tickets: TicketPage }>(GRID, { filter, orderBy: order, ...page })
      .then((data) => {
        if (mine !== loads.current) return;
        setResult(data.tickets);
        setError("");
      })
      .catch((e: unknown) => mine === loads.current && setError(errorText(e)));
  };

  useEffect(() => {
    cursor.current = null;
    load();
    // Live from here on; after a drop, resume after the last event seen (or reload the
    // page when none arrived yet).
    return follow<{ ticketEvents: TicketEvent }>(
      GRID_EVENTS,
      () => ({ filter, after: cursor.current }),
      (data) => {
        const event = data.ticketEvents;
        cursor.current = event.cursor;
        apply(event);
      },
      () => cursor.current === null && load(),
    );
  }, [filter, order, page]);

  function apply(event: TicketEvent) {
    const ticket = event.ticket;
    if (!ticket) return;
    setResult((current) => {
      if (!current) return current;
      const nodes = current.nodes.filter((row) => row.id !== ticket.id);
      const had = nodes.length !== current.nodes.length;
      if (!event.matchesFilter) {
        return had ? { ...current, nodes, totalCount: current.totalCount - 1 } : current;
      }
      const totalCount = current.totalCount + (had ? 0 : 1);
      // In its sorted place, if that place is on this page: before the first row only on
      // the first page, after the last only on the last page; elsewhere it is on another.
      const compare = comparer(order);
      const at = nodes.findIndex((row) => compare(ticket, row) < 0);
      const first = !current.pageInfo.hasPreviousPage && !pageRef.current.after;
      const last = !current.pageInfo.hasNextPage && !pageRef.current.before;
      const here = nodes.length === 0 || (at === 0 ? first : at === -1 ? last : true);
      if (!here) return { ...current, nodes, totalCount };
      const placed = [...nodes];
      placed.splice(at === -1 ? placed.length : at, 0, ticket);
      if (placed.length <= PAGE) return { ...current, nodes: placed, totalCount };
      // A full page pushes one row onto the next page (or the previous, paging backwards).
      const back = Boolean(pageRef.current.before);
      const pageInfo = { ...current.pageInfo, [back ? "hasPreviousPage" : "hasNextPage"]: true };
      return { ...current, nodes: back ? placed.slice(1) : placed.slice(0, PAGE), pageInfo, totalCount };
    });
  }

  function search(e: Event) {
    e.preventDefault();
    setSelected(new Set());
    setPage({ first: PAGE });
    setFilter(toFilter(form));
  }

  function sortBy(field: string) {
    setOrder((o) => ({ field, direction: o.field === field && o.direction === "DESC" ? "ASC" : "DESC" }));
    setPage({ first: PAGE });
  }

  async function resolveSelected() {
    setNotice("");
    try {
      const data = check((await gql<{ resolveTickets: Payload<ResolveResults> }>(RESOLVE_MANY, { ids: [...selected] })).resolveTickets);
      const failed = data.results.filter((r) => r.errors.length);
      setNotice(
        `${data.results.length - failed.length} resolved` +
          (failed.length ? `; ${failed.length} not: ${failed[0].errors[0].message}` : ""),
      );
      setSelected(new Set());
    } catch (e) {
      setNotice(errorText(e));
    }
  }

  const set = (key: keyof Filters) => (e: TargetedEvent<HTMLInputElement | HTMLSelectElement>) => {
    const field = e.currentTarget;
    setForm({ ...form, [key]: field instanceof HTMLInputElement && field.type === "checkbox" ? field.checked : field.value });
  };
  const toggleStatus = (status: string) => (e: TargetedEvent<HTMLInputElement>) =>
    setForm({
      ...form,
      status: e.currentTarget.checked ? [...form.status, status] : form.status.filter((s) => s !== status),
    });
  const sortable = (field: string, text: string) => (
    <th aria-sort={order.field === field ? (order.direction === "ASC" ? "ascending" : "descending") : undefined}>
      <button type="button" class="link" onClick={() => sortBy(field)}>
        {text} {order.field === field ? (order.direction === "ASC" ? "▲" : "▼") : ""}
      </button>
    </th>
  );
  const rows = result?.nodes ?? [];
  const allSelected = useMemo(() => rows.length > 0 && rows.every((r) => selected.has(r.id)), [rows, selected]);

  return (
    <section aria-labelledby="grid-title">
      <h1 id="grid-title">{staff ? "Manage Tickets" : "Help Desk"}</h1>
      <form class="filters" onSubmit={search} aria-label="Filter tickets">
        <label>Ticket number<input name="number" inputMode="numeric" value={form.number} onInput={set("number")} /></label>
        <label>Primary contact<input name="primaryContact" placeholder="name or e-mail, * wildcard" value={form.primaryContact} onInput={set("primaryContact")} /></label>
        <label>Organization<input name="organizationName" placeholder="* wildcard" value={form.organizationName} onInput={set("organizationName")} /></label>
        {staff && (
          <label>Assigned to
            <select name="assignedToId" value={form.assignedToId} onChange={set("assignedToId")}>
              <option value="">Anyone</option>
              <option value="none">Unassigned</option>
              {choices.staff.map((p) => <option value={p.id}>{p.name}</option>)}
            </select>
          </label>
        )}
        <label>Category
          <select name="categoryId" value={form.categoryId} onChange={set("categoryId")}>
            <option value="">Any</option>
            {choices.categories.map((c) => <option value={c.id}>{c.name}</option>)}
          </select>
        </label>
        <label>Summary keywords<input name="summary" value={form.summary} onInput={set("summary")} /></label>
        <label>Created from<input type="date" name="createdFrom" value={form.createdFrom} onInput={set("createdFrom")} /></label>
        <label>Created to<input type="date" name="createdTo" value={form.createdTo} onInput={set("createdTo")} /></label>
        <label>Updated from<input type="date" name="updatedFrom" value={form.updatedFrom} onInput={set("updatedFrom")} /></label>
        <label>Updated to<input type="date" name="updatedTo" value={form.updatedTo} onInput={set("updatedTo")} /></label>
        <fieldset>
          <legend>Status</legend>
          {STATUSES.map((s) => (
            <label class="check"><input type="checkbox" checked={form.status.includes(s)} onChange={toggleStatus(s)} />{label(s)}</label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Include</legend>
          <label class="check"><input type="checkbox" name="includeResolved" checked={form.includeResolved} onChange={set("includeResolved")} />Include resolved</label>
          <label class="check"><input type="checkbox" name="includeClosed" checked={form.includeClosed} onChange={set("includeClosed")} />Include closed</label>
        </fieldset>
        <div class="actions">
          <button type="submit">Search</button>
          <button type="button" class="secondary" onClick={() => { setForm(EMPTY); setFilter(toFilter(EMPTY)); setPage({ first: PAGE }); }}>Clear</button>
        </div>
      </form>
      {error && <p role="alert" class="error">{error}</p>}
      <div class="toolbar">
        <p aria-live="polite">{result ? `${result.totalCount} tickets` : "Loading…"}</p>
        {staff && (
          <button type="button" disabled={!selected.size} onClick={resolveSelected}>
            Resolve Tickets{selected.size ? ` (${selected.size})` : ""}
          </button>
        )}
        {notice && <p role="status">{notice}</p>}
      </div>
      <div class="table-wrap">
        <table class="grid">
          <thead>
            <tr>
              {staff && (
                <th><input type="checkbox" aria-label="Select all on this page" checked={allSelected}
                  onChange={(e) => setSelected(e.currentTarget.checked ? new Set(rows.map((r) => r.id)) : new Set())} /></th>
              )}
              {sortable("NUMBER", "Number")}
              <th>Summary</th>
              <th>Organization</th>
              <th>Primary contact</th>
              <th>Owner</th>
              <th>Category</th>
              <th>Module</th>
              {sortable("STATUS", "Status")}
              {sortable("PRIORITY", "Priority")}
              {sortable("CREATED_AT", "Created")}
              {sortable("UPDATED_AT", "Last updated")}
              <th>Days open</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((t) => (
              <tr key={t.id} data-number={t.number}>
                {staff && (
                  <td><input type="checkbox" aria-label={`Select ticket ${t.number}`} checked={selected.has(t.id)}
                    onChange={(e) => {
                      const next = new Set(selected);
                      e.currentTarget.checked ? next.add(t.id) : next.delete(t.id);
                      setSelected(next);
                    }} /></td>
                )}
                <td><a href={`/tickets/${t.number}`} onClick={(e) => { e.preventDefault(); open(t.number); }}>#{t.number}</a></td>
                <td>{t.summary}</td>
                <td>{t.organization.name}</td>
                <td>{t.primaryContact && (<>{t.primaryContact.name}<br /><small>{t.primaryContact.email}{t.primaryContact.phone ? ` · ${t.primaryContact.phone}` : ""}</small></>)}</td>
                <td>{t.owner?.name ?? <em>Unassigned</em>}</td>
                <td>{t.category.name}</td>
                <td>{t.module?.name}</td>
                <td><span class={`badge status-${t.status}`}>{label(t.status)}</span></td>
                <td>{label(t.priority)}</td>
                <td>{when(t.createdAt)}</td>
                <td>{when(t.updatedAt)}</td>
                <td>{t.daysOpen}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={!hasPrevious}
          onClick={() => result && setPage({ last: PAGE, before: result.pageInfo.startCursor })}>Previous page</button>
        <button type="button" disabled={!result?.pageInfo.hasNextPage}
          onClick={() => result && setPage({ first: PAGE, after: result.pageInfo.endCursor })}>Next page</button>
      </nav>
    </section>
  );
}
