//! Opus format parameters (RFC 7587 §6): what `a=fmtp` for Opus says and
//! how the switch writes its own.

use std::fmt;

/// The Opus `fmtp` parameters the switch reads and writes. They describe
/// what the writer prefers to receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpusParams {
    /// `useinbandfec=1`: the receiver can use in-band forward error
    /// correction.
    pub useinbandfec: bool,
    /// `usedtx=1`: the receiver prefers discontinuous transmission.
    pub usedtx: bool,
    /// `stereo=1`: the receiver prefers stereo.
    pub stereo: bool,
    /// `maxplaybackrate`: the highest sampling rate worth sending, in Hz.
    pub maxplaybackrate: Option<u32>,
    /// `maxaveragebitrate`: the highest average bit rate, in bit/s.
    pub maxaveragebitrate: Option<u32>,
}

impl Default for OpusParams {
    /// What the switch offers: `useinbandfec=1; maxplaybackrate=48000;
    /// stereo=0`.
    fn default() -> Self {
        OpusParams {
            useinbandfec: true,
            usedtx: false,
            stereo: false,
            maxplaybackrate: Some(48000),
            maxaveragebitrate: None,
        }
    }
}

impl OpusParams {
    /// Reads the parameters of an Opus `a=fmtp` line (`;`-separated
    /// `name=value`, spaces allowed). Unknown names and unreadable values are
    /// ignored; absent parameters take RFC 7587's defaults (all off, no
    /// limits).
    #[must_use]
    pub fn parse(fmtp: &str) -> Self {
        let mut params = OpusParams {
            useinbandfec: false,
            usedtx: false,
            stereo: false,
            maxplaybackrate: None,
            maxaveragebitrate: None,
        };
        for pair in fmtp.split(';') {
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "useinbandfec" => params.useinbandfec = value == "1",
                "usedtx" => params.usedtx = value == "1",
                "stereo" => params.stereo = value == "1",
                "maxplaybackrate" => params.maxplaybackrate = value.parse().ok(),
                "maxaveragebitrate" => params.maxaveragebitrate = value.parse().ok(),
                _ => {}
            }
        }
        params
    }
}

impl fmt::Display for OpusParams {
    /// The `a=fmtp` parameters, FreeSWITCH style (`; `-separated).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "useinbandfec={}", u8::from(self.useinbandfec))?;
        if self.usedtx {
            f.write_str("; usedtx=1")?;
        }
        if let Some(rate) = self.maxplaybackrate {
            write!(f, "; maxplaybackrate={rate}")?;
        }
        if let Some(bitrate) = self.maxaveragebitrate {
            write!(f, "; maxaveragebitrate={bitrate}")?;
        }
        write!(f, "; stereo={}", u8::from(self.stereo))
    }
}

#[cfg(test)]
mod tests {
    use super::OpusParams;

    #[test]
    fn default_is_what_the_switch_offers() {
        assert_eq!(
            OpusParams::default().to_string(),
            "useinbandfec=1; maxplaybackrate=48000; stereo=0"
        );
    }

    #[test]
    fn parses_common_forms() {
        let p = OpusParams::parse("minptime=10;useinbandfec=1");
        assert!(p.useinbandfec && !p.stereo && !p.usedtx);
        assert_eq!(p.maxplaybackrate, None);
        let p = OpusParams::parse(
            "useinbandfec=1; maxaveragebitrate=30000; maxplaybackrate=16000; stereo=1; usedtx=1",
        );
        assert!(p.useinbandfec && p.stereo && p.usedtx);
        assert_eq!(
            (p.maxplaybackrate, p.maxaveragebitrate),
            (Some(16000), Some(30000))
        );
        assert_eq!(OpusParams::parse(&p.to_string()), p);
    }

    #[test]
    fn garbage_is_ignored() {
        let p = OpusParams::parse(";;=;x;maxplaybackrate=abc;STEREO=1");
        assert!(p.stereo);
        assert_eq!(p.maxplaybackrate, None);
        assert!(!OpusParams::parse("").useinbandfec);
    }
}
