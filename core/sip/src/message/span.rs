//! Byte ranges into a message's owned head text.

use std::ops::Range;

/// A half-open byte range `start..end` into a message's head text.
///
/// Stored as two `u32`s so a header entry stays small; heads are limited to
/// far less than 4 GiB by [`Limits`](super::Limits).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Span {
    /// A span from `start` to `end` (clamped so `start <= end`).
    pub(crate) fn new(start: usize, end: usize) -> Span {
        let start = u32::try_from(start).unwrap_or(u32::MAX);
        let end = u32::try_from(end).unwrap_or(u32::MAX).max(start);
        Span { start, end }
    }

    /// The span as a `usize` range.
    pub(crate) fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The text the span covers, or `""` if it does not fit `text`.
    pub(crate) fn of(self, text: &str) -> &str {
        text.get(self.range()).unwrap_or("")
    }
}
