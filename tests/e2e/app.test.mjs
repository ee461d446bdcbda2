// End to end: the real app binary, driven over WebDriver (tauri-driver + WebKitWebDriver) under
// Xvfb, on a real project folder. Screenshots of the main screens go to tests/artifacts/.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Session, waitForDriver } from "./webdriver.mjs";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const app = process.env.TENANTDESK_APP ?? path.join(repo, "target/debug/tenantdesk-app");
const artifacts = path.join(repo, "tests/artifacts");
const fixtures = path.join(repo, "tests/fixtures");

function freePort() {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function seedProject() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "tenantdesk-e2e-"));
  const state = path.join(root, ".systemprompt");
  for (const sub of ["profiles/local", "profiles/staging", "sessions"]) fs.mkdirSync(path.join(state, sub), { recursive: true });
  fs.copyFileSync(path.join(fixtures, "registry/seed.json"), path.join(state, "tenants.json"));
  fs.copyFileSync(path.join(fixtures, "profiles/seed.yaml"), path.join(state, "profiles/local/profile.yaml"));
  fs.copyFileSync(path.join(fixtures, "profiles/cli-current.yaml"), path.join(state, "profiles/staging/profile.yaml"));
  fs.copyFileSync(path.join(fixtures, "sessions/index.json"), path.join(state, "sessions/index.json"));
  return root;
}

let driver;
let session;
let project;
let config;
// A shared container of this run's own, removed afterwards.
const container = `td-e2e-${process.pid}`;

before(async () => {
  assert.ok(fs.existsSync(app), `build the app first: ${app} is missing`);
  fs.mkdirSync(artifacts, { recursive: true });
  project = seedProject();
  config = fs.mkdtempSync(path.join(os.tmpdir(), "tenantdesk-config-"));
  const port = await freePort();
  const native = await freePort();
  const pgPort = await freePort();
  driver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(native)], {
    env: {
      ...process.env,
      TENANTDESK_CONFIG_DIR: config,
      TENANTDESK_SHARED_CONTAINER: container,
      TENANTDESK_POSTGRES_PORT: String(pgPort),
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  await waitForDriver(base);
  session = await Session.start(base, app, [project]);
});

after(async () => {
  await session?.end();
  // tauri-driver does not promptly stop its WebKitWebDriver child; stop the whole group.
  driver?.kill("SIGTERM");
  spawnSync("docker", ["rm", "-f", "-v", container]);
  spawnSync("docker", ["volume", "rm", "-f", `${container}-data`]);
  fs.rmSync(project, { recursive: true, force: true });
  fs.rmSync(config, { recursive: true, force: true });
});

async function shot(name) {
  await new Promise((r) => setTimeout(r, 500));
  fs.writeFileSync(path.join(artifacts, `${name}.png`), await session.screenshot());
}

const sessionsFile = () => JSON.parse(fs.readFileSync(path.join(project, ".systemprompt/sessions/index.json"), "utf8"));
const cloudId = "999bc654-9a64-49bc-98be-db976fc84e76";

test("shows the tenants from tenants.json with the selected one marked", async () => {
  await session.waitFor('[data-testid="tenant-row"]', { count: 2 });
  const names = await session.textsOf('[data-testid="tenant-row"] .name');
  assert.deepEqual(names, ["my-project", "my-project-prod"]);
  const selected = await session.findAll('[data-testid="tenant-row"].selected');
  assert.equal(selected.length, 1);
  assert.equal(await session.attribute(selected[0], "data-tenant-id"), "local_19bff27604c");
  assert.equal(await session.text(await session.find('[data-testid="banner-tenant"]')), "my-project");
  await shot("main-window");
});

test("selecting a tenant writes the sessions index", async () => {
  await session.click(await session.find(`[data-tenant-id="${cloudId}"]`));
  await session.click(await session.find('[data-testid="select-tenant"]'));
  await session.waitFor('[data-testid="banner-tenant"]', { text: "my-project-prod" });
  const index = sessionsFile();
  assert.equal(index.active_key, `tenant_${cloudId}`);
  assert.equal(index.active_profile_name, "staging");
  await shot("cloud-tenant-selected");
});

test("creates and deletes a profile under the tenant", async () => {
  const dir = path.join(project, ".systemprompt/profiles/e2e-profile");
  await session.type(await session.find('[data-testid="profile-name"]'), "e2e-profile");
  await session.click(await session.find('[data-testid="profile-create"]'));
  await session.waitFor('[data-profile="e2e-profile"]');
  assert.ok(fs.existsSync(path.join(dir, "profile.yaml")), "profile.yaml written");
  assert.match(fs.readFileSync(path.join(dir, "profile.yaml"), "utf8"), new RegExp(`tenant_id: ${cloudId}`));
  await shot("profile-created");
  await session.click(await session.find('[data-profile="e2e-profile"] [data-testid="profile-delete"]'));
  await session.click(await session.find('[data-profile="e2e-profile"] [data-testid="profile-delete-confirm"]'));
  await session.waitFor('[data-profile="e2e-profile"]', { count: 0 });
  assert.ok(!fs.existsSync(dir), "profile folder removed");
});

test("an edit to tenants.json from outside appears without a reload", async () => {
  const file = path.join(project, ".systemprompt/tenants.json");
  const registry = JSON.parse(fs.readFileSync(file, "utf8"));
  registry.tenants.push({ id: "local_cafe", name: "added-outside", tenant_type: "local", external_db_access: false });
  const started = Date.now();
  fs.writeFileSync(file, JSON.stringify(registry, null, 2));
  await session.waitFor('[data-testid="tenant-row"]', { count: 3, timeout: 5000 });
  const elapsed = Date.now() - started;
  assert.ok(elapsed < 2000, `took ${elapsed} ms to appear`);
  assert.ok((await session.textsOf('[data-testid="tenant-row"] .name')).includes("added-outside"));
  await shot("after-outside-edit");
});

test("creates a local tenant in Docker by clicking, then rotates its credentials", { skip: !process.env.TENANTDESK_POSTGRES_IMAGE && "needs TENANTDESK_POSTGRES_IMAGE (scripts/test.sh sets it)" }, async () => {
  await session.click(await session.find('[data-testid="new-tenant"]'));
  await session.waitFor('[data-testid="new-tenant-dialog"]');
  await shot("new-tenant-dialog");
  await session.type(await session.find('[data-testid="new-tenant-name"]'), "clicked");
  await session.click(await session.find('[data-testid="new-tenant-create"]'));
  await session.waitFor('[data-testid="tenant-row"] .name', { text: "clicked", timeout: 90_000 });
  const registry = JSON.parse(fs.readFileSync(path.join(project, ".systemprompt/tenants.json"), "utf8"));
  const tenant = registry.tenants.find((t) => t.name === "clicked");
  assert.match(tenant.database_url, /^postgres:\/\/td_clicked_[0-9a-f]{8}:\*\*\*@127\.0\.0\.1:\d+\/td_clicked_[0-9a-f]{8}$/);
  const db = tenant.database_url.split("/").pop();
  const listed = spawnSync("docker", ["exec", container, "psql", "-U", "tenantdesk", "-d", "postgres", "-tAc", `SELECT datname FROM pg_database WHERE datname = '${db}'`]);
  assert.equal(listed.stdout.toString().trim(), db, "the tenant's database is not in the container");
  const role = spawnSync("docker", ["exec", container, "psql", "-U", "tenantdesk", "-d", "postgres", "-tAc", `SELECT rolpassword FROM pg_authid WHERE rolname = '${db}'`]);
  const before = role.stdout.toString().trim();
  assert.ok(before.startsWith("SCRAM-SHA-256"), before);

  await session.click(await session.find(`[data-tenant-id="${tenant.id}"]`));
  await session.waitFor('[data-testid="live-state"]', { text: "present", timeout: 20_000 });
  await shot("local-tenant-live-state");
  await session.click(await session.find('[data-testid="rotate-credentials"]'));
  await session.waitFor('[data-testid="confirm-dialog"]');
  await shot("rotate-dialog");
  await session.click(await session.find('[data-testid="confirm-action"]'));
  await session.waitFor('[data-testid="toast"]', { text: "Rotated", timeout: 20_000 });
  const after = spawnSync("docker", ["exec", container, "psql", "-U", "tenantdesk", "-d", "postgres", "-tAc", `SELECT rolpassword FROM pg_authid WHERE rolname = '${db}'`]).stdout.toString().trim();
  assert.notEqual(after, before, "the role's password did not change");
});

test("the window never holds a secret", async () => {
  const html = await session.source();
  // Every secret Tenantdesk keeps in the keychain (the tenant's and the superuser's passwords).
  const stored = spawnSync("secret-tool", ["search", "--all", "--unlock", "service", "tenantdesk"]);
  const kept = [...`${stored.stdout}${stored.stderr}`.matchAll(/^secret = (.+)$/gm)].map((m) => m[1]);
  if (process.env.TENANTDESK_POSTGRES_IMAGE) assert.ok(kept.length >= 2, `expected keychain entries, found ${kept.length}`);
  for (const secret of ["localdev", "SECRET", "session-token", ...kept]) {
    assert.ok(!html.includes(secret), `a secret reached the DOM`);
  }
});
