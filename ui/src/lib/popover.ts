// Popovers under a button. They are fixed-positioned because the detail pane scrolls, and a
// scrolling pane clips anything absolutely positioned that sticks out of it.

/** The style that puts a `width`-wide popover under `anchor`, right-aligned with it and kept
 * inside the window. */
export function below(anchor: Element, width: number): string {
  const r = anchor.getBoundingClientRect();
  const left = Math.max(8, Math.min(r.right - width, window.innerWidth - width - 8));
  return `top: ${r.bottom + 4}px; left: ${left}px; width: ${width}px`;
}

/** Closes a `<details>` popover on Escape, giving focus back to its summary. */
export function closeOnEscape(e: KeyboardEvent) {
  const details = e.currentTarget as HTMLDetailsElement;
  if (e.key === "Escape" && details.open) {
    e.stopPropagation();
    details.open = false;
    details.querySelector("summary")?.focus();
  }
}
