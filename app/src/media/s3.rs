//! Uploaded files in S3-compatible object storage (AWS S3, MinIO…), behind the same `Storage` interface as
//! the local folder, so that any process of a deployment can take any chunk of an upload and serve any file.
//!
//! Requests are signed with `rusty-s3` (query-string signatures, SigV4) and sent with `reqwest`.
//!
//! A resumable upload is an S3 multipart upload. S3 wants every part but the last to be at least 5 MiB while the
//! browser sends 1 MB chunks, so chunks wait in the database (`object_upload_chunks`) until 5 MiB have gathered,
//! then go up as one part; the multipart upload's id and each part's ETag are kept in `object_uploads`. Every step
//! is one database transaction holding the upload's row, so two processes given the same chunk at once store it
//! once (the other is told the new length), and a process that dies mid-chunk leaves the upload as it was before
//! the chunk: the creator resumes through any other process.
use std::path::PathBuf;
use std::time::Duration;

use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};
use tokio::io::AsyncWriteExt;

use super::storage::{valid_key, LocalCopy, Storage, StorageError};
use crate::db::{now_ms, Backend, Db, WriteTx};

/// The smallest part S3 takes (but for the last one).
pub const PART_MIN: usize = 5 * 1024 * 1024;
/// How long a signed request stays valid.
const SIGN_FOR: Duration = Duration::from_secs(300);

/// Where the objects go: `--storage s3://bucket/prefix`, the endpoint, the region and the credentials.
#[derive(Debug, Clone)]
pub struct S3Config {
    pub bucket: String,
    /// Prepended to every key (empty, or ending in `/`).
    pub prefix: String,
    /// `https://s3.eu-west-1.amazonaws.com` by default (from the region); any S3-compatible store's URL.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// `https://endpoint/bucket/key` rather than `https://bucket.endpoint/key` (the default with an explicit endpoint).
    pub path_style: bool,
}

impl S3Config {
    /// Splits `s3://bucket/some/prefix` into the bucket and the prefix.
    pub fn parse_location(spec: &str) -> Result<(String, String), String> {
        let rest = spec.strip_prefix("s3://").ok_or_else(|| format!("{spec:?} is not s3://bucket/prefix"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let bucket_ok = (3..=63).contains(&bucket.len())
            && bucket.bytes().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-'));
        if !bucket_ok {
            return Err(format!("{bucket:?} is not a bucket name (3 to 63 of a-z, 0-9, '.', '-')"));
        }
        let prefix = prefix.trim_matches('/');
        if !prefix.is_empty() && !valid_key(prefix) {
            return Err(format!("the prefix {prefix:?} may only use a-z, 0-9 and /_.-"));
        }
        let prefix = if prefix.is_empty() { String::new() } else { format!("{prefix}/") };
        Ok((bucket.to_string(), prefix))
    }
}

/// Objects in a bucket; uploads under way in the database.
pub struct S3Storage {
    bucket: Bucket,
    credentials: Credentials,
    prefix: String,
    http: reqwest::Client,
    db: Db,
    /// Where whole-file checks get their temporary copy.
    spool: PathBuf,
}

fn remote(what: &str, e: impl std::fmt::Display) -> StorageError {
    StorageError::Remote(format!("{what}: {e}"))
}

fn db_err(e: impl std::fmt::Debug) -> StorageError {
    StorageError::Remote(format!("database: {e:?}"))
}

/// The upload's row, locked for the transaction (PostgreSQL; on SQLite the transaction is the only writer).
#[derive(sqlx::FromRow)]
struct UploadRow {
    multipart_id: Option<String>,
    parts: String,
    parts_len: i64,
    received: i64,
}

/// (part number, ETag, length)
type Parts = Vec<(u32, String, u64)>;

impl S3Storage {
    /// Storage in the configured bucket; whole-file checks copy objects under `spool`.
    pub fn new(config: &S3Config, db: Db, spool: PathBuf) -> Result<S3Storage, String> {
        let endpoint = config.endpoint.clone().unwrap_or_else(|| format!("https://s3.{}.amazonaws.com", config.region));
        let endpoint: url::Url = endpoint.parse().map_err(|e| format!("the S3 endpoint {endpoint:?}: {e}"))?;
        let style = if config.path_style { UrlStyle::Path } else { UrlStyle::VirtualHost };
        let bucket = Bucket::new(endpoint, style, config.bucket.clone(), config.region.clone())
            .map_err(|e| format!("the S3 bucket: {e}"))?;
        std::fs::create_dir_all(&spool).map_err(|e| format!("cannot create {}: {e}", spool.display()))?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(600))
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(S3Storage {
            bucket,
            credentials: Credentials::new(config.access_key_id.clone(), config.secret_access_key.clone()),
            prefix: config.prefix.clone(),
            http,
            db,
            spool,
        })
    }

    fn object(&self, key: &str) -> Result<String, StorageError> {
        if valid_key(key) {
            Ok(format!("{}{key}", self.prefix))
        } else {
            Err(StorageError::BadKey)
        }
    }

    async fn send(
        &self,
        what: &str,
        method: reqwest::Method,
        url: url::Url,
        body: Option<Vec<u8>>,
    ) -> Result<reqwest::Response, StorageError> {
        // A PUT or POST without a body still says so (`Content-Length: 0`): stores answer 411 otherwise.
        let needs_length = method == reqwest::Method::PUT || method == reqwest::Method::POST;
        let mut req = self.http.request(method, url);
        match body {
            Some(body) => req = req.body(body),
            None if needs_length => req = req.header(reqwest::header::CONTENT_LENGTH, "0"),
            None => {}
        }
        let resp = req.send().await.map_err(|e| remote(what, e))?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        Err(remote(what, format!("HTTP {status}: {}", text.chars().take(300).collect::<String>())))
    }

    /// Makes sure the bucket is there, creating it when the store says it is not (a fresh MinIO, a test server).
    pub async fn ensure_bucket(&self) -> Result<(), StorageError> {
        let url = self.bucket.head_bucket(Some(&self.credentials)).sign(SIGN_FOR);
        let resp = self.http.head(url).send().await.map_err(|e| remote("cannot reach the object store", e))?;
        if resp.status().is_success() {
            return Ok(());
        }
        if resp.status() != reqwest::StatusCode::NOT_FOUND {
            return Err(remote("the bucket", format!("HTTP {}", resp.status())));
        }
        let url = self.bucket.create_bucket(&self.credentials).sign(SIGN_FOR);
        self.send("creating the bucket", reqwest::Method::PUT, url, None).await.map(|_| ())
    }

    /// The object's length from the store, `None` when there is none.
    async fn head(&self, key: &str) -> Result<Option<u64>, StorageError> {
        let url = self.bucket.head_object(Some(&self.credentials), &self.object(key)?).sign(SIGN_FOR);
        let resp = self.http.head(url).send().await.map_err(|e| remote("HEAD", e))?;
        match resp.status() {
            s if s.is_success() => Ok(resp
                .headers()
                .get(reqwest::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())),
            reqwest::StatusCode::NOT_FOUND => Ok(None),
            s => Err(remote("HEAD", format!("HTTP {s}"))),
        }
    }

    async fn put_object(&self, key: &str, bytes: Vec<u8>) -> Result<(), StorageError> {
        let url = self.bucket.put_object(Some(&self.credentials), &self.object(key)?).sign(SIGN_FOR);
        self.send("PUT", reqwest::Method::PUT, url, Some(bytes)).await.map(|_| ())
    }

    async fn delete_object(&self, key: &str) -> Result<(), StorageError> {
        let url = self.bucket.delete_object(Some(&self.credentials), &self.object(key)?).sign(SIGN_FOR);
        let resp = self.http.delete(url).send().await.map_err(|e| remote("DELETE", e))?;
        match resp.status() {
            s if s.is_success() || s == reqwest::StatusCode::NOT_FOUND => Ok(()),
            s => Err(remote("DELETE", format!("HTTP {s}"))),
        }
    }

    async fn create_multipart(&self, key: &str) -> Result<String, StorageError> {
        let object = self.object(key)?;
        let url = self.bucket.create_multipart_upload(Some(&self.credentials), &object).sign(SIGN_FOR);
        let text = self
            .send("starting a multipart upload", reqwest::Method::POST, url, None)
            .await?
            .text()
            .await
            .map_err(|e| remote("starting a multipart upload", e))?;
        let parsed = rusty_s3::actions::CreateMultipartUpload::parse_response(&text)
            .map_err(|e| remote("starting a multipart upload", e))?;
        Ok(parsed.upload_id().to_string())
    }

    async fn upload_part(&self, key: &str, upload_id: &str, n: u32, body: Vec<u8>) -> Result<String, StorageError> {
        let number = u16::try_from(n).map_err(|_| remote("upload part", "more than 10,000 parts"))?;
        let object = self.object(key)?;
        let url = self.bucket.upload_part(Some(&self.credentials), &object, number, upload_id).sign(SIGN_FOR);
        let resp = self.send("uploading a part", reqwest::Method::PUT, url, Some(body)).await?;
        resp.headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .ok_or_else(|| remote("uploading a part", "no ETag in the answer"))
    }

    async fn complete(&self, key: &str, upload_id: &str, parts: &Parts) -> Result<(), StorageError> {
        let object = self.object(key)?;
        let action = self.bucket.complete_multipart_upload(
            Some(&self.credentials),
            &object,
            upload_id,
            parts.iter().map(|(_, etag, _)| etag.as_str()),
        );
        let url = action.sign(SIGN_FOR);
        let body = action.body();
        let text = self
            .send("completing a multipart upload", reqwest::Method::POST, url, Some(body.into_bytes()))
            .await?
            .text()
            .await
            .map_err(|e| remote("completing a multipart upload", e))?;
        // S3 may answer 200 and put its error in the body.
        if text.contains("<Error>") {
            return Err(remote("completing a multipart upload", text.chars().take(300).collect::<String>()));
        }
        Ok(())
    }

    /// Aborts a multipart upload, freeing its parts; one the store no longer knows (aborted or completed) is fine.
    async fn abort(&self, key: &str, upload_id: &str) -> Result<(), StorageError> {
        let object = self.object(key)?;
        let url = self.bucket.abort_multipart_upload(Some(&self.credentials), &object, upload_id).sign(SIGN_FOR);
        let resp = self.http.delete(url).send().await.map_err(|e| remote("aborting a multipart upload", e))?;
        match resp.status() {
            s if s.is_success() || s == reqwest::StatusCode::NOT_FOUND => Ok(()),
            s => Err(remote("aborting a multipart upload", format!("HTTP {s}"))),
        }
    }

    /// Starts a transaction holding the upload's row (`None` when there is no upload under way for `key`).
    async fn locked(&self, key: &str) -> Result<(WriteTx, Option<UploadRow>), StorageError> {
        let mut w = self.db.write().await.map_err(db_err)?;
        let lock = if w.backend() == Backend::Postgres { " FOR UPDATE" } else { "" };
        let row: Option<UploadRow> = sqlx::query_as(&format!(
            "SELECT multipart_id, parts, parts_len, received FROM object_uploads WHERE key = $1{lock}"
        ))
        .bind(key)
        .fetch_optional(w.conn())
        .await
        .map_err(db_err)?;
        Ok((w, row))
    }

    /// The chunks waiting to become a part, in order, as one buffer.
    async fn pending(w: &mut WriteTx, key: &str, extra: usize) -> Result<Vec<u8>, StorageError> {
        let chunks: Vec<(Vec<u8>,)> =
            sqlx::query_as("SELECT bytes FROM object_upload_chunks WHERE key = $1 ORDER BY start_offset")
                .bind(key)
                .fetch_all(w.conn())
                .await
                .map_err(db_err)?;
        let mut body = Vec::with_capacity(chunks.iter().map(|c| c.0.len()).sum::<usize>() + extra);
        for (c,) in chunks {
            body.extend_from_slice(&c);
        }
        Ok(body)
    }

    async fn forget(w: &mut WriteTx, key: &str) -> Result<(), StorageError> {
        for sql in ["DELETE FROM object_upload_chunks WHERE key = $1", "DELETE FROM object_uploads WHERE key = $1"] {
            sqlx::query(sql).bind(key).execute(w.conn()).await.map_err(db_err)?;
        }
        Ok(())
    }

    /// A signed GET of the object, for this process's own requests. Downloads are never redirected to such a link:
    /// the store cannot send the headers that keep a hostile file from acting as a page (`nosniff`, the sandboxing
    /// `Content-Security-Policy`, `Cross-Origin-Resource-Policy`), a link stays good for minutes after a partner
    /// loses access, and pages only load media from their own origin (`img-src 'self'`). Files are streamed
    /// through instead ([`Self::fetch`]).
    fn signed_get(&self, key: &str) -> Result<url::Url, StorageError> {
        Ok(self.bucket.get_object(Some(&self.credentials), &self.object(key)?).sign(SIGN_FOR))
    }

    /// Fetches the object for a download, passing on the client's range and cache validators; the answer (200,
    /// 206, 304, 404, 416…) is the store's.
    pub async fn fetch(&self, key: &str, headers: &http::HeaderMap) -> Result<reqwest::Response, StorageError> {
        let mut req = self.http.get(self.signed_get(key)?);
        for name in
            [http::header::RANGE, http::header::IF_RANGE, http::header::IF_NONE_MATCH, http::header::IF_MODIFIED_SINCE]
        {
            if let Some(v) = headers.get(&name).and_then(|v| v.to_str().ok()) {
                req = req.header(name.as_str(), v);
            }
        }
        req.send().await.map_err(|e| remote("GET", e))
    }
}

impl Storage for S3Storage {
    async fn append(&self, key: &str, offset: u64, bytes: &[u8]) -> Result<u64, StorageError> {
        self.object(key)?;
        let end = offset + bytes.len() as u64;
        if offset == 0 {
            let mut w = self.db.write().await.map_err(db_err)?;
            sqlx::query("INSERT INTO object_uploads (key, updated_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
                .bind(key)
                .bind(now_ms())
                .execute(w.conn())
                .await
                .map_err(db_err)?;
            w.commit().await.map_err(db_err)?;
        }
        let (mut w, row) = self.locked(key).await?;
        let Some(row) = row else {
            drop(w);
            // Finished already (or never started): the object's own length.
            return Err(StorageError::Offset { have: self.head(key).await?.unwrap_or(0) });
        };
        if row.received as u64 != offset {
            return Err(StorageError::Offset { have: row.received as u64 });
        }
        let waiting = (row.received - row.parts_len) as usize;
        if waiting + bytes.len() >= PART_MIN {
            let mut body = Self::pending(&mut w, key, bytes.len()).await?;
            if body.len() != waiting {
                return Err(remote("upload state", "the waiting chunks do not add up"));
            }
            body.extend_from_slice(bytes);
            let part_len = body.len() as u64;
            let upload_id = match row.multipart_id {
                Some(id) => id,
                None => self.create_multipart(key).await?,
            };
            let mut parts: Parts = serde_json::from_str(&row.parts).map_err(|e| remote("upload state", e))?;
            let n = parts.len() as u32 + 1;
            let etag = self.upload_part(key, &upload_id, n, body).await?;
            parts.push((n, etag, part_len));
            let parts = serde_json::to_string(&parts).map_err(|e| remote("upload state", e))?;
            sqlx::query(
                "UPDATE object_uploads SET multipart_id = $1, parts = $2, parts_len = $3, received = $3, updated_at = $4 \
                 WHERE key = $5",
            )
            .bind(&upload_id)
            .bind(parts)
            .bind(end as i64)
            .bind(now_ms())
            .bind(key)
            .execute(w.conn())
            .await
            .map_err(db_err)?;
            sqlx::query("DELETE FROM object_upload_chunks WHERE key = $1")
                .bind(key)
                .execute(w.conn())
                .await
                .map_err(db_err)?;
        } else {
            sqlx::query("INSERT INTO object_upload_chunks (key, start_offset, bytes) VALUES ($1, $2, $3)")
                .bind(key)
                .bind(offset as i64)
                .bind(bytes.to_vec())
                .execute(w.conn())
                .await
                .map_err(db_err)?;
            sqlx::query("UPDATE object_uploads SET received = $1, updated_at = $2 WHERE key = $3")
                .bind(end as i64)
                .bind(now_ms())
                .bind(key)
                .execute(w.conn())
                .await
                .map_err(db_err)?;
        }
        w.commit().await.map_err(db_err)?;
        Ok(end)
    }

    async fn len(&self, key: &str) -> Result<Option<u64>, StorageError> {
        self.object(key)?;
        let received: Option<i64> = sqlx::query_scalar("SELECT received FROM object_uploads WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.db.pool)
            .await
            .map_err(db_err)?;
        match received {
            Some(n) => Ok(Some(n as u64)),
            None => self.head(key).await,
        }
    }

    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), StorageError> {
        self.put_object(key, bytes.to_vec()).await
    }

    async fn read_head(&self, key: &str, n: usize) -> Result<Vec<u8>, StorageError> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let url = self.signed_get(key)?;
        let resp = self
            .http
            .get(url)
            .header("range", format!("bytes=0-{}", n - 1))
            .send()
            .await
            .map_err(|e| remote("GET", e))?;
        if resp.status() == reqwest::StatusCode::NOT_FOUND {
            return Err(std::io::Error::from(std::io::ErrorKind::NotFound).into());
        }
        if !resp.status().is_success() {
            return Err(remote("GET", format!("HTTP {}", resp.status())));
        }
        let mut bytes = resp.bytes().await.map_err(|e| remote("GET", e))?.to_vec();
        bytes.truncate(n);
        Ok(bytes)
    }

    async fn finish(&self, key: &str) -> Result<(), StorageError> {
        let (mut w, row) = self.locked(key).await?;
        let Some(row) = row else {
            drop(w);
            return match self.head(key).await? {
                Some(_) => Ok(()),
                None => Err(std::io::Error::from(std::io::ErrorKind::NotFound).into()),
            };
        };
        let body = Self::pending(&mut w, key, 0).await?;
        let done = match &row.multipart_id {
            // Under 5 MiB in all: one plain object.
            None => self.put_object(key, body).await,
            Some(upload_id) => {
                let mut parts: Parts = serde_json::from_str(&row.parts).map_err(|e| remote("upload state", e))?;
                let mut sent = Ok(());
                if !body.is_empty() {
                    let n = parts.len() as u32 + 1;
                    let len = body.len() as u64;
                    match self.upload_part(key, upload_id, n, body).await {
                        Ok(etag) => parts.push((n, etag, len)),
                        Err(e) => sent = Err(e),
                    }
                }
                match sent {
                    Ok(()) => self.complete(key, upload_id, &parts).await,
                    Err(e) => Err(e),
                }
            }
        };
        if let Err(e) = done {
            // A process that completed the upload and died before noting it: the object is whole already.
            if self.head(key).await.ok().flatten() != Some(row.received as u64) {
                return Err(e);
            }
        }
        Self::forget(&mut w, key).await?;
        w.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn local_copy(&self, key: &str) -> Result<LocalCopy, StorageError> {
        let url = self.signed_get(key)?;
        let mut resp = self.send("GET", reqwest::Method::GET, url, None).await?;
        let name = {
            use rand::RngCore;
            let mut b = [0u8; 12];
            rand::thread_rng().fill_bytes(&mut b);
            hex::encode(b)
        };
        let copy = LocalCopy::temporary(self.spool.join(name));
        let mut file = tokio::fs::File::create(&copy.path).await?;
        while let Some(chunk) = resp.chunk().await.map_err(|e| remote("GET", e))? {
            file.write_all(&chunk).await?;
        }
        file.flush().await?;
        Ok(copy)
    }

    async fn remove(&self, key: &str) -> Result<(), StorageError> {
        let (mut w, row) = self.locked(key).await?;
        if let Some(UploadRow { multipart_id: Some(upload_id), .. }) = &row {
            // Its parts stay in the store (and are billed) until aborted: keep what is needed to abort it, so that
            // removing again (the sweep of abandoned uploads) tries again.
            self.abort(key, upload_id).await?;
        }
        Self::forget(&mut w, key).await?;
        w.commit().await.map_err(db_err)?;
        self.delete_object(key).await
    }
}

#[cfg(test)]
mod tests {
    use super::S3Config;

    #[test]
    fn locations_parse() {
        assert_eq!(S3Config::parse_location("s3://chorus").unwrap(), ("chorus".into(), "".into()));
        assert_eq!(
            S3Config::parse_location("s3://chorus/prod/files/").unwrap(),
            ("chorus".into(), "prod/files/".into())
        );
        assert!(S3Config::parse_location("chorus/x").is_err());
        assert!(S3Config::parse_location("s3://UPPER").is_err());
        assert!(S3Config::parse_location("s3://ok-bucket/../x").is_err());
        assert!(S3Config::parse_location("s3://ok-bucket/A B").is_err());
    }
}
