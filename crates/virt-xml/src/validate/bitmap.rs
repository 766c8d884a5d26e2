//! CPU and node sets as libvirt's bitmap parser reads them
//! (virBitmapParse) and writes them.

use super::*;

/// Read a CPU or node set the way `virBitmapParse` does: items `N`,
/// `N-M` (N <= M) and `^N`, comma-separated, spaces allowed around them,
/// every bit below `limit`. `None` when libvirt refuses the text, else
/// the bits set, as sorted disjoint ranges.
pub(crate) fn bitmap(text: &str, limit: u64) -> Option<Vec<(u64, u64)>> {
    // The set as disjoint ranges; a `^N` splits the range holding N.
    let mut set: Vec<(u64, u64)> = Vec::new();
    let number = |s: &str| -> Option<(u64, usize)> {
        let digits = s.bytes().take_while(u8::is_ascii_digit).count();
        // libvirt reads an int: more than i32::MAX is refused.
        let n: u64 = s[..digits].parse().ok()?;
        (n <= i32::MAX as u64).then_some((n, digits))
    };
    let mut rest = text.trim_start_matches(is_space);
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let neg = rest.starts_with('^');
        if neg {
            rest = &rest[1..];
        }
        let (start, used) = number(rest)?;
        rest = rest[used..].trim_start_matches(is_space);
        let mut last = start;
        if let Some(after) = rest.strip_prefix('-') {
            if neg {
                return None;
            }
            let after = after.trim_start_matches(is_space);
            let after = after.strip_prefix('+').unwrap_or(after);
            let (end, used) = number(after)?;
            if end < start {
                return None;
            }
            last = end;
            rest = after[used..].trim_start_matches(is_space);
        }
        if last >= limit {
            return None;
        }
        set = if neg {
            set.into_iter()
                .flat_map(|(lo, hi)| {
                    if lo <= start && start <= hi {
                        let below = (lo < start).then(|| (lo, start - 1));
                        let above = (start < hi).then(|| (start + 1, hi));
                        [below, above]
                    } else {
                        [Some((lo, hi)), None]
                    }
                })
                .flatten()
                .collect()
        } else {
            merge(set, (start, last))
        };
        match rest.strip_prefix(',') {
            Some(r) => rest = r.trim_start_matches(is_space),
            None if rest.is_empty() => break,
            None => return None,
        }
    }
    Some(set)
}

/// `set` (sorted, disjoint, not adjacent) with `add` in it, kept so.
pub(super) fn merge(set: Vec<(u64, u64)>, add: (u64, u64)) -> Vec<(u64, u64)> {
    let (mut lo, mut hi) = add;
    let mut out = Vec::with_capacity(set.len() + 1);
    for (a, b) in set {
        if b + 1 < lo || hi + 1 < a {
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

/// Whether a set libvirt reads is non-empty (`None`: refused).
pub(crate) fn bitmap_has_bits(text: &str, limit: u64) -> Option<bool> {
    bitmap(text, limit).map(|s| !s.is_empty())
}

/// A set as `virBitmapFormat` writes it: ranges `N-M`, single bits `N`,
/// which is virt-core's cpulist form (sets are read below
/// [`CPUMASK_LEN`], so every bit fits the map).
pub(crate) fn format_bitmap(set: &[(u64, u64)]) -> String {
    let mut map = virt_core::CpuMap::default();
    for bit in set.iter().flat_map(|&(lo, hi)| lo..=hi) {
        if let Ok(bit) = u32::try_from(bit) {
            map.set(bit);
        }
    }
    map.to_string()
}

/// A set attribute rewritten the way libvirt writes it back.
pub(crate) fn canonical_set(text: &str) -> Option<String> {
    bitmap(text, CPUMASK_LEN)
        .filter(|s| !s.is_empty())
        .map(|s| format_bitmap(&s))
}

/// glib's `g_ascii_isspace`, which libvirt's `virSkipSpaces` uses.
pub(super) fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// A CPU or node set attribute read where libvirt reads it: refused with
/// "Failed to parse bitmap" when malformed, with `empty(value)` when it
/// leaves no bit set (`None`: an empty set is allowed there).
pub(super) fn check_set(
    value: Option<&str>,
    empty: Option<&dyn Fn(&str) -> XmlError>,
) -> Result<(), XmlError> {
    let Some(v) = value else { return Ok(()) };
    match (bitmap_has_bits(v, CPUMASK_LEN), empty) {
        (None, _) => Err(XmlError::InvalidArg(format!(
            "Failed to parse bitmap '{v}'"
        ))),
        (Some(false), Some(empty)) => Err(empty(v)),
        _ => Ok(()),
    }
}

pub(super) fn invalid_set(attr: &'static str) -> impl Fn(&str) -> XmlError {
    move |v| XmlError::Unsupported(format!("Invalid value of '{attr}': {v}"))
}
