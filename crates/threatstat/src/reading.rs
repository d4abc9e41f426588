//! The reading bar: for every command that reads input files, the bytes
//! read so far with throughput and time left, on standard error when it
//! is a terminal (set `THREATSTAT_NO_PROGRESS` to turn it off). It appears
//! after a second, so quick commands print nothing extra.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;
use threatstat_core::progress;

/// A running reading bar; [`finish`](Self::finish) removes it.
pub struct ReadingBar {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl ReadingBar {
    /// Starts counting and the bar's thread, unless standard error is not
    /// a terminal or `THREATSTAT_NO_PROGRESS` is set.
    pub fn start() -> Option<Self> {
        if std::env::var_os("THREATSTAT_NO_PROGRESS").is_some()
            || !std::io::IsTerminal::is_terminal(&std::io::stderr())
        {
            return None;
        }
        progress::enable();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let started = std::time::Instant::now();
            let tick = Duration::from_millis(200);
            // Quiet for the first second.
            for _ in 0..5 {
                if flag.load(Ordering::Relaxed) {
                    return;
                }
                std::thread::sleep(tick);
            }
            // Shown while some opened file is not read to its end (a
            // command that reads, computes, then reads again shows it twice).
            let mut bar: Option<indicatif::ProgressBar> = None;
            while !flag.load(Ordering::Relaxed) {
                let s = progress::snapshot();
                if s.read < s.total {
                    let b = bar.get_or_insert_with(|| {
                        // Start from what was read before the bar appeared,
                        // so the rate is not a jump from 0.
                        let b = indicatif::ProgressBar::new(s.total)
                            .with_position(s.read)
                            .with_elapsed(started.elapsed());
                        b.set_style(
                            indicatif::ProgressStyle::with_template(
                                "reading {bar:30} {bytes}/{total_bytes} \
                                 {binary_bytes_per_sec} eta {eta}",
                            )
                            .expect("valid template"),
                        );
                        b
                    });
                    b.set_length(s.total);
                    b.set_position(s.read);
                } else if let Some(b) = bar.take() {
                    b.finish_and_clear();
                }
                std::thread::sleep(tick);
            }
            if let Some(b) = bar {
                b.finish_and_clear();
            }
        });
        Some(ReadingBar { stop, thread })
    }

    /// Stops and clears the bar.
    pub fn finish(self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
    }
}
