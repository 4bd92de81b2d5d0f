//! The real `tipline` binary as a server process: started with a database,
//! a port and extra environment, its output captured, killed when dropped;
//! and raw HTTP/1.1 exchanges with it over fresh connections.
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::TestDb;

pub const BIN: &str = env!("CARGO_BIN_EXE_tipline");

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct Server {
    pub child: Child,
    pub port: u16,
    pub base: String,
    log: Arc<Mutex<String>>,
}

impl Server {
    /// `tipline serve` on `db` and `port` with these variables set too, once
    /// `/healthz` answers.
    pub fn start(db: &TestDb, port: u16, env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(BIN);
        cmd.arg("serve")
            .env("DATABASE_URL", &db.url)
            .env("TIPLINE_DATA_DIR", db.dir.path())
            .env("TIPLINE_BIND", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn");
        for (k, v) in env {
            cmd.env(k, v);
        }
        Server::spawn(cmd, port)
    }

    /// A prepared command (for a umask or other process settings).
    pub fn spawn(mut cmd: Command, port: u16) -> Server {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        for pipe in [
            Box::new(child.stderr.take().unwrap()) as Box<dyn Read + Send>,
            Box::new(child.stdout.take().unwrap()),
        ] {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    let mut l = log.lock().unwrap();
                    l.push_str(&line);
                    l.push('\n');
                }
            });
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(r) = raw(
                port,
                None,
                "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            ) {
                if r.starts_with("HTTP/1.1 200") {
                    return Server {
                        child,
                        port,
                        base: format!("http://127.0.0.1:{port}"),
                        log,
                    };
                }
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("server exited with {status}:\n{}", log.lock().unwrap());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("server did not start:\n{}", log.lock().unwrap());
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The process's peak resident memory so far, in KiB (VmHWM).
    pub fn peak_rss_kib(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("server log:\n{}", self.log.lock().unwrap());
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 exchange over a fresh connection, optionally from a chosen
/// loopback source address.
pub fn raw(port: u16, from: Option<&str>, request: &str) -> std::io::Result<String> {
    raw_bytes(port, from, request.as_bytes())
}

pub fn raw_bytes(port: u16, from: Option<&str>, request: &[u8]) -> std::io::Result<String> {
    let to: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut stream: TcpStream = match from {
        None => TcpStream::connect_timeout(&to, Duration::from_secs(2))?,
        Some(ip) => {
            let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
            let src: SocketAddr = format!("{ip}:0").parse().unwrap();
            sock.bind(&src.into())?;
            sock.connect_timeout(&to.into(), Duration::from_secs(2))?;
            sock.into()
        }
    };
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.write_all(request)?;
    let mut out = Vec::new();
    stream.read_to_end(&mut out)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// A POST of `body` as one request on a fresh connection.
pub fn post(
    port: u16,
    from: Option<&str>,
    path: &str,
    ctype: &str,
    body: &[u8],
    extra: &str,
) -> std::io::Result<String> {
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    raw_bytes(port, from, &req)
}
