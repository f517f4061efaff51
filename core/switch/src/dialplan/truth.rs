//! FreeSWITCH's notion of true and false attribute values.

/// `Some(true)` for `true yes on t enable enabled active allow` or a non-zero
/// integer, `Some(false)` for `false no off f disable disabled inactive
/// disallow` or zero, `None` otherwise. Case is ignored.
pub fn parse_bool(value: &str) -> Option<bool> {
    let v = value.trim();
    const YES: [&str; 8] = [
        "true", "yes", "on", "t", "enable", "enabled", "active", "allow",
    ];
    const NO: [&str; 8] = [
        "false", "no", "off", "f", "disable", "disabled", "inactive", "disallow",
    ];
    if YES.iter().any(|y| y.eq_ignore_ascii_case(v)) {
        return Some(true);
    }
    if NO.iter().any(|n| n.eq_ignore_ascii_case(v)) {
        return Some(false);
    }
    v.parse::<i64>().ok().map(|n| n != 0)
}

/// FreeSWITCH's `switch_true`: anything not recognised as true is false.
pub fn is_true(value: &str) -> bool {
    parse_bool(value).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_numbers() {
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("yes"), Some(true));
        assert_eq!(parse_bool("1"), Some(true));
        assert_eq!(parse_bool("off"), Some(false));
        assert_eq!(parse_bool("0"), Some(false));
        assert_eq!(parse_bool("perhaps"), None);
        assert!(!is_true("perhaps"));
        assert!(is_true("enabled"));
    }
}
