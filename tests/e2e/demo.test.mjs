// "Try the demo" from the first-run screen: the real app with no project, a real Docker engine
// and keychain; the app runs the cloud emulator itself and makes a local and a cloud tenant.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, launch, quit, removeContainer } from "./webdriver.mjs";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const app = process.env.TENANTDESK_APP ?? path.join(repo, "target/debug/tenantdesk-app");
const artifacts = path.join(repo, "tests/artifacts");
const container = `td-demo-${process.pid}`;
const skip = !process.env.TENANTDESK_POSTGRES_IMAGE && "needs TENANTDESK_POSTGRES_IMAGE (scripts/test.sh sets it)";
let driver;
let session;
let config;
let demo;
let env;

before(async () => {
  if (skip) return;
  config = fs.mkdtempSync(path.join(os.tmpdir(), "tenantdesk-config-"));
  demo = fs.mkdtempSync(path.join(os.tmpdir(), "tenantdesk-demo-"));
  env = {
    TENANTDESK_CONFIG_DIR: config,
    TENANTDESK_DEMO_DIR: demo,
    TENANTDESK_SHARED_CONTAINER: container,
    TENANTDESK_POSTGRES_PORT: String(await freePort()),
    TENANTDESK_NO_BROWSER: "1",
    TENANTDESK_CLOUD_URL: "",
  };
  ({ driver, session } = await launch(app, [], env));
});

after(async () => {
  await quit({ driver, session }, app);
  await removeContainer(container);
  for (const dir of [config, demo]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test("Try the demo shows a local and a cloud tenant without an account", { skip }, async () => {
  const [button] = await session.waitFor('[data-testid="try-demo"]', { timeout: 20_000 });
  await session.click(button);
  await session.waitFor('[data-testid="tenant-row"] .name', { text: "demo-local", timeout: 120_000 });
  await session.waitFor('[data-testid="job"][data-state="done"]', { timeout: 90_000 });
  await session.waitFor('[data-testid="tenant-row"] .name', { text: "demo-cloud", timeout: 10_000 });
  await session.waitFor('[data-testid="account"]', { text: "demo@tenantdesk.local" });
  await session.waitFor('[data-testid="cloud-status"]', { text: "ready", timeout: 15_000 });
  const registry = JSON.parse(fs.readFileSync(path.join(demo, "project/.systemprompt/tenants.json"), "utf8"));
  // A new project is written in today's CLI dialect (provider), not the seed's tenant_type.
  assert.deepEqual(registry.tenants.map((t) => [t.name, t.provider, t.tenant_type]).sort(), [["demo-cloud", "systemprompt", undefined], ["demo-local", "docker_local", undefined]]);
  await new Promise((r) => setTimeout(r, 500));
  fs.writeFileSync(path.join(artifacts, "demo.png"), await session.screenshot());
});

test("the demo's project reopened after the app quit says its cloud is the demo's, and starts it again", { skip }, async () => {
  await quit({ driver, session }, app);
  // A second instance would only hand its arguments to the first: wait for it to be gone.
  for (let i = 0; i < 100 && spawnSync("pgrep", ["-f", app]).status === 0; i++) await new Promise((r) => setTimeout(r, 100));
  ({ driver, session } = await launch(app, [path.join(demo, "project")], env));
  const [note] = await session.waitFor('[data-testid="demo-stopped"]', { timeout: 20_000 });
  assert.match(await session.text(note), /demo's own cloud.*not running now/s);
  await session.click(await session.find('[data-testid="demo-start"]'));
  await session.waitFor('[data-testid="demo-stopped"]', { count: 0, timeout: 60_000 });
  await session.waitFor('[data-testid="toast"]', { text: "The demo is running again" });
  // Its cloud tenant answers again, from the emulator the app runs anew.
  const cloud = JSON.parse(fs.readFileSync(path.join(demo, "project/.systemprompt/tenants.json"), "utf8")).tenants.find((t) => t.name === "demo-cloud");
  await session.click(await session.find(`[data-tenant-id="${cloud.id}"]`));
  await session.waitFor('[data-testid="cloud-status"]', { text: "ready", timeout: 15_000 });
});
