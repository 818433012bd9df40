//! Mail in the product's look: a plain-text part and an HTML part from one description, with the button to where
//! the person acts and, for notifications, the link to stop this kind of mail. Links are written with
//! `{{base}}` (`outbox::ssr::BASE`) in front; the sender puts the public address there.

/// One part of a letter.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Para(String),
    Heading(String),
    /// Items of a list: title, detail, link.
    Items(Vec<(String, String, String)>),
}

/// A mail's content.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Letter {
    /// "Hello Jordan,"
    pub greeting: String,
    pub blocks: Vec<Block>,
    /// The button: its label and link.
    pub action: Option<(String, String)>,
    /// Why the person gets this mail.
    pub footer: String,
    /// The one-click unsubscribe link, for this kind of mail.
    pub unsubscribe: Option<String>,
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

impl Letter {
    pub fn text(&self) -> String {
        let mut t = format!("{}\n\n", self.greeting);
        for b in &self.blocks {
            match b {
                Block::Para(p) => t.push_str(&format!("{p}\n\n")),
                Block::Heading(h) => t.push_str(&format!("{h}\n{}\n\n", "-".repeat(h.chars().count().min(60)))),
                Block::Items(items) => {
                    for (title, detail, href) in items {
                        t.push_str(&format!("* {title}\n"));
                        if !detail.is_empty() {
                            t.push_str(&format!("  {detail}\n"));
                        }
                        t.push_str(&format!("  {href}\n"));
                    }
                    t.push('\n');
                }
            }
        }
        if let Some((label, href)) = &self.action {
            t.push_str(&format!("{label}: {href}\n\n"));
        }
        t.push_str("— Chorus\n");
        if !self.footer.is_empty() {
            t.push_str(&format!("\n{}\n", self.footer));
        }
        if let Some(u) = &self.unsubscribe {
            t.push_str(&format!("Stop these mails: {u}\n"));
        }
        t
    }

    pub fn html(&self) -> String {
        let mut body = String::new();
        for b in &self.blocks {
            match b {
                Block::Para(p) => body.push_str(&format!(
                    "<p style=\"margin:0 0 16px;line-height:1.5;white-space:pre-line\">{}</p>",
                    escape(p)
                )),
                Block::Heading(h) => body.push_str(&format!(
                    "<h2 style=\"margin:24px 0 8px;font-size:16px;color:#0f172a\">{}</h2>",
                    escape(h)
                )),
                Block::Items(items) => {
                    body.push_str("<ul style=\"margin:0 0 16px;padding:0;list-style:none\">");
                    for (title, detail, href) in items {
                        body.push_str(&format!(
                            "<li style=\"margin:0 0 8px;padding:10px 12px;border:1px solid #e2e8f0;border-radius:6px\">\
                             <a href=\"{}\" style=\"color:#2563eb;font-weight:600;text-decoration:none\">{}</a>\
                             <div style=\"color:#475569;font-size:14px\">{}</div></li>",
                            escape(href),
                            escape(title),
                            escape(detail)
                        ));
                    }
                    body.push_str("</ul>");
                }
            }
        }
        if let Some((label, href)) = &self.action {
            body.push_str(&format!(
                "<p style=\"margin:24px 0\"><a href=\"{}\" style=\"display:inline-block;background:#2563eb;color:#ffffff;\
                 padding:10px 18px;border-radius:8px;text-decoration:none;font-weight:600\">{}</a></p>",
                escape(href),
                escape(label)
            ));
        }
        let mut footer = escape(&self.footer);
        if let Some(u) = &self.unsubscribe {
            footer.push_str(&format!(" <a href=\"{}\" style=\"color:#556377\">Stop these mails</a>", escape(u)));
        }
        format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"></head>\
             <body style=\"margin:0;background:#f8fafc;font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#0f172a\">\
             <div style=\"max-width:560px;margin:0 auto;padding:24px 16px\">\
             <div style=\"font-weight:700;font-size:18px;color:#2563eb;margin-bottom:16px\">Chorus</div>\
             <div style=\"background:#ffffff;border:1px solid #e2e8f0;border-radius:8px;padding:24px\">\
             <p style=\"margin:0 0 16px\">{}</p>{body}</div>\
             <p style=\"color:#556377;font-size:12px;margin:16px 0 0\">{footer}</p></div></body></html>",
            escape(&self.greeting)
        )
    }
}

/// A simple letter: paragraphs, an optional button, an optional unsubscribe link.
pub fn html_page(
    name: &str,
    paragraphs: &[String],
    action: Option<(String, String)>,
    unsubscribe: Option<String>,
) -> String {
    Letter {
        greeting: format!("Hello {name},"),
        blocks: paragraphs.iter().map(|p| Block::Para(p.clone())).collect(),
        action,
        footer: String::new(),
        unsubscribe,
    }
    .html()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_parts_say_the_same_and_html_is_escaped() {
        let l = Letter {
            greeting: "Hello Zoë,".into(),
            blocks: vec![Block::Para("Review <b>now</b>".into())],
            action: Some(("Review it".into(), "{{base}}/campaigns/1/content".into())),
            footer: "You get this because you review.".into(),
            unsubscribe: Some("{{base}}/unsubscribe/x".into()),
        };
        let (t, h) = (l.text(), l.html());
        assert!(t.contains("Review it: {{base}}/campaigns/1/content"));
        assert!(t.contains("Stop these mails: {{base}}/unsubscribe/x"));
        assert!(h.contains("Review &lt;b&gt;now&lt;/b&gt;"));
        assert!(h.contains("href=\"{{base}}/campaigns/1/content\""));
    }
}
