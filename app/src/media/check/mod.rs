//! Whole-file checks of a finished upload and image previews.
//!
//! Both read files with blocking I/O: call them from `tokio::task::spawn_blocking`. Structure checks read
//! only headers and tails (a few boxes of an MP4), never the whole file; images are decoded only for previews.
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use image::codecs::jpeg::JpegEncoder;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbImage};

use super::{sniff, MediaKind, SNIFF_BYTES};

/// The widest or tallest image we take, in pixels.
pub const MAX_SIDE: u32 = 20_000;
/// The most pixels an image may have (more is a decompression bomb, or at least no draft).
pub const MAX_PIXELS: u64 = 100_000_000;
/// The most pixels an image is decoded for a preview: larger ones are taken without one. 40 megapixels is a
/// 7,300 × 5,500 photo; decoded, 160 MB.
pub const PREVIEW_MAX_PIXELS: u64 = 40_000_000;
/// The most memory one preview's decoding may take (40 megapixels of 8-bit RGBA). A 100-megapixel PNG is a few
/// hundred kB on disk and 300 MB decoded: it gets no preview rather than that memory.
pub const MAX_DECODE_BYTES: u64 = 4 * PREVIEW_MAX_PIXELS;
/// Previews decoded at once, in the whole process (each may take up to [`MAX_DECODE_BYTES`]); more wait their turn.
pub const DECODES_AT_ONCE: usize = 2;

mod preview;
mod structure;

pub use preview::{decode_turn, previewable, thumbnail};
use preview::{dimensions, image_format};
use structure::{structure, Problem};
#[cfg(test)]
use structure::{walk_bytes, Boxes};
/// How much of an image's start its dimensions are first read from.
const HEADER_BYTES: u64 = 1024 * 1024;
/// Zero padding allowed after a JPEG's end marker.
const MAX_JPEG_PADDING: u64 = 1024 * 1024;
/// More top-level boxes than this is no real MP4 (a fragmented hour-long stream has some thousands).
const MAX_BOXES: usize = 1_000_000;
/// JPEG quality of previews.
const PREVIEW_QUALITY: u8 = 82;

/// Checks a complete upload as a whole: its content is still `kind` (what [`sniff`] said of its first
/// chunk) and it is not cut off; an image's dimensions are sane. The error is a sentence for the creator.
pub fn check_complete(kind: MediaKind, path: &Path) -> Result<(), String> {
    let mut file = File::open(path).map_err(unreadable)?;
    let len = file.metadata().map_err(unreadable)?.len();
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    (&mut file).take(SNIFF_BYTES as u64).read_to_end(&mut head).map_err(unreadable)?;
    let found = sniff(&head)?;
    if found != kind {
        let article = if found == MediaKind::Mp4 { "an" } else { "a" };
        return Err(format!(
            "The file is {article} {}, not the {} it was uploaded as; upload it again",
            found.label(),
            kind.label()
        ));
    }
    structure(kind, &mut file, len).map_err(|p| p.message(kind))?;
    if image_format(kind).is_some() {
        dimensions(kind, path)?;
    }
    Ok(())
}

fn unreadable(e: io::Error) -> String {
    format!("The uploaded file could not be read ({e}); upload it again")
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::codecs::webp::WebPEncoder;
    use image::{ImageEncoder, RgbaImage};
    use proptest::prelude::*;
    use std::io::Cursor;
    use std::path::PathBuf;

    fn gradient(w: u32, h: u32) -> RgbaImage {
        RgbaImage::from_fn(w, h, |x, y| image::Rgba([(x * 255 / w) as u8, (y * 255 / h) as u8, 128, 255]))
    }

    fn encode(kind: MediaKind, img: &RgbaImage) -> Vec<u8> {
        let mut out = Vec::new();
        match kind {
            MediaKind::Webp => WebPEncoder::new_lossless(&mut out)
                .write_image(img.as_raw(), img.width(), img.height(), image::ExtendedColorType::Rgba8)
                .unwrap(),
            MediaKind::Jpeg => DynamicImage::ImageRgba8(img.clone())
                .to_rgb8()
                .write_to(&mut Cursor::new(&mut out), ImageFormat::Jpeg)
                .unwrap(),
            _ => img.write_to(&mut Cursor::new(&mut out), image_format(kind).unwrap()).unwrap(),
        }
        out
    }

    fn bmff_box(kind: &[u8; 4], payload_len: usize) -> Vec<u8> {
        let mut b = ((8 + payload_len) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend((0..payload_len).map(|i| (i * 7) as u8));
        b
    }

    fn ftyp(brand: &[u8; 4]) -> Vec<u8> {
        let mut b = vec![0, 0, 0, 24];
        b.extend_from_slice(b"ftyp");
        b.extend_from_slice(brand);
        b.extend_from_slice(&[0, 0, 2, 0]);
        b.extend_from_slice(brand);
        b.extend_from_slice(b"isom");
        b
    }

    /// ftyp + moov + mdat, as a fast-start export writes them.
    fn mp4() -> Vec<u8> {
        [ftyp(b"isom"), bmff_box(b"moov", 120), bmff_box(b"mdat", 4000)].concat()
    }

    fn webm(segment: Option<usize>) -> Vec<u8> {
        let mut b = vec![0x1A, 0x45, 0xDF, 0xA3, 0x87, 0x42, 0x82, 0x84, b'w', b'e', b'b', b'm'];
        b.extend_from_slice(&[0x18, 0x53, 0x80, 0x67, 0x01]);
        let payload = segment.unwrap_or(3000);
        let size = if segment.is_some() { payload as u64 } else { (1 << 56) - 1 };
        b.extend_from_slice(&size.to_be_bytes()[1..]);
        b.extend((0..payload).map(|i| (i * 13) as u8));
        b
    }

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn samples() -> Vec<(MediaKind, Vec<u8>)> {
        let img = gradient(64, 48);
        vec![
            (MediaKind::Png, encode(MediaKind::Png, &img)),
            (MediaKind::Jpeg, encode(MediaKind::Jpeg, &img)),
            (MediaKind::Gif, encode(MediaKind::Gif, &img)),
            (MediaKind::Webp, encode(MediaKind::Webp, &img)),
            (MediaKind::Mp4, mp4()),
            (
                MediaKind::Mov,
                [ftyp(b"qt  "), bmff_box(b"wide", 0), bmff_box(b"mdat", 3000), bmff_box(b"moov", 90)].concat(),
            ),
            (MediaKind::Heic, [ftyp(b"heic"), bmff_box(b"meta", 200), bmff_box(b"mdat", 3000)].concat()),
            (MediaKind::Webm, webm(Some(3000))),
        ]
    }

    #[test]
    fn complete_files_pass() {
        let dir = crate::media::test_dir("complete");
        for (kind, bytes) in samples() {
            let path = write(&dir, kind.key(), &bytes);
            assert_eq!(sniff(&bytes), Ok(kind));
            assert_eq!(check_complete(kind, &path), Ok(()), "{kind:?}");
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn truncated_files_are_refused() {
        let dir = crate::media::test_dir("truncated");
        for (kind, bytes) in samples() {
            for keep in [bytes.len() - 1, bytes.len() - 5, bytes.len() / 2, 40] {
                let path = write(&dir, kind.key(), &bytes[..keep]);
                let err = check_complete(kind, &path).unwrap_err();
                assert_eq!(
                    err,
                    format!("The {} is cut off (the upload may have been interrupted); upload it again", kind.label()),
                    "{kind:?} cut to {keep} of {}",
                    bytes.len()
                );
            }
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn movie_without_index_is_refused() {
        let dir = crate::media::test_dir("moov");
        // A recording stopped before its index was written: the boxes add up but there is no moov.
        let path = write(&dir, "a.mp4", &[ftyp(b"mp42"), bmff_box(b"mdat", 5000)].concat());
        let err = check_complete(MediaKind::Mp4, &path).unwrap_err();
        assert!(err.starts_with("The MP4 video is incomplete (it has no index"), "{err}");
        // Cut exactly where the trailing moov would begin.
        let mov = [ftyp(b"qt  "), bmff_box(b"mdat", 3000), bmff_box(b"moov", 90)].concat();
        let path = write(&dir, "a.mov", &mov[..mov.len() - 98]);
        assert!(check_complete(MediaKind::Mov, &path).unwrap_err().contains("incomplete"));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn box_walk_sizes() {
        // 64-bit size, and a last box running to the end of the file.
        let mut large = vec![0, 0, 0, 1, b'm', b'd', b'a', b't'];
        large.extend_from_slice(&(16u64 + 100).to_be_bytes());
        large.extend([7; 100]);
        let to_end = [0, 0, 0, 0, b'm', b'd', b'a', b't', 1, 2, 3];
        let file = [ftyp(b"isom"), bmff_box(b"moov", 10), large.clone(), to_end.to_vec()].concat();
        assert_eq!(walk_bytes(&file).unwrap(), Boxes { count: 4, moov: true, meta: false });
        // A 64-bit size past the end is a cut; a size below the header is damage; so is a nameless box.
        let mut huge = large.clone();
        huge[8..16].copy_from_slice(&u64::MAX.to_be_bytes());
        assert!(matches!(walk_bytes(&[ftyp(b"isom"), huge].concat()), Err(Problem::Cut)));
        assert!(matches!(
            walk_bytes(&[ftyp(b"isom"), vec![0, 0, 0, 4, b'f', b'r', b'e', b'e']].concat()),
            Err(Problem::Damaged(_))
        ));
        assert!(matches!(
            walk_bytes(&[ftyp(b"isom"), vec![0, 0, 0, 8, 0, 0, 0, 0]].concat()),
            Err(Problem::Damaged(_))
        ));
        // Extra bytes after the last box that are no box of their own.
        assert!(walk_bytes(&[mp4(), vec![0; 3]].concat()).is_err());
        assert!(matches!(walk_bytes(&[]), Err(Problem::Cut)));
    }

    #[test]
    fn content_must_stay_the_sniffed_kind() {
        let dir = crate::media::test_dir("mismatch");
        let path = write(&dir, "x.jpg", &encode(MediaKind::Png, &gradient(64, 48)));
        let err = check_complete(MediaKind::Jpeg, &path).unwrap_err();
        assert_eq!(err, "The file is a PNG image, not the JPEG image it was uploaded as; upload it again");
        let path = write(&dir, "x.mp4", b"%PDF-1.4\n%%EOF and more text here");
        assert!(check_complete(MediaKind::Mp4, &path).unwrap_err().starts_with("This file is a PDF document"));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn padded_jpeg_passes_and_extra_webp_data_does_not() {
        let dir = crate::media::test_dir("padding");
        let mut jpeg = encode(MediaKind::Jpeg, &gradient(64, 48));
        jpeg.extend([0; 200_000]);
        assert_eq!(check_complete(MediaKind::Jpeg, &write(&dir, "p.jpg", &jpeg)), Ok(()));
        let mut webp = encode(MediaKind::Webp, &gradient(64, 48));
        webp.extend([0; 10]);
        let err = check_complete(MediaKind::Webp, &write(&dir, "p.webp", &webp)).unwrap_err();
        assert!(err.starts_with("The WebP image is damaged (there is extra data after the image)"), "{err}");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn jpeg_dimensions_past_the_first_megabyte() {
        let dir = crate::media::test_dir("appn");
        let jpeg = encode(MediaKind::Jpeg, &gradient(64, 48));
        // 20 application segments of 64 kB before the frame header push it past HEADER_BYTES.
        let mut segment = vec![0xFF, 0xEF, 0xFF, 0xFF];
        segment.resize(2 + 0xFFFF, b'x');
        let big = [&jpeg[..2], &segment.repeat(20), &jpeg[2..]].concat();
        assert!(big.len() as u64 > HEADER_BYTES + 200_000);
        let path = write(&dir, "big.jpg", &big);
        assert_eq!(dimensions(MediaKind::Jpeg, &path), Ok((64, 48)));
        assert_eq!(check_complete(MediaKind::Jpeg, &path), Ok(()));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn webm_sizes() {
        let dir = crate::media::test_dir("webm");
        // A live recording's segment has an unknown size: accepted when the file goes past the header.
        assert_eq!(check_complete(MediaKind::Webm, &write(&dir, "live.webm", &webm(None))), Ok(()));
        let header_only = &webm(None)[..12];
        let err = check_complete(MediaKind::Webm, &write(&dir, "h.webm", header_only)).unwrap_err();
        assert!(err.contains("cut off"), "{err}");
        let _ = std::fs::remove_dir_all(dir);
    }

    fn crc32(bytes: &[u8]) -> u32 {
        !bytes.iter().fold(!0u32, |crc, &b| {
            (0..8).fold(crc ^ u32::from(b), |c, _| if c & 1 == 1 { (c >> 1) ^ 0xEDB8_8320 } else { c >> 1 })
        })
    }

    /// A PNG that claims `w`×`h` pixels and holds almost no data (its chunks are complete).
    fn png_claiming(w: u32, h: u32) -> Vec<u8> {
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend_from_slice(&w.to_be_bytes());
        ihdr.extend_from_slice(&h.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0d".to_vec();
        b.extend_from_slice(&ihdr);
        b.extend_from_slice(&crc32(&ihdr).to_be_bytes());
        // A first data chunk (a zlib stream's start), where the decoder's header reading stops.
        let idat = b"IDAT\x78\x9c";
        b.extend_from_slice(&2u32.to_be_bytes());
        b.extend_from_slice(idat);
        b.extend_from_slice(&crc32(idat).to_be_bytes());
        b.extend_from_slice(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82]);
        b
    }

    #[test]
    fn decompression_bombs_are_refused() {
        let dir = crate::media::test_dir("bomb");
        for (w, h) in [(25_000, 10), (10, 20_001), (15_000, 15_000)] {
            let path = write(&dir, "bomb.png", &png_claiming(w, h));
            let err = check_complete(MediaKind::Png, &path).unwrap_err();
            assert!(err.starts_with(&format!("The PNG image is {w} × {h} pixels")), "{err}");
            assert!(thumbnail(MediaKind::Png, &path, 320).is_err());
        }
        // Just inside the limits: only the header is read, so the check passes without decoding.
        let path = write(&dir, "big.png", &png_claiming(20_000, 5_000));
        assert_eq!(check_complete(MediaKind::Png, &path), Ok(()));
        let _ = std::fs::remove_dir_all(dir);
    }

    /// A real PNG of `w`×`h` grey pixels of one colour.
    fn plain_png(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let img = image::GrayImage::from_pixel(w, h, image::Luma([90]));
        DynamicImage::ImageLuma8(img).write_to(&mut Cursor::new(&mut out), ImageFormat::Png).unwrap();
        out
    }

    #[test]
    fn images_too_large_to_decode_get_no_preview() {
        let dir = crate::media::test_dir("nopreview");
        // 40,000,001 pixels: a valid image, taken, but not decoded for a preview.
        let path = write(&dir, "wide.png", &plain_png(8_000, 5_001));
        assert_eq!(check_complete(MediaKind::Png, &path), Ok(()));
        assert_eq!(thumbnail(MediaKind::Png, &path, 320), Ok(None));
        // Just under: previewed.
        let path = write(&dir, "ok.png", &plain_png(5_000, 4_000));
        assert!(thumbnail(MediaKind::Png, &path, 320).unwrap().is_some());
        assert!(previewable(MediaKind::Png) && !previewable(MediaKind::Mp4));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn thumbnails_fit_and_never_enlarge() {
        let dir = crate::media::test_dir("thumb");
        let path = write(&dir, "big.png", &encode(MediaKind::Png, &gradient(1200, 800)));
        let jpeg = thumbnail(MediaKind::Png, &path, 320).unwrap().unwrap();
        assert_eq!(sniff(&jpeg), Ok(MediaKind::Jpeg));
        let preview = image::load_from_memory_with_format(&jpeg, ImageFormat::Jpeg).unwrap();
        assert_eq!((preview.width(), preview.height()), (320, 213));
        // A gradient stays a gradient: left edge dark red, right edge bright.
        let rgb = preview.to_rgb8();
        assert!(rgb.get_pixel(2, 100)[0] < 30 && rgb.get_pixel(317, 100)[0] > 220);

        let mut small = gradient(100, 50);
        small.put_pixel(0, 0, image::Rgba([0, 0, 0, 0]));
        for kind in [MediaKind::Png, MediaKind::Webp, MediaKind::Gif, MediaKind::Jpeg] {
            let path = write(&dir, kind.key(), &encode(kind, &small));
            let jpeg = thumbnail(kind, &path, 320).unwrap().unwrap();
            let preview = image::load_from_memory_with_format(&jpeg, ImageFormat::Jpeg).unwrap();
            assert_eq!((preview.width(), preview.height()), (100, 50), "{kind:?}");
        }
        // A transparent pixel is previewed over white.
        let png = thumbnail(MediaKind::Png, &dir.join("png"), 320).unwrap().unwrap();
        let corner = *image::load_from_memory(&png).unwrap().to_rgb8().get_pixel(0, 0);
        assert!(corner.0.iter().all(|&c| c > 200), "{corner:?}");

        // A photo stored sideways (EXIF orientation 6: turn 90° clockwise) is previewed upright.
        let exif = b"MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x06\0\0\0\0\0\0".to_vec();
        let sideways = DynamicImage::ImageRgba8(gradient(1200, 800)).to_rgb8();
        let mut jpeg = Vec::new();
        let mut encoder = JpegEncoder::new_with_quality(&mut jpeg, 90);
        encoder.set_exif_metadata(exif).unwrap();
        encoder.write_image(sideways.as_raw(), 1200, 800, image::ExtendedColorType::Rgb8).unwrap();
        let path = write(&dir, "sideways.jpg", &jpeg);
        assert_eq!(check_complete(MediaKind::Jpeg, &path), Ok(()));
        let preview = image::load_from_memory(&thumbnail(MediaKind::Jpeg, &path, 320).unwrap().unwrap()).unwrap();
        assert_eq!((preview.width(), preview.height()), (213, 320));
        // Turned clockwise, the dark left edge is now at the top.
        let rgb = preview.to_rgb8();
        assert!(rgb.get_pixel(100, 2)[0] < 30 && rgb.get_pixel(100, 317)[0] > 220);

        let movie = write(&dir, "a.mp4", &mp4());
        assert_eq!(thumbnail(MediaKind::Mp4, &movie, 320), Ok(None));
        assert_eq!(thumbnail(MediaKind::Heic, &movie, 320), Ok(None));
        let _ = std::fs::remove_dir_all(dir);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        #[test]
        fn structure_checks_never_panic(
            prefix in prop::sample::select(vec![
                Vec::new(), ftyp(b"isom"), vec![0x1A, 0x45, 0xDF, 0xA3], b"RIFF".to_vec(), vec![0xFF, 0xD8, 0xFF],
            ]),
            rest in proptest::collection::vec(any::<u8>(), 0..200),
            cut in any::<prop::sample::Index>(),
        ) {
            let mut bytes = [prefix, rest].concat();
            bytes.truncate(cut.index(bytes.len() + 1));
            for kind in MediaKind::ALL {
                let _ = structure(kind, &mut Cursor::new(&bytes), bytes.len() as u64);
            }
            let _ = walk_bytes(&bytes);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn whole_file_checks_never_panic(
            kind in prop::sample::select(MediaKind::ALL.to_vec()),
            cut in any::<prop::sample::Index>(),
            flip in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        ) {
            let dir = crate::media::test_dir("prop");
            let (_, mut bytes) = samples().into_iter().find(|(k, _)| *k == kind).unwrap();
            for (at, b) in flip {
                let i = at.index(bytes.len());
                bytes[i] = b;
            }
            bytes.truncate(cut.index(bytes.len() + 1));
            let path = write(&dir, "f", &bytes);
            let _ = check_complete(kind, &path);
            let _ = thumbnail(kind, &path, 64);
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
