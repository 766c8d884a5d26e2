//! Linux block device numbers of disk targets: how libvirt named a disk
//! to xend (and how xend's answers name it back).

/// The Linux device number of a disk target, as libvirt computed it to
/// name the device to xend (`xvda` 51712, `hda` 768, `sda` 2048); a
/// number is taken as it is.
pub fn disk_device_number(name: &str) -> Option<u32> {
    if let Ok(n) = name.parse::<u32>() {
        return Some(n);
    }
    let name = name.strip_prefix("ioemu:").unwrap_or(name);
    let name = name.split(':').next().unwrap_or(name);
    let letters_then_part = |rest: &str| -> Option<(u32, u32)> {
        let split = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (letters, part) = rest.split_at(split);
        if letters.is_empty() || !letters.bytes().all(|b| b.is_ascii_lowercase()) {
            return None;
        }
        let mut idx: u32 = 0;
        for b in letters.bytes() {
            idx = idx.checked_mul(26)?.checked_add(u32::from(b - b'a') + 1)?;
        }
        let part = if part.is_empty() {
            0
        } else {
            part.parse().ok()?
        };
        Some((idx - 1, part))
    };
    if let Some(rest) = name.strip_prefix("xvd") {
        let (idx, part) = letters_then_part(rest)?;
        if idx < 16 && part < 16 {
            return Some((202 << 8) | (idx << 4) | part);
        }
        return Some((1 << 28) | (idx << 8) | part);
    }
    if let Some(rest) = name.strip_prefix("hd") {
        const MAJORS: [u32; 10] = [3, 22, 33, 34, 56, 57, 88, 89, 90, 91];
        let (idx, part) = letters_then_part(rest)?;
        let major = *MAJORS.get(usize::try_from(idx / 2).ok()?)?;
        return Some((major << 8) | ((idx % 2) << 6) | part);
    }
    if let Some(rest) = name.strip_prefix("sd") {
        let (idx, part) = letters_then_part(rest)?;
        let major = if idx < 16 { 8 } else { 65 + (idx - 16) / 16 };
        return Some((major << 8) | ((idx % 16) << 4) | part);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_device_numbers_match_linux() {
        assert_eq!(disk_device_number("xvda"), Some(51712));
        assert_eq!(disk_device_number("xvdb1"), Some(51729));
        assert_eq!(disk_device_number("hda"), Some(768));
        assert_eq!(disk_device_number("hdb"), Some(832));
        assert_eq!(disk_device_number("hdc"), Some(5632));
        assert_eq!(disk_device_number("ioemu:hdc:cdrom"), Some(5632));
        assert_eq!(disk_device_number("sda"), Some(2048));
        assert_eq!(disk_device_number("51712"), Some(51712));
        assert_eq!(disk_device_number("eth0"), None);
        assert_eq!(disk_device_number("xvd"), None);
    }
}
