//! Interned names of a LANL file: users, computers and labels as dense ids.

use rustc_hash::FxHashMap;
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);

        impl $name {
            /// The id as an index (`0..` in first-seen order).
            #[inline]
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

id_type!(
    /// A `user@domain` (e.g. `U620@DOM1`, `C625$@DOM1`, `ANONYMOUS LOGON@C586`)
    /// interned in a [`Names`].
    UserId
);
id_type!(
    /// A computer (e.g. `C17693`) interned in a [`Names`].
    ComputerId
);
id_type!(
    /// A label (an authentication type such as `Negotiate`, or a logon type
    /// or orientation spelling not known to this crate) interned in a [`Names`].
    LabelId
);

/// The vocabulary of one or more LANL files: users, computers and labels
/// interned to dense ids in first-seen order.
///
/// Readers intern every name they meet here, so events are small `Copy`
/// values and the hot loop allocates only for names never seen before.
/// Give two readers the same `Names` ([`LanlReader::with_names`]) to share
/// ids between files, e.g. the computers of `auth.txt` and `flows.txt`.
///
/// [`LanlReader::with_names`]: super::LanlReader::with_names
///
/// ```
/// use threatstat_datasets::lanl::Names;
/// let mut n = Names::default();
/// let u = n.intern_user("U620@DOM1");
/// let c = n.intern_computer("C1003");
/// assert_eq!((n.user(u), n.computer(c)), ("U620@DOM1", "C1003"));
/// assert_eq!(n.user_id("U620@DOM1"), Some(u));
/// assert_eq!(n.computer_id("C1"), None);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Names {
    users: ByteInterner,
    computers: ByteInterner,
    labels: ByteInterner,
}

/// Interns byte strings that are UTF-8, checking UTF-8 only for new ones
/// (the hot path of a reader is a hash lookup of the field's bytes).
///
/// Names of at most 15 bytes (nearly all LANL users and computers) are
/// looked up by a 16-byte integer key, the bytes and the length, so a
/// lookup is one integer hash and compare instead of hashing and `memcmp`
/// of a boxed slice; longer names use the slice map.
///
/// In front of the maps sits a small direct-mapped cache of recent short
/// names ([`RecentNames`]): LANL's name frequencies are very skewed, and a
/// hit costs one multiply and one compare in a table that stays in the L1/L2
/// cache, where the map of all names (hundreds of thousands of users) does
/// not.
#[derive(Debug, Clone, Default)]
struct ByteInterner {
    short: FxHashMap<u128, u32>,
    map: FxHashMap<Box<[u8]>, u32>,
    strings: Vec<Box<str>>,
    recent: RecentNames,
    /// The last long name looked up (LANL's long labels, such as
    /// `MICROSOFT_AUTHENTICATION_PACKAGE_V1_0`, repeat line after line).
    last_long: Option<u32>,
}

/// A direct-mapped cache from short-name keys to ids (allocated on first
/// use; [`RECENT_SLOTS`] entries, the empty key is `u128::MAX`, which no
/// name has since its length byte is at most 15).
#[derive(Clone, Default)]
struct RecentNames(Vec<(u128, u32)>);

/// Entries of a [`RecentNames`] (a power of two).
const RECENT_SLOTS: usize = 16384;

impl std::fmt::Debug for RecentNames {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RecentNames({} slots)", self.0.len())
    }
}

impl RecentNames {
    #[inline]
    fn slot(k: u128) -> usize {
        let h = (k as u64 ^ (k >> 64) as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (h >> (64 - RECENT_SLOTS.trailing_zeros())) as usize
    }

    #[inline]
    fn get(&self, k: u128) -> Option<u32> {
        match self.0.get(Self::slot(k)) {
            Some(&(key, id)) if key == k => Some(id),
            _ => None,
        }
    }

    #[inline]
    fn put(&mut self, k: u128, id: u32) {
        if self.0.is_empty() {
            self.0 = vec![(u128::MAX, 0); RECENT_SLOTS];
        }
        self.0[Self::slot(k)] = (k, id);
    }
}

/// The integer key of a name of at most 15 bytes: the bytes, then the
/// length in the last byte (so "a" and "a\0" differ).
///
/// Built from two overlapping little-endian loads (the first and the last
/// 8, 4 or 2 bytes) instead of a variable-length copy, which compiled to a
/// `memcpy` call per name in the reader's hot loop.
#[inline]
fn short_key(b: &[u8]) -> Option<u128> {
    let len = b.len();
    // The bytes `b[..len]` of a name of `2 * w >= len >= w` bytes, from
    // the loads of `b[..w]` and `b[len - w..]`, as a little-endian integer.
    #[inline(always)]
    fn two_loads(lo: u64, hi: u64, w: usize, len: usize) -> u128 {
        if len == w {
            return u128::from(lo);
        }
        // `hi` holds b[len - w..len]; keep its last len - w bytes.
        let tail = hi >> (8 * (2 * w - len));
        u128::from(lo) | (u128::from(tail) << (8 * w))
    }
    let bytes = match len {
        0 => 0,
        1 => u128::from(b[0]),
        2..=3 => {
            let lo = u16::from_le_bytes([b[0], b[1]]);
            let hi = u16::from_le_bytes([b[len - 2], b[len - 1]]);
            two_loads(u64::from(lo), u64::from(hi), 2, len)
        }
        4..=7 => {
            let lo = u32::from_le_bytes(b[..4].try_into().expect("4 bytes"));
            let hi = u32::from_le_bytes(b[len - 4..].try_into().expect("4 bytes"));
            two_loads(u64::from(lo), u64::from(hi), 4, len)
        }
        8..=15 => {
            let lo = u64::from_le_bytes(b[..8].try_into().expect("8 bytes"));
            let hi = u64::from_le_bytes(b[len - 8..].try_into().expect("8 bytes"));
            two_loads(lo, hi, 8, len)
        }
        _ => return None,
    };
    Some(bytes | (u128::from(len as u8) << 120))
}

impl ByteInterner {
    #[inline]
    fn lookup(&self, b: &[u8]) -> Option<u32> {
        match short_key(b) {
            Some(k) => self.short.get(&k).copied(),
            None => self.map.get(b).copied(),
        }
    }

    /// The id of `b`: a hit in the recent names is answered inline (a
    /// reader interns four or five names per line), anything else by
    /// [`intern_bytes_slow`](Self::intern_bytes_slow).
    #[inline(always)]
    fn intern_bytes(&mut self, b: &[u8]) -> Result<u32, String> {
        if let Some(id) = short_key(b).and_then(|k| self.recent.get(k)) {
            return Ok(id);
        }
        self.intern_bytes_slow(b)
    }

    #[inline(never)]
    fn intern_bytes_slow(&mut self, b: &[u8]) -> Result<u32, String> {
        if let Some(k) = short_key(b) {
            let id = match self.short.get(&k) {
                Some(&id) => id,
                None => self.insert(std::str::from_utf8(b).map_err(|_| {
                    format!("expected UTF-8 text, found `{}`", super::reader::shown(b))
                })?),
            };
            self.recent.put(k, id);
            return Ok(id);
        }
        if let Some(id) = self.last_long
            && self.strings[id as usize].as_bytes() == b
        {
            return Ok(id);
        }
        if let Some(id) = self.lookup(b) {
            self.last_long = Some(id);
            return Ok(id);
        }
        let s = std::str::from_utf8(b)
            .map_err(|_| format!("expected UTF-8 text, found `{}`", super::reader::shown(b)))?;
        Ok(self.insert(s))
    }

    #[inline]
    fn intern(&mut self, s: &str) -> u32 {
        match self.lookup(s.as_bytes()) {
            Some(id) => id,
            None => self.insert(s),
        }
    }

    fn insert(&mut self, s: &str) -> u32 {
        let id = u32::try_from(self.strings.len()).expect("more than u32::MAX distinct names");
        self.strings.push(s.into());
        match short_key(s.as_bytes()) {
            Some(k) => self.short.insert(k, id),
            None => self.map.insert(s.as_bytes().into(), id),
        };
        id
    }

    fn get(&self, s: &str) -> Option<u32> {
        self.lookup(s.as_bytes())
    }

    fn resolve(&self, id: u32) -> &str {
        &self.strings[id as usize]
    }

    fn len(&self) -> usize {
        self.strings.len()
    }

    fn strings(&self) -> impl ExactSizeIterator<Item = &str> {
        self.strings.iter().map(|s| &**s)
    }
}

impl Names {
    /// The id of user `s`, adding it if new.
    #[inline]
    pub fn intern_user(&mut self, s: &str) -> UserId {
        UserId(self.users.intern(s))
    }

    /// The id of computer `s`, adding it if new.
    #[inline]
    pub fn intern_computer(&mut self, s: &str) -> ComputerId {
        ComputerId(self.computers.intern(s))
    }

    /// The id of label `s`, adding it if new.
    #[inline]
    pub fn intern_label(&mut self, s: &str) -> LabelId {
        LabelId(self.labels.intern(s))
    }

    /// The id of the user spelled `b`, adding it if new; the error (for
    /// bytes that are not UTF-8) says so.
    #[inline]
    pub fn intern_user_bytes(&mut self, b: &[u8]) -> Result<UserId, String> {
        self.users.intern_bytes(b).map(UserId)
    }

    /// The id of the computer spelled `b`, adding it if new.
    #[inline]
    pub fn intern_computer_bytes(&mut self, b: &[u8]) -> Result<ComputerId, String> {
        self.computers.intern_bytes(b).map(ComputerId)
    }

    /// The id of the label spelled `b`, adding it if new.
    #[inline]
    pub fn intern_label_bytes(&mut self, b: &[u8]) -> Result<LabelId, String> {
        self.labels.intern_bytes(b).map(LabelId)
    }

    /// The name of user `id`.
    ///
    /// # Panics
    /// If `id` is not from this vocabulary.
    #[inline]
    pub fn user(&self, id: UserId) -> &str {
        self.users.resolve(id.0)
    }

    /// The name of computer `id`.
    ///
    /// # Panics
    /// If `id` is not from this vocabulary.
    #[inline]
    pub fn computer(&self, id: ComputerId) -> &str {
        self.computers.resolve(id.0)
    }

    /// The text of label `id`.
    ///
    /// # Panics
    /// If `id` is not from this vocabulary.
    #[inline]
    pub fn label(&self, id: LabelId) -> &str {
        self.labels.resolve(id.0)
    }

    /// The id of user `s`, if seen.
    pub fn user_id(&self, s: &str) -> Option<UserId> {
        self.users.get(s).map(UserId)
    }

    /// The id of computer `s`, if seen.
    pub fn computer_id(&self, s: &str) -> Option<ComputerId> {
        self.computers.get(s).map(ComputerId)
    }

    /// The id of label `s`, if seen.
    pub fn label_id(&self, s: &str) -> Option<LabelId> {
        self.labels.get(s).map(LabelId)
    }

    /// Number of distinct users.
    pub fn n_users(&self) -> usize {
        self.users.len()
    }

    /// Number of distinct computers.
    pub fn n_computers(&self) -> usize {
        self.computers.len()
    }

    /// Number of distinct labels.
    pub fn n_labels(&self) -> usize {
        self.labels.len()
    }

    /// All users in id order.
    pub fn users(&self) -> impl ExactSizeIterator<Item = &str> {
        self.users.strings()
    }

    /// All computers in id order.
    pub fn computers(&self) -> impl ExactSizeIterator<Item = &str> {
        self.computers.strings()
    }

    /// All labels in id order.
    pub fn labels(&self) -> impl ExactSizeIterator<Item = &str> {
        self.labels.strings()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_key_is_the_bytes_then_the_length() {
        let name = b"ANONYMOUS@C1234567";
        for len in 0..=15 {
            for start in 0..3 {
                let b = &name[start..start + len];
                let mut k = [0u8; 16];
                k[..len].copy_from_slice(b);
                k[15] = len as u8;
                assert_eq!(short_key(b), Some(u128::from_le_bytes(k)), "{len} {start}");
            }
        }
        assert_eq!(short_key(&name[..16]), None);
    }

    /// Ids through the recent-names cache and the last-long-name shortcut
    /// are the maps' ids, also when cache slots collide (more names than
    /// slots) and long and short names alternate.
    #[test]
    fn caches_return_the_interned_ids() {
        let mut n = Names::default();
        let names: Vec<String> = (0..3 * RECENT_SLOTS)
            .map(|i| match i % 3 {
                0 => format!("U{i}@DOM1"),
                1 => format!("C{i}"),
                _ => format!("A_LONG_LABEL_NAME_{i}"),
            })
            .collect();
        let first: Vec<u32> = names
            .iter()
            .map(|s| n.users.intern_bytes(s.as_bytes()).unwrap())
            .collect();
        assert_eq!(first, (0..names.len() as u32).collect::<Vec<_>>());
        for round in 0..3 {
            for (i, s) in names.iter().enumerate().rev().step_by(round + 1) {
                assert_eq!(n.users.intern_bytes(s.as_bytes()).unwrap(), first[i]);
                assert_eq!(n.users.intern_bytes(s.as_bytes()).unwrap(), first[i]);
            }
        }
        assert_eq!(n.users.len(), names.len());
        assert!(n.users.intern_bytes(b"\xff\xfe").is_err());
        assert!(n.users.intern_bytes(b"A_LONG_BAD_NAME_\xff").is_err());
    }
}
