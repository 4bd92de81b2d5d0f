//! Group commit on SQLite's single writer: intake transactions that arrive
//! while another is being committed wait, and are then committed together,
//! in one `BEGIN IMMEDIATE … COMMIT`, each in its own savepoint.
//!
//! There is no writer thread. Each caller queues its work and then takes
//! the leader lock; whoever holds it drains the queue (up to `MAX_BATCH`),
//! runs the batch and hands every caller its result — only after COMMIT, so
//! nothing is acknowledged before it is durable. A caller whose work was
//! run by an earlier leader finds its result when it gets the lock and
//! leaves. A job that fails is rolled back to its savepoint and does not
//! fail its neighbours; a COMMIT that fails fails them all.
//!
//! PostgreSQL takes writes in parallel, so there each call is simply its
//! own transaction.
use std::sync::Mutex;
use std::sync::mpsc::{SyncSender, TryRecvError, sync_channel};

use diesel::connection::SimpleConnection;

use super::{DbConnection, DbError};

/// Jobs committed in one transaction at most; more wait for the next.
const MAX_BATCH: usize = 64;

/// A queued job: runs inside the batch's transaction and returns what to
/// do once the batch's COMMIT has succeeded (`None`) or failed.
type Job = Box<dyn FnOnce(&mut DbConnection) -> Deliver + Send>;
type Deliver = Box<dyn FnOnce(Option<&DbError>) + Send>;

#[derive(Default)]
pub struct GroupCommit {
    queue: Mutex<Vec<Job>>,
    leader: Mutex<()>,
}

impl GroupCommit {
    /// Queue `f`, then lead batches until its result is in.
    /// `run_batch` runs jobs inside one write transaction.
    pub fn submit<T, E>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        run_batch: impl Fn(&mut dyn FnMut(&mut DbConnection)) -> Result<(), DbError>,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let (tx, rx) = sync_channel::<Result<T, E>>(1);
        self.queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(job(f, tx));
        loop {
            match rx.try_recv() {
                Ok(out) => return out,
                Err(TryRecvError::Disconnected) => return Err(E::from(not_run())),
                Err(TryRecvError::Empty) => {}
            }
            let _lead = self.leader.lock().unwrap_or_else(|e| e.into_inner());
            match rx.try_recv() {
                Ok(out) => return out,
                Err(TryRecvError::Disconnected) => return Err(E::from(not_run())),
                Err(TryRecvError::Empty) => {}
            }
            let batch: Vec<Job> = {
                let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
                let n = q.len().min(MAX_BATCH);
                q.drain(..n).collect()
            };
            let mut jobs = batch.into_iter();
            let mut delivers: Vec<Deliver> = Vec::new();
            let committed = run_batch(&mut |conn| {
                for job in jobs.by_ref() {
                    delivers.push(job(conn));
                }
            });
            let failed = committed.as_ref().err();
            for d in delivers {
                d(failed);
            }
            // Jobs never run (the transaction could not begin) are dropped:
            // their callers see the channel close, an error, not a receipt.
            drop(jobs);
        }
    }
}

fn not_run() -> DbError {
    DbError::CommitFailed("the grouped transaction did not run".into())
}

fn job<T, E>(
    f: impl FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    tx: SyncSender<Result<T, E>>,
) -> Job
where
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
{
    Box::new(move |conn: &mut DbConnection| -> Deliver {
        let result = in_savepoint(conn, f);
        Box::new(move |commit_failed: Option<&DbError>| {
            let out = match (result, commit_failed) {
                (Ok(_), Some(e)) => Err(E::from(DbError::CommitFailed(e.to_string()))),
                (r, _) => r,
            };
            let _ = tx.send(out);
        })
    })
}

/// `f` inside a savepoint: its statements are undone if it fails, and the
/// rest of the batch goes on.
fn in_savepoint<T, E: From<DbError>>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E> {
    conn.batch_execute("SAVEPOINT grouped")
        .map_err(|e| E::from(DbError::from(e)))?;
    match f(conn) {
        Ok(v) => {
            conn.batch_execute("RELEASE grouped")
                .map_err(|e| E::from(DbError::from(e)))?;
            Ok(v)
        }
        Err(e) => {
            let _ = conn.batch_execute("ROLLBACK TO grouped; RELEASE grouped");
            Err(e)
        }
    }
}
