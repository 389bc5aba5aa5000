//! The `local` provider: reads and writes files under a root directory, atomically.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use async_trait::async_trait;
use sha2::{Digest, Sha256};

use super::LocalFile;
use crate::provider::{
    CreateRequest, Created, DeleteRequest, Dispatch, ProviderError, ReadRequest, Served, Serves, UpdateRequest,
};
use crate::value::{Attrs, Value};

/// The types the `local` provider serves.
static TYPES: LazyLock<Served<LocalFiles>> = LazyLock::new(|| Served::new("local").with::<LocalFile>());

/// Serves `local_file` resources under `root`; a file's id is its relative path.
#[derive(Clone, Debug)]
pub struct LocalFiles {
    root: PathBuf,
}

impl LocalFiles {
    /// Files relative to `root` (the working directory, usually).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn attrs(path: &str, content: &str) -> Attrs {
        let digest: String = Sha256::digest(content.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        let mut attrs = Attrs::new();
        attrs.insert(LocalFile::ID.name(), Value::from(path));
        attrs.insert(LocalFile::PATH.name(), Value::from(path));
        attrs.insert(LocalFile::CONTENT.name(), Value::from(content));
        attrs.insert(LocalFile::SHA256.name(), Value::String(digest));
        attrs
    }

    fn write(&self, config: &Attrs) -> Result<Attrs, ProviderError> {
        let path = LocalFile::PATH.require(config)?;
        let content = LocalFile::CONTENT.require(config)?;
        let full = self.root.join(path);
        write_atomically(&full, content.as_bytes())
            .map_err(|e| ProviderError::permanent(format!("{}: {e}", full.display())))?;
        Ok(Self::attrs(path, content))
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // Unique per write, not only per process: two writes of one file at once (two runs of
    // one program in threads) must not rename each other's temporary file away.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = path.with_extension(format!("quikinfra-tmp-{}-{n}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[async_trait]
impl Serves<LocalFile> for LocalFiles {
    async fn read(&self, req: ReadRequest<'_>) -> Result<Option<Attrs>, ProviderError> {
        let full = self.root.join(req.id);
        match std::fs::read_to_string(&full) {
            Ok(content) => Ok(Some(Self::attrs(req.id, &content))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ProviderError::permanent(format!("{}: {e}", full.display()))),
        }
    }

    async fn create(&self, req: CreateRequest<'_>) -> Result<Created, ProviderError> {
        let attrs = self.write(req.config)?;
        Ok(Created { id: LocalFile::PATH.require(&attrs)?.to_string(), attrs })
    }

    async fn update(&self, req: UpdateRequest<'_>) -> Result<Attrs, ProviderError> {
        self.write(req.config)
    }

    async fn delete(&self, req: DeleteRequest<'_>) -> Result<(), ProviderError> {
        let full = self.root.join(req.id);
        match std::fs::remove_file(&full) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(ProviderError::permanent(format!("{}: {e}", full.display()))),
        }
    }
}

impl Dispatch for LocalFiles {
    fn table() -> &'static Served<Self> {
        &TYPES
    }
}

#[cfg(test)]
mod tests {
    use super::write_atomically;

    #[test]
    fn writes_of_one_file_at_once_all_succeed_and_leave_one_whole_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("deploy/compose.yml");
        let writers: Vec<_> = (0..8)
            .map(|i| {
                let path = path.clone();
                std::thread::spawn(move || write_atomically(&path, format!("writer {i}\n").as_bytes()))
            })
            .collect();
        for writer in writers {
            writer.join().expect("no panic").expect("every write succeeds");
        }
        let text = std::fs::read_to_string(&path).expect("the file");
        assert!(text.starts_with("writer ") && text.ends_with('\n') && text.lines().count() == 1, "{text}");
        let left: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind: {left:?}");
    }
}
