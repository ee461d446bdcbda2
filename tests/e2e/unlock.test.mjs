// A locked keychain, as a person meets it: the Secret Service's own unlock prompt (gnome-keyring's
// gcr-prompter, a real window under Xvfb) is dismissed, the credentials card says so and offers
// "Unlock keychain", which brings the prompt back; the password typed into it unlocks the keychain
// and the card reads the tenant's secrets again. Only the person at the prompt is replaced
// (window.py types into it). Named to run last: it locks the session's keychain while it runs.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { seedProject } from "./fixtures.mjs";
import { launch, quit } from "./webdriver.mjs";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const app = process.env.TENANTDESK_APP ?? path.join(repo, "target/debug/tenantdesk-app");
const cli = path.join(path.dirname(app), "tenantdesk");
const password = process.env.TENANTDESK_TEST_KEYRING_PASSWORD;
const made = [];

after(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

const LOGIN = "/org/freedesktop/secrets/collection/login";
function secretService(...args) {
  const r = spawnSync("busctl", ["--user", ...args], { encoding: "utf8" });
  assert.equal(r.status, 0, `busctl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}
const locked = () => secretService("get-property", "org.freedesktop.secrets", LOGIN, "org.freedesktop.Secret.Collection", "Locked") === "b true";
function answerPrompt(reply) {
  const r = spawnSync("/usr/bin/python3", [path.join(repo, "tests/e2e/window.py"), "prompt", reply], { encoding: "utf8", timeout: 20_000 });
  assert.equal(r.status, 0, `window.py prompt: ${r.stderr}`);
}

test("a locked keychain offers Unlock keychain where it shows, and the OS prompt it opens unlocks it", { skip: !password && "needs the keychain of scripts/lib.sh's with_keychain" }, async () => {
  const project = seedProject();
  const config = fs.mkdtempSync(path.join(os.tmpdir(), "tenantdesk-config-"));
  made.push(project, config);
  // A tenant whose password is in the keychain (registered without connecting: no database needed).
  const created = spawnSync(cli, ["cloud", "tenant", "create", "--project", project, "--name", "kept", "--database-url", "postgres://u:pw-in-keychain@127.0.0.1:5999/db", "--no-verify"], { encoding: "utf8", env: { ...process.env, TENANTDESK_CONFIG_DIR: config } });
  assert.equal(created.status, 0, created.stderr);
  const id = JSON.parse(fs.readFileSync(path.join(project, ".systemprompt/tenants.json"), "utf8")).tenants.find((t) => t.name === "kept").id;
  const { driver, session } = await launch(app, [project], { TENANTDESK_CONFIG_DIR: config, TENANTDESK_CLOUD_URL: "http://127.0.0.1:9", TENANTDESK_NO_BROWSER: "1" });
  try {
    await session.click(await session.waitFor(`[data-tenant-id="${id}"]`, { timeout: 20_000 }));
    await session.waitFor('[data-testid="secret-row"]', { text: "stored" });
    secretService("call", "org.freedesktop.secrets", "/org/freedesktop/secrets", "org.freedesktop.Secret.Service", "Lock", "ao", "1", LOGIN);
    assert.ok(locked(), "the keychain did not lock");
    // Reading the tenant again meets the lock: the OS prompts, and the person dismisses it.
    await session.click(await session.find('[data-tenant-id="local_19bff27604c"]'));
    await session.click(await session.find(`[data-tenant-id="${id}"]`));
    answerPrompt("--dismiss");
    const [unlock] = await session.waitFor('[data-testid="unlock-keychain"]', { timeout: 15_000 });
    assert.match((await session.textsOf('[data-testid="credentials-problem"]'))[0], /^The OS keychain is not available\n/);
    // The Secret Service's own words, once, folded away under the message.
    assert.match(await session.execute(`return document.querySelector('[data-testid="credentials"] [data-testid="error-detail"]').textContent`), /unlock prompt was dismissed/);
    assert.equal((await session.textsOf('[data-testid="secret-row"]')).length, 0, "secrets listed from a locked keychain");
    fs.mkdirSync(path.join(repo, "tests/artifacts/screens"), { recursive: true });
    fs.writeFileSync(path.join(repo, "tests/artifacts/screens/keychain-locked.png"), await session.screenshot());
    await session.click(unlock);
    answerPrompt(password);
    await session.waitFor('[data-testid="secret-row"]', { text: "stored", timeout: 15_000 });
    await session.waitFor('[data-testid="toast"]', { text: "keychain is unlocked" });
    assert.equal(locked(), false, "the keychain is still locked");
    assert.equal((await session.textsOf('[data-testid="unlock-keychain"]')).length, 0, "the fix stays after the problem went");
  } finally {
    await quit({ driver, session }, app);
  }
});
