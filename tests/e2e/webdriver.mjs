// A minimal W3C WebDriver client over fetch, enough to drive the real app through tauri-driver.
// Every call has a timeout: a WebDriver request to a webview that failed to start hangs forever.

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  static async start(base, application, args = []) {
    const body = { capabilities: { alwaysMatch: { "tauri:options": { application, args } } } };
    const res = await call(base, "POST", "/session", body, 60_000);
    return new Session(base, res.sessionId);
  }

  cmd(method, path, body, timeout) {
    return call(this.base, method, `/session/${this.id}${path}`, body, timeout);
  }

  async find(css) {
    const el = await this.cmd("POST", "/element", { using: "css selector", value: css });
    // The driver's key for an element reference, to hand one back to a script.
    this.elementKey = Object.keys(el)[0];
    return Object.values(el)[0];
  }

  async findAll(css) {
    const els = await this.cmd("POST", "/elements", { using: "css selector", value: css });
    if (els.length) this.elementKey = Object.keys(els[0])[0];
    return els.map((e) => Object.values(e)[0]);
  }

  /** Waits until `css` matches `count` elements (or at least one), polling the DOM. */
  async waitFor(css, { count, timeout = 10_000, text } = {}) {
    const until = Date.now() + timeout;
    let last = [];
    while (Date.now() < until) {
      last = await this.findAll(css).catch(() => []);
      const okCount = count === undefined ? last.length > 0 : last.length === count;
      // An element re-rendered between the find and the read is stale: look again.
      if (okCount && (text === undefined || (await this.textsOf(css).catch(() => [])).some((t) => t.includes(text)))) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    // What the window said instead, if it said something: a timeout alone hides the cause.
    const said = await this.textsOf('[data-testid="error-message"], [data-testid="toast"]').catch(() => []);
    const shown = said.length ? `; the window shows: ${said.map((t) => JSON.stringify(t)).join(", ")}` : "";
    throw new Error(`timed out waiting for ${css} (count ${count ?? ">0"}, text ${text ?? "any"}); last saw ${last.length}${shown}`);
  }

  async textsOf(css) {
    const els = await this.findAll(css);
    return Promise.all(els.map((e) => this.text(e)));
  }

  text(el) {
    return this.cmd("GET", `/element/${el}/text`);
  }

  attribute(el, name) {
    return this.cmd("GET", `/element/${el}/attribute/${name}`);
  }

  click(el) {
    return this.cmd("POST", `/element/${el}/click`, {});
  }

  async type(el, text) {
    // WebKitWebDriver's own scrolling leaves a field at the bottom edge of a nested scroller (the
    // tenant dashboard) where its in-view check fails: the field is brought to the middle first.
    await this.cmd("POST", "/execute/sync", { script: "arguments[0].scrollIntoView({ block: 'center' })", args: [{ [this.elementKey]: el }] });
    await this.cmd("POST", `/element/${el}/clear`, {});
    return this.cmd("POST", `/element/${el}/value`, { text });
  }

  /** Types `text` (WebDriver key codes too, e.g. "\uE00C" for Escape) into the focused element. */
  async keys(text) {
    const active = Object.values(await this.cmd("GET", "/element/active"))[0];
    return this.cmd("POST", `/element/${active}/value`, { text });
  }

  /** The page's HTML: for leak checks over everything the window holds. */
  source() {
    return this.cmd("GET", "/source");
  }

  execute(script, args = []) {
    return this.cmd("POST", "/execute/sync", { script, args });
  }

  /** Runs `script`, which calls its last argument with the result (a promise's, say). */
  executeAsync(script, args = []) {
    return this.cmd("POST", "/execute/async", { script, args });
  }

  async screenshot() {
    return Buffer.from(await this.cmd("GET", "/screenshot"), "base64");
  }

  end() {
    return this.cmd("DELETE", "", undefined, 10_000).catch(() => {});
  }
}

async function call(base, method, path, body, timeout = 15_000) {
  const res = await fetch(base + path, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeout),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok || json.value?.error) {
    throw new Error(`${method} ${path} failed (${res.status}): ${JSON.stringify(json.value ?? json)}`);
  }
  return json.value;
}

export async function waitForDriver(base, timeout = 20_000) {
  const until = Date.now() + timeout;
  while (Date.now() < until) {
    try {
      const res = await fetch(`${base}/status`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`tauri-driver did not answer on ${base}`);
}

/** Starts tauri-driver on free ports with `env` and a session of `application` with `args`. */
export async function launch(application, args, env) {
  const { spawn } = await import("node:child_process");
  const port = await freePort();
  const native = await freePort();
  const driver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(native)], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitForDriver(base);
    const session = await Session.start(base, application, args);
    return { driver, session };
  } catch (e) {
    // A driver left running keeps the test file's process alive, and the whole suite waits on it.
    await quit({ driver }, application);
    throw e;
  }
}

/** A free port outside the kernel's ephemeral range (32768–60999): a port found by listening on
 * port 0 is an ephemeral one, and an outgoing connection's source port can take it before the
 * container or driver binds it. */
let nextPort = 20000 + ((process.pid * 97) % 12000);
export async function freePort() {
  const net = await import("node:net");
  for (let tries = 0; tries < 12000; tries++) {
    const port = nextPort;
    nextPort = 20000 + ((nextPort - 20000 + 13) % 12000);
    const free = await new Promise((resolve) => {
      const srv = net.createServer();
      srv.once("error", () => resolve(false));
      srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error("no free port between 20000 and 32000");
}

/** Starts a real notification server (dunst, on the test's X display) and records every
 * `Notify` call on the session bus (dbus-monitor), to check the app's native notifications:
 * `text()` is what was recorded so far. */
export async function watchNotifications() {
  const { spawn } = await import("node:child_process");
  const server = spawn("dunst", [], { stdio: "ignore" });
  const monitor = spawn("dbus-monitor", ["--session", "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let recorded = "";
  monitor.stdout.on("data", (chunk) => (recorded += chunk));
  // dbus-monitor prints its own name acquisition first; after that it is listening.
  for (let i = 0; i < 50 && !recorded; i++) await new Promise((r) => setTimeout(r, 100));
  return {
    text: () => recorded,
    stop: () => {
      monitor.kill("SIGTERM");
      server.kill("SIGTERM");
    },
  };
}

/** Ends a `launch`: the session, tauri-driver, and the app itself (tauri-driver does not always
 * stop it, and a second app would then only focus this one: single instance). */
export async function quit({ driver, session }, application) {
  const { spawnSync } = await import("node:child_process");
  // The app may be gone already (a test that closed it); its driver still has to go.
  await session?.end().catch(() => {});
  driver?.kill("SIGTERM");
  spawnSync("pkill", ["-f", application]);
}

/** Removes a container made by a test and its volume. */
export async function removeContainer(name) {
  const { spawnSync } = await import("node:child_process");
  spawnSync("docker", ["rm", "-f", "-v", name]);
  spawnSync("docker", ["volume", "rm", "-f", `${name}-data`]);
}
