//! How frames and replies look on the console: fs_cli's log colours, events
//! and api output.

use super::frame::Frame;

/// ANSI reset sequence, written after every coloured log line.
pub(crate) const RESET: &str = "\x1b[0m";

/// The ANSI colour for a log level as fs_cli shows it: 0–3 (console,
/// alert, crit, err) red, 4 (warning) magenta, 5 (notice) cyan, 6 (info)
/// green, 7 (debug) yellow; anything else uncoloured (empty string).
pub(crate) fn level_color(level: u8) -> &'static str {
    match level {
        0..=3 => "\x1b[31m",
        4 => "\x1b[35m",
        5 => "\x1b[36m",
        6 => "\x1b[32m",
        7 => "\x1b[33m",
        _ => "",
    }
}

/// A `log/data` frame as printed: its body, coloured by `Log-Level` when
/// `color` is on, ending with exactly one newline.
pub(crate) fn render_log(frame: &Frame, color: bool) -> String {
    let body = frame.body.as_deref().unwrap_or_default();
    let text = body.strip_suffix('\n').unwrap_or(body);
    let level = frame
        .header("Log-Level")
        .and_then(|value| value.trim().parse::<u8>().ok());
    match level.map(level_color) {
        Some(code) if color && !code.is_empty() => format!("{code}{text}{RESET}\n"),
        _ => format!("{text}\n"),
    }
}

/// An event frame as printed: `RECV EVENT` and the serialized event, as
/// fs_cli does.
pub(crate) fn render_event(frame: &Frame) -> String {
    let body = frame.body.as_deref().unwrap_or_default();
    with_newline(&format!("RECV EVENT\n{body}"))
}

/// `text` ending with a newline (one is added when missing; empty stays
/// empty).
pub(crate) fn with_newline(text: &str) -> String {
    if text.is_empty() || text.ends_with('\n') {
        text.to_owned()
    } else {
        format!("{text}\n")
    }
}

/// Whether an api reply reports failure (`-ERR ...` or `-USAGE ...`).
pub(crate) fn is_error_reply(body: &str) -> bool {
    let body = body.trim_start();
    body.starts_with("-ERR") || body.starts_with("-USAGE")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(level: &str, body: &str) -> Frame {
        Frame {
            headers: vec![
                ("Content-Type".into(), "log/data".into()),
                ("Log-Level".into(), level.into()),
            ],
            body: Some(body.into()),
        }
    }

    #[test]
    fn colours_follow_fs_cli() {
        for level in 0..=3 {
            assert_eq!(level_color(level), "\x1b[31m", "level {level}");
        }
        assert_eq!(level_color(4), "\x1b[35m");
        assert_eq!(level_color(5), "\x1b[36m");
        assert_eq!(level_color(6), "\x1b[32m");
        assert_eq!(level_color(7), "\x1b[33m");
        assert_eq!(level_color(8), "");
    }

    #[test]
    fn log_lines_are_coloured_and_reset_before_the_newline() {
        assert_eq!(
            render_log(&log("3", "[ERR] boom\n"), true),
            "\x1b[31m[ERR] boom\x1b[0m\n"
        );
        assert_eq!(
            render_log(&log(" 6 ", "[INFO] hi"), true),
            "\x1b[32m[INFO] hi\x1b[0m\n"
        );
    }

    #[test]
    fn log_lines_are_plain_without_colour_or_level() {
        assert_eq!(render_log(&log("3", "[ERR] boom\n"), false), "[ERR] boom\n");
        assert_eq!(render_log(&log("x", "odd\n"), true), "odd\n");
        assert_eq!(render_log(&log("42", "odd\n"), true), "odd\n");
        let no_level = Frame {
            headers: vec![],
            body: Some("bare\n".into()),
        };
        assert_eq!(render_log(&no_level, true), "bare\n");
    }

    #[test]
    fn events_are_announced() {
        let event = Frame {
            headers: vec![("Content-Type".into(), "text/event-plain".into())],
            body: Some("Event-Name: HEARTBEAT\n\n".into()),
        };
        assert_eq!(
            render_event(&event),
            "RECV EVENT\nEvent-Name: HEARTBEAT\n\n"
        );
    }

    #[test]
    fn newline_and_error_detection() {
        assert_eq!(with_newline("+OK"), "+OK\n");
        assert_eq!(with_newline("+OK\n"), "+OK\n");
        assert_eq!(with_newline(""), "");
        assert!(is_error_reply("-ERR nope"));
        assert!(is_error_reply("-USAGE: load <mod>"));
        assert!(is_error_reply("\n-ERR nope"));
        assert!(!is_error_reply("+OK"));
        assert!(!is_error_reply("UP 0 years"));
    }
}
