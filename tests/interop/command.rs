//! The command line both oracles share: `load DIR` prints what the real crates saw in
//! `DIR/.systemprompt/` as JSON; `write DIR` writes a project with the real crates. Included by
//! each oracle with `#[path]`: they are separate workspaces (one per SystemPrompt version).

use std::path::Path;

use serde_json::Value;

pub fn run(name: &str, load: fn(&Path) -> Value, write: fn(&Path, &Path) -> Result<(), String>) {
    let args: Vec<String> = std::env::args().collect();
    let (Some(command), Some(dir)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: {name} load|write DIR");
        std::process::exit(2);
    };
    let state = Path::new(dir).join(".systemprompt");
    match command.as_str() {
        "load" => println!("{}", serde_json::to_string_pretty(&load(&state)).unwrap_or_default()),
        "write" => {
            if let Err(e) = write(Path::new(dir), &state) {
                eprintln!("{e}");
                std::process::exit(1);
            }
        }
        other => {
            eprintln!("unknown command {other}");
            std::process::exit(2);
        }
    }
}
