//! The payout ledger's types: one line per approved deliverable (who is owed what, by whom, by when), the
//! partners' ledger of a campaign, and the creator's payouts across every campaign.
use serde::{Deserialize, Serialize};

use super::{Converted, ExchangeRate, Money, Total};
use crate::vocab::OrgRef;

/// Where a payout stands: scheduled → approved for payment → paid, or disputed on the way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PayoutState {
    /// Created when the deliverable was approved; due on its due date.
    Scheduled,
    /// The paying partner has approved it for payment.
    Approved,
    /// Paid: with the day, a reference and who recorded it.
    Paid,
    /// Someone disagrees (with a note); back to scheduled or approved once settled.
    Disputed,
}

impl PayoutState {
    pub const ALL: [PayoutState; 4] =
        [PayoutState::Scheduled, PayoutState::Approved, PayoutState::Paid, PayoutState::Disputed];
    pub fn key(self) -> &'static str {
        match self {
            PayoutState::Scheduled => "scheduled",
            PayoutState::Approved => "approved",
            PayoutState::Paid => "paid",
            PayoutState::Disputed => "disputed",
        }
    }
    pub fn parse(s: &str) -> Option<PayoutState> {
        PayoutState::ALL.into_iter().find(|p| p.key() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            PayoutState::Scheduled => "Scheduled",
            PayoutState::Approved => "Approved for payment",
            PayoutState::Paid => "Paid",
            PayoutState::Disputed => "Disputed",
        }
    }
    /// Still owed to the creator (not paid yet).
    pub fn owed(self) -> bool {
        self != PayoutState::Paid
    }
    /// The states a payout may go to from this one. Paid is final.
    pub fn next(self) -> &'static [PayoutState] {
        match self {
            PayoutState::Scheduled => &[PayoutState::Approved, PayoutState::Disputed],
            PayoutState::Approved => &[PayoutState::Paid, PayoutState::Disputed, PayoutState::Scheduled],
            PayoutState::Disputed => &[PayoutState::Scheduled, PayoutState::Approved],
            PayoutState::Paid => &[],
        }
    }
}

/// One line of the ledger: a creator is owed an amount for an approved deliverable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PayoutLine {
    pub id: i64,
    pub campaign_id: i64,
    pub campaign_name: String,
    pub deliverable_id: i64,
    pub deliverable_title: String,
    pub creator_id: i64,
    pub creator_name: String,
    /// In the creator's currency if agreed, else the campaign's.
    pub amount: Money,
    /// The partner that pays (the creator's relationship owner unless set).
    pub payer: Option<OrgRef>,
    /// Net-N: days from approval to the due date.
    pub terms_days: i64,
    /// The day the deliverable was approved, in the campaign's time zone.
    pub approved_on: chrono::NaiveDate,
    /// The day it is due, in the campaign's time zone (it ends at midnight there).
    pub due_date: chrono::NaiveDate,
    /// "Due 2 Apr 2027 (Europe/Berlin)".
    pub due_label: String,
    pub time_zone: String,
    pub state: PayoutState,
    /// Due and not paid by the end of its due day (in the campaign's time zone).
    pub overdue: bool,
    pub paid_on: Option<chrono::NaiveDate>,
    /// The payment's reference (bank transfer, invoice number).
    pub reference: String,
    /// Who recorded the last change of state.
    pub recorded_by: Option<String>,
    /// Why it is disputed (or the last note given).
    pub note: String,
    /// The amount in the campaign's currency with the rate in force on the approval day (or the missing rate).
    pub converted: Converted,
    pub version: i64,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// A campaign's payout ledger as its partners see it: every line, totals in the campaign's currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Ledger {
    pub campaign_id: i64,
    pub campaign_name: String,
    /// The campaign's reporting currency (ISO 4217).
    pub currency: String,
    pub time_zone: String,
    /// Net-N days for new payout lines.
    pub terms_days: i64,
    pub lines: Vec<PayoutLine>,
    /// Still owed (not paid), converted; blocked by a missing rate, which it names.
    pub owed: Total,
    pub paid: Total,
    /// Owed per original currency, e.g. €4,200.00 and $1,500.00.
    pub owed_by_currency: Vec<Money>,
    pub rates: Vec<ExchangeRate>,
    /// Whether the signed-in member may still change the campaign's currency (the accountable owner, before
    /// the first amount).
    pub may_set_currency: bool,
    pub budget: Vec<BudgetShareLine>,
    /// The campaign's partners (who may fund a share of a lane).
    pub partners: Vec<OrgRef>,
    /// The campaign's creators and the currency agreed with each.
    pub creators: Vec<AgreedCurrency>,
}

/// The currency a creator is paid in on one campaign: agreed with her, or the campaign's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AgreedCurrency {
    pub campaign_id: i64,
    pub campaign_name: String,
    pub creator_id: i64,
    pub creator_name: String,
    /// The currency agreed with her (ISO 4217); `None` while she is paid in the campaign's.
    pub agreed: Option<String>,
    /// What her fees are in: the agreed currency, else the campaign's.
    pub currency: String,
}

/// A creator's payouts across all partners and campaigns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatorPayouts {
    pub lines: Vec<PayoutLine>,
    /// The total still owed to her, per currency (she is paid in these; nothing converted).
    pub owed: Vec<Money>,
    /// Per campaign, the currency her fees are in (agreed with her, or the campaign's).
    pub currencies: Vec<AgreedCurrency>,
}

/// A change of a payout's state, version-checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SetPayoutState {
    pub state: PayoutState,
    /// The version the person saw.
    pub version: i64,
    /// For `paid`: the day paid (YYYY-MM-DD, in the campaign's time zone; default today).
    #[serde(default)]
    pub paid_on: Option<String>,
    /// For `paid`: the payment's reference (required).
    #[serde(default)]
    pub reference: String,
    /// For `disputed`: what is wrong (required); optional otherwise.
    #[serde(default)]
    pub note: String,
}

/// An exchange rate entered by a partner: one unit of `base` buys `rate` units of `quote` from `day` on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewRate {
    pub base: String,
    pub quote: String,
    /// YYYY-MM-DD.
    pub day: String,
    /// A decimal, e.g. "1.08" (at most 9 decimals).
    pub rate: String,
}

/// The campaign's reporting currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SetCurrency {
    /// ISO 4217, e.g. "EUR".
    pub currency: String,
}

/// The campaign's payout terms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SetTerms {
    /// Net-N: days from approval to due date (0 to 365).
    pub terms_days: i64,
}

/// The currency a creator is paid in (agreed with her); `null` for the campaign's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SetCreatorCurrency {
    #[serde(default)]
    pub currency: Option<String>,
}

/// One partner's share of a lane's budget line, against the fees it committed and the spend reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BudgetShareLine {
    pub lane: crate::vocab::Lane,
    pub org: OrgRef,
    /// In the campaign's currency.
    pub share: Money,
    /// Fees of deliverables whose creators this partner owns, converted to the campaign's currency.
    pub committed: Total,
    /// Committed above the share.
    pub over: bool,
    pub version: i64,
}

/// A partner's share of a lane's budget line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SetBudgetShare {
    pub lane: crate::vocab::Lane,
    pub org_id: i64,
    /// In minor units of the campaign's currency.
    pub share_minor: i64,
    /// The version the person saw (0 for a share never set).
    pub version: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payout_states_move_forward_and_paid_is_final() {
        for s in PayoutState::ALL {
            assert_eq!(PayoutState::parse(s.key()), Some(s));
        }
        assert!(PayoutState::Scheduled.next().contains(&PayoutState::Approved));
        assert!(!PayoutState::Scheduled.next().contains(&PayoutState::Paid), "approved before paid");
        assert!(PayoutState::Approved.next().contains(&PayoutState::Paid));
        assert!(PayoutState::Paid.next().is_empty());
        assert!(!PayoutState::Paid.owed());
    }
}
