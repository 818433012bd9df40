//! `chorus`: run the server.
use clap::Parser;
use tracing_subscriber::EnvFilter;

use chorus_server::Config;

#[tokio::main]
async fn main() {
    let config = Config::parse();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    if config.log_format == "json" {
        tracing_subscriber::fmt().json().with_env_filter(filter).init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }

    // Only the binary moves the clock: the library's servers share a process with the tests that start them.
    app::db::set_clock_offset_ms(config.test_clock_offset_ms);
    let mut running = match chorus_server::start(config.clone()).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("chorus: {e:#}");
            std::process::exit(1);
        }
    };
    tracing::info!(addr = %running.addr, database = %redact(&config.database_url()), "Chorus is listening");
    println!("\nChorus is running at http://{}", running.addr);
    if config.demo {
        println!("Demo sign-ins (password: {}):", app::demo::DEMO_PASSWORD);
        for (email, who) in app::demo::DEMO_USERS {
            println!("  {email:<28} {who}");
        }
    }
    println!();

    tokio::select! {
        _ = shutdown_signal() => {
            tracing::info!("shutting down: finishing in-flight requests");
            running.stop().await;
        }
        _ = running.wait() => {}
    }
}

/// Database URLs may carry a password; logs must not.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://…@{}", &url[..s], &url[at + 1..]),
        _ => url.to_string(),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
