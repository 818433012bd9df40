//! People and organizations: who is signed in, which organization they speak for, and API tokens.
use serde::{Deserialize, Serialize};

use crate::vocab::OrgRef;

#[cfg(feature = "ssr")]
pub mod ssr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Staff of a brand or an agency.
    Member,
    /// A creator with an account of their own; sees only what is addressed to them.
    Creator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Creator => "creator",
        }
    }
    pub fn parse(s: &str) -> Self {
        if s == "creator" {
            Role::Creator
        } else {
            Role::Member
        }
    }
}

/// The signed-in person, as the pages and the API see them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Me {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub org: Option<OrgRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SignUp {
    pub name: String,
    pub email: String,
    pub password: String,
    /// The organization this person founds; not used when signing up through a creator invitation.
    #[serde(default)]
    pub org_name: String,
    #[serde(default = "default_kind")]
    pub org_kind: String,
}

fn default_kind() -> String {
    "agency".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SignIn {
    pub email: String,
    pub password: String,
}

/// A colleague in the signed-in person's organization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Member {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub joined_at: chrono::DateTime<chrono::Utc>,
}

/// What a colleague's invitation link offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MemberInvitation {
    pub org: OrgRef,
    pub invited_by: String,
    /// `/join/…`; the token is shown only to whoever created it.
    pub path: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    /// The first characters of the token, enough to recognise it; the rest is never shown again.
    pub prefix: String,
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewApiToken {
    pub token: ApiToken,
    /// Shown once, at creation.
    pub secret: String,
}
