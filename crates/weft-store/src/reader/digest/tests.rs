//! Unit tests of the digest's line splitting; the digest as a whole is compared with the full
//! reader in `tests/it/digest.rs`.

use std::io::Cursor;

use proptest::prelude::*;

use super::region::{RegionLine, RegionLines, find_newline};
use crate::scan::{CappedLines, RawLine};

/// Lines as the full reader's splitter sees them (`None`: over the cap).
fn capped_lines(bytes: &[u8], line_bytes_max: usize) -> Vec<Option<Vec<u8>>> {
    let mut lines = CappedLines::new(Cursor::new(bytes), line_bytes_max);
    let mut out = Vec::new();
    while let Some(line) = lines.next_line().expect("in memory") {
        out.push(match line {
            RawLine::Bytes(bytes) => Some(bytes),
            RawLine::Oversized => None,
        });
    }
    out
}

/// Lines of every range between `cuts`, in order, checking each line's offset.
fn region_lines(
    bytes: &[u8],
    cuts: &[u64],
    block_bytes: usize,
    line_bytes_max: usize,
) -> Vec<Option<Vec<u8>>> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("lines");
    std::fs::write(&path, bytes).expect("write");
    let file = std::fs::File::open(&path).expect("open");
    let mut starts = vec![0];
    starts.extend(cuts.iter().copied());
    let mut buffer = Vec::new();
    let mut out = Vec::new();
    for (index, &start) in starts.iter().enumerate() {
        let end = starts.get(index + 1).copied().unwrap_or(u64::MAX);
        let mut lines =
            RegionLines::open(&file, &mut buffer, start, end, block_bytes, line_bytes_max)
                .expect("open");
        while let Some(line) = lines.next_line().expect("read") {
            out.push(match line {
                RegionLine::Bytes {
                    offset,
                    bytes: line,
                } => {
                    let offset = usize::try_from(offset).expect("small");
                    assert_eq!(
                        &bytes[offset..offset + line.len()],
                        line,
                        "offset of a line"
                    );
                    assert!(offset as u64 >= start && (offset as u64) < end);
                    Some(line.to_vec())
                }
                RegionLine::Oversized => None,
            });
        }
    }
    out
}

#[test]
fn lines_straddling_blocks_and_ranges() {
    let bytes = b"first line\n\nsecond\nthird line is longer than a block\nlast";
    let expected = capped_lines(bytes, 1000);
    for block_bytes in 1..16 {
        for cut in 0..bytes.len() as u64 + 2 {
            assert_eq!(
                region_lines(bytes, &[cut], block_bytes, 1000),
                expected,
                "block {block_bytes}, cut {cut}"
            );
        }
    }
}

#[test]
fn over_long_lines_are_reported_once() {
    let bytes = b"short\nthis one is too long\nok\nalso far too long, and last";
    let expected = capped_lines(bytes, 8);
    assert_eq!(expected.iter().filter(|line| line.is_none()).count(), 2);
    for block_bytes in [1, 3, 8, 9, 64] {
        assert_eq!(region_lines(bytes, &[], block_bytes, 8), expected);
        assert_eq!(region_lines(bytes, &[10, 12], block_bytes, 8), expected);
    }
}

#[test]
fn newline_search_agrees_with_a_plain_scan() {
    let mut bytes = vec![b'x'; 100];
    for position in 0..100 {
        bytes[position] = b'\n';
        for start in 0..=position {
            assert_eq!(find_newline(&bytes[start..]), Some(position - start));
        }
        bytes[position] = 0x8a;
        assert_eq!(find_newline(&bytes), None);
        bytes[position] = b'x';
    }
}

proptest! {
    #[test]
    fn ranges_split_like_the_full_reader(
        bytes in proptest::collection::vec(
            prop_oneof![Just(b'\n'), Just(b'a'), Just(b' '), any::<u8>()], 0..400),
        mut cuts in proptest::collection::vec(0u64..420, 0..5),
        block_bytes in 1usize..40,
        line_bytes_max in 0usize..48,
    ) {
        cuts.sort_unstable();
        cuts.dedup();
        cuts.retain(|&cut| cut > 0);
        prop_assert_eq!(
            region_lines(&bytes, &cuts, block_bytes, line_bytes_max),
            capped_lines(&bytes, line_bytes_max)
        );
    }
}
