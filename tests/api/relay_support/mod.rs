//! Helpers for the relay tests: a call-back receiver on 127.0.0.1 and
//! requests with a bearer key.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One call-back as received.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The status we answered.
    pub answered: u16,
}

impl Delivery {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An HTTP receiver that answers 503 to the first `refuse` requests, then 200.
pub struct Receiver {
    pub url: String,
    pub got: Arc<Mutex<Vec<Delivery>>>,
}

impl Receiver {
    pub fn start(refuse: usize) -> Receiver {
        Receiver::listen(refuse, None, Duration::ZERO)
    }

    /// The same receiver over HTTPS with this certificate and key.
    pub fn start_tls(refuse: usize, tls: Arc<rustls::ServerConfig>) -> Receiver {
        Receiver::listen(refuse, Some(tls), Duration::ZERO)
    }

    /// A relay that takes `delay` to answer each call-back (recorded when
    /// it arrives).
    pub fn start_slow(delay: Duration) -> Receiver {
        Receiver::listen(0, None, delay)
    }

    fn listen(refuse: usize, tls: Option<Arc<rustls::ServerConfig>>, delay: Duration) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let scheme = if tls.is_some() { "https" } else { "http" };
        let url = format!("{scheme}://{}/callback", listener.local_addr().unwrap());
        let got: Arc<Mutex<Vec<Delivery>>> = Arc::default();
        let seen = got.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (seen, tls) = (seen.clone(), tls.clone());
                std::thread::spawn(move || {
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                    match tls {
                        None => answer(stream, &seen, refuse, delay),
                        Some(cfg) => {
                            let conn = rustls::ServerConnection::new(cfg).unwrap();
                            answer(rustls::StreamOwned::new(conn, stream), &seen, refuse, delay)
                        }
                    }
                });
            }
        });
        Receiver { url, got }
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.got.lock().unwrap().clone()
    }

    pub fn accepted(&self) -> Vec<Delivery> {
        self.deliveries()
            .into_iter()
            .filter(|d| d.answered == 200)
            .collect()
    }

    /// Wait until `pred` holds of what was received, or panic after `limit`.
    pub fn wait_for(&self, limit: Duration, what: &str, pred: impl Fn(&[Delivery]) -> bool) {
        let deadline = Instant::now() + limit;
        loop {
            if pred(&self.deliveries()) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}: {:?}",
                self.deliveries()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Read one request, record it, answer 503 to the first `refuse`, then 200.
fn answer<S: Read + Write>(stream: S, seen: &Mutex<Vec<Delivery>>, refuse: usize, delay: Duration) {
    let mut reader = BufReader::new(stream);
    let mut headers = Vec::new();
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let answered = {
        let mut seen = seen.lock().unwrap();
        let answered = if seen.len() < refuse { 503 } else { 200 };
        seen.push(Delivery {
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
            answered,
        });
        answered
    };
    std::thread::sleep(delay);
    let reason = if answered == 200 {
        "OK"
    } else {
        "Service Unavailable"
    };
    let stream = reader.get_mut();
    let _ = stream.write_all(
        format!("HTTP/1.1 {answered} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    );
    let _ = stream.flush();
}

/// A test CA and a server certificate it signed for 127.0.0.1: the server's
/// TLS settings, and the CA as PEM (what `TIPLINE_OUTBOX_CA_FILE` holds).
pub fn test_ca() -> (Arc<rustls::ServerConfig>, String) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "政务外网测试 CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    (Arc::new(config), ca_cert.pem())
}

/// Check a delivery's signature the way a relay does, from its key alone.
pub fn signature_valid(key: &str, d: &Delivery) -> bool {
    let secret = tipline::auth::relay_key::signing_secret(key);
    let ts: i64 = d
        .header("X-Tipline-Timestamp")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let sig = d.header("X-Tipline-Signature").unwrap_or("");
    tipline::auth::relay_key::verify(&secret, ts, d.body.as_bytes(), sig)
}

pub struct Res {
    pub status: u16,
    pub body: String,
}

impl Res {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

fn read(res: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Res {
    let mut res = res.expect("request failed");
    let status = res.status().as_u16();
    let body = res
        .body_mut()
        .with_config()
        .limit(50 << 20)
        .read_to_string()
        .unwrap_or_default();
    Res { status, body }
}

pub fn relay_post(base: &str, key: Option<&str>, path: &str, body: &serde_json::Value) -> Res {
    let mut req = agent()
        .post(format!("{base}{path}"))
        .header("Content-Type", "application/json");
    if let Some(k) = key {
        req = req.header("Authorization", &format!("Bearer {k}"));
    }
    read(req.send(body.to_string().as_bytes()))
}

pub fn relay_get(base: &str, key: Option<&str>, path: &str) -> Res {
    let mut req = agent().get(format!("{base}{path}"));
    if let Some(k) = key {
        req = req.header("Authorization", &format!("Bearer {k}"));
    }
    read(req.call())
}

pub fn form_post(base: &str, path: &str, pairs: &[(&str, &str)]) -> Res {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    read(
        agent()
            .post(format!("{base}{path}"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(body.as_bytes()),
    )
}

/// A valid work order.
/// A relay registered directly through the service (unlimited rate): its key.
pub fn add_relay(app: &crate::common::TestApp, name: &str, callback: Option<&str>) -> String {
    let (_, key) = tipline::services::relay::accounts::add(
        &app.state.db,
        &app.state.secrets,
        name,
        "hotline",
        callback,
        Some(0),
        "test",
    )
    .unwrap();
    key
}

pub fn ticket(id: &str) -> serde_json::Value {
    serde_json::json!({
        "ticket_id": id,
        "received_at": "2026-11-20T09:30:00+08:00",
        "channel": "hotline",
        "description": "来电反映宝安区沙井街道某厂夜间用中频炉炼钢，烟囱冒黑烟。",
        "enterprise_name": "深圳市宏达钢铁有限公司",
        "district": "宝安区",
        "industry": "钢铁",
        "dimensions": ["ditiaogang"],
        "caller_contact": "13800138000 张先生"
    })
}
