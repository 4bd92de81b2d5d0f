//! Bodies that trickle. A client that sends its headers and then a body
//! byte by byte (or not at all) holds a connection, a file descriptor and a
//! worker's attention for as long as it likes; a thousand of them stop the
//! service. Every request body is read through [`Paced`]: after a grace
//! period it must have arrived at a minimum average rate, and it must be
//! complete within an absolute limit. A body that falls behind ends with
//! 408 and the connection is closed.
//!
//! A citizen on a slow phone line is not cut off: a 20 MB photo at 50 KB/s
//! takes seven minutes and keeps a rate far above the minimum.
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONNECTION, HeaderValue};
use actix_web::middleware::Next;
use actix_web::rt::time::{Instant, Sleep, sleep_until};
use actix_web::web::Bytes;
use actix_web::{Error, HttpMessage, HttpResponse, web};
use futures_util::Stream;

use crate::state::AppState;

/// How fast a body must arrive.
#[derive(Debug, Clone, Copy)]
pub struct BodyPace {
    /// Any body may take this long (`TIPLINE_BODY_TIMEOUT`, 60 s): a stalled
    /// body is cut off when it ends.
    pub grace: Duration,
    /// After the grace period, bytes per second on average since the start.
    pub min_rate: u64,
    /// No body may take longer than this, however fast it is.
    pub limit: Duration,
}

impl Default for BodyPace {
    fn default() -> Self {
        BodyPace {
            grace: Duration::from_secs(60),
            min_rate: 2048,
            limit: Duration::from_secs(15 * 60),
        }
    }
}

impl BodyPace {
    /// The moment a body that has `received` bytes so far falls behind.
    fn falls_behind_at(&self, start: Instant, received: u64) -> Instant {
        let by_rate = Duration::from_secs_f64(received as f64 / self.min_rate.max(1) as f64);
        (start + self.grace.max(by_rate)).min(start + self.limit)
    }
}

/// A request body read against a [`BodyPace`].
pub struct Paced {
    inner: Payload,
    pace: BodyPace,
    start: Instant,
    received: u64,
    timer: Pin<Box<Sleep>>,
    late: Arc<AtomicBool>,
}

impl Paced {
    fn new(inner: Payload, pace: BodyPace, late: Arc<AtomicBool>) -> Paced {
        let start = Instant::now();
        Paced {
            inner,
            pace,
            start,
            received: 0,
            timer: Box::pin(sleep_until(pace.falls_behind_at(start, 0))),
            late,
        }
    }
}

impl Stream for Paced {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.late.load(Ordering::Relaxed) {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.received += chunk.len() as u64;
                let at = this.pace.falls_behind_at(this.start, this.received);
                this.timer.as_mut().reset(at);
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Pending => match this.timer.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    this.late.store(true, Ordering::Relaxed);
                    Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "request body too slow",
                    )))))
                }
                Poll::Pending => Poll::Pending,
            },
            other => other,
        }
    }
}

/// Middleware: every request's body through [`Paced`]; a request whose body
/// fell behind is answered 408 whatever the handler made of the error, and
/// its connection is closed.
pub async fn pace(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let pace = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.body_pace)
        .unwrap_or_default();
    let late = Arc::new(AtomicBool::new(false));
    let inner = req.take_payload();
    let paced: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> =
        Box::pin(Paced::new(inner, pace, late.clone()));
    req.set_payload(Payload::Stream { payload: paced });
    let res = next.call(req).await?;
    if !late.load(Ordering::Relaxed) {
        return Ok(res.map_into_left_body());
    }
    let (req, _) = res.into_parts();
    let mut slow = HttpResponse::build(StatusCode::REQUEST_TIMEOUT)
        .content_type("application/json")
        .body(
            r#"{"error":"body_too_slow","message":"请求内容传输过慢，连接已关闭，请重试","message_en":"The request body arrived too slowly; the connection was closed. Try again."}"#,
        );
    slow.headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    Ok(ServiceResponse::new(req, slow).map_into_right_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falls_behind_after_the_grace_period_at_the_minimum_rate() {
        let pace = BodyPace {
            grace: Duration::from_secs(60),
            min_rate: 1000,
            limit: Duration::from_secs(900),
        };
        let t0 = Instant::now();
        assert_eq!(pace.falls_behind_at(t0, 0), t0 + Duration::from_secs(60));
        assert_eq!(
            pace.falls_behind_at(t0, 120_000),
            t0 + Duration::from_secs(120)
        );
        assert_eq!(
            pace.falls_behind_at(t0, 10_000_000),
            t0 + Duration::from_secs(900)
        );
    }
}
