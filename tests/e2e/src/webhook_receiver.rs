//! A stand-in for an application's notification endpoint: records every
//! POST (body and the `X-Cld-*` headers) on a random loopback port, and
//! answers 500 to the first `fail_first` of them, as a flaky receiver would.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::Value;

/// One POST the receiver got.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub body: String,
    pub timestamp: Option<String>,
    pub signature: Option<String>,
    /// When it arrived, for the spacing of retries.
    pub at: Instant,
    /// Whether the receiver accepted it (2xx) or failed it on purpose.
    pub accepted: bool,
}

impl Delivery {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON notification body")
    }
}

#[derive(Default)]
struct Log {
    deliveries: Vec<Delivery>,
    failures_left: usize,
}

pub struct WebhookReceiver {
    pub url: String,
    log: Arc<Mutex<Log>>,
    handle: ServerHandle,
}

impl WebhookReceiver {
    pub fn start(fail_first: usize) -> WebhookReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding a random port");
        let port = listener.local_addr().expect("bound address").port();
        let log = Arc::new(Mutex::new(Log {
            deliveries: Vec::new(),
            failures_left: fail_first,
        }));
        let shared = web::Data::from(log.clone());
        let server = HttpServer::new(move || {
            App::new().app_data(shared.clone()).route(
                "/hook",
                web::post().to(
                    |request: HttpRequest, body: web::Bytes, log: web::Data<Mutex<Log>>| async move {
                        let header = |name: &str| {
                            request
                                .headers()
                                .get(name)
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_owned)
                        };
                        let mut log = log.lock().expect("log lock");
                        let accepted = log.failures_left == 0;
                        log.failures_left = log.failures_left.saturating_sub(1);
                        log.deliveries.push(Delivery {
                            body: String::from_utf8_lossy(&body).into_owned(),
                            timestamp: header("x-cld-timestamp"),
                            signature: header("x-cld-signature"),
                            at: Instant::now(),
                            accepted,
                        });
                        if accepted {
                            HttpResponse::Ok().finish()
                        } else {
                            HttpResponse::InternalServerError().finish()
                        }
                    },
                ),
            )
        })
        .workers(1)
        .listen(listener)
        .expect("listening")
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        WebhookReceiver {
            url: format!("http://127.0.0.1:{port}/hook"),
            log,
            handle,
        }
    }

    /// Every delivery so far, in arrival order.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.log.lock().expect("log lock").deliveries.clone()
    }

    /// The accepted deliveries once there are `count` of them; panics after `timeout`.
    pub async fn wait_for_accepted(&self, count: usize, timeout: Duration) -> Vec<Delivery> {
        let deadline = Instant::now() + timeout;
        loop {
            let accepted: Vec<Delivery> = self
                .deliveries()
                .into_iter()
                .filter(|d| d.accepted)
                .collect();
            if accepted.len() >= count {
                return accepted;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {count} notifications after {timeout:?}: {:?}",
                accepted.len(),
                self.deliveries()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { handle.stop(false).await });
        }
    }
}

/// A notification endpoint that accepts connections and never answers, as a
/// hung receiver does: it counts the connections made to it and the ones
/// the sender gave up on (closed).
pub struct SilentReceiver {
    pub url: String,
    counts: Arc<Mutex<(usize, usize)>>,
    accept_loop: tokio::task::JoinHandle<()>,
}

impl SilentReceiver {
    pub async fn start() -> SilentReceiver {
        use tokio::io::AsyncReadExt;

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding a random port");
        let port = listener.local_addr().expect("bound address").port();
        let counts = Arc::new(Mutex::new((0, 0)));
        let shared = counts.clone();
        let accept_loop = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                shared.lock().expect("counts lock").0 += 1;
                let shared = shared.clone();
                tokio::spawn(async move {
                    // Read the request and whatever follows, never answer;
                    // the read ends when the sender closes the connection.
                    let mut buffer = [0u8; 4096];
                    while matches!(stream.read(&mut buffer).await, Ok(n) if n > 0) {}
                    shared.lock().expect("counts lock").1 += 1;
                });
            }
        });
        SilentReceiver {
            url: format!("http://127.0.0.1:{port}/hook"),
            counts,
            accept_loop,
        }
    }

    /// Connections made to it so far.
    pub fn connections(&self) -> usize {
        self.counts.lock().expect("counts lock").0
    }

    /// Connections the sender closed (gave up waiting) so far.
    pub fn abandoned(&self) -> usize {
        self.counts.lock().expect("counts lock").1
    }
}

impl Drop for SilentReceiver {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}
