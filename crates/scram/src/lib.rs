//! SCRAM-SHA-256 as PostgreSQL stores a role's password (RFC 5802/7677):
//! `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, made from a password, and a
//! password matched against a stored one — what a login proves, without a connection.
//!
//! A crate of its own for one reason: the dev profile optimises it (the workspace's
//! `[profile.dev.package.tenantdesk-scram]`), as it does sha2. `doctor` matches a thousand
//! passwords at 4,096 PBKDF2 rounds each; the rounds' glue compiled unoptimised with the rest of
//! core cost 3.3 ms a password, most of it outside SHA-256 itself. Generic code (the `hmac` and
//! `pbkdf2` crates' types) is compiled in the crate that uses it, so optimising those crates
//! would not have helped; a non-generic function here is compiled once, optimised.

use base64::{Engine, engine::general_purpose::STANDARD};

/// PostgreSQL's stored form of `password` with this salt and iteration count.
pub fn verifier(password: &str, salt: &[u8], iterations: u32) -> String {
    let (stored_key, server_key) = scram_keys(password.as_bytes(), salt, iterations);
    format!("SCRAM-SHA-256${iterations}:{}${}:{}", STANDARD.encode(salt), STANDARD.encode(stored_key), STANDARD.encode(server_key))
}

/// Whether `password` is the one a role's stored SCRAM-SHA-256 verifier was made from. Any other
/// form of stored password (md5, none, malformed) is not a match.
pub fn matches(verifier: &str, password: &str) -> bool {
    let parse = || {
        let rest = verifier.strip_prefix("SCRAM-SHA-256$")?;
        let (params, keys) = rest.split_once('$')?;
        let (iterations, salt) = params.split_once(':')?;
        let (stored, server) = keys.split_once(':')?;
        Some((iterations.parse::<u32>().ok().filter(|i| (1..=10_000_000).contains(i))?, STANDARD.decode(salt).ok()?, STANDARD.decode(stored).ok()?, STANDARD.decode(server).ok()?))
    };
    let Some((iterations, salt, stored, server)) = parse() else { return false };
    let (stored_key, server_key) = scram_keys(password.as_bytes(), &salt, iterations);
    stored == stored_key && server == server_key
}

/// StoredKey and ServerKey for a password, salt and iteration count.
fn scram_keys(key: &[u8], salt: &[u8], iterations: u32) -> ([u8; 32], [u8; 32]) {
    use hmac::{Hmac, Mac};
    use sha2::{Digest, Sha256};
    let mac = |key: &[u8], parts: &[&[u8]]| {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
        parts.iter().for_each(|p| m.update(p));
        <[u8; 32]>::from(m.finalize().into_bytes())
    };
    // PBKDF2-HMAC-SHA256 for one block: U1 = HMAC(p, salt ‖ 1), Un = HMAC(p, Un-1), XORed.
    let rounds = Pads::new(key);
    // The rounds work on digests as SHA-256's eight words, never as bytes.
    let first = mac(key, &[salt, &1u32.to_be_bytes()]);
    let mut u = [0u32; 8];
    for i in 0..8 {
        u[i] = u32::from_be_bytes([first[4 * i], first[4 * i + 1], first[4 * i + 2], first[4 * i + 3]]);
    }
    let mut xored = u;
    for _ in 1..iterations {
        u = rounds.mac(&u);
        for i in 0..8 {
            xored[i] ^= u[i];
        }
    }
    let mut salted = [0u8; 32];
    for i in 0..8 {
        salted[4 * i..4 * i + 4].copy_from_slice(&xored[i].to_be_bytes());
    }
    (Sha256::digest(mac(&salted, &[b"Client Key"])).into(), mac(&salted, &[b"Server Key"]))
}

/// HMAC-SHA-256 with its key's two pad blocks hashed once, for PBKDF2's rounds: each is then two
/// SHA-256 compressions and nothing else.
struct Pads {
    inner: [u32; 8],
    outer: [u32; 8],
}

impl Pads {
    const IV: [u32; 8] = [0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19];

    fn new(key: &[u8]) -> Self {
        use sha2::{Digest, Sha256};
        let mut block = [0u8; 64];
        if key.len() > 64 {
            block[..32].copy_from_slice(&Sha256::digest(key));
        } else {
            block[..key.len()].copy_from_slice(key);
        }
        let pad = |byte: u8| {
            let mut state = Self::IV;
            sha2::compress256(&mut state, &[block.map(|b| b ^ byte).into()]);
            state
        };
        Self { inner: pad(0x36), outer: pad(0x5c) }
    }

    /// HMAC of a digest (as words).
    fn mac(&self, message: &[u32; 8]) -> [u32; 8] {
        Self::last_block(self.outer, &Self::last_block(self.inner, message))
    }

    /// The state after one 64-byte block already hashed, then a 32-byte message and its padding.
    fn last_block(mut state: [u32; 8], message: &[u32; 8]) -> [u32; 8] {
        let mut block = [0u8; 64];
        for i in 0..8 {
            block[4 * i..4 * i + 4].copy_from_slice(&message[i].to_be_bytes());
        }
        block[32] = 0x80;
        // The length in bits, (64 + 32) * 8 = 0x300, big-endian at the end.
        block[62] = 0x03;
        sha2::compress256(&mut state, &[block.into()]);
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected from Python's hashlib (PBKDF2-HMAC-SHA256, 4096 rounds) for the same input.
    const PENCIL: &str = "SCRAM-SHA-256$4096:AAECAwQFBgcICQoLDA0ODw==$zHCdol2044/ZyWzPLi7oxApCkamKw9Z+E4U/QApd/5Y=:dd5peBOitVnLNFu7VmwP+HiDaaw4OUCv396eVCWhYiE=";

    #[test]
    fn a_verifier_is_what_postgresql_stores() {
        assert_eq!(verifier("pencil", &(0u8..16).collect::<Vec<_>>(), 4096), PENCIL);
    }

    #[test]
    fn a_password_is_matched_against_a_stored_verifier() {
        assert!(matches(PENCIL, "pencil"));
        assert!(!matches(PENCIL, "pencil2"));
        let long = "p".repeat(100);
        assert!(matches(&verifier(&long, b"salt", 10), &long), "a key longer than a block is hashed first");
        for other in ["md5d41d8cd98f00b204e9800998ecf8427e", "", "SCRAM-SHA-256$x:y$z:w", "SCRAM-SHA-256$0:AAEC$AA==:AA=="] {
            assert!(!matches(other, "pencil"), "{other}");
        }
    }
}
