//! Locating a chunk's old lines in a file, with the reference's four matching passes.
//!
//! Models reproduce context lines imperfectly: trailing blanks get lost, indentation drifts,
//! typographic dashes and quotes become ASCII. So a search runs up to four passes over the
//! candidate positions, each more forgiving than the last — exact, ignoring trailing
//! whitespace, ignoring surrounding whitespace, and finally with common Unicode punctuation
//! normalised to ASCII — and the first pass that matches anywhere wins. Strict passes first
//! keep a fuzzy match from beating an exact one further down the file.

/// How two lines are compared in one pass.
#[derive(Debug, Clone, Copy)]
enum Pass {
    Exact,
    TrimEnd,
    Trim,
    Normalised,
}

const PASSES: [Pass; 4] = [Pass::Exact, Pass::TrimEnd, Pass::Trim, Pass::Normalised];

/// Finds `pattern` in `lines` at or after `start` and returns the index of its first line.
///
/// With `end_of_file`, only the position that ends at the last line is tried (the reference
/// anchors `*** End of File` chunks there and does not fall back). An empty pattern matches
/// at `start`; a pattern longer than the file matches nowhere.
pub(crate) fn seek_sequence(
    lines: &[String],
    pattern: &[String],
    start: usize,
    end_of_file: bool,
) -> Option<usize> {
    if pattern.is_empty() {
        return Some(start);
    }
    let last_start = lines.len().checked_sub(pattern.len())?;
    let first_start = if end_of_file { last_start } else { start };
    PASSES.iter().find_map(|pass| {
        (first_start..=last_start).find(|&at| {
            lines[at..at + pattern.len()]
                .iter()
                .zip(pattern)
                .all(|(line, wanted)| lines_match(*pass, line, wanted))
        })
    })
}

fn lines_match(pass: Pass, line: &str, wanted: &str) -> bool {
    match pass {
        Pass::Exact => line == wanted,
        Pass::TrimEnd => line.trim_end() == wanted.trim_end(),
        Pass::Trim => line.trim() == wanted.trim(),
        Pass::Normalised => normalised(line).eq(normalised(wanted)),
    }
}

/// The line trimmed, with typographic dashes, quotes and spaces replaced by their ASCII forms.
fn normalised(line: &str) -> impl Iterator<Item = char> + '_ {
    line.trim().chars().map(|c| match c {
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
        | '\u{2212}' => '-',
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' => '"',
        '\u{00A0}' | '\u{2002}' | '\u{2003}' | '\u{2004}' | '\u{2005}' | '\u{2006}'
        | '\u{2007}' | '\u{2008}' | '\u{2009}' | '\u{200A}' | '\u{202F}' | '\u{205F}'
        | '\u{3000}' => ' ',
        other => other,
    })
}

#[cfg(test)]
mod tests;
