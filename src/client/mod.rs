//! Talking to a target: requests built from the contract, sent with bounded concurrency, time and
//! size; answers read whole or classified as transport problems; reproduce lines without secrets.
//! The main types are [`HttpClient`], [`PreparedRequest`] and [`Exchange`].

mod curl;
mod http;
mod proxy;
mod request;
mod request_log;
pub use request_log::SortedLines;
mod stop;
mod target;
mod tls;
mod transport;

pub use curl::{curl_line, shell_quote};
pub use http::{Exchange, HttpClient, Limits};
pub use proxy::single_request_client;
pub use request::{encode as encode_component, AuthMode, PreparedRequest, CLIENT_OWNED_HEADERS};
pub use stop::StopSwitch;
pub use target::{
    bss_auth_for, is_loopback, required_variables, Target, TargetCredentials, AK_ENV, SK_ENV,
};
pub use tls::{describe_certificate_problem, TlsError, TlsOptions};
pub use transport::{TransportError, TransportKind};
