//! Who is on the other end of a request: the client's address (only ever fed
//! to a rate limiter's keyed hash) and whether the request reached the
//! service over TLS.
//!
//! Forwarding headers are believed only as far as the operator says
//! (`TIPLINE_TRUSTED_PROXIES`), and read from the right: each proxy appends
//! the address it saw, so the entries a client writes itself are always the
//! leftmost and never chosen while a trusted proxy stands in front.
use std::net::IpAddr;

use actix_web::HttpRequest;

/// Which header carries the chain of addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For` and `X-Forwarded-Proto` (nginx's `$proxy_add_x_forwarded_for`).
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=…;proto=…`.
    Forwarded,
}

/// The proxies in front of the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustedProxies {
    /// Clients connect directly: every forwarding header is ignored.
    None,
    /// This many proxies in front: the client is the address the outermost
    /// one saw, that many entries from the right (counting the peer).
    Hops(u8),
    /// Proxies at these addresses: walking from the right, the first
    /// address outside them is the client. Safer than a hop count when the
    /// service can also be reached without the proxy.
    Networks(Vec<Network>),
}

/// An address block (`10.0.0.0/8`, `::1/128`, or one address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    base: IpAddr,
    prefix: u8,
}

impl Network {
    pub fn parse(s: &str) -> Result<Network, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let base: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("{s:?} is not an address or address/prefix"))?;
        let max = if base.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{s:?}: the prefix must be 0–{max}"))?,
        };
        Ok(Network { base, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.base, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// An IPv4 address that arrived as `::ffff:a.b.c.d` is that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl TrustedProxies {
    /// `TIPLINE_TRUSTED_PROXIES`: empty or `0` for none, a hop count (`1`),
    /// or a comma-separated list of addresses and blocks.
    pub fn parse(s: &str) -> Result<TrustedProxies, String> {
        let s = s.trim();
        if s.is_empty() || s == "0" {
            return Ok(TrustedProxies::None);
        }
        if let Ok(hops) = s.parse::<u8>() {
            return Ok(TrustedProxies::Hops(hops));
        }
        s.split(',')
            .map(Network::parse)
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies::Networks)
    }

    fn trusts_peer(&self, peer: Option<IpAddr>) -> bool {
        match self {
            TrustedProxies::None => false,
            TrustedProxies::Hops(_) => true,
            TrustedProxies::Networks(nets) => {
                peer.is_some_and(|p| nets.iter().any(|n| n.contains(p)))
            }
        }
    }
}

/// How this deployment is reached: its proxies, and whether it is only
/// served over TLS (`TIPLINE_HSTS`).
#[derive(Debug, Clone)]
pub struct Edge {
    pub proxies: TrustedProxies,
    pub header: ForwardedHeader,
    pub tls_only: bool,
}

impl Default for Edge {
    fn default() -> Self {
        Edge {
            proxies: TrustedProxies::None,
            header: ForwardedHeader::XForwardedFor,
            tls_only: false,
        }
    }
}

impl Edge {
    /// The client's address as text, for the rate limiters' keyed hash only.
    pub fn client_address(&self, req: &HttpRequest) -> String {
        let peer = req.peer_addr().map(|a| canonical(a.ip()));
        let fallback = || peer.map(|p| p.to_string()).unwrap_or_default();
        if !self.proxies.trusts_peer(peer) {
            return fallback();
        }
        // The chain as the nearest proxy passed it on, then the proxy itself.
        let mut chain: Vec<String> = self.forwarded_for(req);
        chain.push(fallback());
        let chosen = match &self.proxies {
            TrustedProxies::None => chain.last(),
            TrustedProxies::Hops(n) => {
                let n = usize::from(*n);
                chain
                    .get(chain.len().saturating_sub(n + 1))
                    .or(chain.first())
            }
            TrustedProxies::Networks(nets) => chain
                .iter()
                .rev()
                .find(|a| {
                    a.parse::<IpAddr>()
                        .map_or(true, |ip| !nets.iter().any(|n| n.contains(ip)))
                })
                .or(chain.first()),
        };
        chosen.cloned().unwrap_or_default()
    }

    /// Whether the request reached the service over TLS: always when the
    /// deployment says so, else when a trusted proxy says it was HTTPS.
    /// A client's own `X-Forwarded-Proto` counts for nothing.
    pub fn is_https(&self, req: &HttpRequest) -> bool {
        if self.tls_only {
            return true;
        }
        let peer = req.peer_addr().map(|a| canonical(a.ip()));
        if !self.proxies.trusts_peer(peer) {
            return false;
        }
        // The nearest proxy's word: the last value.
        let proto = match self.header {
            ForwardedHeader::XForwardedFor => header_values(req, "x-forwarded-proto").pop(),
            ForwardedHeader::Forwarded => forwarded_params(req, "proto").pop(),
        };
        proto.is_some_and(|p| p.eq_ignore_ascii_case("https"))
    }

    fn forwarded_for(&self, req: &HttpRequest) -> Vec<String> {
        let raw = match self.header {
            ForwardedHeader::XForwardedFor => header_values(req, "x-forwarded-for"),
            ForwardedHeader::Forwarded => forwarded_params(req, "for"),
        };
        raw.into_iter().map(|a| strip_port(&a)).collect()
    }
}

/// Every comma-separated value of every instance of a header, in order.
fn header_values(req: &HttpRequest, name: &str) -> Vec<String> {
    req.headers()
        .get_all(name)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// One parameter of each element of RFC 7239 `Forwarded`, in order.
fn forwarded_params(req: &HttpRequest, param: &str) -> Vec<String> {
    header_values(req, "forwarded")
        .iter()
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (k, v) = pair.split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case(param)
                    .then(|| v.trim().trim_matches('"').to_string())
            })
        })
        .collect()
}

/// `[2001:db8::1]:4711` → `2001:db8::1`, `192.0.2.1:80` → `192.0.2.1`.
fn strip_port(a: &str) -> String {
    if let Some(rest) = a.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest).to_string();
    }
    match a.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') && port.chars().all(|c| c.is_ascii_digit()) => {
            host.to_string()
        }
        _ => a.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn req(peer: &str, xff: &[&str]) -> HttpRequest {
        let ip: IpAddr = peer.parse().unwrap();
        let mut r = TestRequest::default().peer_addr(std::net::SocketAddr::new(ip, 5000));
        for v in xff {
            r = r.append_header(("X-Forwarded-For", *v));
        }
        r.to_http_request()
    }

    fn edge(p: &str) -> Edge {
        Edge {
            proxies: TrustedProxies::parse(p).unwrap(),
            ..Edge::default()
        }
    }

    #[test]
    fn without_trusted_proxies_headers_count_for_nothing() {
        let r = req("198.51.100.9", &["203.0.113.1"]);
        assert_eq!(edge("").client_address(&r), "198.51.100.9");
        let r = TestRequest::default()
            .peer_addr("198.51.100.9:1".parse().unwrap())
            .insert_header(("X-Forwarded-Proto", "https"))
            .to_http_request();
        assert!(!edge("").is_https(&r));
    }

    #[test]
    fn one_hop_takes_the_address_the_proxy_appended() {
        // The client wrote "1.1.1.1"; nginx appended the address it saw.
        let r = req("127.0.0.1", &["1.1.1.1, 203.0.113.7"]);
        assert_eq!(edge("1").client_address(&r), "203.0.113.7");
        let r = req("127.0.0.1", &["1.1.1.1", "203.0.113.7"]);
        assert_eq!(edge("1").client_address(&r), "203.0.113.7");
        // Two proxies: the outer one's entry.
        let r = req("10.0.0.2", &["9.9.9.9, 203.0.113.7, 10.0.0.1"]);
        assert_eq!(edge("2").client_address(&r), "203.0.113.7");
    }

    #[test]
    fn networks_walk_from_the_right() {
        let e = edge("127.0.0.1, 10.0.0.0/8");
        let r = req("127.0.0.1", &["6.6.6.6, 203.0.113.7, 10.1.2.3"]);
        assert_eq!(e.client_address(&r), "203.0.113.7");
        // A peer outside the list is the client, whatever it writes.
        let r = req("198.51.100.4", &["203.0.113.7"]);
        assert_eq!(e.client_address(&r), "198.51.100.4");
        let r = req("::ffff:10.0.0.5", &["203.0.113.8:5555"]);
        assert_eq!(e.client_address(&r), "203.0.113.8");
    }

    #[test]
    fn forwarded_header_and_proto() {
        let e = Edge {
            proxies: TrustedProxies::Hops(1),
            header: ForwardedHeader::Forwarded,
            tls_only: false,
        };
        let r = TestRequest::default()
            .peer_addr("127.0.0.1:1".parse().unwrap())
            .insert_header((
                "Forwarded",
                "for=1.1.1.1;proto=http, for=\"[2001:db8::7]:443\";proto=https",
            ))
            .to_http_request();
        assert_eq!(e.client_address(&r), "2001:db8::7");
        assert!(e.is_https(&r));
    }

    #[test]
    fn parses_the_setting() {
        assert_eq!(TrustedProxies::parse("").unwrap(), TrustedProxies::None);
        assert_eq!(TrustedProxies::parse("2").unwrap(), TrustedProxies::Hops(2));
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("nginx").is_err());
        let n = Network::parse("2001:db8::/32").unwrap();
        assert!(n.contains("2001:db8:1::1".parse().unwrap()));
        assert!(!n.contains("2001:db9::1".parse().unwrap()));
        assert!(
            Network::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
    }
}
