//! A fixed-capacity queue of samples between a decoder and an encoder whose
//! frame lengths differ. Allocated once; pushing past capacity is an error.

use super::error::{CodecError, Result};

/// Samples waiting to be taken in whole frames.
#[derive(Debug)]
pub(crate) struct SampleQueue {
    buffer: Vec<i16>,
    len: usize,
}

impl SampleQueue {
    /// A queue holding at most `capacity` samples.
    pub(crate) fn new(capacity: usize) -> Self {
        SampleQueue {
            buffer: vec![0; capacity],
            len: 0,
        }
    }

    /// Samples waiting.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Appends `samples`; on overflow empties the queue and says so.
    pub(crate) fn push(&mut self, samples: &[i16]) -> Result<()> {
        let end = self.len + samples.len();
        let Some(room) = self.buffer.get_mut(self.len..end) else {
            self.len = 0;
            return Err(CodecError::Overflow);
        };
        room.copy_from_slice(samples);
        self.len = end;
        Ok(())
    }

    /// Moves the oldest `out.len()` samples into `out`; false (and nothing
    /// moved) when fewer are waiting.
    pub(crate) fn pop_into(&mut self, out: &mut [i16]) -> bool {
        let n = out.len();
        if n > self.len {
            return false;
        }
        out.copy_from_slice(&self.buffer[..n]);
        self.buffer.copy_within(n..self.len, 0);
        self.len -= n;
        true
    }

    /// Drops everything waiting.
    pub(crate) fn clear(&mut self) {
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_order_and_overflow() {
        let mut queue = SampleQueue::new(5);
        queue.push(&[1, 2, 3]).unwrap();
        let mut two = [0; 2];
        assert!(queue.pop_into(&mut two));
        assert_eq!(two, [1, 2]);
        queue.push(&[4, 5, 6, 7]).unwrap();
        assert_eq!(queue.len(), 5);
        let mut five = [0; 5];
        assert!(queue.pop_into(&mut five));
        assert_eq!(five, [3, 4, 5, 6, 7]);
        assert!(!queue.pop_into(&mut two));
        queue.push(&[1; 5]).unwrap();
        assert_eq!(queue.push(&[1]), Err(CodecError::Overflow));
        assert_eq!(queue.len(), 0);
        queue.push(&[9]).unwrap();
        queue.clear();
        assert_eq!(queue.len(), 0);
    }
}
