//! Transport faults: a server that misbehaves below the level of documented answers (resets,
//! stalls, truncated or endless bodies, bytes that are not HTTP, HTML where JSON is documented).
//! `serve --fault NAME` and `run --mock-fault NAME` use it to show that faults are classified as
//! transport problems, apart from drift, in bounded time and memory.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One named fault of the catalogue.
#[derive(Debug)]
pub struct FaultInfo {
    /// The fault.
    pub fault: Fault,
    /// Its name on the command line.
    pub name: &'static str,
    /// How the suite classifies it (`connect`, `timeout`, `protocol`, `not_json`,
    /// `body_too_large`).
    pub kind: &'static str,
    /// What the server does.
    pub description: &'static str,
}

macro_rules! faults {
    ($($variant:ident => $name:literal, $kind:literal, $description:literal;)*) => {
        /// The transport faults a fault server can make.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Fault {
            $(
                #[doc = $description]
                $variant,
            )*
        }

        /// The catalogue, in `list faults` order.
        pub static FAULTS: &[FaultInfo] = &[
            $(FaultInfo { fault: Fault::$variant, name: $name, kind: $kind, description: $description },)*
        ];
    };
}

faults! {
    Reset => "reset", "protocol", "reads the request, then resets the connection (RST)";
    Close => "close", "protocol", "closes the connection without answering";
    Stall => "stall", "timeout", "reads the request and never answers";
    SlowBody => "slow-body", "timeout", "sends the head, then one body byte a second";
    Truncate => "truncate", "protocol", "announces 1000 bytes of JSON and sends 20";
    Garbage => "garbage", "protocol", "answers with bytes that are not HTTP";
    Html => "html", "not_json", "answers 200 with an HTML page where JSON is documented";
    EmptyBody => "empty-body", "not_json", "answers 200 with an empty body";
    EndlessBody => "endless-body", "body_too_large", "streams a JSON body that never ends";
    DeepJson => "deep-json", "not_json", "answers with JSON nested 200,000 levels deep";
    GzipBomb => "gzip-bomb", "not_json", "answers with a gzip bomb labelled Content-Encoding: gzip";
    HeaderFlood => "header-flood", "protocol", "answers with 10,000 headers";
    RedirectLoop => "redirect-loop", "not_json", "answers every request with a redirect to itself";
}

impl Fault {
    /// The catalogue entry.
    pub fn info(self) -> &'static FaultInfo {
        FAULTS
            .iter()
            .find(|f| f.fault == self)
            .unwrap_or_else(|| unreachable!("every Fault is in FAULTS"))
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.info().name)
    }
}

impl FromStr for Fault {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FAULTS
            .iter()
            .find(|f| f.name == s)
            .map(|f| f.fault)
            .ok_or_else(|| format!("unknown fault `{s}` (see `partner-conformance list faults`)"))
    }
}

/// Longest a faulty connection is kept before the server lets it go (stalls end here).
const HOLD: Duration = Duration::from_secs(120);

/// Serves `fault` on every connection of `listener` until `shutdown` resolves.
pub async fn serve_fault(
    listener: TcpListener,
    fault: Fault,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    tokio::spawn(async move {
                        let _ = tokio::time::timeout(HOLD, misbehave(stream, fault)).await;
                    });
                }
            }
        }
    }
}

/// Reads the request head (up to 64 KiB), so the client is not reset before it finished sending.
async fn read_head(stream: &mut TcpStream) -> std::io::Result<()> {
    let mut buffer = vec![0u8; 65536];
    let mut filled = 0;
    while filled < buffer.len() {
        let n = stream.read(&mut buffer[filled..]).await?;
        if n == 0 {
            break;
        }
        filled += n;
        if buffer[..filled].windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    Ok(())
}

fn head(status: &str, headers: &[(&str, String)]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    out.into_bytes()
}

async fn misbehave(mut stream: TcpStream, fault: Fault) -> std::io::Result<()> {
    read_head(&mut stream).await?;
    let json = ("Content-Type", "application/json;charset=UTF-8".to_string());
    match fault {
        Fault::Reset => {
            #[expect(
                deprecated,
                reason = "a zero linger sends RST on drop without blocking"
            )]
            stream.set_linger(Some(Duration::ZERO))?;
            drop(stream);
        }
        Fault::Close => drop(stream),
        Fault::Stall => {
            tokio::time::sleep(HOLD).await;
        }
        Fault::SlowBody => {
            stream
                .write_all(&head("200 OK", &[json, ("Content-Length", "64".into())]))
                .await?;
            for _ in 0..64 {
                stream.write_all(b" ").await?;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
        Fault::Truncate => {
            stream
                .write_all(&head("200 OK", &[json, ("Content-Length", "1000".into())]))
                .await?;
            stream.write_all(br#"{"count": 240, "cus"#).await?;
        }
        Fault::Garbage => {
            stream
                .write_all(b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03 not http at all\r\n\r\n")
                .await?;
        }
        Fault::Html => {
            let body = "<html><body><h1>502 Bad Gateway</h1></body></html>";
            let headers = [
                ("Content-Type", "text/html".to_string()),
                ("Content-Length", body.len().to_string()),
            ];
            stream.write_all(&head("200 OK", &headers)).await?;
            stream.write_all(body.as_bytes()).await?;
        }
        Fault::EmptyBody => {
            stream
                .write_all(&head("200 OK", &[json, ("Content-Length", "0".into())]))
                .await?;
        }
        Fault::EndlessBody => {
            stream
                .write_all(&head(
                    "200 OK",
                    &[json, ("Transfer-Encoding", "chunked".into())],
                ))
                .await?;
            stream.write_all(b"1\r\n[\r\n").await?;
            let chunk = format!("{:x}\r\n{}\r\n", 8192, "0,".repeat(4096));
            loop {
                stream.write_all(chunk.as_bytes()).await?;
            }
        }
        Fault::DeepJson => {
            let depth = 200_000;
            let body = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            stream
                .write_all(&head(
                    "200 OK",
                    &[json, ("Content-Length", body.len().to_string())],
                ))
                .await?;
            stream.write_all(body.as_bytes()).await?;
        }
        Fault::GzipBomb => {
            // Gzip header, then a deflate stream of zeros; the client never inflates it.
            let mut body = vec![0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff];
            body.extend(std::iter::repeat_n(0u8, 4096));
            let headers = [
                json,
                ("Content-Encoding", "gzip".to_string()),
                ("Content-Length", body.len().to_string()),
            ];
            stream.write_all(&head("200 OK", &headers)).await?;
            stream.write_all(&body).await?;
        }
        Fault::HeaderFlood => {
            let mut out = b"HTTP/1.1 200 OK\r\n".to_vec();
            for i in 0..10_000 {
                out.extend_from_slice(format!("X-Flood-{i}: {i}\r\n").as_bytes());
            }
            out.extend_from_slice(b"Content-Length: 2\r\n\r\n{}");
            stream.write_all(&out).await?;
        }
        Fault::RedirectLoop => {
            let headers = [
                ("Location", "/".to_string()),
                ("Content-Length", "0".to_string()),
            ];
            stream.write_all(&head("302 Found", &headers)).await?;
        }
    }
    Ok(())
}
