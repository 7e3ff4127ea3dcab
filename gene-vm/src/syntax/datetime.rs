//! Date, DateTime and Time literals (later 9.1): `2024-01-23`,
//! `2024-01-23T20:10:10.5+05:30[Asia/Kolkata]`, `10:10Z`.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateKind {
    Date,
    DateTime,
    Time,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateLit {
    pub kind: DateKind,
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub micro: u32,
    /// `Z` or an offset (minutes east of UTC); `None` without a zone.
    pub offset: Option<i32>,
    pub zulu: bool,
    /// The bracketed IANA name.
    pub name: Option<String>,
}

/// Does a numeric token look like a date or time (it is read by `parse`)?
pub fn looks_like(raw: &str) -> bool {
    let b = raw.as_bytes();
    let n = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    (n == 2 && b.get(2) == Some(&b':'))
        // `YYYY-MM-...` (any count of year digits, so that a bad year is reported).
        || (n >= 1 && b.get(n) == Some(&b'-') && digit(n + 1) && b[n + 1..].contains(&b'-'))
}

fn two(s: &str, what: &str, kind: &str) -> Result<(u8, usize), String> {
    let b = s.as_bytes();
    if b.len() >= 2
        && b[0].is_ascii_digit()
        && b[1].is_ascii_digit()
        && !b.get(2).is_some_and(u8::is_ascii_digit)
    {
        Ok(((b[0] - b'0') * 10 + (b[1] - b'0'), 2))
    } else {
        Err(format!("Expected 2-digit {what} in {kind} literal"))
    }
}

/// `HH:MM[:SS[.F]]` then the zone; `rest` is what follows the clock.
fn clock(s: &str, lit: &mut DateLit, kind: &str) -> Result<String, String> {
    let (h, _) = two(s, "hour", kind)?;
    if s.as_bytes().get(2) != Some(&b':') {
        return Err(format!("Expected ':' after the hour in {kind} literal"));
    }
    let (mi, _) = two(&s[3..], "minute", kind)?;
    let mut rest = &s[5..];
    if let Some(r) = rest.strip_prefix(':') {
        let (sec, _) = two(r, "second", kind)?;
        lit.second = sec;
        rest = &r[2..];
        if let Some(f) = rest.strip_prefix('.') {
            let n = f.bytes().take_while(u8::is_ascii_digit).count();
            if n == 0 || n > 6 {
                return Err(format!("Expected 1-6 fractional digits in {kind} literal"));
            }
            let digits = &f[..n];
            lit.micro = format!("{digits:0<6}").parse().unwrap_or(0);
            rest = &f[n..];
        }
    }
    if h > 23 {
        return Err(format!("Invalid hour: {h}"));
    }
    if mi > 59 {
        return Err(format!("Invalid minute: {mi}"));
    }
    if lit.second > 59 {
        return Err(format!("Invalid second: {}", lit.second));
    }
    lit.hour = h;
    lit.minute = mi;
    Ok(rest.to_string())
}

/// `Z`, `+HH:MM`, `-HH:MM`, each optionally followed by `[Area/City]`.
fn zone(rest: &str, lit: &mut DateLit, kind: &str) -> Result<(), String> {
    let mut r = rest;
    if let Some(x) = r.strip_prefix('Z') {
        lit.zulu = true;
        lit.offset = Some(0);
        r = x;
    } else if let Some(sign) = r.chars().next().filter(|c| *c == '+' || *c == '-') {
        let body = &r[1..];
        let (hh, _) = two(body, "offset hour", kind)?;
        if body.as_bytes().get(2) != Some(&b':') {
            return Err(format!("Invalid offset in {kind} literal: {r}"));
        }
        let (mm, _) = two(&body[3..], "offset minute", kind)?;
        if hh > 23 || mm > 59 {
            return Err(format!("Invalid offset in {kind} literal: {r}"));
        }
        let m = hh as i32 * 60 + mm as i32;
        lit.offset = Some(if sign == '-' { -m } else { m });
        r = &body[5..];
    }
    if let Some(inner) = r.strip_prefix('[') {
        let Some(name) = inner.strip_suffix(']') else {
            return Err(format!("Unclosed zone name in {kind} literal"));
        };
        if !name.contains('/') {
            return Err(format!("Zone name must look like Area/City, got: {name}"));
        }
        if lit.kind == DateKind::DateTime && lit.offset.is_none() {
            return Err(format!(
                "DateTime literal requires offset or Z before [{name}]"
            ));
        }
        lit.name = Some(name.to_string());
        r = "";
    }
    if r.is_empty() {
        Ok(())
    } else {
        Err(format!("Invalid {kind} literal"))
    }
}

impl DateLit {
    /// Midnight of day 0, no offset or zone: fields are filled in from there.
    pub fn zero(kind: DateKind) -> DateLit {
        DateLit {
            kind,
            year: 0,
            month: 0,
            day: 0,
            hour: 0,
            minute: 0,
            second: 0,
            micro: 0,
            offset: None,
            zulu: false,
            name: None,
        }
    }
}

/// Reads a date, date-time or time literal.
pub fn parse(raw: &str) -> Result<DateLit, String> {
    let mut lit = DateLit::zero(DateKind::Time);
    if raw.as_bytes().get(2) == Some(&b':') {
        let rest = clock(raw, &mut lit, "Time")?;
        zone(&rest, &mut lit, "Time")?;
        return Ok(lit);
    }
    let year_len = raw.bytes().take_while(u8::is_ascii_digit).count();
    if year_len != 4 {
        return Err(format!(
            "Date literal requires 4-digit year, got: {}",
            &raw[..year_len]
        ));
    }
    lit.year = raw[..4].parse().unwrap_or(0);
    if lit.year < 1000 {
        return Err(format!(
            "Date literal requires 4-digit year, got: {}",
            lit.year
        ));
    }
    let (mo, _) = two(&raw[5..], "month", "date")?;
    if raw.as_bytes().get(7) != Some(&b'-') {
        return Err("Expected '-' after the month in date literal".into());
    }
    let (d, _) = two(&raw[8..], "day", "date")?;
    if !(1..=12).contains(&mo) {
        return Err(format!("Invalid month: {mo}"));
    }
    if !(1..=31).contains(&d) {
        return Err(format!("Invalid day: {d}"));
    }
    lit.month = mo;
    lit.day = d;
    let rest = &raw[10..];
    if rest.is_empty() {
        lit.kind = DateKind::Date;
        return Ok(lit);
    }
    let Some(t) = rest.strip_prefix('T') else {
        return Err(format!("Invalid date literal: {raw}"));
    };
    lit.kind = DateKind::DateTime;
    let rest = clock(t, &mut lit, "DateTime")?;
    zone(&rest, &mut lit, "DateTime")?;
    Ok(lit)
}

impl DateLit {
    /// The printed form (later 9.2).
    pub fn text(&self) -> String {
        let date = format!("{:04}-{:02}-{:02}", self.year, self.month, self.day);
        if self.kind == DateKind::Date {
            return date;
        }
        let mut t = format!("{:02}:{:02}", self.hour, self.minute);
        let has_zone = self.offset.is_some() || self.name.is_some();
        if self.second != 0 || self.micro != 0 || has_zone {
            t.push_str(&format!(":{:02}", self.second));
        }
        if self.micro != 0 {
            let f = format!("{:06}", self.micro);
            t.push('.');
            t.push_str(f.trim_end_matches('0'));
        }
        match self.offset {
            Some(0) => t.push('Z'),
            Some(m) => {
                let sign = if m < 0 { '-' } else { '+' };
                t.push_str(&format!("{sign}{:02}:{:02}", m.abs() / 60, m.abs() % 60));
            }
            None => {}
        }
        if let Some(n) = &self.name {
            t.push('[');
            t.push_str(n);
            t.push(']');
        }
        if self.kind == DateKind::DateTime {
            format!("{date}T{t}")
        } else {
            t
        }
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(y: i32, m: u8, d: u8) -> i64 {
    let y = if m <= 2 { y as i64 - 1 } else { y as i64 };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of `days_from_civil`).
pub fn civil_from_days(z: i64) -> (i32, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    ((if m <= 2 { y + 1 } else { y }) as i32, m, d)
}

impl DateLit {
    /// Microseconds of the wall-clock fields read as UTC.
    pub fn wall_micros(&self) -> i64 {
        let days = if self.kind == DateKind::Time {
            0
        } else {
            days_from_civil(self.year, self.month, self.day)
        };
        let secs =
            days * 86_400 + self.hour as i64 * 3600 + self.minute as i64 * 60 + self.second as i64;
        secs * 1_000_000 + self.micro as i64
    }

    /// The instant (zones applied) for ordering (later 9.3).
    pub fn instant_micros(&self) -> i64 {
        self.wall_micros() - self.offset.unwrap_or(0) as i64 * 60_000_000
    }
}
