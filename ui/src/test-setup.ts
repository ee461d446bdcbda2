import { webcrypto } from "node:crypto";

// Tauri's IPC mocks draw callback ids from WebCrypto, which jsdom does not provide.
if (!globalThis.crypto?.getRandomValues) {
  Object.defineProperty(globalThis, "crypto", { value: webcrypto });
}
Object.defineProperty(window, "crypto", { value: webcrypto, configurable: true });
