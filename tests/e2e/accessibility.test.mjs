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

/** The app on `project` with a config folder of its own, no cloud and no browser, in `theme`
 * (GTK's dark Adwaita makes the web view prefer dark). */
function openApp(project, theme = "light") {
  const config = fs.mkdtempSync(path.join(os.tmpdir(), "tenantdesk-config-"));
  made.push(project, config);
  const env = { TENANTDESK_CONFIG_DIR: config, TENANTDESK_CLOUD_URL: "http://127.0.0.1:9", TENANTDESK_NO_BROWSER: "1", ...(theme === "dark" && { GTK_THEME: "Adwaita:dark" }) };
  return launch(app, [project], env);
}

for (const theme of ["light", "dark"]) {
  test(`every main screen meets WCAG 2.1 AA in the ${theme} theme (axe-core)`, async () => {
    const { driver, session } = await openApp(seedProject(), theme);
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

test("a dialog takes focus, keeps Tab and Shift+Tab inside it, closes on Escape and gives focus back", async () => {
  const { driver, session } = await openApp(seedProject());
  try {
    await session.waitFor('[data-testid="tenant-row"]', { timeout: 20_000 });
    const opener = await session.find('[data-testid="new-tenant"]');
    await session.click(opener);
    await session.waitFor('[data-testid="new-tenant-dialog"]');
    const where = () => session.execute(`
      const a = document.activeElement;
      return document.querySelector('[data-testid="new-tenant-dialog"]')?.contains(a) ? "dialog" : (a?.dataset.testid ?? a?.tagName ?? "nothing");`);
    assert.equal(await where(), "dialog", "the dialog did not take focus");
    const seen = new Set();
    for (let i = 0; i < 20; i++) {
      await session.keys("\uE004"); // Tab
      assert.equal(await where(), "dialog", `Tab ${i + 1} left the dialog`);
      seen.add(await session.execute("return document.activeElement.outerHTML.slice(0, 80)"));
    }
    assert.ok(seen.size > 2, "Tab did not move between the dialog's controls");
    for (let i = 0; i < 8; i++) {
      await session.keys("\uE008\uE004"); // Shift+Tab
      assert.equal(await where(), "dialog", `Shift+Tab ${i + 1} left the dialog`);
    }
    await session.keys("\uE00C"); // Escape
    await session.waitFor('[data-testid="new-tenant-dialog"]', { count: 0 });
    assert.equal(await where(), "new-tenant", "focus did not go back to the button that opened the dialog");
  } finally {
    await quit({ driver, session }, app);
  }
});

/** A project of 1,000 tenants, a quarter of them cloud, one with a name far longer than the list. */
function largeProject() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "tenantdesk-e2e-large-"));
  fs.mkdirSync(path.join(root, ".systemprompt/sessions"), { recursive: true });
  const tenants = Array.from({ length: 1000 }, (_, i) =>
    i % 4 === 0
      ? { id: `${i.toString(16).padStart(8, "0")}-9a64-49bc-98be-db976fc84e76`, name: `cloud-${i}`, region: "iad", tenant_type: "cloud", external_db_access: false }
      : { id: `local_${i}`, name: i === 1 ? "a-tenant-whose-name-is-far-longer-than-any-list-column-could-show" : `local-${i}`, database_url: `postgres://u:***@localhost:${5432 + (i % 50)}/db`, tenant_type: "local", external_db_access: false },
  );
  fs.writeFileSync(path.join(root, ".systemprompt/tenants.json"), JSON.stringify({ tenants, synced_at: "2026-01-30T10:00:00Z" }));
  return root;
}

for (const theme of ["light", "dark"]) {
  test(`at 1,000 tenants the list is a dense table drawing only the rows in view (${theme} theme)`, async () => {
    const { driver, session } = await openApp(largeProject(), theme);
    try {
      await session.cmd("POST", "/window/rect", { width: 800, height: 600 });
      await session.waitFor('[data-testid="tenant-row"]', { timeout: 20_000 });
      await new Promise((r) => setTimeout(r, 400));
      const look = await session.execute(`
        const rows = [...document.querySelectorAll('[data-testid="tenant-row"]')];
        const long = document.querySelector('[data-tenant-id="local_1"]');
        const name = long.querySelector('.name');
        const tall = (sel) => [...document.querySelectorAll(sel)].map((e) => Math.round(e.getBoundingClientRect().height));
        return {
          drawn: rows.length,
          heights: [...new Set(rows.map((r) => Math.round(r.getBoundingClientRect().height)))],
          ellipsized: name.scrollWidth > name.clientWidth && long.title.includes(name.textContent),
          dots: rows.every((r) => r.querySelector('[data-testid="health-dot"], [data-testid="hosted-dot"]')),
          toolbar: tall('.toolbar'),
          columns: [...new Set(rows.map((r) => Math.round(r.querySelector('.c-kind').getBoundingClientRect().left)))].length,
        };`);
      assert.ok(look.drawn > 10 && look.drawn < 60, `${look.drawn} rows drawn for a 600-pixel window`);
      assert.deepEqual(look.heights, [28], "rows are not all 28 px");
      assert.ok(look.ellipsized, "a long name neither ellipsizes nor shows in full in its tooltip");
      assert.ok(look.dots, "a row has no status dot");
      assert.equal(look.columns, 1, "the kind column is not aligned");
      assert.ok(look.toolbar.every((h) => h < 60), `the toolbar wraps at 800×600 (${look.toolbar} px)`);
      fs.mkdirSync(path.join(repo, "tests/artifacts/screens"), { recursive: true });
      fs.writeFileSync(path.join(repo, `tests/artifacts/screens/list-1000-800x600-${theme}.png`), await session.screenshot());
      await session.cmd("POST", "/window/rect", { width: 1440, height: 900 });
      await new Promise((r) => setTimeout(r, 400));
      fs.writeFileSync(path.join(repo, `tests/artifacts/screens/list-1000-1440x900-${theme}.png`), await session.screenshot());
      // The end of the list is a scroll away, and Alt+↓ from the last row wraps to the first.
      await session.execute(`const r = document.querySelector('[data-testid="tenant-rows"]'); r.scrollTop = r.scrollHeight;`);
      const [last] = await session.waitFor('[data-testid="tenant-row"][data-tenant-id="local_999"]');
      await session.click(last);
      await session.waitFor('[data-testid="detail-name"]', { text: "local-999" });
      await session.keys("\uE00A\uE015"); // Alt+↓
      await session.waitFor('[data-testid="detail-name"]', { text: "cloud-0" });
      await session.waitFor('[data-testid="tenant-row"][data-tenant-id="00000000-9a64-49bc-98be-db976fc84e76"]');
      assert.equal(await session.execute(`return document.querySelector('[data-testid="tenant-rows"]').scrollTop`), 0, "the focused first row was not scrolled into view");
      assert.deepEqual(await violations(session), [], "WCAG AA violations in the large list");
    } finally {
      await quit({ driver, session }, app);
    }
  });
}
