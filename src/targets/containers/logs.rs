//! The log of a container as it runs, kept through a testcontainers log consumer: the stack
//! shows its last [`LOG_TAIL`] lines when the container fails, and testcontainers removes a
//! container whose start fails before the caller could ask the engine for them. The end of the
//! log stream is also the moment the container stopped.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use testcontainers::core::logs::LogFrame;
use testcontainers::core::logs::consumer::LogConsumer;
use tokio::sync::watch;

/// Lines of a failing container's log shown.
pub const LOG_TAIL: usize = 50;
/// Bytes of log kept (the oldest are dropped first): far more than [`LOG_TAIL`] lines.
const KEEP: usize = 64 * 1024;

/// The log kept so far, and whether its stream has ended.
#[derive(Debug, Clone)]
pub struct LogTail {
    text: Arc<Mutex<Vec<u8>>>,
    ended: watch::Receiver<()>,
}

/// The consumer testcontainers feeds; dropped (ending the watch) when the stream ends.
struct Consumer {
    text: Arc<Mutex<Vec<u8>>>,
    _alive: watch::Sender<()>,
}

impl LogConsumer for Consumer {
    fn accept<'a>(&'a self, record: &'a LogFrame) -> BoxFuture<'a, ()> {
        let mut text = self.text.lock().unwrap_or_else(|p| p.into_inner());
        text.extend_from_slice(record.bytes());
        if text.len() > KEEP {
            let cut = text.len() - KEEP;
            text.drain(..cut);
        }
        futures_util::future::ready(()).boxed()
    }
}

impl LogTail {
    /// A tail and the consumer to give to `ImageExt::with_log_consumer`.
    pub fn new() -> (Self, impl LogConsumer + 'static) {
        let text = Arc::new(Mutex::new(Vec::new()));
        let (alive, ended) = watch::channel(());
        let consumer = Consumer {
            text: text.clone(),
            _alive: alive,
        };
        (Self { text, ended }, consumer)
    }

    /// Resolves once the log stream has ended: the container stopped (or is gone).
    pub async fn ended(&self) {
        let mut ended = self.ended.clone();
        while ended.changed().await.is_ok() {}
    }

    /// The last [`LOG_TAIL`] lines, after waiting up to `settle` for the stream to end (so
    /// the lines of a container that just stopped are all there).
    pub async fn last_lines(&self, settle: Duration) -> String {
        let _ = tokio::time::timeout(settle, self.ended()).await;
        let text = self.text.lock().unwrap_or_else(|p| p.into_inner());
        last_lines(&String::from_utf8_lossy(&text), LOG_TAIL)
    }
}

/// The last `n` lines of `text`.
pub fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_lines_keeps_the_tail() {
        let text: String = (1..=60).map(|i| format!("line {i}\n")).collect();
        let tail = last_lines(&text, LOG_TAIL);
        assert_eq!(tail.lines().count(), 50);
        assert!(tail.starts_with("line 11\n") && tail.ends_with("line 60"));
        assert_eq!(last_lines("a\nb", 50), "a\nb");
    }

    #[tokio::test]
    async fn the_tail_keeps_frames_and_ends_with_its_consumer() {
        let (tail, consumer) = LogTail::new();
        for i in 1..=60 {
            let frame = LogFrame::StdOut(format!("line {i}\n").into());
            consumer.accept(&frame).await;
        }
        drop(consumer);
        tail.ended().await;
        let text = tail.last_lines(Duration::ZERO).await;
        assert!(
            text.starts_with("line 11\n") && text.ends_with("line 60"),
            "{text}"
        );
    }
}
