//! HTTP proxies from the environment, as curl reads them: `http_proxy` / `HTTP_PROXY` for http
//! URLs, `https_proxy` / `HTTPS_PROXY` for https URLs, `all_proxy` / `ALL_PROXY` for either
//! when the scheme's own is unset, and `no_proxy` / `NO_PROXY` for hosts reached directly
//! (the lowercase form wins when both are set, as in curl). One matcher decides for the HTTP
//! client and for the run's origin line, so what is printed is what is done.

use std::net::IpAddr;

use url::Url;

use super::env::env;

/// The proxy settings of a run (none for the embedded and containers targets).
#[derive(Debug, Clone, Default)]
pub struct Proxies {
    http: Option<Url>,
    https: Option<Url>,
    /// `NO_PROXY` entries (lower case, leading dot removed), plus hosts the run maps itself.
    no: Vec<String>,
}

fn first_env(names: [&str; 2]) -> Option<String> {
    names.into_iter().find_map(env)
}

fn proxy_url(name: &str, value: String) -> Result<Url, String> {
    // curl reads a proxy without a scheme as http://.
    let text = if value.contains("://") {
        value
    } else {
        format!("http://{value}")
    };
    Url::parse(&text)
        .ok()
        .filter(|u| u.host_str().is_some())
        .ok_or_else(|| format!("{name} is not a proxy URL such as http://proxy:3128"))
}

impl Proxies {
    /// No proxy at all.
    pub fn none() -> Self {
        Self::default()
    }

    /// The proxies the environment asks for; `direct` hosts (those `OPENAPP_RESOLVE` maps to
    /// an address) are always reached directly: the override says where to connect.
    pub fn from_env(direct: &[String]) -> Result<Self, String> {
        let all = first_env(["all_proxy", "ALL_PROXY"]);
        let pick = |names: [&str; 2]| {
            first_env(names)
                .or_else(|| all.clone())
                .map(|v| proxy_url(names[1], v))
                .transpose()
        };
        let http = pick(["http_proxy", "HTTP_PROXY"])?;
        let https = pick(["https_proxy", "HTTPS_PROXY"])?;
        let mut no: Vec<String> = first_env(["no_proxy", "NO_PROXY"])
            .unwrap_or_default()
            .split(',')
            .map(|e| e.trim().trim_start_matches('.').to_ascii_lowercase())
            .filter(|e| !e.is_empty())
            .collect();
        no.extend(direct.iter().map(|h| h.to_ascii_lowercase()));
        Ok(Self { http, https, no })
    }

    /// Is any proxy configured?
    pub fn any(&self) -> bool {
        self.http.is_some() || self.https.is_some()
    }

    /// The proxy a request to `url` goes through, if any. `NO_PROXY` as curl reads it: `*`
    /// matches every host; a name matches itself and its subdomains (`example.com` matches
    /// `api.example.com`, not `badexample.com`); an IP address or `addr/bits` range matches
    /// a literal address host.
    pub fn for_url(&self, url: &Url) -> Option<&Url> {
        let host = url.host_str()?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if self.no.iter().any(|entry| bypasses(entry, host)) {
            return None;
        }
        match url.scheme() {
            "http" => self.http.as_ref(),
            "https" => self.https.as_ref(),
            _ => None,
        }
    }
}

fn bypasses(entry: &str, host: &str) -> bool {
    if entry == "*" {
        return true;
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        return in_range(entry, ip);
    }
    let host = host.to_ascii_lowercase();
    host == entry
        || host
            .strip_suffix(entry)
            .is_some_and(|rest| rest.ends_with('.'))
}

fn in_range(entry: &str, ip: IpAddr) -> bool {
    let entry = entry.trim_start_matches('[').trim_end_matches(']');
    let (addr, bits) = match entry.split_once('/') {
        Some((a, b)) => (a, b.parse::<u32>().ok()),
        None => (entry, None),
    };
    let Ok(net) = addr.parse::<IpAddr>() else {
        return false;
    };
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let bits = bits.unwrap_or(32).min(32);
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(n) & mask == u32::from(i) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let bits = bits.unwrap_or(128).min(128);
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(n) & mask == u128::from(i) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(no: &[&str]) -> Proxies {
        Proxies {
            http: Url::parse("http://proxy:3128").ok(),
            https: Url::parse("http://sproxy:3128").ok(),
            no: no.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn via(p: &Proxies, url: &str) -> Option<String> {
        p.for_url(&Url::parse(url).unwrap())
            .map(|u| u.host_str().unwrap().to_string())
    }

    #[test]
    fn no_proxy_reads_as_curl_does() {
        let p = proxies(&["example.com", "10.0.0.0/8", "::1"]);
        assert_eq!(via(&p, "http://api.example.com/x"), None);
        assert_eq!(via(&p, "http://example.com/x"), None);
        assert_eq!(via(&p, "http://badexample.com/").as_deref(), Some("proxy"));
        assert_eq!(via(&p, "https://other.test/").as_deref(), Some("sproxy"));
        assert_eq!(via(&p, "http://10.1.2.3:8080/"), None);
        assert_eq!(via(&p, "http://11.1.2.3/").as_deref(), Some("proxy"));
        assert_eq!(via(&p, "http://[::1]:80/"), None);
        assert_eq!(via(&proxies(&["*"]), "http://any.test/"), None);
        assert!(!Proxies::none().any());
    }

    #[test]
    fn a_proxy_without_scheme_is_http() {
        assert_eq!(
            proxy_url("HTTP_PROXY", "proxy:3128".into())
                .unwrap()
                .as_str(),
            "http://proxy:3128/"
        );
        assert!(proxy_url("HTTP_PROXY", "http://".into()).is_err());
    }
}
