//! A stand-in for a remote origin, for remote-URL uploads: serves one file
//! at `/file` and redirects `/redirect?to=<url>` on a random loopback port.

use std::net::TcpListener;

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpResponse, HttpServer};

pub struct FixtureServer {
    pub base_url: String,
    handle: ServerHandle,
}

impl FixtureServer {
    pub fn start(file: Vec<u8>) -> FixtureServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding a random port");
        let port = listener.local_addr().expect("bound address").port();
        let file = web::Data::new(file);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(file.clone())
                .route(
                    "/file",
                    web::get().to(|file: web::Data<Vec<u8>>| async move {
                        HttpResponse::Ok()
                            .content_type("application/octet-stream")
                            .body(file.get_ref().clone())
                    }),
                )
                .route(
                    "/redirect",
                    web::get().to(|query: web::Query<Redirect>| async move {
                        HttpResponse::Found()
                            .insert_header(("Location", query.to.clone()))
                            .finish()
                    }),
                )
        })
        .workers(1)
        .listen(listener)
        .expect("listening")
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        FixtureServer {
            base_url: format!("http://127.0.0.1:{port}"),
            handle,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

#[derive(serde::Deserialize)]
struct Redirect {
    to: String,
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { handle.stop(false).await });
        }
    }
}
