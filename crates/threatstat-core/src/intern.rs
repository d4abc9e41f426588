//! String interning: dense `u32` ids for repeated strings.

use rustc_hash::FxHashMap;

/// Maps strings to dense ids `0..len()` in first-seen order.
///
/// First-seen order matters: msticpy's tables are Python dicts in insertion
/// order, and reproducing that order reproduces its floating-point products.
///
/// ```
/// use threatstat_core::Interner;
/// let mut i = Interner::default();
/// assert_eq!(i.intern("Set-User"), 0);
/// assert_eq!(i.intern("New-Mailbox"), 1);
/// assert_eq!(i.intern("Set-User"), 0);
/// assert_eq!(i.get("New-Mailbox"), Some(1));
/// assert_eq!(i.resolve(1), "New-Mailbox");
/// ```
#[derive(Debug, Clone, Default)]
pub struct Interner {
    map: FxHashMap<Box<str>, u32>,
    strings: Vec<Box<str>>,
}

impl Interner {
    /// The id of `s`, adding it if new.
    ///
    /// # Panics
    /// If more than `u32::MAX` distinct strings are interned.
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.map.get(s) {
            return id;
        }
        let id = u32::try_from(self.strings.len()).expect("more than u32::MAX distinct strings");
        self.strings.push(s.into());
        self.map.insert(s.into(), id);
        id
    }
    /// The id of `s` if it was interned.
    pub fn get(&self, s: &str) -> Option<u32> {
        self.map.get(s).copied()
    }
    /// The string of `id`.
    ///
    /// # Panics
    /// If `id` was not returned by this interner.
    pub fn resolve(&self, id: u32) -> &str {
        &self.strings[id as usize]
    }
    /// Number of distinct strings.
    pub fn len(&self) -> usize {
        self.strings.len()
    }
    /// True when nothing was interned.
    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }
    /// All strings in id order.
    pub fn strings(&self) -> impl ExactSizeIterator<Item = &str> {
        self.strings.iter().map(|s| &**s)
    }
}
