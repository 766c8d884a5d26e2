//! Memory sizes with libvirt's unit suffixes.

use crate::error::XmlError;

/// Parse a memory size `value` in `unit` (libvirt's suffixes: b, bytes,
/// k, KiB, KB, M, MiB, MB, G, GiB, GB, T, TiB, TB, P, PiB, PB, E, EiB, EB;
/// no unit means KiB) and return it in KiB, rounded up as libvirt does.
pub fn parse_memory(value: &str, unit: Option<&str>) -> Result<u64, XmlError> {
    let invalid = || XmlError::InvalidValue {
        value: value.to_string(),
        xpath: "memory".to_string(),
    };
    let number: u64 = value.trim().parse().map_err(|_| invalid())?;
    let scale = unit_scale(unit.unwrap_or("KiB"))?;
    let bytes = number.checked_mul(scale).ok_or_else(|| {
        XmlError::Overflow(format!("value too large: {}{}", value, unit.unwrap_or("")))
    })?;
    Ok(bytes.div_ceil(1024))
}

/// Bytes per unit for a libvirt unit suffix.
pub fn unit_scale(unit: &str) -> Result<u64, XmlError> {
    let bad = || XmlError::InvalidArg(format!("unknown suffix '{unit}'"));
    if unit.is_empty() {
        return Ok(1024);
    }
    if unit.eq_ignore_ascii_case("b") || unit.eq_ignore_ascii_case("bytes") {
        return Ok(1);
    }
    // Checked: a unit from outside may start with a multi-byte character.
    let Some((first, rest)) = unit.split_at_checked(1) else {
        return Err(bad());
    };
    let base: u64 = if rest.is_empty() || rest.eq_ignore_ascii_case("ib") {
        1024
    } else if rest.eq_ignore_ascii_case("b") {
        1000
    } else {
        return Err(bad());
    };
    let power = match first.as_bytes() {
        [b'k' | b'K'] => 1,
        [b'm' | b'M'] => 2,
        [b'g' | b'G'] => 3,
        [b't' | b'T'] => 4,
        [b'p' | b'P'] => 5,
        [b'e' | b'E'] => 6,
        _ => return Err(bad()),
    };
    Ok(base.pow(power))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(parse_memory("524288", None), Ok(524288));
        assert_eq!(parse_memory("1", Some("GiB")), Ok(1048576));
        assert_eq!(parse_memory("1", Some("G")), Ok(1048576));
        assert_eq!(parse_memory("1", Some("GB")), Ok(976563));
        assert_eq!(parse_memory("1000", Some("b")), Ok(1));
        assert!(parse_memory("1", Some("\u{fffd}ib")).is_err());
        assert_eq!(parse_memory("2048", Some("bytes")), Ok(2));
        assert_eq!(parse_memory("1", Some("k")), Ok(1));
        assert_eq!(parse_memory("1", Some("MB")), Ok(977));
        assert_eq!(parse_memory("1", Some("TiB")), Ok(1 << 30));
        assert_eq!(
            parse_memory("1", Some("foo")).map_err(|e| e.to_string()),
            Err("invalid argument: unknown suffix 'foo'".to_string())
        );
        assert!(parse_memory("abc", None).is_err());
        assert!(parse_memory("-5", None).is_err());
        assert_eq!(
            parse_memory("9999999999", Some("T")).map_err(|e| e.to_string()),
            Err("numerical overflow: value too large: 9999999999T".to_string())
        );
    }
}
