//! Unit tests for backoff and delay parsing.

use proptest::prelude::*;
use reqwest::header::HeaderValue;

use super::*;

#[test]
fn backoff_doubles_from_200_ms() {
    assert_eq!(backoff_with_jitter(1, 1.0), Duration::from_millis(200));
    assert_eq!(backoff_with_jitter(2, 1.0), Duration::from_millis(400));
    assert_eq!(backoff_with_jitter(3, 1.0), Duration::from_millis(800));
    assert_eq!(backoff_with_jitter(0, 1.0), Duration::from_millis(200));
    assert_eq!(backoff_with_jitter(1, 0.9), Duration::from_millis(180));
}

#[test]
fn backoff_jitter_stays_in_range() {
    for attempt in 1..=5 {
        let nominal = backoff_with_jitter(attempt, 1.0);
        for _ in 0..50 {
            let delay = backoff(attempt);
            assert!(
                delay >= nominal.mul_f64(0.9) - Duration::from_millis(1),
                "{delay:?}"
            );
            assert!(delay < nominal.mul_f64(1.1), "{delay:?}");
        }
    }
}

#[test]
fn backoff_saturates() {
    assert!(backoff(u32::MAX) > Duration::from_secs(1_000_000));
    assert!(backoff(100) > Duration::from_secs(1_000_000));
}

#[test]
fn retry_after_header() {
    let mut headers = HeaderMap::new();
    assert_eq!(retry_after(&headers), None);
    headers.insert(RETRY_AFTER, HeaderValue::from_static("2"));
    assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
    headers.insert(RETRY_AFTER, HeaderValue::from_static(" 1.5 "));
    assert_eq!(retry_after(&headers), Some(Duration::from_millis(1500)));
    headers.insert(
        RETRY_AFTER,
        HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
    );
    assert_eq!(retry_after(&headers), None);
    headers.insert(RETRY_AFTER, HeaderValue::from_static("-3"));
    assert_eq!(retry_after(&headers), None);
}

#[test]
fn try_again_in_matches_the_reference_regex() {
    let cases = [
        (
            "Please try again in 11.054s. Visit …",
            Some(Duration::from_secs_f64(11.054)),
        ),
        (
            "Please try again in 28ms. Visit …",
            Some(Duration::from_millis(28)),
        ),
        (
            "Rate limit exceeded. Try again in 35 seconds.",
            Some(Duration::from_secs(35)),
        ),
        ("TRY AGAIN IN 1 second", Some(Duration::from_secs(1))),
        ("try again in  3 s", Some(Duration::from_secs(3))),
        ("try again in a moment", None),
        ("try again in 5 minutes", None),
        ("try again in 1.s", None),
        (
            "try again in soon; try again in 2s",
            Some(Duration::from_secs(2)),
        ),
        ("nothing here", None),
    ];
    for (message, expected) in cases {
        assert_eq!(try_again_in(message), expected, "{message}");
    }
}

#[test]
fn try_again_in_survives_huge_numbers() {
    assert_eq!(
        try_again_in(&format!("try again in {}s", "9".repeat(400))),
        None
    );
    assert!(try_again_in(&format!("try again in {}ms", "9".repeat(30))).is_some());
}

proptest! {
    #[test]
    fn try_again_in_never_panics(message in ".{0,200}") {
        let _ = try_again_in(&message);
    }
}
