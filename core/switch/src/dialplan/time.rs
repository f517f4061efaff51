//! Time conditions: `wday`, `mon`, `mday`, `year`, `yday`, `week`, `mweek`,
//! `hour`, `minute`, `minute-of-day`, `time-of-day`, `date-time`,
//! `tz-offset` and `dst`, parsed at load and checked against an injected
//! instant in a time zone.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

/// The attribute names that make a condition (or `<regex>`) time-based.
pub const TIME_ATTRIBUTES: [&str; 14] = [
    "year",
    "yday",
    "mon",
    "mday",
    "week",
    "mweek",
    "wday",
    "hour",
    "minute",
    "minute-of-day",
    "time-of-day",
    "date-time",
    "tz-offset",
    "dst",
];

/// A comma list of numbers and `a-b` ranges; a range with `a > b` wraps
/// around (`mon="10-2"` is October to February).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberSet(Vec<(i32, i32)>);

impl NumberSet {
    fn parse(text: &str, min: i32, max: i32) -> Result<NumberSet, String> {
        let mut items = Vec::new();
        for item in text.split(',') {
            let item = item.trim();
            let (a, b) = match item.split_once('-') {
                Some((a, b)) => (a.trim(), b.trim()),
                None => (item, item),
            };
            let a = number(a, min, max)?;
            let b = number(b, min, max)?;
            items.push((a, b));
        }
        Ok(NumberSet(items))
    }

    fn parse_days(text: &str) -> Result<NumberSet, String> {
        let mut items = Vec::new();
        for item in text.split(',') {
            let item = item.trim();
            let (a, b) = match item.split_once('-') {
                Some((a, b)) => (a.trim(), b.trim()),
                None => (item, item),
            };
            items.push((day(a)?, day(b)?));
        }
        Ok(NumberSet(items))
    }

    /// True if `value` is in the set.
    pub fn contains(&self, value: i32) -> bool {
        self.0.iter().any(|&(a, b)| {
            if a <= b {
                (a..=b).contains(&value)
            } else {
                value >= a || value <= b
            }
        })
    }
}

fn number(text: &str, min: i32, max: i32) -> Result<i32, String> {
    let n: i32 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if n < min || n > max {
        return Err(format!("{n} is outside {min}-{max}"));
    }
    Ok(n)
}

const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

fn day(text: &str) -> Result<i32, String> {
    if let Ok(n) = text.parse::<i32>() {
        if (1..=7).contains(&n) {
            return Ok(n);
        }
        return Err(format!("day {n} is outside 1-7 (1 is Sunday)"));
    }
    DAYS.iter()
        .position(|d| d.eq_ignore_ascii_case(text))
        .and_then(|i| i32::try_from(i + 1).ok())
        .ok_or_else(|| format!("`{text}` is not a day (1-7 or sun, mon, tue, wed, thu, fri, sat)"))
}

/// Seconds since midnight from `H:MM[:SS]`.
fn clock_time(text: &str) -> Result<i32, String> {
    let mut parts = text.trim().split(':');
    let h = parts.next().unwrap_or_default();
    let m = parts
        .next()
        .ok_or_else(|| format!("`{text}` is not HH:MM[:SS]"))?;
    let s = parts.next().unwrap_or("0");
    if parts.next().is_some() {
        return Err(format!("`{text}` is not HH:MM[:SS]"));
    }
    let h = number(h, 0, 24)?;
    let m = number(m, 0, 59)?;
    let s = number(s, 0, 59)?;
    Ok(h * 3600 + m * 60 + s)
}

fn civil(text: &str) -> Result<DateTime, String> {
    let bad = || format!("`{}` is not YYYY-MM-DD HH:MM[:SS]", text.trim());
    let (date, time) = text.trim().split_once(' ').ok_or_else(bad)?;
    let mut d = date.split('-');
    let (Some(y), Some(mo), Some(da), None) = (d.next(), d.next(), d.next(), d.next()) else {
        return Err(bad());
    };
    let secs = clock_time(time)?;
    let y: i16 = y.parse().map_err(|_| bad())?;
    let mo: i8 = mo.parse().map_err(|_| bad())?;
    let da: i8 = da.parse().map_err(|_| bad())?;
    let (h, mi, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let to_i8 = |v: i32| i8::try_from(v).map_err(|_| bad());
    DateTime::new(y, mo, da, to_i8(h)?, to_i8(mi)?, to_i8(s)?, 0)
        .map_err(|e| format!("`{}`: {e}", text.trim()))
}

/// The time-based tests of one condition; all present tests must pass.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TimeSpec {
    date_time: Option<Vec<(DateTime, DateTime)>>,
    year: Option<NumberSet>,
    yday: Option<NumberSet>,
    mon: Option<NumberSet>,
    mday: Option<NumberSet>,
    week: Option<NumberSet>,
    mweek: Option<NumberSet>,
    wday: Option<NumberSet>,
    hour: Option<NumberSet>,
    minute: Option<NumberSet>,
    minute_of_day: Option<NumberSet>,
    time_of_day: Option<Vec<(i32, i32)>>,
    tz_offset: Option<i32>,
    dst: Option<bool>,
}

impl TimeSpec {
    /// Sets one time attribute from its text; the error says what is wrong.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        match name {
            "year" => self.year = Some(NumberSet::parse(value, 0, 9999)?),
            "yday" => self.yday = Some(NumberSet::parse(value, 1, 366)?),
            "mon" => self.mon = Some(NumberSet::parse(value, 1, 12)?),
            "mday" => self.mday = Some(NumberSet::parse(value, 1, 31)?),
            "week" => self.week = Some(NumberSet::parse(value, 1, 53)?),
            "mweek" => self.mweek = Some(NumberSet::parse(value, 1, 6)?),
            "wday" => self.wday = Some(NumberSet::parse_days(value)?),
            "hour" => self.hour = Some(NumberSet::parse(value, 0, 23)?),
            "minute" => self.minute = Some(NumberSet::parse(value, 0, 59)?),
            "minute-of-day" => self.minute_of_day = Some(NumberSet::parse(value, 1, 1440)?),
            "time-of-day" => {
                let mut v = Vec::new();
                for block in value.split(',') {
                    let (a, b) = block.split_once('-').ok_or_else(|| {
                        format!("`{}` is not HH:MM[:SS]-HH:MM[:SS]", block.trim())
                    })?;
                    v.push((clock_time(a)?, clock_time(b)?));
                }
                self.time_of_day = Some(v);
            }
            "date-time" => {
                let mut v = Vec::new();
                for block in value.split(',') {
                    let (a, b) = block.split_once('~').ok_or_else(|| {
                        format!(
                            "`{}` is not YYYY-MM-DD HH:MM[:SS]~YYYY-MM-DD HH:MM[:SS]",
                            block.trim()
                        )
                    })?;
                    v.push((civil(a)?, civil(b)?));
                }
                self.date_time = Some(v);
            }
            "tz-offset" => self.tz_offset = Some(number(value.trim(), -24, 24)?),
            "dst" => {
                self.dst = Some(match super::truth::parse_bool(value) {
                    Some(b) => b,
                    None => return Err(format!("`{value}` is not true or false")),
                })
            }
            other => return Err(format!("`{other}` is not a time attribute")),
        }
        Ok(())
    }

    /// True if every test present passes at `now`.
    pub fn matches(&self, now: &Now) -> bool {
        let num = |set: &Option<NumberSet>, v: i32| set.as_ref().is_none_or(|s| s.contains(v));
        if let Some(off) = self.tz_offset
            && off != now.offset_hours
        {
            return false;
        }
        if let Some(dst) = self.dst
            && dst != now.is_dst
        {
            return false;
        }
        if let Some(ranges) = &self.date_time
            && !ranges
                .iter()
                .any(|(a, b)| *a <= now.civil && now.civil < *b)
        {
            return false;
        }
        let week_of_month = {
            let first_dow = (7 - (now.mday - now.wday) % 7) % 7;
            (now.mday + first_dow + 6) / 7
        };
        if !(num(&self.year, now.year)
            && num(&self.yday, now.yday)
            && num(&self.mon, now.mon)
            && num(&self.mday, now.mday)
            && num(&self.week, (now.yday - 1) / 7 + 1)
            && num(&self.mweek, week_of_month)
            && num(&self.wday, now.wday)
            && num(&self.hour, now.hour)
            && num(&self.minute, now.minute)
            && num(&self.minute_of_day, now.hour * 60 + now.minute + 1))
        {
            return false;
        }
        if let Some(blocks) = &self.time_of_day {
            let t = now.hour * 3600 + now.minute * 60 + now.second;
            return blocks.iter().any(|&(a, b)| {
                if a <= b {
                    a <= t && t <= b
                } else {
                    t >= a || t <= b
                }
            });
        }
        true
    }
}

/// An instant broken down in the time zone the dialplan is evaluated in.
#[derive(Debug, Clone, PartialEq)]
pub struct Now {
    /// Wall-clock date and time, whole seconds.
    pub civil: DateTime,
    /// Calendar year.
    pub year: i32,
    /// Day of year, 1-366.
    pub yday: i32,
    /// Month, 1-12.
    pub mon: i32,
    /// Day of month, 1-31.
    pub mday: i32,
    /// Day of week, 1-7 with Sunday 1.
    pub wday: i32,
    /// Hour, 0-23.
    pub hour: i32,
    /// Minute, 0-59.
    pub minute: i32,
    /// Second, 0-59.
    pub second: i32,
    /// UTC offset in whole hours (FreeSWITCH's `tz-offset` unit).
    pub offset_hours: i32,
    /// True if daylight saving time is in effect.
    pub is_dst: bool,
}

impl Now {
    /// Breaks `instant` down in `tz`.
    pub fn at(instant: Timestamp, tz: &TimeZone) -> Now {
        let info = tz.to_offset_info(instant);
        let offset = info.offset();
        let is_dst = info.dst().is_dst();
        let dt = offset.to_datetime(instant);
        let civil = dt.with().subsec_nanosecond(0).build().unwrap_or(dt);
        Now {
            civil,
            year: i32::from(dt.year()),
            yday: i32::from(dt.day_of_year()),
            mon: i32::from(dt.month()),
            mday: i32::from(dt.day()),
            wday: i32::from(dt.weekday().to_sunday_one_offset()),
            hour: i32::from(dt.hour()),
            minute: i32::from(dt.minute()),
            second: i32::from(dt.second()),
            offset_hours: offset.seconds() / 3600,
            is_dst,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(pairs: &[(&str, &str)]) -> TimeSpec {
        let mut s = TimeSpec::default();
        for (k, v) in pairs {
            s.set(k, v).unwrap();
        }
        s
    }

    fn at(text: &str, tz: &str) -> Now {
        let ts: Timestamp = text.parse().unwrap();
        Now::at(ts, &TimeZone::get(tz).unwrap())
    }

    #[test]
    fn breakdown() {
        // 2024-03-05 is a Tuesday; 14:30:15 in New York (EST, UTC-5).
        let n = at("2024-03-05T19:30:15Z", "America/New_York");
        assert_eq!(
            (n.year, n.mon, n.mday, n.wday, n.hour, n.minute, n.second),
            (2024, 3, 5, 3, 14, 30, 15)
        );
        assert_eq!(n.yday, 31 + 29 + 5);
        assert_eq!(n.offset_hours, -5);
        assert!(!n.is_dst);
        let summer = at("2024-07-01T12:00:00Z", "America/New_York");
        assert!(summer.is_dst);
        assert_eq!(summer.offset_hours, -4);
    }

    #[test]
    fn wday_numbers_names_ranges_lists() {
        let tue = at("2024-03-05T12:00:00Z", "UTC");
        assert!(spec(&[("wday", "3")]).matches(&tue));
        assert!(spec(&[("wday", "tue")]).matches(&tue));
        assert!(spec(&[("wday", "MON-FRI")]).matches(&tue));
        assert!(spec(&[("wday", "2-6")]).matches(&tue));
        assert!(spec(&[("wday", "sun,tue")]).matches(&tue));
        assert!(!spec(&[("wday", "1,7")]).matches(&tue));
        assert!(!spec(&[("wday", "sat-sun")]).matches(&tue));
        let sun = at("2024-03-03T12:00:00Z", "UTC");
        assert!(spec(&[("wday", "sat-sun")]).matches(&sun));
        assert!(spec(&[("wday", "1")]).matches(&sun));
    }

    #[test]
    fn numbers_and_wrap() {
        let n = at("2024-11-15T08:05:00Z", "UTC");
        assert!(spec(&[("mon", "10-2")]).matches(&n));
        assert!(!spec(&[("mon", "3-9")]).matches(&n));
        assert!(spec(&[("mday", "1,15,30")]).matches(&n));
        assert!(spec(&[("year", "2024")]).matches(&n));
        assert!(!spec(&[("year", "2023")]).matches(&n));
        assert!(spec(&[("hour", "8-12"), ("minute", "0-10")]).matches(&n));
        assert!(!spec(&[("hour", "9-17")]).matches(&n));
        assert!(spec(&[("hour", "18-8")]).matches(&n));
        // 08:05 is minute 486 of the day (midnight is 1).
        assert!(spec(&[("minute-of-day", "486")]).matches(&n));
        assert!(!spec(&[("minute-of-day", "485")]).matches(&n));
        // Day 320 of a leap year; week (320-1)/7+1 = 46.
        assert!(spec(&[("yday", "320")]).matches(&n));
        assert!(spec(&[("week", "46")]).matches(&n));
        // 2024-11-01 is a Friday: Nov 15 (Friday) is in the 3rd week of the month.
        assert!(spec(&[("mweek", "3")]).matches(&n));
    }

    #[test]
    fn time_of_day_blocks_and_midnight_wrap() {
        let s = spec(&[("time-of-day", "08:00-12:00,13:00-17:00")]);
        assert!(s.matches(&at("2024-01-01T08:00:00Z", "UTC")));
        assert!(s.matches(&at("2024-01-01T12:00:00Z", "UTC")));
        assert!(!s.matches(&at("2024-01-01T12:30:00Z", "UTC")));
        assert!(s.matches(&at("2024-01-01T16:59:59Z", "UTC")));
        let night = spec(&[("time-of-day", "22:00:00-06:00:00")]);
        assert!(night.matches(&at("2024-01-01T23:30:00Z", "UTC")));
        assert!(night.matches(&at("2024-01-01T05:59:59Z", "UTC")));
        assert!(!night.matches(&at("2024-01-01T12:00:00Z", "UTC")));
    }

    #[test]
    fn date_time_ranges() {
        let s = spec(&[("date-time", "2024-12-24 18:00~2024-12-26 00:00")]);
        assert!(s.matches(&at("2024-12-25T10:00:00Z", "UTC")));
        assert!(s.matches(&at("2024-12-24T18:00:00Z", "UTC")));
        assert!(!s.matches(&at("2024-12-26T00:00:00Z", "UTC")));
        assert!(!s.matches(&at("2024-12-24T17:59:59Z", "UTC")));
        // Evaluated in the zone: 23:00 UTC on the 25th is the 26th in Berlin.
        assert!(!s.matches(&at("2024-12-25T23:00:00Z", "Europe/Berlin")));
    }

    #[test]
    fn offset_and_dst() {
        let n = at("2024-07-01T12:00:00Z", "Europe/Berlin");
        assert!(spec(&[("tz-offset", "2")]).matches(&n));
        assert!(!spec(&[("tz-offset", "1")]).matches(&n));
        assert!(spec(&[("dst", "true")]).matches(&n));
        assert!(!spec(&[("dst", "false")]).matches(&n));
    }

    #[test]
    fn bad_values_are_reported() {
        let mut s = TimeSpec::default();
        assert!(s.set("wday", "monday").unwrap_err().contains("not a day"));
        assert!(s.set("wday", "8").unwrap_err().contains("outside 1-7"));
        assert!(s.set("hour", "25").unwrap_err().contains("outside 0-23"));
        assert!(s.set("mon", "jan").unwrap_err().contains("not a number"));
        assert!(s.set("time-of-day", "8am-5pm").is_err());
        assert!(s.set("time-of-day", "08:00").is_err());
        assert!(
            s.set("date-time", "2024-02-30 00:00~2024-03-01 00:00")
                .is_err()
        );
        assert!(s.set("date-time", "2024-02-01~2024-03-01").is_err());
        assert!(s.set("dst", "maybe").is_err());
        assert!(s.set("minute-of-day", "0").is_err());
    }
}
