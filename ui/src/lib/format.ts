// Small, pure display helpers shared by the components.
import type { Colour, Icon, TenantView } from "./bindings";

/** `local`, `cloud`, or a self-managed tenant's hosting provider (`kubernetes`, `gke`, …). */
export function kindLabel(t: TenantView): string {
  return t.tenant_type === "self_managed" ? t.provider : t.tenant_type;
}

/** Where a tenant lives at a glance: its region (or host) for hosted tenants, its port for local ones. */
export function place(t: TenantView): string {
  if (t.tenant_type === "cloud") return t.region ?? "no region";
  if (t.tenant_type === "self_managed") return t.region ?? t.hostname ?? "no region";
  const port = t.database_url?.match(/:(\d+)\//)?.[1];
  return port ? `port ${port}` : "no port";
}

/** What is known about the tenant's database without connecting to it. */
export function databaseState(t: TenantView): string {
  if (t.tenant_type === "cloud") return t.database_url ? "database configured" : "database on SystemPrompt Cloud";
  return t.database_url ? "database configured" : "no database";
}

export function matches(t: TenantView, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  return [t.name, t.id, t.region ?? "", kindLabel(t)].some((s) => s.toLowerCase().includes(q));
}

/** Numbers in the user's language; English grouping where the web view has none to offer (with
 * LANG unset, WebKitGTK reports "C", which `Intl` refuses, and its default groups nothing). */
const NUMBERS = (() => {
  try {
    return new Intl.NumberFormat(navigator.language);
  } catch {
    return new Intl.NumberFormat("en");
  }
})();

/** A count with its noun, singular or plural: "1 tenant", "1,000 tenants". */
export function count(n: number, noun: string): string {
  return `${NUMBERS.format(n)} ${noun}${n === 1 ? "" : "s"}`;
}

export function when(value: string | null): string {
  if (!value) return "—";
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : d.toLocaleString();
}

/** A byte count for people, in the CLI's unit too (decimal): kB below a megabyte, MB below a
 * gigabyte, GB above; "—" when unknown. */
export function bytes(b: number | null): string {
  if (b == null) return "—";
  if (b >= 1e9) return `${(b / 1e9).toFixed(1)} GB`;
  return b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${(b / 1e3).toFixed(1)} kB`;
}

/** The colours a user can choose (red is production's), and how each is drawn. */
export const COLOURS: Colour[] = ["blue", "green", "purple", "orange", "yellow", "brown", "grey"];
export const SWATCH: Record<Colour, string> = {
  blue: "#3b82f6", green: "#22c55e", purple: "#a855f7", orange: "#f97316", yellow: "#eab308", brown: "#a16207", grey: "#94a3b8", red: "#ef4444",
};
export const ICONS: Icon[] = ["database", "rocket", "flask", "star", "bolt", "home", "tools", "globe"];
export const GLYPH: Record<Icon, string> = {
  database: "🗄", rocket: "🚀", flask: "🧪", star: "⭐", bolt: "⚡", home: "🏠", tools: "🛠", globe: "🌐",
};

/** A masked connection string without its password at all (`postgres://user@host:port/db`),
 * for sharing where the password comes from elsewhere. */
export function withoutPassword(masked: string): string {
  return masked.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]+):[^@/]*@/i, "$1@");
}

/** A connection string cut where a line may break without splitting a token: after the scheme,
 * after the credentials, before the path and the query (`postgres://` `u:***@` `host:5432` `/db`). */
export function urlParts(url: string): string[] {
  return url.split(/(?<=:\/\/)|(?<=@)|(?<![:/])(?=[/?])/).filter(Boolean);
}
