// The window against a mocked backend (Tauri's IPC mocks): what it shows, what it calls, and how
// it follows backend events.
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import App from "./App.svelte";
import type { Overview, TenantView } from "./lib/bindings";
import { workspace } from "./lib/workspace.svelte";

function tenant(over: Partial<TenantView>): TenantView {
  return {
    id: "local_1", name: "my-project", tenant_type: "local", region: null, hostname: null, app_id: null,
    database_url: "postgres://systemprompt:***@localhost:5432/systemprompt", external_db_access: false,
    docker_project: null, selected: false, production: false, profiles: [], ...over,
  };
}

function overview(tenants: TenantView[]): Overview {
  return {
    root: "/work/project",
    tenants: { tenants, selected: tenants.find((t) => t.selected)?.id ?? null, synced_at: null },
    profiles: [{ name: "local", display_name: "Local", target: "local", tenant_id: "local_1", active: true, problem: null }],
    sessions: [],
  };
}

let state: Overview;
let calls: { cmd: string; args: any }[];
let failOn: { cmd: string; error: unknown } | null = null;

async function mount() {
  // The window's store is a module singleton; every test starts it from nothing.
  Object.assign(workspace, {
    overview: null, error: null, focusedId: null, details: null, recent: [], trayAvailable: true,
    busy: false, notice: null, searchRequests: 0, started: false,
  });
  const view = render(App);
  await workspace.start();
  return { view };
}

beforeEach(() => {
  calls = [];
  failOn = null;
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
        case "recent_projects": return ["/work/project"];
        case "tray_available": return false;
        case "tenant_health": return null;
        case "tenant_details":
          return { tenant: state.tenants.tenants.find((t) => t.id === (args as any).id), profiles: state.profiles, session: null, session_state: "none" };
        case "select_tenant": {
          const id = (args as any).id;
          state = overview(state.tenants.tenants.map((t) => ({ ...t, selected: t.id === id })));
          return { tenant: state.tenants.tenants.find((t) => t.id === id), profile: null, session_state: "none" };
        }
        case "delete_tenant": {
          state = overview(state.tenants.tenants.filter((t) => t.id !== (args as any).id));
          return state;
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
    await waitFor(() => expect(calls.find((c) => c.cmd === "delete_tenant")?.args).toEqual({ id: "cloud-1", confirmName: "prod" }));
  });

  it("filters the list by search", async () => {
    await mount();
    await screen.findAllByTestId("tenant-row");
    await fireEvent.input(screen.getByTestId("tenant-search"), { target: { value: "lhr" } });
    expect(screen.getAllByTestId("tenant-row").map((r) => r.querySelector(".name")?.textContent)).toEqual(["prod"]);
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

describe("live state", () => {
  it("says when Docker is not running, with what to do", async () => {
    failOn = { cmd: "tenant_health", error: { code: "docker_not_running", message: "Docker is not running (tried unix:///var/run/docker.sock)", hint: "Start Docker: 'sudo systemctl start docker'", fix: null } };
    await mount();
    expect((await screen.findByTestId("live-state-error")).textContent).toContain("Docker is not running");
    expect(screen.getByTestId("live-state").textContent).toContain("systemctl start docker");
  });
});

describe("a large registry", () => {
  it("renders a page of rows and reaches the rest by search or by asking for more", async () => {
    state = overview(Array.from({ length: 250 }, (_, i) => tenant({ id: `local_${i}`, name: `t-${i}`, selected: i === 0 })));
    await mount();
    expect((await screen.findAllByTestId("tenant-row")).length).toBe(100);
    await fireEvent.click(screen.getByTestId("show-more"));
    expect(screen.getAllByTestId("tenant-row").length).toBe(200);
    await fireEvent.input(screen.getByTestId("tenant-search"), { target: { value: "t-249" } });
    expect(screen.getAllByTestId("tenant-row").map((r) => r.querySelector(".name")?.textContent)).toEqual(["t-249"]);
  });
});
