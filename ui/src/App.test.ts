// The window against a mocked backend (Tauri's IPC mocks): what it shows, what it calls, and how
// it follows backend events.
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import App from "./App.svelte";
import type { DbStatus, Job, Overview, SnapshotInfo, TenantView } from "./lib/bindings";
import { bytes, count, urlParts } from "./lib/format";
import sizes from "../../tests/fixtures/units/sizes.json";
import { workspace } from "./lib/workspace.svelte";

function tenant(over: Partial<TenantView>): TenantView {
  return {
    id: "local_1", name: "my-project", tenant_type: "local", region: null, hostname: null, app_id: null,
    database_url: "postgres://systemprompt:***@localhost:5432/systemprompt", external_db_access: false,
    docker_project: null, selected: false, production: false, profiles: [], appearance: { colour: over.production ? "red" : "blue", icon: null }, snapshots: over.tenant_type !== "cloud", delete_destroys: over.tenant_type === "cloud" ? "its SystemPrompt Cloud deployment and database (all of its data), and its subscription" : "its database td_my_project_1 in the shared container (all of its data)", provider: over.tenant_type === "cloud" ? "systemprompt" : "docker_local", ...over,
  };
}

function overview(tenants: TenantView[]): Overview {
  return {
    root: "/work/project",
    secrets_mode: "keychain",
    cli: { version: "0.77.0", source: "default", dialect: "provider", summary: "tenants.json uses provider (systemprompt 0.75 and newer); new profiles are layered profiles (base.yaml + overlay), for systemprompt 0.77.0 (no CLI found; today's release)" },
    tenants: { tenants, selected: tenants.find((t) => t.selected)?.id ?? null, synced_at: null, restorable: [] },
    profiles: [{ name: "local", display_name: "Local", target: "local", tenant_id: "local_1", active: true, problem: null, refusals: [] }],
    sessions: [],
  };
}

let state: Overview;
let demoStopped = false;
let dockerStatus: DbStatus;
let jobs: Job[];
let login: { api_url: string; user_email: string; authenticated_at: string } | null;
let calls: { cmd: string; args: any }[];
let failOn: { cmd: string; error: unknown } | null = null;
let activity: () => unknown;
let secretRows: unknown[];
let snapList: SnapshotInfo[];
let autostart = false;
/** While set, a snapshot being taken waits for it (to look at its progress). */
let gate: Promise<unknown> | null = null;
const snap = (id: string, reason: SnapshotInfo["reason"], note: string | null = null): SnapshotInfo => ({
  id, project: "/work/project", tenant_id: "local_1", tenant_name: "my-project", database: "td_my_project_1", pg_version: "15.20",
  size: 2_400_000, sha256: "ab".repeat(32), reason, note, created_at: "2026-11-30T10:00:00Z",
});
const mockSecrets = (rows: unknown[]) => (secretRows = rows);

async function mount() {
  // The window's store is a module singleton; every test starts it from nothing.
  Object.assign(workspace, {
    overview: null, error: null, focusedId: null, details: null, recent: [], trayAvailable: true,
    busy: false, notice: null, searchRequests: 0, started: false, view: "tenants",
  });
  const view = render(App);
  await workspace.start();
  return { view };
}

beforeEach(() => {
  calls = [];
  failOn = null;
  demoStopped = false;
  snapList = [snap("s1", "manual", "before the migration")];
  jobs = [];
  login = null;
  activity = () => [];
  secretRows = [{ label: "Database password", present: true, expected: true, last_set: "2026-11-28T10:00:00Z", last_action: "rotate credentials" }];
  dockerStatus = {
    shared: { container: "systemprompt-postgres", state: "healthy", port: 5432, image: "postgres:18-alpine", volume: "systemprompt-pgdata", data_size: 48_000_000, engine_version: "26.1.5", endpoint: { uri: "unix:///var/run/docker.sock", source: "default" } },
    tenants: [],
    orphan_databases: ["td_old_0badcafe"],
    other_projects: [{ database: "td_theirs_12345678", project: "/work/other", tenant_id: "local_9", tenant_name: "theirs" }],
    other_setups: ["tenantdesk-postgres-old"],
  } as unknown as DbStatus;
  state = overview([
    tenant({ selected: true }),
    tenant({ id: "cloud-1", name: "prod", tenant_type: "cloud", region: "lhr", database_url: null, production: true }),
  ]);
  mockIPC(
    (cmd, args) => {
      calls.push({ cmd, args });
      if (failOn?.cmd === cmd) throw failOn.error;
      switch (cmd) {
        case "overview": return state;
        case "restore_tenants": return (state = overview([tenant({ selected: false })]));
        case "add_self_managed_tenant": return state;
        case "profile_details": return { profile: state.profiles[0], path: "/work/project/.systemprompt/profiles/local/profile.yaml", tenant: null, session: null, values: [
          { key: "site.name", value: "shared", from: "base.yaml", reference: false },
          { key: "server.external_url", value: "${PUBLIC_URL}", from: "local/profile.yaml", reference: true },
        ] };
        case "set_secrets_mode": return (state = { ...state, secrets_mode: (args as any).mode });
        case "preview_profile_upgrade": return { name: (args as any).name, diff: "  server:\n-   api_server_url: http://localhost:8080\n+   external_url: http://localhost:8080", refusals: [], backup: null, applied: false };
        case "upgrade_profile": {
          state = { ...state, profiles: state.profiles.map((p) => ({ ...p, refusals: [] })) };
          return state;
        }
        case "recent_projects": return ["/work/project"];
        case "choose_folder": return "/work/chosen";
        case "open_project": return state;
        case "tray_available": return false;
        case "tenant_health": return null;
        case "provisioning_jobs": return jobs;
        case "cloud_sync": {
          state = overview([...state.tenants.tenants, tenant({ id: "cloud-2", name: "shop", tenant_type: "cloud", region: "iad", database_url: null })]);
          return { overview: state, summary: "Synced with SystemPrompt Cloud: added shop." };
        }
        case "dismiss_job": return (jobs = jobs.filter((j) => j.id !== (args as any).id));
        case "health": return { dots: {}, database: "healthy" };
        case "cloud_info": return { login, regions: [{ code: "iad", name: "US East (Virginia)" }, { code: "lhr", name: "Europe (London)" }] };
        case "cloud_plans": return [{ id: "starter", name: "Starter", paddle_price_id: "p1", memory_mb_default: 512, volume_gb: 1 }, { id: "pro", name: "Pro", paddle_price_id: "p2", memory_mb_default: 2048, volume_gb: 10 }];
        case "cloud_status": return { id: (args as any).id, name: "prod", status: "ready", phase: null, message: "Tenant ready", app_url: null, hostname: null, region: "lhr", subscription_status: "active", plan: null };
        case "tenant_secrets": return secretRows;
        case "unlock_keychain": return null;
        case "demo_stopped": return demoStopped;
        case "start_demo": return ((demoStopped = false), state);
        case "copy_connection_string": return 30;
        case "port_check": return (args as any).port === 5432
          ? { port: 5432, existing: false, free: false, message: "Port 5432 is taken by postgres (pid 77)", suggestion: 5433 }
          : { port: (args as any).port ?? 5432, existing: false, free: true, message: null, suggestion: null };
        case "activity": return activity();
        case "docker_status": return dockerStatus;
        case "docker_logs": return "LOG:  database system is ready to accept connections\nLOG:  checkpoint starting: time\nLOG:  database system is ready to accept connections\n";
        case "drop_orphan": {
          dockerStatus = { ...dockerStatus, orphan_databases: [] };
          return dockerStatus;
        }
        case "copy_text": return null;
        case "set_appearance": {
          const a = args as any;
          state = overview(state.tenants.tenants.map((t) => (t.id === a.id ? { ...t, appearance: { colour: t.production ? "red" : (a.colour ?? "blue"), icon: a.icon } } : t)));
          return state;
        }
        case "open_terminal": return { tenant_name: "my-project", profile: "local", emulator: { command: ["x-terminal-emulator"], found_by: "x-terminal-emulator" } };
        case "terminal_setting": return { setting: (args as any).change || null, emulator: { command: [(args as any).change || "x-terminal-emulator"], found_by: (args as any).change ? "your setting" : "x-terminal-emulator" }, problem: null };
        case "docker_action": return dockerStatus;
        case "docker_pull": return { image: "postgres:18-alpine", outcome: "updated", container_outdated: true, summary: "Pulled a newer postgres:18-alpine. The shared container still runs the image it was created from; Recreating it moves it onto the new one and keeps its data." };
        case "create_cloud_tenant": {
          const a = args as any;
          const job: Job = { id: 1, project: "/work/project", name: a.name, region: a.region, started_at: new Date().toISOString(), progress: [], state: "running", error: null, tenant_id: null, resumed: false };
          jobs.push(job);
          return job;
        }
        case "tenant_details":
          return { tenant: state.tenants.tenants.find((t) => t.id === (args as any).id), profiles: state.profiles, session: null, session_state: "none" };
        case "select_tenant": {
          const id = (args as any).id;
          state = overview(state.tenants.tenants.map((t) => ({ ...t, selected: t.id === id })));
          return { tenant: state.tenants.tenants.find((t) => t.id === id), profile: null, session_state: "none" };
        }
        case "delete_tenant": {
          const gone = state.tenants.tenants.find((t) => t.id === (args as any).id)!;
          state = overview(state.tenants.tenants.filter((t) => t.id !== gone.id));
          const kept = (args as any).keepSnapshot && gone.snapshots ? snap("k1", "before_delete") : null;
          return { tenant: gone, unlinked_profiles: [], removed_session: false, snapshot: kept };
        }
        case "snapshots": return snapList;
        case "about": return { version: "0.1.0", data_dir: "/home/u/.local/share/tenantdesk", settings_file: "/home/u/.config/tenantdesk/settings.json", autostart: { enabled: autostart, program: autostart ? "/usr/bin/tenantdesk-app" : null, entry: "/home/u/.config/autostart/tenantdesk.desktop" } };
        case "set_autostart": autostart = (args as any).enabled; return { enabled: autostart, program: "/usr/bin/tenantdesk-app", entry: "/home/u/.config/autostart/tenantdesk.desktop" };
        case "project_snapshots": return [...snapList, { ...snap("o1", "before_drop_orphan"), tenant_id: null, tenant_name: "td_old_0badcafe" }];
        case "snapshot_retention": return { keep: (args as any).keep ?? 5, days: (args as any).days ?? 7, count: snapList.length + 1, bytes: 4_800_000, folder: "/home/u/.local/share/tenantdesk/snapshots" };
        case "export_snapshot": return snapList[0];
        case "import_snapshot": return snap("i1", "manual", "imported");
        case "create_snapshot": return (gate ?? Promise.resolve()).then(() => {
          const s = snap(`s${snapList.length + 2}`, "manual", (args as any).note);
          snapList = [s, ...snapList];
          return s;
        });
        case "restore_snapshot_in_place": return { tenant_id: "local_1", name: "my-project", snapshot: snapList[0], kept: snap("k2", "before_restore") };
        case "restore_snapshot_as": {
          state = overview([...state.tenants.tenants, tenant({ id: "local_1", name: (args as any).name })]);
          return state;
        }
        case "delete_snapshot": {
          snapList = snapList.filter((s) => s.id !== (args as any).snapshot);
          return snapList[0];
        }
        case "clone_tenant": {
          const c = tenant({ id: "local_clone", name: (args as any).name });
          state = overview([...state.tenants.tenants, c]);
          return { tenant: c, profile: null };
        }
        default: return state;
      }
    },
    { shouldMockEvents: true },
  );
});

afterEach(() => {
  cleanup();
  clearMocks();
});

describe("the window", () => {
  it("lists the tenants and makes the selected one unmistakable", async () => {
    await mount();
    const rows = await screen.findAllByTestId("tenant-row");
    expect(rows.map((r) => r.querySelector(".name")?.textContent)).toEqual(["my-project", "prod"]);
    expect(within(rows[0]).getByTestId("selected-badge")).toBeTruthy();
    expect(within(rows[1]).queryByTestId("selected-badge")).toBeNull();
    expect(rows[0].textContent).toContain("port 5432");
    expect(rows[1].textContent).toContain("lhr");
    expect(screen.getByTestId("banner-tenant").textContent).toBe("my-project");
    expect(screen.getByTestId("tray-note")).toBeTruthy();
    const cli = screen.getByTestId("project-cli");
    expect(cli.textContent).toBe("systemprompt 0.77.0 · provider");
    expect(cli.getAttribute("title")).toContain("tenants.json uses provider");
  });

  it("selects a tenant through the backend and shows the result", async () => {
    await mount();
    await fireEvent.click((await screen.findAllByTestId("tenant-row"))[1]);
    await fireEvent.click(await screen.findByTestId("select-tenant"));
    await waitFor(() => expect(screen.getByTestId("banner-tenant").textContent).toBe("prod"));
    expect(calls.find((c) => c.cmd === "select_tenant")?.args).toEqual({ id: "cloud-1" });
    expect(screen.getByTestId("environment-banner").classList.contains("production")).toBe(true);
  });

  it("follows changes pushed by the backend", async () => {
    await mount();
    await screen.findAllByTestId("tenant-row");
    await emit("overview-changed", { overview: overview([tenant({ id: "local_2", name: "added-by-cli" })]), error: null });
    await waitFor(() => expect(screen.getAllByTestId("tenant-row").map((r) => r.querySelector(".name")?.textContent)).toEqual(["added-by-cli"]));
  });

  it("shows a backend error with its hint and a button that performs the fix", async () => {
    await mount();
    failOn = { cmd: "select_tenant", error: { code: "tenant_not_found", message: "Tenant not found: x", hint: "Check tenants.json for valid IDs", fix: "open-project" } };
    await fireEvent.click((await screen.findAllByTestId("tenant-row"))[1]);
    await fireEvent.click(await screen.findByTestId("select-tenant"));
    expect((await screen.findByTestId("error-message")).textContent).toBe("Tenant not found: x");
    expect(screen.getByTestId("error-banner").textContent).toContain("Check tenants.json");
    await fireEvent.click(screen.getByTestId("error-fix"));
    expect(await screen.findByTestId("project-picker")).toBeTruthy();
  });

  it("says what a delete destroys before it is confirmed", async () => {
    await mount();
    await fireEvent.click((await screen.findAllByTestId("tenant-row"))[0]);
    await fireEvent.click(await screen.findByTestId("delete-tenant"));
    expect(document.body.textContent).toContain("This destroys its database td_my_project_1 in the shared container (all of its data). A snapshot of its data is kept first, so the delete can be undone.");
  });

  it("needs a production tenant's name typed before deleting it", async () => {
    await mount();
    await fireEvent.click((await screen.findAllByTestId("tenant-row"))[1]);
    await fireEvent.click(await screen.findByTestId("delete-tenant"));
    const confirm = screen.getByTestId("confirm-action") as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId("confirm-name"), { target: { value: "pro" } });
    expect(confirm.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId("confirm-name"), { target: { value: "prod" } });
    expect(confirm.disabled).toBe(false);
    await fireEvent.click(confirm);
    await waitFor(() => expect(calls.find((c) => c.cmd === "delete_tenant")?.args).toEqual({ id: "cloud-1", confirmName: "prod", keepSnapshot: true }));
  });

  it("filters the list by search", async () => {
    await mount();
    await screen.findAllByTestId("tenant-row");
    await fireEvent.input(screen.getByTestId("tenant-search"), { target: { value: "lhr" } });
    expect(screen.getAllByTestId("tenant-row").map((r) => r.querySelector(".name")?.textContent)).toEqual(["prod"]);
  });

  it("opens the folder the OS chooser returns, and Cancel or Escape go back to the open project", async () => {
    await mount();
    await screen.findAllByTestId("tenant-row");
    await fireEvent.keyDown(window, { key: "o", ctrlKey: true });
    await fireEvent.click(await screen.findByTestId("picker-cancel"));
    expect(screen.queryByTestId("project-picker")).toBeNull();
    await fireEvent.keyDown(window, { key: "o", ctrlKey: true });
    await screen.findByTestId("project-picker");
    await fireEvent.keyDown(window, { key: "Escape" });
    expect(screen.queryByTestId("project-picker")).toBeNull();
    await fireEvent.keyDown(window, { key: "o", ctrlKey: true });
    // Not a project yet: the error offers to initialise it, which opens it.
    failOn = { cmd: "open_project", error: { code: "project_not_found", message: "No .systemprompt/ directory found", hint: null, fix: "init-project" } };
    await fireEvent.click(await screen.findByTestId("browse-folder"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "open_project")?.args).toEqual({ path: "/work/chosen", create: false }));
    const fix = await screen.findByTestId("error-fix");
    expect(fix.textContent).toBe("Initialise here");
    failOn = null;
    await fireEvent.click(fix);
    await waitFor(() => expect(calls.filter((c) => c.cmd === "open_project").at(-1)?.args).toEqual({ path: "/work/chosen", create: true }));
    await waitFor(() => expect(screen.queryByTestId("project-picker")).toBeNull());
  });

  it("offers to open a project when none is open", async () => {
    state = null as any;
    mockIPC((cmd) => {
      if (cmd === "overview") throw { code: "no_project", message: "No project is open", hint: null, fix: "open-project" };
      if (cmd === "recent_projects") return [];
      return true;
    });
    await mount();
    expect(await screen.findByTestId("project-picker")).toBeTruthy();
    expect(screen.queryByTestId("error-banner")).toBeNull();
  });
});

describe("after the CLI's logout", () => {
  it("offers to restore the local tenants it removed, and restores them", async () => {
    state = overview([]);
    state.tenants.restorable = ["my-project", "edge"];
    await mount();
    const banner = await screen.findByTestId("restore-banner");
    expect(banner.textContent).toContain("my-project, edge");
    expect(banner.textContent).toContain("cloud auth logout");
    await fireEvent.click(screen.getByTestId("restore-tenants"));
    await waitFor(() => expect(calls.some((c) => c.cmd === "restore_tenants")).toBe(true));
    await waitFor(() => expect(screen.queryByTestId("restore-banner")).toBeNull());
    expect((await screen.findAllByTestId("tenant-row")).length).toBe(1);
  });
});

describe("a profile's values", () => {
  it("are listed with the file each comes from, references marked", async () => {
    await mount();
    await fireEvent.click((await screen.findAllByTestId("tenant-row"))[0]);
    await fireEvent.click(await screen.findByTestId("profile-values-toggle"));
    const rows = await screen.findAllByTestId("profile-value");
    expect(rows.map((r) => r.dataset.key)).toEqual(["site.name", "server.external_url"]);
    expect(rows[0].textContent).toContain("base.yaml");
    expect(rows[1].textContent).toContain("(from the environment)");
    await fireEvent.click(screen.getByTestId("profile-values-toggle"));
    expect(screen.queryByTestId("profile-values")).toBeNull();
  });
});

describe("the secrets mode", () => {
  it("says plainly what CLI-compatible files put on disk before switching, and switches back", async () => {
    await mount();
    await fireEvent.click((await screen.findAllByTestId("tenant-row"))[0]);
    await fireEvent.click(await screen.findByTestId("secrets-mode-cli"));
    expect(screen.getByTestId("secrets-mode-confirm").textContent).toContain("plaintext");
    expect(calls.some((c) => c.cmd === "set_secrets_mode")).toBe(false);
    await fireEvent.click(screen.getByTestId("secrets-mode-confirm-action"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "set_secrets_mode")?.args).toEqual({ mode: "cli_compatible" }));
    await waitFor(() => expect(screen.getByTestId("secrets-mode").dataset.mode).toBe("cli_compatible"));
    await fireEvent.click(screen.getByTestId("secrets-mode-keychain"));
    await waitFor(() => expect(screen.getByTestId("secrets-mode").dataset.mode).toBe("keychain"));
  });
});

describe("profiles today's CLI refuses", () => {
  it("say why, show the upgrade's change first, and upgrade", async () => {
    state = overview([tenant({ selected: true })]);
    state.profiles = [{ name: "local", display_name: "Local", target: "local", tenant_id: "local_1", active: true, problem: null, refusals: ["it states `server.api_server_url`, which is derived from `server.external_url`"] }];
    await mount();
    await fireEvent.click((await screen.findAllByTestId("tenant-row"))[0]);
    const banner = await screen.findByTestId("profile-refused");
    expect(banner.textContent).toContain("server.api_server_url");
    await fireEvent.click(screen.getByTestId("profile-upgrade"));
    expect((await screen.findByTestId("profile-upgrade-diff")).textContent).toContain("-   api_server_url: http://localhost:8080");
    expect(calls.some((c) => c.cmd === "upgrade_profile")).toBe(false);
    await fireEvent.click(screen.getByTestId("profile-upgrade-apply"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "upgrade_profile")?.args).toEqual({ name: "local" }));
    await waitFor(() => expect(screen.queryByTestId("profile-refused")).toBeNull());
  });
});

describe("self-managed tenants", () => {
  it("are recorded from the New tenant dialog's Self-managed tab", async () => {
    await mount();
    await fireEvent.click(await screen.findByTestId("new-tenant"));
    await fireEvent.click(screen.getByTestId("kind-self-managed"));
    const create = screen.getByTestId("new-tenant-create") as HTMLButtonElement;
    await fireEvent.input(screen.getByTestId("new-tenant-name"), { target: { value: "edge" } });
    expect(create.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId("new-tenant-id"), { target: { value: "k8s-1" } });
    await fireEvent.input(screen.getByTestId("new-tenant-hostname"), { target: { value: "sp.example.com" } });
    await fireEvent.change(screen.getByTestId("new-tenant-provider"), { target: { value: "gke" } });
    expect(create.disabled).toBe(false);
    await fireEvent.click(create);
    await waitFor(() =>
      expect(calls.find((c) => c.cmd === "add_self_managed_tenant")?.args).toEqual({ id: "k8s-1", name: "edge", hostname: "sp.example.com", provider: "gke", region: null, databaseUrl: null }),
    );
    await waitFor(() => expect(screen.queryByTestId("new-tenant-dialog")).toBeNull());
  });

  it("are shown by their provider, with no local-database or rotation action", async () => {
    state = overview([tenant({ selected: true }), tenant({ id: "k8s-1", name: "edge", tenant_type: "self_managed", provider: "kubernetes", region: "eu-west-1", hostname: "sp.example.com", database_url: null })]);
    await mount();
    const rows = await screen.findAllByTestId("tenant-row");
    expect(rows[1].textContent).toContain("kubernetes");
    expect(rows[1].textContent).toContain("eu-west-1");
    await fireEvent.click(rows[1]);
    expect((await screen.findByTestId("detail-kind")).textContent).toBe("self-managed · kubernetes");
    // The one chip component: its tone is the tenant's kind.
    expect(screen.getByTestId("detail-kind").dataset.tone).toBe("self_managed");
    expect(screen.getByTestId("self-managed-note").textContent).toContain("managed where it runs");
    expect(screen.getByTestId("tenant-detail").textContent).toContain("sp.example.com");
    expect(screen.queryByTestId("rotate-credentials")).toBeNull();
    expect(screen.queryByTestId("live-state")).toBeNull();
    expect(calls.some((c) => c.cmd === "tenant_health" && c.args.id === "k8s-1")).toBe(false);
  });
});

describe("status chips", () => {
  it("say kind, production and the current tenant in one component, the two that matter filled", async () => {
    state = overview([tenant({ selected: true, production: true }), tenant({ id: "cloud_2", name: "shop", tenant_type: "cloud", region: "iad" })]);
    await mount();
    const rows = await screen.findAllByTestId("tenant-row");
    const tones = (row: HTMLElement) => [...row.querySelectorAll<HTMLElement>(".chip")].map((c) => `${c.dataset.tone}${c.classList.contains("filled") ? "*" : ""}`);
    expect(tones(rows[0])).toEqual(["production*", "local"]);
    expect(tones(rows[1])).toEqual(["cloud"]);
    const header = within(await screen.findByTestId("tenant-detail")).getAllByText(/^(local|production|selected)$/);
    expect(header.map((c) => `${c.dataset.tone}${c.classList.contains("filled") ? "*" : ""}`)).toEqual(["local", "production*", "selected*"]);
  });
});

describe("live state", () => {
  it("says when Docker is not running, with what to do", async () => {
    failOn = { cmd: "tenant_health", error: { code: "docker_not_running", message: "Docker is not running (tried unix:///var/run/docker.sock)", hint: "Start Docker: 'sudo systemctl start docker'", fix: null } };
    await mount();
    expect((await screen.findByTestId("live-state-error")).textContent).toContain("Docker is not running");
    expect(screen.getByTestId("live-state").textContent).toContain("systemctl start docker");
  });
});

describe("a large registry", () => {
  const names = () => screen.getAllByTestId("tenant-row").map((r) => r.querySelector(".name")?.textContent);

  it("draws only the rows in view, of every kind with a status dot, and reaches the rest by scrolling or search", async () => {
    state = overview(Array.from({ length: 1000 }, (_, i) => tenant({ id: `local_${i}`, name: `t-${i}`, selected: i === 0 })));
    await mount();
    const drawn = (await screen.findAllByTestId("tenant-row")).length;
    expect(drawn).toBeGreaterThan(10);
    expect(drawn).toBeLessThan(60);
    expect(screen.getAllByTestId("health-dot").length).toBe(drawn);
    expect(screen.getByTestId("counts").textContent).toBe(`1,000 tenants · ${state.profiles.length === 1 ? "1 profile" : `${state.profiles.length} profiles`}`);
    const rows = screen.getByTestId("tenant-rows");
    // The list is as tall as 1,000 rows, so the scroll bar says how far there is to go.
    expect((rows.querySelector("ul") as HTMLElement).style.height).toBe(`${1000 * 28}px`);
    rows.scrollTop = 990 * 28;
    await fireEvent.scroll(rows);
    expect(names()).toContain("t-999");
    expect(names()).not.toContain("t-0");
    const last = screen.getAllByTestId("tenant-row").find((r) => r.dataset.tenantId === "local_999")!.parentElement!;
    expect([last.getAttribute("aria-posinset"), last.getAttribute("aria-setsize"), last.style.top]).toEqual(["1000", "1000", `${999 * 28}px`]);
    await fireEvent.input(screen.getByTestId("tenant-search"), { target: { value: "t-249" } });
    expect(names()).toEqual(["t-249"]);
    expect(rows.scrollTop).toBe(0);
  });

  it("shows sizes in the CLI's unit (the table its tests read too)", () => {
    for (const [n, shown] of sizes as [number, string][]) expect(bytes(n)).toBe(shown);
  });

  it("wraps a connection string only between its parts, never inside a host or a port", async () => {
    expect(urlParts("postgres://u:***@db.example.com:5432/app?sslmode=require")).toEqual(["postgres://", "u:***@", "db.example.com:5432", "/app", "?sslmode=require"]);
    await mount();
    const url = await screen.findByTestId("detail-url");
    expect(url.textContent).toBe(state.tenants.tenants[0].database_url);
    expect(url.querySelectorAll("wbr").length).toBe(url.querySelectorAll("span").length - 1);
    expect([...url.querySelectorAll("span")].some((s) => s.textContent?.includes(":5432"))).toBe(true);
  });

  it("counts in words with the right plural", () => {
    expect([count(0, "tenant"), count(1, "tenant"), count(2, "profile"), count(1000, "tenant")]).toEqual(["0 tenants", "1 tenant", "2 profiles", "1,000 tenants"]);
  });

  it("counts where the web view's language is \"C\" (LANG unset), which Intl refuses", async () => {
    const language = vi.spyOn(navigator, "language", "get").mockReturnValue("C");
    vi.resetModules();
    const format = await import("./lib/format");
    language.mockRestore();
    expect(format.count(1000, "tenant")).toBe("1,000 tenants");
  });

  it("keeps the focused tenant in view when Alt+↑/↓ moves past the drawn rows", async () => {
    state = overview(Array.from({ length: 300 }, (_, i) => tenant({ id: `local_${i}`, name: `t-${i}`, selected: i === 0 })));
    await mount();
    await fireEvent.click((await screen.findAllByTestId("tenant-row"))[0]);
    await fireEvent.keyDown(window, { key: "ArrowUp", altKey: true });
    await waitFor(() => expect(screen.getByTestId("detail-name").textContent).toContain("t-299"));
    expect(names()).toContain("t-299");
    expect(screen.getByTestId("tenant-rows").scrollTop).toBe(300 * 28 - 600);
  });

  it("shows a hosted tenant with an outlined dot and every row's facts in its tooltip", async () => {
    state = overview([tenant({ id: "local_1", name: "a-very-long-tenant-name-that-cannot-fit-in-the-list", selected: true }), tenant({ id: "cloud_1", name: "c", tenant_type: "cloud", region: "iad" })]);
    await mount();
    const [local, cloud] = await screen.findAllByTestId("tenant-row");
    expect(local.title).toContain("a-very-long-tenant-name-that-cannot-fit-in-the-list");
    expect(local.title).toContain("(selected)");
    expect(within(cloud).getByTestId("hosted-dot")).toBeTruthy();
    expect(cloud.title).toContain("iad");
  });
});

describe("cloud, credentials, health and notices", () => {
  it("asks to log in before a cloud tenant, then offers regions by full name and plans", async () => {
    await mount();
    await fireEvent.click(screen.getByTestId("new-tenant"));
    await fireEvent.click(screen.getByTestId("kind-cloud"));
    expect(screen.getByTestId("cloud-login-needed")).toBeTruthy();
    expect((screen.getByTestId("new-tenant-create") as HTMLButtonElement).disabled).toBe(true);
    cleanup();
    login = { api_url: "http://127.0.0.1:9", user_email: "ada@example.com", authenticated_at: "2026-11-28T10:00:00Z" };
    await mount();
    await fireEvent.click(screen.getByTestId("new-tenant"));
    await fireEvent.click(screen.getByTestId("kind-cloud"));
    await waitFor(() => expect(screen.getByTestId("new-tenant-plan")).toBeTruthy());
    const region = screen.getByTestId("new-tenant-region") as HTMLSelectElement;
    expect([...region.options].map((o) => o.text)).toEqual(["US East (Virginia) — iad", "Europe (London) — lhr"]);
    await fireEvent.input(screen.getByTestId("new-tenant-name"), { target: { value: "shop" } });
    await fireEvent.change(region, { target: { value: "lhr" } });
    await fireEvent.submit(screen.getByTestId("new-tenant-dialog"));
    await waitFor(() => expect(calls.some((c) => c.cmd === "create_cloud_tenant")).toBe(true));
    expect(calls.find((c) => c.cmd === "create_cloud_tenant")?.args).toMatchObject({ name: "shop", region: "lhr", plan: "starter" });
    await waitFor(() => expect(screen.getByTestId("job")).toBeTruthy());
  });

  it("shows each provisioning phase as it arrives, and a job already running when the window opens", async () => {
    jobs = [{ id: 7, project: "/work/project", name: "shop", region: "lhr", started_at: new Date().toISOString(), state: "running", error: null, tenant_id: "t1", resumed: true,
      progress: [{ kind: "phase", tenant_id: "t1", event_type: "subscription_created", message: "Subscription active", elapsed_ms: 120, latency_ms: 2 }] }];
    await mount();
    expect(screen.getAllByTestId("job-phase").map((p) => p.dataset.phase)).toEqual(["subscription_created"]);
    expect(screen.getByTestId("job-resumed").textContent).toContain("picked up after a restart");
    const next: Job = { ...jobs[0], progress: [...jobs[0].progress, { kind: "phase", tenant_id: "t1", event_type: "database_created", message: "PostgreSQL database created", elapsed_ms: 900, latency_ms: 3 }] };
    await emit("provisioning-changed", { job: next });
    await waitFor(() => expect(screen.getAllByTestId("job-phase").map((p) => p.dataset.phase)).toEqual(["subscription_created", "database_created"]));
    expect(screen.getByTestId("provisioning").textContent).toContain("0.9 s");
    await emit("provisioning-changed", { job: { ...next, state: "failed", error: { code: "provisioning_failed", message: "Provisioning failed at vm_provisioned: boom", hint: "retry-provision", fix: null } } });
    await waitFor(() => expect(screen.getByTestId("job-error").textContent).toContain("vm_provisioned"));
    expect(screen.getByTestId("job-retry")).toBeTruthy();
  });

  it("keeps focus inside a dialog, closes it on Escape and gives focus back", async () => {
    await mount();
    const opener = screen.getByTestId("new-tenant");
    opener.focus();
    await fireEvent.click(opener);
    const dialog = await screen.findByTestId("new-tenant-dialog");
    expect(dialog.contains(document.activeElement)).toBe(true);
    const all = [...dialog.querySelectorAll<HTMLElement>("button:not([disabled]), input:not([disabled]), select:not([disabled])")];
    all.at(-1)!.focus();
    await fireEvent.keyDown(all.at(-1)!, { key: "Tab" });
    expect(document.activeElement).toBe(all[0]);
    // As WebKitGTK sends Shift+Tab: GTK's ISO_Left_Tab has no key name, only the Tab code.
    await fireEvent.keyDown(all[0], { key: "Unidentified", code: "Tab", shiftKey: true });
    expect(document.activeElement).toBe(all.at(-1));
    await fireEvent.keyDown(document.activeElement!, { key: "Escape" });
    await waitFor(() => expect(screen.queryByTestId("new-tenant-dialog")).toBeNull());
    expect(document.activeElement).toBe(screen.getByTestId("new-tenant"));
  });

  it("keeps another project's provisioning out of this project's panel, and offers nothing when it ends", async () => {
    jobs = [{ id: 11, project: "/work/other", name: "elsewhere", region: "lhr", started_at: new Date().toISOString(), state: "running", error: null, tenant_id: "t-other", resumed: false, progress: [] }];
    await mount();
    await screen.findAllByTestId("tenant-row");
    expect(screen.queryByText(/elsewhere/)).toBeNull();
    await emit("provisioning-changed", { job: { ...jobs[0], state: "done" } });
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByText(/elsewhere/)).toBeNull();
    expect(screen.queryByTestId("toast")).toBeNull();
  });

  it("offers to select a cloud tenant when its provisioning ends, and selects it only when asked", async () => {
    jobs = [{ id: 8, project: "/work/project", name: "shop", region: "lhr", started_at: new Date().toISOString(), state: "running", error: null, tenant_id: "cloud-1", resumed: false, progress: [] }];
    await mount();
    await emit("provisioning-changed", { job: { ...jobs[0], state: "done" } });
    await emit("notice", { level: "success", title: "Provisioning finished", body: "shop is ready; select it in the window or the tray to work in it" });
    await waitFor(() => expect(screen.getByTestId("toast").textContent).toContain("shop is ready"));
    // One toast for the event, not the notice beside the offer.
    expect(screen.getAllByTestId("toast")).toHaveLength(1);
    expect(calls.some((c) => c.cmd === "select_tenant")).toBe(false);
    await fireEvent.click(screen.getByTestId("toast-action"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "select_tenant")?.args).toMatchObject({ id: "cloud-1" }));
  });

  it("names each provisioning phase in words, counting the repeated boot phase", async () => {
    const phase = (event_type: string, message: string | null = null) => ({ kind: "phase" as const, tenant_id: "t1", event_type, message, elapsed_ms: 100, latency_ms: 1 });
    jobs = [{ id: 9, project: "/work/project", name: "shop", region: "lhr", started_at: new Date().toISOString(), state: "running", error: null, tenant_id: "t1", resumed: false,
      progress: [phase("subscription_created", "Subscription active"), phase("vm_provisioning_progress", "40%"), phase("vm_provisioning_progress"), phase("something_new")] }];
    await mount();
    const shown = screen.getAllByTestId("job-phase").map((p) => p.textContent?.replace(/\s+/g, " ").trim());
    expect(shown).toEqual(["0.1 s Subscription active", "0.1 s Booting the machine (1/2) 40%", "0.1 s Booting the machine (2/2)", "0.1 s something new"]);
  });

  it("folds a finished job to one line, unfolds it on demand, and dismisses it through the backend", async () => {
    const phase = (event_type: string) => ({ kind: "phase" as const, tenant_id: "t1", event_type, message: null, elapsed_ms: 100, latency_ms: 1 });
    jobs = [
      { id: 3, project: "/work/project", name: "shop", region: "lhr", started_at: new Date().toISOString(), state: "done", error: null, tenant_id: "t1", resumed: false, progress: [phase("tenant_created"), phase("tenant_ready")] },
      { id: 4, project: "/work/project", name: "blog", region: "iad", started_at: new Date().toISOString(), state: "running", error: null, tenant_id: "t2", resumed: false, progress: [] },
    ];
    await mount();
    const [done, running] = screen.getAllByTestId("job");
    expect((done.querySelector("ol") as HTMLElement).hidden).toBe(true);
    await fireEvent.click(within(done).getByTestId("job-fold"));
    expect((done.querySelector("ol") as HTMLElement).hidden).toBe(false);
    expect(within(running).queryByTestId("job-dismiss")).toBeNull();
    await fireEvent.click(within(done).getByTestId("job-dismiss"));
    await waitFor(() => expect(screen.getAllByTestId("job").map((j) => j.dataset.name)).toEqual(["blog"]));
    expect(calls.find((c) => c.cmd === "dismiss_job")?.args).toMatchObject({ id: 3 });
  });

  it("lists secrets without values and copies the connection string only after confirming", async () => {
    await mount();
    await waitFor(() => expect(screen.getAllByTestId("secret-row").length).toBe(1));
    expect(screen.getByTestId("credentials").textContent).toContain("Database password");
    await fireEvent.click(screen.getByTestId("copy-connection"));
    expect(calls.some((c) => c.cmd === "copy_connection_string")).toBe(false);
    await fireEvent.click(screen.getByTestId("copy-confirm-action"));
    await waitFor(() => expect(calls.some((c) => c.cmd === "copy_connection_string")).toBe(true));
    await waitFor(() => expect(screen.getByTestId("toast").textContent).toContain("cleared in 30 s"));
  });

  it("tells a secret that is missing from one that only a first rotation makes", async () => {
    const row = (label: string, expected: boolean) => ({ label, present: false, expected, last_set: null, last_action: null });
    mockSecrets([row("Database password", true), row("Sync token", false)]);
    await mount();
    await waitFor(() => expect(screen.getAllByTestId("secret-row").length).toBe(2));
    const [password, token] = screen.getAllByTestId("secret-row");
    expect(password.textContent).toContain("missing");
    expect(password.querySelector(".missing")).not.toBeNull();
    expect(token.textContent).toContain("none yet");
    expect(token.textContent).toContain("made by its first rotation");
    expect(token.querySelector(".missing")).toBeNull();
  });

  it("says when the keychain is locked, with the doctor's fix, instead of the secrets", async () => {
    failOn = { cmd: "tenant_secrets", error: { code: "keychain_unavailable", message: "The OS keychain is not available: Cannot create an item in a locked collection", hint: "Start and unlock a Secret Service (gnome-keyring or KWallet) in your session; 'tenantdesk doctor' checks it.", fix: null } };
    await mount();
    const problem = await screen.findByTestId("credentials-problem");
    expect(problem.textContent).toContain("locked collection");
    expect(problem.textContent).toContain("unlock a Secret Service");
    expect(screen.queryAllByTestId("secret-row")).toHaveLength(0);
  });

  it("unlocks the keychain from the card that could not read it, then reads it again", async () => {
    failOn = { cmd: "tenant_secrets", error: { code: "keychain_unavailable", message: "The OS keychain is not available: Secret Service: unlock prompt was dismissed", hint: "Unlock your keychain (or start a Secret Service such as gnome-keyring), then try again", fix: "unlock-keychain" } };
    await mount();
    const unlock = await screen.findByTestId("unlock-keychain");
    expect(unlock.textContent).toBe("Unlock keychain");
    failOn = null;
    await fireEvent.click(unlock);
    await waitFor(() => expect(screen.getAllByTestId("secret-row").length).toBeGreaterThan(0));
    expect(calls.map((c) => c.cmd)).toContain("unlock_keychain");
    expect(screen.queryByTestId("credentials-problem")).toBeNull();
    expect(screen.getByTestId("toast").textContent).toContain("keychain is unlocked");
  });

  it("offers Unlock keychain in the banner when a write meets a locked keychain, and says so when the prompt is dismissed again", async () => {
    failOn = { cmd: "rotate_credentials", error: { code: "keychain_unavailable", message: "The OS keychain is not available: Cannot create an item in a locked collection", hint: "Unlock your keychain", fix: "unlock-keychain" } };
    await mount();
    await fireEvent.click(await screen.findByTestId("rotate-credentials"));
    await fireEvent.click(await screen.findByTestId("confirm-action"));
    const fix = await screen.findByTestId("error-fix");
    expect(fix.textContent).toBe("Unlock keychain");
    failOn = { cmd: "unlock_keychain", error: { code: "keychain_unavailable", message: "The OS keychain is not available: Secret Service: unlock prompt was dismissed", hint: "Unlock your keychain", fix: "unlock-keychain" } };
    await fireEvent.click(fix);
    await waitFor(() => expect(screen.getByTestId("error-message").textContent).toContain("prompt was dismissed"));
  });

  it("turns a tenant's dot red on a health change and shows notices as toasts", async () => {
    await mount();
    await emit("health-changed", { health: { dots: { local_1: "unhealthy" }, database: "stopped" } });
    await waitFor(() => expect(screen.getByTestId("health-dot").dataset.health).toBe("unhealthy"));
    await emit("notice", { level: "warning", title: "Tenant unhealthy", body: "my-project: its database is not reachable" });
    await waitFor(() => expect(screen.getByTestId("toast").textContent).toContain("Tenant unhealthy"));
  });

  it("needs a cloud tenant's name typed to delete it", async () => {
    await mount();
    await fireEvent.click(screen.getAllByTestId("tenant-row")[1]);
    await fireEvent.click(screen.getByTestId("delete-tenant"));
    const confirm = screen.getByTestId("confirm-action") as HTMLButtonElement;
    expect(screen.getByTestId("confirm-dialog").textContent).toContain("destroys its SystemPrompt Cloud deployment and database (all of its data), and its subscription");
    expect(confirm.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId("confirm-name"), { target: { value: "prod" } });
    expect(confirm.disabled).toBe(false);
  });
});

describe("the port pre-flight", () => {
  it("says who holds a taken port and offers a free one", async () => {
    await mount();
    await fireEvent.click(screen.getByTestId("new-tenant"));
    await fireEvent.input(screen.getByTestId("new-tenant-port"), { target: { value: "5432" } });
    await waitFor(() => expect(screen.getByTestId("port-check").textContent).toContain("taken by postgres (pid 77)"));
    await fireEvent.click(screen.getByTestId("use-free-port"));
    await waitFor(() => expect(screen.getByTestId("port-check").textContent).toContain("Port 5433 is free"));
    await fireEvent.input(screen.getByTestId("new-tenant-name"), { target: { value: "db2" } });
    await fireEvent.submit(screen.getByTestId("new-tenant-dialog"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "create_local_tenant")?.args).toMatchObject({ name: "db2", port: 5433 }));
  });
});

describe("bringing PostgreSQL up for a new local tenant", () => {
  it("shows each step and every image layer's bytes while the create runs", async () => {
    let finish: (value: unknown) => void = () => {};
    await mount();
    mockIPC(
      (cmd) => {
        calls.push({ cmd, args: null });
        if (cmd === "create_local_tenant") return new Promise((resolve) => (finish = resolve)).then(() => state);
        if (cmd === "port_check") return { port: 5432, existing: false, free: true, message: null, suggestion: null };
        if (cmd === "snapshots" || cmd === "tenant_secrets") return [];
        return null;
      },
      { shouldMockEvents: true },
    );
    await fireEvent.click(screen.getByTestId("new-tenant"));
    await fireEvent.input(screen.getByTestId("new-tenant-name"), { target: { value: "db2" } });
    await fireEvent.submit(screen.getByTestId("new-tenant-dialog"));
    await waitFor(() => expect(screen.getByTestId("container-progress")).toBeTruthy());
    await emit("docker-progress", { progress: { step: "pulling", layer: "sha256:aaaabbbbcccc0001", status: "Downloading", current: 2_500_000, total: 10_000_000 } });
    await emit("docker-progress", { progress: { step: "pulling", layer: "sha256:aaaabbbbcccc0002", status: "Waiting", current: null, total: null } });
    await waitFor(() => expect(screen.getAllByTestId("pull-layer")).toHaveLength(2));
    const first = screen.getAllByTestId("pull-layer")[0];
    expect(first.textContent).toContain("Downloading");
    expect(within(first).getByTestId("pull-bytes").textContent).toBe("2.5 MB / 10.0 MB");
    expect((first.querySelector("progress") as HTMLProgressElement).value).toBe(2_500_000);
    expect(screen.getByTestId("container-step").textContent).toContain("Pulling the PostgreSQL image");
    await emit("docker-progress", { progress: { step: "pulling", layer: "sha256:aaaabbbbcccc0001", status: "Pull complete", current: null, total: null } });
    await waitFor(() => expect(screen.getAllByTestId("pull-layer")[0].textContent).toContain("Pull complete"));
    expect(within(screen.getAllByTestId("pull-layer")[0]).getByTestId("pull-bytes").textContent).toBe("2.5 MB / 10.0 MB");
    await emit("docker-progress", { progress: { step: "waiting_for_postgres" } });
    await waitFor(() => expect(screen.getByTestId("container-step").textContent).toContain("Waiting for PostgreSQL"));
    finish(null);
    await waitFor(() => expect(screen.queryByTestId("new-tenant-dialog")).toBeNull());
  });
});

describe("external database access", () => {
  it("is switched from the cloud tenant's live status and the result replaces the overview", async () => {
    await mount();
    await fireEvent.click(screen.getAllByTestId("tenant-row")[1]);
    const box = (await waitFor(() => screen.getByTestId("external-access"))) as HTMLInputElement;
    expect(box.checked).toBe(false);
    state = overview([tenant({ selected: true }), tenant({ id: "cloud-1", name: "prod", tenant_type: "cloud", region: "lhr", database_url: "postgres://u:***@db.example:5432/prod", external_db_access: true, production: true })]);
    await fireEvent.click(box);
    await waitFor(() => expect(calls.find((c) => c.cmd === "set_external_db_access")?.args).toMatchObject({ id: "cloud-1", enabled: true }));
    await waitFor(() => expect((screen.getByTestId("external-access") as HTMLInputElement).checked).toBe(true));
    expect(screen.getByTestId("detail-url").textContent).toContain("db.example");
    expect(screen.queryByTestId("external-url-missing")).toBeNull();
  });

  it("switched on elsewhere, offers to fetch the external URL the sync could not bring", async () => {
    const prod = (url: string | null) => tenant({ id: "cloud-1", name: "prod", tenant_type: "cloud", region: "lhr", database_url: url, external_db_access: true, production: true });
    state = overview([tenant({ selected: true }), prod(null)]);
    await mount();
    await fireEvent.click(screen.getAllByTestId("tenant-row")[1]);
    await waitFor(() => expect((screen.getByTestId("external-access") as HTMLInputElement).checked).toBe(true));
    state = overview([tenant({ selected: true }), prod("postgres://u:***@db.example:5432/prod")]);
    await fireEvent.click(screen.getByTestId("external-url-fetch"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "set_external_db_access")?.args).toMatchObject({ id: "cloud-1", enabled: true }));
    await waitFor(() => expect(screen.queryByTestId("external-url-missing")).toBeNull());
  });
});

describe("an error whose fix is to log in", () => {
  it("offers the login and opens the new-tenant dialog on its Cloud tab", async () => {
    await mount();
    workspace.error = { code: "not_logged_in", message: "Not logged in to SystemPrompt Cloud", detail: null, hint: "Run 'tenantdesk cloud auth login'", fix: "log-in" };
    const button = await waitFor(() => screen.getByTestId("error-fix"));
    expect(button.textContent).toBe("Log in to SystemPrompt Cloud…");
    await fireEvent.click(button);
    await waitFor(() => expect(screen.getByTestId("cloud-login-needed")).toBeTruthy());
  });
});

describe("an error whose fix is to start the database", () => {
  it("offers Start the database where the error shows, starts the container, and the banner goes", async () => {
    await mount();
    workspace.error = { code: "database_connection_failed", message: "Database connection failed", detail: "Connection refused (os error 111)", hint: "Start the database for a local tenant, or check the URL, host, port and password", fix: "start-database" };
    const button = await waitFor(() => screen.getByTestId("error-fix"));
    expect(button.textContent).toBe("Start the database");
    // The OS's words are folded away under the message, there to report or search.
    expect(screen.getByTestId("error-message").textContent).toBe("Database connection failed");
    const detail = screen.getByTestId("error-detail") as HTMLDetailsElement;
    expect([detail.open, detail.textContent?.includes("os error 111")]).toEqual([false, true]);
    await fireEvent.click(button);
    await waitFor(() => expect(calls.find((c) => c.cmd === "docker_action")?.args).toMatchObject({ action: "start" }));
    await waitFor(() => expect(screen.queryByTestId("error-banner")).toBeNull());
    expect(screen.getByTestId("toast").textContent).toContain("The database container is running");
  });
});

describe("the Docker panel", () => {
  it("asks for the name before dropping an orphan or resetting, says what a pull changed and recreates on it, and copies the log lines shown", async () => {
    await mount();
    await fireEvent.click(screen.getByTestId("view-docker"));
    const orphan = await screen.findByTestId("orphan");
    await fireEvent.click(within(orphan).getByTestId("orphan-drop"));
    const confirm = screen.getByTestId("confirm-action") as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId("confirm-name"), { target: { value: "td_old" } });
    expect(confirm.disabled).toBe(true);
    expect(calls.some((c) => c.cmd === "drop_orphan")).toBe(false);
    await fireEvent.input(screen.getByTestId("confirm-name"), { target: { value: "td_old_0badcafe" } });
    await fireEvent.click(confirm);
    await waitFor(() => expect(screen.queryByTestId("orphan")).toBeNull());
    expect(calls.find((c) => c.cmd === "drop_orphan")?.args).toMatchObject({ database: "td_old_0badcafe", confirmName: "td_old_0badcafe" });

    await fireEvent.click(screen.getByTestId("docker-pull"));
    const pulled = await screen.findByTestId("pull-result");
    expect(pulled.dataset.outcome).toBe("updated");
    expect(pulled.textContent).toContain("keeps its data");
    await fireEvent.click(screen.getByTestId("docker-recreate"));
    expect(calls.some((c) => c.cmd === "docker_action")).toBe(false);
    await fireEvent.click(screen.getByTestId("confirm-action"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "docker_action")?.args).toMatchObject({ action: "recreate", keepSnapshots: true }));
    await waitFor(() => expect(screen.queryByTestId("newer-image")).toBeNull());

    await fireEvent.click(screen.getByTestId("docker-reset"));
    expect(screen.getByTestId("confirm-dialog").textContent).toContain("every local tenant's data");
    expect((screen.getByTestId("confirm-option") as HTMLInputElement).checked).toBe(true);
    expect((screen.getByTestId("confirm-action") as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(screen.getByText("Cancel"));
    expect(calls.some((c) => c.cmd === "docker_action" && c.args.action === "reset")).toBe(false);

    await waitFor(() => expect(screen.getByTestId("docker-logs").textContent).toContain("checkpoint"));
    await fireEvent.input(screen.getByTestId("logs-search"), { target: { value: "READY" } });
    expect(screen.getByTestId("docker-logs").textContent).not.toContain("checkpoint");
    await fireEvent.click(screen.getByTestId("logs-copy"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "copy_text")?.args.text.split("\n")).toEqual([
      "LOG:  database system is ready to accept connections",
      "LOG:  database system is ready to accept connections",
    ]));
    await waitFor(() => expect(screen.getAllByTestId("toast").at(-1)?.textContent).toBe("Copied 2 log lines matching “READY”"));
  });
});

describe("the activity timeline", () => {
  it("names tenants by their name, and a removed one by the start of its id", async () => {
    const gone = "5d9c3f11-5e6c-4b32-aef1-b1cc9580f0b6";
    activity = () => [
      { seq: 1, at: "2026-11-28T10:00:00Z", project: "/work/project", tenant: "local_1", action: "select", outcome: "ok", prev: "", hash: "" },
      { seq: 2, at: "2026-11-28T10:01:00Z", project: "/work/project", tenant: gone, action: "delete tenant", outcome: "ok", prev: "", hash: "" },
    ];
    await mount();
    await fireEvent.click(screen.getByTestId("view-activity"));
    await waitFor(() => expect(screen.getAllByTestId("activity-entry")).toHaveLength(2));
    const shown = screen.getAllByTestId("activity-entry").map((e) => e.querySelector(".muted") as HTMLElement);
    expect(shown.map((e) => e.textContent)).toEqual(expect.arrayContaining(["my-project", "5d9c3f11… (removed)"]));
    expect(shown.find((e) => e.textContent?.includes("removed"))?.title).toBe(gone);
    // Its history can be filtered like a registered tenant's.
    const option = within(screen.getByTestId("activity-tenant")).getByText("5d9c3f11… (removed)") as HTMLOptionElement;
    await fireEvent.change(screen.getByTestId("activity-tenant"), { target: { value: option.value } });
    await waitFor(() => expect(calls.filter((c) => c.cmd === "activity").at(-1)?.args).toMatchObject({ tenant: gone }));
  });

  it("names a removed tenant by the name the log recorded", async () => {
    activity = () => [
      { seq: 3, at: "2026-11-28T10:02:00Z", tenant: "local_gone", tenant_name: "old-shop", action: "delete tenant", outcome: "ok" },
    ];
    await mount();
    await fireEvent.click(screen.getByTestId("view-activity"));
    await waitFor(() => expect(screen.getAllByTestId("activity-entry")).toHaveLength(1));
    expect(screen.getByTestId("activity-entry").textContent).toContain("old-shop (removed)");
    expect(within(screen.getByTestId("activity-tenant")).getByText("old-shop (removed)")).toBeTruthy();
  });

  it("shows the newest read when an older one answers last", async () => {
    const entry = (seq: number, action: string) => ({ seq, at: "2026-11-28T10:00:00Z", project: "/work/project", tenant: "local_1", action, outcome: "ok", prev: "", hash: "" });
    let answerFirst: (v: unknown) => void = () => {};
    activity = () => new Promise((resolve) => { answerFirst = resolve; });
    await mount();
    await fireEvent.click(screen.getByTestId("view-activity"));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "activity")).toHaveLength(1));
    // The workspace changes (the action being recorded) while the first read is still out.
    activity = () => [entry(1, "create tenant"), entry(2, "delete tenant")];
    state = overview(state.tenants.tenants.slice(0, 1));
    await emit("overview-changed", { overview: state, error: null });
    await waitFor(() => expect(screen.getAllByTestId("activity-entry")).toHaveLength(2));
    answerFirst([entry(1, "create tenant")]);
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.getAllByTestId("activity-entry")).toHaveLength(2);
  });
});

describe("rotating a cloud tenant's sync token", () => {
  it("asks first, then says once that it is done", async () => {
    await mount();
    await fireEvent.click((await screen.findAllByTestId("tenant-row"))[1]);
    await fireEvent.click(await screen.findByTestId("rotate-sync-token"));
    expect(calls.some((c) => c.cmd === "rotate_sync_token")).toBe(false);
    await fireEvent.input(screen.getByTestId("confirm-name"), { target: { value: "prod" } });
    await fireEvent.click(screen.getByTestId("confirm-action"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "rotate_sync_token")?.args).toMatchObject({ id: "cloud-1", confirmName: "prod" }));
    // The backend's notice, as the real command sends it.
    await emit("notice", { level: "success", title: "Sync token rotated", body: "prod: the new token is in the keychain; the old one is rejected" });
    await waitFor(() => expect(screen.getAllByTestId("toast").map((t) => t.textContent)).toContain("Sync token rotated: prod: the new token is in the keychain; the old one is rejected"));
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.getAllByTestId("toast").filter((t) => t.textContent?.includes("sync token") || t.textContent?.includes("Sync token"))).toHaveLength(1);
  });
});

describe("syncing with SystemPrompt Cloud", () => {
  it("lists what the sync added and says what it changed", async () => {
    login = { api_url: "http://127.0.0.1:1", user_email: "me@example.com", authenticated_at: "2026-11-28T10:00:00Z" };
    await mount();
    await fireEvent.click(await screen.findByTestId("cloud-sync"));
    await waitFor(() => expect(screen.getAllByTestId("tenant-row").map((r) => r.textContent)).toEqual(expect.arrayContaining([expect.stringContaining("shop")])));
    await waitFor(() => expect(screen.getAllByTestId("toast").at(-1)?.textContent).toBe("Synced with SystemPrompt Cloud: added shop."));
  });
});

describe("working inside a tenant", () => {
  it("shows each tenant's colour and icon in the list and changes them, production staying red", async () => {
    await mount();
    const rows = await screen.findAllByTestId("tenant-row");
    expect(rows.map((r) => (r.querySelector("[data-testid=row-colour]") as HTMLElement).dataset.colour)).toEqual(["blue", "red"]);
    await fireEvent.click(rows[0]);
    await fireEvent.click(screen.getByTestId("colour-purple"));
    await fireEvent.click(await screen.findByTestId("icon-rocket"));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "set_appearance").at(-1)?.args).toEqual({ id: "local_1", colour: "purple", icon: "rocket" }));
    await waitFor(() => expect(((screen.getAllByTestId("row-colour")[0]) as HTMLElement).dataset.colour).toBe("purple"));
    expect(screen.getAllByTestId("tenant-row")[0].textContent).toContain("🚀");
    await fireEvent.click(screen.getAllByTestId("tenant-row")[1]);
    expect(screen.queryByTestId("colour-blue")).toBeNull();
    expect(screen.getByTestId("appearance").textContent).toContain("Production tenants are always red");
  });

  it("opens a terminal at once, but asks for a production tenant's name, also when the tray asks", async () => {
    await mount();
    await fireEvent.click((await screen.findAllByTestId("tenant-row"))[0]);
    await fireEvent.click(screen.getByTestId("open-terminal"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "open_terminal")?.args).toEqual({ id: "local_1", confirmName: null }));
    await waitFor(() => expect(screen.getByTestId("toast").textContent).toContain("Opened x-terminal-emulator in my-project with profile local"));
    calls = [];
    await emit("terminal-requested", { id: "cloud-1" });
    await waitFor(() => expect(screen.getByTestId("confirm-dialog").textContent).toContain("Open a terminal in “prod”?"));
    expect(calls.some((c) => c.cmd === "open_terminal")).toBe(false);
    await fireEvent.input(screen.getByTestId("confirm-name"), { target: { value: "prod" } });
    await fireEvent.click(screen.getByTestId("confirm-action"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "open_terminal")?.args).toEqual({ id: "cloud-1", confirmName: "prod" }));
  });

  it("says which terminal opens and saves another", async () => {
    await mount();
    await fireEvent.click((await screen.findAllByTestId("tenant-row"))[0]);
    await fireEvent.click(screen.getByTestId("terminal-settings"));
    await waitFor(() => expect(screen.getByTestId("terminal-found").textContent).toContain("x-terminal-emulator (x-terminal-emulator)"));
    await fireEvent.input(screen.getByTestId("terminal-command"), { target: { value: "kitty" } });
    await fireEvent.click(screen.getByTestId("terminal-save"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "terminal_setting" && (c.args as any).change === "kitty")).toBeTruthy());
    await waitFor(() => expect(screen.getByTestId("terminal-found").textContent).toContain("kitty (your setting)"));
  });

  it("copies the connection URL without its password", async () => {
    await mount();
    await fireEvent.click((await screen.findAllByTestId("tenant-row"))[0]);
    await fireEvent.click(screen.getByTestId("copy-url-no-password"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "copy_text")?.args).toEqual({ text: "postgres://systemprompt@localhost:5432/systemprompt" }));
  });
});

describe("snapshots", () => {
  it("are taken with a note and progress, restored in place after confirming with an Undo, and deleted", async () => {
    await mount();
    await fireEvent.click((await screen.findAllByTestId("tenant-row"))[0]);
    await waitFor(() => expect(screen.getAllByTestId("snapshot-row").map((r) => r.textContent)).toEqual([expect.stringContaining("before the migration")]));
    await fireEvent.input(screen.getByTestId("snapshot-note"), { target: { value: "nightly" } });
    await fireEvent.click(screen.getByTestId("snapshot-take"));
    await emit("snapshot-progress", { tenant_id: "local_1", verb: "Dumping", step: { bytes: 1_500_000, table: "public.items" } });
    await waitFor(() => expect(calls.find((c) => c.cmd === "create_snapshot")?.args).toEqual({ id: "local_1", note: "nightly", openExternalAccess: false }));
    await waitFor(() => expect(screen.getAllByTestId("snapshot-row")).toHaveLength(2));
    await fireEvent.click(screen.getAllByTestId("snapshot-restore")[1]);
    expect(screen.getByTestId("confirm-dialog").textContent).toContain("its connection URL, role and password stay as they are");
    await fireEvent.click(screen.getByTestId("confirm-action"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "restore_snapshot_in_place")?.args).toEqual({ snapshot: "s1", confirmName: null }));
    await fireEvent.click(await screen.findByTestId("toast-action"));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "restore_snapshot_in_place").at(-1)?.args).toEqual({ snapshot: "k2", confirmName: null }));
    await fireEvent.click(screen.getAllByTestId("snapshot-delete")[0]);
    await fireEvent.click(screen.getByTestId("snapshot-delete-confirm"));
    await waitFor(() => expect(screen.getAllByTestId("snapshot-row")).toHaveLength(1));
  });

  it("shows the work in hand as it goes", async () => {
    await mount();
    await fireEvent.click((await screen.findAllByTestId("tenant-row"))[0]);
    let finish: (v: unknown) => void = () => {};
    gate = new Promise((r) => (finish = r));
    await fireEvent.click(await screen.findByTestId("snapshot-take"));
    await emit("snapshot-progress", { tenant_id: "local_1", verb: "Dumping", step: { bytes: 1_500_000, table: "public.items" } });
    await waitFor(() => expect(screen.getByTestId("snapshot-progress").textContent).toContain("Dumping public.items · 1.5 MB"));
    finish(null);
    gate = null;
    await waitFor(() => expect(screen.queryByTestId("snapshot-progress")).toBeNull());
  });

  it("offers Undo after a delete that kept one, which restores the tenant under its name", async () => {
    await mount();
    await fireEvent.click((await screen.findAllByTestId("tenant-row"))[0]);
    await fireEvent.click(await screen.findByTestId("delete-tenant"));
    expect((screen.getByTestId("confirm-option") as HTMLInputElement).checked).toBe(true);
    await fireEvent.click(screen.getByTestId("confirm-action"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "delete_tenant")?.args).toEqual({ id: "local_1", confirmName: null, keepSnapshot: true }));
    await fireEvent.click(await screen.findByTestId("toast-action"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "restore_snapshot_as")?.args).toEqual({ snapshot: "k1", name: "my-project" }));
    await waitFor(() => expect(screen.getAllByTestId("tenant-row").map((r) => r.dataset.tenantId)).toContain("local_1"));
  });

  it("clones a tenant under a new name, masking the columns asked for, and shows the clone", async () => {
    await mount();
    await fireEvent.click((await screen.findAllByTestId("tenant-row"))[0]);
    await fireEvent.input(await screen.findByTestId("clone-name"), { target: { value: "my-project-2" } });
    await fireEvent.input(screen.getByTestId("clone-mask"), { target: { value: "users.email, audit.ip" } });
    await fireEvent.click(screen.getByTestId("clone-tenant"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "clone_tenant")?.args).toEqual({ id: "local_1", name: "my-project-2", mask: ["users.email", "audit.ip"] }));
    await waitFor(() => expect(screen.getByTestId("detail-name").textContent).toContain("my-project-2"));
  });
});

describe("snapshots in the Docker panel", () => {
  it("show the disk they use, save retention, list ones no tenant shows, and import an archive", async () => {
    await mount();
    await fireEvent.click(await screen.findByTestId("view-docker"));
    await waitFor(() => expect(screen.getByTestId("snapshot-usage").textContent).toContain("2 snapshots use 4.8 MB"));
    await fireEvent.input(screen.getByTestId("retention-keep"), { target: { value: "3" } });
    await fireEvent.click(screen.getByTestId("retention-save"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "snapshot_retention" && (c.args as any).keep === 3)?.args).toEqual({ keep: 3, days: 7 }));
    expect(screen.getAllByTestId("loose-snapshot").map((r) => r.dataset.snapshot)).toEqual(["o1"]);
    await fireEvent.input(screen.getByTestId("import-path"), { target: { value: "/tmp/shop.dump" } });
    await fireEvent.click(screen.getByTestId("import-snapshot"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "import_snapshot")?.args).toEqual({ file: "/tmp/shop.dump" }));
  });

  it("export a tenant's snapshot to a file the user names", async () => {
    await mount();
    await fireEvent.click((await screen.findAllByTestId("tenant-row"))[0]);
    await fireEvent.click((await screen.findAllByTestId("snapshot-export"))[0]);
    expect((screen.getByTestId("snapshot-export-path") as HTMLInputElement).value).toBe("~/my-project-s1.dump");
    await fireEvent.click(screen.getByTestId("snapshot-export-confirm"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "export_snapshot")?.args).toEqual({ snapshot: "s1", file: "~/my-project-s1.dump" }));
  });
});

describe("a cloud tenant's snapshot", () => {
  it("asks before switching external access on for the dump, and offers no in-place restore", async () => {
    await mount();
    await fireEvent.click((await screen.findAllByTestId("tenant-row"))[1]);
    const take = (await screen.findByTestId("snapshot-take")) as HTMLButtonElement;
    expect(take.disabled).toBe(true);
    await fireEvent.click(screen.getByTestId("snapshot-open-access"));
    expect(take.disabled).toBe(false);
    await fireEvent.click(take);
    await waitFor(() => expect(calls.find((c) => c.cmd === "create_snapshot")?.args).toEqual({ id: "cloud-1", note: null, openExternalAccess: true }));
    expect(screen.queryByTestId("snapshot-restore")).toBeNull();
  });
});

describe("About", () => {
  it("shows the version and turns starting at login on", async () => {
    await mount();
    await fireEvent.click(await screen.findByTestId("about"));
    await waitFor(() => expect(screen.getByTestId("about-version").textContent).toBe("0.1.0"));
    const box = screen.getByTestId("autostart") as HTMLInputElement;
    expect(box.checked).toBe(false);
    await fireEvent.click(box);
    await waitFor(() => expect(calls.find((c) => c.cmd === "set_autostart")?.args).toEqual({ enabled: true }));
    await waitFor(() => expect((screen.getByTestId("autostart") as HTMLInputElement).checked).toBe(true));
  });
});

describe("the demo", () => {
  it("says when the demo's project is open without its cloud, and starts the demo again when asked", async () => {
    demoStopped = true;
    await mount();
    const note = await screen.findByTestId("demo-stopped");
    expect(note.textContent).toContain("not running now");
    await fireEvent.click(screen.getByTestId("demo-start"));
    await waitFor(() => expect(screen.queryByTestId("demo-stopped")).toBeNull());
    expect(calls.map((c) => c.cmd)).toContain("start_demo");
    expect(screen.getByTestId("toast").textContent).toContain("The demo is running again");
  });
});

describe("one notion of current", () => {
  it("follows a selection made elsewhere (the tray, a command line) in the detail pane", async () => {
    await mount();
    await fireEvent.click((await screen.findAllByTestId("tenant-row"))[0]);
    await waitFor(() => expect(screen.getByTestId("detail-name").textContent).toContain("my-project"));
    const moved = overview(state.tenants.tenants.map((t) => ({ ...t, selected: t.id === "cloud-1" })));
    await emit("overview-changed", { overview: moved, error: null });
    await waitFor(() => expect(screen.getByTestId("detail-name").textContent).toContain("prod"));
  });

  it("follows a selection made elsewhere when nothing was selected before", async () => {
    state = overview(state.tenants.tenants.map((t) => ({ ...t, selected: false })));
    await mount();
    await fireEvent.click((await screen.findAllByTestId("tenant-row"))[0]);
    await waitFor(() => expect(screen.getByTestId("detail-name").textContent).toContain("my-project"));
    const moved = overview(state.tenants.tenants.map((t) => ({ ...t, selected: t.id === "cloud-1" })));
    await emit("overview-changed", { overview: moved, error: null });
    await waitFor(() => expect(screen.getByTestId("detail-name").textContent).toContain("prod"));
  });

  it("moves with Alt+↓/↑ within what the search matches, and Enter in the search shows the first match", async () => {
    state = overview([...state.tenants.tenants, tenant({ id: "local_2", name: "shop-dev" }), tenant({ id: "cloud-3", name: "shop-prod", tenant_type: "cloud", region: "iad", database_url: null })]);
    await mount();
    const search = screen.getByTestId("tenant-search") as HTMLInputElement;
    await fireEvent.input(search, { target: { value: "shop" } });
    await waitFor(() => expect(screen.getAllByTestId("tenant-row").length).toBe(2));
    await fireEvent.keyDown(search, { key: "Enter" });
    await waitFor(() => expect(screen.getByTestId("detail-name").textContent).toContain("shop-dev"));
    await fireEvent.keyDown(window, { key: "ArrowDown", altKey: true });
    await waitFor(() => expect(screen.getByTestId("detail-name").textContent).toContain("shop-prod"));
    // Past the last match it wraps to the first match, never to a tenant the search hides.
    await fireEvent.keyDown(window, { key: "ArrowDown", altKey: true });
    await waitFor(() => expect(screen.getByTestId("detail-name").textContent).toContain("shop-dev"));
    expect(calls.some((c) => c.cmd === "select_tenant")).toBe(false);
  });

  it("says No tenant configured in the banner of a project without tenants, No tenant selected otherwise", async () => {
    state = overview([tenant({ selected: false })]);
    await mount();
    await waitFor(() => expect(screen.getByTestId("environment-banner").textContent).toContain("No tenant selected"));
    cleanup();
    state = overview([]);
    await mount();
    await waitFor(() => expect(screen.getByTestId("environment-banner").textContent).toContain("No tenant configured"));
  });

  it("shows a tenant just created, without selecting it", async () => {
    await mount();
    await screen.findAllByTestId("tenant-row");
    mockIPC((cmd, args) => {
      calls.push({ cmd, args });
      if (cmd === "create_local_tenant") return (state = overview([...state.tenants.tenants, tenant({ id: "local_new", name: (args as any).name })]));
      if (cmd === "tenant_details") return { tenant: state.tenants.tenants.find((t) => t.id === (args as any).id), profiles: [], session: null, session_state: "none" };
      if (cmd === "snapshots" || cmd === "tenant_secrets") return [];
      return state;
    }, { shouldMockEvents: true });
    await workspace.createLocal("fresh", null, null);
    await waitFor(() => expect(screen.getByTestId("detail-name").textContent).toContain("fresh"));
    expect(state.tenants.tenants.find((t) => t.id === "local_new")?.selected).toBe(false);
    expect(calls.some((c) => c.cmd === "select_tenant")).toBe(false);
  });
});
