"""The app's main window as a window manager sees it, for the WebDriver suite (which has no window
manager under Xvfb).

  window.py close   sends the window WM_DELETE_WINDOW: what a window manager does when the user
                    clicks the close button
  window.py state   prints "shown" or "hidden" (the window exists but is unmapped), or "none"

Run with Debian's /usr/bin/python3 and python3-xlib.
"""
import sys

from Xlib import X, display, protocol

TITLE = "Tenantdesk"


def title(d, w):
    prop = w.get_full_property(d.intern_atom("_NET_WM_NAME"), d.intern_atom("UTF8_STRING"))
    return prop.value.decode("utf-8", "replace") if prop else ""


def main_windows(d):
    return [w for w in d.screen().root.query_tree().children if title(d, w).startswith(TITLE)]


def main():
    d = display.Display()
    windows = main_windows(d)
    if sys.argv[1:] == ["state"]:
        states = {w.get_attributes().map_state for w in windows}
        print("none" if not windows else "shown" if X.IsViewable in states else "hidden")
    elif sys.argv[1:] == ["close"]:
        if not windows:
            sys.exit("no Tenantdesk window")
        protocols, delete = d.intern_atom("WM_PROTOCOLS"), d.intern_atom("WM_DELETE_WINDOW")
        for w in windows:
            event = protocol.event.ClientMessage(window=w, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0]))
            w.send_event(event, event_mask=X.NoEventMask)
        d.flush()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
