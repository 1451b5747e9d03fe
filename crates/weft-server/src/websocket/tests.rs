use std::net::SocketAddr;

use proptest::prelude::*;

use super::auth::bearer;
use super::http::parse_head;
use super::*;

#[test]
fn listen_values_parse() {
    assert_eq!("stdio://".parse(), Ok(Listen::Stdio));
    assert_eq!("off".parse(), Ok(Listen::Off));
    assert_eq!("unix://".parse(), Ok(Listen::Unix(None)));
    let addr: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    assert_eq!("ws://127.0.0.1:0".parse(), Ok(Listen::Ws(addr)));
    let v6: SocketAddr = "[::1]:4500".parse().expect("addr");
    assert_eq!("ws://[::1]:4500".parse(), Ok(Listen::Ws(v6)));
}

#[test]
fn listen_errors_use_the_reference_texts() {
    let err = "http://x".parse::<Listen>().expect_err("unsupported");
    assert_eq!(
        err.to_string(),
        "unsupported --listen URL `http://x`; expected `stdio://`, `unix://`, `unix://PATH`, `ws://IP:PORT`, or `off`"
    );
    for bad in [
        "ws://localhost:80",
        "ws://127.0.0.1",
        "ws://",
        "ws://1.2.3.4:80/",
    ] {
        let err = bad.parse::<Listen>().expect_err("invalid");
        assert_eq!(
            err.to_string(),
            format!("invalid websocket --listen URL `{bad}`; expected `ws://IP:PORT`")
        );
    }
}

#[test]
fn token_digest_matches_only_its_token() {
    let digest = TokenDigest::of_token("s3cret");
    assert!(digest.matches("s3cret"));
    assert!(!digest.matches("s3cre"));
    assert!(!digest.matches(""));
    // sha256("abc")
    let hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    let parsed = TokenDigest::from_hex(hex).expect("hex");
    assert!(parsed.matches("abc"));
    assert_eq!(
        TokenDigest::from_hex(&hex.to_uppercase()).expect("hex"),
        parsed
    );
    assert!(TokenDigest::from_hex("abc").is_err());
    assert!(TokenDigest::from_hex(&"g".repeat(64)).is_err());
}

#[test]
fn token_file_must_be_absolute_and_non_empty() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("token");
    std::fs::write(&path, "tok\n").expect("write");
    assert!(
        TokenDigest::from_token_file(&path)
            .expect("read")
            .matches("tok")
    );
    assert!(matches!(
        TokenDigest::from_token_file(std::path::Path::new("token")),
        Err(AuthError::RelativeTokenFile(_))
    ));
    std::fs::write(&path, " \n").expect("write");
    assert!(matches!(
        TokenDigest::from_token_file(&path),
        Err(AuthError::EmptyToken(_))
    ));
}

#[test]
fn bearer_scheme_is_case_insensitive() {
    assert_eq!(bearer("Bearer abc"), Some("abc"));
    assert_eq!(bearer("bearer  abc "), Some("abc"));
    assert_eq!(bearer("Basic abc"), None);
    assert_eq!(bearer("Bearer"), None);
}

#[test]
fn heads_parse() {
    let head = parse_head(b"GET /readyz HTTP/1.1\r\nHost: x\r\nOrigin: http://evil").expect("head");
    assert_eq!(head.path, "/readyz");
    assert!(head.has_origin);
    assert!(!head.upgrade);
    let head = parse_head(b"GET / HTTP/1.1\r\nupgrade: WebSocket").expect("head");
    assert!(head.upgrade);
    assert!(parse_head(b"garbage").is_none());
}

#[tokio::test]
async fn non_loopback_bind_without_auth_is_refused() {
    let addr: SocketAddr = "0.0.0.0:0".parse().expect("addr");
    let err = WsListener::bind(addr, WsAuth::Open)
        .await
        .err()
        .expect("refused");
    assert!(matches!(err, WsError::Unauthenticated(_)), "{err}");
    let mapped: SocketAddr = "[::ffff:127.0.0.1]:0".parse().expect("addr");
    assert!(mapped.ip().to_canonical().is_loopback());
}

proptest! {
    #[test]
    fn listen_parse_never_panics(url in ".{0,40}") {
        let _ = url.parse::<Listen>();
    }

    #[test]
    fn head_parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = parse_head(&bytes);
    }
}
