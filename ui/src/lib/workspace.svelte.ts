// The window's state. It is pushed by the backend (the `overview-changed` event, and the fresh
// overview every command returns), never polled.
import { commands, events, type CloudInfo, type HealthMap, type Job, type Overview, type TenantDetails, type UiError } from "./bindings";

/** Notices the window does not toast: it shows them another way. */
const QUIET_IN_WINDOW = ["Provisioning finished", "Tenant recovered", "Tenants recovered"];

type Result<T> = { status: "ok"; data: T } | { status: "error"; error: UiError };

export class Workspace {
  overview = $state<Overview | null>(null);
  error = $state<UiError | null>(null);
  focusedId = $state<string | null>(null);
  details = $state<TenantDetails | null>(null);
  recent = $state<string[]>([]);
  trayAvailable = $state(true);
  busy = $state(false);
  /** Toasts on screen, newest last; each goes after a few seconds (one with an action stays
   * longer, so there is time to press it). */
  toasts = $state<{ id: number; text: string; action?: { label: string; run: () => void } }[]>([]);
  /** The tenant a snapshot, restore or clone is working on, and how far it has got. */
  transfer = $state<{ tenantId: string; verb: string; bytes: number; table: string | null } | null>(null);
  #toastId = 0;
  searchRequests = $state(0);
  started = $state(false);
  jobs = $state<Job[]>([]);
  health = $state<HealthMap>({ dots: {}, database: null });
  /** The open project's provisioning jobs: another project's go on, outside this window's panel. */
  projectJobs = $derived(this.jobs.filter((j) => j.project === this.overview?.root));
  cloud = $state<CloudInfo | null>(null);
  /** The open project is the demo's, reopened with its cloud (the app's emulator) not running. */
  demoStopped = $state(false);
  loginUrl = $state<string | null>(null);
  /** A tenant the tray asked to open a terminal in, waiting for the window to confirm it. */
  terminalRequest = $state<string | null>(null);
  /** Set to make the window switch view ("tenants", "docker", "activity"). */
  view = $state<"tenants" | "docker" | "activity">("tenants");

  /** The latest toast; setting it adds one (null clears them all). */
  get notice(): string | null {
    return this.toasts.at(-1)?.text ?? null;
  }

  set notice(text: string | null) {
    if (text === null) {
      this.toasts = [];
      return;
    }
    this.#toast(text);
  }

  /** A toast with a button (Undo), kept on screen for 15 s. */
  offer(text: string, label: string, run: () => void) {
    this.#toast(text, { label, run }, 15000);
  }

  #toast(text: string, action?: { label: string; run: () => void }, ms = 6000) {
    const id = ++this.#toastId;
    this.toasts.push({ id, text, action });
    setTimeout(() => (this.toasts = this.toasts.filter((t) => t.id !== id)), ms);
  }

  dismissToast(id: number) {
    this.toasts = this.toasts.filter((t) => t.id !== id);
  }

  get tenants() {
    return this.overview?.tenants.tenants ?? [];
  }

  get selected() {
    return this.tenants.find((t) => t.selected) ?? null;
  }

  get focused() {
    return this.tenants.find((t) => t.id === this.focusedId) ?? this.selected ?? this.tenants[0] ?? null;
  }

  async start() {
    await events.overviewChanged.listen((e) => {
      if (e.payload.overview) this.apply(e.payload.overview);
      this.error = e.payload.error ?? null;
    });
    await events.focusSearch.listen(() => this.searchRequests++);
    await events.provisioningChanged.listen((e) => this.track(e.payload.job));
    await events.healthChanged.listen((e) => (this.health = e.payload.health));
    await events.loginUrl.listen((e) => (this.loginUrl = e.payload.url));
    await events.notice.listen((e) => {
      // One message per event: a finished provisioning has its own toast here (with Select it,
      // from `track`), and a recovery shows as the health dots turning green; the desktop
      // notification still says both outside the window.
      if (!QUIET_IN_WINDOW.includes(e.payload.title)) this.notice = `${e.payload.title}: ${e.payload.body}`;
    });
    await events.snapshotProgress.listen((e) => {
      const { tenant_id, verb, step } = e.payload;
      this.transfer = { tenantId: tenant_id, verb, bytes: step.bytes ?? 0, table: step.table };
    });
    await events.terminalRequested.listen((e) => {
      this.view = "tenants";
      this.focus(e.payload.id);
      this.terminalRequest = e.payload.id;
    });
    const [jobs, health] = await Promise.all([commands.provisioningJobs(), commands.health()]);
    this.jobs = jobs ?? [];
    this.health = health ?? { dots: {}, database: null };
    const [overview, recent, tray] = await Promise.all([
      commands.overview(),
      commands.recentProjects(),
      commands.trayAvailable(),
    ]);
    this.recent = recent;
    this.trayAvailable = tray;
    if (overview.status === "ok") this.apply(overview.data);
    else if (overview.error.code !== "no_project") this.error = overview.error;
    this.started = true;
  }

  /** Deletes a tenant; when a snapshot was kept, the toast offers Undo (restoring it under the
   * tenant's name and id). */
  async deleteTenant(id: string, name: string, confirmName: string | null, keepSnapshot: boolean) {
    this.busy = true;
    try {
      const res = await commands.deleteTenant(id, confirmName, keepSnapshot);
      if (res.status === "error") {
        this.error = res.error;
        return;
      }
      this.error = null;
      await this.reload();
      const kept = res.data.snapshot;
      if (kept) this.offer(`Deleted ${name}; a snapshot of its data was kept`, "Undo", () => void this.undoDelete(kept.id, name));
      else this.notice = `Deleted ${name}`;
    } finally {
      this.busy = false;
    }
  }

  async undoDelete(snapshot: string, name: string) {
    if (await this.run(commands.restoreSnapshotAs(snapshot, name), `Restored ${name} from its snapshot`)) {
      const back = this.tenants.find((t) => t.name === name);
      if (back) this.focus(back.id);
    }
    this.transfer = null;
  }

  /** Creates a local tenant and shows it (focused, not selected: selecting stays the user's call). */
  async createLocal(name: string, url: string | null, port: number | null): Promise<boolean> {
    const ok = await this.run(commands.createLocalTenant(name, url, port), `Created ${name}`);
    const made = ok ? this.tenants.find((t) => t.name === name) : undefined;
    if (made) this.focus(made.id);
    return ok;
  }

  /** Opens a terminal in tenant `id` (a production tenant's name in `confirmName`). */
  async openTerminal(id: string, confirmName: string | null) {
    const res = await commands.openTerminal(id, confirmName);
    if (res.status === "ok") {
      const profile = res.data.profile ? ` with profile ${res.data.profile}` : "";
      this.notice = `Opened ${res.data.emulator.command[0]} in ${res.data.tenant_name}${profile}; closing it changes nothing`;
    } else this.error = res.error;
  }

  apply(overview: Overview) {
    // One notion of "current": when the selection changes — here, from the tray or from a
    // command line — the detail pane follows it, so what is shown is what commands act on.
    // Not on the first read, which keeps the focus it starts with; from nothing selected, too.
    const first = this.overview === null;
    const before = this.overview?.tenants.selected ?? null;
    this.overview = overview;
    if (!first && overview.tenants.selected && overview.tenants.selected !== before) this.focusedId = overview.tenants.selected;
    void this.loadDetails();
    void this.loadCloud();
  }

  async loadCloud() {
    [this.cloud, this.demoStopped] = await Promise.all([commands.cloudInfo(), commands.demoStopped()]);
  }

  /** A provisioning job moved on: keep its latest state (jobs outlive the window). */
  track(job: Job) {
    const i = this.jobs.findIndex((j) => j.id === job.id);
    const finished = job.state === "done" && (i < 0 || this.jobs[i].state !== "done");
    if (i >= 0) this.jobs[i] = job;
    else this.jobs.push(job);
    if (finished && job.tenant_id && job.project === this.overview?.root) {
      // Shown, and offered: the selection (what commands act on) stays the user's call.
      const id = job.tenant_id;
      this.focus(id);
      this.offer(`${job.name} is ready`, "Select it", () => void this.select(id));
    }
  }

  /** Merges the account's tenants in; the toast says what changed. */
  async sync() {
    let summary = "";
    const synced = commands.cloudSync().then((res): Result<Overview> => {
      if (res.status === "error") return res;
      summary = res.data.summary;
      return { status: "ok", data: res.data.overview };
    });
    if (await this.run(synced)) this.notice = summary;
  }

  /** Takes a finished or failed job off the panel; the backend keeps the list for every window. */
  async dismiss(id: number) {
    this.jobs = await commands.dismissJob(id);
  }

  async loadDetails() {
    const id = this.focused?.id;
    if (!id) {
      this.details = null;
      return;
    }
    const res = await commands.tenantDetails(id);
    if (res.status === "ok" && this.focused?.id === id) this.details = res.data;
  }

  focus(id: string) {
    this.focusedId = id;
    void this.loadDetails();
  }

  /** Runs a command that returns a fresh overview; its error, if any, is shown with its fix. */
  async run(action: Promise<Result<Overview>>, done?: string): Promise<boolean> {
    this.busy = true;
    try {
      const res = await action;
      if (res.status === "error") {
        this.error = res.error;
        return false;
      }
      this.error = null;
      this.apply(res.data);
      if (done) this.notice = done;
      return true;
    } finally {
      this.busy = false;
    }
  }

  /** The folder last asked for, so "Initialise here" knows where. */
  lastOpened: string | null = null;

  async open(path: string, create: boolean) {
    this.lastOpened = path;
    const ok = await this.run(commands.openProject(path, create), create ? `Opened ${path} (initialised where it was not a project)` : `Opened ${path}`);
    this.recent = await commands.recentProjects();
    return ok;
  }

  /** Marks the new selection as soon as the backend confirms it; the full state follows
   * through the `overview-changed` event. */
  async select(id: string): Promise<boolean> {
    this.focusedId = id;
    this.busy = true;
    try {
      const res = await commands.selectTenant(id);
      if (res.status === "error") {
        this.error = res.error;
        return false;
      }
      this.error = null;
      const overview = this.overview;
      if (overview) {
        for (const t of overview.tenants.tenants) if (t.selected !== (t.id === id)) t.selected = t.id === id;
        overview.tenants.selected = id;
      }
      this.notice = `Selected ${res.data.tenant.name}`;
      void this.loadDetails();
      return true;
    } finally {
      this.busy = false;
    }
  }

  /** An error's fix (its button): the action, then everything read again. */
  private async fixThen(action: Promise<Result<unknown>>, done: string) {
    this.busy = true;
    try {
      const res = await action;
      if (res.status === "error") {
        this.error = res.error;
        return;
      }
      this.error = null;
      this.notice = done;
      await this.reload();
    } finally {
      this.busy = false;
    }
  }

  /** "Unlock keychain": the OS's own unlock prompt. */
  unlockKeychain() {
    return this.fixThen(commands.unlockKeychain(), "The keychain is unlocked");
  }

  /** "Start the database", the fix of a refused connection: starts the shared container. */
  startDatabase() {
    return this.fixThen(commands.dockerAction("start", null, false), "The database container is running");
  }

  reload() {
    return this.run(commands.overview());
  }
}

export const workspace = new Workspace();
