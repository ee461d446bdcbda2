// How soon the window shows a local tenant's database going down when another program stops its
// container: from `docker stop` to the tenant's dot turning unhealthy in the page, against the
// engine's own notice of it (`docker events` reporting the container's `die`) in the same run.
// Run with `bash bench/health.sh`.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, launch, quit, removeContainer } from "../tests/e2e/webdriver.mjs";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const app = path.join(repo, "target/debug/tenantdesk-app");
const cli = path.join(repo, "target/debug/tenantdesk");
const RUNS = Number(process.env.RUNS ?? 5);
const container = `td-bench-health-${process.pid}`;
const env = { TENANTDESK_SHARED_CONTAINER: container, TENANTDESK_POSTGRES_PORT: String(await freePort()) };
const project = fs.mkdtempSync(path.join(os.tmpdir(), "tenantdesk-bench-health-"));
const config = fs.mkdtempSync(path.join(os.tmpdir(), "tenantdesk-bench-config-"));

function run(cmd, args) {
  const r = spawnSync(cmd, args, { env: { ...process.env, ...env }, cwd: project });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.toString();
}

/** Ms from now until `docker events` reports the container's `die` (the engine's own notice). */
function engineNotice() {
  const events = spawn("docker", ["events", "--filter", `container=${container}`, "--filter", "event=die", "--format", "{{.Action}}"]);
  return {
    ready: new Promise((r) => setTimeout(r, 300)),
    died: new Promise((resolve) => events.stdout.once("data", () => { resolve(Date.now()); events.kill(); })),
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
let handle;
try {
  run(cli, ["init", "."]);
  run(cli, ["cloud", "tenant", "create", "--type", "local", "--name", "watched"]);
  const id = JSON.parse(run(cli, ["--json", "cloud", "tenant", "list", "--offline"])).tenants[0].id;
  handle = await launch(app, [project], { ...env, TENANTDESK_CONFIG_DIR: config });
  const { session } = handle;
  const dot = (state) => `[data-tenant-id="${id}"] [data-health="${state}"]`;
  const results = { engine: [], window: [] };
  for (let i = 0; i < RUNS; i++) {
    await session.waitFor(dot("healthy"), { timeout: 60_000 });
    const notice = engineNotice();
    await notice.ready;
    const shown = session.cmd("POST", "/execute/async", {
      script: `
        const done = arguments[arguments.length - 1];
        const look = () => document.querySelector('${dot("unhealthy")}') ? done(Date.now()) : requestAnimationFrame(look);
        look();`,
      args: [],
    }, 60_000);
    const stopped = Date.now();
    run("docker", ["stop", "-t", "0", container]);
    results.engine.push((await notice.died) - stopped);
    results.window.push((await shown) - stopped);
    run("docker", ["start", container]);
  }
  const e = median(results.engine);
  const w = median(results.window);
  console.log(`runs: ${RUNS} (medians)`);
  console.log(`docker stop → engine's die event: ${e} ms`);
  console.log(`docker stop → window shows the tenant unhealthy: ${w} ms (ratio ${(w / e).toFixed(2)}x)`);
} finally {
  if (handle) await quit(handle, app);
  await removeContainer(container);
  fs.rmSync(project, { recursive: true, force: true });
  fs.rmSync(config, { recursive: true, force: true });
}
