//! Reading many keychain entries at once (`SecretStore::get_many`, what `doctor` does for a
//! container's tenants) against a baseline in the same run: the same entries read one by one
//! through keyring. KEYCHAIN_ENTRIES (default 2,000) entries are written first, under a service of
//! the bench's own, and removed after; half the keys read are absent, like `doctor`'s rotation
//! journals.
//!
//! Needs a keychain session; run with `bash bench/keychain.sh`. Figures go in bench/README.md.

use std::time::Instant;

use tenantdesk_core::keychain::{Keychain, SecretKey, SecretKind, SecretStore};
use tenantdesk_core::secret::Secret;

fn main() {
    let count: usize = std::env::var("KEYCHAIN_ENTRIES").ok().and_then(|n| n.parse().ok()).unwrap_or(2000);
    let keychain = Keychain::with_service(&format!("tenantdesk-bench-{}", std::process::id()));
    let stored: Vec<SecretKey> = (0..count).map(|i| SecretKey::new(format!("bench/{i}"), SecretKind::DatabasePassword)).collect();
    let absent: Vec<SecretKey> = (0..count).map(|i| SecretKey::new(format!("bench/{i}"), SecretKind::PendingDatabasePassword)).collect();
    let seeding = Instant::now();
    for (i, key) in stored.iter().enumerate() {
        keychain.set(key, &Secret::new(format!("value-{i}"))).expect("set");
    }
    eprintln!("wrote {count} entries in {:.0} s", seeding.elapsed().as_secs_f64());
    let keys: Vec<SecretKey> = stored.iter().zip(&absent).flat_map(|(s, a)| [a.clone(), s.clone()]).collect();

    let t = Instant::now();
    let at_once = keychain.get_many(&keys).expect("get_many");
    let many = t.elapsed();
    assert!(at_once.iter().step_by(2).all(Option::is_none) && at_once.iter().skip(1).step_by(2).all(Option::is_some), "get_many read the wrong entries");

    let t = Instant::now();
    for key in &keys {
        keychain.get(key).expect("get");
    }
    let one_by_one = t.elapsed();

    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    println!("{} keys ({count} stored, {count} absent)", keys.len());
    println!("get_many: {:.0} ms; one by one through keyring: {:.0} ms; ratio {:.3}x", ms(many), ms(one_by_one), ms(many) / ms(one_by_one));
    for key in &stored {
        let _ = keychain.delete(key);
    }
}
