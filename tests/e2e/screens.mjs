// Screenshots of the window's main screens at 800×600 and 1440×900, light and dark, into
// tests/artifacts/screens/, for looking at a UI change (scripts/screens.sh runs it under Xvfb).
// Not part of the suite: it asserts nothing beyond the screens being reachable.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { launch, quit } from "./webdriver.mjs";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const app = process.env.TENANTDESK_APP ?? path.join(repo, "target/debug/tenantdesk-app");
const fixtures = path.join(repo, "tests/fixtures");
const out = path.join(repo, "tests/artifacts/screens");
fs.mkdirSync(out, { recursive: true });

function project() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "tenantdesk-screens-"));
  const state = path.join(root, ".systemprompt");
  for (const sub of ["profiles/local", "profiles/staging", "sessions"]) fs.mkdirSync(path.join(state, sub), { recursive: true });
  const registry = JSON.parse(fs.readFileSync(path.join(fixtures, "registry/seed.json"), "utf8"));
  for (const t of registry.tenants) {
    t.provider = t.tenant_type === "cloud" ? "systemprompt" : "docker_local";
    delete t.tenant_type;
  }
  registry.tenants.push({ id: "k8s-edge-1", name: "edge-k8s", hostname: "sp.example.com", region: "eu-west-1", provider: "kubernetes", external_db_access: false });
  fs.writeFileSync(path.join(state, "tenants.json"), JSON.stringify(registry, null, 2));
  fs.copyFileSync(path.join(fixtures, "profiles/seed.yaml"), path.join(state, "profiles/local/profile.yaml"));
  const staging = fs.readFileSync(path.join(fixtures, "profiles/cli-current.yaml"), "utf8").replace(/tenant_id: .*/, "tenant_id: local_19bff27604c");
  fs.writeFileSync(path.join(state, "profiles/staging/profile.yaml"), staging);
  fs.copyFileSync(path.join(fixtures, "sessions/index.json"), path.join(state, "sessions/index.json"));
  // Its database counts as made by Tenantdesk, so its Snapshots card shows.
  const databases = { local_19bff27604c: { container: "tenantdesk-screens-none", role: "td_my_project_1", database: "td_my_project_1", port: 5432 } };
  fs.writeFileSync(path.join(state, "tenantdesk.json"), JSON.stringify({ production: [], systemprompt_version: "0.77.0", databases }));
  return root;
}

for (const theme of ["light", "dark"]) {
  const root = project();
  const config = fs.mkdtempSync(path.join(os.tmpdir(), "tenantdesk-config-"));
  const env = { TENANTDESK_CONFIG_DIR: config, ...(theme === "dark" && { GTK_THEME: "Adwaita:dark" }) };
  const { driver, session } = await launch(app, [root], env);
  try {
    await session.waitFor('[data-testid="tenant-row"]', { timeout: 20_000 });
    for (const [w, h] of [[800, 600], [1440, 900]]) {
      await session.cmd("POST", "/window/rect", { width: w, height: h });
      await new Promise((r) => setTimeout(r, 400));
      // A beat first: the screenshot is of the last painted frame.
      const shot = async (name) => {
        await new Promise((r) => setTimeout(r, 300));
        fs.writeFileSync(path.join(out, `${name}-${w}x${h}-${theme}.png`), await session.screenshot());
      };
      await session.click(await session.find('[data-tenant-id="k8s-edge-1"]'));
      await session.waitFor('[data-testid="self-managed-note"]');
      await shot("self-managed");
      await session.click(await session.find('[data-tenant-id="local_19bff27604c"]'));
      await session.waitFor('[data-testid="profile-refused"]');
      await shot("profile-refused");
      await session.click(await session.find('[data-testid="appearance"] summary'));
      await session.waitFor('[data-testid="colour-blue"]');
      await shot("appearance");
      await session.click(await session.find('[data-testid="appearance"] summary'));
      await session.click(await session.find('[data-testid="terminal-settings"]'));
      await session.waitFor('[data-testid="terminal-found"]', { text: "terminal" });
      await shot("terminal-setting");
      await session.click(await session.find('[data-testid="terminal-settings"]'));
      await session.click(await session.find('[data-testid="profile-refused"][data-profile="staging"] [data-testid="profile-upgrade"]'));
      await session.waitFor('[data-testid="profile-upgrade-diff"]');
      await shot("profile-upgrade-preview");
      await session.click(await session.find('[data-testid="profile-upgrade-cancel"]'));
      await session.click(await session.find('[data-testid="profile-row"][data-profile="staging"] [data-testid="profile-values-toggle"]'));
      await session.waitFor('[data-testid="profile-values"]');
      await shot("profile-values");
      await session.click(await session.find('[data-testid="profile-row"][data-profile="staging"] [data-testid="profile-values-toggle"]'));
      await session.execute("document.querySelector('[data-testid=snapshots]').scrollIntoView()");
      await shot("snapshots-card");
      await session.click(await session.find('[data-testid="view-docker"]'));
      await session.waitFor('[data-testid="snapshot-usage"]');
      await session.execute("document.querySelector('[data-testid=snapshot-store]').scrollIntoView()");
      await shot("docker-snapshots");
      await session.click(await session.find('[data-testid="view-tenants"]'));
      await session.click(await session.find('[data-testid="about"]'));
      await session.waitFor('[data-testid="about-version"]');
      await shot("about");
      await session.click(await session.find('[data-testid="about"]'));
      await session.click(await session.find('[data-testid="delete-tenant"]'));
      await session.waitFor('[data-testid="confirm-dialog"]');
      await shot("delete-dialog");
      await session.click(await session.find('[data-testid="confirm-cancel"]'));
      await session.click(await session.find('[data-testid="open-project"]'));
      await session.waitFor('[data-testid="project-picker"]');
      await shot("project-picker");
      await session.click(await session.find('[data-testid="picker-cancel"]'));
      // A toast: in its strip at the foot of the window, never over the buttons above it.
      const other = w === 800 ? "k8s-edge-1" : "local_19bff27604c";
      await session.click(await session.find(`[data-tenant-id="${other}"]`));
      await session.click(await session.find('[data-testid="select-tenant"]'));
      await session.waitFor('[data-testid="toast"]', { text: "Selected" });
      await shot("toast");
      await session.click(await session.find('[data-testid="new-tenant"]'));
      await session.waitFor('[data-testid="new-tenant-dialog"]');
      await session.click(await session.find('[data-testid="kind-self-managed"]'));
      await session.waitFor('[data-testid="new-tenant-id"]');
      await shot("new-self-managed");
      await session.click(await session.find('[data-testid="new-tenant-cancel"]'));
      await session.waitFor('[data-testid="new-tenant-dialog"]', { count: 0 });
    }
  } finally {
    await quit({ driver, session }, app);
    fs.rmSync(root, { recursive: true, force: true });
  }
}
console.log(`screens in ${out}`);
