//! Which Python methods serve each call of virt-core's driver table
//! (`api-map.txt`, read at build time): the check that the binding keeps up
//! with the table instead of drifting from it.

/// The map's text: `libvirtFunction Class.method ...` or
/// `libvirtFunction -` per line, `#` comments.
pub const API_MAP: &str = include_str!("../api-map.txt");

/// `(libvirt function, Python methods)` for each line of the map.
pub fn entries() -> impl Iterator<Item = (&'static str, Vec<&'static str>)> {
    API_MAP
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let api = words.next()?;
            Some((api, words.filter(|w| *w != "-").collect()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! driver_apis {
        ($( $(#[$m:meta])* [$api:ident, $kind:ident $(, check $check:ident)? $(, default $default:block)?]
           fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty; )*) => {
            const DRIVER_APIS: &[&str] = &[$(stringify!($api)),*];
        };
    }
    virt_core::for_each_driver_method!(driver_apis);

    #[test]
    fn every_driver_call_is_mapped() {
        let mapped: Vec<&str> = entries().map(|(api, _)| api).collect();
        let missing: Vec<&&str> = DRIVER_APIS.iter().filter(|a| !mapped.contains(a)).collect();
        assert!(
            missing.is_empty(),
            "driver calls with no line in crates/virt-python/api-map.txt (add \
             `NAME Class.method` with the method in src/py/, or `NAME -` for not yet): {missing:?}"
        );
        let stale: Vec<&&str> = mapped.iter().filter(|a| !DRIVER_APIS.contains(a)).collect();
        assert!(
            stale.is_empty(),
            "api-map.txt names calls the driver table lacks: {stale:?}"
        );
        let bound = entries().filter(|(_, m)| !m.is_empty()).count();
        println!(
            "{bound} of {} driver calls have Python methods",
            mapped.len()
        );
    }

    #[test]
    fn methods_are_class_dot_name() {
        for (api, methods) in entries() {
            for m in methods {
                let ok = m
                    .split_once('.')
                    .is_some_and(|(c, n)| c.starts_with("vir") && !n.is_empty());
                assert!(ok, "{api}: '{m}' is not Class.method");
            }
        }
    }
}
