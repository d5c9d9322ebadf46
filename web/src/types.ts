// The shapes of the data the page gets, as the documents in queries.ts select them (so a
// field selected there has its place here). Nullable where the schema says so.
import type { UserError } from "./api";

export type Role = "CUSTOMER" | "AGENT" | "ADMIN";
export type TicketStatus = "OPEN" | "IN_PROGRESS" | "WAITING_ON_CUSTOMER" | "RESOLVED" | "CLOSED";
export type TicketPriority = "LOW" | "NORMAL" | "HIGH" | "URGENT";
export type TicketChannel = "OFFLINE" | "CHAT";
export type CommentKind = "REPLY" | "INTERNAL_NOTE" | "CHAT_TRANSCRIPT" | "SYSTEM";
export type PresenceState = "VIEWING" | "REPLYING" | "NOTE";
export type ChatState = "WAITING" | "ACTIVE" | "ENDED";
export type ChatEventKind = "STARTED" | "ACCEPTED" | "JOINED" | "LEFT" | "MESSAGE" | "TYPING" | "ENDED";

/** `{ id name }`: organizations, categories, modules, staff. */
export interface Named {
  id: string;
  name: string;
}

/** `{ id name email }`: CC contacts and an organization's customers. */
export interface Contact extends Named {
  email: string;
}

/** `{ id name email phone }`: the primary contact. */
export interface ContactCard extends Contact {
  phone: string | null;
}

export interface Viewer extends Contact {
  role: Role;
  organization: Named | null;
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

/** A connection of which only the nodes are selected. */
export interface Nodes<T> {
  nodes: T[];
}

/** A row of the grid (ROW). */
export interface TicketRow {
  id: string;
  number: number;
  summary: string;
  status: TicketStatus;
  priority: TicketPriority;
  channel: TicketChannel;
  createdAt: string;
  updatedAt: string;
  daysOpen: number;
  organization: Named;
  primaryContact: ContactCard | null;
  owner: Named | null;
  category: Named;
  module: Named | null;
}

export interface Attachment {
  id: string;
  filename: string;
  size: number;
  deletedAt: string | null;
}

/** The ticket window's ticket (TICKET). */
export interface Ticket extends TicketRow {
  description: string;
  version: number;
  ccEmails: string[];
  resolvedAt: string | null;
  closedAt: string | null;
  rating: number | null;
  feedback: string | null;
  createdBy: Named | null;
  updatedBy: Named | null;
  ccContacts: Contact[];
  attachments: (Attachment & { comment: { id: string } | null })[];
}

/** COMMENT. */
export interface Comment {
  id: string;
  kind: CommentKind;
  body: string;
  createdAt: string;
  internal: boolean;
  author: Named | null;
  attachments: Attachment[];
}

export interface FieldChange {
  field: string;
  oldValue: unknown;
  newValue: unknown;
}

/** An entry of a ticket's history (WINDOW). */
export interface HistoryEntry {
  id: string;
  kind: string;
  occurredAt: string;
  actor: { name: string } | null;
  changes: FieldChange[];
}

/** WINDOW: the ticket with its comments and history. */
export type TicketWithThread = Ticket & { comments: Nodes<Comment>; history: Nodes<HistoryEntry> };

/** GRID. */
export interface TicketPage {
  totalCount: number;
  pageInfo: PageInfo;
  nodes: TicketRow[];
}

/** GRID_EVENTS. */
export interface TicketEvent {
  cursor: string;
  kind: string;
  matchesFilter: boolean;
  ticket: TicketRow | null;
}

/** STATS. */
export interface TicketStats {
  total: number;
  byStatus: { status: TicketStatus; count: number }[];
  byPriority: { priority: TicketPriority; count: number }[];
}

/** PRESENCE. */
export interface PresentPerson {
  displayName: string;
  isStaff: boolean;
  state: PresenceState;
  contact: { id: string } | null;
}

/** AWAITING. */
export interface AwaitingTicket {
  id: string;
  number: number;
  summary: string;
  resolvedAt: string | null;
}

/** CHAT. */
export interface Chat {
  id: string;
  state: ChatState;
  waitingSeconds: number;
  customer: { name: string } | null;
  agent: { name: string } | null;
  organization: { name: string } | null;
  ticket: { id: string; number: number; summary: string } | null;
}

/** CHAT_EVENTS. */
export interface ChatEvent {
  cursor: string | null;
  kind: ChatEventKind;
  occurredAt: string;
  typing: boolean | null;
  actor: Named | null;
  message: { id: string; body: string; sentAt: string; author: { name: string } | null } | null;
  chat: Chat | null;
}

/** CHAT_QUEUE. */
export interface ChatQueue {
  totalCount: number;
  chats: Chat[];
}

/** DATA_LOG's entries. */
export interface LogEntry {
  id: string;
  loggingId: number;
  occurredAt: string;
  ticketNumber: number | null;
  module: { name: string } | null;
  category: { name: string } | null;
  description: string | null;
}

/** DATA_LOG. */
export interface LogPage {
  totalCount: number;
  pageInfo: Pick<PageInfo, "hasNextPage" | "endCursor">;
  nodes: LogEntry[];
}

/** A mutation's payload: its result fields (null when it failed) and the errors. */
export type Payload<T extends object = object> = { [K in keyof T]: T[K] | null } & { errors: UserError[] };
