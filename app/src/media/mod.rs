//! Uploaded media of creators' drafts: what a file is (by its content, never its name), size limits, and,
//! behind the `ssr` feature, whole-file checks, previews and storage.
//!
//! This part compiles on both sides, so the browser can refuse a wrong or oversized file before sending it.
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod check;
#[cfg(feature = "ssr")]
pub mod s3;
#[cfg(feature = "ssr")]
pub mod storage;

/// The kinds of file a draft may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, crate::json_text::FromJson)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Jpeg,
    Png,
    Gif,
    Webp,
    Heic,
    Mp4,
    Mov,
    Webm,
}

impl MediaKind {
    /// Every kind, images first.
    pub const ALL: [MediaKind; 8] = [
        MediaKind::Jpeg,
        MediaKind::Png,
        MediaKind::Gif,
        MediaKind::Webp,
        MediaKind::Heic,
        MediaKind::Mp4,
        MediaKind::Mov,
        MediaKind::Webm,
    ];

    /// The MIME type to serve the file with.
    pub fn mime(self) -> &'static str {
        match self {
            MediaKind::Jpeg => "image/jpeg",
            MediaKind::Png => "image/png",
            MediaKind::Gif => "image/gif",
            MediaKind::Webp => "image/webp",
            MediaKind::Heic => "image/heic",
            MediaKind::Mp4 => "video/mp4",
            MediaKind::Mov => "video/quicktime",
            MediaKind::Webm => "video/webm",
        }
    }

    /// The usual file name extension, without the dot.
    pub fn ext(self) -> &'static str {
        match self {
            MediaKind::Jpeg => "jpg",
            MediaKind::Png => "png",
            MediaKind::Gif => "gif",
            MediaKind::Webp => "webp",
            MediaKind::Heic => "heic",
            MediaKind::Mp4 => "mp4",
            MediaKind::Mov => "mov",
            MediaKind::Webm => "webm",
        }
    }

    /// A still image (including HEIC, which has no preview).
    pub fn is_image(self) -> bool {
        matches!(self, MediaKind::Jpeg | MediaKind::Png | MediaKind::Gif | MediaKind::Webp | MediaKind::Heic)
    }

    /// A video.
    pub fn is_video(self) -> bool {
        !self.is_image()
    }

    /// A name for people: "JPEG image", "MP4 video".
    pub fn label(self) -> &'static str {
        match self {
            MediaKind::Jpeg => "JPEG image",
            MediaKind::Png => "PNG image",
            MediaKind::Gif => "GIF image",
            MediaKind::Webp => "WebP image",
            MediaKind::Heic => "HEIC image",
            MediaKind::Mp4 => "MP4 video",
            MediaKind::Mov => "MOV video",
            MediaKind::Webm => "WebM video",
        }
    }

    /// The stored name ("jpeg", "mov"), as serde writes it.
    pub fn key(self) -> &'static str {
        match self {
            MediaKind::Jpeg => "jpeg",
            MediaKind::Png => "png",
            MediaKind::Gif => "gif",
            MediaKind::Webp => "webp",
            MediaKind::Heic => "heic",
            MediaKind::Mp4 => "mp4",
            MediaKind::Mov => "mov",
            MediaKind::Webm => "webm",
        }
    }

    /// The kind whose [`key`](Self::key) is `s`.
    pub fn parse(s: &str) -> Option<MediaKind> {
        MediaKind::ALL.into_iter().find(|k| k.key() == s)
    }
}

/// How many leading bytes [`sniff`] looks at, at most.
pub const SNIFF_BYTES: usize = 64;
/// The default size limit of one upload: 200 MB.
pub const DEFAULT_MAX_BYTES: u64 = 200 * MB;

/// The shortest head [`sniff`] decides on (the ISO-BMFF brand and WebP's form type end at byte 12).
const MIN_SNIFF: usize = 12;
const KB: u64 = 1024;
const MB: u64 = 1024 * KB;
const GB: u64 = 1024 * MB;
const ACCEPTED: &str = "upload a JPEG, PNG, GIF, WebP or HEIC image, or an MP4, MOV or WebM video";

/// What the file is, from its first bytes (up to [`SNIFF_BYTES`]; more are ignored), never from its name or
/// declared type. The error is a sentence for the creator, naming what the file looks like when we can tell.
pub fn sniff(head: &[u8]) -> Result<MediaKind, String> {
    let head = &head[..head.len().min(SNIFF_BYTES)];
    if head.is_empty() {
        return Err(format!("The file is empty; {ACCEPTED}"));
    }
    if head.len() < MIN_SNIFF {
        return Err(format!("The file is too short to be an image or video ({} bytes); {ACCEPTED}", head.len()));
    }
    let at = |i: usize, magic: &[u8]| head.get(i..i + magic.len()) == Some(magic);
    if at(0, &[0xFF, 0xD8, 0xFF]) {
        return Ok(MediaKind::Jpeg);
    }
    if at(0, &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return Ok(MediaKind::Png);
    }
    if at(0, b"GIF87a") || at(0, b"GIF89a") {
        return Ok(MediaKind::Gif);
    }
    if at(0, b"RIFF") {
        return match &head[8..12] {
            b"WEBP" => Ok(MediaKind::Webp),
            b"AVI " => Err(refused("an AVI video")),
            b"WAVE" => Err(refused("a WAV audio file")),
            _ => Err(refused_unknown()),
        };
    }
    if at(4, b"ftyp") {
        return ftyp_kind(head);
    }
    // Old QuickTime files start straight with a movie, data or padding box.
    if [&b"moov"[..], b"mdat", b"wide", b"free", b"skip", b"pnot"].iter().any(|b| at(4, b)) {
        return Ok(MediaKind::Mov);
    }
    if at(0, &[0x1A, 0x45, 0xDF, 0xA3]) {
        return Ok(MediaKind::Webm);
    }
    Err(match refused_kind(head) {
        Some(what) => refused(what),
        None => refused_unknown(),
    })
}

/// An ISO base media file (MP4, MOV, HEIC…) by its major brand, and its compatible brands when the major
/// one is the generic image brand (which AVIF shares with HEIC).
fn ftyp_kind(head: &[u8]) -> Result<MediaKind, String> {
    let brand = &head[8..12];
    let box_end = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
    let compatible = || head.get(16..box_end.min(head.len())).unwrap_or_default().chunks_exact(4);
    match brand {
        b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" => Ok(MediaKind::Heic),
        b"avif" | b"avis" => Err(refused("an AVIF image")),
        b"mif1" | b"msf1" if compatible().any(|b| b == b"avif" || b == b"avis") => Err(refused("an AVIF image")),
        b"mif1" | b"msf1" => Ok(MediaKind::Heic),
        b"qt  " => Ok(MediaKind::Mov),
        b"M4A " | b"M4B " | b"M4P " | b"F4A " | b"F4B " => Err(refused("an audio file")),
        b"crx " => Err(refused("a camera raw photo")),
        _ => Ok(MediaKind::Mp4),
    }
}

/// Common files we refuse, named for the message.
fn refused_kind(head: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"%PDF", "a PDF document"),
        (b"PK\x03\x04", "a ZIP archive or an Office document"),
        (b"MZ", "a Windows program"),
        (b"\x7fELF", "a program"),
        (b"\xCF\xFA\xED\xFE", "a program"),
        (b"Rar!\x1A\x07", "a RAR archive"),
        (b"7z\xBC\xAF\x27\x1C", "a 7-Zip archive"),
        (b"\x1F\x8B", "a compressed (gzip) file"),
        (b"II*\x00", "a TIFF image"),
        (b"MM\x00*", "a TIFF image"),
        (b"8BPS", "a Photoshop document"),
        (b"BM", "a BMP image"),
        (b"ID3", "an MP3 audio file"),
        (b"OggS", "an Ogg audio or video file"),
        (b"fLaC", "a FLAC audio file"),
        (b"FLV\x01", "a Flash video"),
        (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "an old Office document"),
        (b"{\\rtf", "a rich text document"),
    ];
    if let Some((_, what)) = MAGIC.iter().find(|(magic, _)| head.starts_with(magic)) {
        return Some(what);
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    if !is_text(text) {
        return None;
    }
    let start = text.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(text.len());
    let lower = text[start..].to_ascii_lowercase();
    let has = |needle: &[u8]| lower.windows(needle.len()).any(|w| w == needle);
    Some(match lower.first() {
        Some(b'<') if has(b"<svg") => "an SVG drawing",
        Some(b'<') if has(b"<!doctype html") || has(b"<html") => "a web page (HTML)",
        Some(b'<') if lower.starts_with(b"<?xml") => "an XML document",
        Some(b'<') => "an HTML or XML document",
        _ => "a text file",
    })
}

/// Printable UTF-8 (a character cut at the end of the head is fine).
fn is_text(b: &[u8]) -> bool {
    let valid = match std::str::from_utf8(b) {
        Ok(s) => s,
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&b[..e.valid_up_to()]).unwrap_or_default(),
        Err(_) => return false,
    };
    !valid.is_empty() && valid.chars().all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\x0C'))
}

fn refused(what: &str) -> String {
    format!("This file is {what}; {ACCEPTED}")
}

fn refused_unknown() -> String {
    format!("This file is not an image or video we accept; {ACCEPTED}")
}

/// Refuses a declared size of 0 or above `max`, naming both sizes ("The file is 250.0 MB; the limit is 200 MB").
pub fn check_size(declared: u64, max: u64) -> Result<(), String> {
    if declared == 0 {
        return Err(format!("The file is empty; {ACCEPTED}"));
    }
    if declared <= max {
        return Ok(());
    }
    Err(if max >= MB {
        // The size rounded up and the limit down, so a file just over never reads as equal to it.
        let size = (u128::from(declared) * 10).div_ceil(u128::from(MB));
        let limit = u128::from(max) * 10 / u128::from(MB);
        let limit = if limit % 10 == 0 { format!("{}", limit / 10) } else { format!("{}.{}", limit / 10, limit % 10) };
        format!("The file is {}.{} MB; the limit is {limit} MB", size / 10, size % 10)
    } else {
        format!("The file is {}; the limit is {}", human_size(declared), human_size(max))
    })
}

/// A size for people, in binary units: "512 B", "850 kB", "12.3 MB", "1.5 GB".
pub fn human_size(bytes: u64) -> String {
    let b = u128::from(bytes);
    let round = |unit: u64, scale: u128| (b * scale + u128::from(unit) / 2) / u128::from(unit);
    if bytes < KB {
        return format!("{bytes} B");
    }
    let kb = round(KB, 1);
    if kb < 1024 {
        return format!("{kb} kB");
    }
    let mb = round(MB, 10);
    if mb < 10240 {
        return format!("{}.{} MB", mb / 10, mb % 10);
    }
    let gb = round(GB, 10);
    format!("{}.{} GB", gb / 10, gb % 10)
}

/// A fresh folder under the system's temporary one, for tests that write files.
#[cfg(all(test, feature = "ssr"))]
pub(crate) fn test_dir(tag: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!(
        "chorus-media-{tag}-{}-{}-{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pad(mut b: Vec<u8>) -> Vec<u8> {
        b.resize(32, 0);
        b
    }

    fn ftyp(brand: &[u8; 4], compat: &[&[u8; 4]]) -> Vec<u8> {
        let size = 16 + 4 * compat.len() as u32;
        let mut b = size.to_be_bytes().to_vec();
        b.extend_from_slice(b"ftyp");
        b.extend_from_slice(brand);
        b.extend_from_slice(&[0, 0, 2, 0]);
        for c in compat {
            b.extend_from_slice(*c);
        }
        b.extend_from_slice(&[0, 0, 0, 8, b'm', b'd', b'a', b't']);
        b
    }

    #[test]
    fn kinds_round_trip() {
        for k in MediaKind::ALL {
            assert_eq!(MediaKind::parse(k.key()), Some(k));
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{}\"", k.key()));
            assert_eq!(k.is_image(), k.mime().starts_with("image/"));
            assert_ne!(k.is_image(), k.is_video());
        }
        assert_eq!(MediaKind::parse("JPEG"), None);
        assert_eq!(MediaKind::Mov.mime(), "video/quicktime");
        assert_eq!(MediaKind::Jpeg.ext(), "jpg");
        assert_eq!(MediaKind::Mp4.label(), "MP4 video");
    }

    #[test]
    fn sniffs_accepted_kinds() {
        let cases: Vec<(Vec<u8>, MediaKind)> = vec![
            (pad(vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0]), MediaKind::Jpeg),
            (pad(vec![0xFF, 0xD8, 0xFF, 0xE1, 0x12, 0x34, b'E', b'x', b'i', b'f', 0, 0]), MediaKind::Jpeg),
            (pad(b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec()), MediaKind::Png),
            (pad(b"GIF89a\x40\x00\x30\x00\xf7\x00".to_vec()), MediaKind::Gif),
            (pad(b"GIF87a\x40\x00\x30\x00\xf7\x00".to_vec()), MediaKind::Gif),
            (pad(b"RIFF\x24\x10\0\0WEBPVP8L".to_vec()), MediaKind::Webp),
            (ftyp(b"heic", &[b"mif1", b"heic"]), MediaKind::Heic),
            (ftyp(b"mif1", &[b"mif1", b"heic"]), MediaKind::Heic),
            (ftyp(b"hevc", &[b"hevc"]), MediaKind::Heic),
            (ftyp(b"qt  ", &[b"qt  "]), MediaKind::Mov),
            (ftyp(b"isom", &[b"isom", b"iso2", b"avc1", b"mp41"]), MediaKind::Mp4),
            (ftyp(b"mp42", &[b"mp42", b"isom"]), MediaKind::Mp4),
            (ftyp(b"M4V ", &[b"M4V ", b"M4A "]), MediaKind::Mp4),
            (ftyp(b"3gp4", &[b"3gp4"]), MediaKind::Mp4),
            (ftyp(b"dash", &[b"iso6"]), MediaKind::Mp4),
            (pad(b"\0\0\0\x08wide\0\x10\0\0mdat".to_vec()), MediaKind::Mov),
            (pad(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm".to_vec()), MediaKind::Webm),
            (pad(b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska".to_vec()), MediaKind::Webm),
        ];
        for (head, kind) in cases {
            assert_eq!(sniff(&head), Ok(kind), "{head:?}");
        }
        // Only the head counts: bytes past SNIFF_BYTES are ignored.
        let mut long = pad(b"GIF89a".to_vec());
        long.resize(10_000, b'x');
        assert_eq!(sniff(&long), Ok(MediaKind::Gif));
    }

    #[test]
    fn refuses_other_files_by_name() {
        let cases: [(&[u8], &str); 12] = [
            (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF document"),
            (b"PK\x03\x04\x14\0\x06\0\x08\0\0\0!\0", "a ZIP archive"),
            (b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff", "a Windows program"),
            (b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0", "a program"),
            (b"<!DOCTYPE html>\n<html><head>", "a web page (HTML)"),
            (b"  <html lang=\"en\"><body>hello", "a web page (HTML)"),
            (b"<?xml version=\"1.0\"?>\n<svg xmlns=", "an SVG drawing"),
            (b"<?xml version=\"1.0\"?>\n<note>", "an XML document"),
            (b"Hello, this is my draft caption for the post", "a text file"),
            (b"\xEF\xBB\xBFcaf\xC3\xA9 cr\xC3\xA8me, na\xC3\xAFve", "a text file"),
            (b"RIFF\x24\x10\0\0AVI LIST", "an AVI video"),
            (b"\0\0\0\x1cftypavif\0\0\0\0avifmif1", "an AVIF image"),
        ];
        for (head, what) in cases {
            let err = sniff(head).unwrap_err();
            assert!(err.starts_with(&format!("This file is {what}")), "{err}");
            assert!(err.contains("upload a JPEG, PNG, GIF, WebP or HEIC image, or an MP4, MOV or WebM video"), "{err}");
        }
        let err = sniff(&[0x00, 0x01, 0x02, 0x03, 0xFE, 0x80, 0x00, 0x00, 0x13, 0x37, 0x00, 0x42, 0x99]).unwrap_err();
        assert!(err.starts_with("This file is not an image or video we accept;"), "{err}");
        // Generic image brand with AVIF among the compatible ones is AVIF, not HEIC.
        assert!(sniff(&ftyp(b"mif1", &[b"mif1", b"avif"])).unwrap_err().contains("AVIF"));
    }

    #[test]
    fn refuses_empty_and_short_heads() {
        assert!(sniff(&[]).unwrap_err().starts_with("The file is empty"));
        let err = sniff(&[0xFF, 0xD8, 0xFF]).unwrap_err();
        assert!(err.starts_with("The file is too short") && err.contains("3 bytes"), "{err}");
        assert!(sniff(b"GIF89a").unwrap_err().contains("too short"));
    }

    #[test]
    fn checks_sizes() {
        assert!(check_size(0, DEFAULT_MAX_BYTES).unwrap_err().starts_with("The file is empty"));
        assert_eq!(check_size(1, DEFAULT_MAX_BYTES), Ok(()));
        assert_eq!(check_size(DEFAULT_MAX_BYTES, DEFAULT_MAX_BYTES), Ok(()));
        assert_eq!(
            check_size(DEFAULT_MAX_BYTES + 1, DEFAULT_MAX_BYTES).unwrap_err(),
            "The file is 200.1 MB; the limit is 200 MB"
        );
        assert_eq!(check_size(250 * MB, DEFAULT_MAX_BYTES).unwrap_err(), "The file is 250.0 MB; the limit is 200 MB");
        assert_eq!(check_size(3 * MB, 3 * MB / 2).unwrap_err(), "The file is 3.0 MB; the limit is 1.5 MB");
        assert_eq!(check_size(5000, 1000).unwrap_err(), "The file is 5 kB; the limit is 1000 B");
        assert!(check_size(u64::MAX, DEFAULT_MAX_BYTES).is_err());
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1024), "1 kB");
        assert_eq!(human_size(850 * KB + 100), "850 kB");
        assert_eq!(human_size(MB - 1), "1.0 MB");
        assert_eq!(human_size(12 * MB + 3 * MB / 10 + 1), "12.3 MB");
        assert_eq!(human_size(DEFAULT_MAX_BYTES), "200.0 MB");
        assert_eq!(human_size(3 * GB / 2), "1.5 GB");
        assert!(human_size(u64::MAX).ends_with("GB"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn sniff_never_panics(head in proptest::collection::vec(any::<u8>(), 0..100)) {
            match sniff(&head) {
                Ok(_) => prop_assert!(head.len() >= MIN_SNIFF),
                Err(e) => prop_assert!(e.ends_with(ACCEPTED)),
            }
        }

        #[test]
        fn sniff_never_panics_on_magic_prefixes(
            magic in prop::sample::select(vec![
                &b"\0\0\0\x18ftyp"[..], b"\xff\xff\xff\xffftypmif1", b"RIFF", b"\x1a\x45\xdf\xa3", b"\xEF\xBB\xBF<", b"<", b"\0\0\0\x00ftyp",
            ]),
            rest in proptest::collection::vec(any::<u8>(), 0..60),
        ) {
            let mut head = magic.to_vec();
            head.extend(rest);
            let _ = sniff(&head);
        }

        #[test]
        fn sizes_never_panic(declared in any::<u64>(), max in any::<u64>()) {
            let _ = human_size(declared);
            prop_assert_eq!(check_size(declared, max).is_ok(), declared != 0 && declared <= max);
        }
    }
}
