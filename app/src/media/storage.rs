//! Where uploaded files live: a small interface with two implementations, the local folder (the zero-setup
//! default) and S3-compatible object storage (`super::s3`), chosen by `--storage`.
//!
//! Keys are relative paths of lowercase ASCII letters, digits and `/_.-` ("c12/u5a3f/original").
use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio::fs::{self, File, OpenOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The longest key we take.
const MAX_KEY_LEN: usize = 512;

/// Storage of uploaded objects, written in chunks (resumable uploads) or whole (previews).
pub trait Storage: Send + Sync + 'static {
    /// Appends `bytes` at `offset`; the object must currently be exactly `offset` long (it is created when
    /// `offset` is 0). Returns the new length, once the bytes are on disk.
    /// `Err(StorageError::Offset { have })` when the object's length is not `offset` (the caller answers a
    /// retried or early chunk with `have`).
    fn append(&self, key: &str, offset: u64, bytes: &[u8]) -> impl Future<Output = Result<u64, StorageError>> + Send;
    /// The object's length, `None` when there is none.
    fn len(&self, key: &str) -> impl Future<Output = Result<Option<u64>, StorageError>> + Send;
    /// Writes a whole object (replacing any), atomically.
    fn put(&self, key: &str, bytes: &[u8]) -> impl Future<Output = Result<(), StorageError>> + Send;
    /// The object's first `n` bytes (fewer when it is shorter).
    fn read_head(&self, key: &str, n: usize) -> impl Future<Output = Result<Vec<u8>, StorageError>> + Send;
    /// Called once every byte has been appended: makes the object whole and readable (object storage completes its
    /// multipart upload here). Calling it again for a finished object is fine.
    fn finish(&self, key: &str) -> impl Future<Output = Result<(), StorageError>> + Send;
    /// The finished object as a local file, for whole-file checks (a temporary copy for object storage, removed
    /// when the returned value is dropped).
    fn local_copy(&self, key: &str) -> impl Future<Output = Result<LocalCopy, StorageError>> + Send;
    /// Removes the object; removing a missing one is fine.
    fn remove(&self, key: &str) -> impl Future<Output = Result<(), StorageError>> + Send;
}

/// Why a storage call failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The object is `have` bytes long, not the offset the chunk was sent for.
    #[error("the upload has {have} bytes, not as many as this chunk's offset")]
    Offset { have: u64 },
    /// The key is not a valid relative path of `[a-z0-9/_.-]`.
    #[error("invalid storage key")]
    BadKey,
    /// The file system failed.
    #[error("storage error: {0}")]
    Io(#[from] io::Error),
    /// The object store failed or refused.
    #[error("object storage error: {0}")]
    Remote(String),
}

/// A finished object as a local file; a temporary copy is removed when this is dropped.
#[derive(Debug)]
pub struct LocalCopy {
    pub path: PathBuf,
    temporary: bool,
}

impl LocalCopy {
    /// A file that stays where it is.
    pub fn in_place(path: PathBuf) -> LocalCopy {
        LocalCopy { path, temporary: false }
    }
    /// A copy made for the caller, removed when dropped.
    pub fn temporary(path: PathBuf) -> LocalCopy {
        LocalCopy { path, temporary: true }
    }
}

impl Drop for LocalCopy {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// The storage a deployment uses: the local folder or object storage.
pub enum Files {
    Local(LocalStorage),
    S3(Box<super::s3::S3Storage>),
}

impl Files {
    /// The local folder objects live in, when that is the storage.
    pub fn local_root(&self) -> Option<&Path> {
        match self {
            Files::Local(s) => Some(s.root()),
            Files::S3(_) => None,
        }
    }
}

impl Storage for Files {
    async fn append(&self, key: &str, offset: u64, bytes: &[u8]) -> Result<u64, StorageError> {
        match self {
            Files::Local(s) => s.append(key, offset, bytes).await,
            Files::S3(s) => s.append(key, offset, bytes).await,
        }
    }
    async fn len(&self, key: &str) -> Result<Option<u64>, StorageError> {
        match self {
            Files::Local(s) => s.len(key).await,
            Files::S3(s) => s.len(key).await,
        }
    }
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), StorageError> {
        match self {
            Files::Local(s) => s.put(key, bytes).await,
            Files::S3(s) => s.put(key, bytes).await,
        }
    }
    async fn read_head(&self, key: &str, n: usize) -> Result<Vec<u8>, StorageError> {
        match self {
            Files::Local(s) => s.read_head(key, n).await,
            Files::S3(s) => s.read_head(key, n).await,
        }
    }
    async fn finish(&self, key: &str) -> Result<(), StorageError> {
        match self {
            Files::Local(s) => s.finish(key).await,
            Files::S3(s) => s.finish(key).await,
        }
    }
    async fn local_copy(&self, key: &str) -> Result<LocalCopy, StorageError> {
        match self {
            Files::Local(s) => s.local_copy(key).await,
            Files::S3(s) => s.local_copy(key).await,
        }
    }
    async fn remove(&self, key: &str) -> Result<(), StorageError> {
        match self {
            Files::Local(s) => s.remove(key).await,
            Files::S3(s) => s.remove(key).await,
        }
    }
}

/// Objects as files under a folder of the data directory.
#[derive(Debug)]
pub struct LocalStorage {
    root: PathBuf,
    /// One lock per key in use, so that checking an object's length and appending to it is one step.
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// Holds a key's lock; forgets the lock when nobody else wants it.
struct KeyGuard<'a> {
    locks: &'a Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    key: &'a str,
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Drop for KeyGuard<'_> {
    fn drop(&mut self) {
        let mut locks = self.locks.lock().unwrap_or_else(|e| e.into_inner());
        // Ours (in the map and in the guard) and nobody else's: no waiter can appear while we hold the map.
        if locks.get(self.key).is_some_and(|l| Arc::strong_count(l) == 2) {
            locks.remove(self.key);
        }
        self.guard.take();
    }
}

impl LocalStorage {
    /// Storage under `root`, creating the folder.
    pub fn new(root: impl Into<PathBuf>) -> io::Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(&root)?;
        Ok(LocalStorage { root, locks: Mutex::default() })
    }

    /// The folder objects live in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The object's path (it need not exist yet).
    pub fn local_path(&self, key: &str) -> Result<PathBuf, StorageError> {
        if valid_key(key) {
            Ok(self.root.join(key))
        } else {
            Err(StorageError::BadKey)
        }
    }

    async fn lock<'a>(&'a self, key: &'a str) -> KeyGuard<'a> {
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(|e| e.into_inner());
            locks.entry(key.to_owned()).or_default().clone()
        };
        let mut held = KeyGuard { locks: &self.locks, key, guard: None };
        held.guard = Some(lock.lock_owned().await);
        held
    }

    /// The object's length, `None` when there is none.
    async fn current_len(path: &Path) -> Result<Option<u64>, StorageError> {
        match fs::metadata(path).await {
            Ok(m) if m.is_file() => Ok(Some(m.len())),
            Ok(_) => Err(io::Error::other("the key names a folder, not a file").into()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn create_parent(path: &Path) -> io::Result<()> {
        match path.parent() {
            Some(parent) => fs::create_dir_all(parent).await,
            None => Ok(()),
        }
    }
}

/// Whether `key` is a relative path of non-empty segments of `[a-z0-9_.-]`, none of them `.` or `..`.
pub(crate) fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= MAX_KEY_LEN
        && !key.contains("..")
        && key.bytes().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'/' | b'_' | b'.' | b'-'))
        && key.split('/').all(|s| !s.is_empty() && s != ".")
}

impl Storage for LocalStorage {
    async fn append(&self, key: &str, offset: u64, bytes: &[u8]) -> Result<u64, StorageError> {
        let path = self.local_path(key)?;
        let _held = self.lock(key).await;
        let have = Self::current_len(&path).await?;
        if have.unwrap_or(0) != offset {
            return Err(StorageError::Offset { have: have.unwrap_or(0) });
        }
        if have.is_none() {
            Self::create_parent(&path).await?;
        }
        let mut file = OpenOptions::new().append(true).create(true).open(&path).await?;
        let written = async {
            file.write_all(bytes).await?;
            file.flush().await?;
            file.sync_data().await
        }
        .await;
        if let Err(e) = written {
            // Leave the object as it was, so the chunk can be sent again at the same offset.
            let _ = file.set_len(offset).await;
            return Err(e.into());
        }
        if have.is_none() {
            // Make the new file's name durable too.
            if let Some(dir) = path.parent().map(Path::to_path_buf) {
                let _ = tokio::task::spawn_blocking(move || std::fs::File::open(dir)?.sync_all()).await;
            }
        }
        Ok(offset + bytes.len() as u64)
    }

    async fn len(&self, key: &str) -> Result<Option<u64>, StorageError> {
        Self::current_len(&self.local_path(key)?).await
    }

    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), StorageError> {
        let path = self.local_path(key)?;
        let _held = self.lock(key).await;
        Self::create_parent(&path).await?;
        // `~` is never in a key, so the temporary name cannot be another object.
        let tmp = path.with_file_name(format!("{}~tmp", path.file_name().and_then(|n| n.to_str()).unwrap_or("object")));
        let written = async {
            let mut file = File::create(&tmp).await?;
            file.write_all(bytes).await?;
            file.flush().await?;
            file.sync_data().await?;
            fs::rename(&tmp, &path).await
        }
        .await;
        if written.is_err() {
            let _ = fs::remove_file(&tmp).await;
        }
        Ok(written?)
    }

    async fn read_head(&self, key: &str, n: usize) -> Result<Vec<u8>, StorageError> {
        let file = File::open(self.local_path(key)?).await?;
        let mut head = Vec::with_capacity(n.min(64 * 1024));
        file.take(n as u64).read_to_end(&mut head).await?;
        Ok(head)
    }

    async fn finish(&self, key: &str) -> Result<(), StorageError> {
        self.local_path(key).map(|_| ())
    }

    async fn local_copy(&self, key: &str) -> Result<LocalCopy, StorageError> {
        Ok(LocalCopy::in_place(self.local_path(key)?))
    }

    async fn remove(&self, key: &str) -> Result<(), StorageError> {
        let path = self.local_path(key)?;
        let _held = self.lock(key).await;
        match fs::remove_file(&path).await {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
        // The upload's folder too, once nothing is left in it (an upload's objects are removed last to first).
        if let Some(dir) = path.parent().filter(|d| *d != self.root) {
            let _ = fs::remove_dir(dir).await;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn storage(tag: &str) -> (LocalStorage, PathBuf) {
        let dir = crate::media::test_dir(tag);
        (LocalStorage::new(dir.join("uploads")).unwrap(), dir)
    }

    #[tokio::test]
    async fn appends_in_order_then_refuses_wrong_offsets() {
        let (s, dir) = storage("append");
        let key = "c12/u5a3f/original";
        assert_eq!(s.len(key).await.unwrap(), None);
        assert_eq!(s.append(key, 0, b"hello ").await.unwrap(), 6);
        assert_eq!(s.append(key, 6, b"world").await.unwrap(), 11);
        assert_eq!(s.len(key).await.unwrap(), Some(11));
        // A retried chunk at an old offset, and one sent past a gap, are answered with the length we have.
        assert!(matches!(s.append(key, 6, b"world").await, Err(StorageError::Offset { have: 11 })));
        assert!(matches!(s.append(key, 0, b"hello ").await, Err(StorageError::Offset { have: 11 })));
        assert!(matches!(s.append(key, 20, b"!").await, Err(StorageError::Offset { have: 11 })));
        assert!(matches!(s.append("c12/other", 5, b"x").await, Err(StorageError::Offset { have: 0 })));
        assert_eq!(s.len("c12/other").await.unwrap(), None);
        assert!(matches!(s.append("c12/u5a3f", 0, b"x").await, Err(StorageError::Io(_))), "a folder is no object");
        assert_eq!(s.append(key, 11, b"!").await.unwrap(), 12);
        assert_eq!(std::fs::read(s.local_path(key).unwrap()).unwrap(), b"hello world!");
        assert_eq!(s.read_head(key, 5).await.unwrap(), b"hello");
        assert_eq!(s.read_head(key, 100).await.unwrap(), b"hello world!");
        assert!(s.locks.lock().unwrap().is_empty(), "locks are forgotten when unused");

        s.put("c12/u5a3f/thumb.jpg", b"jpeg bytes").await.unwrap();
        s.put("c12/u5a3f/thumb.jpg", b"newer").await.unwrap();
        assert_eq!(s.read_head("c12/u5a3f/thumb.jpg", 64).await.unwrap(), b"newer");
        assert_eq!(std::fs::read_dir(dir.join("uploads/c12/u5a3f")).unwrap().count(), 2, "no temporary file left");

        s.remove(key).await.unwrap();
        s.remove(key).await.unwrap();
        assert_eq!(s.len(key).await.unwrap(), None);
        assert!(matches!(s.read_head(key, 4).await, Err(StorageError::Io(_))));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn refuses_bad_keys() {
        let (s, dir) = storage("keys");
        for key in ["../x", "/abs", "a//b", "A", "", "a/", "a/../b", "a/./b", ".", "a b", "a\\b", "é", "x/..."] {
            assert!(matches!(s.local_path(key), Err(StorageError::BadKey)), "{key:?}");
            assert!(matches!(s.append(key, 0, b"x").await, Err(StorageError::BadKey)), "{key:?}");
            assert!(matches!(s.put(key, b"x").await, Err(StorageError::BadKey)), "{key:?}");
            assert!(matches!(s.len(key).await, Err(StorageError::BadKey)), "{key:?}");
            assert!(matches!(s.remove(key).await, Err(StorageError::BadKey)), "{key:?}");
        }
        assert!(s.local_path(&"a".repeat(MAX_KEY_LEN + 1)).is_err());
        for key in ["a", "c1/u2/original", "x_y-z.jpg", ".hidden/a"] {
            assert_eq!(s.local_path(key).unwrap(), s.root().join(key));
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn concurrent_appends_at_one_offset_have_one_winner() {
        let (s, dir) = storage("race");
        let s = Arc::new(s);
        for round in 0..5u8 {
            let key = format!("race/{round}");
            let start = if round % 2 == 1 { s.append(&key, 0, b"0123").await.unwrap() } else { 0 };
            let tasks: Vec<_> = (0..8u8)
                .map(|i| {
                    let (s, key) = (s.clone(), key.clone());
                    tokio::spawn(async move { (i, s.append(&key, start, &[i; 100]).await) })
                })
                .collect();
            let mut winners = Vec::new();
            for t in tasks {
                match t.await.unwrap() {
                    (i, Ok(len)) => winners.push((i, len)),
                    (_, Err(StorageError::Offset { have })) => assert_eq!(have, start + 100),
                    (_, Err(e)) => panic!("{e}"),
                }
            }
            assert_eq!(winners.len(), 1, "{winners:?}");
            let (i, len) = winners[0];
            assert_eq!(len, start + 100);
            let bytes = std::fs::read(s.local_path(&key).unwrap()).unwrap();
            assert_eq!(bytes.len() as u64, len);
            assert!(bytes[start as usize..].iter().all(|&b| b == i));
        }
        assert!(s.locks.lock().unwrap().is_empty());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn errors_read_well() {
        assert_eq!(
            StorageError::Offset { have: 42 }.to_string(),
            "the upload has 42 bytes, not as many as this chunk's offset"
        );
        assert_eq!(StorageError::BadKey.to_string(), "invalid storage key");
    }
}
