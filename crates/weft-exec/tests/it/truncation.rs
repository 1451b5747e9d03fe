//! Token truncation, the head+tail buffer and the UTF-8 chunker: examples and properties.

use proptest::prelude::*;
use weft_exec::{
    HeadTailBuffer, Utf8Chunker, approx_token_count, omitted_marker, truncate_for_model,
    truncate_middle, truncation_marker,
};

/// Largest char boundary of `text` at or below `index`.
fn floor_boundary(text: &str, index: usize) -> usize {
    (0..=index.min(text.len()))
        .rev()
        .find(|index| text.is_char_boundary(*index))
        .unwrap_or(0)
}

/// Smallest char boundary of `text` at or above `index`.
fn ceil_boundary(text: &str, index: usize) -> usize {
    (index.min(text.len())..=text.len())
        .find(|index| text.is_char_boundary(*index))
        .unwrap_or(text.len())
}

#[test]
fn token_count_rounds_up() {
    assert_eq!(approx_token_count(""), 0);
    assert_eq!(approx_token_count("a"), 1);
    assert_eq!(approx_token_count("abcd"), 1);
    assert_eq!(approx_token_count("abcde"), 2);
}

#[test]
fn truncation_examples() {
    assert_eq!(truncate_middle("short", 10), "short");
    assert_eq!(truncate_middle("abcdefghij", 1), "ab…2 tokens truncated…ij");
    assert_eq!(truncate_middle("abc", 0), "…1 tokens truncated…");
    assert_eq!(truncate_for_model("fits", 1), "fits");
    assert_eq!(
        truncate_for_model("one\ntwo\nthree\n", 1),
        "Total output lines: 3\n\non…3 tokens truncated…e\n"
    );
}

#[test]
fn truncation_does_not_split_characters() {
    // "é" is two bytes; a 1-token budget puts both cuts inside characters.
    assert_eq!(truncate_middle("éééé", 1), "é…1 tokens truncated…é");
}

#[test]
fn buffer_keeps_head_and_tail_and_counts_the_middle() {
    let mut buffer = HeadTailBuffer::new(8);
    buffer.push(b"0123");
    buffer.push(b"456789");
    buffer.push(b"abcdef");
    assert_eq!(buffer.retained_bytes(), 8);
    assert_eq!(buffer.omitted_bytes(), 8);
    assert_eq!(buffer.render(), format!("0123{}cdef", omitted_marker(8)));
    let (taken, total) = buffer.take();
    assert_eq!(total, 16);
    assert_eq!(taken, format!("0123{}cdef", omitted_marker(8)));
    assert!(buffer.is_empty());
    buffer.push(b"xy");
    assert_eq!(buffer.render(), "xy");
}

#[test]
fn buffer_renders_whole_characters_across_its_parts() {
    let mut buffer = HeadTailBuffer::new(4);
    buffer.push("é".as_bytes());
    buffer.push("é".as_bytes());
    assert_eq!(buffer.render(), "éé");
    let mut cut = HeadTailBuffer::new(4);
    cut.push("aé€b".as_bytes());
    // Head "aé" (3 bytes fit 2: "a" + half of é), tail "€b" cut to "b"+…: whole chars only.
    let rendered = cut.render();
    assert!(!rendered.contains('\u{fffd}'), "{rendered}");
    assert!(
        rendered.starts_with('a') && rendered.ends_with('b'),
        "{rendered}"
    );
}

#[test]
fn chunker_carries_cut_characters() {
    let mut chunker = Utf8Chunker::default();
    let bytes = "h€llo".as_bytes();
    assert_eq!(chunker.push(&bytes[..2]), "h");
    assert_eq!(chunker.push(&bytes[2..3]), "");
    assert_eq!(chunker.push(&bytes[3..]), "€llo");
    assert_eq!(chunker.finish(), "");
    assert_eq!(chunker.push(b"a\xffb\xe2"), "a\u{fffd}b");
    assert_eq!(chunker.finish(), "\u{fffd}");
}

proptest! {
    #[test]
    fn truncate_middle_stays_in_budget_and_keeps_both_ends(
        text in "(?s).{0,300}",
        max_tokens in 0usize..100,
    ) {
        let out = truncate_middle(&text, max_tokens);
        let budget = max_tokens * 4;
        if text.len() <= budget {
            prop_assert_eq!(out, text);
        } else {
            let head = budget / 2;
            let tail = budget - head;
            let marker_max = truncation_marker(text.len()).len();
            prop_assert!(out.len() <= budget + marker_max);
            let head_kept = floor_boundary(&text, head.saturating_sub(3));
            prop_assert!(out.starts_with(&text[..head_kept]));
            let tail_kept = ceil_boundary(&text, text.len() - tail.saturating_sub(3));
            prop_assert!(out.ends_with(&text[tail_kept..]));
            prop_assert!(out.contains(" tokens truncated…"));
        }
    }

    #[test]
    fn truncate_for_model_never_panics_and_is_bounded(
        text in any::<String>(),
        max_tokens in 0usize..50,
    ) {
        let out = truncate_for_model(&text, max_tokens);
        let header_max = format!("Total output lines: {}\n\n", text.len()).len();
        let marker_max = truncation_marker(text.len()).len();
        prop_assert!(out.len() <= max_tokens * 4 + header_max + marker_max);
    }

    #[test]
    fn buffer_is_bounded_and_exact_at_both_ends(
        chunks in proptest::collection::vec("[a-z]{0,40}", 0..20),
        capacity in 2usize..64,
    ) {
        let mut buffer = HeadTailBuffer::new(capacity);
        let mut all = String::new();
        for chunk in &chunks {
            buffer.push(chunk.as_bytes());
            all.push_str(chunk);
            prop_assert!(buffer.retained_bytes() <= capacity);
        }
        prop_assert_eq!(buffer.total_bytes(), all.len() as u64);
        let rendered = buffer.render();
        if all.len() <= capacity {
            prop_assert_eq!(rendered, all);
        } else {
            let head = capacity / 2;
            let tail = capacity - head;
            let marker = omitted_marker((all.len() - capacity) as u64);
            prop_assert_eq!(rendered, format!("{}{marker}{}", &all[..head], &all[all.len() - tail..]));
        }
    }

    #[test]
    fn chunker_reassembles_any_split(text in any::<String>(), cuts in proptest::collection::vec(any::<usize>(), 0..8)) {
        let bytes = text.as_bytes();
        let mut positions: Vec<usize> = cuts.iter().map(|cut| cut % (bytes.len() + 1)).collect();
        positions.sort_unstable();
        let mut chunker = Utf8Chunker::default();
        let mut out = String::new();
        let mut from = 0;
        for position in positions {
            out.push_str(&chunker.push(&bytes[from..position]));
            from = position;
        }
        out.push_str(&chunker.push(&bytes[from..]));
        out.push_str(&chunker.finish());
        prop_assert_eq!(out, text);
    }
}
