//! Per-client rate limits that never store the client's address.
//!
//! A client is known only by a 64-bit HMAC of its address under a salt that
//! lives in memory and changes every day, so neither the database nor a
//! memory dump links a key back to an address for longer than a day.
//! Each key gets a window that opens at its first request: the
//! (limit+1)-th request within one window is refused, wherever the window
//! falls on the clock.
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use sha2::Sha256;

const DAY: Duration = Duration::from_secs(24 * 3600);

pub struct RateLimiter {
    limit: u32,
    window: Duration,
    state: Mutex<State>,
}

struct State {
    salt: [u8; 32],
    salt_born: Instant,
    windows: HashMap<u64, (Instant, u32)>,
    last_sweep: Instant,
}

fn fresh_salt() -> [u8; 32] {
    let mut salt = [0u8; 32];
    getrandom::fill(&mut salt).expect("the OS random generator failed");
    salt
}

impl RateLimiter {
    /// `limit` requests per `window`; a limit of 0 turns the limiter off.
    pub fn new(limit: u32, window: Duration) -> RateLimiter {
        let now = Instant::now();
        RateLimiter {
            limit,
            window,
            state: Mutex::new(State {
                salt: fresh_salt(),
                salt_born: now,
                windows: HashMap::new(),
                last_sweep: now,
            }),
        }
    }

    /// Count one request from `client` (its address as text); false when it
    /// is over the limit.
    pub fn allow(&self, client: &str) -> bool {
        self.allow_at(client, Instant::now())
    }

    fn allow_at(&self, client: &str, now: Instant) -> bool {
        if self.limit == 0 {
            return true;
        }
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if now.duration_since(state.salt_born) >= DAY {
            state.salt = fresh_salt();
            state.salt_born = now;
            state.windows.clear();
        }
        if now.duration_since(state.last_sweep) >= self.window {
            let window = self.window;
            state
                .windows
                .retain(|_, (start, _)| now.duration_since(*start) < window);
            state.last_sweep = now;
        }
        let key = {
            let mut mac = Hmac::<Sha256>::new_from_slice(&state.salt).expect("any key length");
            mac.update(client.as_bytes());
            let bytes = mac.finalize().into_bytes();
            u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"))
        };
        let window = self.window;
        let entry = state.windows.entry(key).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            return false;
        }
        entry.1 += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_the_request_after_the_limit_within_one_window() {
        let l = RateLimiter::new(30, Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..30 {
            assert!(l.allow_at("10.0.0.1", t0 + Duration::from_secs(i)));
        }
        assert!(!l.allow_at("10.0.0.1", t0 + Duration::from_secs(59)));
        assert!(l.allow_at("10.0.0.2", t0 + Duration::from_secs(59)));
        assert!(l.allow_at("10.0.0.1", t0 + Duration::from_secs(61)));
    }

    #[test]
    fn zero_turns_it_off() {
        let l = RateLimiter::new(0, Duration::from_secs(60));
        assert!((0..1000).all(|_| l.allow("x")));
    }
}
