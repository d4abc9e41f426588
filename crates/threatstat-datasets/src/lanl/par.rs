//! Parallel folds over a LANL file: the input is cut into blocks of whole
//! lines, worker threads parse the blocks and fold their events into
//! per-worker accumulators.
//!
//! LANL's full `auth.txt` has about 10^9 lines; a single parsing thread does
//! a few million a second, so the parse is spread over the cores. On a plain
//! file (with two workers or more) each worker reads its own blocks with
//! positioned reads: block `i` holds the lines whose first byte lies in
//! `[i × block, (i + 1) × block)`, so no thread has to find the cuts first
//! and the bytes a worker parses are in its own core's cache. Gzip input
//! (and a single worker) goes through one reading thread that inflates and
//! cuts blocks at line ends. Line numbers for messages come from each
//! block's line count afterwards. Each worker keeps its own [`Names`] (no
//! shared map, no locks in the hot loop) and its own accumulator;
//! [`Names::absorb`] maps one worker's ids into another's, which is how the
//! parts are merged into one result ([`ScanParts::merge`]). Memory is
//! bounded by the blocks in flight (about `2 × threads` blocks of
//! [`ParallelScan::block_bytes`]) plus the accumulators, that is by the
//! number of distinct keys, not rows.
//!
//! The fold sees the events of a block in file order, but blocks go to
//! workers in any order: use it for statistics whose merge does not depend
//! on order (counts, sums, minima, sets, histograms), not for sessionizing.
//!
//! Errors name the file, the line and the field as the sequential
//! [`LanlReader`](super::LanlReader) does; with several bad lines the first
//! one in the file is reported, whatever the thread timing. Under
//! [`BadRowPolicy::Skip`] bad lines are counted in the summary.

use super::names::{ComputerId, LabelId, Names, UserId};
use super::reader::{LanlRecord, ReadSummary, parse_block};
use crate::DatasetError;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use threatstat_core::{BadRowPolicy, Error, Location, SkipReport};

/// Settings of a parallel fold (see the [module docs](self)).
///
/// ```
/// use threatstat_datasets::lanl::{AuthEvent, ParallelScan};
/// let text = "1,U1@DOM1,U1@DOM1,C1,C2,Kerberos,Network,LogOn,Success\n\
///             2,U2@DOM1,U2@DOM1,C3,C2,NTLM,Network,LogOn,Fail\n\
///             3,U1@DOM1,U1@DOM1,C1,C4,Kerberos,Network,LogOn,Success\n";
/// // Logons per user, counted by 2 workers over blocks of 64 bytes.
/// let parts = ParallelScan::new().threads(2).block_bytes(64)
///     .fold_reader::<AuthEvent, Vec<u64>>("auth.txt", text.as_bytes(), Vec::new, |acc, _, ev| {
///         let Some(u) = ev.src_user else { return };
///         if acc.len() <= u.index() { acc.resize(u.index() + 1, 0); }
///         acc[u.index()] += 1;
///     })
///     .unwrap();
/// assert_eq!(parts.summary.lines, 3);
/// let (names, counts) = parts.merge(|into, from, map| {
///     for (u, c) in from.into_iter().enumerate() {
///         let v = map.user(threatstat_datasets::lanl::UserId(u as u32)).index();
///         if into.len() <= v { into.resize(v + 1, 0); }
///         into[v] += c;
///     }
/// });
/// assert_eq!(counts[names.user_id("U1@DOM1").unwrap().index()], 2);
/// assert_eq!(counts[names.user_id("U2@DOM1").unwrap().index()], 1);
/// ```
#[derive(Debug, Clone)]
pub struct ParallelScan {
    threads: usize,
    block_bytes: usize,
    policy: BadRowPolicy,
    progress: Option<Arc<AtomicU64>>,
}

impl Default for ParallelScan {
    fn default() -> Self {
        Self::new()
    }
}

/// The per-worker results of a fold and what was read.
#[derive(Debug)]
pub struct ScanParts<A> {
    /// One (names, accumulator) per worker; ids in an accumulator refer to
    /// the names beside it.
    pub parts: Vec<(Names, A)>,
    /// Lines, events and skipped lines of the whole input.
    pub summary: ReadSummary,
}

/// How the ids of one [`Names`] map into another (from [`Names::absorb`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdMap {
    users: Vec<UserId>,
    computers: Vec<ComputerId>,
    labels: Vec<LabelId>,
}

impl IdMap {
    /// The id in the absorbing `Names` of user `id` of the absorbed one.
    #[inline]
    pub fn user(&self, id: UserId) -> UserId {
        self.users[id.index()]
    }

    /// The id in the absorbing `Names` of computer `id` of the absorbed one.
    #[inline]
    pub fn computer(&self, id: ComputerId) -> ComputerId {
        self.computers[id.index()]
    }

    /// The id in the absorbing `Names` of label `id` of the absorbed one.
    #[inline]
    pub fn label(&self, id: LabelId) -> LabelId {
        self.labels[id.index()]
    }
}

impl Names {
    /// Interns every name of `other` into `self` and returns where each of
    /// `other`'s ids went, so statistics keyed by `other`'s ids can be added
    /// to statistics keyed by `self`'s.
    ///
    /// ```
    /// use threatstat_datasets::lanl::Names;
    /// let (mut a, mut b) = (Names::default(), Names::default());
    /// a.intern_user("U1@DOM1");
    /// let u2 = b.intern_user("U2@DOM1");
    /// let u1 = b.intern_user("U1@DOM1");
    /// let map = a.absorb(&b);
    /// assert_eq!(map.user(u1), a.user_id("U1@DOM1").unwrap());
    /// assert_eq!(a.user(map.user(u2)), "U2@DOM1");
    /// assert_eq!(a.n_users(), 2);
    /// ```
    pub fn absorb(&mut self, other: &Names) -> IdMap {
        IdMap {
            users: other.users().map(|s| self.intern_user(s)).collect(),
            computers: other.computers().map(|s| self.intern_computer(s)).collect(),
            labels: other.labels().map(|s| self.intern_label(s)).collect(),
        }
    }
}

impl<A> ScanParts<A> {
    /// Merges the parts into the first: `merge(into, from, map)` adds the
    /// accumulator `from` (keyed by ids of its own names) to `into` (keyed
    /// by ids of the merged names), with `map` translating `from`'s ids.
    /// Returns the merged names and accumulator (no parts: empty names and
    /// `A::default()`).
    pub fn merge(self, mut merge: impl FnMut(&mut A, A, &IdMap)) -> (Names, A)
    where
        A: Default,
    {
        let mut parts = self.parts.into_iter();
        let Some((mut names, mut acc)) = parts.next() else {
            return (Names::default(), A::default());
        };
        for (n, a) in parts {
            let map = names.absorb(&n);
            merge(&mut acc, a, &map);
        }
        (names, acc)
    }
}

/// A block of whole lines (the first `len` bytes of `bytes`), the
/// `index`-th of the input.
struct Block {
    index: u64,
    bytes: Vec<u8>,
    len: usize,
}

/// A bad line met by a worker, by block and 1-based line within it; its
/// line number in the file is known once every earlier block is counted.
struct Bad {
    block: u64,
    line: u64,
    field: usize,
    message: String,
}

/// What a worker hands back: its names, accumulator, counts, the lines of
/// each block it parsed, its first [`SkipReport::KEPT`] skipped lines and
/// the bad line that stopped it.
struct WorkerOut<A> {
    names: Names,
    acc: A,
    lines: u64,
    events: u64,
    skipped: u64,
    block_lines: Vec<(u64, u64)>,
    examples: Vec<Bad>,
    error: Option<Bad>,
}

impl ParallelScan {
    /// Defaults: one worker per available core, blocks of 4 MiB, stop at
    /// the first bad line.
    pub fn new() -> Self {
        ParallelScan {
            threads: std::thread::available_parallelism().map_or(2, usize::from),
            block_bytes: 4 << 20,
            policy: BadRowPolicy::Error,
            progress: None,
        }
    }

    /// Adds the bytes read (after inflating gzip) to `counter` as blocks
    /// are handed out, for a progress bar with throughput.
    ///
    /// ```
    /// use std::sync::{Arc, atomic::{AtomicU64, Ordering}};
    /// use threatstat_datasets::lanl::{AuthEvent, ParallelScan};
    /// let text = "1,U1@DOM1,U1@DOM1,C1,C2,Kerberos,Network,LogOn,Success\n";
    /// let read = Arc::new(AtomicU64::new(0));
    /// ParallelScan::new().progress(Arc::clone(&read))
    ///     .fold_reader::<AuthEvent, ()>("auth.txt", text.as_bytes(), || (), |_, _, _| {})
    ///     .unwrap();
    /// assert_eq!(read.load(Ordering::Relaxed), text.len() as u64);
    /// ```
    pub fn progress(mut self, counter: Arc<AtomicU64>) -> Self {
        self.progress = Some(counter);
        self
    }

    /// Worker threads (at least 1; a reading thread, when there is one, is extra).
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = n.max(1);
        self
    }

    /// Bytes per block (at least 1; a line longer than a block makes a
    /// bigger one).
    pub fn block_bytes(mut self, n: usize) -> Self {
        self.block_bytes = n.max(1);
        self
    }

    /// Skip and count bad lines instead of stopping at the first.
    pub fn bad_rows(mut self, policy: BadRowPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Folds the events of the LANL file at `path` (plain or gzip).
    pub fn fold<T, A>(
        &self,
        path: impl AsRef<Path>,
        init: impl Fn() -> A + Sync,
        f: impl Fn(&mut A, &Names, &T) + Sync,
    ) -> Result<ScanParts<A>, DatasetError>
    where
        T: LanlRecord,
        A: Send,
    {
        let path = path.as_ref();
        // With one worker a reading thread is faster (it adds a core); with
        // more, workers reading their own blocks are (no copy between cores).
        #[cfg(unix)]
        if self.threads > 1
            && let Some((file, size)) = plain_file(path).map_err(|e| Error::io(path, e))?
        {
            return self.fold_file(path, &file, size, init, f);
        }
        let input = threatstat_core::reader::open(path)?;
        self.fold_reader(path, input, init, f)
    }

    /// Folds the events read from `input`; `name` is used in messages.
    pub fn fold_reader<T, A>(
        &self,
        name: impl AsRef<Path>,
        input: impl Read + Send,
        init: impl Fn() -> A + Sync,
        f: impl Fn(&mut A, &Names, &T) + Sync,
    ) -> Result<ScanParts<A>, DatasetError>
    where
        T: LanlRecord,
        A: Send,
    {
        let path = name.as_ref().to_path_buf();
        // Blocks after the first bad one need not be parsed.
        let stop_after = AtomicU64::new(u64::MAX);
        let (to_workers, blocks) = sync_channel::<Block>(self.threads * 2);
        let blocks = Arc::new(Mutex::new(blocks));
        let (free_tx, free_rx) = sync_channel::<Vec<u8>>(self.threads * 3);
        let outs: Vec<WorkerOut<A>>;
        let read_result;
        {
            let (init, f, stop) = (&init, &f, &stop_after);
            let policy = self.policy;
            (read_result, outs) = std::thread::scope(|s| {
                let workers: Vec<_> = (0..self.threads)
                    .map(|_| {
                        let blocks = Arc::clone(&blocks);
                        let free = free_tx.clone();
                        s.spawn(move || worker::<T, A>(&blocks, &free, init, f, stop, policy))
                    })
                    .collect();
                drop(free_tx);
                let r = read_blocks(
                    input,
                    self.block_bytes,
                    &to_workers,
                    &free_rx,
                    stop,
                    self.progress.as_deref(),
                );
                drop(to_workers);
                let outs = workers
                    .into_iter()
                    .map(|w| w.join().expect("a LANL scan worker panicked"))
                    .collect::<Vec<_>>();
                (r, outs)
            });
        }
        read_result.map_err(|e| Error::io(&path, e))?;
        finish::<T, A>(&path, outs)
    }

    /// [`fold`](Self::fold) over a plain file: workers read their own blocks.
    #[cfg(unix)]
    fn fold_file<T, A>(
        &self,
        path: &Path,
        file: &std::fs::File,
        size: u64,
        init: impl Fn() -> A + Sync,
        f: impl Fn(&mut A, &Names, &T) + Sync,
    ) -> Result<ScanParts<A>, DatasetError>
    where
        T: LanlRecord,
        A: Send,
    {
        threatstat_core::progress::register_file(size);
        let stop_after = AtomicU64::new(u64::MAX);
        let next = AtomicU64::new(0);
        let block = self.block_bytes as u64;
        let (policy, progress) = (self.policy, self.progress.as_deref());
        let (init, f) = (&init, &f);
        let results: Vec<std::io::Result<WorkerOut<A>>> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..self.threads)
                .map(|_| {
                    let (next, stop) = (&next, &stop_after);
                    s.spawn(move || {
                        file_worker::<T, A>(
                            file, size, block, next, init, f, stop, policy, progress,
                        )
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().expect("a LANL scan worker panicked"))
                .collect()
        });
        let outs = results
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::io(path, e))?;
        finish::<T, A>(path, outs)
    }
}

/// Sums the workers' counts and turns their bad lines (by block) into
/// errors and skip examples with file line numbers.
fn finish<T: LanlRecord, A>(
    path: &Path,
    outs: Vec<WorkerOut<A>>,
) -> Result<ScanParts<A>, DatasetError> {
    let mut summary = ReadSummary::default();
    let mut first_error: Option<Bad> = None;
    let mut examples: Vec<Bad> = Vec::new();
    let mut block_lines: Vec<(u64, u64)> = Vec::new();
    let mut parts = Vec::with_capacity(outs.len());
    for o in outs {
        summary.lines += o.lines;
        summary.events += o.events;
        summary.skipped += o.skipped;
        examples.extend(o.examples);
        block_lines.extend(o.block_lines);
        if let Some(b) = o.error
            && first_error
                .as_ref()
                .is_none_or(|f| (b.block, b.line) < (f.block, f.line))
        {
            first_error = Some(b);
        }
        parts.push((o.names, o.acc));
    }
    // Line numbers from the blocks' line counts: every block before a
    // bad line's was parsed whole, so the prefix of consecutive blocks
    // covers it (blocks after the first bad one may have been skipped).
    block_lines.sort_unstable();
    let mut first_lines = Vec::with_capacity(block_lines.len());
    let mut next = 1u64;
    for (i, (index, lines)) in block_lines.into_iter().enumerate() {
        if index != i as u64 {
            break;
        }
        first_lines.push(next);
        next += lines;
    }
    let error_of = |b: Bad| {
        let line = first_lines
            .get(b.block as usize)
            .map_or(b.line, |f| f + b.line - 1);
        Error::parse(
            Location::file(path)
                .at_line(line)
                .in_field(T::FIELDS[b.field]),
            b.message,
        )
    };
    if let Some(b) = first_error {
        return Err(error_of(b).into());
    }
    // Examples come from several workers: show the earliest lines.
    examples.sort_by_key(|b| (b.block, b.line));
    examples.truncate(SkipReport::KEPT);
    summary.skip_examples = examples
        .into_iter()
        .map(|b| error_of(b).to_string())
        .collect();
    Ok(ScanParts { parts, summary })
}

/// Reads `input` into blocks that end at a line end and sends them.
/// Buffers come back from the workers through `free` and are reused
/// without clearing (only `len` bytes of a block are meaningful), so the
/// reading thread does one copy per byte and no page zeroing.
fn read_blocks(
    mut input: impl Read,
    block_bytes: usize,
    to_workers: &SyncSender<Block>,
    free: &Receiver<Vec<u8>>,
    stop_after: &AtomicU64,
    progress: Option<&AtomicU64>,
) -> std::io::Result<()> {
    let mut carry: Vec<u8> = Vec::new();
    let mut index = 0u64;
    let mut eof = false;
    while !eof {
        if index > stop_after.load(Ordering::Relaxed) {
            return Ok(());
        }
        let mut buf = free.try_recv().unwrap_or_default();
        if buf.len() < block_bytes.max(carry.len() + 1) {
            buf.resize(block_bytes.max(carry.len() + 1), 0);
        }
        buf[..carry.len()].copy_from_slice(&carry);
        let mut len = carry.len();
        carry.clear();
        // Fill the buffer (or reach EOF), growing it until the block holds
        // a line end.
        loop {
            let start = len;
            while len < buf.len() {
                match input.read(&mut buf[len..]) {
                    Ok(0) => {
                        eof = true;
                        break;
                    }
                    Ok(n) => len += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            if eof || buf[start..len].contains(&b'\n') {
                break;
            }
            let grown = buf.len() * 2;
            buf.resize(grown, 0);
        }
        if !eof && let Some(last_nl) = buf[..len].iter().rposition(|&b| b == b'\n') {
            carry.extend_from_slice(&buf[last_nl + 1..len]);
            len = last_nl + 1;
        }
        if len == 0 {
            break;
        }
        let block = Block {
            index,
            bytes: buf,
            len,
        };
        index += 1;
        if let Some(p) = progress {
            p.fetch_add(len as u64, Ordering::Relaxed);
        }
        if to_workers.send(block).is_err() {
            break;
        }
    }
    Ok(())
}

impl<A> WorkerOut<A> {
    fn new(init: &impl Fn() -> A) -> Self {
        WorkerOut {
            names: Names::default(),
            acc: init(),
            lines: 0,
            events: 0,
            skipped: 0,
            block_lines: Vec::new(),
            examples: Vec::new(),
            error: None,
        }
    }

    /// Parses block `index` (whole lines) and folds its events.
    fn parse<T: LanlRecord>(
        &mut self,
        index: u64,
        bytes: &[u8],
        f: &impl Fn(&mut A, &Names, &T),
        stop_after: &AtomicU64,
        policy: BadRowPolicy,
    ) {
        let mut line = 0u64;
        let (acc, examples, error) = (&mut self.acc, &mut self.examples, &mut self.error);
        let (events, skipped) = (&mut self.events, &mut self.skipped);
        parse_block::<T>(bytes, &mut self.names, |_, names, r| {
            line += 1;
            match r {
                Ok(ev) => {
                    *events += 1;
                    f(acc, names, &ev);
                    true
                }
                Err((field, message)) => {
                    let bad = Bad {
                        block: index,
                        line,
                        field,
                        message,
                    };
                    if policy == BadRowPolicy::Skip {
                        *skipped += 1;
                        if examples.len() < SkipReport::KEPT {
                            examples.push(bad);
                        }
                        return true;
                    }
                    *error = Some(bad);
                    stop_after.fetch_min(index, Ordering::Relaxed);
                    false
                }
            }
        });
        self.lines += line;
        self.block_lines.push((index, line));
    }
}

fn worker<T: LanlRecord, A>(
    blocks: &Mutex<Receiver<Block>>,
    free: &SyncSender<Vec<u8>>,
    init: &(impl Fn() -> A + Sync),
    f: &(impl Fn(&mut A, &Names, &T) + Sync),
    stop_after: &AtomicU64,
    policy: BadRowPolicy,
) -> WorkerOut<A> {
    let mut out = WorkerOut::new(init);
    loop {
        let block = {
            let rx = blocks.lock().expect("block queue");
            rx.recv()
        };
        let Ok(block) = block else { break };
        if block.index <= stop_after.load(Ordering::Relaxed) {
            out.parse(
                block.index,
                &block.bytes[..block.len],
                f,
                stop_after,
                policy,
            );
        }
        let _ = free.try_send(block.bytes);
    }
    out
}

/// A plain (not gzip) regular file of `len` bytes, for positioned reads.
#[cfg(unix)]
fn plain_file(path: &Path) -> std::io::Result<Option<(std::fs::File, u64)>> {
    use std::os::unix::fs::FileExt;
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Ok(None);
    }
    let mut head = [0u8; 2];
    let n = file.read_at(&mut head, 0)?;
    if n == 2 && head == [0x1f, 0x8b] {
        return Ok(None);
    }
    Ok(Some((file, meta.len())))
}

/// Reads block `index` of a file of `size` bytes cut into blocks of
/// `block` bytes: the lines whose first byte lies in
/// `[index × block, (index + 1) × block)`, whole. Returns the range of
/// `buf` holding them (empty when no line starts in the block).
#[cfg(unix)]
fn read_block_at(
    file: &std::fs::File,
    size: u64,
    block: u64,
    index: u64,
    buf: &mut Vec<u8>,
) -> std::io::Result<std::ops::Range<usize>> {
    use std::os::unix::fs::FileExt;
    let nominal_start = index * block;
    let nominal_end = (nominal_start + block).min(size);
    // One byte before the block tells whether a line starts at its first byte.
    let from = nominal_start.saturating_sub(1);
    let mut len = 0usize;
    let mut eof = false;
    // Reads until `want` bytes are in `buf` or the file ends.
    let fill =
        |buf: &mut Vec<u8>, len: &mut usize, want: usize, eof: &mut bool| -> std::io::Result<()> {
            if buf.len() < want {
                buf.resize(want, 0);
            }
            while *len < want && !*eof {
                match file.read_at(&mut buf[*len..want], from + *len as u64) {
                    Ok(0) => *eof = true,
                    Ok(n) => *len += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        };
    fill(buf, &mut len, (nominal_end - from) as usize + 512, &mut eof)?;
    let start = if index == 0 {
        0
    } else {
        match memchr::memchr(b'\n', &buf[..len]) {
            Some(q) => q + 1,
            None => return Ok(0..0),
        }
    };
    if from + start as u64 >= nominal_end {
        return Ok(0..0);
    }
    // The line holding the block's last byte ends at the first line end at
    // or after it.
    let mut search = ((nominal_end - 1 - from) as usize).max(start);
    loop {
        if let Some(q) = memchr::memchr(b'\n', &buf[search..len]) {
            return Ok(start..search + q + 1);
        }
        if eof {
            return Ok(start..len);
        }
        search = len;
        let want = (len * 2).max(len + 4096);
        fill(buf, &mut len, want, &mut eof)?;
    }
}

/// The worker loop over a plain file: workers take block indices from a
/// shared counter and read their blocks themselves with positioned reads,
/// so there is no reading thread and the bytes a worker parses are already
/// in its core's cache.
#[cfg(unix)]
#[allow(clippy::too_many_arguments)]
fn file_worker<T: LanlRecord, A>(
    file: &std::fs::File,
    size: u64,
    block: u64,
    next: &AtomicU64,
    init: &(impl Fn() -> A + Sync),
    f: &(impl Fn(&mut A, &Names, &T) + Sync),
    stop_after: &AtomicU64,
    policy: BadRowPolicy,
    progress: Option<&AtomicU64>,
) -> std::io::Result<WorkerOut<A>> {
    let mut out = WorkerOut::new(init);
    let mut buf = Vec::new();
    loop {
        let index = next.fetch_add(1, Ordering::Relaxed);
        if index.saturating_mul(block) >= size || index > stop_after.load(Ordering::Relaxed) {
            break;
        }
        let mut range = read_block_at(file, size, block, index, &mut buf)?;
        // A leading UTF-8 byte-order mark, checked once per file (as
        // `threatstat_core::reader::open` does); the block owning the first
        // line is block 0 whatever the block size, so the mark is in it.
        if index == 0 && buf[range.clone()].starts_with(threatstat_core::reader::BOM) {
            range.start += threatstat_core::reader::BOM.len();
        }
        let bytes = (size - index * block).min(block);
        threatstat_core::progress::add_read(bytes);
        if let Some(p) = progress {
            p.fetch_add(bytes, Ordering::Relaxed);
        }
        out.parse(index, &buf[range], f, stop_after, policy);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::lanl::{AuthEvent, AuthReader};
    use proptest::prelude::*;

    fn auth_text(n: usize, bad: &[usize]) -> String {
        auth_text_with(n, bad, false)
    }

    /// `n` lines, those in `bad` malformed in one of four ways (too few
    /// fields, an empty line, too many fields, a bad time), with `\r\n`
    /// line ends when `crlf`.
    fn auth_text_with(n: usize, bad: &[usize], crlf: bool) -> String {
        let end = if crlf { "\r\n" } else { "\n" };
        (0..n)
            .map(|i| {
                if bad.contains(&i) {
                    match i % 4 {
                        0 => format!("{i},U{}@DOM1,U1@DOM1,C1{end}", i % 7),
                        1 => end.to_string(),
                        2 => format!("{i},U1@DOM1,U1@DOM1,C1,C2,?,?,LogOn,Success,extra{end}"),
                        _ => format!("x{i},U1@DOM1,U1@DOM1,C1,C2,?,?,LogOn,Success{end}"),
                    }
                } else {
                    format!(
                        "{i},U{}@DOM1,U{}@DOM1,C{},C{},Kerberos,Network,LogOn,Success{end}",
                        i % 7,
                        i % 7,
                        i % 5,
                        i % 3
                    )
                }
            })
            .collect()
    }

    /// (user, count) sorted, merged from the parts.
    fn per_user(parts: ScanParts<Vec<u64>>) -> Vec<(String, u64)> {
        let (names, counts) = parts.merge(|into, from, map| {
            for (u, c) in from.into_iter().enumerate() {
                let v = map.user(UserId(u as u32)).index();
                if into.len() <= v {
                    into.resize(v + 1, 0);
                }
                into[v] += c;
            }
        });
        let mut v: Vec<(String, u64)> = counts
            .into_iter()
            .enumerate()
            .map(|(u, c)| (names.user(UserId(u as u32)).to_string(), c))
            .collect();
        v.sort();
        v
    }

    fn count(acc: &mut Vec<u64>, _: &Names, ev: &AuthEvent) {
        let Some(u) = ev.src_user else { return };
        if acc.len() <= u.index() {
            acc.resize(u.index() + 1, 0);
        }
        acc[u.index()] += 1;
    }

    proptest! {
        /// Any block size and thread count gives the sequential reader's
        /// counts, line numbers and first error.
        #[test]
        fn equals_the_sequential_reader(
            n in 0usize..300,
            block in 1usize..400,
            threads in 1usize..4,
            bad in proptest::collection::vec(0usize..300, 0..3),
            skip in any::<bool>(),
            crlf in any::<bool>(),
        ) {
            let text = auth_text_with(n, &bad, crlf);
            let policy = if skip { BadRowPolicy::Skip } else { BadRowPolicy::Error };
            let mut seq = AuthReader::from_reader("auth.txt", std::io::Cursor::new(text.clone().into_bytes())).bad_rows(policy);
            let mut want: Vec<(String, u64)> = Vec::new();
            let seq_result = seq.visit(|names, ev: &AuthEvent| {
                let Some(u) = ev.src_user else { return };
                let u = names.user(u).to_string();
                match want.iter_mut().find(|w| w.0 == u) {
                    Some(w) => w.1 += 1,
                    None => want.push((u, 1)),
                }
            });
            want.sort();
            let par = ParallelScan::new().threads(threads).block_bytes(block).bad_rows(policy)
                .fold_reader::<AuthEvent, Vec<u64>>("auth.txt", text.as_bytes(), Vec::new, count);
            match (seq_result, par) {
                (Ok(s), Ok(p)) => {
                    prop_assert_eq!((p.summary.lines, p.summary.events, p.summary.skipped),
                                    (s.lines, s.events, s.skipped));
                    prop_assert_eq!(&p.summary.skip_examples, &s.skip_examples);
                    prop_assert_eq!(per_user(p), want);
                }
                (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
                (a, b) => prop_assert!(false, "sequential {:?}, parallel {:?}", a.is_ok(), b.is_ok()),
            }
        }
    }

    proptest! {
        /// A plain file, read by the workers themselves in blocks of any
        /// size (lines longer than a block, blocks starting at a line end or
        /// inside one, a last line without its end), folds exactly as the
        /// reading thread does.
        #[test]
        fn positioned_reads_equal_the_reading_thread(
            n in 0usize..200,
            block in 1usize..300,
            threads in 1usize..4,
            bad in proptest::collection::vec(0usize..200, 0..3),
            skip in any::<bool>(),
            crlf in any::<bool>(),
            trim in any::<bool>(),
        ) {
            let mut text = auth_text_with(n, &bad, crlf);
            if trim {
                text.truncate(text.trim_end().len());
            }
            let policy = if skip { BadRowPolicy::Skip } else { BadRowPolicy::Error };
            let dir = std::env::temp_dir().join(format!("threatstat-par-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join(format!("auth-{n}-{block}-{threads}.txt"));
            std::fs::write(&path, &text).unwrap();
            let scan = ParallelScan::new().threads(threads).block_bytes(block).bad_rows(policy);
            let from_file = scan.fold::<AuthEvent, Vec<u64>>(&path, Vec::new, count);
            let from_reader = scan.fold_reader::<AuthEvent, Vec<u64>>(&path, text.as_bytes(), Vec::new, count);
            std::fs::remove_file(&path).unwrap();
            match (from_file, from_reader) {
                (Ok(a), Ok(b)) => {
                    prop_assert_eq!(&a.summary, &b.summary);
                    prop_assert_eq!(per_user(a), per_user(b));
                }
                (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
                (a, b) => prop_assert!(false, "file {:?}, reader {:?}", a.is_ok(), b.is_ok()),
            }
        }
    }

    #[test]
    fn a_byte_order_mark_is_skipped_once_per_file() {
        let dir = std::env::temp_dir().join(format!("threatstat-par-bom-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let text = auth_text(50, &[]);
        let mut bom = threatstat_core::reader::BOM.to_vec();
        bom.extend_from_slice(text.as_bytes());
        let (plain, marked) = (dir.join("plain.txt"), dir.join("bom.txt"));
        std::fs::write(&plain, &text).unwrap();
        std::fs::write(&marked, &bom).unwrap();
        for (threads, block) in [(1, 1 << 20), (2, 1), (2, 2), (3, 64)] {
            let scan = ParallelScan::new().threads(threads).block_bytes(block);
            let want = scan
                .fold::<AuthEvent, Vec<u64>>(&plain, Vec::new, count)
                .unwrap();
            let got = scan
                .fold::<AuthEvent, Vec<u64>>(&marked, Vec::new, count)
                .unwrap();
            assert_eq!(
                got.summary, want.summary,
                "{threads} threads, block {block}"
            );
            assert_eq!(per_user(got), per_user(want));
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn positioned_reads_cut_blocks_at_line_starts() {
        let dir = std::env::temp_dir().join(format!("threatstat-par-cut-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.txt");
        // Lines start at 0, 4 (an empty line), 5, 7 and 16; the last has no end.
        std::fs::write(&path, "abc\n\nx\n01234567\nlast").unwrap();
        let (file, size) = plain_file(&path).unwrap().unwrap();
        let mut buf = Vec::new();
        let blocks: Vec<String> = (0..size.div_ceil(4))
            .map(|i| {
                let r = read_block_at(&file, size, 4, i, &mut buf).unwrap();
                String::from_utf8(buf[r].to_vec()).unwrap()
            })
            .collect();
        // Block i holds the lines whose first byte is in [4i, 4i + 4).
        assert_eq!(blocks, ["abc\n", "\nx\n01234567\n", "", "", "last"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_first_bad_line_is_reported() {
        let text = auth_text(5000, &[4100, 17, 2500]);
        let e = ParallelScan::new()
            .threads(3)
            .block_bytes(100)
            .fold_reader::<AuthEvent, Vec<u64>>("auth.txt", text.as_bytes(), Vec::new, count)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("auth.txt:18: field "), "{e}");
    }

    #[test]
    fn a_last_line_without_newline_and_an_empty_input() {
        let text = auth_text(3, &[]);
        let text = text.trim_end();
        let p = ParallelScan::new()
            .block_bytes(7)
            .fold_reader::<AuthEvent, Vec<u64>>("auth.txt", text.as_bytes(), Vec::new, count)
            .unwrap();
        assert_eq!((p.summary.lines, p.summary.events), (3, 3));
        let p = ParallelScan::new()
            .fold_reader::<AuthEvent, Vec<u64>>("auth.txt", &b""[..], Vec::new, count)
            .unwrap();
        assert_eq!(p.summary.lines, 0);
        assert!(per_user(p).is_empty());
    }
}
