//! Source descriptions (RFC 3550 §6.5): chunks of items, CNAME first.

/// Item type of the canonical name.
pub const SDES_CNAME: u8 = 1;

/// An SDES packet: a list of chunks, one per source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceDescription<'a> {
    count: u8,
    body: &'a [u8],
}

/// One SDES chunk: a source and its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdesChunk<'a> {
    /// The source described.
    pub ssrc: u32,
    items: &'a [u8],
}

/// One SDES item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdesItem<'a> {
    /// The item type (1 CNAME, 2 NAME, … 8 PRIV).
    pub item_type: u8,
    /// The item text, UTF-8 by the RFC but not checked here.
    pub value: &'a [u8],
}

impl<'a> SourceDescription<'a> {
    /// Wraps the body (after the common header) of an SDES packet.
    pub(crate) fn new(count: u8, body: &'a [u8]) -> Self {
        SourceDescription { count, body }
    }

    /// The chunks, in order. Iteration stops at a malformed chunk (an item
    /// running past the packet, or no terminating null item).
    pub fn chunks(&self) -> SdesChunks<'a> {
        SdesChunks {
            body: self.body,
            at: 0,
            remaining: self.count,
        }
    }

    /// The CNAME of `ssrc`, if a chunk for it carries one.
    pub fn cname(&self, ssrc: u32) -> Option<&'a [u8]> {
        self.chunks()
            .filter(|c| c.ssrc == ssrc)
            .find_map(|c| c.cname())
    }
}

impl<'a> SdesChunk<'a> {
    /// The items of the chunk, up to the terminating null item.
    pub fn items(&self) -> SdesItems<'a> {
        SdesItems { rest: self.items }
    }

    /// The chunk's CNAME item, if any.
    pub fn cname(&self) -> Option<&'a [u8]> {
        self.items()
            .find(|i| i.item_type == SDES_CNAME)
            .map(|i| i.value)
    }
}

/// Iterator over the chunks of an SDES packet.
#[derive(Debug, Clone)]
pub struct SdesChunks<'a> {
    body: &'a [u8],
    at: usize,
    remaining: u8,
}

impl<'a> Iterator for SdesChunks<'a> {
    type Item = SdesChunk<'a>;

    fn next(&mut self) -> Option<SdesChunk<'a>> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let start = self.at;
        let ssrc_bytes = self.body.get(start..start + 4)?;
        let ssrc = u32::from_be_bytes([ssrc_bytes[0], ssrc_bytes[1], ssrc_bytes[2], ssrc_bytes[3]]);
        let items_start = start + 4;
        let mut at = items_start;
        loop {
            let Some(&item_type) = self.body.get(at) else {
                self.remaining = 0;
                return None;
            };
            if item_type == 0 {
                break;
            }
            let Some(&len) = self.body.get(at + 1) else {
                self.remaining = 0;
                return None;
            };
            at += 2 + usize::from(len);
        }
        let items = self.body.get(items_start..at)?;
        // Skip the null item and the padding up to the next 32-bit word.
        self.at = (at + 4) & !3;
        Some(SdesChunk { ssrc, items })
    }
}

/// Iterator over the items of an SDES chunk.
#[derive(Debug, Clone)]
pub struct SdesItems<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for SdesItems<'a> {
    type Item = SdesItem<'a>;

    fn next(&mut self) -> Option<SdesItem<'a>> {
        let (&item_type, after) = self.rest.split_first()?;
        let (&len, after) = after.split_first()?;
        let value = after.get(..usize::from(len))?;
        self.rest = &after[usize::from(len)..];
        Some(SdesItem { item_type, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtcp::{RtcpCompound, RtcpPacket};

    #[test]
    fn reads_chunks_items_and_cname() {
        let bytes = [
            0x80, 201, 0, 1, 0, 0, 0, 1, // RR
            0x82, 202, 0, 6, // SDES, 2 chunks, 28 bytes
            0, 0, 0, 1, 1, 3, b'a', b'@', b'b', 2, 1, b'n', 0, 0, 0,
            0, // chunk 1: CNAME, NAME
            0, 0, 0, 2, 1, 1, b'z', 0, // chunk 2: CNAME "z"
        ];
        let c = RtcpCompound::parse(&bytes).unwrap();
        let Some(RtcpPacket::SourceDescription(sdes)) = c.packets().nth(1) else {
            panic!()
        };
        let chunks: Vec<_> = sdes.chunks().collect();
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[0].ssrc, 1);
        assert_eq!(
            chunks[0].items().collect::<Vec<_>>(),
            [
                SdesItem {
                    item_type: 1,
                    value: b"a@b"
                },
                SdesItem {
                    item_type: 2,
                    value: b"n"
                }
            ]
        );
        assert_eq!(sdes.cname(1), Some(&b"a@b"[..]));
        assert_eq!(sdes.cname(2), Some(&b"z"[..]));
        assert_eq!(sdes.cname(3), None);
    }

    #[test]
    fn stops_at_items_running_past_the_packet() {
        let sdes = SourceDescription::new(1, &[0, 0, 0, 1, 1, 9, b'a', 0]);
        assert_eq!(sdes.chunks().count(), 0);
        let sdes = SourceDescription::new(1, &[0, 0, 0, 1, 1]);
        assert_eq!(sdes.chunks().count(), 0);
        let sdes = SourceDescription::new(2, &[0, 0]);
        assert_eq!(sdes.chunks().count(), 0);
        let chunk = SdesChunk {
            ssrc: 1,
            items: &[1, 5, b'x'],
        };
        assert_eq!(chunk.items().count(), 0);
    }
}
