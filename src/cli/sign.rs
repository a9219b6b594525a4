//! `sign`: send one request signed with AK/SK (SDK-HMAC-SHA256) and print the answer. It is how
//! the reproduce line of an AK/SK-signed request is run: a curl line cannot carry a signature
//! (it is bound to a time and a printed one is a bearer credential for 15 minutes), so reports
//! write `partner-conformance sign METHOD URL ...` instead, and this command signs at send time
//! with the keys of the environment. It never prints the signature, the `Authorization` value
//! or a key: not in its output, not in an echo of the target, not on request.

use crate::client::{AK_ENV, SK_ENV};
use crate::exit::ExitError;
use crate::secret::Redactor;
use anyhow::anyhow;

/// Arguments of `sign`: a request written as the reproduce lines write it.
#[derive(Debug, clap::Args)]
pub struct SignArgs {
    /// The HTTP method (GET, POST...).
    pub method: String,
    /// The full URL, query included: the request goes there and nowhere else (no redirect is
    /// followed).
    pub url: String,
    /// A header to send and sign, `Name: value` (repeatable). `Authorization`, `X-Sdk-Date` and
    /// `Host` are the signature's own and refused. Content-Type defaults to application/json,
    /// as the official SDK sends it.
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// The body, sent byte for byte (`--data` and `-d` are the same).
    #[arg(
        short = 'd',
        long = "data-raw",
        visible_alias = "data",
        value_name = "BODY",
        allow_hyphen_values = true
    )]
    pub data: Option<String>,
    /// A PEM file of extra CA certificates to trust (a staging CA).
    #[arg(long, value_name = "PATH")]
    pub ca_cert: Option<std::path::PathBuf>,
    /// Do not verify TLS certificates (a warning goes to stderr).
    #[arg(long)]
    pub insecure: bool,
    /// Seconds the request may take, connect to last byte [default: 10].
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<crate::settings::TimeoutSeconds>,
    /// Refused: the signature is never printed (see `sign --help`).
    #[arg(long, hide = true)]
    pub dry_run: bool,
    /// Refused: the signature is never printed.
    #[arg(long, hide = true)]
    pub print_signature: bool,
    /// Refused: a verbose request dump would hold the signature.
    #[arg(short = 'v', long, hide = true)]
    pub verbose: bool,
}

/// Request headers the signature owns: given by the user they would be replaced, or signed
/// wrongly.
const SIGNATURE_HEADERS: [&str; 3] = ["authorization", "x-sdk-date", "host"];

/// Response headers never printed as they are: what carries or dates a signature.
const HIDDEN_HEADERS: [&str; 3] = ["authorization", "x-sdk-date", "proxy-authorization"];

/// Why a flag that would print a signature is refused.
const NEVER_PRINTED: &str = "sign never prints a signature or the Authorization header: a printed signature lets anyone who reads it send that request for 15 minutes";

/// `sign`: checks the request, signs it with the keys of the environment, sends it and prints
/// status, headers and body, redacted. Exit 0 on any answer, 3 when none came.
pub(super) fn run(args: SignArgs) -> Result<i32, ExitError> {
    let usage = |message: String| ExitError::Usage(anyhow!(message));
    if args.dry_run || args.print_signature || args.verbose {
        return Err(usage(format!(
            "--dry-run, --print-signature and --verbose are refused: {NEVER_PRINTED}"
        )));
    }
    let method = reqwest::Method::from_bytes(args.method.to_ascii_uppercase().as_bytes())
        .map_err(|_| usage(format!("`{}` is not an HTTP method", args.method)))?;
    super::target::check_url(&args.url).map_err(usage)?;
    let url = reqwest::Url::parse(&args.url).map_err(|e| usage(format!("`{}`: {e}", args.url)))?;
    let mut headers = Vec::new();
    for header in &args.headers {
        let (name, value) = header
            .split_once(':')
            .ok_or_else(|| usage(format!("-H `{header}` is not `Name: value`")))?;
        let name = name.trim();
        if name.is_empty() || reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(usage(format!(
                "-H `{header}`: `{name}` is not a header name"
            )));
        }
        if SIGNATURE_HEADERS
            .iter()
            .any(|h| name.eq_ignore_ascii_case(h))
        {
            return Err(usage(format!(
                "-H {name}: the signature sets it; sign adds Authorization, X-Sdk-Date and Host itself"
            )));
        }
        headers.push((name.to_string(), value.trim().to_string()));
    }
    if !headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
    {
        // The official SDK sends and signs it on every request, body-less GETs included.
        headers.push(("Content-Type".into(), "application/json".into()));
    }
    let read = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let (Some(ak), Some(sk)) = (read(AK_ENV), read(SK_ENV)) else {
        return Err(usage(format!(
            "set {AK_ENV} and {SK_ENV} in the environment (credentials are never taken from the command line)"
        )));
    };
    if url.scheme() == "http" && !super::target::is_loopback(&args.url) {
        eprintln!("warning: the request goes over plain HTTP: anyone on the path can read its signature and send it again for 15 minutes");
    }
    if args.insecure {
        eprintln!("warning: --insecure: the TLS certificate will not be verified");
    }
    let host = match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_string(),
        _ => return Err(usage(format!("`{}` has no host", args.url))),
    };
    let query = crate::signing::parse_query_string(url.query().unwrap_or(""));
    let body = args.data.clone().unwrap_or_default().into_bytes();
    let signable = crate::signing::SignableRequest {
        method: method.as_str(),
        path: url.path(),
        query: &query,
        headers: &headers,
        body: &body,
    };
    let signed = crate::signing::sign_for_host(&signable, &host, &ak, &sk, chrono::Utc::now());
    // Everything printed from here on goes through this: the keys, the signature and the
    // whole Authorization value, in every form a target could echo them.
    let redactor = Redactor::new([
        ak.as_str(),
        sk.as_str(),
        signed.signature.as_str(),
        signed.authorization.as_str(),
    ]);
    let mut sent_url = format!("{}://{}{}", url.scheme(), host, url.path());
    if !signed.query_string.is_empty() {
        sent_url.push('?');
        sent_url.push_str(&signed.query_string);
    }
    let limits = crate::client::Limits::polite(true, None, None, args.timeout);
    let tls = crate::client::TlsOptions {
        ca_cert: args.ca_cert.clone(),
        insecure: args.insecure,
    };
    let client = crate::client::single_request_client(&tls, limits.timeout)
        .map_err(|e| ExitError::Usage(e.into()))?;
    let mut request = client.request(method.clone(), &sent_url);
    for (name, value) in &signed.headers {
        // reqwest sends Host from the URL: the authority that was signed.
        if !name.eq_ignore_ascii_case("host") {
            request = request.header(name.as_str(), value.as_str());
        }
    }
    if args.data.is_some() {
        request = request.body(body);
    }
    eprintln!(
        "{} {} signed with {AK_ENV}/{SK_ENV} (signature not shown)",
        method,
        redactor.redact(&sent_url)
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ExitError::Usage(anyhow!("failed to start the async runtime: {e}")))?;
    let answer = runtime.block_on(exchange(request, limits.max_body_bytes));
    let (status, response_headers, body) = answer.map_err(|e| {
        ExitError::TargetUnusable(anyhow!(
            "no answer from {}: {}",
            redactor.redact(&sent_url),
            redactor.redact(&e)
        ))
    })?;
    let mut out = format!("HTTP {status}\n");
    for (name, value) in response_headers {
        let value = if HIDDEN_HEADERS.iter().any(|h| name.eq_ignore_ascii_case(h)) {
            crate::secret::REDACTED.to_string()
        } else {
            redactor.redact(&value)
        };
        out.push_str(&format!("{name}: {value}\n"));
    }
    out.push('\n');
    out.push_str(&String::from_utf8_lossy(&redactor.redact_bytes(&body)));
    out.push('\n');
    use std::io::Write as _;
    // A closed pipe (`| head`) is the reader's choice, not an error.
    match std::io::stdout().write_all(out.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            return Err(ExitError::Usage(anyhow!("failed to write the answer: {e}")))
        }
        _ => {}
    }
    Ok(crate::exit::SUCCESS)
}

/// Sends `request` and reads the answer, its body bounded as in a run.
async fn exchange(
    request: reqwest::RequestBuilder,
    max_body: usize,
) -> Result<(u16, Vec<(String, String)>, Vec<u8>), String> {
    let mut response = request.send().await.map_err(|e| error_text(&e))?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| error_text(&e))? {
        if body.len() + chunk.len() > max_body {
            return Err(format!("the body is larger than {max_body} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((status, headers, body))
}

/// An error with its causes, in one line.
fn error_text(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use crate::cli::Cli;
    use clap::Parser;

    fn parse(args: &[&str]) -> super::SignArgs {
        let mut all = vec!["partner-conformance", "sign"];
        all.extend_from_slice(args);
        match Cli::try_parse_from(all).expect("parses").command {
            crate::cli::Command::Sign(args) => args,
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn flags_that_would_print_a_signature_are_refused() {
        for flag in ["--dry-run", "--print-signature", "-v", "--verbose"] {
            let args = parse(&["GET", "http://127.0.0.1:9/x", flag]);
            let error = super::run(args).unwrap_err().to_string();
            assert!(
                error.contains("never prints a signature"),
                "{flag}: {error}"
            );
        }
    }

    #[test]
    fn the_signature_headers_are_refused() {
        for header in [
            "Authorization: x",
            "X-Sdk-Date: 20260101T000000Z",
            "host: a",
        ] {
            let args = parse(&["GET", "http://127.0.0.1:9/x", "-H", header]);
            let error = super::run(args).unwrap_err().to_string();
            assert!(error.contains("the signature sets it"), "{header}: {error}");
        }
    }

    #[test]
    fn a_body_may_start_with_a_dash_and_data_is_an_alias() {
        let args = parse(&["POST", "http://127.0.0.1:9/x", "--data", "-1"]);
        assert_eq!(args.data.as_deref(), Some("-1"));
        let args = parse(&["POST", "http://127.0.0.1:9/x", "-d", "{}"]);
        assert_eq!(args.data.as_deref(), Some("{}"));
    }
}
