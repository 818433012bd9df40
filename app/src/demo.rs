//! `--demo`: a realistic joint campaign (a brand, a US agency and an EU agency), created once.
use crate::accounts::ssr::{add_member, me_by_id, sign_up, Principal};
use crate::accounts::SignUp;
use crate::campaigns::ssr as campaigns;
use crate::campaigns::{InvitationKind, NewCampaign, NewInvitation};
use crate::creators::ssr as creators;
use crate::creators::{MoveCard, NewCreator};
use crate::db::Db;
use crate::error::Result;
use crate::vocab::Stage;

pub const DEMO_PASSWORD: &str = "chorus-demo";

/// The demo sign-ins: (email, who they are).
pub const DEMO_USERS: [(&str, &str); 5] = [
    ("maya@northwind.example", "Maya Lind, brand manager at Northwind Outdoor (accountable owner)"),
    ("jordan@brightline.example", "Jordan Reyes, Brightline Social (US agency)"),
    ("lena@kanal.example", "Lena Vogt, Kanal Studio (EU agency)"),
    ("sam@brightline.example", "Sam Okafor, Brightline Social (US agency)"),
    ("priya@creators.example", "Priya Nair, a UGC creator (her portal: open it on a phone)"),
];

async fn principal(db: &Db, user_id: i64) -> Result<Principal> {
    let me = me_by_id(db, user_id).await?.ok_or_else(crate::error::AppError::internal)?;
    Ok(Principal { me, via_token: None })
}

/// Creates the demo campaign unless it exists. Returns whether anything was created.
pub async fn seed(db: &Db) -> Result<bool> {
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(DEMO_USERS[0].0)
        .fetch_optional(&db.pool)
        .await?;
    if exists.is_some() {
        return Ok(false);
    }
    let person = |name: &str, email: &str, org: &str, kind: &str| SignUp {
        name: name.into(),
        email: email.into(),
        password: DEMO_PASSWORD.into(),
        org_name: org.into(),
        org_kind: kind.into(),
    };
    let maya =
        principal(db, sign_up(db, &person("Maya Lind", DEMO_USERS[0].0, "Northwind Outdoor", "brand")).await?).await?;
    let jordan =
        principal(db, sign_up(db, &person("Jordan Reyes", DEMO_USERS[1].0, "Brightline Social (US)", "agency")).await?)
            .await?;
    let lena =
        principal(db, sign_up(db, &person("Lena Vogt", DEMO_USERS[2].0, "Kanal Studio (EU)", "agency")).await?).await?;
    let brightline = jordan.me.org.clone().expect("member");
    add_member(db, brightline.id, "Sam Okafor", DEMO_USERS[3].0, DEMO_PASSWORD).await?;

    // Partner fit: the three working styles, and an earlier campaign of the two agencies that gives Kanal Studio a
    // track record (24 h stated, about 43 h observed). Created first, so the demo campaign stays everyone's newest.
    seed_fit(db, [&maya, &jordan, &lena]).await?;

    let campaign =
        campaigns::create_campaign(db, &maya, &NewCampaign { name: "Trailhead Spring Launch".into(), currency: None })
            .await?;
    for partner in [&jordan, &lena] {
        let (_, token) = campaigns::create_invitation(
            db,
            &maya,
            campaign.id,
            &NewInvitation { kind: InvitationKind::Partner, creator_id: None },
        )
        .await?;
        campaigns::accept_partner(db, partner, &token).await?;
    }

    // (name, platform, handle, followers, engagement % by followers, lane, owner, stage, next action,
    //  due in days (negative: overdue), days in stage, country, language)
    type Row<'a> =
        (&'a str, &'a str, &'a str, i64, f64, &'a str, &'a Principal, Stage, &'a str, i64, i64, &'a str, &'a str);
    let pool: [Row; 12] = [
        (
            "Ava Chen",
            "instagram",
            "ava.outdoors",
            48_200,
            3.1,
            "influencer",
            &jordan,
            Stage::Negotiating,
            "Send rate card",
            2,
            4,
            "US",
            "en",
        ),
        (
            "Marco Bianchi",
            "instagram",
            "marco.trails",
            212_000,
            1.9,
            "influencer",
            &lena,
            Stage::Contracted,
            "Share the brief",
            -2,
            9,
            "IT",
            "it",
        ),
        (
            "Priya Nair",
            "tiktok",
            "priyahikes",
            8_900,
            6.4,
            "ugc",
            &lena,
            Stage::ContentInProgress,
            "Review first cut",
            1,
            3,
            "GB",
            "en",
        ),
        (
            "Tom Becker",
            "youtube",
            "beckerwild",
            640_000,
            0.6,
            "influencer",
            &lena,
            Stage::Contacted,
            "Follow up on email",
            -5,
            16,
            "DE",
            "de",
        ),
        (
            "Lucía Gómez",
            "tiktok",
            "lucia.camps",
            31_500,
            4.2,
            "ugc",
            &jordan,
            Stage::Briefed,
            "Confirm shoot date",
            5,
            2,
            "ES",
            "es",
        ),
        (
            "Noah Williams",
            "instagram",
            "noahclimbs",
            1_250_000,
            0.9,
            "influencer",
            &jordan,
            Stage::Prospect,
            "Check audience overlap",
            7,
            21,
            "US",
            "en",
        ),
        (
            "Sofie Jansen",
            "instagram",
            "sofie.sends",
            15_400,
            2.8,
            "ugc",
            &lena,
            Stage::Posted,
            "Log performance",
            0,
            1,
            "NL",
            "nl",
        ),
        ("Kenji Sato", "youtube", "kenjigear", 96_000, 2.2, "influencer", &jordan, Stage::Paid, "", 0, 30, "JP", "ja"),
        (
            "Amara Obi",
            "tiktok",
            "amara.outside",
            4_300,
            2.1,
            "ugc",
            &jordan,
            Stage::Prospect,
            "Introduce to both partners",
            -1,
            12,
            "US",
            "en",
        ),
        (
            "Elias Berg",
            "twitch",
            "eliasbergstream",
            27_000,
            1.2,
            "influencer",
            &lena,
            Stage::Declined,
            "",
            0,
            40,
            "SE",
            "sv",
        ),
        (
            "Hannah Price",
            "x",
            "hannahprice",
            62_000,
            1.7,
            "influencer",
            &maya,
            Stage::Negotiating,
            "Legal review of usage rights",
            3,
            6,
            "US",
            "en",
        ),
        (
            "Jules Moreau",
            "instagram",
            "jules.moreau",
            9_800,
            3.6,
            "ugc",
            &lena,
            Stage::Contacted,
            "Send product",
            4,
            8,
            "FR",
            "fr",
        ),
    ];
    let today = chrono::Utc::now().date_naive();
    let mut ids = std::collections::HashMap::new();
    for (name, platform, handle, followers, er, lane, owner, stage, next, due, days, country, language) in pool {
        let engagements = (followers as f64 * er / 100.0).round() as i64;
        let mut input = NewCreator::named(name, platform, handle);
        input.followers = followers;
        input.avg_reach = Some(followers * 38 / 100);
        input.avg_likes = engagements * 80 / 100;
        input.avg_comments = engagements * 6 / 100;
        input.avg_shares = engagements * 5 / 100;
        input.avg_saves = engagements - input.avg_likes - input.avg_comments - input.avg_shares;
        input.lane = lane.into();
        input.next_action = (!next.is_empty()).then(|| next.to_string());
        input.next_action_due = (!next.is_empty()).then(|| today + chrono::Duration::days(due));
        input.country = Some(country.into());
        input.language = Some(language.into());
        input.contact_email = Some(format!("{}@creators.example", handle.replace('.', "")));
        input.rates = format!("${} per post", (followers / 100).clamp(150, 9_000));
        let card = creators::add_creator(db, owner, campaign.id, &input, None).await?;
        ids.insert(name, card.id);
        if stage != Stage::Prospect {
            creators::move_card(db, owner, campaign.id, card.id, &MoveCard { stage, version: card.version }, None)
                .await?;
        }
        // A believable age in the current stage.
        db.execute(
            sqlx::query("UPDATE creators SET stage_changed_at = $1 WHERE id = $2")
                .bind(crate::db::now_ms() - days * 86_400_000)
                .bind(card.id),
        )
        .await?;
        if name == "Ava Chen" {
            let tiktok = crate::creators::PlatformStats {
                platform: "tiktok".into(),
                handle: "ava.outdoors".into(),
                followers: 91_000,
                avg_reach: Some(60_000),
                avg_likes: 4_100,
                avg_comments: 120,
                avg_shares: 300,
                avg_saves: 210,
            };
            crate::creators::ssr::add_handle(db, owner, campaign.id, card.id, &tiktok, None).await?;
            let note =
                crate::creators::NewNote { text: "Prefers email over DMs; asked for a two-week shoot window.".into() };
            crate::creators::ssr::add_note(db, &maya, campaign.id, card.id, &note, None).await?;
        }
    }
    seed_charter(db, campaign.id, [&maya, &jordan, &lena]).await?;
    seed_content(db, campaign.id, [&maya, &jordan, &lena], &ids).await?;
    Ok(true)
}

/// Both lanes with their settings, and deliverables at every step: awaiting a draft, in review (one past its
/// SLA, so an escalation is raised when the server starts), changes requested, approved and paid.
async fn seed_content(
    db: &Db,
    campaign_id: i64,
    [maya, jordan, lena]: [&Principal; 3],
    ids: &std::collections::HashMap<&str, i64>,
) -> Result<()> {
    use crate::content::ssr as content;
    use crate::content::{Decision, NewDeliverable, NewSubmission, Review, SaveLane};
    use crate::vocab::Lane;
    content::set_time_zone(db, maya, campaign_id, "America/Los_Angeles").await?;
    let lanes = [
        (Lane::Ugc, "# UGC assets\nRaw, phone-shot, vertical 9:16. The jacket in real weather within 3 seconds.\n\n- 15 to 30 seconds\n- No voice-over needed", 24, 1_200_000, 45_000),
        (Lane::Influencer, "# Influencer posts\nOne feed post and one story frame on launch day, in your own voice.\n\n- #ad in the first line\n- Link in bio for the whole flight", 48, 6_000_000, 250_000),
    ];
    for (lane, brief, sla_hours, budget_cents, default_fee_cents) in lanes {
        content::save_lane(
            db,
            lena,
            campaign_id,
            &SaveLane { lane, brief: brief.into(), sla_hours, budget_cents, default_fee_cents, version: 0 },
        )
        .await?;
    }
    // Creators with portal accounts (Priya's sign-in is printed with the others).
    let mut creators = std::collections::HashMap::new();
    for (name, email) in [
        ("Priya Nair", "priya@creators.example"),
        ("Lucía Gómez", "lucia@creators.example"),
        ("Sofie Jansen", "sofie@creators.example"),
        ("Kenji Sato", "kenji@creators.example"),
    ] {
        let creator_id = ids[name];
        let (_, token) = campaigns::create_invitation(
            db,
            jordan,
            campaign_id,
            &NewInvitation { kind: InvitationKind::Creator, creator_id: Some(creator_id) },
        )
        .await?;
        let user_id = campaigns::accept_creator(db, &token, name, email, DEMO_PASSWORD).await?;
        creators.insert(name, principal(db, user_id).await?);
    }
    let today = chrono::Utc::now().date_naive();
    let brief = |name: &str, lane: Lane, title: &str, expectations: &str, due: i64| NewDeliverable {
        creator_id: ids[name],
        lane: Some(lane),
        title: title.into(),
        expectations: expectations.into(),
        due_date: Some((today + chrono::Duration::days(due)).to_string()),
        fee_cents: None,
    };
    let submit = |caption: &str, link: &str| NewSubmission {
        caption: caption.into(),
        link: Some(link.into()),
        uploads: Vec::new(),
    };
    let review = |round, decision, feedback: &str, criteria: Vec<bool>, version| Review {
        round,
        decision,
        feedback: feedback.into(),
        criteria,
        disclosure_note: String::new(),
        version,
    };
    // Every criterion of the charter's three per lane met.
    let all_met = || vec![true, true, true];

    // Ava: briefed, no draft yet.
    content::create_deliverable(
        db,
        jordan,
        campaign_id,
        &brief(
            "Ava Chen",
            Lane::Influencer,
            "Launch-day Reel",
            "A 30-second Reel on the trail, posted on launch day with one story frame.",
            9,
        ),
        None,
    )
    .await?;
    // Priya: v1 in review, the clock running.
    let d = content::create_deliverable(
        db,
        lena,
        campaign_id,
        &brief(
            "Priya Nair",
            Lane::Ugc,
            "Rain test clip (9:16)",
            "Water beading on the sleeve, then the hood up. 15-20 s.",
            3,
        ),
        None,
    )
    .await?;
    content::submit_draft(
        db,
        &creators["Priya Nair"],
        campaign_id,
        d.id,
        // Fails the UK rule (Priya is in the UK): "gifted" alone, no "Ad" up front. Lena sees it on the round.
        &submit(
            "Gifted by @northwindoutdoor 🧥 Rain on the ridge: does it hold?",
            "https://www.tiktok.com/@priyahikes/video/7301",
        ),
        None,
    )
    .await?;
    // Lucía: v1 sent back with changes; v2 waiting 30 hours, past the 24-hour SLA.
    let d = content::create_deliverable(
        db,
        jordan,
        campaign_id,
        &brief("Lucía Gómez", Lane::Ugc, "Campfire morning", "Packing the jacket into its pocket at camp. 20 s.", 1),
        None,
    )
    .await?;
    let d = content::submit_draft(
        db,
        &creators["Lucía Gómez"],
        campaign_id,
        d.id,
        &submit("Mañana en el camp", "https://www.tiktok.com/@lucia.camps/video/5521"),
        None,
    )
    .await?;
    let d = content::review(
        db,
        lena,
        campaign_id,
        d.id,
        &review(
            1,
            Decision::ChangesRequested,
            "Lovely light. Please show the pocket packing in the first 3 seconds, and add #ad.",
            vec![false, true, true],
            d.version,
        ),
        None,
    )
    .await?;
    let d = content::submit_draft(
        db,
        &creators["Lucía Gómez"],
        campaign_id,
        d.id,
        &submit("Packs into its own pocket. Mañana en el camp #ad", "https://www.tiktok.com/@lucia.camps/video/5522"),
        None,
    )
    .await?;
    let thirty_hours = 30 * 3_600_000;
    db.execute(sqlx::query("UPDATE submissions SET submitted_at = submitted_at - $1, review_due_at = review_due_at - $1 WHERE deliverable_id = $2 AND round = 2")
        .bind(thirty_hours)
        .bind(d.id)
        )
        .await?;
    // Sofie: approved, paid in euros (agreed with her), approved for payment and overdue. Kenji: approved and paid.
    crate::money::ssr::set_creator_currency(
        db,
        lena,
        campaign_id,
        ids["Sofie Jansen"],
        &crate::money::SetCreatorCurrency { currency: Some("EUR".into()) },
    )
    .await?;
    let sofie = approved_at_once(
        db,
        (lena, lena, &creators["Sofie Jansen"]),
        campaign_id,
        (
            &NewDeliverable {
                fee_cents: Some(380_000),
                ..brief("Sofie Jansen", Lane::Ugc, "Pack-light unboxing", "From box to pocket in one take.", -6)
            },
            &submit("From box to pocket in 12 seconds #ad", "https://www.instagram.com/p/sofie-pack"),
        ),
        all_met(),
    )
    .await?
    .id;
    let kenji = approved_at_once(
        db,
        (jordan, jordan, &creators["Kenji Sato"]),
        campaign_id,
        (
            &brief(
                "Kenji Sato",
                Lane::Influencer,
                "Gear review video",
                "Ten minutes on YouTube, the shell in three weathers.",
                -20,
            ),
            &submit("Trailhead shell: 3 weathers, 1 jacket #ad", "https://www.youtube.com/watch?v=kenjigear1"),
        ),
        all_met(),
    )
    .await?
    .id;
    // Kenji's teaser from an earlier flight: approved 45 days ago under 30-day rights, so expired.
    let teaser = approved_at_once(
        db,
        (jordan, jordan, &creators["Kenji Sato"]),
        campaign_id,
        (
            &brief(
                "Kenji Sato",
                Lane::Influencer,
                "Trail teaser (pre-launch)",
                "A 15-second teaser for the waitlist.",
                -50,
            ),
            &submit("#ad Something waterproof is coming 👀", "https://www.youtube.com/shorts/kenjiteaser"),
        ),
        all_met(),
    )
    .await?;
    // Two more lines: Priya (UK) in pounds, scheduled; Lucía (ES) in euros, disputed.
    let mut more = Vec::new();
    for (name, currency, fee, title, who) in [
        ("Priya Nair", "GBP", 60_000, "Hood-up close-up", lena),
        ("Lucía Gómez", "EUR", 50_000, "Camp stove story", jordan),
    ] {
        crate::money::ssr::set_creator_currency(
            db,
            who,
            campaign_id,
            ids[name],
            &crate::money::SetCreatorCurrency { currency: Some(currency.into()) },
        )
        .await?;
        let brief = NewDeliverable { fee_cents: Some(fee), ..brief(name, Lane::Ugc, title, "One take, 10 s.", -2) };
        let draft = submit("#ad Ten seconds of it", "https://www.tiktok.com/@demo/video/1");
        more.push(
            approved_at_once(db, (who, lena, &creators[name]), campaign_id, (&brief, &draft), all_met()).await?.id,
        );
    }
    seed_money(db, campaign_id, maya, [jordan, lena], sofie, kenji, more[1]).await?;
    seed_rights(db, campaign_id, [maya, jordan, lena], &creators, teaser.id).await
}

/// Usage rights in every state: Sofie's clip active (accepted, with a Spark Ads code), Kenji's review expiring in
/// four days with a paid boost logged past the end (an escalation), his teaser expired, and terms proposed to
/// Priya that wait for her acceptance on her portal.
async fn seed_rights(
    db: &Db,
    campaign_id: i64,
    [maya, jordan, lena]: [&Principal; 3],
    creators: &std::collections::HashMap<&str, Principal>,
    teaser: i64,
) -> Result<()> {
    use crate::rights::ssr as rights;
    use crate::rights::{AcceptTerms, CodeKind, NewAdCode, NewUse, SaveTerms, Usage};
    let today = chrono::Utc::now().date_naive();
    let day = |n: i64| (today + chrono::Duration::days(n)).to_string();
    let id_of = |title: &'static str| async move {
        sqlx::query_scalar::<_, i64>("SELECT id FROM deliverables WHERE campaign_id = $1 AND title = $2")
            .bind(campaign_id)
            .bind(title)
            .fetch_one(&db.pool)
            .await
    };
    let (northwind, brightline, kanal) = (maya.member_org()?.id, jordan.member_org()?.id, lena.member_org()?.id);
    let terms =
        |usages: Vec<Usage>, term_days: Option<i64>, dates: Option<(i64, i64)>, partner_ids: Vec<i64>| SaveTerms {
            usages,
            platforms: vec!["Instagram".into(), "TikTok".into(), "Meta Ads".into()],
            territories: vec!["US".into(), "UK".into(), "EU".into()],
            term_days,
            starts_on: dates.map(|d| day(d.0)),
            ends_on: dates.map(|d| day(d.1)),
            exclusivity: "No competing outerwear brand for 30 days after publication".into(),
            partner_ids,
            version: 0,
        };
    let all = vec![Usage::Organic, Usage::PaidAmplification, Usage::Whitelisting];
    let sofie = id_of("Pack-light unboxing").await?;
    let kenji = id_of("Gear review video").await?;
    let priya = id_of("Rain test clip (9:16)").await?;
    for (d, t, who) in [
        (sofie, terms(all.clone(), Some(180), None, vec![northwind, kanal]), "Sofie Jansen"),
        (kenji, terms(all.clone(), None, Some((-60, 4)), vec![northwind, brightline]), "Kenji Sato"),
        (teaser, terms(vec![Usage::Organic], Some(30), None, vec![northwind]), "Kenji Sato"),
    ] {
        let saved = rights::save_terms(db, maya, campaign_id, d, &t).await?;
        rights::accept_terms(db, &creators[who], campaign_id, d, &AcceptTerms { version: saved.version }).await?;
    }
    rights::save_terms(
        db,
        lena,
        campaign_id,
        priya,
        &terms(vec![Usage::Organic, Usage::PaidAmplification], Some(90), None, vec![northwind, kanal]),
    )
    .await?;
    // The teaser was approved 45 days ago: its 30 days are over.
    db.execute(
        sqlx::query(
            "UPDATE rights_ledger SET published_on = $1, approved_at = approved_at - $2 WHERE deliverable_id = $3",
        )
        .bind(day(-45))
        .bind(45 * 86_400_000i64)
        .bind(teaser),
    )
    .await?;
    rights::add_code(
        db,
        &creators["Sofie Jansen"],
        campaign_id,
        sofie,
        &NewAdCode { kind: CodeKind::Spark, code: "#tt-sofie-7f3a9c".into(), expires_on: Some(day(60)) },
        None,
    )
    .await?;
    rights::log_use(
        db,
        lena,
        campaign_id,
        sofie,
        &NewUse {
            usage: Usage::PaidAmplification,
            platform: "Meta".into(),
            starts_on: day(-2),
            ends_on: day(12),
            note: "Spring push, EU".into(),
        },
        None,
    )
    .await?;
    rights::log_use(
        db,
        jordan,
        campaign_id,
        kenji,
        &NewUse {
            usage: Usage::PaidAmplification,
            platform: "YouTube Ads".into(),
            starts_on: day(-10),
            ends_on: day(12),
            note: "US retargeting flight".into(),
        },
        None,
    )
    .await?;
    rights::scan_campaign(db, campaign_id, chrono::Utc::now()).await?;
    Ok(())
}

/// The payout ledger of the demo campaign (reported in US dollars): exchange rates for euros and pounds, and a
/// line in every state: Sofie's €3,800 approved for payment and overdue (escalated when the server starts),
/// Kenji's dollars paid, Priya's pounds scheduled, Lucía's euros disputed.
async fn seed_money(
    db: &Db,
    campaign_id: i64,
    maya: &Principal,
    [jordan, lena]: [&Principal; 2],
    sofie: i64,
    kenji: i64,
    lucia: i64,
) -> Result<()> {
    use crate::money::ssr as money;
    use crate::money::{NewRate, PayoutState, SetPayoutState};
    let today = chrono::Utc::now().date_naive();
    let day = |d: i64| (today - chrono::Duration::days(d)).to_string();
    for (who, base, d, rate) in
        [(lena, "EUR", 60, "1.08"), (lena, "EUR", 3, "1.09"), (jordan, "GBP", 60, "1.27"), (jordan, "GBP", 3, "1.26")]
    {
        let input = NewRate { base: base.into(), quote: "USD".into(), day: day(d), rate: rate.into() };
        money::add_rate(db, who, campaign_id, &input, None).await?;
    }
    // Sofie's was approved 40 days ago on net-30 terms: ten days overdue.
    db.execute(
        sqlx::query("UPDATE payouts SET approved_on = $1, due_date = $2 WHERE deliverable_id = $3")
            .bind(day(40))
            .bind(day(10))
            .bind(sofie),
    )
    .await?;
    let line_of = |deliverable: i64| async move {
        let id: i64 = sqlx::query_scalar("SELECT id FROM payouts WHERE deliverable_id = $1")
            .bind(deliverable)
            .fetch_one(&db.pool)
            .await?;
        Ok::<_, crate::error::AppError>(id)
    };
    let set = |state, version, reference: &str, note: &str| SetPayoutState {
        state,
        version,
        paid_on: None,
        reference: reference.into(),
        note: note.into(),
    };
    money::set_payout_state(db, maya, campaign_id, line_of(sofie).await?, &set(PayoutState::Approved, 1, "", ""), None)
        .await?;
    let k = line_of(kenji).await?;
    let l = money::set_payout_state(db, maya, campaign_id, k, &set(PayoutState::Approved, 1, "", ""), None).await?;
    money::set_payout_state(db, maya, campaign_id, k, &set(PayoutState::Paid, l.version, "ACH 2027-118", ""), None)
        .await?;
    money::set_payout_state(
        db,
        lena,
        campaign_id,
        line_of(lucia).await?,
        &set(PayoutState::Disputed, 1, "", "The fee agreed in her email was €450, not €500"),
        None,
    )
    .await?;
    Ok(())
}

/// A complete charter, proposed as version 1 and signed by the brand: the agencies' signatures are what
/// the launch checklist still waits for.
async fn seed_charter(db: &Db, campaign_id: i64, [maya, jordan, lena]: [&Principal; 3]) -> Result<()> {
    use crate::charter::{ssr as charter, SaveSection, Section};
    use serde_json::json;
    let org = |p: &Principal| p.me.org.as_ref().map(|o| o.id).unwrap_or_default();
    let today = chrono::Utc::now().date_naive();
    let this_q = crate::charter::quarter_of(today);
    let next_q = crate::charter::quarter_of(today + chrono::Duration::days(92));
    let sections = [
        (
            Section::Audience,
            json!({ "segment": "Weekend hikers who camp two to six nights a year", "region": "US Pacific Northwest and the DACH Alps",
            "age_band": "25–40", "interests": "hiking, wild camping, light packing", "language": "English and German", "market": "US + DE/AT/CH" }),
        ),
        (Section::ValueProposition, json!({ "propositions": ["Stay dry on any trail without carrying the weight"] })),
        (
            Section::CreativeBrief,
            json!({ "markdown": "# The story
Real trails, real weather, real people: the Trailhead shell proves itself outdoors, not in a studio.

## Must show
- The jacket in rain or wind
- Packing it into its own pocket
- **#ad** disclosure in the first line

## Avoid
- Studio shots
- Comparisons with named competitors" }),
        ),
        (
            Section::Pillars,
            json!({ "pillars": [
            { "name": "Trail tests", "description": "The product in real weather", "dos": "Rain, wind, mud; show the beading", "donts": "Staged studio water" },
            { "name": "Pack light", "description": "How little space it takes", "dos": "Pack it into its pocket on camera", "donts": "Unboxing without use" } ] }),
        ),
        (
            Section::Criteria,
            json!({ "ugc": ["Product visible within the first 3 seconds", "Natural light, vertical 9:16", "No music we cannot license"],
            "influencer": ["#ad disclosure in the first line", "Link in bio for the whole flight", "One story frame on the day of the post"],
            "creator_expectations": "Two drafts at most, one round of changes, answers within 24 hours for UGC and 48 hours for posts. Ask your point of contact, nobody else.",
            "disclosure": ["#ad", "DACH: Werbung"] }),
        ),
        (
            Section::Success,
            json!({ "targets": [
            { "lane": "influencer", "metric": "engagement_rate", "comparison": ">=", "value": 3.0 },
            { "lane": "influencer", "metric": "cpe", "comparison": "<=", "value": 0.10 },
            { "lane": "influencer", "metric": "posts_published", "comparison": ">=", "value": 24.0 },
            { "lane": "ugc", "metric": "approved_ugc_assets", "comparison": ">=", "value": 40.0 },
            { "lane": "ugc", "metric": "engagement_rate_reach", "comparison": ">=", "value": 4.0 } ] }),
        ),
        (
            Section::Thresholds,
            json!({ "thresholds": [
            { "metric": "cpe", "comparison": ">", "value": 0.15, "scope": "lane", "scope_value": "influencer", "escalate_to": jordan.me.user_id },
            { "metric": "engagement_rate", "comparison": "<", "value": 1.5, "scope": "tier", "scope_value": "micro", "escalate_to": maya.me.user_id } ] }),
        ),
        (
            Section::Responsibilities,
            json!({ "items": [
            { "org_id": org(maya), "responsibility": "Budget, brand safety and final say", "accountable": maya.me.user_id },
            { "org_id": org(jordan), "responsibility": "Influencer relations and talent", "accountable": jordan.me.user_id },
            { "org_id": org(lena), "responsibility": "UGC strategy and content approval", "accountable": lena.me.user_id } ] }),
        ),
        (Section::Ownership, json!({ "accountable_owner": maya.me.user_id, "creator_contact": jordan.me.user_id })),
        (
            Section::Rotation,
            json!({ "slots": [ { "quarter": this_q, "lead_org_id": org(lena) }, { "quarter": next_q, "lead_org_id": org(maya) } ] }),
        ),
    ];
    for (section, body) in sections {
        charter::save_charter_section(db, maya, campaign_id, &SaveSection { section, body, version: 0 }, None).await?;
    }
    let number = charter::propose_charter(db, maya, campaign_id).await?;
    charter::sign_charter(db, maya, campaign_id, number).await?;
    Ok(())
}

/// The partners' working styles (Kanal Studio with four approval steps, and Berlin hours that never meet Los
/// Angeles'), and "Winter Preview", an earlier campaign of Brightline and Kanal Studio in which Kanal's four UGC
/// reviews took 30, 41, 45 and 52 hours against its stated 24.
async fn seed_fit(db: &Db, [maya, jordan, lena]: [&Principal; 3]) -> Result<()> {
    use crate::content::{NewDeliverable, NewSubmission};
    use crate::fit::{SaveProfile, WorkingStyle};
    use crate::vocab::Lane;
    let style = |zone: &str, start: &str, end: &str, review: i64, reply: i64, steps: i64, signer: &str| WorkingStyle {
        time_zone: zone.into(),
        work_start: start.into(),
        work_end: end.into(),
        review_hours: review,
        reply_hours: reply,
        approval_steps: steps,
        signer: signer.into(),
        ..WorkingStyle::default()
    };
    let profiles = [
        (
            maya,
            WorkingStyle {
                team_size: 6,
                markets: "US, CA".into(),
                campaigns_per_quarter: 2,
                languages: "English".into(),
                reporting_cadence: "Weekly".into(),
                tools: "Looker, Slack".into(),
                ..style("America/Los_Angeles", "09:00", "17:00", 24, 24, 2, "VP Marketing")
            },
        ),
        (
            jordan,
            WorkingStyle {
                team_size: 14,
                markets: "US".into(),
                campaigns_per_quarter: 9,
                languages: "English, Spanish".into(),
                reporting_cadence: "Twice a week".into(),
                tools: "Airtable, Slack".into(),
                ..style("America/New_York", "09:00", "18:00", 24, 12, 1, "Account director")
            },
        ),
        (
            lena,
            WorkingStyle {
                team_size: 22,
                markets: "DE, AT, CH, NL".into(),
                campaigns_per_quarter: 5,
                languages: "German, English".into(),
                reporting_cadence: "Monthly".into(),
                tools: "Notion, Teams".into(),
                measure_working_hours: false,
                ..style("Europe/Berlin", "09:00", "17:00", 24, 24, 4, "Managing director")
            },
        ),
    ];
    for (who, style) in profiles {
        crate::fit::ssr::save_profile(db, who, &SaveProfile { style, version: 0 }).await?;
    }

    let past =
        campaigns::create_campaign(db, jordan, &NewCampaign { name: "Winter Preview".into(), currency: None }).await?;
    let (_, token) = campaigns::create_invitation(
        db,
        jordan,
        past.id,
        &NewInvitation { kind: InvitationKind::Partner, creator_id: None },
    )
    .await?;
    campaigns::accept_partner(db, lena, &token).await?;
    for (i, (name, handle)) in
        [("Mila Ross", "mila.rides"), ("Finn Hale", "finnhale"), ("Yara Haddad", "yara.hikes"), ("Ole Lund", "olelund")]
            .into_iter()
            .enumerate()
    {
        let mut input = NewCreator::named(name, "tiktok", handle);
        input.followers = 12_000 + 3_000 * i as i64;
        input.lane = "ugc".into();
        let card = creators::add_creator(db, lena, past.id, &input, None).await?;
        let (_, token) = campaigns::create_invitation(
            db,
            lena,
            past.id,
            &NewInvitation { kind: InvitationKind::Creator, creator_id: Some(card.id) },
        )
        .await?;
        let email = format!("{}@winter.creators.example", handle.replace('.', ""));
        let creator = principal(db, campaigns::accept_creator(db, &token, name, &email, DEMO_PASSWORD).await?).await?;
        let brief = NewDeliverable {
            creator_id: card.id,
            lane: Some(Lane::Ugc),
            title: "Snow test clip".into(),
            expectations: "The shell in snow, 15 s.".into(),
            due_date: None,
            fee_cents: None,
        };
        let submission = NewSubmission {
            caption: "Snow day #ad".into(),
            link: Some(format!("https://www.tiktok.com/@{handle}/video/1")),
            uploads: Vec::new(),
        };
        approved_at_once(db, (lena, lena, &creator), past.id, (&brief, &submission), Vec::new()).await?;
    }
    backdate(db, past.id, &[30, 41, 45, 52]).await
}

/// A deliverable briefed by `partner`, sent once by its creator and approved on round 1 by the lane's `reviewer`
/// with `criteria` ticked (one per criterion of the lane's charter, or none).
async fn approved_at_once(
    db: &Db,
    (partner, reviewer, creator): (&Principal, &Principal, &Principal),
    campaign_id: i64,
    (brief, draft): (&crate::content::NewDeliverable, &crate::content::NewSubmission),
    criteria: Vec<bool>,
) -> Result<crate::content::Deliverable> {
    use crate::content::ssr as content;
    let d = content::create_deliverable(db, partner, campaign_id, brief, None).await?;
    let d = content::submit_draft(db, creator, campaign_id, d.id, draft, None).await?;
    let review = crate::content::Review {
        round: 1,
        decision: crate::content::Decision::Approved,
        feedback: String::new(),
        criteria,
        disclosure_note: String::new(),
        version: d.version,
    };
    content::review(db, reviewer, campaign_id, d.id, &review, None).await
}

/// Moves a seeded campaign's events into the past (two months ago, an hour apart), each review decision
/// `review_hours` after the event before it, in order: the event log is what partner fit reads.
async fn backdate(db: &Db, campaign_id: i64, review_hours: &[i64]) -> Result<()> {
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT seq, body FROM events WHERE campaign_id = $1 ORDER BY seq")
        .bind(campaign_id)
        .fetch_all(&db.pool)
        .await?;
    let mut at = chrono::Utc::now() - chrono::Duration::days(60);
    let mut waits = review_hours.iter();
    let mut w = db.write().await?;
    for (seq, body) in rows {
        let Ok(mut event) = serde_json::from_str::<serde_json::Value>(&body) else { continue };
        let decided = event["kind"] == "deliverable_changed"
            && matches!(event["data"]["status"].as_str(), Some("approved" | "changes_requested" | "rejected"));
        at += chrono::Duration::hours(if decided { waits.next().copied().unwrap_or(1) } else { 1 });
        event["at"] = serde_json::json!(at);
        sqlx::query("UPDATE events SET body = $1, created_at = $2 WHERE campaign_id = $3 AND seq = $4")
            .bind(event.to_string())
            .bind(at.timestamp_millis())
            .bind(campaign_id)
            .bind(seq)
            .execute(w.conn())
            .await?;
    }
    w.commit().await?;
    Ok(())
}
