//! Where the client's requests may go on the way to a target: proxies from the environment for
//! real targets and never for loopback, and the one-request client of `sign`, which follows the
//! same rules as a run's.

use super::tls::{TlsError, TlsOptions};

/// Proxies from the environment (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, lower case too, and
/// `NO_PROXY`) for real targets, and never for loopback: a proxy in a CI runner's environment
/// must not see the embedded mock's traffic, nor the credentials sent to it. The proxy URL may
/// carry its own credentials, so errors name the variable, never its value.
pub(super) fn with_proxies(
    builder: reqwest::ClientBuilder,
) -> Result<reqwest::ClientBuilder, TlsError> {
    fn var(names: &[&'static str]) -> Option<(&'static str, String)> {
        names.iter().find_map(|name| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .map(|v| (*name, v))
        })
    }
    let bypass = format!(
        "localhost,localhost.,127.0.0.0/8,::1,::ffff:127.0.0.0/104,{}",
        var(&["NO_PROXY", "no_proxy"])
            .map(|(_, v)| v)
            .unwrap_or_default()
    );
    let mut builder = builder.no_proxy();
    let https = var(&["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]);
    let http = var(&["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]);
    for (found, https) in [(https, true), (http, false)] {
        let Some((name, url)) = found else { continue };
        let proxy = if https {
            reqwest::Proxy::https(&url)
        } else {
            reqwest::Proxy::http(&url)
        }
        .map_err(|_| TlsError::Build(format!("{name} is not a usable proxy URL")))?;
        builder = builder.proxy(proxy.no_proxy(reqwest::NoProxy::from_string(&bypass)));
    }
    Ok(builder)
}

/// A client for one request outside a run (`sign`): the run's rules for where a request may go
/// and whom it trusts (no redirect followed, proxies from the environment but never for loopback,
/// these TLS options), so a command sending a credential cannot be led further than the URL the
/// user typed.
pub fn single_request_client(
    tls: &TlsOptions,
    timeout: std::time::Duration,
) -> Result<reqwest::Client, TlsError> {
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("partner-conformance/", env!("CARGO_PKG_VERSION")));
    super::tls::configure(with_proxies(builder)?, tls, true)?
        .build()
        .map_err(|e| TlsError::Build(e.to_string()))
}
