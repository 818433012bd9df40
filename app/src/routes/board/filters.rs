//! The board's filters: kept in the URL (so a partner can share the exact view), and the bar that sets them.
use leptos::prelude::*;

use super::*;

// ---- Filters (kept in the URL, so a partner can share the exact view) ------------------------------

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Filters {
    pub q: String,
    pub partner: Option<i64>,
    pub person: Option<i64>,
    /// A tier name, "below" (under their follower tier's minimum), or "none".
    pub tier: String,
    pub platform: String,
    pub lane: String,
    /// At least this many days in the current stage.
    pub age: Option<i64>,
    pub overdue: bool,
}

impl Filters {
    pub fn from_query(q: &ParamsMap) -> Filters {
        let s = |k: &str| q.get(k).unwrap_or_default();
        Filters {
            q: s("q"),
            partner: s("partner").parse().ok(),
            person: s("person").parse().ok(),
            tier: s("tier"),
            platform: s("platform"),
            lane: s("lane"),
            age: s("age").parse().ok().filter(|d: &i64| *d > 0),
            overdue: s("overdue") == "1",
        }
    }

    pub fn to_query(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut push = |k: &str, v: String| {
            if !v.is_empty() {
                parts.push(format!("{k}={}", form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()));
            }
        };
        push("q", self.q.clone());
        push("partner", self.partner.map(|v| v.to_string()).unwrap_or_default());
        push("person", self.person.map(|v| v.to_string()).unwrap_or_default());
        push("tier", self.tier.clone());
        push("platform", self.platform.clone());
        push("lane", self.lane.clone());
        push("age", self.age.map(|v| v.to_string()).unwrap_or_default());
        push("overdue", if self.overdue { "1".into() } else { String::new() });
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }

    pub fn active(&self) -> bool {
        *self != Filters::default()
    }

    pub fn matches(&self, c: &Card, tiers: &Tiers, now: chrono::DateTime<chrono::Utc>) -> bool {
        if let Some(p) = self.partner {
            if c.owner.id != p {
                return false;
            }
        }
        if self.person.is_some() && c.owner_user_id != self.person {
            return false;
        }
        if !self.platform.is_empty() && c.platform != self.platform {
            return false;
        }
        if !self.lane.is_empty() && c.lane.as_str() != self.lane {
            return false;
        }
        if let Some(days) = self.age {
            if c.stage_age_days(now) < days {
                return false;
            }
        }
        if self.overdue && !c.overdue(now.date_naive()) {
            return false;
        }
        if !self.tier.is_empty() {
            let t = tier_for(tiers, &c.metrics());
            let ok = match self.tier.as_str() {
                "below" => t.below_minimum,
                "none" => t.tier.is_none(),
                name => t.tier.as_deref() == Some(name),
            };
            if !ok {
                return false;
            }
        }
        if !self.q.trim().is_empty() {
            let q = self.q.trim().trim_start_matches('@').to_lowercase();
            let hay =
                [c.name.as_str(), c.handle.as_str(), c.next_action.as_deref().unwrap_or(""), c.owner.name.as_str()];
            if !hay.iter().any(|h| h.to_lowercase().contains(&q)) {
                return false;
            }
        }
        true
    }
}

#[component]
pub(super) fn FilterBar() -> impl IntoView {
    let ctx = expect_context::<BoardCtx>();
    let filters = expect_context::<RwSignal<Filters>>();
    let set = move |f: Filters| {
        // The address follows the filters without a page load (so a reload or a shared link shows the same view).
        #[cfg(feature = "hydrate")]
        {
            let url = format!("/campaigns/{}{}", ctx.campaign_id, f.to_query());
            if let Ok(history) = window().history() {
                _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
            }
        }
        filters.set(f);
    };
    let set = StoredValue::new(set);
    let update = move |change: Box<dyn FnOnce(&mut Filters)>| {
        let mut f = filters.get_untracked();
        change(&mut f);
        set.with_value(|s| s(f));
    };
    let tier_names = move || ctx.tiers.with(|t| t.tiers.iter().map(|t| t.name.clone()).collect::<Vec<_>>());
    let people = move || {
        let partner = filters.with(|f| f.partner);
        ctx.people.with(|ps| ps.iter().filter(|p| partner.is_none_or(|o| o == p.org_id)).cloned().collect::<Vec<_>>())
    };
    let opt_id = |v: String| v.parse::<i64>().ok();
    // On phones the filters fold away behind one button (the search box stays).
    let unfolded = RwSignal::new(false);
    let active = move || {
        filters.with(|f| {
            [
                f.partner.is_some(),
                f.person.is_some(),
                !f.tier.is_empty(),
                !f.platform.is_empty(),
                !f.lane.is_empty(),
                f.age.is_some(),
                f.overdue,
            ]
            .into_iter()
            .filter(|b| *b)
            .count()
        })
    };
    view! {
        <form class="filters" class:folded=move || !unfolded.get() role="search" aria-label="Filter the board" data-testid="filters" on:submit=|ev| ev.prevent_default()>
            <button type="button" class="button small filters-toggle" aria-expanded=move || unfolded.get().to_string()
                on:click=move |_| unfolded.update(|u| *u = !*u)>
                {move || match active() {
                    0 => "Filters".to_string(),
                    n => format!("Filters ({n})"),
                }}
            </button>
            <label class="grow">
                <span class="sr-only">"Search"</span>
                <input type="search" name="q" placeholder="Search name, @handle, next action…"
                    prop:value=move || filters.with(|f| f.q.clone())
                    on:input=move |ev| { let v = event_target_value(&ev); update(Box::new(move |f| f.q = v)) }/>
            </label>
            <label>
                <span class="sr-only">"Owner partner"</span>
                <select name="partner" on:change=move |ev| { let v = opt_id(event_target_value(&ev)); update(Box::new(move |f| { f.partner = v; f.person = None; })) }>
                    <option value="" selected=move || filters.with(|f| f.partner.is_none())>"All partners"</option>
                    <For each=move || ctx.partners.get() key=|p| p.id children=move |p| {
                        let id = p.id;
                        view! { <option value=id.to_string() selected=move || filters.with(|f| f.partner == Some(id))>{p.name}</option> }
                    }/>
                </select>
            </label>
            <label>
                <span class="sr-only">"Owner person"</span>
                <select name="person" on:change=move |ev| { let v = opt_id(event_target_value(&ev)); update(Box::new(move |f| f.person = v)) }>
                    <option value="" selected=move || filters.with(|f| f.person.is_none())>"Anyone"</option>
                    <For each=people key=|p| p.user_id children=move |p| {
                        let id = p.user_id;
                        view! { <option value=id.to_string() selected=move || filters.with(|f| f.person == Some(id))>{p.name}</option> }
                    }/>
                </select>
            </label>
            <label>
                <span class="sr-only">"Tier"</span>
                <select name="tier" on:change=move |ev| { let v = event_target_value(&ev); update(Box::new(move |f| f.tier = v)) }>
                    <option value="" selected=move || filters.with(|f| f.tier.is_empty())>"Any tier"</option>
                    <For each=tier_names key=|t| t.clone() children=move |t| {
                        let t2 = t.clone();
                        let v = t.clone();
                        view! { <option value=v selected=move || filters.with(|f| f.tier == t2)>{t}</option> }
                    }/>
                    <option value="below" selected=move || filters.with(|f| f.tier == "below")>"Below their tier's engagement"</option>
                    <option value="none" selected=move || filters.with(|f| f.tier == "none")>"No tier"</option>
                </select>
            </label>
            <label>
                <span class="sr-only">"Platform"</span>
                <select name="platform" on:change=move |ev| { let v = event_target_value(&ev); update(Box::new(move |f| f.platform = v)) }>
                    <option value="" selected=move || filters.with(|f| f.platform.is_empty())>"Any platform"</option>
                    {PLATFORMS.into_iter().map(|p| view! {
                        <option value=p selected=move || filters.with(|f| f.platform == p)>{p}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>
                <span class="sr-only">"Lane"</span>
                <select name="lane" on:change=move |ev| { let v = event_target_value(&ev); update(Box::new(move |f| f.lane = v)) }>
                    <option value="" selected=move || filters.with(|f| f.lane.is_empty())>"Both lanes"</option>
                    {[Lane::Influencer, Lane::Ugc].into_iter().map(|l| view! {
                        <option value=l.as_str() selected=move || filters.with(|f| f.lane == l.as_str())>{l.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>
                <span class="sr-only">"Stage age"</span>
                <select name="age" on:change=move |ev| { let v = opt_id(event_target_value(&ev)); update(Box::new(move |f| f.age = v)) }>
                    <option value="" selected=move || filters.with(|f| f.age.is_none())>"Any stage age"</option>
                    {[3i64, 7, 14, 30].into_iter().map(|d| view! {
                        <option value=d.to_string() selected=move || filters.with(|f| f.age == Some(d))>{format!("{d}+ days in stage")}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class="check">
                <input type="checkbox" name="overdue" prop:checked=move || filters.with(|f| f.overdue)
                    on:change=move |ev| { let v = event_target_checked(&ev); update(Box::new(move |f| f.overdue = v)) }/>
                "Overdue"
            </label>
            {move || filters.with(Filters::active).then(|| view! {
                <button type="button" class="button small" on:click=move |_| set.with_value(|s| s(Filters::default()))>"Clear filters"</button>
            })}
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_round_trip_through_the_url() {
        let f = Filters {
            q: "ava & co".into(),
            partner: Some(3),
            person: None,
            tier: "micro".into(),
            platform: "tiktok".into(),
            lane: "ugc".into(),
            age: Some(7),
            overdue: true,
        };
        let q = f.to_query();
        assert_eq!(q, "?q=ava+%26+co&partner=3&tier=micro&platform=tiktok&lane=ugc&age=7&overdue=1");
        let mut map = ParamsMap::new();
        for pair in q.trim_start_matches('?').split('&') {
            let (k, v) = pair.split_once('=').unwrap();
            let v = v.replace('+', " ").replace("%26", "&");
            map.insert(k.to_string(), v);
        }
        assert_eq!(Filters::from_query(&map), f);
        assert_eq!(Filters::default().to_query(), "");
    }
}
