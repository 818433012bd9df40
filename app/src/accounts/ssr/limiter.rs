//! Sign-in and sign-up throttling.
use super::*;
/// Throttles sign-in attempts per email and client address (so that one address cannot lock the owner of an email
/// out of the others), sign-in attempts per client address across emails, and sign-ups per client address.
pub struct LoginLimiter {
    attempts: Mutex<HashMap<String, (u32, Instant)>>,
    sign_ups: Mutex<HashMap<String, (u32, Instant)>>,
    /// Sign-in attempts per email and address in a window; one address may try five times as many overall.
    pub max_per_window: u32,
    pub window: Duration,
    /// New organizations one address may sign up per hour.
    pub sign_ups_per_hour: u32,
    /// Count in this database instead of in memory, so every process of a deployment shares one allowance
    /// (set on PostgreSQL; a SQLite deployment is one process).
    pub shared: Option<Db>,
    /// Reverse proxies (address and prefix length) whose `X-Forwarded-For` names the client: behind a load balancer
    /// every request comes from the balancer, and limits per address would be one limit for everybody.
    pub trusted_proxies: Vec<(std::net::IpAddr, u8)>,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        LoginLimiter {
            attempts: Mutex::new(HashMap::new()),
            sign_ups: Mutex::new(HashMap::new()),
            max_per_window: 10,
            window: Duration::from_secs(600),
            sign_ups_per_hour: 10,
            shared: None,
            trusted_proxies: Vec::new(),
        }
    }
}

/// Counts one more hit on `key`; `Err(minutes to wait)` once more than `limit` fell in the current `window`.
fn hit(
    map: &mut HashMap<String, (u32, Instant)>,
    key: String,
    limit: u32,
    window: Duration,
    now: Instant,
) -> Result<(), u64> {
    if map.len() > 100_000 {
        map.retain(|_, (_, start)| now.duration_since(*start) < window);
    }
    let entry = map.entry(key).or_insert((0, now));
    if now.duration_since(entry.1) >= window {
        *entry = (0, now);
    }
    entry.0 = entry.0.saturating_add(1);
    if entry.0 > limit {
        return Err(window.saturating_sub(now.duration_since(entry.1)).as_secs().div_ceil(60).max(1));
    }
    Ok(())
}

/// The address a limit counts: an IPv6 client by its /64 network (one subscriber usually holds a whole /64).
fn network(client: &str) -> String {
    match client.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(std::net::IpAddr::V6(v6)) => v6.to_ipv4_mapped().map(|v4| v4.to_string()).unwrap_or_default(),
        _ => client.to_string(),
    }
}

fn pair_key(email: &str, client: &str) -> String {
    format!("p:{} {}", network(client), normalize_email(email))
}

/// Counts one more hit on `key` in the database: `Err(minutes to wait)` once more than `limit` fell in the current
/// window. One statement, so concurrent hits from several processes each count.
async fn hit_shared(db: &Db, key: &str, limit: u32, window: Duration) -> Result<Result<(), u64>> {
    let now = now_ms();
    let window_ms = window.as_millis() as i64;
    let (hits, start): (i64, i64) = sqlx::query_as(
        "INSERT INTO rate_limits (key, hits, window_start) VALUES ($1, 1, $2) \
         ON CONFLICT (key) DO UPDATE SET \
           hits = CASE WHEN rate_limits.window_start <= $3 THEN 1 ELSE rate_limits.hits + 1 END, \
           window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 ELSE rate_limits.window_start END \
         RETURNING hits, window_start",
    )
    .bind(sha256_hex(key))
    .bind(now)
    .bind(now - window_ms)
    .fetch_one(&db.pool)
    .await?;
    if hits > limit as i64 {
        let left = (start + window_ms - now).max(0) as u64;
        return Ok(Err(left.div_ceil(60_000).max(1)));
    }
    Ok(Ok(()))
}

fn too_many_sign_ins(wait: u64) -> AppError {
    AppError::new(ErrorCode::RateLimited, format!("Too many sign-in attempts; try again in {wait} minute(s)"))
}

fn too_many_sign_ups(wait: u64) -> AppError {
    AppError::new(ErrorCode::RateLimited, format!("Too many sign-ups from this network; try again in {wait} minute(s)"))
}

/// Parses `10.0.0.0/8,192.168.1.5,fd00::/8`: addresses with an optional prefix length.
pub fn parse_networks(list: &[String]) -> std::result::Result<Vec<(std::net::IpAddr, u8)>, String> {
    list.iter()
        .map(|item| item.trim())
        .filter(|item| !item.is_empty())
        .map(|item| {
            let (ip, bits) = item.split_once('/').unwrap_or((item, ""));
            let ip: std::net::IpAddr = ip.parse().map_err(|_| format!("{item:?} is not an IP address or network"))?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let bits = if bits.is_empty() { max } else { bits.parse().map_err(|_| format!("{item:?}: bad prefix"))? };
            if bits > max {
                return Err(format!("{item:?}: the prefix is longer than the address"));
            }
            Ok((ip, bits))
        })
        .collect()
}

fn in_network(ip: std::net::IpAddr, (net, bits): (std::net::IpAddr, u8)) -> bool {
    use std::net::IpAddr;
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    };
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

impl LoginLimiter {
    pub fn new(max_per_window: u32) -> Self {
        LoginLimiter { max_per_window, ..LoginLimiter::default() }
    }

    /// The client's address: the connection's, or, when that is a trusted proxy, the last address the proxy added
    /// to `X-Forwarded-For` (earlier ones come from the client and prove nothing).
    pub fn client(&self, peer: std::net::IpAddr, headers: &http::HeaderMap) -> String {
        if !self.trusted_proxies.iter().any(|n| in_network(peer, *n)) {
            return peer.to_string();
        }
        headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse::<std::net::IpAddr>().ok())
            .next_back()
            .unwrap_or(peer)
            .to_string()
    }

    /// Counts a sign-in attempt, in the shared database when there is one (see `check`).
    pub async fn allow(&self, email: &str, client: &str) -> Result<()> {
        let Some(db) = &self.shared else { return self.check(email, client) };
        let per_address = (format!("c:{}", network(client)), self.max_per_window.saturating_mul(5));
        for (key, limit) in [(pair_key(email, client), self.max_per_window), per_address] {
            hit_shared(db, &key, limit, self.window).await?.map_err(too_many_sign_ins)?;
        }
        Ok(())
    }

    /// A successful sign-in clears the count for this email from this address (in every process).
    pub async fn forget(&self, email: &str, client: &str) {
        let Some(db) = &self.shared else { return self.succeeded(email, client) };
        let cleared = sqlx::query("DELETE FROM rate_limits WHERE key = $1")
            .bind(sha256_hex(&pair_key(email, client)))
            .execute(&db.pool)
            .await;
        if let Err(e) = cleared {
            tracing::warn!(error = %e, "could not clear a sign-in count");
        }
    }

    /// Counts a sign-up, in the shared database when there is one (see `check_sign_up`).
    pub async fn allow_sign_up(&self, client: &str) -> Result<()> {
        let Some(db) = &self.shared else { return self.check_sign_up(client) };
        hit_shared(db, &format!("s:{}", network(client)), self.sign_ups_per_hour, Duration::from_secs(3600))
            .await?
            .map_err(too_many_sign_ups)
    }

    /// Counts a sign-in attempt; refuses once the window's allowance for this email from this address, or for this
    /// address overall, is spent.
    pub fn check(&self, email: &str, client: &str) -> Result<()> {
        let now = Instant::now();
        let mut map = self.attempts.lock().unwrap();
        let per_address = (format!("c:{}", network(client)), self.max_per_window.saturating_mul(5));
        for (key, limit) in [(pair_key(email, client), self.max_per_window), per_address] {
            if let Err(wait) = hit(&mut map, key, limit, self.window, now) {
                return Err(AppError::new(
                    ErrorCode::RateLimited,
                    format!("Too many sign-in attempts; try again in {wait} minute(s)"),
                ));
            }
        }
        Ok(())
    }

    /// A successful sign-in clears the count for this email from this address.
    pub fn succeeded(&self, email: &str, client: &str) {
        self.attempts.lock().unwrap().remove(&pair_key(email, client));
    }

    /// Counts an attempt to sign up a new organization from this address; refuses once the hour's allowance is spent.
    pub fn check_sign_up(&self, client: &str) -> Result<()> {
        let mut map = self.sign_ups.lock().unwrap();
        hit(&mut map, network(client), self.sign_ups_per_hour, Duration::from_secs(3600), Instant::now()).map_err(
            |wait| {
                AppError::new(
                    ErrorCode::RateLimited,
                    format!("Too many sign-ups from this network; try again in {wait} minute(s)"),
                )
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn the_limiter_counts_per_email_and_address_and_forgets_on_success() {
        let l = LoginLimiter::new(3);
        for _ in 0..3 {
            l.check("A@x.example", "1.1.1.1").unwrap();
        }
        let e = l.check("a@x.example", "1.1.1.1").unwrap_err();
        assert_eq!(e.code, ErrorCode::RateLimited);
        assert!(e.message.contains("try again in 10 minute"), "{}", e.message);
        // The owner, from another address, is not locked out by what one address did.
        l.check("a@x.example", "2.2.2.2").unwrap();
        // Another email from the same address still gets through (the per-address allowance is larger).
        l.check("b@x.example", "1.1.1.1").unwrap();
        l.succeeded("a@x.example", "1.1.1.1");
        l.check("a@x.example", "1.1.1.1").unwrap();
    }

    #[test]
    fn the_limiter_caps_one_address_across_emails() {
        let l = LoginLimiter::new(1);
        for i in 0..5 {
            l.check(&format!("{i}@x.example"), "9.9.9.9").unwrap();
        }
        assert!(l.check("5@x.example", "9.9.9.9").is_err());
        assert!(l.check("6@x.example", "8.8.8.8").is_ok());
    }

    #[test]
    fn the_client_behind_a_trusted_proxy_is_the_one_it_names() {
        let mut l = LoginLimiter::new(3);
        l.trusted_proxies = parse_networks(&["10.0.0.0/8".into(), "fd00::1".into()]).unwrap();
        let mut h = http::HeaderMap::new();
        h.append("x-forwarded-for", "6.6.6.6, 1.2.3.4".parse().unwrap());
        assert_eq!(l.client("10.1.2.3".parse().unwrap(), &h), "1.2.3.4", "the proxy's own entry is the last");
        assert_eq!(l.client("::ffff:10.9.9.9".parse().unwrap(), &h), "1.2.3.4");
        assert_eq!(l.client("fd00::1".parse().unwrap(), &h), "1.2.3.4");
        // Anyone else's header is ignored: it would let a client pick its own address.
        assert_eq!(l.client("11.0.0.1".parse().unwrap(), &h), "11.0.0.1");
        assert_eq!(l.client("fd00::2".parse().unwrap(), &h), "fd00::2");
        assert_eq!(l.client("10.0.0.1".parse().unwrap(), &http::HeaderMap::new()), "10.0.0.1");
        assert!(parse_networks(&["10.0.0.0/33".into()]).is_err());
        assert!(parse_networks(&["proxy".into()]).is_err());
    }

    #[test]
    fn sign_ups_are_limited_per_address() {
        let l = LoginLimiter { sign_ups_per_hour: 2, ..LoginLimiter::new(5) };
        l.check_sign_up("1.1.1.1").unwrap();
        l.check_sign_up("1.1.1.1").unwrap();
        let e = l.check_sign_up("1.1.1.1").unwrap_err();
        assert_eq!(e.code, ErrorCode::RateLimited);
        assert!(e.message.contains("sign-ups") && e.message.contains("60 minute"), "{}", e.message);
        l.check_sign_up("2.2.2.2").unwrap();
        // IPv6 clients count by their /64.
        l.check_sign_up("2001:db8:1:2::1").unwrap();
        l.check_sign_up("2001:db8:1:2::2").unwrap();
        assert!(l.check_sign_up("2001:db8:1:2:ffff::3").is_err());
        l.check_sign_up("2001:db8:1:3::1").unwrap();
        assert_eq!(network("::ffff:10.0.0.1"), "10.0.0.1");
    }
}
