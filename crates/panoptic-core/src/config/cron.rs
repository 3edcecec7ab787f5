//! Cron expressions for `schedule: { cron: … }`: the five classic fields (minute, hour, day of
//! month, month, day of week; `*`, numbers, `a-b` ranges, `/step`, comma lists; Sunday is 0 or
//! 7), evaluated in UTC. As in cron, when both day fields are restricted a day matching either
//! one runs.

/// A parsed expression: the allowed values of each field, as bit sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cron {
    minutes: u64,
    hours: u64,
    days: u64,
    months: u64,
    weekdays: u64,
    /// Day of month given (not `*`).
    days_set: bool,
    /// Day of week given (not `*`).
    weekdays_set: bool,
    /// The expression as written.
    text: String,
}

fn field(text: &str, name: &str, min: u32, max: u32) -> Result<(u64, bool), String> {
    let mut bits = 0u64;
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (
                r,
                s.parse::<u32>()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("{name}: step `{s}` is not a positive number"))?,
            ),
            None => (part, 1),
        };
        let num = |s: &str| -> Result<u32, String> {
            s.parse::<u32>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .ok_or_else(|| format!("{name}: `{s}` is not a number in {min}–{max}"))
        };
        let (lo, hi) = match range {
            "*" => (min, max),
            r => match r.split_once('-') {
                Some((a, b)) => (num(a)?, num(b)?),
                None if part.contains('/') => (num(r)?, max),
                None => (num(r)?, num(r)?),
            },
        };
        if lo > hi {
            return Err(format!("{name}: range `{range}` runs backwards"));
        }
        let mut v = lo;
        while v <= hi {
            bits |= 1 << v;
            v += step;
        }
    }
    Ok((bits, text != "*"))
}

/// Days since 1970-01-01 → (year, month 1–12, day 1–31) (Hinnant's civil-from-days).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

impl Cron {
    /// Reads an expression; the message says which field is wrong.
    pub fn parse(text: &str) -> Result<Cron, String> {
        let fields: Vec<&str> = text.split_whitespace().collect();
        let [mi, h, dom, mo, dow] = fields[..] else {
            return Err(format!(
                "expected 5 fields (minute hour day-of-month month day-of-week), found {}",
                fields.len()
            ));
        };
        let (weekdays, weekdays_set) = field(dow, "day of week", 0, 7)?;
        let (days, days_set) = field(dom, "day of month", 1, 31)?;
        Ok(Cron {
            minutes: field(mi, "minute", 0, 59)?.0,
            hours: field(h, "hour", 0, 23)?.0,
            days,
            months: field(mo, "month", 1, 12)?.0,
            // Sunday is 0 and 7.
            weekdays: (weekdays | (weekdays >> 7)) & 0x7f,
            days_set,
            weekdays_set,
            text: fields.join(" "),
        })
    }

    /// The expression, fields separated by one space.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    fn day_matches(&self, days_since_epoch: i64) -> bool {
        let (_, m, d) = civil(days_since_epoch);
        if self.months & (1 << m) == 0 {
            return false;
        }
        // 1970-01-01 was a Thursday (4).
        let wd = (days_since_epoch + 4).rem_euclid(7) as u32;
        let by_day = self.days & (1 << d) != 0;
        let by_weekday = self.weekdays & (1 << wd) != 0;
        match (self.days_set, self.weekdays_set) {
            (true, true) => by_day || by_weekday,
            (true, false) => by_day,
            (false, true) => by_weekday,
            (false, false) => true,
        }
    }

    /// The first matching minute strictly after `unix_s` (seconds since the epoch, UTC), or
    /// `None` when none comes within five years (`0 0 30 2 *`).
    pub fn next_after(&self, unix_s: i64) -> Option<i64> {
        let mut minute = unix_s.div_euclid(60) + 1;
        let last = minute + 5 * 366 * 24 * 60;
        while minute < last {
            let day = minute.div_euclid(24 * 60);
            if !self.day_matches(day) {
                minute = (day + 1) * 24 * 60;
                continue;
            }
            let in_day = minute.rem_euclid(24 * 60);
            let (h, m) = (in_day / 60, in_day % 60);
            if self.hours & (1 << h) == 0 {
                minute = day * 24 * 60 + (h + 1) * 60;
                continue;
            }
            if self.minutes & (1 << m) != 0 {
                return Some(minute * 60);
            }
            minute += 1;
        }
        None
    }
}

#[cfg(test)]
mod tests;
