//! The accept loop: hyper's HTTP/1 server with the limits a public server needs, which
//! `axum::serve` does not expose.
//!
//! - a bound on open connections (a semaphore): past it, new connections wait in the kernel's
//!   backlog instead of costing memory and file descriptors;
//! - a bound per client address: past it, that client's new connections are closed at once,
//!   so one client cannot hold every slot (issue 11);
//! - a header read timeout: a client that dribbles its request head (slowloris) is cut off;
//! - a request timeout (in the router, `tower_http::timeout`), which bounds slow bodies too;
//! - graceful shutdown: on cancel, stop accepting, let requests in flight finish (bounded).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

/// Limits of the HTTP server, from `[server]`.
#[derive(Debug, Clone)]
pub struct ServerLimits {
    pub max_connections: usize,
    pub max_connections_per_client: usize,
    pub header_timeout: Duration,
}

/// How long shutdown waits for requests in flight.
const DRAIN: Duration = Duration::from_secs(5);

/// Serves `router` on `listener` until `shutdown` is cancelled.
pub async fn run(
    listener: TcpListener,
    router: Router,
    shutdown: CancellationToken,
    limits: ServerLimits,
) {
    let connections = Arc::new(Semaphore::new(limits.max_connections));
    let clients = Clients::default();
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    loop {
        let permit = tokio::select! {
            permit = connections.clone().acquire_owned() => permit.expect("never closed"),
            _ = shutdown.cancelled() => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, say: back off instead of spinning.
                    warn!("accepting a connection: {error}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = shutdown.cancelled() => break,
        };
        let Some(client) = clients.enter(peer.ip(), limits.max_connections_per_client) else {
            debug!(client = %peer.ip(), "closing a connection past the client's limit");
            continue;
        };
        let _ = stream.set_nodelay(true);
        // No upgrades: islands serves no WebSockets, and plain connections shut down gracefully.
        // Handlers that need the client's address (comments' rate limit) read it here.
        let service = TowerToHyperService::new(
            router
                .clone()
                .layer(axum::Extension(axum::extract::ConnectInfo(peer))),
        );
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                debug!("connection ended: {error}");
            }
            drop(client);
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        warn!("closing connections still busy after {DRAIN:?}");
    }
}

/// Open connections per client address.
#[derive(Clone, Default)]
struct Clients(Arc<Mutex<HashMap<IpAddr, usize>>>);

impl Clients {
    /// Counts a new connection of `ip`, unless it has `limit` open already.
    fn enter(&self, ip: IpAddr, limit: usize) -> Option<ClientConnection> {
        let mut open = self.0.lock().expect("never poisoned");
        let count = open.entry(ip).or_default();
        if *count >= limit {
            return None;
        }
        *count += 1;
        Some(ClientConnection {
            clients: self.clone(),
            ip,
        })
    }
}

/// One counted connection; uncounted when dropped, and the address forgotten at zero.
struct ClientConnection {
    clients: Clients,
    ip: IpAddr,
}

impl Drop for ClientConnection {
    fn drop(&mut self) {
        let mut open = self.clients.0.lock().expect("never poisoned");
        if let Some(count) = open.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}
