//! Client-side encryption of state and saved plans (AES-256-GCM), as OpenTofu offers.
//!
//! With a key configured (`QUIKINFRA_STATE_KEY`: 32 bytes as 64 hex digits or base64), every
//! state document and saved plan is written as an envelope: the few header fields a backend
//! needs for its guarded writes (format version, environment, lineage, serial) stay readable
//! and are authenticated, the rest is sealed. Without the key an encrypted file gives a clear
//! error and is left untouched; with it, plaintext files still read, so turning encryption on
//! needs no migration step (the next write encrypts).

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The environment variable holding the key.
pub const KEY_ENV: &str = "QUIKINFRA_STATE_KEY";

const ALGORITHM: &str = "AES-256-GCM";

/// A key for sealing and opening documents.
#[derive(Clone)]
pub struct Cipher {
    key: [u8; 32],
    key_id: String,
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cipher").field("key_id", &self.key_id).finish_non_exhaustive()
    }
}

/// What sealing a document adds to it: everything but the header, encrypted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    /// Always `AES-256-GCM`.
    pub algorithm: String,
    /// Which key sealed it: the first 16 hex digits of the key's SHA-256, never the key.
    pub key_id: String,
    /// The 96-bit nonce, base64.
    pub nonce: String,
    /// The sealed document, base64.
    pub ciphertext: String,
}

/// Why a document could not be opened.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptError {
    /// The key text is not 32 bytes in hex or base64.
    #[error("{KEY_ENV} must be 32 bytes as 64 hex digits or base64")]
    BadKey,
    /// The document is sealed and no key is configured.
    #[error("it is encrypted (key id {0}); set {KEY_ENV} to its key")]
    NoKey(String),
    /// The document was sealed with another key.
    #[error("it was encrypted with key id {sealed_with}, but {KEY_ENV} holds key id {configured}")]
    WrongKey {
        /// The key that sealed it.
        sealed_with: String,
        /// The key configured.
        configured: String,
    },
    /// The ciphertext or its header was altered, or is malformed.
    #[error("its encrypted content is damaged or was tampered with")]
    Damaged,
}

impl Cipher {
    /// A cipher from key text: 64 hex digits or base64 of 32 bytes.
    pub fn from_key_text(text: &str) -> Result<Self, CryptError> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit()) {
            (0..32).map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16)).collect::<Result<Vec<u8>, _>>().ok()
        } else {
            BASE64.decode(text).ok()
        };
        let key: [u8; 32] = bytes.and_then(|b| b.try_into().ok()).ok_or(CryptError::BadKey)?;
        let key_id = Sha256::digest(key).iter().take(8).map(|b| format!("{b:02x}")).collect();
        Ok(Self { key, key_id })
    }

    /// The cipher configured in [`KEY_ENV`], if any.
    pub fn from_env() -> Result<Option<Self>, CryptError> {
        match std::env::var(KEY_ENV) {
            Ok(text) if !text.trim().is_empty() => Self::from_key_text(&text).map(Some),
            _ => Ok(None),
        }
    }

    /// The key's id, safe to show.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    fn aad(purpose: &str, header: &str) -> Vec<u8> {
        format!("quikinfra-{purpose}-v1\0{header}").into_bytes()
    }

    /// Seals `plaintext`, binding it to its `purpose` (`state`, `plan`) and its clear `header`.
    pub fn seal(&self, purpose: &str, header: &str, plaintext: &[u8]) -> Sealed {
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&self.key));
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let aad = Self::aad(purpose, header);
        // Encryption with a valid key and nonce cannot fail for in-memory data.
        let ciphertext = cipher.encrypt(&nonce, Payload { msg: plaintext, aad: &aad }).expect("AES-GCM encrypts");
        Sealed {
            algorithm: ALGORITHM.to_string(),
            key_id: self.key_id.clone(),
            nonce: BASE64.encode(nonce),
            ciphertext: BASE64.encode(ciphertext),
        }
    }

    /// Opens what [`Cipher::seal`] sealed with the same purpose and header.
    pub fn open(&self, purpose: &str, header: &str, sealed: &Sealed) -> Result<Vec<u8>, CryptError> {
        if sealed.key_id != self.key_id {
            return Err(CryptError::WrongKey { sealed_with: sealed.key_id.clone(), configured: self.key_id.clone() });
        }
        let nonce = BASE64.decode(&sealed.nonce).map_err(|_| CryptError::Damaged)?;
        let ciphertext = BASE64.decode(&sealed.ciphertext).map_err(|_| CryptError::Damaged)?;
        if sealed.algorithm != ALGORITHM || nonce.len() != 12 {
            return Err(CryptError::Damaged);
        }
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&self.key));
        let aad = Self::aad(purpose, header);
        cipher
            .decrypt(Nonce::from_slice(&nonce), Payload { msg: &ciphertext, aad: &aad })
            .map_err(|_| CryptError::Damaged)
    }
}

/// Opens a sealed document when a cipher is there, or says what is missing.
pub fn open_with(cipher: Option<&Cipher>, purpose: &str, header: &str, sealed: &Sealed) -> Result<Vec<u8>, CryptError> {
    match cipher {
        Some(c) => c.open(purpose, header, sealed),
        None => Err(CryptError::NoKey(sealed.key_id.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn seals_and_opens_bound_to_purpose_and_header() {
        let c = Cipher::from_key_text(HEX).unwrap();
        let sealed = c.seal("state", "h1", b"secret document");
        assert!(!sealed.ciphertext.contains("secret"));
        assert_eq!(c.open("state", "h1", &sealed).unwrap(), b"secret document");
        assert_eq!(c.open("plan", "h1", &sealed), Err(CryptError::Damaged), "purpose is bound");
        assert_eq!(c.open("state", "h2", &sealed), Err(CryptError::Damaged), "header is bound");
        let mut tampered = sealed.clone();
        tampered.ciphertext = BASE64.encode(b"garbage garbage garbage");
        assert_eq!(c.open("state", "h1", &tampered), Err(CryptError::Damaged));
    }

    #[test]
    fn keys_are_hex_or_base64_and_identified_without_revealing_them() {
        let hex = Cipher::from_key_text(HEX).unwrap();
        let b64 = Cipher::from_key_text(&BASE64.encode((0u8..32).collect::<Vec<u8>>())).unwrap();
        assert_eq!(hex.key_id(), b64.key_id());
        assert_eq!(hex.key_id().len(), 16);
        assert!(!HEX.contains(hex.key_id()));
        assert_eq!(Cipher::from_key_text("short").unwrap_err(), CryptError::BadKey);
        let other = Cipher::from_key_text(&"ff".repeat(32)).unwrap();
        let sealed = hex.seal("state", "h", b"x");
        assert!(matches!(other.open("state", "h", &sealed), Err(CryptError::WrongKey { .. })));
        assert_eq!(open_with(None, "state", "h", &sealed), Err(CryptError::NoKey(hex.key_id().to_string())));
    }
}
