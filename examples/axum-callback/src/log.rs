//! Logging that an attacker cannot flood: anyone can send bad requests, and every refusal is
//! worth a line only until the log would be mostly them.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use wxbizmsgcrypt_callback::Error;

/// At most `burst` lines per `period`; the lines dropped are counted and reported with the
/// next one that gets through.
pub struct RateLimited {
    period: Duration,
    burst: u32,
    state: Mutex<State>,
}

struct State {
    window_start: Instant,
    written: u32,
    dropped: u64,
}

impl RateLimited {
    pub fn new(period: Duration, burst: u32) -> RateLimited {
        RateLimited {
            period,
            burst,
            state: Mutex::new(State { window_start: Instant::now(), written: 0, dropped: 0 }),
        }
    }

    /// A refusal, with its code and what to check: nothing in an `Error` is secret.
    pub fn refusal(&self, err: &Error) {
        let hint = err.hint().map(|hint| format!("; {hint}")).unwrap_or_default();
        self.line(&format!("refused callback: {err} ({}){hint}", err.code()));
    }

    pub fn line(&self, line: &str) {
        // Decide under the lock; write after it, so that a slow stderr holds up only this
        // request.
        let dropped = {
            let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let now = Instant::now();
            if now.duration_since(state.window_start) >= self.period {
                state.window_start = now;
                state.written = 0;
            }
            if state.written >= self.burst {
                state.dropped += 1;
                return;
            }
            state.written += 1;
            std::mem::take(&mut state.dropped)
        };
        if dropped > 0 {
            eprintln!("({dropped} log lines dropped)");
        }
        eprintln!("{line}");
    }
}
