//! The charter as Markdown (for export and for the readable difference between versions), and a small,
//! escaping Markdown-to-HTML renderer for the creative brief.
use super::validate::tier_range;
use super::*;

fn list(items: &[String]) -> String {
    let items: Vec<String> = items.iter().filter(|i| !i.trim().is_empty()).map(|i| format!("- {}", i.trim())).collect();
    if items.is_empty() {
        "_none yet_".into()
    } else {
        items.join("\n")
    }
}

fn or_dash(s: &str) -> &str {
    if s.trim().is_empty() {
        "—"
    } else {
        s.trim()
    }
}

fn num(v: f64) -> String {
    if v.fract() == 0.0 {
        crate::num::fixed(v, 0)
    } else {
        format!("{v}")
    }
}

/// One section's body as Markdown.
pub fn section(doc: &CharterDoc, s: Section, roster: &Roster) -> String {
    match s {
        Section::Audience => {
            let a = &doc.audience;
            format!(
                "- Segment: {}\n- Where: {}\n- Age band: {}\n- Interests: {}\n- Language: {}\n- Market: {}",
                or_dash(&a.segment),
                or_dash(&a.region),
                or_dash(&a.age_band),
                or_dash(&a.interests),
                or_dash(&a.language),
                or_dash(&a.market)
            )
        }
        Section::ValueProposition => list(&doc.value_proposition.propositions),
        Section::CreativeBrief => or_dash(&doc.creative_brief.markdown).to_string(),
        Section::Tiers => {
            let mut out = String::from("| Tier | Followers | Min. engagement rate | Basis |\n|---|---|---|---|");
            for t in &doc.tiers.tiers {
                out.push_str(&format!(
                    "\n| {} | {} | {} % | {} |",
                    t.name,
                    tier_range(t),
                    num(t.min_engagement_rate),
                    t.basis.formula()
                ));
            }
            out
        }
        Section::Pillars => {
            if doc.pillars.pillars.is_empty() {
                return "_none yet_".into();
            }
            doc.pillars
                .pillars
                .iter()
                .map(|p| {
                    format!(
                        "- **{}**: {}\n  - Do: {}\n  - Don't: {}",
                        p.name.trim(),
                        or_dash(&p.description),
                        or_dash(&p.dos),
                        or_dash(&p.donts)
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        }
        Section::Criteria => {
            let mut out = format!(
                "UGC assets:\n{}\n\nInfluencer posts:\n{}\n\nWhat we expect of creators: {}",
                list(&doc.criteria.ugc),
                list(&doc.criteria.influencer),
                or_dash(&doc.criteria.creator_expectations)
            );
            if doc.criteria.disclosure.iter().any(|l| !l.trim().is_empty()) {
                out.push_str(&format!("\n\nDisclosure wording in every caption:\n{}", list(&doc.criteria.disclosure)));
            }
            out
        }
        Section::Success => {
            if doc.success.targets.is_empty() {
                return "_none yet_".into();
            }
            doc.success
                .targets
                .iter()
                .map(|t| {
                    format!(
                        "- {}: {} {} {}",
                        t.lane.map(|l| l.label()).unwrap_or("Whole campaign"),
                        metric_label(&t.metric),
                        t.comparison.symbol(),
                        num(t.value)
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        }
        Section::Thresholds => {
            if doc.thresholds.thresholds.is_empty() {
                return "_none yet_".into();
            }
            doc.thresholds
                .thresholds
                .iter()
                .map(|t| {
                    let scope = match t.scope {
                        ScopeKind::Campaign => "whole campaign".to_string(),
                        ScopeKind::Lane => format!("lane {}", t.scope_value),
                        ScopeKind::Partner => format!("partner {}", roster.org_label(t.scope_value.parse().ok())),
                        ScopeKind::Tier => format!("tier {}", t.scope_value),
                    };
                    format!(
                        "- Daily {} {} {} ({scope}) → escalate to {}",
                        metric_label(&t.metric),
                        t.comparison.symbol(),
                        num(t.value),
                        roster.person_label(t.escalate_to)
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        }
        Section::Responsibilities => {
            if doc.responsibilities.items.is_empty() {
                return "_none yet_".into();
            }
            let mut out = String::from("| Partner | Responsibility | Accountable |\n|---|---|---|");
            for r in &doc.responsibilities.items {
                out.push_str(&format!(
                    "\n| {} | {} | {} |",
                    roster.org_label(Some(r.org_id)),
                    r.responsibility.trim(),
                    roster.person_label(r.accountable)
                ));
            }
            out
        }
        Section::Ownership => format!(
            "- Accountable owner: {}\n- Creators' point of contact: {}",
            roster.person_label(doc.ownership.accountable_owner),
            roster.person_label(doc.ownership.creator_contact)
        ),
        Section::Rotation => {
            if doc.rotation.slots.is_empty() {
                return "_none yet_".into();
            }
            doc.rotation
                .slots
                .iter()
                .map(|s| format!("- {}: {}", s.quarter, roster.org_label(s.lead_org_id)))
                .collect::<Vec<_>>()
                .join("\n")
        }
    }
}

/// The whole charter as a Markdown document.
pub fn document(doc: &CharterDoc, roster: &Roster, campaign: &str, version: Option<&CharterVersion>) -> String {
    let mut out = format!("# Joint strategy charter — {campaign}\n\n");
    match version {
        Some(v) => {
            out.push_str(&format!(
                "Version {} proposed by {} on {}.\n",
                v.number,
                v.proposed_by,
                v.proposed_at.format("%Y-%m-%d")
            ));
            if v.signatures.is_empty() {
                out.push_str("Not signed yet.\n");
            }
            for s in &v.signatures {
                out.push_str(&format!(
                    "Signed for {} by {} on {}.\n",
                    s.org.name,
                    s.user_name,
                    s.signed_at.format("%Y-%m-%d %H:%M UTC")
                ));
            }
        }
        None => out.push_str("Draft, not yet proposed for sign-off.\n"),
    }
    for s in Section::ALL {
        out.push_str(&format!("\n## {}\n\n{}\n", s.title(), section(doc, s, roster)));
    }
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn inline(s: &str) -> String {
    let s = escape(s);
    let mut out = String::new();
    let mut rest = s.as_str();
    let mut bold = false;
    while let Some(i) = rest.find("**") {
        out.push_str(&rest[..i]);
        out.push_str(if bold { "</strong>" } else { "<strong>" });
        bold = !bold;
        rest = &rest[i + 2..];
    }
    out.push_str(rest);
    if bold {
        out.push_str("</strong>");
    }
    out
}

/// Headings (#, ##, ###), bullet and numbered lists, bold, paragraphs. Everything else is text, escaped.
pub fn to_html(md: &str) -> String {
    let mut out = String::new();
    let mut list: Option<&str> = None;
    let mut para: Vec<String> = Vec::new();
    let mut table: Option<usize> = None;
    let flush_para = |out: &mut String, para: &mut Vec<String>| {
        if !para.is_empty() {
            out.push_str(&format!("<p>{}</p>", para.join(" ")));
            para.clear();
        }
    };
    for line in md.lines() {
        let t = line.trim();
        if t.starts_with('|') && t.ends_with('|') {
            flush_para(&mut out, &mut para);
            if let Some(l) = list.take() {
                out.push_str(&format!("</{l}>"));
            }
            let cells: Vec<&str> = t.trim_matches('|').split('|').map(str::trim).collect();
            if cells.iter().all(|c| !c.is_empty() && c.chars().all(|ch| ch == '-' || ch == ':')) {
                continue;
            }
            let tag = if table.is_none() { "th" } else { "td" };
            if table.is_none() {
                out.push_str("<table>");
            }
            table = Some(table.unwrap_or(0) + 1);
            out.push_str("<tr>");
            for c in cells {
                out.push_str(&format!("<{tag}>{}</{tag}>", inline(c)));
            }
            out.push_str("</tr>");
            continue;
        }
        if table.take().is_some() {
            out.push_str("</table>");
        }
        let bullet = t.strip_prefix("- ").or_else(|| t.strip_prefix("* "));
        let numbered =
            t.split_once(". ").filter(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit())).map(|(_, r)| r);
        let item = bullet.map(|b| ("ul", b)).or(numbered.map(|n| ("ol", n)));
        if let Some((kind, text)) = item {
            flush_para(&mut out, &mut para);
            if list != Some(kind) {
                if let Some(l) = list {
                    out.push_str(&format!("</{l}>"));
                }
                out.push_str(&format!("<{kind}>"));
                list = Some(kind);
            }
            out.push_str(&format!("<li>{}</li>", inline(text)));
            continue;
        }
        if let Some(l) = list.take() {
            out.push_str(&format!("</{l}>"));
        }
        if t.is_empty() {
            flush_para(&mut out, &mut para);
        } else if let Some(h) = t.strip_prefix("### ") {
            flush_para(&mut out, &mut para);
            out.push_str(&format!("<h5>{}</h5>", inline(h)));
        } else if let Some(h) = t.strip_prefix("## ") {
            flush_para(&mut out, &mut para);
            out.push_str(&format!("<h4>{}</h4>", inline(h)));
        } else if let Some(h) = t.strip_prefix("# ") {
            flush_para(&mut out, &mut para);
            out.push_str(&format!("<h3>{}</h3>", inline(h)));
        } else {
            para.push(inline(t));
        }
    }
    if let Some(l) = list {
        out.push_str(&format!("</{l}>"));
    }
    if table.is_some() {
        out.push_str("</table>");
    }
    flush_para(&mut out, &mut para);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_brief_renders_headings_lists_and_escapes_html() {
        let html = to_html("# Goal\nWarm **and** dry.\n\n- one\n- two <script>\n\n1. first\n2. second");
        assert_eq!(
            html,
            "<h3>Goal</h3><p>Warm <strong>and</strong> dry.</p><ul><li>one</li><li>two &lt;script&gt;</li></ul><ol><li>first</li><li>second</li></ol>"
        );
    }

    #[test]
    fn tables_render() {
        assert_eq!(
            to_html("| a | b |\n|---|---|\n| 1 | 2 |"),
            "<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>"
        );
    }

    #[test]
    fn the_export_has_every_section() {
        let md = document(&CharterDoc::new_draft(), &Roster::default(), "Spring", None);
        for s in Section::ALL {
            assert!(md.contains(&format!("## {}", s.title())), "{}", s.title());
        }
        assert!(md.contains("| micro | 10,000–50,000 | 2 % | (likes + comments + shares + saves) / followers |"));
    }
}
