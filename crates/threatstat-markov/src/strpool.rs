//! Compact interning for millions of distinct values (user keys, parameter
//! names): all strings in one text buffer, ids found through an
//! open-addressing table of `u32` ids.
//!
//! [`threatstat_core::Interner`] keeps every string twice, each in its own
//! heap allocation, behind a hash map of boxed keys: about 120 bytes for a
//! 13-byte IP address. A [`StrPool`] holds the bytes once plus about 16 bytes
//! of offset and table per string, which is what keeps `markov sessionize`
//! on a log with a million distinct client IPs within a small multiple of
//! its input size.

use rustc_hash::FxBuildHasher;
use std::hash::BuildHasher;

/// An open-addressing (linear probing) table of dense ids `0..len`: the
/// caller keeps the values and says how to compare them, the table keeps
/// each id with 32 bits of its hash. Load stays at most one half.
#[derive(Debug, Clone, Default)]
pub(crate) struct IdTable {
    /// `(id, hash)`; `id == EMPTY` marks a free slot. Empty or a power of two.
    slots: Vec<(u32, u32)>,
    len: usize,
}

const EMPTY: u32 = u32::MAX;

impl IdTable {
    /// The id whose value `eq` accepts among those hashed to `hash`, or
    /// `next` (inserted) when there is none; true when inserted.
    ///
    /// # Panics
    /// If `next` is `u32::MAX` (the free-slot marker): more than
    /// `u32::MAX - 1` distinct values.
    pub(crate) fn find_or_insert(
        &mut self,
        hash: u64,
        mut eq: impl FnMut(u32) -> bool,
        next: u32,
    ) -> (u32, bool) {
        assert!(next != EMPTY, "more than u32::MAX - 1 distinct values");
        if 2 * (self.len + 1) > self.slots.len() {
            self.grow();
        }
        let h = (hash ^ (hash >> 32)) as u32;
        let mask = self.slots.len() - 1;
        let mut i = h as usize & mask;
        loop {
            let (id, sh) = self.slots[i];
            if id == EMPTY {
                self.slots[i] = (next, h);
                self.len += 1;
                return (next, true);
            }
            if sh == h && eq(id) {
                return (id, false);
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let cap = (self.slots.len() * 2).max(16);
        let old = std::mem::replace(&mut self.slots, vec![(EMPTY, 0); cap]);
        let mask = cap - 1;
        for (id, h) in old.into_iter().filter(|s| s.0 != EMPTY) {
            let mut i = h as usize & mask;
            while self.slots[i].0 != EMPTY {
                i = (i + 1) & mask;
            }
            self.slots[i] = (id, h);
        }
    }

    /// Heap bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.slots.capacity() * size_of::<(u32, u32)>()
    }
}

/// The hash [`IdTable`] users agree on.
pub(crate) fn hash_of<T: std::hash::Hash + ?Sized>(x: &T) -> u64 {
    FxBuildHasher.hash_one(x)
}

/// Strings interned to dense `u32` ids in first-seen order, stored back to
/// back in one buffer.
#[derive(Debug, Clone, Default)]
pub(crate) struct StrPool {
    text: String,
    /// End offset of each string in `text`.
    ends: Vec<usize>,
    table: IdTable,
}

impl StrPool {
    /// The id of `s`, adding it if new.
    pub(crate) fn intern(&mut self, s: &str) -> u32 {
        let next = u32::try_from(self.ends.len()).unwrap_or(EMPTY);
        let (text, ends) = (&self.text, &self.ends);
        let (id, new) =
            self.table
                .find_or_insert(hash_of(s), |id| Self::slice(text, ends, id) == s, next);
        if new {
            self.text.push_str(s);
            self.ends.push(self.text.len());
        }
        id
    }

    fn slice<'a>(text: &'a str, ends: &[usize], id: u32) -> &'a str {
        let i = id as usize;
        let start = if i == 0 { 0 } else { ends[i - 1] };
        &text[start..ends[i]]
    }

    /// The string of `id`.
    ///
    /// # Panics
    /// If `id` was not returned by this pool.
    pub(crate) fn resolve(&self, id: u32) -> &str {
        Self::slice(&self.text, &self.ends, id)
    }

    /// Number of distinct strings.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Heap bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.text.capacity() + self.ends.capacity() * size_of::<usize>() + self.table.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_in_first_seen_order_through_growth() {
        let mut p = StrPool::default();
        let words: Vec<String> = (0..1000).map(|i| format!("w{}", i % 300)).collect();
        let ids: Vec<u32> = words.iter().map(|w| p.intern(w)).collect();
        assert_eq!(p.len(), 300);
        for (w, &id) in words.iter().zip(&ids) {
            assert_eq!(p.resolve(id), w);
        }
        assert_eq!(ids[..300], (0..300).collect::<Vec<u32>>()[..]);
        assert_eq!(p.intern(""), 300);
        assert_eq!(p.resolve(300), "");
        assert_eq!(p.intern(""), 300);
    }
}
