//! Hardening of the HTTP server against slow and greedy clients.
//!
//! What these tests check:
//! - slowloris: clients that open connections and dribble their request heads are cut off after
//!   `[server] header_timeout`, and even with more of them than `max_connections`, an honest
//!   request is answered once they are;
//! - a request body that never finishes is answered 408 after `request_timeout`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::support::{Behaviour, Daemon, Upstream, config, edit_config, get};

async fn daemon(server: &str) -> Daemon {
    let upstream = Upstream::start().await;
    upstream.set("/ie.xml", Behaviour::fixture("feeds/ireland-rte.xml"));
    let text = config(&upstream, &[("ireland", &[("RTÉ News", "/ie.xml")])]);
    Daemon::start(&edit_config(
        &text,
        "[server]\n",
        &format!("[server]\n{server}\n"),
    ))
}

fn address(daemon: &Daemon) -> String {
    daemon
        .url("/")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_request_heads_are_cut_off_and_honest_clients_still_get_answers() {
    let daemon = daemon("max_connections = 8\nheader_timeout = \"1s\"").await;
    let address = address(&daemon);
    // Twice the connection limit, each sending half a request head and then nothing.
    let slow: Vec<TcpStream> = (0..16)
        .map(|_| {
            let mut stream = TcpStream::connect(&address).unwrap();
            stream
                .write_all(b"GET /feeds/all.atom HTTP/1.1\r\nHost: x\r\n")
                .unwrap();
            stream
        })
        .collect();

    let started = Instant::now();
    let response = tokio::time::timeout(Duration::from_secs(15), get(&daemon.url("/healthz")))
        .await
        .expect("an honest request is answered while slow clients hold connections");
    assert_eq!(response.status(), 200);
    // It had to wait for the slow ones to be cut off, but not much longer.
    assert!(started.elapsed() < Duration::from_secs(10));

    let slow = tokio::task::spawn_blocking(move || {
        slow.into_iter()
            .map(|mut stream| {
                stream
                    .set_read_timeout(Some(Duration::from_secs(10)))
                    .unwrap();
                let mut buffer = [0u8; 1024];
                // hyper answers 408 or just closes; either way the connection ends.
                let mut total = Vec::new();
                loop {
                    match stream.read(&mut buffer) {
                        Ok(0) => return Ok(total),
                        Ok(read) => total.extend_from_slice(&buffer[..read]),
                        Err(error) => return Err(error),
                    }
                }
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    for result in slow {
        let answer = result.expect("the slow connection is closed, not left open");
        let text = String::from_utf8_lossy(&answer);
        assert!(
            text.is_empty() || text.starts_with("HTTP/1.1 408"),
            "{text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_never_ends_is_answered_408() {
    let daemon = daemon("request_timeout = \"1s\"").await;
    let address = address(&daemon);
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(&address).unwrap();
        stream
            .write_all(
                b"POST /micropub HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"type\":",
            )
            .unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut answer = vec![0u8; 256];
        let read = stream.read(&mut answer).unwrap_or(0);
        String::from_utf8_lossy(&answer[..read]).to_string()
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
}
