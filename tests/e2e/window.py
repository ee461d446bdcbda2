"""The app's main window as a window manager sees it, for the WebDriver suite (which has no window
manager under Xvfb).

  window.py close   sends the window WM_DELETE_WINDOW: what a window manager does when the user
                    clicks the close button
  window.py state   prints "shown" or "hidden" (the window exists but is unmapped), or "none"
  window.py tray    prints "yes" when an XEmbed system tray (a panel such as trayer) is running
  window.py prompt PASSWORD | --dismiss
                    answers the Secret Service's unlock prompt (gnome-keyring's gcr-prompter) as
                    a person would: types the password and Enter, or presses Escape

Run with Debian's /usr/bin/python3 and python3-xlib.
"""
import sys
import time

from Xlib import X, XK, display, protocol
from Xlib.ext import xtest

# The title names the app after the selected tenant's colour and icon, if any.
TITLE = "Tenantdesk"


def title(d, w):
    prop = w.get_full_property(d.intern_atom("_NET_WM_NAME"), d.intern_atom("UTF8_STRING"))
    return prop.value.decode("utf-8", "replace") if prop else ""


def main_windows(d):
    return [w for w in d.screen().root.query_tree().children if TITLE in title(d, w)]


def prompter(d):
    """The unlock prompt's window, once it is mapped (waits up to 10 s)."""
    def walk(w):
        for c in w.query_tree().children:
            yield c
            yield from walk(c)

    for _ in range(100):
        for w in walk(d.screen().root):
            try:
                cls = w.get_wm_class() or ()
                viewable = w.get_attributes().map_state == X.IsViewable
            except Exception:
                continue
            if "gcr-prompter" in cls and viewable:
                return w
        time.sleep(0.1)
    sys.exit("no unlock prompt appeared")


def answer(d, reply):
    # No window manager gives the prompt focus under Xvfb; a person's click would.
    prompter(d).set_input_focus(X.RevertToParent, X.CurrentTime)
    d.sync()
    time.sleep(0.3)
    keys = ["Escape"] if reply == "--dismiss" else [{"-": "minus"}.get(c, c) for c in reply] + ["Return"]
    for name in keys:
        code = d.keysym_to_keycode(XK.string_to_keysym(name))
        xtest.fake_input(d, X.KeyPress, code)
        xtest.fake_input(d, X.KeyRelease, code)
    d.sync()


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
    elif sys.argv[1:] == ["tray"]:
        owner = d.get_selection_owner(d.intern_atom("_NET_SYSTEM_TRAY_S%d" % d.get_default_screen()))
        print("no" if owner == X.NONE else "yes")
    elif len(sys.argv) == 3 and sys.argv[1] == "prompt":
        answer(d, sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
