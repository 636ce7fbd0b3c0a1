//! Log lines captured for one test: a global tracing subscriber writes to the
//! buffer of the test running on the current thread (use a current-thread
//! runtime).
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

/// The captured output.
#[derive(Clone, Default)]
pub struct LogBuf(Arc<Mutex<Vec<u8>>>);

impl LogBuf {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).to_string()
    }
}

thread_local! {
    static CAPTURE: std::cell::RefCell<Option<LogBuf>> = const { std::cell::RefCell::new(None) };
}

struct ThreadCapture;

impl std::io::Write for ThreadCapture {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        CAPTURE.with(|c| {
            if let Some(buf) = &*c.borrow() {
                buf.0.lock().unwrap().extend_from_slice(b);
            }
        });
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Capture this thread's log lines (every level) into `logs`.
pub fn capture(logs: &LogBuf) {
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        // try_init also routes the `log` records of the HTTP libraries (reqwest, hyper)
        tracing_subscriber::fmt()
            .with_writer(|| ThreadCapture)
            .with_ansi(false)
            .with_max_level(tracing::Level::TRACE)
            .try_init()
            .expect("the only global subscriber");
    });
    CAPTURE.with(|c| *c.borrow_mut() = Some(logs.clone()));
}
