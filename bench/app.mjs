// Start-up time to the first rendered tenant list, idle memory (all the app's processes), tenant
// switch latency and how soon an edit from outside shows, for Tenantdesk with 1,000 tenants against a minimal Tauri window built
// with the same toolchain, measured in the same run. Run with `bash bench/app.sh`.
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Session, freePort, waitForDriver } from "../tests/e2e/webdriver.mjs";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const profile = process.env.PROFILE ?? "debug";
// TARGET_DIR: a release build outside the checkout (scripts/package.sh's); TENANTDESK_APP: another
// build of the app, e.g. one without the demo (bench/release.sh).
const target = process.env.TARGET_DIR ?? path.join(repo, "target");
const tenantdesk = process.env.TENANTDESK_APP ?? path.join(target, `${profile}/tenantdesk-app`);
const hello = path.join(target, `${profile}/tenantdesk-bench-hello`);
const RUNS = Number(process.env.RUNS ?? 3);
const TENANTS = 1000;

function project() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "tenantdesk-bench-"));
  const state = path.join(root, ".systemprompt");
  fs.mkdirSync(path.join(state, "sessions"), { recursive: true });
  const tenants = Array.from({ length: TENANTS }, (_, i) =>
    i % 4 === 0
      ? { id: `${i.toString(16).padStart(8, "0")}-9a64-49bc-98be-db976fc84e76`, name: `cloud-${i}`, region: "iad", tenant_type: "cloud", external_db_access: false }
      : { id: `local_${i}`, name: `local-${i}`, database_url: `postgres://u:***@localhost:${5432 + (i % 50)}/db`, tenant_type: "local", external_db_access: false },
  );
  fs.writeFileSync(path.join(state, "tenants.json"), JSON.stringify({ tenants, synced_at: "2026-01-30T10:00:00Z" }, null, 2));
  fs.writeFileSync(path.join(state, "sessions/index.json"), JSON.stringify({ version: 1, sessions: {}, active_key: "tenant_local_1" }));
  return root;
}

/** Resident memory of a process and all its descendants (WebKit runs the page in child processes). */
function treeRss(binary) {
  const procs = fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map((pid) => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const exe = fs.readlinkSync(`/proc/${pid}/exe`);
      const rss = Number(fs.readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)?.[1] ?? 0);
      return { pid: Number(pid), ppid, exe, rss };
    } catch {
      return null;
    }
  }).filter(Boolean);
  const root = procs.find((p) => p.exe === binary);
  if (!root) return 0;
  const tree = new Set([root.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) if (tree.has(p.ppid) && !tree.has(p.pid)) { tree.add(p.pid); grew = true; }
  }
  return procs.filter((p) => tree.has(p.pid)).reduce((s, p) => s + p.rss, 0) / 1024;
}

async function measure(base, binary, args, ready) {
  const started = performance.now();
  const session = await Session.start(base, binary, args);
  for (;;) {
    if (await session.execute(ready).catch(() => false)) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const startup = performance.now() - started;
  await new Promise((r) => setTimeout(r, 3000));
  const rss = treeRss(binary);
  return { session, startup, rss };
}

/** Another program adds a tenant to tenants.json: wall-clock ms from the write to the window
 * showing it (an observer in the page reports when; the file is then put back). */
async function outsideEdit(session) {
  const file = path.join(dir, ".systemprompt/tenants.json");
  const before = fs.readFileSync(file, "utf8");
  const registry = JSON.parse(before);
  registry.tenants.push({ id: "local_outside", name: "added-outside", tenant_type: "local", external_db_access: false });
  const seen = session.cmd("POST", "/execute/async", {
    script: `
      const done = arguments[arguments.length - 1];
      const bar = document.querySelector('.toolbar');
      new MutationObserver((_, obs) => {
        if (bar.textContent.replace(/,/g, '').includes('${TENANTS + 1} tenants')) { obs.disconnect(); done(Date.now()); }
      }).observe(bar, { childList: true, characterData: true, subtree: true });`,
    args: [],
  }, 30_000);
  await new Promise((r) => setTimeout(r, 300));
  const written = Date.now();
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(registry, null, 2));
  fs.renameSync(`${file}.tmp`, file);
  const shown = await seen;
  fs.writeFileSync(`${file}.tmp`, before);
  fs.renameSync(`${file}.tmp`, file);
  await new Promise((r) => setTimeout(r, 1500));
  return shown - written;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = project();
const config = fs.mkdtempSync(path.join(os.tmpdir(), "tenantdesk-bench-config-"));
const port = await freePort();
const driver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(await freePort())], {
  env: { ...process.env, TENANTDESK_CONFIG_DIR: config },
  stdio: "ignore",
});
const base = `http://127.0.0.1:${port}`;
try {
  await waitForDriver(base);
  const results = { hello: [], tenantdesk: [], switch: [], outside: [] };
  for (let run = 0; run < RUNS; run++) {
    const h = await measure(base, hello, [], "return !!document.getElementById('hello')");
    results.hello.push(h);
    await h.session.end();
    const t = await measure(base, tenantdesk, [dir], `return document.querySelectorAll('[data-testid="tenant-row"]').length > 0 && document.querySelector('.toolbar')?.textContent.replace(/,/g, '').includes('${TENANTS} tenants')`);
    results.tenantdesk.push(t);
    // Click → command → files written → overview re-read → window updated, timed in the page.
    const n = 5 + run * 2; // local tenants have ids not divisible by 4
    const target = `local_${n}`;
    const ms = await t.session.cmd("POST", "/execute/async", {
      script: `
        const done = arguments[arguments.length - 1];
        const banner = document.querySelector('[data-testid="banner-tenant"]');
        document.querySelector('[data-tenant-id="${target}"]').click();
        setTimeout(() => {
          const start = performance.now();
          new MutationObserver((_, obs) => {
            if (banner.textContent === "local-${n}") { obs.disconnect(); done(performance.now() - start); }
          }).observe(banner, { childList: true, characterData: true, subtree: true });
          document.querySelector('[data-testid="select-tenant"]').click();
        }, 300);`,
      args: [],
    }, 30_000);
    results.switch.push(ms);
    results.outside.push(await outsideEdit(t.session));
    await t.session.end();
  }
  const hs = median(results.hello.map((r) => r.startup));
  const ts = median(results.tenantdesk.map((r) => r.startup));
  const hm = median(results.hello.map((r) => r.rss));
  const tm = median(results.tenantdesk.map((r) => r.rss));
  console.log(`runs: ${RUNS}, tenants: ${TENANTS} (medians)`);
  console.log(`start to first render: hello ${hs.toFixed(0)} ms, tenantdesk ${ts.toFixed(0)} ms, ratio ${(ts / hs).toFixed(2)}x`);
  console.log(`idle resident memory:  hello ${hm.toFixed(1)} MiB, tenantdesk ${tm.toFixed(1)} MiB, ratio ${(tm / hm).toFixed(2)}x`);
  console.log(`tenant switch (click to window updated): ${median(results.switch).toFixed(1)} ms`);
  console.log(`outside edit (tenants.json written to window updated): ${median(results.outside).toFixed(0)} ms`);
} finally {
  driver.kill("SIGTERM");
  try { execFileSync("pkill", ["-f", "WebKitWebDriver"]); } catch {}
  fs.rmSync(dir, { recursive: true, force: true });
}
