export const STATUSES = ["OPEN", "IN_PROGRESS", "WAITING_ON_CUSTOMER", "RESOLVED", "CLOSED"];
export const PRIORITIES = ["LOW", "NORMAL", "HIGH", "URGENT"];

/** OPEN -> Open, IN_PROGRESS -> In progress. */
export function label(value: string | null | undefined): string {
  if (!value) return "";
  const words = value.toLowerCase().replace(/_/g, " ");
  return words[0].toUpperCase() + words.slice(1);
}

export function when(iso: string | null | undefined): string {
  if (!iso) return "";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function isStaff(viewer: { role: string } | null): boolean {
  return viewer?.role === "AGENT" || viewer?.role === "ADMIN";
}
