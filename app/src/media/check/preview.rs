//! Image previews, and an image's dimensions from its header.
use super::*;
static DECODES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(DECODES_AT_ONCE);

/// A turn to decode an image for its preview: hold it (into the blocking task) while [`thumbnail`] runs.
pub async fn decode_turn() -> Option<tokio::sync::SemaphorePermit<'static>> {
    DECODES.acquire().await.ok()
}

/// Whether [`thumbnail`] decodes files of this kind (so it needs a [`decode_turn`]).
pub fn previewable(kind: MediaKind) -> bool {
    image_format(kind).is_some()
}

/// A preview of an image: JPEG bytes of it scaled to fit `max_side`×`max_side` (never enlarged, transparency
/// over white, turned as its EXIF orientation says), or `Ok(None)` for videos and HEIC (no decoder here) and for
/// images too large to decode for a preview (over [`PREVIEW_MAX_PIXELS`] or [`MAX_DECODE_BYTES`]).
/// Call it with a [`decode_turn`] held.
pub fn thumbnail(kind: MediaKind, path: &Path, max_side: u32) -> Result<Option<Vec<u8>>, String> {
    let Some(format) = image_format(kind) else { return Ok(None) };
    let (w, h) = dimensions(kind, path)?;
    if u64::from(w) * u64::from(h) > PREVIEW_MAX_PIXELS {
        return Ok(None);
    }
    let mut reader = ImageReader::open(path).map_err(unreadable)?;
    reader.set_format(format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let undecodable = |_| Problem::Damaged("its pixels could not be decoded").message(kind);
    let mut decoder = match reader.into_decoder() {
        Err(image::ImageError::Limits(_)) => return Ok(None),
        other => other.map_err(undecodable)?,
    };
    if decoder.total_bytes() > MAX_DECODE_BYTES {
        // 16-bit colour, say: within the pixel limit but not the memory one. The file is fine, just not previewed.
        return Ok(None);
    }
    // Phones store photos sideways with a note to turn them: turn the preview.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut img = match DynamicImage::from_decoder(decoder) {
        Err(image::ImageError::Limits(_)) => return Ok(None),
        other => other.map_err(undecodable)?,
    };
    img.apply_orientation(orientation);
    let side = max_side.max(1);
    let img = if img.width() > side || img.height() > side { img.thumbnail(side, side) } else { img };
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, PREVIEW_QUALITY)
        .encode_image(&over_white(&img))
        .map_err(|e| format!("The preview could not be made ({e})"))?;
    Ok(Some(out))
}

/// The decoder for kinds we can preview.
pub(super) fn image_format(kind: MediaKind) -> Option<ImageFormat> {
    match kind {
        MediaKind::Jpeg => Some(ImageFormat::Jpeg),
        MediaKind::Png => Some(ImageFormat::Png),
        MediaKind::Gif => Some(ImageFormat::Gif),
        MediaKind::Webp => Some(ImageFormat::WebP),
        MediaKind::Heic | MediaKind::Mp4 | MediaKind::Mov | MediaKind::Webm => None,
    }
}

/// An image's width and height from its header, refusing absurd ones.
pub(super) fn dimensions(kind: MediaKind, path: &Path) -> Result<(u32, u32), String> {
    let format = image_format(kind).ok_or_else(|| format!("A {} has no dimensions we can read", kind.label()))?;
    // The JPEG decoder reads all its input first: hand it the start of the file, the whole only if need be.
    let mut file = File::open(path).map_err(unreadable)?;
    let len = file.metadata().map_err(unreadable)?.len();
    let mut head = Vec::new();
    (&mut file).take(HEADER_BYTES).read_to_end(&mut head).map_err(unreadable)?;
    let from_head = ImageReader::with_format(io::Cursor::new(head), format).into_dimensions();
    let (w, h) = match from_head {
        Err(_) if len > HEADER_BYTES => {
            let mut reader = ImageReader::open(path).map_err(unreadable)?;
            reader.set_format(format);
            reader.into_dimensions()
        }
        read => read,
    }
    .map_err(|_| Problem::Damaged("its header is unreadable").message(kind))?;
    if w == 0 || h == 0 {
        return Err(Problem::Damaged("it has no pixels").message(kind));
    }
    if w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(format!(
            "The {} is {w} × {h} pixels; we take at most 20,000 pixels on a side and 100 megapixels in all",
            kind.label()
        ));
    }
    Ok((w, h))
}

/// RGB pixels, any transparency composited over white (JPEG has none).
fn over_white(img: &DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.to_rgb8();
    }
    let rgba = img.to_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let blend = |c: u8| ((u32::from(c) * u32::from(a) + 255 * (255 - u32::from(a)) + 127) / 255) as u8;
        image::Rgb([blend(r), blend(g), blend(b)])
    })
}
