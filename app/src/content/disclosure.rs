//! Disclosure: whether a caption says it is an ad the way the creator's market requires (US FTC, UK ASA/CMA,
//! DE/AT/CH, FR, other) and carries the wording the partners agreed in the charter. The rules are data
//! (`disclosure_rules.json`, each with its source); the checker is a pure function of caption, market and wording,
//! run on the server only (the portal asks it through a server function: no rules in the browser's bundle).
use serde::{Deserialize, Serialize};

/// The market whose disclosure rules apply to a creator (from the country on her profile).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Market {
    Us,
    Uk,
    Dach,
    Fr,
    Other,
}

impl Market {
    pub const ALL: [Market; 5] = [Market::Us, Market::Uk, Market::Dach, Market::Fr, Market::Other];

    pub fn key(self) -> &'static str {
        match self {
            Market::Us => "us",
            Market::Uk => "uk",
            Market::Dach => "dach",
            Market::Fr => "fr",
            Market::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Market> {
        let s = s.trim().to_ascii_lowercase();
        Market::ALL.into_iter().find(|m| m.key() == s)
    }

    /// A short label: "US", "UK", "DE/AT/CH", "FR", "Other".
    pub fn label(self) -> &'static str {
        match self {
            Market::Us => "US",
            Market::Uk => "UK",
            Market::Dach => "DE/AT/CH",
            Market::Fr => "FR",
            Market::Other => "Other",
        }
    }
}

/// One rule applied to a caption: the market's rule, or the campaign's agreed wording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DisclosureFinding {
    /// The rule, named: "UK · ASA/CMA: \"Ad\" up front, …" or "Campaign wording (charter)".
    pub rule: String,
    /// Where the rule comes from.
    pub source: String,
    pub passed: bool,
    /// What was found, in a sentence.
    pub detail: String,
    /// What to change, when it failed.
    pub fix: Option<String>,
}

/// The automatic disclosure criterion of a round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DisclosureCheck {
    pub market: Market,
    /// "United Kingdom".
    pub market_name: String,
    pub passed: bool,
    pub findings: Vec<DisclosureFinding>,
}

impl DisclosureCheck {
    pub fn failures(&self) -> impl Iterator<Item = &DisclosureFinding> {
        self.findings.iter().filter(|f| !f.passed)
    }
}

/// The caption a creator is writing, to check before she sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::json_text::FromJson)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CheckCaption {
    #[serde(default)]
    pub caption: String,
}

/// A line of the charter's agreed wording: "#ad @northwind" for every market, or "UK: #ad" for one.
#[derive(Debug, Clone, PartialEq)]
pub struct AgreedWording {
    pub market: Option<Market>,
    pub wording: String,
}

impl AgreedWording {
    /// The charter's lines (blank ones skipped). A line starts with a market only when its prefix names one
    /// (`US:`, `UK:`, `GB:`, `DACH:`, `DE:`, `AT:`, `CH:`, `FR:`, `OTHER:`); otherwise the colon is part of the wording.
    pub fn parse_lines(lines: &[String]) -> Vec<AgreedWording> {
        lines
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .map(|l| {
                let market = l.split_once(':').and_then(|(p, rest)| {
                    let m = match p.trim().to_ascii_uppercase().as_str() {
                        "US" => Market::Us,
                        "UK" | "GB" => Market::Uk,
                        "DACH" | "DE" | "AT" | "CH" | "DE/AT/CH" => Market::Dach,
                        "FR" => Market::Fr,
                        "OTHER" => Market::Other,
                        _ => return None,
                    };
                    Some((m, rest.trim()))
                });
                match market {
                    Some((m, rest)) if !rest.is_empty() => AgreedWording { market: Some(m), wording: rest.into() },
                    _ => AgreedWording { market: None, wording: l.into() },
                }
            })
            .collect()
    }
}

#[cfg(feature = "ssr")]
pub use checker::{check, market_of_country, rules, MarketRules};

#[cfg(feature = "ssr")]
mod checker {
    use std::sync::LazyLock;

    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Placement {
        /// In the caption's first line, and before the cut.
        FirstLine,
        /// Within the first `cut` characters (before Instagram's "more").
        BeforeCut,
        Anywhere,
    }

    #[derive(Debug, Clone, Deserialize)]
    pub struct NotEnough {
        pub word: String,
        pub why: String,
    }

    /// One market's rule, as `disclosure_rules.json` states it.
    #[derive(Debug, Clone, Deserialize)]
    pub struct MarketRules {
        pub key: String,
        pub name: String,
        pub countries: Vec<String>,
        pub rule: String,
        pub source: String,
        pub labels: Vec<String>,
        pub suggested: String,
        pub placement: Placement,
        pub not_among_hashtags: bool,
        pub not_enough: Vec<NotEnough>,
    }

    #[derive(Debug, Deserialize)]
    pub struct RuleBook {
        pub cut: usize,
        pub markets: Vec<MarketRules>,
    }

    static RULES: LazyLock<RuleBook> = LazyLock::new(|| {
        serde_json::from_str(include_str!("disclosure_rules.json")).expect("disclosure_rules.json is valid")
    });

    pub fn rules() -> &'static RuleBook {
        &RULES
    }

    impl RuleBook {
        pub fn market(&self, m: Market) -> &MarketRules {
            self.markets.iter().find(|r| r.key == m.key()).unwrap_or_else(|| &self.markets[self.markets.len() - 1])
        }
    }

    /// The market of a two-letter country code (none or unknown: other).
    pub fn market_of_country(country: Option<&str>) -> Market {
        let Some(c) = country.map(|c| c.trim().to_ascii_uppercase()) else { return Market::Other };
        rules()
            .markets
            .iter()
            .find(|r| r.countries.contains(&c))
            .and_then(|r| Market::parse(&r.key))
            .unwrap_or(Market::Other)
    }

    /// A word or tag of the caption: `#ad` is (Some('#'), "ad").
    #[derive(Debug, Clone)]
    struct Token {
        prefix: Option<char>,
        text: String,
        /// Character offsets in the trimmed caption, end exclusive.
        start: usize,
        end: usize,
        line: usize,
    }

    fn word_char(c: char) -> bool {
        c.is_alphanumeric() || c == '_'
    }

    fn tokens(chars: &[char]) -> Vec<Token> {
        let mut out = Vec::new();
        let mut i = 0;
        let mut line = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '\n' {
                line += 1;
                i += 1;
                continue;
            }
            let prefixed = (c == '#' || c == '@') && chars.get(i + 1).is_some_and(|n| word_char(*n));
            if !prefixed && !word_char(c) {
                i += 1;
                continue;
            }
            let start = i;
            let prefix = prefixed.then_some(c);
            if prefixed {
                i += 1;
            }
            let from = i;
            while i < chars.len()
                && (word_char(chars[i])
                    || (prefix == Some('@') && chars[i] == '.' && chars.get(i + 1).is_some_and(|n| word_char(*n))))
            {
                i += 1;
            }
            let text: String = chars[from..i].iter().collect::<String>().to_lowercase();
            out.push(Token { prefix, text, start, end: i, line });
        }
        out
    }

    /// Where a phrase occurs: (first token, last token) index pairs. A one-word phrase matches a word or a hashtag;
    /// a longer one matches its words in a row, or the same words written as one hashtag ("#paidpartnership").
    fn find(toks: &[Token], phrase: &str) -> Vec<(usize, usize)> {
        let words: Vec<String> = tokens(&phrase.chars().collect::<Vec<_>>()).into_iter().map(|t| t.text).collect();
        if words.is_empty() {
            return Vec::new();
        }
        let joined = words.concat();
        let mut out = Vec::new();
        for i in 0..toks.len() {
            let t = &toks[i];
            if words.len() == 1 {
                if t.text == words[0] && t.prefix != Some('@') {
                    out.push((i, i));
                }
                continue;
            }
            if t.prefix == Some('#') && t.text == joined {
                out.push((i, i));
            } else if i + words.len() <= toks.len()
                && toks[i..i + words.len()].iter().zip(&words).all(|(t, w)| t.prefix.is_none() && t.text == *w)
            {
                out.push((i, i + words.len() - 1));
            }
        }
        out
    }

    /// An exact phrase, signs included (the agreed wording "#ad @northwind" needs the tag and the mention).
    fn find_exact(toks: &[Token], phrase: &str) -> bool {
        let want = tokens(&phrase.chars().collect::<Vec<_>>());
        !want.is_empty()
            && toks
                .windows(want.len())
                .any(|w| w.iter().zip(&want).all(|(a, b)| a.prefix == b.prefix && a.text == b.text))
    }

    /// The run of hashtags (tokens in a row that are all hashtags) a token stands in: its length.
    fn hashtag_run(toks: &[Token], i: usize) -> usize {
        if toks[i].prefix != Some('#') {
            return 0;
        }
        let tag = |t: &Token| t.prefix == Some('#');
        let before = toks[..i].iter().rev().take_while(|t| tag(t)).count();
        let after = toks[i + 1..].iter().take_while(|t| tag(t)).count();
        before + 1 + after
    }

    enum Miss {
        AfterCut(usize),
        NotFirstLine,
        AmongHashtags(usize),
    }

    /// Checks a caption against the market's rule and the campaign's agreed wording.
    pub fn check(caption: &str, market: Market, agreed: &[AgreedWording]) -> DisclosureCheck {
        let book = rules();
        let rule = book.market(market);
        let chars: Vec<char> = caption.trim().chars().collect();
        let toks = tokens(&chars);
        let text = |a: usize, b: usize| chars[toks[a].start..toks[b].end].iter().collect::<String>();
        let rule_name = format!("{} · {}", market.label(), rule.rule);
        let suggested = &rule.suggested;
        let start_with = format!("Start the caption with \"{suggested}\", e.g. \"{suggested} {}\"", opening(&chars));

        let mut good = None;
        let mut misses = Vec::new();
        for label in &rule.labels {
            for (a, b) in find(&toks, label) {
                let miss = if rule.placement != Placement::Anywhere && toks[b].end > book.cut {
                    Some(Miss::AfterCut(toks[a].start + 1))
                } else if rule.placement == Placement::FirstLine && toks[a].line > 0 {
                    Some(Miss::NotFirstLine)
                } else if rule.not_among_hashtags && a > 0 && hashtag_run(&toks, a) >= 3 {
                    Some(Miss::AmongHashtags(hashtag_run(&toks, a)))
                } else {
                    None
                };
                match miss {
                    None => {
                        if good.as_ref().is_none_or(|(g, _)| a < *g) {
                            good = Some((a, text(a, b)));
                        }
                    }
                    Some(m) => misses.push((a, text(a, b), m)),
                }
            }
        }
        let market_finding = match good {
            Some((_, found)) => DisclosureFinding {
                rule: rule_name,
                source: rule.source.clone(),
                passed: true,
                detail: match rule.placement {
                    Placement::FirstLine => format!("\"{found}\" is in the first line"),
                    Placement::BeforeCut => format!("\"{found}\" shows before the \"more\" cut"),
                    Placement::Anywhere => format!("\"{found}\" is in the caption"),
                },
                fix: None,
            },
            None => {
                misses.sort_by_key(|m| m.0);
                let (detail, fix) = match misses.first() {
                    Some((_, found, miss)) => {
                        let detail = match miss {
                            Miss::AfterCut(at) => format!(
                                "\"{found}\" first appears at character {at}, after the \"more\" cut ({} characters): people do not see it without tapping \"more\"",
                                book.cut
                            ),
                            Miss::NotFirstLine => format!("\"{found}\" is not in the first line"),
                            Miss::AmongHashtags(n) => format!("\"{found}\" is hidden among {n} hashtags"),
                        };
                        (detail, format!("Move \"{found}\" to the start of the caption"))
                    }
                    None => {
                        let weak = rule
                            .not_enough
                            .iter()
                            .filter_map(|w| find(&toks, &w.word).first().map(|&(a, _)| (a, &w.why)))
                            .min_by_key(|(a, _)| *a);
                        let detail = match weak {
                            Some((_, why)) => why.clone(),
                            None if chars.is_empty() => "The caption is empty: it has no disclosure label".to_string(),
                            None => {
                                // The first few labels the rule takes (the data file lists all of them).
                                let some: Vec<String> =
                                    rule.labels.iter().take(3).map(|l| format!("\"{l}\"")).collect();
                                let more = if rule.labels.len() > 3 { " or another clear label" } else { "" };
                                format!("No disclosure label: {} requires {}{more}", rule.name, some.join(" or "))
                            }
                        };
                        (detail, start_with.clone())
                    }
                };
                DisclosureFinding {
                    rule: rule_name,
                    source: rule.source.clone(),
                    passed: false,
                    detail,
                    fix: Some(fix),
                }
            }
        };
        let mut findings = vec![market_finding];
        for w in agreed.iter().filter(|w| w.market.is_none_or(|m| m == market)) {
            let passed = find_exact(&toks, &w.wording);
            findings.push(DisclosureFinding {
                rule: "Campaign wording (charter)".into(),
                source: "The partners' charter: approval criteria, agreed disclosure wording".into(),
                passed,
                detail: if passed {
                    format!("\"{}\" is in the caption", w.wording)
                } else {
                    format!("The partners agreed on \"{}\"; it is not in the caption", w.wording)
                },
                fix: (!passed).then(|| format!("Add \"{}\" to the caption", w.wording)),
            });
        }
        DisclosureCheck { market, market_name: rule.name.clone(), passed: findings.iter().all(|f| f.passed), findings }
    }

    /// The caption's first words (whole words, up to 48 characters), for the example in a fix.
    fn opening(chars: &[char]) -> String {
        let first: String = chars.iter().take_while(|c| **c != '\n').collect();
        let mut out = String::new();
        for word in first.split_whitespace() {
            if out.chars().count() + word.chars().count() + 1 > 48 {
                out.push('…');
                return out;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
        out
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn run(caption: &str, market: Market) -> DisclosureCheck {
        check(caption, market, &[])
    }

    fn passes(caption: &str, market: Market) -> bool {
        run(caption, market).passed
    }

    fn detail(caption: &str, market: Market) -> String {
        run(caption, market).findings[0].detail.clone()
    }

    fn tags(n: usize) -> String {
        ["bike", "ride", "sunrise", "commute", "cityride", "ebike", "morning", "coffee", "weekend", "urban"]
            .iter()
            .cycle()
            .take(n)
            .map(|t| format!("#{t}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn every_market_has_its_rule_with_a_source() {
        for m in Market::ALL {
            let r = rules().market(m);
            assert_eq!(r.key, m.key());
            assert!(!r.source.is_empty() && !r.labels.is_empty(), "{}", r.key);
        }
        assert_eq!(rules().markets.len(), Market::ALL.len());
    }

    #[test]
    fn markets_from_countries() {
        assert_eq!(market_of_country(Some("US")), Market::Us);
        assert_eq!(market_of_country(Some("gb")), Market::Uk);
        for c in ["DE", "AT", "CH"] {
            assert_eq!(market_of_country(Some(c)), Market::Dach);
        }
        assert_eq!(market_of_country(Some("FR")), Market::Fr);
        assert_eq!(market_of_country(Some("BR")), Market::Other);
        assert_eq!(market_of_country(None), Market::Other);
    }

    #[test]
    fn us_ad_up_front_passes_and_names_the_rule() {
        let c = run("#ad Morning rides just got easier with @northwind ☀️ Link in bio!", Market::Us);
        assert!(c.passed);
        assert_eq!(c.market_name, "United States");
        assert!(c.findings[0].rule.starts_with("US · FTC"), "{}", c.findings[0].rule);
        assert!(c.findings[0].source.contains("Disclosures 101 for Social Media Influencers"));
        assert!(passes("Sponsored by Northwind: my new favourite commute companion", Market::Us));
        assert!(passes("Paid partnership with @northwind — here's my honest take", Market::Us));
    }

    #[test]
    fn ad_buried_at_the_end_of_twenty_hashtags_fails() {
        let caption = format!("Loving my new commute with @northwind ☀️\n\n{} #ad", tags(20));
        for m in [Market::Us, Market::Uk, Market::Other] {
            let c = run(&caption, m);
            assert!(!c.passed, "{m:?}");
            assert!(c.findings[0].fix.as_deref().unwrap().contains("Move \"#ad\" to the start"));
        }
        // Past the cut, that is what the creator is told first; in a short caption, that it is hidden.
        assert!(detail(&caption, Market::Us).contains("after the \"more\" cut (125 characters)"));
        assert_eq!(detail("Sunday ride #bike #sunrise #ad", Market::Us), "\"#ad\" is hidden among 3 hashtags");
        // Opening the caption, a run of hashtags does not hide it.
        assert!(passes("#ad #northwind #ebike Sunday ride to the lake", Market::Us));
        // Two hashtags are no crowd.
        assert!(passes("Sunday ride with my new bike #ad #northwind", Market::Us));
    }

    #[test]
    fn ad_after_the_more_cut_fails() {
        // 148 characters; "Ad" starts at the 146th, past the 125 Instagram shows before "more".
        let long = "Spent the whole weekend testing the new Northwind commuter bike on the hills around town, in the rain and the sun, and honestly it surprised me. Ad.";
        assert_eq!(long.chars().count(), 148);
        let c = run(long, Market::Us);
        assert!(!c.passed);
        assert_eq!(
            c.findings[0].detail,
            "\"Ad\" first appears at character 146, after the \"more\" cut (125 characters): people do not see it without tapping \"more\""
        );
        // The same words in a short caption pass; with "Other" too it is the cut that counts.
        assert!(passes("Honestly it surprised me. Ad.", Market::Us));
        assert!(!passes(long, Market::Other));
    }

    #[test]
    fn ad_inside_a_word_does_not_count() {
        for caption in
            ["Weekend #adventure with my bike", "Adding miles every day #adventures #ads", "Made a video: @ad"]
        {
            let c = run(caption, Market::Us);
            assert!(!c.passed, "{caption}");
            assert!(c.findings[0].detail.starts_with("No disclosure label"), "{}", c.findings[0].detail);
        }
        assert!(!passes("#ad_northwind crew ride", Market::Us), "a longer hashtag is another hashtag");
    }

    #[test]
    fn case_does_not_matter() {
        assert!(passes("#AD morning ride", Market::Us));
        assert!(passes("AD | morning ride", Market::Uk));
        assert!(passes("WERBUNG: Meine Morgenrunde", Market::Dach));
        assert!(passes("#werbung Meine Morgenrunde", Market::Dach));
        assert!(passes("PUBLICITÉ — ma balade du dimanche", Market::Fr));
    }

    #[test]
    fn uk_gifted_or_paid_partnership_alone_is_not_enough() {
        let c = run("Gifted by @northwind 💛 obsessed with this bike", Market::Uk);
        assert!(!c.passed);
        assert_eq!(c.findings[0].detail, "\"gifted\" alone is not enough in the UK: the ASA/CMA want \"Ad\" up front");
        assert_eq!(
            c.findings[0].fix.as_deref(),
            Some("Start the caption with \"#ad\", e.g. \"#ad Gifted by @northwind 💛 obsessed with this bike\"")
        );
        assert!(run("#gifted new wheels!", Market::Uk).findings[0].detail.starts_with("\"gifted\" alone"));
        assert!(detail("Paid partnership with Northwind", Market::Uk).starts_with("\"paid partnership\" alone"));
        assert!(detail("#sponsored sunny ride", Market::Uk).starts_with("\"sponsored\" is not enough"));
        // In the US "paid partnership" is a clear label.
        assert!(passes("Paid partnership with Northwind", Market::Us));
        assert!(passes("Ad: gifted by @northwind, obsessed with this bike", Market::Uk));
    }

    #[test]
    fn uk_ad_must_be_in_the_first_line() {
        let c = run("Obsessed with my new wheels 💛\n#ad @northwind", Market::Uk);
        assert!(!c.passed);
        assert_eq!(c.findings[0].detail, "\"#ad\" is not in the first line");
        // The US rule asks for it before the cut only.
        assert!(passes("Obsessed with my new wheels 💛\n#ad @northwind", Market::Us));
    }

    #[test]
    fn german_needs_werbung_or_anzeige() {
        assert!(passes("Werbung | Mein neues Rad von @northwind 🚲 #pendeln", Market::Dach));
        assert!(passes("Anzeige – Sonntagsrunde mit dem neuen Rad", Market::Dach));
        assert!(passes("[Werbung] Sonntagsrunde", Market::Dach));
        let c = run("#ad Meine Sonntagsrunde mit dem neuen Rad", Market::Dach);
        assert!(!c.passed);
        assert!(c.findings[0].detail.starts_with("\"#ad\" is English"), "{}", c.findings[0].detail);
        assert_eq!(
            c.findings[0].fix.as_deref(),
            Some("Start the caption with \"Werbung\", e.g. \"Werbung #ad Meine Sonntagsrunde mit dem neuen Rad\"")
        );
        assert!(detail("In Kooperation mit @northwind 🚲", Market::Dach).starts_with("\"in Kooperation mit\""));
        assert!(!passes("Sonntagsrunde 🚲\n#werbung", Market::Dach), "second line");
        assert!(!passes("Werbungsfrei und trotzdem schön", Market::Dach), "part of a longer word");
        assert!(rules().market(Market::Dach).source.contains("Medienstaatsvertrag §8"));
        assert_eq!(
            detail("Meine Sonntagsrunde 🚲", Market::Dach),
            "No disclosure label: Germany, Austria, Switzerland requires \"werbung\" or \"anzeige\""
        );
    }

    #[test]
    fn french_needs_publicite_or_collaboration_commerciale() {
        assert!(passes("Publicité · Ma balade du dimanche avec @northwind", Market::Fr));
        assert!(passes("Collaboration commerciale avec @northwind 🚲", Market::Fr));
        assert!(passes("#CollaborationCommerciale ma balade", Market::Fr));
        assert!(detail("#ad ma balade du dimanche", Market::Fr).contains("not the mention the law requires"));
        assert!(detail("En collaboration avec @northwind", Market::Fr).starts_with("\"en collaboration avec\""));
        assert!(rules().market(Market::Fr).source.contains("2023-451"));
    }

    #[test]
    fn empty_caption_fails_with_a_fix() {
        let c = run("   ", Market::Uk);
        assert!(!c.passed);
        assert_eq!(c.findings[0].detail, "The caption is empty: it has no disclosure label");
        assert!(c.findings[0].fix.is_some());
    }

    #[test]
    fn agreed_wording_per_campaign_and_market() {
        let agreed = AgreedWording::parse_lines(&[
            "#NorthwindPartner".into(),
            "uk: #ad @northwind".into(),
            "Note: not a market".into(),
            "  ".into(),
        ]);
        assert_eq!(agreed.len(), 3);
        assert_eq!(agreed[1], AgreedWording { market: Some(Market::Uk), wording: "#ad @northwind".into() });
        assert_eq!(agreed[2].market, None);
        let agreed = &agreed[..2];
        let c = check("#ad @northwind spring rides #northwindpartner", Market::Uk, agreed);
        assert!(c.passed, "{c:?}");
        assert_eq!(c.findings.len(), 3);
        let c = check("#ad spring rides with Northwind", Market::Uk, agreed);
        assert!(!c.passed);
        let failed: Vec<_> = c.failures().map(|f| f.detail.clone()).collect();
        assert_eq!(
            failed,
            [
                "The partners agreed on \"#NorthwindPartner\"; it is not in the caption",
                "The partners agreed on \"#ad @northwind\"; it is not in the caption"
            ]
        );
        // The UK line does not apply in the US.
        assert_eq!(check("#ad rides #NorthwindPartner", Market::Us, agreed).findings.len(), 2);
    }
}
