//! Calendar fields of a moment given in seconds since the epoch, in UTC:
//! how libvirt's tools print times (virsh's event timestamps, QEMU's
//! `-rtc base=`), without the C library's `gmtime`.

/// A moment in UTC by its calendar fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcTime {
    /// The year (proleptic Gregorian).
    pub year: i64,
    /// 1 to 12.
    pub month: u32,
    /// 1 to 31.
    pub day: u32,
    /// 0 to 23.
    pub hour: u32,
    /// 0 to 59.
    pub minute: u32,
    /// 0 to 59.
    pub second: u32,
}

impl UtcTime {
    /// The moment `secs` seconds after 1970-01-01 00:00:00 UTC (before it
    /// when negative).
    pub fn from_epoch_secs(secs: i64) -> Self {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400) as u32;
        // Civil date from days since 1970-01-01 (Howard Hinnant's
        // algorithm: eras of 400 years from 0000-03-01).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        UtcTime {
            year: yoe + era * 400 + i64::from(month <= 2),
            month,
            day,
            hour: rem / 3600,
            minute: rem / 60 % 60,
            second: rem % 60,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
        let t = UtcTime::from_epoch_secs(secs);
        (t.year, t.month, t.day, t.hour, t.minute, t.second)
    }

    #[test]
    fn dates_match_the_calendar() {
        assert_eq!(fields(0), (1970, 1, 1, 0, 0, 0));
        // A leap day, its last second, and the day after it.
        assert_eq!(fields(951_782_400), (2000, 2, 29, 0, 0, 0));
        assert_eq!(fields(951_868_799), (2000, 2, 29, 23, 59, 59));
        assert_eq!(fields(951_868_800), (2000, 3, 1, 0, 0, 0));
        // 2100 is no leap year.
        assert_eq!(fields(4_107_542_400), (2100, 3, 1, 0, 0, 0));
        assert_eq!(fields(-1), (1969, 12, 31, 23, 59, 59));
        assert_eq!(fields(1_733_400_000), (2024, 12, 5, 12, 0, 0));
    }
}
