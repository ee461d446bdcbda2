//! Opening the user's terminal emulator in a tenant: found the way desktops find it, started in
//! the project folder with the tenant's environment and a shell whose prompt names the tenant in
//! its colour. The environment goes to the new process only; the files written here (the shells'
//! start-up files) hold no value, only the code that reads the marker from the environment.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::appearance::Appearance;
use crate::error::{Error, Result};
use crate::secret::Secret;

/// Terminal emulators looked for when the desktop names none, most specific first.
const KNOWN: [&str; 10] = ["gnome-terminal", "konsole", "xfce4-terminal", "kitty", "alacritty", "foot", "wezterm", "tilix", "terminator", "xterm"];

/// A terminal emulator and how it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Emulator {
    /// The command line that starts it (program first).
    pub command: Vec<String>,
    /// Where it came from, in words: "your setting", "$TERMINAL", "x-terminal-emulator", …
    pub found_by: String,
}

/// The terminal to use: the user's setting, else `$TERMINAL`, else the freedesktop
/// `xdg-terminal-exec`, Debian's `x-terminal-emulator`, GNOME's default, then well-known ones.
pub fn find(setting: Option<&str>) -> Result<Emulator> {
    let words = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    if let Some(setting) = setting.filter(|s| !s.trim().is_empty()) {
        return Ok(Emulator { command: words(setting), found_by: "your setting".to_owned() });
    }
    if let Some(env) = std::env::var("TERMINAL").ok().filter(|s| !s.trim().is_empty()) {
        return Ok(Emulator { command: words(&env), found_by: "$TERMINAL".to_owned() });
    }
    for name in ["xdg-terminal-exec", "x-terminal-emulator"] {
        if on_path(name).is_some() {
            return Ok(Emulator { command: vec![name.to_owned()], found_by: name.to_owned() });
        }
    }
    if let Some(gnome) = gnome_default() {
        return Ok(Emulator { command: vec![gnome], found_by: "GNOME's default terminal".to_owned() });
    }
    for name in KNOWN {
        if on_path(name).is_some() {
            return Ok(Emulator { command: vec![name.to_owned()], found_by: "installed".to_owned() });
        }
    }
    Err(Error::NoTerminal { tried: format!("$TERMINAL, xdg-terminal-exec, x-terminal-emulator, {}", KNOWN.join(", ")) })
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|dir| dir.join(name)).find(|p| p.is_file())
}

fn gnome_default() -> Option<String> {
    on_path("gsettings")?;
    let out = Command::new("gsettings").args(["get", "org.gnome.desktop.default-applications.terminal", "exec"]).stderr(Stdio::null()).output().ok()?;
    let name = String::from_utf8_lossy(&out.stdout).trim().trim_matches('\'').to_owned();
    (out.status.success() && !name.is_empty() && on_path(&name).is_some()).then_some(name)
}

/// What runs inside the terminal: the user's shell, with Tenantdesk's start-up file for bash and
/// zsh (theirs is read first) so the prompt starts with the tenant's marker.
struct Shell {
    argv: Vec<String>,
    env: Vec<(String, String)>,
    /// No start-up file of ours: the marker goes in through PS1.
    plain: bool,
}

fn shell(start_files: &Path) -> Result<Shell> {
    let program = std::env::var("SHELL").ok().filter(|s| !s.is_empty()).unwrap_or_else(|| "/bin/sh".to_owned());
    let name = Path::new(&program).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(match name.as_str() {
        "bash" => {
            let rc = start_files.join("bashrc");
            write_if_changed(&rc, BASHRC)?;
            Shell { argv: vec![program, "--rcfile".to_owned(), rc.display().to_string(), "-i".to_owned()], env: Vec::new(), plain: false }
        }
        "zsh" => {
            let dir = start_files.join("zsh");
            write_if_changed(&dir.join(".zshrc"), ZSHRC)?;
            let original = std::env::var("ZDOTDIR").ok().filter(|s| !s.is_empty()).or_else(|| std::env::var("HOME").ok()).unwrap_or_default();
            Shell { argv: vec![program, "-i".to_owned()], env: vec![("ZDOTDIR".to_owned(), dir.display().to_string()), ("TENANTDESK_ZDOTDIR".to_owned(), original)], plain: false }
        }
        // Other shells get the marker in PS1 and the title, which sh-like shells honour.
        _ => Shell { argv: vec![program], env: Vec::new(), plain: true },
    })
}

const BASHRC: &str = r#"# Written by Tenantdesk for terminals it opens in a tenant; your own ~/.bashrc is read first.
[ -f "$HOME/.bashrc" ] && . "$HOME/.bashrc"
PS1="\[\e[1;38;2;${TENANTDESK_COLOUR}m\]${TENANTDESK_MARKER}\[\e[0m\] ${PS1}"
printf '\033]0;%s\007' "$TENANTDESK_MARKER"
"#;

const ZSHRC: &str = r#"# Written by Tenantdesk for terminals it opens in a tenant; your own .zshrc is read first.
ZDOTDIR="$TENANTDESK_ZDOTDIR"
[ -f "$ZDOTDIR/.zshrc" ] && . "$ZDOTDIR/.zshrc"
PROMPT="%{"$'\e[1;38;2;'"${TENANTDESK_COLOUR}m%}${TENANTDESK_MARKER}%{"$'\e[0m'"%} ${PROMPT}"
printf '\033]0;%s\007' "$TENANTDESK_MARKER"
"#;

fn write_if_changed(path: &Path, text: &str) -> Result<()> {
    if crate::store::read(path)?.as_deref() == Some(text.as_bytes()) {
        return Ok(());
    }
    let lock = crate::store::lock(path)?;
    crate::store::write_atomic(&lock, path, text.as_bytes(), crate::store::PRIVATE)
}

/// The emulator's arguments that run `inner` in `dir` with `title`, in the form each known
/// emulator takes; anything else gets `-e`, which Debian requires of x-terminal-emulator and
/// which most others accept.
fn arguments(program: &str, title: &str, dir: &Path, inner: &[String]) -> Vec<String> {
    let name = Path::new(program).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let dir = dir.display().to_string();
    let mut args: Vec<String> = match name.as_str() {
        "gnome-terminal" | "tilix" => vec![format!("--title={title}"), format!("--working-directory={dir}"), "--".to_owned()],
        "konsole" => vec!["--workdir".to_owned(), dir, "-p".to_owned(), format!("tabtitle={title}"), "-e".to_owned()],
        "kitty" => vec!["--title".to_owned(), title.to_owned(), "--directory".to_owned(), dir],
        "alacritty" => vec!["--title".to_owned(), title.to_owned(), "--working-directory".to_owned(), dir, "-e".to_owned()],
        "foot" => vec![format!("--title={title}"), format!("--working-directory={dir}")],
        "wezterm" => vec!["start".to_owned(), "--cwd".to_owned(), dir, "--".to_owned()],
        "xfce4-terminal" => vec![format!("--title={title}"), format!("--working-directory={dir}"), "-x".to_owned()],
        "xdg-terminal-exec" => vec![],
        "xterm" | "x-terminal-emulator" => vec!["-T".to_owned(), title.to_owned(), "-e".to_owned()],
        _ => vec!["-e".to_owned()],
    };
    args.extend(inner.iter().cloned());
    args
}

/// A terminal to open: where, with what, and what it shows.
pub struct Launch<'a> {
    pub dir: &'a Path,
    pub variables: Vec<(String, Secret)>,
    pub tenant_name: &'a str,
    pub appearance: Appearance,
    /// Where the shells' start-up files go (Tenantdesk's data folder).
    pub start_files: &'a Path,
}

/// Starts the terminal and returns once it is running on its own. A terminal that exits with an
/// error within its first half second (no display, a bad option) is reported; one that is still
/// running, or handed its window to a server and exited cleanly, is left alone — closing it later
/// changes nothing.
pub fn open(emulator: &Emulator, launch: Launch<'_>) -> Result<()> {
    let program = emulator.command.first().ok_or_else(|| Error::NoTerminal { tried: "an empty setting".to_owned() })?;
    let shell = shell(launch.start_files)?;
    let marker = format!("{}{}", launch.appearance.prefix(), launch.tenant_name);
    let (r, g, b) = launch.appearance.colour.rgb();
    let mut cmd = Command::new(program);
    cmd.args(&emulator.command[1..]).args(arguments(program, &marker, launch.dir, &shell.argv)).current_dir(launch.dir);
    for (name, value) in &launch.variables {
        cmd.env(name, value.expose());
    }
    cmd.envs(shell.env).env("TENANTDESK_MARKER", &marker).env("TENANTDESK_COLOUR", format!("{r};{g};{b}"));
    if shell.plain {
        cmd.env("PS1", format!("[{marker}] $ "));
    }
    // What it says on failure goes to a file, not a pipe: a terminal that outlives a closed pipe
    // would die of SIGPIPE the first time it wrote a warning.
    // The folder exists only once a bash or zsh start-up file was written: make it for `sh` too.
    std::fs::create_dir_all(launch.start_files).map_err(Error::io("create", launch.start_files))?;
    let log = launch.start_files.join("terminal.log");
    let log_file = std::fs::File::create(&log).map_err(Error::io("create", &log))?;
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(log_file);
    // Its own process group: a Ctrl-C in the terminal that ran `tenantdesk terminal` does not
    // reach it.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let failed = |reason: String| Error::TerminalFailed { program: program.clone(), reason };
    let mut child = cmd.spawn().map_err(|e| failed(e.to_string()))?;
    let deadline = Instant::now() + Duration::from_millis(500);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().map_err(|e| failed(e.to_string()))? {
            if status.success() {
                return Ok(());
            }
            let said = std::fs::read_to_string(&log).unwrap_or_default();
            let said = said.lines().last().unwrap_or("").trim();
            return Err(failed(if said.is_empty() { format!("it exited with {status}") } else { format!("{said} ({status})") }));
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    // Reaped in the background so a long-lived app leaves no zombie behind.
    std::thread::spawn(move || child.wait());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_known_emulator_gets_the_form_it_takes() {
        let inner = vec!["/bin/bash".to_owned(), "-i".to_owned()];
        let dir = Path::new("/p");
        assert_eq!(arguments("/usr/bin/gnome-terminal", "t", dir, &inner), ["--title=t", "--working-directory=/p", "--", "/bin/bash", "-i"]);
        assert_eq!(arguments("kitty", "t", dir, &inner), ["--title", "t", "--directory", "/p", "/bin/bash", "-i"]);
        assert_eq!(arguments("x-terminal-emulator", "t", dir, &inner), ["-T", "t", "-e", "/bin/bash", "-i"]);
        assert_eq!(arguments("/opt/my-term", "t", dir, &inner), ["-e", "/bin/bash", "-i"]);
    }

    #[test]
    fn the_setting_wins_and_is_split_into_words() {
        let found = find(Some("  xterm -fa Mono ")).expect("setting");
        assert_eq!(found.command, ["xterm", "-fa", "Mono"]);
        assert_eq!(found.found_by, "your setting");
    }
}
