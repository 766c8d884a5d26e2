//! Sets of physical CPUs: libvirt's byte layout, and its cpulist text
//! ("0-3,^2,7") both ways, so every driver and virsh read and write CPU
//! sets with the same rules.

use std::fmt;
use std::str::FromStr;

/// A set of physical CPUs in libvirt's byte layout: bit `cpu % 8` of byte
/// `cpu / 8`. Its text form (`Display` / `FromStr`) is libvirt's cpulist:
/// ranges joined by commas, `^N` taking a CPU out again.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CpuMap {
    bytes: Vec<u8>,
}

/// Why a cpulist did not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CpuListError {
    /// Not libvirt's syntax, or a CPU at or above the limit.
    #[error("malformed CPU list")]
    Syntax,
    /// Well formed, but no CPU is left in the set.
    #[error("empty CPU list")]
    Empty,
}

impl CpuMap {
    /// The largest CPU number plus one that [`FromStr`] accepts (libvirt
    /// parses domain cpulists into bitmaps of this size,
    /// `VIR_DOMAIN_CPUMASK_LEN`).
    pub const PARSE_LIMIT: u32 = 1024;

    /// An empty map able to hold `ncpus` CPUs.
    pub fn new(ncpus: u32) -> Self {
        CpuMap {
            bytes: vec![0; ncpus.div_ceil(8) as usize],
        }
    }
    /// A map with CPUs `0..ncpus` all set.
    pub fn all(ncpus: u32) -> Self {
        let mut m = Self::new(ncpus);
        for c in 0..ncpus {
            m.set(c);
        }
        m
    }
    /// A map from libvirt's raw bytes.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        CpuMap {
            bytes: bytes.to_vec(),
        }
    }
    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
    /// Add `cpu`, growing the map if needed.
    pub fn set(&mut self, cpu: u32) {
        let i = (cpu / 8) as usize;
        if i >= self.bytes.len() {
            self.bytes.resize(i + 1, 0);
        }
        self.bytes[i] |= 1 << (cpu % 8);
    }
    /// Take `cpu` out of the map.
    pub fn clear(&mut self, cpu: u32) {
        if let Some(b) = self.bytes.get_mut((cpu / 8) as usize) {
            *b &= !(1 << (cpu % 8));
        }
    }
    /// True when `cpu` is in the map.
    pub fn is_set(&self, cpu: u32) -> bool {
        self.bytes
            .get((cpu / 8) as usize)
            .is_some_and(|b| b & (1 << (cpu % 8)) != 0)
    }
    /// The CPUs in the map, in order.
    pub fn cpus(&self) -> impl Iterator<Item = u32> + '_ {
        (0..(self.bytes.len() as u32 * 8)).filter(|&c| self.is_set(c))
    }
    /// The same set cut to a node of `ncpus` CPUs: CPUs at or above it
    /// dropped, the map sized for exactly `ncpus`.
    pub fn within(&self, ncpus: u32) -> CpuMap {
        let mut m = CpuMap::new(ncpus);
        for c in self.cpus().filter(|&c| c < ncpus) {
            m.set(c);
        }
        m
    }
    /// Parse a cpulist whose CPUs must all be below `limit`, as libvirt's
    /// `virBitmapParse` reads it (see [`CpuMap::parse_ranges`]); an empty
    /// result is [`CpuListError::Empty`].
    pub fn parse_below(s: &str, limit: u32) -> Result<CpuMap, CpuListError> {
        let ranges = Self::parse_ranges(s, limit)?;
        if ranges.is_empty() {
            return Err(CpuListError::Empty);
        }
        // Sized for the limit, bounded: a huge limit must not allocate up front.
        let mut m = CpuMap::new(limit.min(1 << 16));
        for cpu in ranges.into_iter().flat_map(|(lo, hi)| lo..=hi) {
            m.set(cpu);
        }
        Ok(m)
    }
    /// The CPUs of a cpulist, every one below `limit`, as sorted disjoint
    /// ranges (empty when `^N`s took every CPU out again), read the way
    /// libvirt's `virBitmapParse` reads it: comma-separated `N`, `N-M`
    /// (N <= M) or `^N` (taking out an earlier CPU); each `N` starts with
    /// a digit, `M` is read as `strtol` reads it (spaces and a sign before
    /// it), both fit a C int; spaces are allowed around items and the
    /// dash, and a comma may end the list.
    pub fn parse_ranges(s: &str, limit: u32) -> Result<Vec<(u32, u32)>, CpuListError> {
        use CpuListError::Syntax;
        let mut set: Vec<(u32, u32)> = Vec::new();
        let mut rest = s.trim_start_matches(is_space);
        if rest.is_empty() {
            return Err(Syntax);
        }
        while !rest.is_empty() {
            let neg = rest.starts_with('^');
            if neg {
                rest = &rest[1..];
            }
            if !rest.starts_with(|c: char| c.is_ascii_digit()) {
                return Err(Syntax);
            }
            let (start, used) = c_int(rest).ok_or(Syntax)?;
            rest = rest[used..].trim_start_matches(is_space);
            let mut last = start;
            if let Some(after) = rest.strip_prefix('-') {
                if neg {
                    return Err(Syntax);
                }
                let (end, used) = c_int(after).ok_or(Syntax)?;
                if end < start {
                    return Err(Syntax);
                }
                last = end;
                rest = after[used..].trim_start_matches(is_space);
            }
            // Both ends are at least 0 here (`start` begins with a digit).
            let (start, last) = (start as u32, last as u32);
            if last >= limit {
                return Err(Syntax);
            }
            set = match neg {
                true => take_out(set, start),
                false => merge(set, (start, last)),
            };
            match rest.strip_prefix(',') {
                Some(r) => rest = r.trim_start_matches(is_space),
                None if rest.is_empty() => break,
                None => return Err(Syntax),
            }
        }
        Ok(set)
    }
    /// Parse virsh's cpulist for a node with `ncpus` CPUs: libvirt's syntax
    /// with every CPU below `ncpus`, or "r" for all of them; `None` when
    /// malformed or empty.
    pub fn parse_list(s: &str, ncpus: u32) -> Option<CpuMap> {
        if s == "r" {
            return Some(CpuMap::all(ncpus));
        }
        Self::parse_below(s, ncpus).ok()
    }
}

/// glib's `g_ascii_isspace`, the spaces `virSkipSpaces` and C's `strtol`
/// pass over.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// A number as `virStrToLong_i` reads it with C's `strtol`: spaces, a
/// sign, at least one digit, the value fitting an int; with the bytes
/// read.
fn c_int(s: &str) -> Option<(i64, usize)> {
    let body = s.trim_start_matches(is_space);
    let (negative, sign) = match body.as_bytes().first() {
        Some(b'-') => (true, 1),
        Some(b'+') => (false, 1),
        _ => (false, 0),
    };
    let digits = body[sign..].bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let mut value: i64 = 0;
    for b in body[sign..sign + digits].bytes() {
        value = value * 10 + i64::from(b - b'0');
        if value > 1 << 31 {
            return None;
        }
    }
    let value = if negative { -value } else { value };
    i32::try_from(value).ok()?;
    Some((value, s.len() - body.len() + sign + digits))
}

/// `set` (sorted, disjoint, not adjacent) with `add` in it, kept so.
fn merge(set: Vec<(u32, u32)>, add: (u32, u32)) -> Vec<(u32, u32)> {
    let (mut lo, mut hi) = add;
    let mut out = Vec::with_capacity(set.len() + 1);
    for (a, b) in set {
        if b.saturating_add(1) < lo || hi.saturating_add(1) < a {
            out.push((a, b));
        } else {
            lo = lo.min(a);
            hi = hi.max(b);
        }
    }
    out.push((lo, hi));
    out.sort_unstable();
    out
}

/// `set` without `cpu`: the range holding it split around it.
fn take_out(set: Vec<(u32, u32)>, cpu: u32) -> Vec<(u32, u32)> {
    set.into_iter()
        .flat_map(|(lo, hi)| {
            if lo <= cpu && cpu <= hi {
                let below = (lo < cpu).then(|| (lo, cpu - 1));
                let above = (cpu < hi).then(|| (cpu + 1, hi));
                [below, above]
            } else {
                [Some((lo, hi)), None]
            }
        })
        .flatten()
        .collect()
}

/// libvirt's cpulist form: runs of consecutive CPUs as "N-M", joined by
/// commas ("0-3,5"); the empty set is the empty string.
impl fmt::Display for CpuMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut cpus = self.cpus().peekable();
        let mut first = true;
        while let Some(start) = cpus.next() {
            let mut end = start;
            while cpus.next_if_eq(&(end + 1)).is_some() {
                end += 1;
            }
            if !first {
                f.write_str(",")?;
            }
            first = false;
            if start == end {
                write!(f, "{start}")?;
            } else {
                write!(f, "{start}-{end}")?;
            }
        }
        Ok(())
    }
}

/// A cpulist with CPUs below [`CpuMap::PARSE_LIMIT`].
impl FromStr for CpuMap {
    type Err = CpuListError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_below(s, Self::PARSE_LIMIT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cpulists_parse_with_libvirts_rules() {
        let m: CpuMap = "0-3,^2,7".parse().unwrap_or_default();
        assert_eq!(m.cpus().collect::<Vec<_>>(), vec![0, 1, 3, 7]);
        assert_eq!(m.as_bytes()[0], 0b1000_1011);
        assert_eq!(
            " 1 - 2 ".parse::<CpuMap>().map(|m| m.to_string()),
            Ok("1-2".into())
        );
        assert_eq!("^1".parse::<CpuMap>(), Err(CpuListError::Empty));
        // virBitmapParse's own leniencies: a comma at the end, spaces and
        // a sign before the end of a range.
        for (text, set) in [
            ("1,", "1"),
            ("0-+3", "0-3"),
            ("0 -\t 2 ,", "0-2"),
            ("1-3,^2", "1,3"),
        ] {
            assert_eq!(
                text.parse::<CpuMap>().map(|m| m.to_string()),
                Ok(set.into()),
                "{text:?}"
            );
        }
        assert_eq!(CpuMap::parse_ranges("0-3,^0,^1,^2,^3", 8), Ok(Vec::new()));
        assert_eq!(CpuMap::parse_ranges("5,0-2,3", 8), Ok(vec![(0, 3), (5, 5)]));
        for bad in [
            "",
            " ",
            "abc",
            "3-1",
            "1,,2",
            "^2-3",
            "+1",
            "1024",
            "-1",
            "^ 1",
            "1 2",
            "0-2147483648",
            "^1024",
        ] {
            assert_eq!(bad.parse::<CpuMap>(), Err(CpuListError::Syntax), "{bad:?}");
        }
        assert!(CpuMap::parse_list("16", 16).is_none());
        assert!(CpuMap::parse_list("x", 16).is_none());
        assert_eq!(
            CpuMap::parse_list("r", 4).map(|m| m.cpus().count()),
            Some(4)
        );
    }

    #[test]
    fn cpulists_format_as_ranges() {
        let mut m = CpuMap::new(16);
        for c in [0, 1, 3, 4, 5, 9] {
            m.set(c);
        }
        assert_eq!(m.to_string(), "0-1,3-5,9");
        assert_eq!(CpuMap::all(8).to_string(), "0-7");
        assert_eq!(CpuMap::new(8).to_string(), "");
        assert_eq!(m.within(4).to_string(), "0-1,3");
        assert_eq!(m.within(4).as_bytes().len(), 1);
    }

    proptest! {
        #[test]
        fn cpulists_round_trip(cpus in proptest::collection::btree_set(0u32..1024, 1..40)) {
            let mut m = CpuMap::new(1024);
            for &c in &cpus {
                m.set(c);
            }
            let back: CpuMap = m.to_string().parse().map_err(|e| TestCaseError::fail(format!("{e}")))?;
            prop_assert_eq!(back.cpus().collect::<Vec<_>>(), cpus.into_iter().collect::<Vec<_>>());
        }

        #[test]
        fn any_text_parses_or_is_refused(s in ".{0,40}") {
            let _ = s.parse::<CpuMap>();
        }
    }
}
