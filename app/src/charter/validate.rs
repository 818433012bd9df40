//! Charter rules: what a section may never hold (refused when saving, with the field named) and what a
//! complete charter needs (the launch checklist).
use super::*;
use crate::error::AppError;

fn err(section: Section, field: String, message: String) -> AppError {
    AppError::validation(&format!("{}.{field}", section.key()), message)
}

fn fmt_n(n: i64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn tier_range(t: &Tier) -> String {
    match t.max_followers {
        Some(max) => format!("{}–{}", fmt_n(t.min_followers), fmt_n(max)),
        None => format!("{}+", fmt_n(t.min_followers)),
    }
}

fn known_metric(m: &str) -> bool {
    METRICS.iter().any(|(k, _, _)| *k == m)
}

/// Keys of a section's JSON whose texts are names or labels (a line), not prose.
const SHORT_KEYS: [&str; 10] =
    ["name", "quarter", "scope_value", "metric", "segment", "region", "age_band", "language", "market", "disclosure"];

/// The sizes of a section: each name at most `limits::NAME` characters, each text at most `limits::BRIEF`, each list
/// at most `limits::LIST_ITEMS` items, and all its texts together at most `limits::BRIEF`. The error names the field,
/// e.g. `creative_brief.markdown` or `pillars.pillars[3].description`.
pub fn sizes(doc: &CharterDoc, section: Section) -> Result<(), AppError> {
    fn walk(v: &serde_json::Value, path: &str, key: &str, total: &mut usize) -> Result<(), AppError> {
        match v {
            serde_json::Value::String(t) => {
                let max = if SHORT_KEYS.contains(&key) { crate::limits::NAME } else { crate::limits::BRIEF };
                crate::limits::check_len(path, t, max)?;
                *total += t.chars().count();
            }
            serde_json::Value::Array(items) => {
                if items.len() > crate::limits::LIST_ITEMS {
                    return Err(AppError::validation(
                        path,
                        format!("At most {} items here ({} given)", crate::limits::LIST_ITEMS, items.len()),
                    ));
                }
                for (i, item) in items.iter().enumerate() {
                    walk(item, &format!("{path}[{i}]"), key, total)?;
                }
            }
            serde_json::Value::Object(fields) => {
                for (k, item) in fields {
                    walk(item, &format!("{path}.{k}"), k, total)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
    let mut total = 0;
    walk(&doc.section_json(section), section.key(), "", &mut total)?;
    if total > crate::limits::BRIEF {
        return Err(AppError::validation(
            section.key(),
            format!(
                "{} holds {total} characters in all; keep a section under {} (link to longer documents)",
                section.title(),
                crate::limits::BRIEF
            ),
        ));
    }
    Ok(())
}

/// Checks one section of `doc`; the error names the field, e.g. `tiers.tiers[1].min_engagement_rate`.
pub fn section(doc: &CharterDoc, section: Section, roster: &Roster) -> Result<(), AppError> {
    sizes(doc, section)?;
    let s = section;
    match section {
        Section::ValueProposition => {
            let filled: Vec<&String> =
                doc.value_proposition.propositions.iter().filter(|p| !p.trim().is_empty()).collect();
            if filled.len() > 1 {
                return Err(err(
                    s,
                    "propositions".into(),
                    format!(
                        "One value proposition only (found {}): keep the one that matters and remove \"{}\"",
                        filled.len(),
                        filled[1].trim()
                    ),
                ));
            }
        }
        Section::Tiers => {
            let tiers = &doc.tiers.tiers;
            for (i, t) in tiers.iter().enumerate() {
                let f = |name: &str| format!("tiers[{i}].{name}");
                if t.name.trim().is_empty() {
                    return Err(err(s, f("name"), format!("Tier {} needs a name", i + 1)));
                }
                if t.min_followers < 0 {
                    return Err(err(s, f("min_followers"), format!("Tier {}: followers cannot be negative", t.name)));
                }
                if t.max_followers.is_some_and(|m| m <= t.min_followers) {
                    return Err(err(
                        s,
                        f("max_followers"),
                        format!("Tier {}: the upper bound must be above {}", t.name, fmt_n(t.min_followers)),
                    ));
                }
                if !(0.0..=100.0).contains(&t.min_engagement_rate) || !t.min_engagement_rate.is_finite() {
                    return Err(err(
                        s,
                        f("min_engagement_rate"),
                        format!(
                            "Tier {}: an engagement rate is a percentage from 0 to 100 (got {})",
                            t.name, t.min_engagement_rate
                        ),
                    ));
                }
            }
            let mut sorted: Vec<(usize, &Tier)> = tiers.iter().enumerate().collect();
            sorted.sort_by_key(|(_, t)| t.min_followers);
            for pair in sorted.windows(2) {
                let ((_, a), (j, b)) = (pair[0], pair[1]);
                match a.max_followers {
                    None => {
                        return Err(err(
                            s,
                            format!("tiers[{j}].min_followers"),
                            format!(
                                "Tiers {} ({}) and {} ({}) overlap: only the top tier can be open-ended",
                                a.name,
                                tier_range(a),
                                b.name,
                                tier_range(b)
                            ),
                        ))
                    }
                    Some(max) if max > b.min_followers => {
                        return Err(err(
                            s,
                            format!("tiers[{j}].min_followers"),
                            format!("Tiers {} ({}) and {} ({}) overlap", a.name, tier_range(a), b.name, tier_range(b)),
                        ))
                    }
                    Some(max) if max < b.min_followers => {
                        return Err(err(
                            s,
                            format!("tiers[{j}].min_followers"),
                            format!(
                            "Gap between tiers {} ({}) and {} ({}): creators with {}–{} followers would have no tier",
                            a.name, tier_range(a), b.name, tier_range(b), fmt_n(max), fmt_n(b.min_followers)
                        ),
                        ))
                    }
                    _ => {}
                }
            }
        }
        Section::Success => {
            for (i, t) in doc.success.targets.iter().enumerate() {
                if !known_metric(&t.metric) {
                    return Err(err(s, format!("targets[{i}].metric"), format!("Unknown metric \"{}\"", t.metric)));
                }
                if t.metric == "over_commitment" {
                    let m = "Over-commitment is watched by a daily threshold, not a success target".to_string();
                    return Err(err(s, format!("targets[{i}].metric"), m));
                }
                if !t.value.is_finite() || t.value < 0.0 {
                    return Err(err(s, format!("targets[{i}].value"), "Enter a target of 0 or more".into()));
                }
            }
        }
        Section::Thresholds => {
            for (i, t) in doc.thresholds.thresholds.iter().enumerate() {
                if !known_metric(&t.metric) {
                    return Err(err(
                        s,
                        format!("thresholds[{i}].metric"),
                        format!(
                            "Threshold {}: unknown metric \"{}\"; use one of {}",
                            i + 1,
                            t.metric,
                            METRICS.iter().map(|m| m.0).collect::<Vec<_>>().join(", ")
                        ),
                    ));
                }
                if !t.value.is_finite() {
                    return Err(err(
                        s,
                        format!("thresholds[{i}].value"),
                        format!("Threshold {}: enter a number", i + 1),
                    ));
                }
                if t.metric == "over_commitment" && t.scope == ScopeKind::Tier {
                    return Err(err(
                        s,
                        format!("thresholds[{i}].scope"),
                        format!("Threshold {}: over-commitment applies to the campaign, a lane or a partner", i + 1),
                    ));
                }
                let scope_ok = match t.scope {
                    ScopeKind::Campaign => true,
                    ScopeKind::Lane => Lane::parse(&t.scope_value).is_some(),
                    ScopeKind::Partner => t.scope_value.parse::<i64>().ok().and_then(|id| roster.org(id)).is_some(),
                    ScopeKind::Tier => doc.tiers.tiers.iter().any(|x| x.name == t.scope_value),
                };
                if !scope_ok {
                    return Err(err(
                        s,
                        format!("thresholds[{i}].scope_value"),
                        format!(
                            "Threshold {}: choose which {} it applies to",
                            i + 1,
                            match t.scope {
                                ScopeKind::Lane => "lane",
                                ScopeKind::Partner => "partner",
                                ScopeKind::Tier => "tier",
                                ScopeKind::Campaign => "scope",
                            }
                        ),
                    ));
                }
                if let Some(p) = t.escalate_to {
                    if roster.person(p).is_none() {
                        return Err(err(
                            s,
                            format!("thresholds[{i}].escalate_to"),
                            format!("Threshold {}: escalate to a member of a partner organization", i + 1),
                        ));
                    }
                }
            }
        }
        Section::Responsibilities => {
            for (i, r) in doc.responsibilities.items.iter().enumerate() {
                let Some(org) = roster.org(r.org_id) else {
                    return Err(err(
                        s,
                        format!("items[{i}].org_id"),
                        format!("Responsibility {}: choose a partner organization", i + 1),
                    ));
                };
                if r.responsibility.trim().is_empty() {
                    return Err(err(
                        s,
                        format!("items[{i}].responsibility"),
                        format!("Name {}'s responsibility", org.name),
                    ));
                }
                if let Some(p) = r.accountable {
                    if roster.person(p).map(|p| p.org_id) != Some(org.id) {
                        return Err(err(
                            s,
                            format!("items[{i}].accountable"),
                            format!("\"{}\" must be owned by a member of {}", r.responsibility.trim(), org.name),
                        ));
                    }
                }
            }
        }
        Section::Ownership => {
            for (field, p) in [
                ("accountable_owner", doc.ownership.accountable_owner),
                ("creator_contact", doc.ownership.creator_contact),
            ] {
                if p.is_some_and(|p| roster.person(p).is_none()) {
                    return Err(err(s, field.into(), "Choose a member of a partner organization".into()));
                }
            }
        }
        Section::Rotation => {
            let mut seen = std::collections::HashSet::new();
            for (i, slot) in doc.rotation.slots.iter().enumerate() {
                if !valid_quarter(&slot.quarter) {
                    return Err(err(
                        s,
                        format!("slots[{i}].quarter"),
                        format!("Write the quarter as YYYY-Qn, e.g. 2027-Q1 (got \"{}\")", slot.quarter),
                    ));
                }
                if !seen.insert(slot.quarter.clone()) {
                    return Err(err(s, format!("slots[{i}].quarter"), format!("{} is listed twice", slot.quarter)));
                }
                if slot.lead_org_id.is_some_and(|o| roster.org(o).is_none()) {
                    return Err(err(
                        s,
                        format!("slots[{i}].lead_org_id"),
                        "The lead must be a partner organization".into(),
                    ));
                }
            }
        }
        Section::Criteria => {
            // Each agreed disclosure line must be something a caption can carry: "#ad", or "UK: #ad".
            for (i, line) in doc.criteria.disclosure.iter().enumerate() {
                let line = line.trim();
                if line.is_empty() {
                    continue;
                }
                let parsed = crate::content::disclosure::AgreedWording::parse_lines(&[line.to_string()]);
                let words = parsed.first().is_some_and(|w| w.wording.chars().any(char::is_alphanumeric));
                let bare_market = line.ends_with(':')
                    && crate::content::disclosure::AgreedWording::parse_lines(&[format!("{line} x")])
                        .first()
                        .is_some_and(|w| w.market.is_some());
                if !words || bare_market {
                    return Err(err(
                        s,
                        format!("disclosure[{i}]"),
                        format!("\"{line}\" is no wording a caption can carry: write e.g. \"#ad\", or \"UK: #ad\" for one market"),
                    ));
                }
            }
        }
        Section::Audience | Section::CreativeBrief | Section::Pillars => {}
    }
    Ok(())
}

pub fn valid_quarter(q: &str) -> bool {
    let Some((y, n)) = q.split_once("-Q") else { return false };
    y.len() == 4 && y.parse::<u32>().is_ok() && matches!(n, "1" | "2" | "3" | "4")
}

/// Every section's hard rules, then completeness: what still stands between this draft and a launch.
pub fn completeness(doc: &CharterDoc, roster: &Roster) -> Vec<CheckItem> {
    let mut out = Vec::new();
    let mut check = |ok: bool, section: Section, message: String| {
        out.push(CheckItem { ok, blocking: true, section: Some(section), message });
    };
    for s in Section::ALL {
        if let Err(e) = section(doc, s, roster) {
            check(false, s, e.message);
        }
    }
    let a = &doc.audience;
    check(
        !a.segment.trim().is_empty() && !a.market.trim().is_empty(),
        Section::Audience,
        "Audience: one segment and its market".into(),
    );
    let props = doc.value_proposition.propositions.iter().filter(|p| !p.trim().is_empty()).count();
    check(props == 1, Section::ValueProposition, "Exactly one value proposition".into());
    check(!doc.creative_brief.markdown.trim().is_empty(), Section::CreativeBrief, "A creative brief".into());
    check(!doc.tiers.tiers.is_empty(), Section::Tiers, "Influencer tiers defined by engagement".into());
    check(
        !doc.pillars.pillars.iter().all(|p| p.name.trim().is_empty()),
        Section::Pillars,
        "At least one UGC content pillar".into(),
    );
    let c = &doc.criteria;
    check(c.ugc.iter().any(|x| !x.trim().is_empty()), Section::Criteria, "UGC approval criteria".into());
    check(
        c.influencer.iter().any(|x| !x.trim().is_empty()),
        Section::Criteria,
        "Influencer-content approval criteria".into(),
    );
    for lane in [Lane::Influencer, Lane::Ugc] {
        for (quality, what) in [(true, "quality"), (false, "volume")] {
            let has = doc
                .success
                .targets
                .iter()
                .any(|t| t.lane == Some(lane) && METRICS.iter().any(|(k, _, q)| *k == t.metric && *q == quality));
            check(has, Section::Success, format!("A {what} target for the {} lane", lane.label()));
        }
    }
    check(
        !doc.thresholds.thresholds.is_empty(),
        Section::Thresholds,
        "Daily thresholds that trigger escalation".into(),
    );
    for (i, t) in doc.thresholds.thresholds.iter().enumerate() {
        if t.escalate_to.is_none() {
            check(
                false,
                Section::Thresholds,
                format!("Threshold {} ({}) needs someone to escalate to", i + 1, metric_label(&t.metric)),
            );
        }
    }
    for org in &roster.partners {
        let owns = doc.responsibilities.items.iter().any(|r| r.org_id == org.id);
        check(owns, Section::Responsibilities, format!("{} owns a non-negotiable responsibility", org.name));
    }
    for r in &doc.responsibilities.items {
        if r.accountable.is_none() {
            check(
                false,
                Section::Responsibilities,
                format!(
                    "\"{}\" ({}) has no accountable person",
                    r.responsibility.trim(),
                    roster.org_label(Some(r.org_id))
                ),
            );
        }
    }
    check(doc.ownership.accountable_owner.is_some(), Section::Ownership, "One accountable campaign owner".into());
    check(doc.ownership.creator_contact.is_some(), Section::Ownership, "One point of contact for creators".into());
    check(!doc.rotation.slots.is_empty(), Section::Rotation, "A UGC strategy lead for each quarter".into());
    for slot in &doc.rotation.slots {
        if slot.lead_org_id.is_none() {
            check(false, Section::Rotation, format!("{} has no UGC strategy lead", slot.quarter));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::OrgKind;

    fn roster() -> Roster {
        let org = |id: i64, name: &str| OrgRef { id, name: name.into(), kind: OrgKind::Agency, color: "#000".into() };
        Roster {
            partners: vec![org(1, "Brand"), org(2, "US Agency")],
            people: vec![
                Person { user_id: 10, name: "Maya".into(), org_id: 1 },
                Person { user_id: 20, name: "Jordan".into(), org_id: 2 },
            ],
        }
    }

    fn field(doc: &CharterDoc, s: Section) -> Option<String> {
        section(doc, s, &roster()).err().and_then(|e| e.field)
    }

    #[test]
    fn every_text_of_a_section_has_a_size_limit_that_names_it() {
        let mut doc = CharterDoc::new_draft();
        doc.creative_brief.markdown = "x".repeat(crate::limits::BRIEF);
        assert_eq!(field(&doc, Section::CreativeBrief), None, "20,000 characters is fine");
        doc.creative_brief.markdown.push('x');
        assert_eq!(field(&doc, Section::CreativeBrief).as_deref(), Some("creative_brief.markdown"));
        doc.tiers.tiers[1].name = "n".repeat(crate::limits::NAME + 1);
        assert_eq!(field(&doc, Section::Tiers).as_deref(), Some("tiers.tiers[1].name"));
        doc.audience.interests = "i".repeat(crate::limits::BRIEF + 1);
        assert_eq!(field(&doc, Section::Audience).as_deref(), Some("audience.interests"));
        doc.criteria.ugc = vec!["ok".into(); crate::limits::LIST_ITEMS + 1];
        assert_eq!(field(&doc, Section::Criteria).as_deref(), Some("criteria.ugc"));
        // Many texts, each within its limit, but too much for one section together.
        doc.criteria.ugc = vec!["c".repeat(5_000); 5];
        assert_eq!(field(&doc, Section::Criteria).as_deref(), Some("criteria"));
    }

    #[test]
    fn agreed_disclosure_wording_is_something_a_caption_can_carry() {
        let mut doc = CharterDoc::new_draft();
        doc.criteria.disclosure = vec!["#ad".into(), "UK: #ad @northwind".into(), "".into()];
        assert_eq!(field(&doc, Section::Criteria), None);
        doc.criteria.disclosure = vec!["#ad".into(), "UK:".into()];
        assert_eq!(field(&doc, Section::Criteria).as_deref(), Some("criteria.disclosure[1]"));
        doc.criteria.disclosure = vec!["!!!".into()];
        assert_eq!(field(&doc, Section::Criteria).as_deref(), Some("criteria.disclosure[0]"));
        doc.criteria.disclosure = vec!["d".repeat(crate::limits::NAME + 1)];
        assert_eq!(field(&doc, Section::Criteria).as_deref(), Some("criteria.disclosure[0]"));
    }

    #[test]
    fn the_template_tiers_are_valid_and_contiguous() {
        let doc = CharterDoc::new_draft();
        assert!(section(&doc, Section::Tiers, &roster()).is_ok());
        assert_eq!(doc.tiers.tiers.len(), 5);
        assert_eq!(tier_range(&doc.tiers.tiers[4]), "1,000,000+");
    }

    #[test]
    fn overlapping_and_gapped_tiers_are_refused() {
        let mut doc = CharterDoc::new_draft();
        doc.tiers.tiers[2].min_followers = 40_000;
        let e = section(&doc, Section::Tiers, &roster()).unwrap_err();
        assert_eq!(e.message, "Tiers micro (10,000–50,000) and mid (40,000–500,000) overlap");
        assert_eq!(e.field.as_deref(), Some("tiers.tiers[2].min_followers"));

        let mut doc = CharterDoc::new_draft();
        doc.tiers.tiers[2].min_followers = 60_000;
        let e = section(&doc, Section::Tiers, &roster()).unwrap_err();
        assert!(
            e.message.starts_with("Gap between tiers micro (10,000–50,000) and mid (60,000–500,000)"),
            "{}",
            e.message
        );

        let mut doc = CharterDoc::new_draft();
        doc.tiers.tiers[1].max_followers = None;
        assert!(section(&doc, Section::Tiers, &roster())
            .unwrap_err()
            .message
            .contains("only the top tier can be open-ended"));
    }

    #[test]
    fn engagement_rates_are_percentages() {
        let mut doc = CharterDoc::new_draft();
        doc.tiers.tiers[0].min_engagement_rate = 140.0;
        assert_eq!(field(&doc, Section::Tiers).as_deref(), Some("tiers.tiers[0].min_engagement_rate"));
        doc.tiers.tiers[0].min_engagement_rate = -1.0;
        assert!(field(&doc, Section::Tiers).is_some());
        doc.tiers.tiers[0].min_engagement_rate = 100.0;
        assert!(field(&doc, Section::Tiers).is_none());
    }

    #[test]
    fn thresholds_must_name_a_known_metric_and_scope() {
        let mut doc = CharterDoc::new_draft();
        doc.thresholds.thresholds.push(Threshold { metric: "vibes".into(), ..Default::default() });
        assert_eq!(field(&doc, Section::Thresholds).as_deref(), Some("thresholds.thresholds[0].metric"));
        doc.thresholds.thresholds[0] = Threshold {
            metric: "cpe".into(),
            scope: ScopeKind::Tier,
            scope_value: "giga".into(),
            ..Default::default()
        };
        assert_eq!(field(&doc, Section::Thresholds).as_deref(), Some("thresholds.thresholds[0].scope_value"));
        doc.thresholds.thresholds[0].scope_value = "micro".into();
        doc.thresholds.thresholds[0].escalate_to = Some(99);
        assert_eq!(field(&doc, Section::Thresholds).as_deref(), Some("thresholds.thresholds[0].escalate_to"));
        doc.thresholds.thresholds[0].escalate_to = Some(20);
        assert!(field(&doc, Section::Thresholds).is_none());
        // Over-commitment is per partner and lane: a tier cannot be over-committed.
        doc.thresholds.thresholds[0].metric = "over_commitment".into();
        assert_eq!(field(&doc, Section::Thresholds).as_deref(), Some("thresholds.thresholds[0].scope"));
        doc.thresholds.thresholds[0].scope = ScopeKind::Lane;
        doc.thresholds.thresholds[0].scope_value = "ugc".into();
        assert!(field(&doc, Section::Thresholds).is_none());
    }

    #[test]
    fn responsibilities_are_owned_by_members_of_that_partner() {
        let mut doc = CharterDoc::new_draft();
        doc.responsibilities.items.push(Responsibility {
            org_id: 2,
            responsibility: "UGC strategy".into(),
            accountable: Some(10),
        });
        let e = section(&doc, Section::Responsibilities, &roster()).unwrap_err();
        assert_eq!(e.message, "\"UGC strategy\" must be owned by a member of US Agency");
        doc.responsibilities.items[0].accountable = Some(20);
        assert!(section(&doc, Section::Responsibilities, &roster()).is_ok());
        doc.responsibilities.items[0].org_id = 7;
        assert!(section(&doc, Section::Responsibilities, &roster()).is_err());
    }

    #[test]
    fn two_value_propositions_are_refused_and_quarters_are_checked() {
        let mut doc = CharterDoc::new_draft();
        doc.value_proposition.propositions = vec!["Warm on the trail".into(), "Cheapest jacket".into()];
        assert!(section(&doc, Section::ValueProposition, &roster())
            .unwrap_err()
            .message
            .contains("remove \"Cheapest jacket\""));
        doc.rotation.slots = vec![RotationSlot { quarter: "Q1 2027".into(), lead_org_id: Some(1) }];
        assert_eq!(field(&doc, Section::Rotation).as_deref(), Some("rotation.slots[0].quarter"));
        assert!(valid_quarter("2027-Q4") && !valid_quarter("2027-Q5"));
        assert_eq!(quarter_of(chrono::NaiveDate::from_ymd_opt(2027, 5, 3).unwrap()), "2027-Q2");
    }

    #[test]
    fn the_checklist_lists_what_is_missing() {
        let doc = CharterDoc::new_draft();
        let open: Vec<String> =
            completeness(&doc, &roster()).into_iter().filter(|c| !c.ok).map(|c| c.message).collect();
        assert!(open.contains(&"Exactly one value proposition".to_string()));
        assert!(open.contains(&"US Agency owns a non-negotiable responsibility".to_string()));
        assert!(open.contains(&"One point of contact for creators".to_string()));
        assert!(!open.contains(&"Influencer tiers defined by engagement".to_string()));
        assert!(open.contains(&"A volume target for the UGC lane".to_string()));
        let mut doc = doc;
        doc.success.targets.push(KpiTarget {
            lane: Some(Lane::Ugc),
            metric: "approved_ugc_assets".into(),
            comparison: Comparison::AtLeast,
            value: 40.0,
        });
        let open: Vec<String> =
            completeness(&doc, &roster()).into_iter().filter(|c| !c.ok).map(|c| c.message).collect();
        assert!(!open.contains(&"A volume target for the UGC lane".to_string()));
        assert!(open.contains(&"A quality target for the UGC lane".to_string()));
    }
}
