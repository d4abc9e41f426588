//! Gzip output compressed on a background thread.

use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::{self, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

/// Bytes handed to the compressing thread at a time.
const CHUNK: usize = 1 << 20;

/// A writer that gzips what it is given on its own thread, so a producer
/// (a data generator, an exporter) and the compressor run on two cores.
///
/// Writes are collected into 1 MiB chunks and passed through a bounded
/// queue (a few chunks in flight, so memory stays small). Call
/// [`finish`](Self::finish) to flush, end the gzip stream and get the inner
/// writer back; an I/O error of the inner writer is returned by the next
/// write or by `finish`. Dropping it without `finish` stops the thread and
/// leaves the stream unfinished.
///
/// ```
/// use std::io::{Read, Write};
/// let mut w = threatstat_core::gz::GzWriter::new(Vec::new(), flate2::Compression::fast());
/// for i in 0..10_000 {
///     writeln!(w, "{i},U{i}@DOM1").unwrap();
/// }
/// let gz = w.finish().unwrap();
/// let mut text = String::new();
/// flate2::read::GzDecoder::new(&gz[..]).read_to_string(&mut text).unwrap();
/// assert_eq!(text.lines().count(), 10_000);
/// assert!(text.ends_with("9999,U9999@DOM1\n"));
/// ```
pub struct GzWriter<W: Write + Send + 'static> {
    buf: Vec<u8>,
    tx: Option<SyncSender<Vec<u8>>>,
    thread: Option<JoinHandle<io::Result<W>>>,
}

impl<W: Write + Send + 'static> GzWriter<W> {
    /// Starts the compressing thread writing into `inner`.
    pub fn new(inner: W, level: Compression) -> Self {
        let (tx, rx): (SyncSender<Vec<u8>>, Receiver<Vec<u8>>) = sync_channel(4);
        let thread = std::thread::spawn(move || {
            let mut enc = GzEncoder::new(inner, level);
            for chunk in rx {
                enc.write_all(&chunk)?;
            }
            enc.finish()
        });
        GzWriter {
            buf: Vec::with_capacity(CHUNK),
            tx: Some(tx),
            thread: Some(thread),
        }
    }

    /// Sends the collected bytes; if the thread has stopped, its error.
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        let sent = self.tx.as_ref().map(|tx| tx.send(chunk));
        match sent {
            Some(Ok(())) => Ok(()),
            _ => Err(self.stop().err().unwrap_or_else(|| {
                io::Error::other("the gzip thread stopped before the end of the data")
            })),
        }
    }

    /// Ends the queue and joins the thread.
    fn stop(&mut self) -> io::Result<W> {
        self.tx = None;
        match self.thread.take() {
            Some(t) => t
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the gzip thread panicked"))),
            None => Err(io::Error::other("the gzip writer was already finished")),
        }
    }

    /// Writes what is left, ends the gzip stream and returns the inner
    /// writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.send()?;
        self.stop()
    }
}

impl<W: Write + Send + 'static> Write for GzWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

impl<W: Write + Send + 'static> Drop for GzWriter<W> {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
