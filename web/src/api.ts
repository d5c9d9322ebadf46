// The one way the page talks to the server: the public GraphQL API, over HTTP for queries
// and mutations, and over graphql-transport-ws (the stock graphql-ws client) for live data.
import { createClient, type Client } from "graphql-ws";

const TOKEN_KEY = "helpdesk.token";

/** A payload's error; `field` is there when the document selects it. */
export type UserError = { code: string; field?: string | null; message: string };

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
  }
}

/** What to show for a caught error (ApiError, or fetch's own TypeError). */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function savedToken(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}

export function saveToken(token: string | null): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

/** Runs a query or mutation; top-level errors throw ApiError (code from extensions). */
export async function gql<T>(query: string, variables: object = {}): Promise<T> {
  const token = savedToken();
  const response = await fetch("/graphql", {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return answer<T>(response);
}

/** A mutation with files, as a GraphQL multipart request: `files` go to variables.files. */
export async function gqlWithFiles<T>(
  query: string,
  variables: object,
  files: File[],
): Promise<T> {
  const form = new FormData();
  const nulls = files.map(() => null);
  form.append("operations", JSON.stringify({ query, variables: { ...variables, files: nulls } }));
  form.append("map", JSON.stringify(Object.fromEntries(files.map((_, i) => [i, [`variables.files.${i}`]]))));
  files.forEach((file, i) => form.append(String(i), file, file.name));
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { Authorization: `Bearer ${savedToken()}`, "GraphQL-Require-Preflight": "1" },
    body: form,
  });
  return answer<T>(response);
}

/** The JSON of a GraphQL response, as far as we read it. */
type Answer = {
  data?: unknown;
  errors?: { message: string; extensions?: { code?: string } }[];
};

async function answer<T>(response: Response): Promise<T> {
  let body: Answer;
  try {
    body = (await response.json()) as Answer;
  } catch {
    throw new ApiError(`The server answered ${response.status} ${response.statusText}`, null);
  }
  if (body.errors?.length) {
    const first = body.errors[0];
    throw new ApiError(first.message, first.extensions?.code ?? null);
  }
  return body.data as T;
}

/** A payload that had no errors: its results are there. */
export type Checked<P> = { [K in keyof P]: K extends "errors" ? P[K] : NonNullable<P[K]> };

/** Throws the first payload error, so callers show one message. */
export function check<P extends { errors: UserError[] }>(payload: P): Checked<P> {
  if (payload.errors.length) {
    const error = payload.errors[0];
    throw new ApiError(error.message, error.code);
  }
  return payload as Checked<P>;
}

// ---- live ----

export type LinkState = "connecting" | "live" | "reconnecting";
type Follow = { start: () => void; stop: () => void };

let client: Client | null = null;
const follows = new Set<Follow>();
const stateListeners = new Set<(state: LinkState) => void>();
let linkState: LinkState = "connecting";

function setState(state: LinkState) {
  linkState = state;
  stateListeners.forEach((listener) => listener(state));
}

export function onLinkState(listener: (state: LinkState) => void): () => void {
  stateListeners.add(listener);
  listener(linkState);
  return () => stateListeners.delete(listener);
}

/** Opens the socket for the signed-in person; it retries forever after a drop. */
export function connectLive(): void {
  closeLive();
  const url = new URL("/graphql", window.location.href).href.replace(/^http/, "ws");
  client = createClient({
    url,
    lazy: false,
    connectionParams: () => ({ Authorization: `Bearer ${savedToken()}` }),
    retryAttempts: Infinity,
    shouldRetry: () => true,
    retryWait: async (retries) => {
      await new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** retries, 3000)));
    },
  });
  client.on("connected", () => {
    setState("live");
    follows.forEach((follow) => follow.start());
  });
  client.on("closed", () => {
    // Our subscriptions end with the socket; each starts again from its own cursor once
    // the client is connected again, so nothing is missed and nothing repeats.
    follows.forEach((follow) => follow.stop());
    setState("reconnecting");
  });
  setState("connecting");
}

/** Closes the socket (signing out); followers stay registered until they unfollow. */
export function closeLive(): void {
  follows.forEach((follow) => follow.stop());
  client?.dispose();
  client = null;
}

/**
 * Follows a subscription for as long as the returned function is not called: started on
 * every (re)connection with `variables()` read anew (so a cursor can be passed as `after`),
 * `onResume` called on each restart after the first, to catch up on what has no cursor.
 */
export function follow<T>(
  query: string,
  variables: () => object,
  onData: (data: T) => void,
  onResume?: () => void,
): () => void {
  let dispose: (() => void) | null = null;
  let started = 0;
  const entry: Follow = {
    start() {
      if (dispose || !client) return;
      if (started++ > 0) onResume?.();
      dispose = client.subscribe<T>(
        { query, variables: variables() as Record<string, unknown> },
        {
          next: (result) => result.data && onData(result.data as T),
          error: (error) => console.warn("subscription ended", error),
          complete: () => {},
        },
      );
    },
    stop() {
      dispose?.();
      dispose = null;
    },
  };
  follows.add(entry);
  if (linkState === "live") entry.start();
  return () => {
    entry.stop();
    follows.delete(entry);
  };
}
