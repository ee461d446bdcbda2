// Makes an element behave as a modal dialog: it takes focus when it opens (its autofocus control,
// else its first control), keeps Tab and Shift+Tab inside it, closes on Escape, and gives focus
// back to what had it before when it goes.

const FOCUSABLE = 'button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), summary, a[href], [tabindex]:not([tabindex="-1"])';

function controls(root: HTMLElement): HTMLElement[] {
  // Not what is hidden: inside a [hidden] element or a closed <details> (its summary excepted).
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => !el.closest("[hidden], details:not([open]) > :not(summary)"));
}

/** `use:modal={onclose}`: `onclose` runs on Escape (pass `null` while the dialog must stay). */
export function modal(root: HTMLElement, onclose: (() => void) | null) {
  let close = onclose;
  const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const first = root.querySelector<HTMLElement>("[autofocus]") ?? controls(root)[0];
  first?.focus();

  function keydown(e: KeyboardEvent) {
    if (e.key === "Escape") {
      e.stopPropagation();
      e.preventDefault();
      close?.();
    } else if (e.key === "Tab" || e.code === "Tab") {
      // WebKitGTK reports Shift+Tab (GTK's ISO_Left_Tab) as key "Unidentified", code "Tab".
      const all = controls(root);
      if (all.length === 0) return;
      const at = all.indexOf(document.activeElement as HTMLElement);
      const next = e.shiftKey ? (at <= 0 ? all.length - 1 : at - 1) : at === all.length - 1 ? 0 : at + 1;
      e.preventDefault();
      all[next].focus();
    }
  }
  root.addEventListener("keydown", keydown);
  return {
    update(next: (() => void) | null) {
      close = next;
    },
    destroy() {
      root.removeEventListener("keydown", keydown);
      if (before?.isConnected) before.focus();
    },
  };
}
