//! What a tenant domain and an extension may look like.

/// Checks and normalises (lower-cases) a tenant's SIP domain.
pub fn domain(text: &str) -> Result<String, String> {
    let domain = text.trim().to_ascii_lowercase();
    let labels_ok = domain.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    if domain.is_empty() || domain.len() > 253 || !labels_ok {
        return Err(format!(
            "'{text}' is not a domain name (letters, digits, '-' and dots, e.g. acme.test)"
        ));
    }
    Ok(domain)
}

/// Checks an extension (the user part of the user's SIP URI).
pub fn extension(text: &str) -> Result<String, String> {
    let ok = !text.is_empty()
        && text.len() <= 64
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'+'));
    if ok {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "'{text}' is not an extension (1-64 letters, digits, '_', '.', '-' or '+')"
        ))
    }
}

/// Splits `ext@domain` into a checked extension and domain.
pub fn user_at_domain(text: &str) -> Result<(String, String), String> {
    let (ext, dom) = text
        .split_once('@')
        .ok_or_else(|| format!("'{text}' must be written <extension>@<domain>"))?;
    Ok((extension(ext)?, domain(dom)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_checked_and_lowercased() {
        assert_eq!(domain("Acme.TEST").unwrap(), "acme.test");
        assert_eq!(domain("localhost").unwrap(), "localhost");
        for bad in ["", "a..b", "-a.test", "a b.test", "a_b.test", "x.test."] {
            assert!(domain(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn user_at_domain_splits_and_checks() {
        assert_eq!(
            user_at_domain("1001@Acme.test").unwrap(),
            ("1001".to_owned(), "acme.test".to_owned())
        );
        assert!(user_at_domain("1001").is_err());
        assert!(user_at_domain("10 01@acme.test").is_err());
        assert!(user_at_domain("1001@").is_err());
    }
}
