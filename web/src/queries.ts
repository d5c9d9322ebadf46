// The documents the page sends, in one place.

export const ROW = `
  id number summary status priority channel createdAt updatedAt daysOpen
  organization { id name }
  primaryContact { id name email phone }
  owner { id name }
  category { id name }
  module { id name }`;

export const TICKET = `
  id number summary description status priority channel version ccEmails
  createdAt updatedAt resolvedAt closedAt daysOpen rating feedback
  createdBy { id name } updatedBy { id name }
  organization { id name }
  primaryContact { id name email phone }
  ccContacts { id name email }
  owner { id name }
  category { id name }
  module { id name }
  attachments { id filename size deletedAt comment { id } }`;

export const COMMENT = `
  id kind body createdAt internal author { id name }
  attachments { id filename size deletedAt }`;

export const VIEWER = `{ viewer { id name email role organization { id name } } }`;

export const LOGIN = `mutation($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) {
    token viewer { id name email role organization { id name } } errors { code field message } } }`;

export const GRID = `query($filter: TicketFilter, $orderBy: TicketOrder, $first: Int, $after: String,
    $last: Int, $before: String) {
  tickets(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last,
          before: $before) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes { ${ROW} } } }`;

export const GRID_EVENTS = `subscription($filter: TicketFilter, $after: String) {
  ticketEvents(filter: $filter, after: $after) {
    cursor kind matchesFilter ticket { ${ROW} } } }`;

export const CHOICES = `{ categories { id name } modules { id name } }`;
export const STAFF = `{ contacts(filter: {role: AGENT}, first: 100) { nodes { id name } }
  admins: contacts(filter: {role: ADMIN}, first: 100) { nodes { id name } } }`;

export const RESOLVE_MANY = `mutation($ids: [ID!]!) { resolveTickets(input: {ticketIds: $ids}) {
  results { ticketId errors { code message } } errors { code message } } }`;

export const WINDOW = `query($number: Int!) { ticket(number: $number) { ${TICKET}
  comments(first: 100) { nodes { ${COMMENT} } }
  history(last: 100) { nodes { id kind occurredAt actor { name } changes { field oldValue newValue } } } } }`;

export const TICKET_UPDATED = `subscription($id: ID!) { ticketUpdated(id: $id) { ${TICKET} } }`;
export const COMMENT_ADDED = `subscription($id: ID!) { commentAdded(ticketId: $id) { ${COMMENT} } }`;
export const PRESENCE = `subscription($id: ID!) { ticketPresence(ticketId: $id) {
  people { displayName isStaff state contact { id } } } }`;
export const SET_PRESENCE = `mutation($id: ID!, $state: PresenceState) {
  setTicketPresence(input: {ticketId: $id, state: $state}) { errors { code message } } }`;

const PAYLOAD = `ticket { ${TICKET} } errors { code field message }`;
export const UPDATE = `mutation($input: UpdateTicketInput!) { updateTicket(input: $input) { ${PAYLOAD} } }`;
export const ASSIGN = `mutation($input: AssignTicketInput!) { assignTicket(input: $input) { ${PAYLOAD} } }`;
export const STATUS = `mutation($input: ChangeTicketStatusInput!) { changeTicketStatus(input: $input) { ${PAYLOAD} } }`;
export const RESOLVE = `mutation($input: ResolveTicketInput!) { resolveTicket(input: $input) { ${PAYLOAD} } }`;
export const CLOSE = `mutation($input: CloseTicketInput!) { closeTicket(input: $input) { ${PAYLOAD} } }`;
export const REPLY = `mutation($input: AddCommentInput!) { addComment(input: $input) {
  comment { ${COMMENT} } errors { code field message } } }`;
export const REPLY_WITH_FILES = `mutation($ticketId: ID!, $body: String!, $kind: CommentKind!,
    $files: [Upload!]) {
  addComment(input: {ticketId: $ticketId, body: $body, kind: $kind, attachments: $files}) {
  comment { ${COMMENT} } errors { code field message } } }`;
export const DOWNLOAD = `query($id: ID!) { node(id: $id) { ... on Attachment { downloadUrl } } }`;
export const CREATE = `mutation($input: CreateTicketInput!) { createTicket(input: $input) {
  ticket { id number } errors { code field message } } }`;

export const AWAITING = `{ ticketsAwaitingConfirmation { id number summary resolvedAt } }`;
export const CONFIRM = `mutation($input: ConfirmResolutionInput!) { confirmResolution(input: $input) {
  ticket { id status } errors { code field message } } }`;
export const REJECT = `mutation($input: RejectResolutionInput!) { rejectResolution(input: $input) {
  ticket { id status } errors { code field message } } }`;

export const STATS = `subscription { ticketStats { total byStatus { status count } byPriority { priority count } } }`;

const CHAT = `id state waitingSeconds customer { name } agent { name } organization { name }
  ticket { id number summary }`;
export const START_CHAT = `mutation($input: StartChatInput!) { startChat(input: $input) {
  chat { ${CHAT} } errors { code field message } } }`;
export const ACCEPT_CHAT = `mutation($id: ID!) { acceptChat(input: {chatId: $id}) {
  chat { ${CHAT} } errors { code message } } }`;
export const END_CHAT = `mutation($id: ID!) { endChat(input: {chatId: $id}) {
  chat { ${CHAT} } errors { code message } } }`;
export const SAY = `mutation($id: ID!, $body: String!) { sendChatMessage(input: {chatId: $id, body: $body}) {
  message { id } errors { code message } } }`;
export const CHAT_EVENTS = `subscription($id: ID!, $after: String, $fromStart: Boolean!) {
  chatEvents(chatId: $id, after: $after, fromStart: $fromStart) {
  cursor kind occurredAt typing actor { id name } message { id body sentAt author { name } } chat { ${CHAT} } } }`;
export const CHAT_QUEUE = `subscription { chatQueue { totalCount chats { ${CHAT} } } }`;

export const DATA_LOG = `query($after: String) { dataLog(first: 25, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  nodes { id loggingId occurredAt ticketNumber module { name } category { name } description } } }`;
export const DELETE_LOG = `mutation($id: ID!) { deleteLogEvent(input: {logEventId: $id}) {
  errors { code message } } }`;
export const CLEAR_LOG = `mutation { clearDataLog(input: {confirm: true}) { clearedCount errors { code message } } }`;

export const ORGANIZATIONS = `{ organizations(first: 100) { nodes { id name } } }`;
export const ORG_CONTACTS = `query($org: ID!) {
  contacts(filter: {organizationId: $org, role: CUSTOMER}, first: 100) { nodes { id name email } } }`;
export const ACTIVE_CHATS = `{ chats(state: ACTIVE, first: 50) { nodes { ${CHAT} } } }`;
export const TICKET_CHAT = `query($id: ID!) { node(id: $id) { ... on Ticket { activeChat { ${CHAT} } } } }`;
export const JOIN_CHAT = `mutation($id: ID!) { joinChat(input: {chatId: $id}) {
  chat { ${CHAT} } errors { code message } } }`;
export const CHAT_TYPING = `mutation($id: ID!, $typing: Boolean!) { setChatTyping(input: {chatId: $id, typing: $typing}) {
  errors { code message } } }`;
