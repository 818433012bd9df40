//! The compressed sizes of the WASM bundles each page downloads (raw, gzip, brotli).
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::stats::kb;

#[derive(Default, Clone)]
pub(crate) struct Wasm {
    /// cargo-leptos' own module, every island in one (what development builds load).
    pub(crate) all: Option<WasmFile>,
    /// One bundle per group of pages (`scripts/build-bundles.sh`, listed in `pkg/bundles.txt`): what those pages
    /// download, one file each.
    pub(crate) bundles: Vec<WasmBundle>,
    pub(crate) debug_info: bool,
    pub(crate) modified: String,
}

#[derive(Default, Clone)]
pub(crate) struct WasmFile {
    pub(crate) name: String,
    pub(crate) raw: u64,
    pub(crate) gzip: u64,
    pub(crate) brotli: u64,
}

#[derive(Clone)]
pub(crate) struct WasmBundle {
    /// The pages that load it.
    pub(crate) pages: &'static str,
    pub(crate) file: WasmFile,
    /// Its parts split off at `#[lazy]` functions (`<name>.<part>.<hash>.wasm`): fetched the first time one is used.
    pub(crate) lazy: Vec<WasmFile>,
}

impl Wasm {
    /// What the heaviest page downloads, brotli; the single module when there are no bundles.
    pub(crate) fn heaviest(&self) -> Option<(u64, String)> {
        match self.bundles.iter().max_by_key(|b| b.file.brotli) {
            Some(b) => Some((b.file.brotli, b.pages.to_string())),
            None => self.all.as_ref().map(|m| (m.brotli, "every page (one module)".to_string())),
        }
    }
}

/// The pages a bundle serves (see `Bundle` in app/src/shell.rs).
pub(crate) fn pages_of(bundle: &str) -> &'static str {
    match bundle {
        "board" => "the outreach board",
        "charter" => "the charter",
        "content" => "content approvals",
        "performance" => "performance",
        "settings" => "API tokens, organization",
        "portal" => "the creator portal (campaign, charter)",
        "home" => "home (starting a campaign)",
        _ => "(other)",
    }
}

pub(crate) fn wasm_sizes(site_root: Option<PathBuf>) -> Wasm {
    let roots: Vec<PathBuf> = match site_root {
        Some(r) => vec![r],
        None => {
            let mut v = Vec::new();
            if let Ok(t) = std::env::var("CARGO_TARGET_DIR") {
                v.push(PathBuf::from(t).join("site"));
            }
            let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new("."));
            v.push(workspace.join("target/site"));
            v
        }
    };
    // Each pkg directory's files (name, modified) once; the newest build is the one with the newest `.wasm`.
    let listing = |dir: &Path| -> Vec<(String, SystemTime)> {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| {
                        let t = e.metadata().and_then(|m| m.modified()).unwrap_or(UNIX_EPOCH);
                        (e.file_name().to_string_lossy().to_string(), t)
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let newest_wasm =
        |files: &[(String, SystemTime)]| files.iter().filter(|(n, _)| n.ends_with(".wasm")).map(|(_, t)| *t).max();
    let newest = roots
        .iter()
        .map(|root| {
            let dir = root.join("pkg");
            let files = listing(&dir);
            (dir, files)
        })
        .filter_map(|(dir, files)| newest_wasm(&files).map(|t| (t, dir, files)))
        .max_by_key(|(t, _, _)| *t);
    let Some((modified, dir, files)) = newest else {
        println!(
            "  not built (looked in {})",
            roots.iter().map(|r| r.join("pkg").display().to_string()).collect::<Vec<_>>().join(", ")
        );
        return Wasm::default();
    };
    // `bundles.txt`: one line per bundle, `name js wasm`.
    let listed: Vec<(String, String)> = std::fs::read_to_string(dir.join("bundles.txt"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 3).then(|| (f[0].to_string(), f[2].to_string()))
        })
        .collect();
    let all_name = files
        .iter()
        .filter(|(n, _)| n.ends_with(".wasm") && n.starts_with("chorus"))
        .max_by_key(|(_, t)| *t)
        .map(|(n, _)| n.clone());
    let measure = |name: &str| -> (WasmFile, bool) {
        let data = std::fs::read(dir.join(name)).unwrap_or_default();
        // The same settings as the server's precompression (server/src/assets.rs); each file is compressed
        // and served on its own.
        let mut br = Vec::new();
        let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
        let _ = brotli::BrotliCompress(&mut &data[..], &mut br, &params);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let _ = gz.write_all(&data);
        let gz = gz.finish().unwrap_or_default();
        let debug = wasm_custom_sections(&data).iter().any(|s| s.starts_with(".debug"));
        (
            WasmFile { name: name.to_string(), raw: data.len() as u64, gzip: gz.len() as u64, brotli: br.len() as u64 },
            debug,
        )
    };
    let mut debug_info = false;
    let all = all_name.map(|n| {
        let (f, debug) = measure(&n);
        debug_info |= debug;
        f
    });
    let mut bundles = Vec::new();
    for (name, file) in &listed {
        let (f, debug) = measure(file);
        debug_info |= debug;
        // `board.<hash>.wasm` → its lazy parts `board.<part>.<hash>.wasm`.
        let hash = file.strip_prefix(&format!("{name}.")).and_then(|r| r.strip_suffix(".wasm")).unwrap_or("");
        let mut parts: Vec<&String> = files
            .iter()
            .map(|(n, _)| n)
            .filter(|n| {
                !hash.is_empty()
                    && n.as_str() != file.as_str()
                    && n.starts_with(&format!("{name}."))
                    && n.ends_with(&format!(".{hash}.wasm"))
            })
            .collect();
        parts.sort();
        let lazy = parts.into_iter().map(|n| measure(n).0).collect();
        bundles.push(WasmBundle { pages: pages_of(name), file: f, lazy });
    }
    bundles.sort_by_key(|b| std::cmp::Reverse(b.file.brotli));
    if let Some(all) = &all {
        println!("  all islands {}: raw {}, gzip {}, brotli {}", all.name, kb(all.raw), kb(all.gzip), kb(all.brotli));
    }
    for b in &bundles {
        println!("  {} ({}): brotli {}", b.pages, b.file.name, kb(b.file.brotli));
        for l in &b.lazy {
            println!("    loaded on first use ({}): brotli {}", l.name, kb(l.brotli));
        }
    }
    Wasm {
        all,
        bundles,
        debug_info,
        modified: chrono::DateTime::<chrono::Utc>::from(modified).format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

/// The names of a WASM module's custom sections (`.debug_info` & co. mean an unoptimised debug build).
pub(crate) fn wasm_custom_sections(data: &[u8]) -> Vec<String> {
    pub(crate) fn leb(data: &[u8], pos: &mut usize) -> Option<usize> {
        let (mut value, mut shift) = (0usize, 0);
        loop {
            let b = *data.get(*pos)?;
            *pos += 1;
            value |= ((b & 0x7f) as usize) << shift;
            if b & 0x80 == 0 {
                return Some(value);
            }
            shift += 7;
            if shift > 35 {
                return None;
            }
        }
    }
    let mut names = Vec::new();
    if data.len() < 8 || &data[..4] != b"\0asm" {
        return names;
    }
    let mut pos = 8;
    while pos < data.len() {
        let id = data[pos];
        pos += 1;
        let Some(size) = leb(data, &mut pos) else { break };
        let end = pos + size;
        if id == 0 {
            let mut p = pos;
            if let Some(len) = leb(data, &mut p) {
                if let Some(name) = data.get(p..p + len) {
                    names.push(String::from_utf8_lossy(name).to_string());
                }
            }
        }
        pos = end;
    }
    names
}
