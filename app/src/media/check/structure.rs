//! Structure checks: a file's structure ends where the file does, reading only headers and tails.
use super::*;
/// Why a file's structure is refused.
#[derive(Debug)]
pub(super) enum Problem {
    /// It ends before its structure does.
    Cut,
    /// Its structure does not add up, for the reason given.
    Damaged(&'static str),
    /// A movie without its index (`moov`), or a HEIC without its item list (`meta`).
    NoIndex,
    Io(io::Error),
}

impl From<io::Error> for Problem {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            Problem::Cut
        } else {
            Problem::Io(e)
        }
    }
}

impl Problem {
    pub(super) fn message(self, kind: MediaKind) -> String {
        let label = kind.label();
        match self {
            Problem::Cut => format!("The {label} is cut off (the upload may have been interrupted); upload it again"),
            Problem::Damaged(why) => format!("The {label} is damaged ({why}); export it again and upload it"),
            Problem::NoIndex => format!(
                "The {label} is incomplete (it has no index; the recording or export may not have finished); \
                 export it again and upload it"
            ),
            Problem::Io(e) => unreadable(e),
        }
    }
}

/// Reads `buf.len()` bytes at `pos`.
fn read_at<R: Read + Seek>(r: &mut R, pos: u64, buf: &mut [u8]) -> io::Result<()> {
    r.seek(SeekFrom::Start(pos))?;
    r.read_exact(buf)
}

/// The file's structure ends where the file does, reading only what that takes.
pub(super) fn structure<R: Read + Seek>(kind: MediaKind, r: &mut R, len: u64) -> Result<(), Problem> {
    match kind {
        MediaKind::Jpeg => jpeg_end(r, len),
        MediaKind::Png => {
            const IEND: [u8; 12] = [0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82];
            let mut tail = [0; 12];
            read_at(r, len.checked_sub(12).ok_or(Problem::Cut)?, &mut tail)?;
            if tail == IEND {
                Ok(())
            } else {
                Err(Problem::Cut)
            }
        }
        MediaKind::Gif => {
            let mut last = [0; 1];
            read_at(r, len.checked_sub(1).ok_or(Problem::Cut)?, &mut last)?;
            if last == [0x3B] {
                Ok(())
            } else {
                Err(Problem::Cut)
            }
        }
        MediaKind::Webp => {
            let mut head = [0; 12];
            read_at(r, 0, &mut head)?;
            let size = u64::from(u32::from_le_bytes([head[4], head[5], head[6], head[7]]));
            match (size + 8).cmp(&len) {
                std::cmp::Ordering::Equal => Ok(()),
                std::cmp::Ordering::Greater => Err(Problem::Cut),
                std::cmp::Ordering::Less => Err(Problem::Damaged("there is extra data after the image")),
            }
        }
        MediaKind::Mp4 | MediaKind::Mov | MediaKind::Heic => {
            let boxes = walk_boxes(r, len)?;
            let indexed = boxes.moov || (kind == MediaKind::Heic && boxes.meta);
            if indexed {
                Ok(())
            } else {
                Err(Problem::NoIndex)
            }
        }
        MediaKind::Webm => webm_segment(r, len),
    }
}

/// A JPEG ends with its end-of-image marker FF D9, perhaps followed by zero padding.
fn jpeg_end<R: Read + Seek>(r: &mut R, len: u64) -> Result<(), Problem> {
    const CHUNK: u64 = 64 * 1024;
    let mut end = len;
    let last = loop {
        if end == 0 || len - end > MAX_JPEG_PADDING {
            return Err(Problem::Cut);
        }
        let start = end.saturating_sub(CHUNK);
        let mut buf = vec![0; (end - start) as usize];
        read_at(r, start, &mut buf)?;
        match buf.iter().rposition(|&b| b != 0) {
            Some(i) => break start + i as u64,
            None => end = start,
        }
    };
    let mut marker = [0; 2];
    read_at(r, last.checked_sub(1).ok_or(Problem::Cut)?, &mut marker)?;
    if marker == [0xFF, 0xD9] {
        Ok(())
    } else {
        Err(Problem::Cut)
    }
}

/// What the top-level boxes of an ISO base media file hold.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Boxes {
    pub(super) count: usize,
    pub(super) moov: bool,
    pub(super) meta: bool,
}

/// Walks the top-level boxes (32-bit size, 1 → 64-bit size after the type, 0 → to the end of the file),
/// which must cover the file exactly.
fn walk_boxes<R: Read + Seek>(r: &mut R, len: u64) -> Result<Boxes, Problem> {
    let mut seen = Boxes::default();
    let mut pos = 0u64;
    while pos < len {
        let left = len - pos;
        let mut header = [0; 8];
        if left < 8 {
            return Err(Problem::Cut);
        }
        read_at(r, pos, &mut header)?;
        let [s0, s1, s2, s3, t0, t1, t2, t3] = header;
        let kind = [t0, t1, t2, t3];
        if !kind.iter().all(|&b| (0x20..=0x7E).contains(&b) || b == 0xA9) {
            return Err(Problem::Damaged("a part of it has no valid name"));
        }
        let (size, header_len) = match u32::from_be_bytes([s0, s1, s2, s3]) {
            0 => (left, 8),
            1 => {
                let mut large = [0; 8];
                if left < 16 {
                    return Err(Problem::Cut);
                }
                read_at(r, pos + 8, &mut large)?;
                (u64::from_be_bytes(large), 16)
            }
            n => (u64::from(n), 8),
        };
        if size < header_len {
            return Err(Problem::Damaged("a part of it has an impossible size"));
        }
        if size > left {
            return Err(Problem::Cut);
        }
        match &kind {
            b"moov" => seen.moov = true,
            b"meta" => seen.meta = true,
            _ => {}
        }
        seen.count += 1;
        if seen.count > MAX_BOXES {
            return Err(Problem::Damaged("it has too many parts"));
        }
        pos += size;
    }
    if seen.count == 0 {
        return Err(Problem::Cut);
    }
    Ok(seen)
}

/// EBML's variable-length integer at the start of `b`: (its length, its value, whether it means "unknown").
fn vint(b: &[u8]) -> Result<(u64, u64, bool), Problem> {
    let first = *b.first().ok_or(Problem::Cut)?;
    if first == 0 {
        return Err(Problem::Damaged("a size in its header is invalid"));
    }
    let n = first.leading_zeros() as usize + 1;
    let bytes = b.get(..n).ok_or(Problem::Cut)?;
    let value = bytes[1..].iter().fold(u64::from(first) & (0xFF >> n), |v, &b| v << 8 | u64::from(b));
    Ok((n as u64, value, value == (1u64 << (7 * n)) - 1))
}

/// Up to `n` bytes at `pos` (fewer at the end of the file).
fn read_upto<R: Read + Seek>(r: &mut R, pos: u64, n: u64) -> io::Result<Vec<u8>> {
    r.seek(SeekFrom::Start(pos))?;
    let mut buf = Vec::new();
    r.take(n).read_to_end(&mut buf)?;
    Ok(buf)
}

/// A WebM (Matroska) file: its EBML header parses and a segment follows that the file holds (when the
/// segment's size is known; live recordings leave it unknown).
fn webm_segment<R: Read + Seek>(r: &mut R, len: u64) -> Result<(), Problem> {
    const SEGMENT: [u8; 4] = [0x18, 0x53, 0x80, 0x67];
    let head = read_upto(r, 0, 12)?;
    if head.get(..4) != Some(&[0x1A, 0x45, 0xDF, 0xA3][..]) {
        return Err(Problem::Damaged("its header is missing"));
    }
    let (n, size, unknown) = vint(&head[4..])?;
    if unknown {
        return Err(Problem::Damaged("its header has no size"));
    }
    let header_end = (4 + n).checked_add(size).ok_or(Problem::Cut)?;
    if header_end >= len {
        return Err(Problem::Cut);
    }
    let next = read_upto(r, header_end, 12)?;
    match next.get(..4) {
        None => return Err(Problem::Cut),
        Some(id) if id != SEGMENT => return Err(Problem::Damaged("its content does not follow the header")),
        Some(_) => {}
    }
    let (n, size, unknown) = vint(&next[4..])?;
    let segment_end = (header_end + 4 + n).checked_add(size).ok_or(Problem::Cut)?;
    if !unknown && segment_end > len {
        return Err(Problem::Cut);
    }
    Ok(())
}

/// The box walk of a file held in memory (for tests).
#[cfg(test)]
pub(super) fn walk_bytes(b: &[u8]) -> Result<Boxes, Problem> {
    walk_boxes(&mut io::Cursor::new(b), b.len() as u64)
}
