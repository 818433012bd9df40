//! Mail delivery: the outbox is sent over SMTP when a server is configured (plain SMTP, as to a local relay);
//! otherwise it stays in the outbox, readable in the app and already written to the log when queued.
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use app::db::Db;

/// Mails claimed at once: each may take up to 30 s to the SMTP server, well within the default lease of 180 s.
const CLAIM: i64 = 5;

pub struct Mailer {
    /// host:port
    server: Option<String>,
    from: String,
    /// How long a process holds the mails it is sending before another may take them (it died, or hangs).
    pub lease: Duration,
}

impl Mailer {
    pub fn new(smtp_url: Option<String>, from: String) -> Mailer {
        let server = smtp_url.map(|u| {
            let hostport = u.trim_start_matches("smtp://").trim_end_matches('/').to_string();
            if hostport.contains(':') {
                hostport
            } else {
                format!("{hostport}:25")
            }
        });
        Mailer { server, from, lease: Duration::from_secs(180) }
    }

    /// Sends what is waiting in the outbox (each mail is tried up to five times).
    pub async fn deliver(&self, db: &Db) {
        let Some(server) = &self.server else { return };
        let waiting = match app::outbox::ssr::claim_mail(db, CLAIM, self.lease).await {
            Ok(w) => w,
            Err(e) => return tracing::warn!(error = %e, "cannot read the outbox"),
        };
        for app::outbox::ssr::UnsentMail { id, to_email: to, to_name: name, subject, body } in waiting {
            let sent =
                tokio::time::timeout(Duration::from_secs(30), send(server, &self.from, &to, &name, &subject, &body))
                    .await;
            let error = match sent {
                Ok(Ok(())) => None,
                Ok(Err(e)) => Some(e),
                Err(_) => Some("the SMTP server did not answer in 30 s".to_string()),
            };
            match &error {
                None => tracing::info!(to, subject, "mail sent"),
                Some(e) => tracing::warn!(to, subject, error = %e, "mail not sent"),
            }
            if let Err(e) = app::outbox::ssr::mark_mail(db, id, error.as_deref()).await {
                tracing::warn!(error = %e, "cannot update the outbox");
            }
        }
    }
}

/// One SMTP conversation: EHLO, MAIL FROM, RCPT TO, DATA (dot-stuffed), QUIT.
pub async fn send(server: &str, from: &str, to: &str, name: &str, subject: &str, body: &str) -> Result<(), String> {
    let stream = TcpStream::connect(server).await.map_err(|e| format!("cannot reach {server}: {e}"))?;
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    expect(&mut read, 220).await?;
    let steps: [(String, u16); 4] = [
        ("EHLO chorus".into(), 250),
        (format!("MAIL FROM:<{}>", clean(from)), 250),
        (format!("RCPT TO:<{}>", clean(to)), 250),
        ("DATA".into(), 354),
    ];
    for (line, code) in steps {
        write.write_all(format!("{line}\r\n").as_bytes()).await.map_err(|e| e.to_string())?;
        expect(&mut read, code).await?;
    }
    let date = chrono::Utc::now().to_rfc2822();
    let mut message = format!(
        "From: Chorus <{}>\r\nTo: {} <{}>\r\nSubject: {}\r\nDate: {date}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
        clean(from),
        clean(name),
        clean(to),
        clean(subject)
    );
    for line in body.replace("\r\n", "\n").split('\n') {
        // Dot-stuffing: a line starting with "." gets another.
        if line.starts_with('.') {
            message.push('.');
        }
        message.push_str(line);
        message.push_str("\r\n");
    }
    message.push_str(".\r\n");
    write.write_all(message.as_bytes()).await.map_err(|e| e.to_string())?;
    expect(&mut read, 250).await?;
    let _ = write.write_all(b"QUIT\r\n").await;
    Ok(())
}

/// No header injection: line breaks become spaces.
fn clean(s: &str) -> String {
    s.replace(['\r', '\n'], " ")
}

/// Reads one (possibly multi-line) reply and checks its code.
async fn expect(read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>, code: u16) -> Result<(), String> {
    loop {
        let mut line = String::new();
        let n = read.read_line(&mut line).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("the SMTP server closed the connection".into());
        }
        let got: u16 =
            line.get(..3).and_then(|c| c.parse().ok()).ok_or_else(|| format!("unreadable SMTP reply: {line:?}"))?;
        // "250-..." continues; "250 ..." ends the reply.
        if line[3..].starts_with('-') {
            continue;
        }
        return if got == code || (code == 250 && got == 251) {
            Ok(())
        } else {
            Err(format!("SMTP: expected {code}, got {}", line.trim_end()))
        };
    }
}
