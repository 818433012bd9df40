//! Invitations with an email, rendered on the server only (plain forms, no island: no bundle grows): a partner
//! invites another organization to a campaign (`/campaigns/{id}/invite`), a member invites a colleague (on the
//! organization page). The email is optional; the link is shown to copy either way and mailed when mail is
//! configured. The forms (`server/src/page_forms.rs`) come back here with `?token=…&mailed=…`, or `?error=…`.
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::ErrorNotice;
use crate::error::AppError;

/// What an invitation form shows.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, crate::json_text::FromJson)]
pub struct InviteView {
    /// The campaign a partner is invited to (none: a colleague, to the organization).
    pub campaign_id: Option<i64>,
    /// The campaign's name, or the organization's.
    pub name: String,
    pub mail_configured: bool,
    /// The link just made (`?token=`), whole, when it is one of the viewer's and still open.
    pub link: Option<String>,
}

/// A link's whole address, as the person opening this page reaches Chorus.
#[cfg(feature = "ssr")]
fn whole(path: &str) -> String {
    let secure = crate::state::app_state().is_ok_and(|s| s.secure_cookies);
    let host = use_context::<http::request::Parts>()
        .and_then(|p| p.headers.get(http::header::HOST).and_then(|h| h.to_str().ok()).map(str::to_string));
    match host {
        Some(h) => format!("{}://{h}{path}", if secure { "https" } else { "http" }),
        None => path.to_string(),
    }
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "get_partner_invite")]
pub async fn get_partner_invite(campaign_id: i64, token: Option<String>) -> Result<InviteView, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    crate::campaigns::ssr::authorize(&state.db, &who, campaign_id).await?;
    let name: String = sqlx::query_scalar("SELECT name FROM campaigns WHERE id = $1")
        .bind(campaign_id)
        .fetch_one(&state.db.pool)
        .await?;
    // Only an open partner invitation of this campaign is shown (the address is not trusted to name one).
    let link = match token {
        Some(t) => crate::campaigns::ssr::get_invitation(&state.db, &t)
            .await
            .ok()
            .filter(|i| i.campaign_id == campaign_id && i.kind == crate::campaigns::InvitationKind::Partner)
            .map(|i| whole(&i.path)),
        None => None,
    };
    Ok(InviteView { campaign_id: Some(campaign_id), name, mail_configured: state.mail_configured, link })
}

#[leptos::server(output = crate::json_text::JsonText, prefix = "/sfn", endpoint = "get_colleague_invite")]
pub async fn get_colleague_invite(token: Option<String>) -> Result<InviteView, AppError> {
    let state = crate::state::app_state()?;
    let who = crate::state::require_principal().await?;
    let org = who.member_org()?.clone();
    let link = match token {
        Some(t) => crate::accounts::ssr::get_member_invitation(&state.db, &t)
            .await
            .ok()
            .filter(|i| i.org.id == org.id)
            .map(|i| whole(&i.path)),
        None => None,
    };
    Ok(InviteView { campaign_id: None, name: org.name, mail_configured: state.mail_configured, link })
}

/// `?token=` and `?mailed=` of the address the form came back to.
fn came_back() -> (Option<String>, Option<bool>) {
    let q = use_query_map().read_untracked();
    (q.get("token"), q.get("mailed").map(|m| m == "1"))
}

/// `/campaigns/{id}/invite`: invite another organization to the campaign.
#[component]
pub fn InvitePartnerPage(id: i64) -> impl IntoView {
    let (token, mailed) = came_back();
    let data = crate::json_text::resource(move || (id, token.clone()), |(id, t)| get_partner_invite(id, t));
    let error = super::query_error();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let error = error.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! {
                            <section class="page narrow" data-testid="invite-partner">
                                <h1>"Invite a partner — " {v.name.clone()}</h1>
                                <p class="muted">
                                    "A single-use link, valid 14 days: whoever opens it brings their organization into this "
                                    "campaign as a partner."
                                </p>
                                <InviteForm v error mailed/>
                            </section>
                        }.into_any(),
                        Err(e) => super::refused_page(e, "Campaign not found"),
                    }
                })
            }}
        </Suspense>
    }
}

/// On the organization page: invite a colleague (members only; nothing for anyone else).
#[component]
pub fn InviteColleagueForm() -> impl IntoView {
    let (token, mailed) = came_back();
    let data = crate::json_text::resource(move || token.clone(), get_colleague_invite);
    let error = super::query_error();
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let error = error.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! {
                            <section class="page narrow" id="invite-colleague" data-testid="invite-colleague">
                                <h2>"Invite a colleague"</h2>
                                <p class="muted">
                                    "A single-use link, valid for 7 days. Whoever opens it creates an account in your "
                                    "organization and sees every campaign your organization is a partner of."
                                </p>
                                <InviteForm v error mailed/>
                            </section>
                        }.into_any(),
                        Err(_) => ().into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn InviteForm(v: InviteView, error: Option<AppError>, mailed: Option<bool>) -> impl IntoView {
    let action = match v.campaign_id {
        Some(id) => format!("/campaigns/{id}/invite"),
        None => "/settings/organization/invite".to_string(),
    };
    let sent = match mailed {
        Some(true) => " It was mailed to them too.",
        Some(false) if v.mail_configured => "",
        Some(false) => " Mail is not set up on this server: send it yourself.",
        None => "",
    };
    view! {
        {v.link.map(|url| view! {
            <div class="notice" role="status">
                "Invitation link (single use): " <code data-testid="invite-link">{url}</code> {sent}
            </div>
        })}
        {error.map(|e| view! { <ErrorNotice error=e/> })}
        <form method="post" action=action class="stack" data-testid="invite-form">
            <label for="invite-email">"Their email (optional)"</label>
            <input id="invite-email" name="email" type="email" maxlength=crate::limits::EMAIL.to_string()
                autocomplete="off" placeholder="name@example.com"/>
            <p class="muted">
                {if v.mail_configured {
                    "With an email, Chorus mails them the link; the link is shown here to copy either way."
                } else {
                    "Mail is not set up on this server: copy the link shown here and send it yourself."
                }}
            </p>
            <button type="submit" class="button primary">"Create the invitation link"</button>
        </form>
    }
}
