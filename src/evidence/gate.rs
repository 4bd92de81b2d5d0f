//! How much evidence work runs at once, so that no mix of uploads can take
//! the process's memory: at most one decoder per core, each within its
//! decoding budget, and request bodies of uploads held in memory only as
//! far as a shared pool allows. Room is taken as bytes arrive, so a client
//! trickling a body holds only what it has sent.
//!
//! Peak memory for evidence is thus bounded by
//! `cores × image budget + upload pool` (plus the bodies of non-upload
//! requests, 64 KiB each).
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// What one file may cost to decode.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// The decoded buffer of an image: width × height × bytes per pixel.
    pub image_bytes: u64,
    /// Bytes a PDF's object streams may inflate to, all together.
    pub pdf_inflated: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            image_bytes: 256 << 20,
            pdf_inflated: 64 << 20,
        }
    }
}

/// No room within the wait: the service answers 503 with `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

const MB: u64 = 1 << 20;

pub struct Gate {
    decoders: Arc<Semaphore>,
    bodies: Arc<Semaphore>,
    pool_mb: u32,
    wait: Duration,
    pub budget: Budget,
}

impl Gate {
    /// `decoders` at once (the cores), `pool_mb` MiB of upload bodies, and
    /// how long a request may wait for either before it is told to retry.
    pub fn new(decoders: usize, pool_mb: u32, wait: Duration, budget: Budget) -> Gate {
        Gate {
            decoders: Arc::new(Semaphore::new(decoders.max(1))),
            bodies: Arc::new(Semaphore::new(pool_mb.max(1) as usize)),
            pool_mb: pool_mb.max(1),
            wait,
            budget,
        }
    }

    /// A slot to run one decoder in.
    pub async fn decoder(&self) -> Result<OwnedSemaphorePermit, Busy> {
        actix_web::rt::time::timeout(self.wait, self.decoders.clone().acquire_owned())
            .await
            .map_err(|_| Busy)?
            .map_err(|_| Busy)
    }

    /// An empty claim on the upload pool, grown as a body arrives.
    pub fn room(self: &Arc<Self>) -> Room {
        Room {
            gate: self.clone(),
            held: None,
            mb: 0,
        }
    }
}

impl Default for Gate {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Gate::new(cores, 256, Duration::from_secs(30), Budget::default())
    }
}

/// Memory of the upload pool held by one request; given back when dropped.
pub struct Room {
    gate: Arc<Gate>,
    held: Option<OwnedSemaphorePermit>,
    mb: u32,
}

impl Room {
    /// Hold enough of the pool for `bytes`, waiting for others to finish
    /// when it is full (and giving up with [`Busy`] after the gate's wait).
    pub async fn grow_to(&mut self, bytes: u64) -> Result<(), Busy> {
        let want = bytes.div_ceil(MB).min(u64::from(self.gate.pool_mb)) as u32;
        if want <= self.mb {
            return Ok(());
        }
        let more = actix_web::rt::time::timeout(
            self.gate.wait,
            self.gate.bodies.clone().acquire_many_owned(want - self.mb),
        )
        .await
        .map_err(|_| Busy)?
        .map_err(|_| Busy)?;
        match &mut self.held {
            Some(p) => p.merge(more),
            None => self.held = Some(more),
        }
        self.mb = want;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn room_is_shared_and_given_back() {
        let gate = Arc::new(Gate::new(
            1,
            4,
            Duration::from_millis(50),
            Budget::default(),
        ));
        let mut a = gate.room();
        a.grow_to(3 * MB).await.unwrap();
        let mut b = gate.room();
        assert_eq!(b.grow_to(2 * MB).await, Err(Busy));
        b.grow_to(MB).await.unwrap();
        drop(a);
        b.grow_to(4 * MB).await.unwrap();
        // Never more than the pool, however large the body.
        let mut c = gate.room();
        drop(b);
        c.grow_to(1 << 40).await.unwrap();
        let slot = gate.decoder().await.unwrap();
        assert_eq!(gate.decoder().await.err(), Some(Busy));
        drop(slot);
        assert!(gate.decoder().await.is_ok());
    }
}
