//! Unit and property tests for the SSE decoder.

use proptest::prelude::*;

use super::*;

fn decode_all(input: &[u8]) -> Result<Vec<SseEvent>, EventTooLarge> {
    let mut decoder = SseDecoder::new(1024 * 1024);
    let mut out = Vec::new();
    decoder.push(input, &mut out)?;
    Ok(out)
}

fn event(event: &str, data: &str) -> SseEvent {
    SseEvent {
        event: event.to_owned(),
        data: data.to_owned(),
    }
}

#[test]
fn decodes_typed_events() {
    let input = b"event: response.created\ndata: {\"a\":1}\n\nevent: x\ndata: 2\n\n";
    assert_eq!(
        decode_all(input).unwrap(),
        [event("response.created", "{\"a\":1}"), event("x", "2")]
    );
}

#[test]
fn handles_crlf_cr_comments_and_multiline_data() {
    let input = b": keep-alive\r\ndata: one\r\ndata:two\r\rdata: three\n\n";
    assert_eq!(
        decode_all(input).unwrap(),
        [event("message", "one\ntwo"), event("message", "three")]
    );
}

#[test]
fn event_without_data_is_not_dispatched_and_unterminated_event_waits() {
    assert_eq!(decode_all(b"event: lonely\n\n").unwrap(), []);
    assert_eq!(decode_all(b"data: pending\n").unwrap(), []);
}

#[test]
fn field_without_colon_and_unknown_fields_are_handled() {
    let input = b"data\nid: 7\nretry: 10\nfoo: bar\n\n";
    assert_eq!(decode_all(input).unwrap(), [event("message", "")]);
}

#[test]
fn leading_bom_is_dropped() {
    let input = "\u{feff}data: x\n\n".as_bytes();
    assert_eq!(decode_all(input).unwrap(), [event("message", "x")]);
}

#[test]
fn cr_split_across_chunks_is_one_line_break() {
    let mut decoder = SseDecoder::new(1024);
    let mut out = Vec::new();
    decoder.push(b"data: a\r", &mut out).unwrap();
    decoder.push(b"", &mut out).unwrap();
    decoder.push(b"\n\r", &mut out).unwrap();
    decoder.push(b"\n", &mut out).unwrap();
    assert_eq!(out, [event("message", "a")]);
}

#[test]
fn oversized_event_is_refused() {
    let mut decoder = SseDecoder::new(16);
    let mut out = Vec::new();
    assert_eq!(decoder.push(b"data: 0123456789", &mut out), Ok(()));
    assert_eq!(decoder.push(b"abcdef", &mut out), Err(EventTooLarge));
    let mut decoder = SseDecoder::new(16);
    let input = b"data: 0123456789\ndata: 0123456789\n\n";
    assert_eq!(decoder.push(input, &mut out), Err(EventTooLarge));
}

fn decode_chunked(input: &[u8], cuts: &[usize]) -> Result<Vec<SseEvent>, EventTooLarge> {
    let mut decoder = SseDecoder::new(1024 * 1024);
    let mut out = Vec::new();
    let mut start = 0;
    let mut points: Vec<usize> = cuts.iter().map(|cut| cut % (input.len() + 1)).collect();
    points.sort_unstable();
    for point in points {
        decoder.push(&input[start..point], &mut out)?;
        start = point;
    }
    decoder.push(&input[start..], &mut out)?;
    Ok(out)
}

fn sse_like() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"data: ".to_vec()),
        Just(b"event: ".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b":".to_vec()),
        Just("\u{feff}".as_bytes().to_vec()),
        proptest::collection::vec(any::<u8>(), 0..8),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_bytes(input in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = decode_all(&input);
    }

    #[test]
    fn chunking_does_not_change_the_events(
        input in sse_like(),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        prop_assert_eq!(decode_chunked(&input, &cuts), decode_all(&input));
    }
}
