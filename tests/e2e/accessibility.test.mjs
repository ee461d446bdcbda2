// WCAG 2.1 AA, measured: axe-core runs inside the real window on each main screen, in the light
// and the dark theme (GTK's dark Adwaita makes the web view prefer dark), and any violation —
// contrast under 4.5:1 for text, a control without a name, … — fails with what and where.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { seedProject } from "./fixtures.mjs";
import { launch, quit } from "./webdriver.mjs";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const app = process.env.TENANTDESK_APP ?? path.join(repo, "target/debug/tenantdesk-app");
const axe = fs.readFileSync(path.join(repo, "ui/node_modules/axe-core/axe.min.js"), "utf8");
const made = [];

after(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** axe's WCAG A/AA violations on what the window shows now, one line each. */
async function violations(session) {
  const found = await session.executeAsync(`
    const done = arguments[arguments.length - 1];
    if (!window.axe) { ${axe}\n }
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })
      .then((r) => done(r.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ") + " — " + (n.failureSummary ?? "").split("\\n").slice(1).join(" ").trim()) }))))
      .catch((e) => done([{ id: "axe-error", help: String(e), nodes: [] }]));
  `);
  return found.flatMap((v) => v.nodes.map((n) => `${v.id} (${v.help}): ${n}`));
}

for (const theme of ["light", "dark"]) {
  test(`every main screen meets WCAG 2.1 AA in the ${theme} theme (axe-core)`, async () => {
    const project = seedProject();
    const config = fs.mkdtempSync(path.join(os.tmpdir(), "tenantdesk-config-"));
    made.push(project, config);
    const env = { TENANTDESK_CONFIG_DIR: config, TENANTDESK_CLOUD_URL: "http://127.0.0.1:9", TENANTDESK_NO_BROWSER: "1", ...(theme === "dark" && { GTK_THEME: "Adwaita:dark" }) };
    const { driver, session } = await launch(app, [project], env);
    try {
      await session.waitFor('[data-testid="tenant-row"]', { timeout: 20_000 });
      assert.equal(await session.execute("return matchMedia('(prefers-color-scheme: dark)').matches"), theme === "dark", "the theme did not reach the web view");
      const screens = {
        // A local tenant, then a production cloud one: each colours the banner, badges and buttons.
        "a local tenant": async () => {
          await session.click(await session.find('[data-tenant-id="local_19bff27604c"]'));
          await session.waitFor('[data-testid="detail-name"]', { text: "my-project" });
        },
        "a cloud tenant": async () => {
          const [cloud] = await session.findAll('[data-testid="tenant-row"]:not([data-tenant-id="local_19bff27604c"])');
          await session.click(cloud);
        },
        "the new tenant dialog": async () => {
          await session.click(await session.find('[data-testid="new-tenant"]'));
          await session.waitFor('[data-testid="new-tenant-dialog"]');
        },
        "the Docker panel": async () => {
          await session.keys("\uE00C"); // Escape closes the dialog
          await session.waitFor('[data-testid="new-tenant-dialog"]', { count: 0 });
          await session.click(await session.find('[data-testid="view-docker"]'));
        },
        "the activity timeline": async () => {
          await session.click(await session.find('[data-testid="view-activity"]'));
        },
      };
      const failures = [];
      for (const [screen, open] of Object.entries(screens)) {
        await open();
        await new Promise((r) => setTimeout(r, 400));
        for (const v of await violations(session)) failures.push(`${screen}: ${v}`);
      }
      assert.deepEqual(failures, [], `WCAG AA violations in the ${theme} theme:\n${failures.join("\n")}`);
    } finally {
      await quit({ driver, session }, app);
    }
  });
}
