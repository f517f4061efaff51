//! Bounds on what the parser accepts, so a hostile body costs little
//! memory and time before it is refused.

/// The limits the parser enforces. [`Limits::default`] suits every phone,
/// gateway and WebRTC endpoint the switch expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest body in bytes.
    pub max_size: usize,
    /// The most lines (empty lines not counted).
    pub max_lines: usize,
    /// The longest line in bytes, CR/LF excluded.
    pub max_line_len: usize,
    /// The most `m=` sections.
    pub max_media: usize,
    /// The most formats on one `m=` line.
    pub max_formats: usize,
    /// The most attributes in one section (session or media).
    pub max_attributes: usize,
    /// The longest attribute value in bytes.
    pub max_attribute_len: usize,
}

impl Limits {
    /// The default limits: 32 KiB, 1,024 lines of up to 4 KiB, 32 media
    /// sections of up to 128 formats, 256 attributes per section, attribute
    /// values up to 2 KiB.
    pub const DEFAULT: Limits = Limits {
        max_size: 32 * 1024,
        max_lines: 1024,
        max_line_len: 4096,
        max_media: 32,
        max_formats: 128,
        max_attributes: 256,
        max_attribute_len: 2048,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}
