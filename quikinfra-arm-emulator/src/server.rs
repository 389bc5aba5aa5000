//! The HTTP side: accepts connections with hyper (HTTP/1.1), turns each request into an
//! [`arm::Req`](crate::arm::Req) for the store, and writes its answer back. Knows nothing of ARM.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;

use crate::arm::{Req, Resp, Store};

/// Serves until `shutdown` fires (or its sender is dropped).
pub(crate) async fn serve(
    listener: std::net::TcpListener,
    store: Arc<Mutex<Store>>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("arm emulator: {e}");
            return;
        }
    };
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut shutdown => return,
        };
        let Ok((stream, _)) = accepted else { continue };
        let store = store.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| handle(store.clone(), req));
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

async fn handle(store: Arc<Mutex<Store>>, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let method = req.method().as_str().to_string();
    // Names may hold spaces (Traffic Manager endpoints: `My external endpoint`), sent encoded.
    let path = percent_decode(req.uri().path(), false);
    let query = parse_query(req.uri().query().unwrap_or(""));
    let headers: BTreeMap<String, String> = req
        .headers()
        .iter()
        .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str().to_ascii_lowercase(), v.to_string())))
        .collect();
    let bytes = match req.into_body().collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let answer = {
        let mut store = store.lock().unwrap_or_else(|e| e.into_inner());
        match parse_body(&bytes) {
            Ok(body) => store.handle(Req { method, path, query, headers, body }),
            Err(message) => Resp::error(400, "InvalidRequestContent", &message, None),
        }
    };
    Ok(respond(answer))
}

fn parse_body(bytes: &[u8]) -> Result<Option<serde_json::Value>, String> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(bytes)
        .map(Some)
        .map_err(|e| format!("The request content was invalid and could not be deserialized: {e}"))
}

fn respond(answer: Resp) -> Response<Full<Bytes>> {
    let mut builder = Response::builder().status(answer.status);
    for (name, value) in &answer.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let body = match &answer.body {
        Some(json) => {
            builder = builder.header("content-type", "application/json; charset=utf-8");
            Bytes::from(serde_json::to_vec(json).unwrap_or_default())
        }
        None => Bytes::new(),
    };
    builder.body(Full::new(body)).unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

/// Decodes `a=b&c=d` (percent-decoding values), last one wins.
fn parse_query(query: &str) -> BTreeMap<String, String> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

/// Decodes `%XX` escapes, and `+` as a space when `plus_is_space` (queries, not paths).
fn percent_decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push(hi * 16 + lo);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_decode() {
        let q = parse_query("api-version=2024-01-01&x=a%20b&flag");
        assert_eq!(q["api-version"], "2024-01-01");
        assert_eq!(q["x"], "a b");
        assert_eq!(q["flag"], "");
        assert_eq!(percent_decode("100%", true), "100%");
        assert_eq!(
            percent_decode("/externalEndpoints/My%20external+endpoint", false),
            "/externalEndpoints/My external+endpoint"
        );
    }
}
