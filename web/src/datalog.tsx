// Seed 000's Data Log: your log of closed tickets, with View, Delete and Clear History
// (they hide entries from your own log only; the audit trail stays).
import { useEffect, useState } from "preact/hooks";
import { check, errorText, gql } from "./api";
import { when } from "./format";
import { CLEAR_LOG, DATA_LOG, DELETE_LOG } from "./queries";
import type { LogPage, Payload } from "./types";

export function DataLog({ open }: { open: (number: number) => void }) {
  const [log, setLog] = useState<LogPage | null>(null);
  const [after, setAfter] = useState<string | null>(null);
  const [asking, setAsking] = useState(false);
  const [message, setMessage] = useState("");
  const load = () => gql<{ dataLog: LogPage }>(DATA_LOG, { after }).then((d) => setLog(d.dataLog));
  useEffect(() => { load(); }, [after]);

  async function act(action: () => Promise<Payload>, done: string) {
    try {
      check(await action());
      setMessage(done);
      setAsking(false);
      load();
    } catch (e) {
      setMessage(errorText(e));
    }
  }

  return (
    <section aria-labelledby="log-title">
      <h1 id="log-title">Data Log</h1>
      <div class="toolbar">
        <p>{log ? `${log.totalCount} entries` : "Loading…"}</p>
        {!asking && <button type="button" class="secondary" onClick={() => setAsking(true)}>Clear History</button>}
        {asking && (
          <>
            <span>Clear your whole Data Log?</span>
            <button type="button" onClick={() => act(async () => (await gql<{ clearDataLog: Payload<{ clearedCount: number }> }>(CLEAR_LOG)).clearDataLog, "History cleared.")}>Yes, clear it</button>
            <button type="button" class="secondary" onClick={() => setAsking(false)}>Cancel</button>
          </>
        )}
        {message && <p role="status">{message}</p>}
      </div>
      <div class="table-wrap">
        <table class="grid log">
          <thead><tr><th>Logging ID</th><th>Date</th><th>Ticket</th><th>Module</th><th>Category</th><th>Description</th><th>Actions</th></tr></thead>
          <tbody>
            {log?.nodes.map((e) => (
              <tr key={e.id}>
                <td>{e.loggingId}</td><td>{when(e.occurredAt)}</td><td>{e.ticketNumber ? `#${e.ticketNumber}` : ""}</td>
                <td>{e.module?.name}</td><td>{e.category?.name}</td><td>{e.description}</td>
                <td class="actions">
                  {e.ticketNumber && <button type="button" class="link" onClick={() => e.ticketNumber && open(e.ticketNumber)}>View<span class="sr"> ticket {e.ticketNumber}</span></button>}
                  <button type="button" class="link" onClick={() => act(async () => (await gql<{ deleteLogEvent: Payload }>(DELETE_LOG, { id: e.id })).deleteLogEvent, `Entry ${e.loggingId} deleted.`)}>Delete<span class="sr"> entry {e.loggingId}</span></button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={!after} onClick={() => setAfter(null)}>First page</button>
        <button type="button" disabled={!log?.pageInfo.hasNextPage} onClick={() => log && setAfter(log.pageInfo.endCursor)}>Next page</button>
      </nav>
    </section>
  );
}
