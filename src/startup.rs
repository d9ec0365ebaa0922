//! Builds the app from Settings: database, migrations, secrets, mailer, worker, HTTP server.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use base64::Engine;
use rand::RngCore;
use tokio::sync::watch;

use crate::config::Settings;
use crate::db::{Backend, Db};
use crate::email::Mailer;
use crate::models::app_settings;
use crate::services::accounts;
use crate::services::placements::PlacementCounter;
use crate::state::AppState;

/// Connects, migrates and loads shared secrets; used by the server and the CLI.
pub fn prepare_state(settings: Settings) -> anyhow::Result<AppState> {
    let max = match Backend::of(settings.database_url.expose()) {
        Backend::Sqlite => 8,
        Backend::Postgres => 10,
    };
    let db = Db::connect(settings.database_url.expose(), max)?;
    db.migrate()?;
    crate::models::sponsors::fill_search_names(&mut *db.get()?)
        .context("cannot prepare the sponsors' search names")?;
    let csrf_key = {
        let mut conn = db.get()?;
        let mut fresh = [0u8; 32];
        rand::rng().fill_bytes(&mut fresh);
        let fresh = base64::engine::general_purpose::STANDARD.encode(fresh);
        let stored = app_settings::get_or_insert(&mut conn, "csrf_key", &fresh)
            .context("cannot load the CSRF key")?;
        base64::engine::general_purpose::STANDARD
            .decode(stored)
            .context("the stored CSRF key is damaged")?
    };
    let mailer = Mailer::from_settings(&settings)?;
    let public_cache = Arc::new(crate::public_cache::PublicCache::new(
        std::time::Duration::from_secs(settings.public_cache_secs),
    ));
    Ok(AppState {
        settings: Arc::new(settings),
        db,
        mailer,
        csrf_key: Arc::new(csrf_key),
        placements: Arc::new(PlacementCounter::new()),
        public_cache,
    })
}

/// A built, bound, not yet running application.
pub struct Application {
    port: u16,
    server: Server,
    pub state: AppState,
    /// The one-time first-run link, while no administrator exists.
    pub setup_url: Option<String>,
    shutdown: watch::Sender<bool>,
    worker: tokio::task::JoinHandle<()>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        // One process-wide TLS crypto provider for every rustls client (SMTP, Stripe). When
        // more than one provider is linked in, rustls refuses to guess; an earlier install
        // (a second app in the same process) is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let problems = settings.production_problems();
        if !problems.is_empty() {
            anyhow::bail!(
                "refusing to start in production mode:\n  - {}",
                problems.join("\n  - ")
            );
        }
        let state = tokio::task::spawn_blocking(move || prepare_state(settings))
            .await
            .context("start-up task failed")??;

        let setup_url = {
            let db = state.db.clone();
            let raw = db
                .run(accounts::prepare_setup)
                .await
                .map_err(|e| anyhow::anyhow!("cannot prepare first-run setup: {e}"))?;
            raw.map(|t| format!("{}/setup/{t}", state.settings.base_url))
        };

        let listener = TcpListener::bind((state.settings.host.as_str(), state.settings.port))
            .with_context(|| {
                format!(
                    "cannot listen on {}:{} (is another server running there?)",
                    state.settings.host, state.settings.port
                )
            })?;
        let port = listener.local_addr()?.port();

        let (shutdown, rx) = watch::channel(false);
        let worker = tokio::spawn(crate::worker::run(
            state.db.clone(),
            state.mailer.clone(),
            state.settings.clone(),
            state.placements.clone(),
            rx,
        ));

        let data = web::Data::new(state.clone());
        let workers = if state.settings.port == 0 {
            1
        } else {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        };
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .configure(crate::web::configure)
        })
        .workers(workers)
        .shutdown_timeout(20)
        .listen(listener)?
        .run();

        Ok(Application {
            port,
            server,
            state,
            setup_url,
            shutdown,
            worker,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle that stops the server as a shutdown signal would (used by tests).
    pub fn server_handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until a shutdown signal; then lets in-flight requests and the worker finish,
    /// and writes the placement counts still held in memory.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        // The server drains its requests on SIGTERM/SIGINT by itself; the mail worker is told
        // at the same moment, not after the requests are done, so the whole stop fits in the
        // server's 20 s.
        let tell_worker = self.shutdown.clone();
        let signals = tokio::spawn(async move {
            stop_signal().await;
            let _ = tell_worker.send(true);
        });
        let result = self.server.await;
        signals.abort();
        let _ = self.shutdown.send(true);
        let _ = self.worker.await;
        // No request can count anything now; a few tries ride out a briefly busy database.
        for attempt in 1..=3 {
            match crate::services::placements::flush(&self.state.placements, &self.state.db).await {
                Ok(_) => break,
                Err(e) if attempt == 3 => {
                    let lost = self.state.placements.pending().len();
                    tracing::error!(error = %format!("{e:#}"), rows = lost, "placement counts could not be saved at shutdown");
                }
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "placement flush at shutdown failed; retrying");
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                }
            }
        }
        result
    }
}

/// Resolves on the first SIGTERM or SIGINT (Ctrl-C).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
