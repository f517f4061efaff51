//! Codec preference lists in FreeSWITCH's `codec_string` syntax:
//! `OPUS,PCMU,PCMA`, `PCMU@20i`, `opus@48000h@20i@2c`, `mod.name~fmtp`,
//! with `^^<sep>` to change the separator (`^^:PCMU:PCMA`).
//!
//! Qualifiers after `@`: `<n>i` packetization in ms, `<n>h` sampling rate
//! in Hz, `<n>k` in kHz (`16k`), `<n>c` channels, `<n>b` bit rate. Names
//! the switch does not carry (`G722`, `G729`…) and malformed qualifiers
//! are reported as warnings, never fatal: the rest of the list still
//! applies, as in FreeSWITCH.

use std::fmt;

use super::codec::Codec;

/// The most entries a codec string may have; later ones are ignored.
pub const MAX_CODEC_STRING_ENTRIES: usize = 64;

/// One entry of a preference list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecSpec {
    /// The codec.
    pub codec: Codec,
    /// The sampling rate asked for (`@8000h`); PCMU/PCMA only take 8000,
    /// Opus takes 8000–48000 (and always signals `opus/48000/2`).
    pub rate: Option<u32>,
    /// The packetization in ms (`@20i`).
    pub ptime: Option<u32>,
    /// The channel count (`@2c`); for Opus 2 asks for `stereo=1`.
    pub channels: Option<u16>,
    /// The bit rate in bit/s (`@32000b`); for Opus it becomes
    /// `maxaveragebitrate`.
    pub bitrate: Option<u32>,
    /// Format parameters given after `~`, used verbatim in `a=fmtp`.
    pub fmtp: Option<String>,
}

impl CodecSpec {
    /// An entry with no qualifiers.
    #[must_use]
    pub fn new(codec: Codec) -> Self {
        CodecSpec {
            codec,
            rate: None,
            ptime: None,
            channels: None,
            bitrate: None,
            fmtp: None,
        }
    }
}

impl fmt::Display for CodecSpec {
    /// The entry in `codec_string` syntax.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.codec {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
            Codec::Opus => "OPUS",
        })?;
        if let Some(fmtp) = &self.fmtp {
            write!(f, "~{fmtp}")?;
        }
        if let Some(rate) = self.rate {
            write!(f, "@{rate}h")?;
        }
        if let Some(ptime) = self.ptime {
            write!(f, "@{ptime}i")?;
        }
        if let Some(channels) = self.channels {
            write!(f, "@{channels}c")?;
        }
        if let Some(bitrate) = self.bitrate {
            write!(f, "@{bitrate}b")?;
        }
        Ok(())
    }
}

/// Something in a codec string that was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodecStringWarning {
    /// A codec name the switch does not carry; the entry is skipped.
    UnknownCodec(String),
    /// A qualifier that is malformed or does not fit the codec (`PCMU@16000h`,
    /// `PCMU@xi`); the entry is skipped.
    BadQualifier {
        /// The entry's codec name.
        codec: String,
        /// The qualifier, without `@`.
        qualifier: String,
    },
    /// A codec listed again; the later entry is skipped.
    Duplicate(String),
    /// More than [`MAX_CODEC_STRING_ENTRIES`] entries; the rest is ignored.
    TooManyEntries,
}

impl fmt::Display for CodecStringWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodecStringWarning::UnknownCodec(name) => {
                write!(f, "codec {name:?} is not supported; skipped")
            }
            CodecStringWarning::BadQualifier { codec, qualifier } => write!(
                f,
                "codec {codec:?}: qualifier @{qualifier} is invalid (use <n>i, <n>h, <n>k, <n>c or <n>b); entry skipped"
            ),
            CodecStringWarning::Duplicate(name) => {
                write!(f, "codec {name:?} is listed twice; later entry skipped")
            }
            CodecStringWarning::TooManyEntries => write!(
                f,
                "more than {MAX_CODEC_STRING_ENTRIES} codecs listed; the rest is ignored"
            ),
        }
    }
}

/// An ordered preference list and what was skipped while reading it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CodecPrefs {
    /// The codecs, most preferred first, each at most once.
    pub codecs: Vec<CodecSpec>,
    /// What was skipped, in order.
    pub warnings: Vec<CodecStringWarning>,
}

impl CodecPrefs {
    /// Parses a codec string (see the module documentation). Never fails:
    /// problems become [`CodecStringWarning`]s.
    #[must_use]
    pub fn parse(codec_string: &str) -> Self {
        let mut text = codec_string.trim();
        if let Some(inner) = text
            .strip_prefix('\'')
            .and_then(|t| t.strip_suffix('\''))
            .or_else(|| text.strip_prefix('"').and_then(|t| t.strip_suffix('"')))
        {
            text = inner.trim();
        }
        let mut separator = ',';
        if let Some(rest) = text.strip_prefix("^^")
            && let Some(sep) = rest.chars().next()
        {
            separator = sep;
            text = &rest[sep.len_utf8()..];
        }
        let mut prefs = CodecPrefs::default();
        for (index, entry) in text
            .split(separator)
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .enumerate()
        {
            if index >= MAX_CODEC_STRING_ENTRIES {
                prefs.warnings.push(CodecStringWarning::TooManyEntries);
                break;
            }
            match parse_entry(entry) {
                Ok(spec) if prefs.codecs.iter().any(|s| s.codec == spec.codec) => prefs
                    .warnings
                    .push(CodecStringWarning::Duplicate(entry.to_owned())),
                Ok(spec) => prefs.codecs.push(spec),
                Err(warning) => prefs.warnings.push(warning),
            }
        }
        prefs
    }
}

impl fmt::Display for CodecPrefs {
    /// The list in `codec_string` syntax (warnings left out).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, spec) in self.codecs.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{spec}")?;
        }
        Ok(())
    }
}

fn parse_entry(entry: &str) -> Result<CodecSpec, CodecStringWarning> {
    let mut parts = entry.split('@');
    let head = parts.next().unwrap_or_default();
    let (name, fmtp) = match head.split_once('~') {
        Some((name, fmtp)) => (name, Some(fmtp.trim())),
        None => (head, None),
    };
    // `mod_name.codec` names the module that provides the codec.
    let name = name.rsplit('.').next().unwrap_or(name).trim();
    let codec =
        Codec::from_name(name).ok_or_else(|| CodecStringWarning::UnknownCodec(name.to_owned()))?;
    let mut spec = CodecSpec::new(codec);
    spec.fmtp = fmtp.filter(|f| !f.is_empty()).map(str::to_owned);
    for qualifier in parts {
        apply_qualifier(&mut spec, qualifier.trim()).ok_or_else(|| {
            CodecStringWarning::BadQualifier {
                codec: name.to_owned(),
                qualifier: qualifier.to_owned(),
            }
        })?;
    }
    if !fits(&spec) {
        return Err(CodecStringWarning::BadQualifier {
            codec: name.to_owned(),
            qualifier: entry.split_once('@').map_or("", |(_, q)| q).to_owned(),
        });
    }
    Ok(spec)
}

/// Applies one `<n><unit>` qualifier; `None` when malformed.
fn apply_qualifier(spec: &mut CodecSpec, qualifier: &str) -> Option<()> {
    let unit = qualifier.chars().last()?;
    let digits = &qualifier[..qualifier.len() - unit.len_utf8()];
    if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u32 = digits.parse().ok()?;
    match unit.to_ascii_lowercase() {
        'i' => spec.ptime = Some(n),
        'h' => spec.rate = Some(n),
        'k' => spec.rate = Some(if n < 1000 { n * 1000 } else { n }),
        'c' => spec.channels = Some(u16::try_from(n).ok()?),
        'b' => spec.bitrate = Some(n),
        _ => return None,
    }
    Some(())
}

/// Whether the qualifiers suit the codec.
fn fits(spec: &CodecSpec) -> bool {
    let ptime_ok = spec.ptime.is_none_or(|p| (1..=200).contains(&p));
    let (rate_ok, channels_ok) = match spec.codec {
        Codec::Pcmu | Codec::Pcma => (
            spec.rate.is_none_or(|r| r == 8000),
            spec.channels.is_none_or(|c| c == 1),
        ),
        Codec::Opus => (
            spec.rate
                .is_none_or(|r| [8000, 12000, 16000, 24000, 48000].contains(&r)),
            spec.channels.is_none_or(|c| c == 1 || c == 2),
        ),
    };
    ptime_ok && rate_ok && channels_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(prefs: &CodecPrefs) -> Vec<Codec> {
        prefs.codecs.iter().map(|s| s.codec).collect()
    }

    #[test]
    fn plain_list_keeps_order() {
        let prefs = CodecPrefs::parse("OPUS,PCMU,PCMA");
        assert_eq!(names(&prefs), [Codec::Opus, Codec::Pcmu, Codec::Pcma]);
        assert!(prefs.warnings.is_empty());
        assert_eq!(prefs.to_string(), "OPUS,PCMU,PCMA");
    }

    #[test]
    fn qualifiers() {
        let prefs = CodecPrefs::parse("PCMU@20i");
        assert_eq!(prefs.codecs[0].ptime, Some(20));
        let prefs = CodecPrefs::parse("opus@48000h@20i");
        let spec = &prefs.codecs[0];
        assert_eq!(
            (spec.codec, spec.rate, spec.ptime),
            (Codec::Opus, Some(48000), Some(20))
        );
        let prefs = CodecPrefs::parse("opus@16k@2c@32000b");
        let spec = &prefs.codecs[0];
        assert_eq!(
            (spec.rate, spec.channels, spec.bitrate),
            (Some(16000), Some(2), Some(32000))
        );
        assert_eq!(spec.to_string(), "OPUS@16000h@2c@32000b");
    }

    #[test]
    fn unknown_names_are_reported_not_fatal() {
        let prefs = CodecPrefs::parse("G722,PCMU, G729 ,PCMA");
        assert_eq!(names(&prefs), [Codec::Pcmu, Codec::Pcma]);
        assert_eq!(
            prefs.warnings,
            [
                CodecStringWarning::UnknownCodec("G722".into()),
                CodecStringWarning::UnknownCodec("G729".into())
            ]
        );
        assert!(prefs.warnings[0].to_string().contains("G722"));
    }

    #[test]
    fn bad_qualifiers_skip_the_entry() {
        let prefs = CodecPrefs::parse("PCMU@16000h,PCMA@xi,opus@20q,opus@3c,PCMU@0i,PCMA@20");
        assert!(prefs.codecs.is_empty());
        assert_eq!(prefs.warnings.len(), 6);
        assert!(
            matches!(&prefs.warnings[0], CodecStringWarning::BadQualifier { codec, .. } if codec == "PCMU")
        );
    }

    #[test]
    fn duplicates_separators_quotes_modules_and_fmtp() {
        let prefs = CodecPrefs::parse("'^^:PCMA:mod_opus.opus~useinbandfec=1@20i:pcma'");
        assert_eq!(names(&prefs), [Codec::Pcma, Codec::Opus]);
        assert_eq!(prefs.codecs[1].fmtp.as_deref(), Some("useinbandfec=1"));
        assert_eq!(prefs.codecs[1].ptime, Some(20));
        assert_eq!(
            prefs.warnings,
            [CodecStringWarning::Duplicate("pcma".into())]
        );
    }

    #[test]
    fn empty_and_hostile_strings() {
        assert_eq!(CodecPrefs::parse(""), CodecPrefs::default());
        assert_eq!(CodecPrefs::parse(" , ,"), CodecPrefs::default());
        assert_eq!(CodecPrefs::parse("^^").codecs, []);
        assert_eq!(CodecPrefs::parse("PCMU@99999999999i").codecs, []);
        assert_eq!(CodecPrefs::parse("PCMU@é").codecs, []);
        let many = vec!["X"; 100].join(",");
        let prefs = CodecPrefs::parse(&many);
        assert_eq!(prefs.warnings.len(), MAX_CODEC_STRING_ENTRIES + 1);
        assert_eq!(
            prefs.warnings.last(),
            Some(&CodecStringWarning::TooManyEntries)
        );
    }
}
