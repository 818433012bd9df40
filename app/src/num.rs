//! Numbers as text without the standard library's float formatting: `format!("{x:.2}")` pulls its
//! shortest/exact decimal algorithms (~14 kB) into every browser bundle; the few fixed-point forms the pages show
//! are written here with integer arithmetic instead.

/// `v` with `decimals` digits after the point (at most 6), rounded half to even like `format!("{v:.N}")`;
/// non-finite values as `format!` writes them.
pub fn fixed(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "NaN".into()
        } else if v > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let decimals = decimals.min(6);
    let scale = 10f64.powi(decimals as i32);
    let scaled = v.abs() * scale;
    if scaled >= 9.0e15 {
        // Beyond exact integers in an f64: whole digits only (never shown by the pages).
        return format!("{}", v as i64);
    }
    let floor = scaled.floor();
    let frac = scaled - floor;
    let mut units = floor as u64;
    let up = if (frac - 0.5).abs() < 1e-6 {
        // Near a tie the product is inexact: compare `v` with the midpoint exactly.
        match above_midpoint(v.abs(), units, decimals as u32) {
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Less => false,
            std::cmp::Ordering::Equal => units % 2 == 1,
        }
    } else {
        frac > 0.5
    };
    if up {
        units += 1;
    }
    let negative = v.is_sign_negative();
    let whole = units / 10u64.pow(decimals as u32);
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&whole.to_string());
    if decimals > 0 {
        let part = (units % 10u64.pow(decimals as u32)).to_string();
        out.push('.');
        for _ in part.len()..decimals {
            out.push('0');
        }
        out.push_str(&part);
    }
    out
}

/// How `x` (finite, ≥ 0) compares with (`units` + ½) / 10^`decimals`, exactly: x = m·2^e, so the question is
/// m·2^e·2·10^d against (2·units + 1).
fn above_midpoint(x: f64, units: u64, decimals: u32) -> std::cmp::Ordering {
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    let (m, e) = if exp == 0 { (frac, -1074) } else { (frac | (1u64 << 52), exp - 1075) };
    let left = m as u128 * 2 * 10u128.pow(decimals);
    let right = 2 * units as u128 + 1;
    if e >= 0 {
        return left.checked_shl(e as u32).map_or(std::cmp::Ordering::Greater, |l| l.cmp(&right));
    }
    let shift = (-e) as u32;
    if shift >= 128 || right.leading_zeros() < shift {
        // 2^shift · right does not fit: it is far above `left` (< 2^75).
        return std::cmp::Ordering::Less;
    }
    left.cmp(&(right << shift))
}

#[cfg(test)]
mod tests {
    use super::fixed;

    #[test]
    fn matches_the_standard_formatting() {
        let values = [
            0.0,
            0.004,
            0.005,
            0.015,
            0.125,
            0.375,
            1.0,
            1.005,
            2.5,
            3.5,
            4.35,
            12.3456,
            99.995,
            99.999,
            100.0,
            1234.5678,
            0.1,
            0.2,
            0.3,
            7.0 / 3.0,
            1e-7,
            123456.789,
            5.55,
            2.675,
        ];
        for v in values {
            for sign in [1.0, -1.0] {
                let v = v * sign;
                assert_eq!(fixed(v, 0), format!("{v:.0}"), "{v} .0");
                assert_eq!(fixed(v, 1), format!("{v:.1}"), "{v} .1");
                assert_eq!(fixed(v, 2), format!("{v:.2}"), "{v} .2");
            }
        }
        assert_eq!(fixed(f64::NAN, 2), format!("{:.2}", f64::NAN));
        assert_eq!(fixed(f64::INFINITY, 2), format!("{:.2}", f64::INFINITY));
    }

    proptest::proptest! {
        #[test]
        fn any_value_as_format_writes_it(v in -1.0e12f64..1.0e12, d in 0usize..4) {
            proptest::prop_assert_eq!(fixed(v, d), format!("{v:.*}", d));
        }

        #[test]
        fn ties_of_cents(c in -10_000_000i64..10_000_000, d in 0usize..3) {
            let v = c as f64 / 1000.0 + 0.0005;
            proptest::prop_assert_eq!(fixed(v, d), format!("{v:.*}", d));
        }
    }
}
