//! The serializer: canonical RFC 4566 text with CRLF line ends, lines in
//! the order RFC 4566 §5 gives, typed attributes before the others and
//! the direction attribute last in each section.
//!
//! Parsing what this writes gives back the same model. Values are written
//! as they are: a model built by hand must not put CR or LF in them (what
//! the parser produces never does).

use std::fmt::{self, Write};

use super::model::{
    Attribute, Bandwidth, Connection, Line, MediaDescription, Origin, Rtcp, RtpMap,
    SessionDescription,
};
use super::parse::session_extra_rank;

impl fmt::Display for SessionDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("v=0\r\n")?;
        write!(f, "o={}\r\n", self.origin)?;
        if self.session_name.is_empty() {
            f.write_str("s= \r\n")?;
        } else {
            write!(f, "s={}\r\n", self.session_name)?;
        }
        if let Some(information) = &self.information {
            write!(f, "i={information}\r\n")?;
        }
        write_extras(f, &self.extra_lines, 0)?;
        if let Some(connection) = &self.connection {
            write!(f, "c={connection}\r\n")?;
        }
        write_bandwidths(f, &self.bandwidths)?;
        for timing in &self.timing {
            write!(f, "t={} {}\r\n", timing.start, timing.stop)?;
            for repeat in &timing.repeats {
                write!(f, "r={repeat}\r\n")?;
            }
        }
        write_extras(f, &self.extra_lines, 1)?;
        write_extras(f, &self.extra_lines, 2)?;
        write_attributes(f, &self.attributes)?;
        if let Some(direction) = self.direction {
            write!(f, "a={direction}\r\n")?;
        }
        for media in &self.media {
            write!(f, "{media}")?;
        }
        Ok(())
    }
}

impl fmt::Display for MediaDescription {
    /// The `m=` section, CRLF-terminated lines.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "m={} {}", self.media.as_str(), self.port)?;
        if let Some(count) = self.port_count {
            write!(f, "/{count}")?;
        }
        write!(f, " {}", self.proto)?;
        for format in &self.formats {
            write!(f, " {}", format.id)?;
        }
        f.write_str("\r\n")?;
        if let Some(information) = &self.information {
            write!(f, "i={information}\r\n")?;
        }
        if let Some(connection) = &self.connection {
            write!(f, "c={connection}\r\n")?;
        }
        write_bandwidths(f, &self.bandwidths)?;
        for line in &self.extra_lines {
            write!(f, "{}={}\r\n", line.kind, line.value)?;
        }
        for format in &self.formats {
            if let Some(rtpmap) = &format.rtpmap {
                write!(f, "a=rtpmap:{} {rtpmap}\r\n", format.id)?;
            }
            match format.fmtp.as_deref() {
                Some("") => write!(f, "a=fmtp:{}\r\n", format.id)?,
                Some(params) => write!(f, "a=fmtp:{} {params}\r\n", format.id)?,
                None => {}
            }
        }
        if let Some(ptime) = self.ptime {
            write!(f, "a=ptime:{ptime}\r\n")?;
        }
        if let Some(maxptime) = self.maxptime {
            write!(f, "a=maxptime:{maxptime}\r\n")?;
        }
        if let Some(rtcp) = &self.rtcp {
            write!(f, "a=rtcp:{rtcp}\r\n")?;
        }
        if self.rtcp_mux {
            f.write_str("a=rtcp-mux\r\n")?;
        }
        write_attributes(f, &self.attributes)?;
        if let Some(direction) = self.direction {
            write!(f, "a={direction}\r\n")?;
        }
        Ok(())
    }
}

impl fmt::Display for Origin {
    /// The value of the `o=` line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {} {} {}",
            self.username,
            self.session_id,
            self.session_version,
            self.net_type,
            self.addr_type.as_str(),
            self.address
        )
    }
}

impl fmt::Display for Connection {
    /// The value of the `c=` line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.net_type,
            self.addr_type.as_str(),
            self.address
        )?;
        if let Some(ttl) = self.ttl {
            write!(f, "/{ttl}")?;
        }
        if let Some(count) = self.count {
            write!(f, "/{count}")?;
        }
        Ok(())
    }
}

impl fmt::Display for RtpMap {
    /// `<encoding>/<clock rate>[/<channels>]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.encoding, self.clock_rate)?;
        if let Some(channels) = self.channels {
            write!(f, "/{channels}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Rtcp {
    /// The value of `a=rtcp`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.port)?;
        if let Some(connection) = &self.connection {
            write!(
                f,
                " {} {} {}",
                connection.net_type,
                connection.addr_type.as_str(),
                connection.address
            )?;
        }
        Ok(())
    }
}

impl fmt::Display for Attribute {
    /// `<name>` or `<name>:<value>` (without `a=`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(value) = &self.value {
            f.write_char(':')?;
            f.write_str(value)?;
        }
        Ok(())
    }
}

fn write_extras(f: &mut fmt::Formatter<'_>, lines: &[Line], rank: u8) -> fmt::Result {
    for line in lines.iter().filter(|l| session_extra_rank(l.kind) == rank) {
        write!(f, "{}={}\r\n", line.kind, line.value)?;
    }
    Ok(())
}

fn write_bandwidths(f: &mut fmt::Formatter<'_>, bandwidths: &[Bandwidth]) -> fmt::Result {
    for b in bandwidths {
        write!(f, "b={}:{}\r\n", b.kind, b.value)?;
    }
    Ok(())
}

fn write_attributes(f: &mut fmt::Formatter<'_>, attributes: &[Attribute]) -> fmt::Result {
    for attribute in attributes {
        write!(f, "a={attribute}\r\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::sdp::SessionDescription;

    fn round_trip(text: &str) -> String {
        let sdp = SessionDescription::parse(text.as_bytes()).expect("parses");
        let written = sdp.to_string();
        let again = SessionDescription::parse(written.as_bytes()).expect("reparses");
        assert_eq!(again, sdp);
        assert_eq!(
            again.to_string(),
            written,
            "canonical text is a fixed point"
        );
        written
    }

    #[test]
    fn writes_canonical_crlf_in_rfc_order() {
        let text = "v=0\no=alice 1 2 IN IP4 192.0.2.1\ns= \nt=0 0\nu=http://x\nc=IN IP4 192.0.2.1\n\
                    a=sendonly\na=tool:x\nm=audio 4000 RTP/AVP 0 101\na=sendrecv\na=rtcp-mux\n\
                    a=fmtp:101 0-16\na=rtpmap:101 telephone-event/8000\na=ptime:20\n";
        let written = round_trip(text);
        assert_eq!(
            written,
            "v=0\r\no=alice 1 2 IN IP4 192.0.2.1\r\ns= \r\nu=http://x\r\nc=IN IP4 192.0.2.1\r\n\
             t=0 0\r\na=tool:x\r\na=sendonly\r\nm=audio 4000 RTP/AVP 0 101\r\n\
             a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=rtcp-mux\r\n\
             a=sendrecv\r\n"
        );
    }

    #[test]
    fn multicast_rtcp_and_empty_values_round_trip() {
        round_trip(
            "v=0\r\no=- 1 1 IN IP6 ::1\r\ns=x\r\nc=IN IP6 ff15::101/3\r\nt=1 2\r\nr=7d 1h 0 25h\r\n\
             m=audio 5000/2 RTP/AVP 18\r\nc=IN IP4 224.2.1.1/127/3\r\nb=AS:64\r\nk=clear:x\r\n\
             a=fmtp:18\r\na=rtcp:5001 IN IP4 10.0.0.1\r\na=x:\r\na=flag\r\n",
        );
    }
}
