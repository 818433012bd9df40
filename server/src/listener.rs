//! PostgreSQL fan-out: every `chorus` process listens for the events other processes commit.
//!
//! A notification only says "campaign C has event N"; the event itself is read from the log, so a dropped
//! listener connection loses nothing: after reconnecting, every watched campaign is caught up from the log.
use std::time::Duration;

use sqlx::postgres::PgListener;

use app::realtime::hub::Hub;
use app::realtime::log::NOTIFY_CHANNEL;

pub fn spawn(database_url: String, hub: Hub) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut backoff = Duration::from_millis(200);
        loop {
            match listen(&database_url, &hub).await {
                Ok(()) => backoff = Duration::from_millis(200),
                Err(e) => {
                    tracing::warn!(error = %e, "event listener lost its connection; reconnecting");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(10));
                }
            }
        }
    })
}

async fn listen(database_url: &str, hub: &Hub) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect(database_url).await?;
    listener.listen(NOTIFY_CHANNEL).await?;
    // Anything committed while we were not listening is in the log.
    hub.catch_up_all().await;
    tracing::info!("listening for events from other processes");
    loop {
        match listener.try_recv().await? {
            Some(n) => {
                if let Some((campaign, seq)) = n.payload().split_once(':') {
                    if let (Ok(campaign), Ok(seq)) = (campaign.parse(), seq.parse()) {
                        hub.notify(campaign, seq).await;
                    }
                }
            }
            None => {
                // The connection dropped; `try_recv` reconnects on the next call. Catch up then.
                tracing::warn!("event listener reconnected; catching up from the log");
                listener.listen(NOTIFY_CHANNEL).await.ok();
                hub.catch_up_all().await;
            }
        }
    }
}
