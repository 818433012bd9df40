//! The plain HTML forms of the webhooks page (`/campaigns/{id}/webhooks`), the personal-data pages
//! (`/settings/privacy`, `/campaigns/{id}/privacy`) and the invitations (`/campaigns/{id}/invite`, the
//! organization page): each redirects back, with the error naming the field.
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use axum::{Extension, Form, Router};
use serde::Deserialize;

use app::state::AppState;
use app::webhooks::ssr as hooks;

use crate::auth::MaybeAuth;
use crate::webhooks::{check_url, Settings};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/privacy/delete", post(account_delete))
        .route("/campaigns/{id}/privacy/erase", post(erase_form))
        .route("/campaigns/{id}/invite", post(invite_partner))
        .route("/settings/organization/invite", post(invite_colleague))
        .route("/campaigns/{id}/webhooks", post(webhook_create))
        .route("/campaigns/{id}/webhooks/{webhook_id}/test", post(webhook_test))
        .route("/campaigns/{id}/webhooks/{webhook_id}/delete", post(webhook_delete))
}

async fn webhook_create(
    State(s): State<AppState>,
    Extension(settings): Extension<Settings>,
    MaybeAuth(who): MaybeAuth,
    Path(id): Path<i64>,
    body: Bytes,
) -> Response {
    let page = format!("/campaigns/{id}/webhooks");
    let Some(who) = who else { return crate::forms::to_local(&format!("/signin?next={page}")) };
    let mut url = String::new();
    let mut format = None;
    let mut kinds = Vec::new();
    for (k, v) in form_urlencoded::parse(&body) {
        match k.as_ref() {
            "url" => url = v.into_owned(),
            "format" => format = Some(v.into_owned()),
            "kinds" => kinds.push(v.into_owned()),
            _ => {}
        }
    }
    let created = async {
        app::campaigns::ssr::authorize(&s.db, &who, id).await?;
        hooks::check_choice(&kinds, format.as_deref())?;
        let target = check_url(&url, &settings).await?;
        hooks::create(&s.db, &who, id, target.url.as_str(), &kinds, format.as_deref(), false).await
    }
    .await;
    match created {
        Ok(c) => crate::forms::to_local(&format!("{page}?created={}#created", c.webhook.id)),
        Err(e) => crate::forms::back(&page, &e, &[("url", url.as_str())]),
    }
}

async fn webhook_test(
    State(s): State<AppState>,
    MaybeAuth(who): MaybeAuth,
    Path((id, webhook_id)): Path<(i64, i64)>,
) -> Response {
    let page = format!("/campaigns/{id}/webhooks");
    let Some(who) = who else { return crate::forms::to_local(&format!("/signin?next={page}")) };
    match hooks::send_test(&s.db, &who, id, webhook_id).await {
        Ok(_) => crate::forms::to_local(&format!("{page}?tested={webhook_id}#deliveries")),
        Err(e) => crate::forms::back(&page, &e, &[]),
    }
}

async fn webhook_delete(
    State(s): State<AppState>,
    MaybeAuth(who): MaybeAuth,
    Path((id, webhook_id)): Path<(i64, i64)>,
) -> Response {
    let page = format!("/campaigns/{id}/webhooks");
    let Some(who) = who else { return crate::forms::to_local(&format!("/signin?next={page}")) };
    match hooks::delete(&s.db, &who, id, webhook_id).await {
        Ok(()) => crate::forms::to_local(&page),
        Err(e) => crate::forms::back(&page, &e, &[]),
    }
}

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    password: String,
}

async fn account_delete(State(s): State<AppState>, MaybeAuth(who): MaybeAuth, Form(f): Form<DeleteForm>) -> Response {
    let page = "/settings/privacy";
    let Some(who) = who else { return crate::forms::to_local("/signin?next=/settings/privacy") };
    match app::privacy::ssr::delete_account(&s.db, s.files.as_ref(), &who, &f.password).await {
        Ok(()) => crate::api::with_cookie(
            crate::forms::to_local("/signin?deleted=1"),
            app::accounts::ssr::clear_session_cookie(s.secure_cookies),
        ),
        Err(e) => crate::forms::back(page, &e, &[]),
    }
}

#[derive(Deserialize)]
pub struct EraseForm {
    #[serde(default)]
    creator_id: String,
    #[serde(default)]
    confirm: String,
    /// `all`: from every campaign of the organization; otherwise this campaign only.
    #[serde(default)]
    scope: String,
}

async fn erase_form(
    State(s): State<AppState>,
    MaybeAuth(who): MaybeAuth,
    Path(id): Path<i64>,
    Form(f): Form<EraseForm>,
) -> Response {
    let page = format!("/campaigns/{id}/privacy");
    let Some(who) = who else { return crate::forms::to_local(&format!("/signin?next={page}")) };
    let Ok(creator_id) = f.creator_id.parse::<i64>() else {
        return crate::forms::back(&page, &app::error::AppError::validation("creator_id", "Choose a creator"), &[]);
    };
    if f.confirm != "yes" {
        let e = app::error::AppError::validation("confirm", "Tick the box to confirm: an erasure cannot be undone");
        return crate::forms::back(&page, &e, &[]);
    }
    if f.scope == "all" {
        // The page then says how many campaigns it was erased from, and names those where it failed.
        return match app::privacy::ssr::erase_creator_everywhere(&s.db, s.files.as_ref(), &who, id, creator_id).await {
            Ok(done) => {
                let failed: Vec<String> = done.failed.iter().map(|f| f.campaign_id.to_string()).collect();
                crate::forms::to_local(&format!(
                    "{page}?erased={creator_id}&campaigns={}&failed={}",
                    done.erased.len(),
                    failed.join(",")
                ))
            }
            Err(e) => crate::forms::back(&page, &e, &[]),
        };
    }
    match app::privacy::ssr::erase_creator(&s.db, s.files.as_ref(), &who, id, creator_id).await {
        Ok(_) => crate::forms::to_local(&format!("{page}?erased={creator_id}")),
        Err(e) => crate::forms::back(&page, &e, &[]),
    }
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
}

/// The page shows the new link (and whether it was mailed) from the address it comes back to; the token is the
/// link's own, which the inviter is shown to copy anyway.
fn invited(page: &str, token: &str, mailed: bool) -> Response {
    let token = percent_encoding::utf8_percent_encode(token, percent_encoding::NON_ALPHANUMERIC);
    crate::forms::to_local(&format!("{page}?token={token}&mailed={}", u8::from(mailed)))
}

async fn invite_partner(
    State(s): State<AppState>,
    MaybeAuth(who): MaybeAuth,
    Path(id): Path<i64>,
    Form(f): Form<InviteForm>,
) -> Response {
    let page = format!("/campaigns/{id}/invite");
    let Some(who) = who else { return crate::forms::to_local(&format!("/signin?next={page}")) };
    let input = app::campaigns::NewInvitation { kind: app::campaigns::InvitationKind::Partner, creator_id: None };
    match app::notify::accounts::invite_to_campaign(&s.db, &who, id, &input, Some(&f.email), s.mail_configured).await {
        Ok((_, token, mailed)) => invited(&page, &token, mailed),
        Err(e) => crate::forms::back(&page, &e, &[]),
    }
}

async fn invite_colleague(State(s): State<AppState>, MaybeAuth(who): MaybeAuth, Form(f): Form<InviteForm>) -> Response {
    let page = "/settings/organization";
    let Some(who) = who else { return crate::forms::to_local(&format!("/signin?next={page}")) };
    match app::notify::accounts::invite_colleague(&s.db, &who, Some(&f.email), s.mail_configured).await {
        Ok((_, token, mailed)) => invited(page, &token, mailed),
        Err(e) => crate::forms::back(page, &e, &[]),
    }
}
