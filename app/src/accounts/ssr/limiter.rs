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
}

impl Default for LoginLimiter {
    fn default() -> Self {
        LoginLimiter {
            attempts: Mutex::new(HashMap::new()),
            sign_ups: Mutex::new(HashMap::new()),
            max_per_window: 10,
            window: Duration::from_secs(600),
            sign_ups_per_hour: 10,
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

impl LoginLimiter {
    pub fn new(max_per_window: u32) -> Self {
        LoginLimiter { max_per_window, ..LoginLimiter::default() }
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
