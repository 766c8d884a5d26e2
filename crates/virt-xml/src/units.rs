//! Memory sizes with libvirt's unit suffixes.

use crate::error::XmlError;

/// The largest size in bytes libvirt's memory sizes may scale to
/// (`virMemoryMaxValue` on a 64-bit host: `LLONG_MAX`).
pub const MEMORY_MAX_BYTES: u64 = i64::MAX as u64;

/// libvirt's `VIR_DOMAIN_MEMORY_PARAM_UNLIMITED` in KiB: a `<memtune>`
/// limit is capped there, and may scale to this many KiB at most.
pub const MEMORY_LIMIT_UNLIMITED: u64 = (i64::MAX as u64) >> 10;

/// Scale `number` by `unit` into bytes as libvirt's `virScaleInteger`
/// does, `default_scale` bytes per unit when there is no unit: refused
/// (VIR_ERR_OVERFLOW, naming the number and the unit as given) when more
/// than `limit` bytes.
pub fn scale_to_bytes(
    number: u64,
    unit: Option<&str>,
    default_scale: u64,
    limit: u64,
) -> Result<u64, XmlError> {
    let scale = match unit {
        None | Some("") => default_scale,
        Some(u) => unit_scale(u)?,
    };
    if number != 0 && number > limit / scale {
        return Err(XmlError::Overflow(format!(
            "value too large: {number}{}",
            unit.unwrap_or("")
        )));
    }
    Ok(number * scale)
}

/// The number of a size as virStrToLong_ullp reads it (blanks and a '+'
/// before the digits, nothing after), refused as libvirt refuses it.
fn size_number(value: &str) -> Result<u64, XmlError> {
    crate::devinfo::c_unsigned(value, 10).ok_or_else(|| XmlError::InvalidValue {
        value: value.to_string(),
        xpath: "memory".to_string(),
    })
}

/// Parse a memory size `value` in `unit` (libvirt's suffixes: b, byte,
/// bytes, k, KiB, KB, M, MiB, MB, G, GiB, GB, T, TiB, TB, P, PiB, PB, E,
/// EiB, EB, any case; no unit means KiB) and return it in KiB, rounded up
/// as libvirt's `virDomainParseMemory` does: at most `LLONG_MAX` bytes,
/// and less than that many KiB once rounded ("size value too large").
pub fn parse_memory(value: &str, unit: Option<&str>) -> Result<u64, XmlError> {
    memory_kib(size_number(value)?, unit)
}

/// [`parse_memory`] of a number already read.
pub(crate) fn memory_kib(number: u64, unit: Option<&str>) -> Result<u64, XmlError> {
    let bytes = scale_to_bytes(number, unit, 1024, MEMORY_MAX_BYTES)?;
    let kib = bytes.div_ceil(1024);
    if kib >= MEMORY_MAX_BYTES.div_ceil(1024) {
        return Err(XmlError::Overflow("size value too large".into()));
    }
    Ok(kib)
}

/// Parse a `<memtune>` limit (`hard_limit`, `soft_limit`,
/// `swap_hard_limit`) as libvirt's `virDomainParseMemoryLimit` does: at
/// most `VIR_DOMAIN_MEMORY_PARAM_UNLIMITED` KiB once scaled, returned in
/// KiB rounded up and capped at that value (which means no limit).
pub fn parse_memory_limit(value: &str, unit: Option<&str>) -> Result<u64, XmlError> {
    let bytes = scale_to_bytes(
        size_number(value)?,
        unit,
        1024,
        MEMORY_LIMIT_UNLIMITED << 10,
    )?;
    Ok(bytes.div_ceil(1024).min(MEMORY_LIMIT_UNLIMITED))
}

/// Bytes per unit for a libvirt unit suffix.
pub fn unit_scale(unit: &str) -> Result<u64, XmlError> {
    let bad = || XmlError::InvalidArg(format!("unknown suffix '{unit}'"));
    if unit.is_empty() {
        return Ok(1024);
    }
    if ["b", "byte", "bytes"]
        .iter()
        .any(|b| unit.eq_ignore_ascii_case(b))
    {
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
        // libvirt's bound is LLONG_MAX bytes, whatever the unit.
        assert_eq!(parse_memory("1", Some("BYTE")), Ok(1));
        assert_eq!(
            parse_memory("18446744073709551615", Some("b")).map_err(|e| e.to_string()),
            Err("numerical overflow: value too large: 18446744073709551615b".to_string())
        );
        assert_eq!(
            parse_memory("8", Some("EiB")).map_err(|e| e.to_string()),
            Err("numerical overflow: value too large: 8EiB".to_string())
        );
        assert_eq!(
            parse_memory("9223372036854775807", Some("b")).map_err(|e| e.to_string()),
            Err("numerical overflow: size value too large".to_string())
        );
        assert_eq!(parse_memory("0", Some("E")), Ok(0));
        // A memtune limit may reach 2^53 - 1 KiB, and is capped there.
        assert_eq!(
            parse_memory_limit("9007199254740991", None),
            Ok(MEMORY_LIMIT_UNLIMITED)
        );
        assert_eq!(
            parse_memory_limit("9007199254740992", None).map_err(|e| e.to_string()),
            Err("numerical overflow: value too large: 9007199254740992".to_string())
        );
    }
}
