// The project the WebDriver tests open: tenants.json, two profiles and a sessions index from
// tests/fixtures, in a fresh temporary folder.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures");

export function seedProject() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "tenantdesk-e2e-"));
  const state = path.join(root, ".systemprompt");
  for (const sub of ["profiles/local", "profiles/staging", "sessions"]) fs.mkdirSync(path.join(state, sub), { recursive: true });
  fs.copyFileSync(path.join(fixtures, "registry/seed.json"), path.join(state, "tenants.json"));
  fs.copyFileSync(path.join(fixtures, "profiles/seed.yaml"), path.join(state, "profiles/local/profile.yaml"));
  fs.copyFileSync(path.join(fixtures, "profiles/cli-current.yaml"), path.join(state, "profiles/staging/profile.yaml"));
  fs.copyFileSync(path.join(fixtures, "sessions/index.json"), path.join(state, "sessions/index.json"));
  return root;
}
