//! RTP header extensions: the RFC 3550 §5.3.1 container and the RFC 8285
//! one-byte and two-byte element formats inside it.

/// The "defined by profile" value announcing RFC 8285 one-byte elements.
pub const ONE_BYTE_PROFILE: u16 = 0xBEDE;

/// Mask and value of the "defined by profile" field announcing RFC 8285
/// two-byte elements (`0x100X`, the low 4 bits are application bits).
pub const TWO_BYTE_PROFILE_MASK: u16 = 0xFFF0;
/// See [`TWO_BYTE_PROFILE_MASK`].
pub const TWO_BYTE_PROFILE: u16 = 0x1000;

/// The header extension of one packet: a 16-bit profile value and its
/// data (a whole number of 32-bit words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderExtension<'a> {
    profile: u16,
    data: &'a [u8],
}

/// How the elements of a header extension are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtensionFormat {
    /// RFC 8285 §4.2: one byte of ID (1–14) and length-minus-one.
    OneByte,
    /// RFC 8285 §4.3: one byte of ID, one byte of length.
    TwoByte,
    /// Any other profile value: data only the profile knows how to read.
    ProfileSpecific,
}

/// One RFC 8285 element: its local identifier and its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtensionElement<'a> {
    /// The local identifier negotiated with `a=extmap`.
    pub id: u8,
    /// The element's data.
    pub data: &'a [u8],
}

impl<'a> HeaderExtension<'a> {
    /// Wraps a profile value and the extension data that follows it.
    pub fn new(profile: u16, data: &'a [u8]) -> Self {
        HeaderExtension { profile, data }
    }

    /// The 16-bit "defined by profile" field.
    pub fn profile(&self) -> u16 {
        self.profile
    }

    /// The raw extension data, after the 4-byte extension header.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// The element format the profile value announces.
    pub fn format(&self) -> ExtensionFormat {
        if self.profile == ONE_BYTE_PROFILE {
            ExtensionFormat::OneByte
        } else if self.profile & TWO_BYTE_PROFILE_MASK == TWO_BYTE_PROFILE {
            ExtensionFormat::TwoByte
        } else {
            ExtensionFormat::ProfileSpecific
        }
    }

    /// The RFC 8285 elements, in order. Padding bytes are skipped; the
    /// iteration stops at a one-byte ID of 15 (reserved, "stop"), at a
    /// one-byte ID of 0 with a non-zero length, or at an
    /// element whose length runs past the data. Profile-specific data
    /// yields no element.
    pub fn elements(&self) -> ExtensionElements<'a> {
        ExtensionElements {
            format: self.format(),
            rest: self.data,
        }
    }

    /// The data of the first element with identifier `id`, if any.
    pub fn element(&self, id: u8) -> Option<&'a [u8]> {
        self.elements().find(|e| e.id == id).map(|e| e.data)
    }
}

/// Iterator over the RFC 8285 elements of a [`HeaderExtension`].
#[derive(Debug, Clone)]
pub struct ExtensionElements<'a> {
    format: ExtensionFormat,
    rest: &'a [u8],
}

impl<'a> Iterator for ExtensionElements<'a> {
    type Item = ExtensionElement<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (&first, after) = self.rest.split_first()?;
            if first == 0 {
                self.rest = after;
                continue;
            }
            let (id, len, data_start) = match self.format {
                ExtensionFormat::OneByte => {
                    let id = first >> 4;
                    // 15 means "stop"; 0 with a length is malformed padding.
                    if id == 15 || id == 0 {
                        self.rest = &[];
                        return None;
                    }
                    (id, usize::from(first & 0x0f) + 1, 1)
                }
                ExtensionFormat::TwoByte => {
                    let len = usize::from(*after.first()?);
                    (first, len, 2)
                }
                ExtensionFormat::ProfileSpecific => return None,
            };
            let Some(data) = self.rest.get(data_start..data_start + len) else {
                self.rest = &[];
                return None;
            };
            self.rest = &self.rest[data_start + len..];
            return Some(ExtensionElement { id, data });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_byte_elements_with_padding_and_stop() {
        // RFC 8285 §4.2 example shape: id 1 len 1, padding, id 2 len 2.
        let data = [0x10, 0xaa, 0x00, 0x21, 0xbb, 0xcc, 0xf0, 0x31, 0xdd];
        let ext = HeaderExtension::new(ONE_BYTE_PROFILE, &data);
        let elements: Vec<_> = ext.elements().collect();
        assert_eq!(
            elements,
            [
                ExtensionElement {
                    id: 1,
                    data: &[0xaa]
                },
                ExtensionElement {
                    id: 2,
                    data: &[0xbb, 0xcc]
                },
            ]
        );
        assert_eq!(ext.element(2), Some(&[0xbb, 0xcc][..]));
        assert_eq!(ext.element(3), None);
        assert_eq!(ext.profile(), ONE_BYTE_PROFILE);
    }

    #[test]
    fn one_byte_stops_on_zero_id_with_length_and_truncation() {
        let ext = HeaderExtension::new(ONE_BYTE_PROFILE, &[0x05, 0x10, 0xaa]);
        assert_eq!(ext.elements().count(), 0);
        let ext = HeaderExtension::new(ONE_BYTE_PROFILE, &[0x13, 0xaa]);
        assert_eq!(ext.elements().count(), 0);
    }

    #[test]
    fn two_byte_elements() {
        let data = [0x05, 0x02, 0xaa, 0xbb, 0x00, 0x07, 0x00, 0x09, 0x03, 0x01];
        let ext = HeaderExtension::new(0x1001, &data);
        assert_eq!(ext.format(), ExtensionFormat::TwoByte);
        let elements: Vec<_> = ext.elements().collect();
        assert_eq!(
            elements,
            [
                ExtensionElement {
                    id: 5,
                    data: &[0xaa, 0xbb]
                },
                ExtensionElement { id: 7, data: &[] },
            ]
        );
        // Length byte missing at the end.
        assert_eq!(HeaderExtension::new(0x1000, &[0x05]).elements().count(), 0);
    }

    #[test]
    fn profile_specific_yields_no_elements() {
        let ext = HeaderExtension::new(0x1234, &[1, 2, 3, 4]);
        assert_eq!(ext.format(), ExtensionFormat::ProfileSpecific);
        assert_eq!(ext.elements().count(), 0);
    }
}
