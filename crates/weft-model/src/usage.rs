//! Token usage of one response, and its running sums (core.md §2.4).
//!
//! Parsing is lenient: a missing count is 0 (a missing `total_tokens` is input + output), so a
//! provider that reports partial usage still updates the counters instead of losing them.

use std::ops::{Add, AddAssign};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Token counts, either of one response (`last`) or summed over a turn or thread (`total`).
///
/// Field names are the rollout's `token_count` names. Sums saturate rather than overflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TokenUsage {
    /// `usage.input_tokens`.
    pub input_tokens: i64,
    /// `usage.input_tokens_details.cached_tokens`.
    pub cached_input_tokens: i64,
    /// `usage.input_tokens_details.cache_write_tokens` (a top-level `cache_write_tokens` is
    /// ignored, as in the reference).
    pub cache_write_input_tokens: i64,
    /// `usage.output_tokens`.
    pub output_tokens: i64,
    /// `usage.output_tokens_details.reasoning_tokens`.
    pub reasoning_output_tokens: i64,
    /// `usage.total_tokens`.
    pub total_tokens: i64,
}

impl TokenUsage {
    /// Parses the `usage` object of `response.completed`; `None` unless it is an object.
    pub fn from_response_usage(usage: &Value) -> Option<Self> {
        let usage = usage.as_object()?;
        let count = |value: Option<&Value>| value.and_then(Value::as_i64).unwrap_or(0);
        let input_tokens = count(usage.get("input_tokens"));
        let output_tokens = count(usage.get("output_tokens"));
        let input_details = usage.get("input_tokens_details");
        let output_details = usage.get("output_tokens_details");
        let total_tokens = usage
            .get("total_tokens")
            .and_then(Value::as_i64)
            .unwrap_or_else(|| input_tokens.saturating_add(output_tokens));
        Some(Self {
            input_tokens,
            cached_input_tokens: count(input_details.and_then(|d| d.get("cached_tokens"))),
            cache_write_input_tokens: count(
                input_details.and_then(|d| d.get("cache_write_tokens")),
            ),
            output_tokens,
            reasoning_output_tokens: count(output_details.and_then(|d| d.get("reasoning_tokens"))),
            total_tokens,
        })
    }
}

impl AddAssign<&TokenUsage> for TokenUsage {
    fn add_assign(&mut self, other: &TokenUsage) {
        self.input_tokens = self.input_tokens.saturating_add(other.input_tokens);
        self.cached_input_tokens = self
            .cached_input_tokens
            .saturating_add(other.cached_input_tokens);
        self.cache_write_input_tokens = self
            .cache_write_input_tokens
            .saturating_add(other.cache_write_input_tokens);
        self.output_tokens = self.output_tokens.saturating_add(other.output_tokens);
        self.reasoning_output_tokens = self
            .reasoning_output_tokens
            .saturating_add(other.reasoning_output_tokens);
        self.total_tokens = self.total_tokens.saturating_add(other.total_tokens);
    }
}

impl AddAssign for TokenUsage {
    fn add_assign(&mut self, other: TokenUsage) {
        *self += &other;
    }
}

impl Add for TokenUsage {
    type Output = TokenUsage;

    fn add(mut self, other: TokenUsage) -> TokenUsage {
        self += &other;
        self
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn parses_full_usage() {
        let usage = json!({
            "input_tokens": 100,
            "input_tokens_details": {"cached_tokens": 40, "cache_write_tokens": 7},
            "cache_write_tokens": 999,
            "output_tokens": 10,
            "output_tokens_details": {"reasoning_tokens": 3},
            "total_tokens": 110
        });
        assert_eq!(
            TokenUsage::from_response_usage(&usage),
            Some(TokenUsage {
                input_tokens: 100,
                cached_input_tokens: 40,
                cache_write_input_tokens: 7,
                output_tokens: 10,
                reasoning_output_tokens: 3,
                total_tokens: 110,
            })
        );
    }

    #[test]
    fn missing_details_are_zero_and_total_is_derived() {
        let usage = json!({"input_tokens": 5, "input_tokens_details": null, "output_tokens": 2});
        let parsed = TokenUsage::from_response_usage(&usage).unwrap();
        assert_eq!(parsed.cached_input_tokens, 0);
        assert_eq!(parsed.reasoning_output_tokens, 0);
        assert_eq!(parsed.total_tokens, 7);
        assert_eq!(TokenUsage::from_response_usage(&json!(null)), None);
        assert_eq!(TokenUsage::from_response_usage(&json!("x")), None);
    }

    #[test]
    fn sums_add_every_field_and_saturate() {
        let last = TokenUsage {
            input_tokens: 100,
            output_tokens: 10,
            total_tokens: 110,
            ..TokenUsage::default()
        };
        let total = last + last;
        assert_eq!(
            (total.input_tokens, total.output_tokens, total.total_tokens),
            (200, 20, 220)
        );
        let mut big = TokenUsage {
            total_tokens: i64::MAX,
            ..TokenUsage::default()
        };
        big += &last;
        assert_eq!(big.total_tokens, i64::MAX);
    }
}
