//! The smallest Tauri window: one static page. The app benchmark compares Tenantdesk against it.
fn main() {
    if let Err(error) = tauri::Builder::default().run(tauri::generate_context!()) {
        eprintln!("hello window failed: {error}");
    }
}
