//! One rate limiter per relay, each with the relay's own limit, so one busy
//! hotline cannot starve another.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::services::limiter::RateLimiter;

#[derive(Default)]
pub struct RelayLimits {
    limiters: Mutex<HashMap<i64, (i32, Arc<RateLimiter>)>>,
}

impl RelayLimits {
    /// Count one request of `relay_id`, whose limit is `per_minute` (0: none).
    pub fn allow(&self, relay_id: i64, per_minute: i32) -> bool {
        let limiter = {
            let mut map = self.limiters.lock().unwrap_or_else(|e| e.into_inner());
            let entry = map.entry(relay_id).or_insert_with(|| {
                (
                    per_minute,
                    Arc::new(RateLimiter::new(
                        per_minute.max(0) as u32,
                        Duration::from_secs(60),
                    )),
                )
            });
            // A changed limit takes effect with a fresh window.
            if entry.0 != per_minute {
                *entry = (
                    per_minute,
                    Arc::new(RateLimiter::new(
                        per_minute.max(0) as u32,
                        Duration::from_secs(60),
                    )),
                );
            }
            entry.1.clone()
        };
        limiter.allow(&relay_id.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_relay_has_its_own_budget() {
        let l = RelayLimits::default();
        assert!((0..3).all(|_| l.allow(1, 3)));
        assert!(!l.allow(1, 3));
        assert!(l.allow(2, 3));
        assert!(l.allow(1, 4), "a raised limit applies at once");
    }
}
