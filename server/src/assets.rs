//! Static assets: the hashed WASM/JS/CSS bundle, pre-compressed once with brotli and gzip and served with
//! year-long cache lifetimes (their names change whenever their content does).
use std::io::Write;
use std::path::Path;

use axum::http::{header, HeaderValue};
use axum::Router;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

const COMPRESSIBLE: [&str; 5] = ["wasm", "js", "css", "svg", "json"];

/// Writes `.br` and `.gz` siblings for every compressible file that lacks fresh ones.
pub fn precompress(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            precompress(&path);
            continue;
        }
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !COMPRESSIBLE.contains(&ext) {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        let fresh = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok() >= meta.modified().ok();
        let Ok(data) = std::fs::read(&path) else { continue };
        let br = path.with_extension(format!("{ext}.br"));
        if !fresh(&br) {
            let mut out = Vec::new();
            // The best ratio for release bundles; debug bundles are large and only need to be quick.
            let quality = if data.len() < 4 << 20 { 11 } else { 5 };
            let params = brotli::enc::BrotliEncoderParams { quality, lgwin: 22, ..Default::default() };
            if brotli::BrotliCompress(&mut &data[..], &mut out, &params).is_ok() {
                write_atomically(&br, &out);
            }
        }
        let gz = path.with_extension(format!("{ext}.gz"));
        if !fresh(&gz) {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            if enc.write_all(&data).is_ok() {
                if let Ok(out) = enc.finish() {
                    write_atomically(&gz, &out);
                }
            }
        }
    }
}

/// The compressed file appears whole or not at all, so it is never served half-written.
fn write_atomically(path: &Path, data: &[u8]) {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    if std::fs::write(&tmp, data).is_ok() {
        let _ = std::fs::rename(&tmp, path);
    }
}

/// Compresses in the background: start-up does not wait, and until a file's compressed twin exists the
/// file is served as is.
pub fn precompress_in_background(dir: std::path::PathBuf) {
    std::thread::spawn(move || precompress(&dir));
}

/// `/pkg/…`: immutable, pre-compressed.
pub fn pkg_router<S: Clone + Send + Sync + 'static>(pkg_dir: &Path) -> Router<S> {
    let serve = ServeDir::new(pkg_dir).precompressed_br().precompressed_gzip();
    Router::new().fallback_service(serve).layer(SetResponseHeaderLayer::overriding(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    ))
}
