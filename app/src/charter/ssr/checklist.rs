//! Who may sign, and the launch checklist.
use super::*;
/// Who may sign for which partner: the people the version names as accountable for that partner's
/// responsibilities, and the campaign's accountable owner for their own organization.
pub fn signatories(doc: &CharterDoc, roster: &Roster) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> =
        doc.responsibilities.items.iter().filter_map(|r| r.accountable.map(|p| (r.org_id, p))).collect();
    if let Some(owner) = doc.ownership.accountable_owner.and_then(|o| roster.person(o)) {
        out.push((owner.org_id, owner.user_id));
    }
    out.sort();
    out.dedup();
    out
}

/// Open threads started by creators.
fn open_creator_threads(comments: &[CharterComment]) -> usize {
    comments.iter().filter(|c| c.parent_id.is_none() && c.author_is_creator && c.resolved_by.is_none()).count()
}

/// The launch checklist: completeness of the draft, the version, every partner's signature, and (as a
/// warning) creators' open comments.
pub fn checklist(
    draft: &CharterDoc,
    roster: &Roster,
    current: Option<&CharterVersion>,
    comments: &[CharterComment],
) -> Vec<CheckItem> {
    let mut items = validate::completeness(draft, roster);
    let item = |ok: bool, message: String| CheckItem { ok, blocking: true, section: None, message };
    match current {
        None => items.push(item(false, "Propose the charter for sign-off".into())),
        Some(v) => {
            items.push(item(
                v.doc == *draft,
                format!("Version {} is the charter as it stands (no changes since it was proposed)", v.number),
            ));
            for p in &roster.partners {
                let signed = v.signatures.iter().find(|s| s.org.id == p.id);
                items.push(item(
                    signed.is_some(),
                    match signed {
                        Some(s) => format!("Signed for {} by {}", p.name, s.user_name),
                        None => format!("Signature of {} on version {}", p.name, v.number),
                    },
                ));
            }
        }
    }
    let open = open_creator_threads(comments);
    items.push(CheckItem {
        ok: open == 0,
        blocking: false,
        section: None,
        message: if open == 0 { "No open creator comments".into() } else { format!("{open} open creator comment(s)") },
    });
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::OrgKind;

    fn org(id: i64, name: &str) -> OrgRef {
        OrgRef { id, name: name.into(), kind: OrgKind::Agency, color: "#000".into() }
    }

    fn roster() -> Roster {
        Roster {
            partners: vec![org(1, "Brand"), org(2, "Agency")],
            people: vec![
                Person { user_id: 10, name: "Maya".into(), org_id: 1 },
                Person { user_id: 20, name: "Jordan".into(), org_id: 2 },
            ],
        }
    }

    fn version(doc: &CharterDoc, signed_by: &[i64]) -> CharterVersion {
        CharterVersion {
            number: 3,
            doc: doc.clone(),
            proposed_by: "Maya".into(),
            proposed_at: chrono::Utc::now(),
            signatures: signed_by
                .iter()
                .map(|o| Signature {
                    org: org(*o, if *o == 1 { "Brand" } else { "Agency" }),
                    user_name: "X".into(),
                    signed_at: chrono::Utc::now(),
                })
                .collect(),
        }
    }

    fn blocking(items: &[CheckItem]) -> Vec<&str> {
        items.iter().filter(|c| c.blocking && !c.ok).map(|c| c.message.as_str()).collect()
    }

    #[test]
    fn the_gate_wants_a_proposal_then_every_signature_on_the_current_text() {
        let doc = CharterDoc::new_draft();
        let none = checklist(&doc, &roster(), None, &[]);
        assert!(blocking(&none).contains(&"Propose the charter for sign-off"));

        let half = checklist(&doc, &roster(), Some(&version(&doc, &[1])), &[]);
        let b = blocking(&half);
        assert!(b.contains(&"Signature of Agency on version 3"));
        assert!(!b.iter().any(|m| m.starts_with("Signature of Brand")));

        let mut edited = doc.clone();
        edited.audience.segment = "Hikers".into();
        let stale = checklist(&edited, &roster(), Some(&version(&doc, &[1, 2])), &[]);
        assert!(blocking(&stale).contains(&"Version 3 is the charter as it stands (no changes since it was proposed)"));
    }

    #[test]
    fn open_creator_comments_warn_without_blocking() {
        let doc = CharterDoc::new_draft();
        let comment = |resolved: bool, creator: bool| CharterComment {
            id: 1,
            section: Section::CreativeBrief,
            author: "Ava".into(),
            author_is_creator: creator,
            body: "?".into(),
            parent_id: None,
            created_at: chrono::Utc::now(),
            resolved_by: resolved.then(|| "Jordan".into()),
        };
        let items = checklist(&doc, &roster(), None, &[comment(false, true), comment(false, false)]);
        let warning = items.iter().find(|c| !c.blocking).unwrap();
        assert_eq!((warning.ok, warning.message.as_str()), (false, "1 open creator comment(s)"));
        let items = checklist(&doc, &roster(), None, &[comment(true, true)]);
        assert!(items.iter().find(|c| !c.blocking).unwrap().ok);
    }

    #[test]
    fn signatories_are_the_accountable_people_and_the_owner() {
        let mut doc = CharterDoc::new_draft();
        doc.responsibilities.items.push(Responsibility {
            org_id: 2,
            responsibility: "Talent".into(),
            accountable: Some(20),
        });
        doc.ownership.accountable_owner = Some(10);
        assert_eq!(signatories(&doc, &roster()), vec![(1, 10), (2, 20)]);
    }
}
