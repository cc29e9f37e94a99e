//! Archives and compressed streams, detected by content (magic bytes, never the file name)
//! and expanded in memory (never on disk): zip and its family (jar, war, ear, apk, whl,
//! nupkg, docx/xlsx), tar, gzip, zstd, bzip2 and xz, nested in any combination.
//!
//! Every expansion of one top-level input shares a [`Budget`] (inflated bytes, entries), and
//! each member has a compression-ratio guard, so zip bombs stop early with a reported reason.
//! Content inflated up to a limit is still handed on (marked [`Member::truncated`]): what a
//! limit cuts off is reported, what came before it is scanned.

use std::io::{Cursor, Read};

use crate::budget::{LaneGuard, MemoryBudget};

/// What kind of container some bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveKind {
    /// PKZIP and everything built on it.
    Zip,
    /// POSIX / GNU tar.
    Tar,
    /// gzip (one or more members).
    Gzip,
    /// Zstandard.
    Zstd,
    /// bzip2.
    Bzip2,
    /// xz.
    Xz,
}

impl ArchiveKind {
    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            ArchiveKind::Zip => "zip",
            ArchiveKind::Tar => "tar",
            ArchiveKind::Gzip => "gzip",
            ArchiveKind::Zstd => "zstd",
            ArchiveKind::Bzip2 => "bzip2",
            ArchiveKind::Xz => "xz",
        }
    }
}

/// The container kind of `data`, from its magic bytes.
pub fn sniff(data: &[u8]) -> Option<ArchiveKind> {
    if data.starts_with(b"PK\x03\x04") || data.starts_with(b"PK\x05\x06") {
        Some(ArchiveKind::Zip)
    } else if data.starts_with(&[0x1f, 0x8b]) {
        Some(ArchiveKind::Gzip)
    } else if data.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Some(ArchiveKind::Zstd)
    } else if data.len() >= 4 && data.starts_with(b"BZh") && (b'1'..=b'9').contains(&data[3]) {
        Some(ArchiveKind::Bzip2)
    } else if data.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        Some(ArchiveKind::Xz)
    } else if data.len() >= 263 && &data[257..262] == b"ustar" {
        Some(ArchiveKind::Tar)
    } else {
        None
    }
}

/// Limits on expanding one top-level input.
#[derive(Debug, Clone, Copy)]
pub struct ArchiveLimits {
    /// How many containers deep to open (a `.tar.gz` is two).
    pub max_depth: usize,
    /// Inflated bytes in total, across all nesting levels.
    pub max_total_bytes: u64,
    /// Members in total.
    pub max_entries: u64,
    /// Largest inflated/compressed ratio of one member (beyond 1 MiB of output).
    pub max_ratio: u64,
}

impl Default for ArchiveLimits {
    fn default() -> ArchiveLimits {
        ArchiveLimits {
            max_depth: 5,
            max_total_bytes: 1 << 30,
            max_entries: 100_000,
            max_ratio: 1_000,
        }
    }
}

/// What is left of the limits while one top-level input is expanded.
#[derive(Debug, Clone)]
pub struct Budget {
    /// The limits.
    pub limits: ArchiveLimits,
    /// The memory budget inflated members wait for once they are large.
    pub memory: MemoryBudget,
    /// Inflated bytes still allowed.
    pub bytes_left: u64,
    /// Members still allowed.
    pub entries_left: u64,
}

impl Budget {
    /// A full budget whose large members wait for `memory`.
    pub fn new(limits: ArchiveLimits, memory: MemoryBudget) -> Budget {
        Budget {
            limits,
            memory,
            bytes_left: limits.max_total_bytes,
            entries_left: limits.max_entries,
        }
    }
}

/// Why (part of) an archive was not expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveError {
    /// The data is not a valid archive of its kind (truncated, corrupt, lying directory).
    Corrupt(String),
    /// A limit stopped the expansion (the rest was not scanned).
    Limit(String),
    /// A per-member limit (the compression-ratio guard) stopped one member; the other
    /// members of its container are still expanded.
    MemberLimit(String),
    /// A member cannot be read (encrypted, unsupported method).
    Unreadable(String),
}

impl std::fmt::Display for ArchiveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ArchiveError::Corrupt(m) => write!(f, "corrupt archive: {m}"),
            ArchiveError::Limit(m) | ArchiveError::MemberLimit(m) => write!(f, "archive limit reached: {m}"),
            ArchiveError::Unreadable(m) => write!(f, "archive member not readable: {m}"),
        }
    }
}

/// One member of a container, as handed to a [`MemberSink`].
#[derive(Debug, Clone, Copy)]
pub struct Member<'a> {
    /// Its name inside the container (none for the content of a compressed stream).
    pub name: Option<&'a str>,
    /// Its content: all of it, or, when [`Member::truncated`], the part before the cut.
    pub data: &'a [u8],
    /// Whether `data` is only the start of the member: a limit (the total size, the ratio
    /// guard) or damage cut it off. The expansion reports why (as its error or through the
    /// `problem` callback), so a container inside `data` is expected to end early.
    pub truncated: bool,
}

impl<'a> Member<'a> {
    fn whole(name: Option<&'a str>, data: &'a [u8]) -> Member<'a> {
        Member {
            name,
            data,
            truncated: false,
        }
    }

    fn cut(name: Option<&'a str>, data: &'a [u8]) -> Member<'a> {
        Member {
            name,
            data,
            truncated: true,
        }
    }
}

/// Receives each member of a container, with the shared budget.
pub type MemberSink<'s> = dyn FnMut(&mut Budget, Member<'_>) + 's;

/// Expands `data` of `kind`, calling `member` for each regular member with the shared budget.
/// Member-level problems (an encrypted entry) are reported through `problem` and the rest is
/// expanded; an error that stops the container is returned.
///
/// A member that inflates past a limit (the budget's bytes, the ratio guard) is handed on up
/// to the limit, marked truncated, and the limit is reported; so is the readable start of a
/// damaged member. Nothing that was inflated before a limit or the damage is lost.
pub fn expand(
    kind: ArchiveKind,
    data: &[u8],
    budget: &mut Budget,
    member: &mut MemberSink<'_>,
    problem: &mut dyn FnMut(Option<&str>, ArchiveError),
) -> Result<(), ArchiveError> {
    match kind {
        ArchiveKind::Zip => expand_zip(data, budget, member, problem),
        ArchiveKind::Tar => expand_tar(data, budget, member),
        ArchiveKind::Gzip => {
            let decoder = flate2::read::MultiGzDecoder::new(data);
            stream(decoder, data.len(), gzip_size_hint(data), budget, member)
        }
        ArchiveKind::Zstd => {
            let decoder =
                zstd::stream::read::Decoder::with_buffer(data).map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
            let hint = zstd::zstd_safe::get_frame_content_size(data).ok().flatten();
            stream(decoder, data.len(), hint, budget, member)
        }
        ArchiveKind::Bzip2 => stream(bzip2::read::MultiBzDecoder::new(data), data.len(), None, budget, member),
        ArchiveKind::Xz => stream(lzma_rust2::XzReader::new(data, true), data.len(), None, budget, member),
    }
}

/// Decompresses a single-stream container (gzip, zstd, bzip2, xz) and hands the content on.
/// A stream that breaks off (truncated, corrupt) still hands on what was decompressed before
/// the damage, and one that inflates past a limit what it inflated up to the limit; then the
/// error is returned: nothing already inflated is lost.
fn stream(
    reader: impl Read,
    compressed: usize,
    size_hint: Option<u64>,
    budget: &mut Budget,
    member: &mut MemberSink<'_>,
) -> Result<(), ArchiveError> {
    let mut share = budget.memory.lane();
    let source = Inflating {
        compressed: compressed as u64,
        size_hint,
        name: None,
    };
    match inflate(reader, source, budget, &mut share) {
        Ok(out) => {
            member(budget, Member::whole(None, &out));
            Ok(())
        }
        Err(Inflate::Broken(e, partial) | Inflate::Limit(e, partial)) => {
            if !partial.is_empty() {
                member(budget, Member::cut(None, &partial));
            }
            Err(e)
        }
    }
}

/// Why [`inflate`] stopped early, with the bytes inflated before it stopped.
enum Inflate {
    /// Corrupt or truncated input; the bytes decompressed before the damage.
    Broken(ArchiveError, Vec<u8>),
    /// A limit of the budget or the ratio guard; the bytes inflated up to the limit.
    Limit(ArchiveError, Vec<u8>),
}

/// The gzip trailer's size of the (last) member's content, modulo 2^32: a hint, since the
/// trailer is not checked until the end and a multi-member file states only its last member.
fn gzip_size_hint(data: &[u8]) -> Option<u64> {
    if data.len() < 18 {
        return None;
    }
    let (_, trailer) = data.split_last_chunk::<4>()?;
    Some(u64::from(u32::from_le_bytes(*trailer)))
}

/// What is known of a compressed member before it is inflated.
struct Inflating<'n> {
    /// Its compressed size (for the ratio guard).
    compressed: u64,
    /// The inflated size its container states (a zip header, a gzip trailer, a zstd frame
    /// header): unverified, so only used to claim memory and budget up front.
    size_hint: Option<u64>,
    /// Its name inside the container, for messages.
    name: Option<&'n str>,
}

/// Reads a decoder to its end within the budget and the ratio guard. The content counts
/// against the memory budget through `share` (which the caller keeps while it scans it).
///
/// A stated size is claimed from the memory budget and reserved before inflating (within the
/// caps, so a lying header cannot claim more than the guards allow): members then wait for
/// room as a whole, instead of several starting small and all growing past the budget
/// together, and the content is not copied through a chain of doubling buffers.
fn inflate(
    reader: impl Read,
    source: Inflating<'_>,
    budget: &mut Budget,
    share: &mut LaneGuard,
) -> Result<Vec<u8>, Inflate> {
    let ratio_cap = source.compressed.saturating_mul(budget.limits.max_ratio).max(1 << 20);
    let cap = budget.bytes_left.min(ratio_cap);
    let mut out = Vec::new();
    if let Some(expected) = source.size_hint.map(|size| size.min(cap)) {
        share.grow_to(expected);
        // Only a hint: when the memory is not there, grow as the content arrives instead.
        let _ = out.try_reserve_exact(usize::try_from(expected).unwrap_or(usize::MAX));
    }
    let what = source.name.map(|n| format!("`{n}`: ")).unwrap_or_default();
    if let Err(e) = read_counted(reader.take(cap + 1), &mut out, share) {
        out.truncate(cap.min(out.len() as u64) as usize);
        budget.bytes_left -= out.len() as u64;
        return Err(Inflate::Broken(ArchiveError::Corrupt(format!("{what}{e}")), out));
    }
    if out.len() as u64 > cap {
        // What was inflated up to the limit is handed on (scanned); the rest is not read.
        out.truncate(cap as usize);
        let scanned = scanned_part(cap);
        let error = if cap == budget.bytes_left {
            ArchiveError::Limit(format!(
                "{what}more than {} inflated bytes in total (--archive-max-size; zip bomb?): {scanned}",
                budget.limits.max_total_bytes
            ))
        } else {
            ArchiveError::MemberLimit(format!(
                "{what}compression ratio above {}:1 (zip bomb?): {scanned}",
                budget.limits.max_ratio
            ))
        };
        budget.bytes_left -= cap;
        return Err(Inflate::Limit(error, out));
    }
    budget.bytes_left -= out.len() as u64;
    Ok(out)
}

/// Reads `reader` to its end into `out`, growing `share` ahead of the content once it passes
/// the large-item size, so inflated members wait for room in the memory budget like files.
fn read_counted(mut reader: impl Read, out: &mut Vec<u8>, share: &mut LaneGuard) -> std::io::Result<()> {
    const STEP: u64 = crate::budget::LARGE_ITEM;
    loop {
        share.grow_to(out.len() as u64 + STEP);
        let read = reader.by_ref().take(STEP).read_to_end(out)?;
        if (read as u64) < STEP {
            return Ok(());
        }
    }
}

fn take_entry(budget: &mut Budget) -> Result<(), ArchiveError> {
    if budget.entries_left == 0 {
        return Err(ArchiveError::Limit(format!(
            "more than {} members",
            budget.limits.max_entries
        )));
    }
    budget.entries_left -= 1;
    Ok(())
}

fn expand_zip(
    data: &[u8],
    budget: &mut Budget,
    member: &mut MemberSink<'_>,
    problem: &mut dyn FnMut(Option<&str>, ArchiveError),
) -> Result<(), ArchiveError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(data)).map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
    for i in 0..zip.len() {
        take_entry(budget)?;
        let mut file = match zip.by_index(i) {
            Ok(f) => f,
            Err(zip::result::ZipError::UnsupportedArchive(m)) => {
                problem(None, ArchiveError::Unreadable(format!("member {i}: {m}")));
                continue;
            }
            Err(e) => {
                problem(None, ArchiveError::Corrupt(format!("member {i}: {e}")));
                continue;
            }
        };
        if file.is_dir() {
            continue;
        }
        let name = String::from_utf8_lossy(file.name_raw()).into_owned();
        if file.encrypted() {
            problem(Some(&name), ArchiveError::Unreadable("encrypted".into()));
            continue;
        }
        let source = Inflating {
            compressed: file.compressed_size(),
            size_hint: Some(file.size()),
            name: Some(&name),
        };
        let mut share = budget.memory.lane();
        match inflate(&mut file, source, budget, &mut share) {
            Ok(content) => member(budget, Member::whole(Some(&name), &content)),
            Err(Inflate::Limit(e, partial) | Inflate::Broken(e, partial)) => {
                // Scan what was inflated of the member, and say why the rest was not. A bomb
                // member (the ratio guard) or a damaged one stops only itself; the members
                // after it are still read. The total limit stops the container.
                if !partial.is_empty() {
                    member(budget, Member::cut(Some(&name), &partial));
                }
                if matches!(e, ArchiveError::Limit(_)) {
                    return Err(e);
                }
                problem(Some(&name), e);
            }
        }
    }
    Ok(())
}

/// Expands a tar archive. A regular member is a slice of `data`: it was inflated (and counted
/// against the budget) with its container already, so it is neither copied nor counted again.
/// A sparse member is read through its map (its holes inflate) and counted. A member that
/// runs past the end of `data` (the archive is cut short) is handed on up to the end, marked
/// truncated, and the cut is returned as [`ArchiveError::Corrupt`].
fn expand_tar(data: &[u8], budget: &mut Budget, member: &mut MemberSink<'_>) -> Result<(), ArchiveError> {
    let mut archive = tar::Archive::new(data);
    let entries = archive.entries().map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
    for entry in entries {
        take_entry(budget)?;
        let mut entry = entry.map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
        let kind = entry.header().entry_type();
        let sparse = kind == tar::EntryType::GNUSparse;
        if !(kind.is_file() || kind == tar::EntryType::Continuous || sparse) {
            continue;
        }
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let name = name.trim_start_matches("./").to_string();
        let size = entry.size();
        if !sparse {
            let start = usize::try_from(entry.raw_file_position()).map_or(data.len(), |p| p.min(data.len()));
            let end = usize::try_from(size).ok().and_then(|s| start.checked_add(s));
            match end.filter(|&end| end <= data.len()) {
                Some(end) => member(budget, Member::whole(Some(&name), &data[start..end])),
                None => {
                    let present = &data[start..];
                    if !present.is_empty() {
                        member(budget, Member::cut(Some(&name), present));
                    }
                    return Err(ArchiveError::Corrupt(format!(
                        "`{name}`: the archive ends {} bytes into this member of {size} bytes",
                        present.len()
                    )));
                }
            }
            continue;
        }
        // A sparse member's stated size is checked against its map by the tar crate; what
        // does not fit in the budget is not inflated (the start that fits is scanned).
        let allowed = size.min(budget.bytes_left);
        let mut share = budget.memory.large_item(allowed);
        let mut content = Vec::with_capacity(allowed.min(64 << 20) as usize);
        read_counted((&mut entry).take(allowed), &mut content, &mut share)
            .map_err(|e| ArchiveError::Corrupt(format!("`{name}`: {e}")))?;
        budget.bytes_left -= content.len() as u64;
        if size > allowed {
            if !content.is_empty() {
                member(budget, Member::cut(Some(&name), &content));
            }
            return Err(ArchiveError::Limit(format!(
                "`{name}`: more than {} inflated bytes in total (--archive-max-size): {}",
                budget.limits.max_total_bytes,
                scanned_part(content.len() as u64)
            )));
        }
        member(budget, Member::whole(Some(&name), &content));
    }
    Ok(())
}

/// What of a member cut off at a limit was scanned, for messages.
fn scanned_part(bytes: u64) -> String {
    if bytes == 0 {
        "nothing of it was scanned".to_string()
    } else {
        format!("only its first {bytes} inflated bytes were scanned")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing() {
        assert_eq!(sniff(b"PK\x03\x04rest"), Some(ArchiveKind::Zip));
        assert_eq!(sniff(&[0x1f, 0x8b, 8, 0]), Some(ArchiveKind::Gzip));
        assert_eq!(sniff(b"BZh9"), Some(ArchiveKind::Bzip2));
        assert_eq!(sniff(b"BZhX"), None);
        assert_eq!(sniff(b"plain text"), None);
        let mut tar = vec![0u8; 512];
        tar[257..262].copy_from_slice(b"ustar");
        assert_eq!(sniff(&tar), Some(ArchiveKind::Tar));
    }

    #[test]
    fn gzip_bomb_stops_at_the_ratio_guard() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&vec![0u8; 64 << 20]).unwrap();
        let bomb = gz.finish().unwrap();
        let mut budget = Budget::new(ArchiveLimits::default(), MemoryBudget::default());
        let mut members = Vec::new();
        let err = expand(
            ArchiveKind::Gzip,
            &bomb,
            &mut budget,
            &mut |_, m| members.push((m.name.is_none(), m.data.len() as u64, m.truncated)),
            &mut |_, _| {},
        )
        .unwrap_err();
        // The guard stops inflating at the ratio; what came before it is still handed on.
        let cap = bomb.len() as u64 * 1_000;
        assert!(
            matches!(err, ArchiveError::MemberLimit(ref m) if m.contains("ratio") && m.contains(&format!("only its first {cap} inflated bytes were scanned"))),
            "{err}"
        );
        assert_eq!(members, [(true, cap, true)]);
        assert_eq!(budget.bytes_left, ArchiveLimits::default().max_total_bytes - cap);
    }

    /// A gzip stream: `head`, then `zeros` zero bytes (streamed through the encoder).
    fn gzip_with_zeros(head: &[u8], zeros: usize) -> Vec<u8> {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(head).unwrap();
        let block = vec![0u8; 1 << 20];
        let mut left = zeros;
        while left > 0 {
            let n = left.min(block.len());
            gz.write_all(&block[..n]).unwrap();
            left -= n;
        }
        gz.finish().unwrap()
    }

    #[test]
    fn a_stream_over_the_total_limit_is_handed_on_up_to_the_limit() {
        let head = b"first line\nsecond line\n";
        let data = gzip_with_zeros(head, 12 << 20);
        let limits = ArchiveLimits {
            max_total_bytes: 4 << 20,
            ..ArchiveLimits::default()
        };
        let mut budget = Budget::new(limits, MemoryBudget::default());
        let mut seen = Vec::new();
        let err = expand(
            ArchiveKind::Gzip,
            &data,
            &mut budget,
            &mut |_, m| seen.push((m.data.len(), m.data.starts_with(head), m.truncated)),
            &mut |_, _| panic!("no member problem"),
        )
        .unwrap_err();
        assert_eq!(seen, [(4 << 20, true, true)]);
        assert!(
            matches!(&err, ArchiveError::Limit(m) if m.contains("more than 4194304 inflated bytes in total") && m.contains("only its first 4194304 inflated bytes were scanned")),
            "{err}"
        );
        assert_eq!(budget.bytes_left, 0);
    }

    #[test]
    fn tar_members_are_slices_of_their_container_and_a_cut_member_is_handed_on() {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in [("a.env", &b"first member\n"[..]), ("big.bin", &[7u8; 5000][..])] {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            b.append_data(&mut header, name, data).unwrap();
        }
        let tar = b.into_inner().unwrap();
        // Whole: both members, and the budget is not charged a second time for them.
        let mut budget = Budget::new(ArchiveLimits::default(), MemoryBudget::default());
        let mut seen = Vec::new();
        let mut collect =
            |_: &mut Budget, m: Member<'_>| seen.push((m.name.unwrap().to_string(), m.data.len(), m.truncated));
        expand(ArchiveKind::Tar, &tar, &mut budget, &mut collect, &mut |_, _| {}).unwrap();
        assert_eq!(
            seen,
            [("a.env".to_string(), 13, false), ("big.bin".to_string(), 5000, false)]
        );
        assert_eq!(budget.bytes_left, ArchiveLimits::default().max_total_bytes);
        // Cut 1000 bytes into the second member: the first whole, the start of the second.
        let cut = 512 + 512 + 512 + 1000;
        let mut seen = Vec::new();
        let err = expand(
            ArchiveKind::Tar,
            &tar[..cut],
            &mut budget,
            &mut |_, m| seen.push((m.name.unwrap().to_string(), m.data.to_vec(), m.truncated)),
            &mut |_, _| {},
        )
        .unwrap_err();
        assert_eq!(
            seen,
            [
                ("a.env".to_string(), b"first member\n".to_vec(), false),
                ("big.bin".to_string(), vec![7u8; 1000], true)
            ]
        );
        assert!(
            matches!(&err, ArchiveError::Corrupt(m) if m.contains("ends 1000 bytes into this member of 5000 bytes")),
            "{err}"
        );
    }

    #[test]
    fn a_bomb_member_is_reported_and_the_next_members_still_expanded() {
        use std::io::Write;
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(9));
        w.start_file("bomb.bin", options).unwrap();
        w.write_all(&vec![0u8; 8 << 20]).unwrap();
        w.start_file("after.txt", options).unwrap();
        w.write_all(b"still scanned").unwrap();
        let data = w.finish().unwrap().into_inner();
        let mut budget = Budget::new(ArchiveLimits::default(), MemoryBudget::default());
        let mut members = Vec::new();
        let mut problems = Vec::new();
        expand(
            ArchiveKind::Zip,
            &data,
            &mut budget,
            &mut |_, m| members.push((m.name.map(str::to_string), m.data.len(), m.truncated)),
            &mut |name, e| problems.push((name.map(str::to_string), e)),
        )
        .unwrap();
        // The bomb member is handed on up to its ratio limit (~1000 × its ~8 KiB), cut.
        let [(Some(bomb), cut, true), (Some(after), 13, false)] = &members[..] else {
            panic!("{members:?}");
        };
        assert_eq!((bomb.as_str(), after.as_str()), ("bomb.bin", "after.txt"));
        assert!((1 << 20..8 << 20).contains(cut), "{cut}");
        assert!(
            matches!(&problems[..], [(Some(n), ArchiveError::MemberLimit(m))] if n == "bomb.bin" && m.contains("ratio") && m.contains(&format!("only its first {cut} inflated"))),
            "{problems:?}"
        );
        assert_eq!(
            budget.bytes_left,
            ArchiveLimits::default().max_total_bytes - *cut as u64 - 13
        );
    }

    #[test]
    fn stated_sizes_are_only_hints() {
        use std::io::Write;
        let text = b"export GITHUB_TOKEN=placeholder\n".repeat(4096);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&text).unwrap();
        let honest = gz.finish().unwrap();
        assert_eq!(gzip_size_hint(&honest), Some(text.len() as u64));
        assert_eq!(
            gzip_size_hint(&honest[..17]),
            None,
            "too short for a header and trailer"
        );
        // A trailer that states too much or too little: the content arrives whole either way,
        // and the stream is reported as damaged (the trailer no longer checks out).
        for stated in [u32::MAX, 0, 10] {
            let mut lying = honest.clone();
            let at = lying.len() - 4;
            lying[at..].copy_from_slice(&stated.to_le_bytes());
            let mut budget = Budget::new(ArchiveLimits::default(), MemoryBudget::default());
            let mut seen = Vec::new();
            let result = expand(
                ArchiveKind::Gzip,
                &lying,
                &mut budget,
                &mut |_, m| seen.push(m.data.to_vec()),
                &mut |_, _| {},
            );
            assert!(matches!(result, Err(ArchiveError::Corrupt(_))), "{stated}: {result:?}");
            assert_eq!(seen, std::slice::from_ref(&text), "{stated}: nothing lost");
        }
    }

    #[test]
    fn corrupt_input_is_an_error_not_a_panic() {
        let mut budget = Budget::new(ArchiveLimits::default(), MemoryBudget::default());
        for (kind, data) in [
            (ArchiveKind::Zip, &b"PK\x03\x04garbage"[..]),
            (ArchiveKind::Gzip, &[0x1f, 0x8b, 8, 0, 1, 2, 3][..]),
            (ArchiveKind::Zstd, &[0x28, 0xb5, 0x2f, 0xfd, 9, 9][..]),
            (ArchiveKind::Bzip2, &b"BZh9garbage"[..]),
            (ArchiveKind::Xz, &[0xfd, b'7', b'z', b'X', b'Z', 0, 1, 2][..]),
        ] {
            let result = expand(kind, data, &mut budget, &mut |_, _| {}, &mut |_, _| {});
            assert!(result.is_err(), "{kind:?}");
        }
    }
}
