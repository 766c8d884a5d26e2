//! CPU and node sets as libvirt's bitmap parser reads them
//! (virBitmapParse) and writes them.

use super::*;

/// Read a CPU or node set the way `virBitmapParse` does (virt-core's
/// [`virt_core::CpuMap::parse_ranges`], the one reader of cpulists),
/// every bit below `limit`. `None` when libvirt refuses the text, else
/// the bits set, as sorted disjoint ranges.
pub(crate) fn bitmap(text: &str, limit: u64) -> Option<Vec<(u64, u64)>> {
    let limit = u32::try_from(limit).unwrap_or(u32::MAX);
    let set = virt_core::CpuMap::parse_ranges(text, limit).ok()?;
    Some(
        set.into_iter()
            .map(|(lo, hi)| (u64::from(lo), u64::from(hi)))
            .collect(),
    )
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
