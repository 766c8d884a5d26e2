//! The tiny Linux test guest of `cargo xtask guest` (see
//! [`crate::linux_guest`]) as a QEMU domain: the one definition the guest
//! tests of every crate (driver, daemon, virsh, networks) and the daemon
//! benchmark start, each changing only what it tests.

use std::path::{Path, PathBuf};

/// Debian's QEMU for x86 guests (package qemu-system-x86).
pub const QEMU: &str = "/usr/bin/qemu-system-x86_64";

/// A serial port and console on a pseudo-terminal, for tests that talk to
/// the guest through `virsh console`.
pub const PTY_CONSOLE: &str = "<serial type='pty'><target port='0'/></serial>\
     <console type='pty'><target type='serial' port='0'/></console>";

/// A serial port appending the guest's console output to `console`, for
/// tests that read what the guest reports.
pub fn serial_file(console: &Path) -> String {
    format!(
        "<serial type='file'><source path='{}' append='on'/><target port='0'/></serial>",
        console.display()
    )
}

/// A `type='qemu'` domain booting the Linux test guest's kernel and
/// initrd with `console=ttyS0 quiet`, ACPI on (so it powers off on the
/// power button); [`Default`] is a q35 machine of 128 MiB and one vCPU
/// without a balloon, each field what one test changes.
#[derive(Debug, Clone, Copy)]
pub struct LinuxDomain<'a> {
    /// The machine type (`q35`; `pc` for i440fx's ACPI PCI hot-plug).
    pub machine: &'a str,
    /// What stands between `<name>` and `<os>`: memory, vCPUs, lifecycle
    /// actions.
    pub head: &'a str,
    /// Kernel arguments after `console=ttyS0 quiet` (the guest's own
    /// `virtrs.*` switches).
    pub args: &'a str,
    /// The devices after `<emulator>`: the serial port, disks, NICs.
    pub devices: &'a str,
}

impl Default for LinuxDomain<'_> {
    fn default() -> Self {
        LinuxDomain {
            machine: "q35",
            head: "<memory unit='MiB'>128</memory><vcpu>1</vcpu>",
            args: "",
            devices: "<memballoon model='none'/>",
        }
    }
}

impl LinuxDomain<'_> {
    /// The domain XML for a guest named `name` booting `guest`'s kernel
    /// and initrd (as [`crate::linux_guest`] returns them).
    pub fn xml(&self, name: &str, (kernel, initrd): &(PathBuf, PathBuf)) -> String {
        let LinuxDomain {
            machine,
            head,
            args,
            devices,
        } = self;
        let args = if args.is_empty() {
            String::new()
        } else {
            format!(" {args}")
        };
        format!(
            "<domain type='qemu'><name>{name}</name>{head}\
             <os><type arch='x86_64' machine='{machine}'>hvm</type>\
             <kernel>{}</kernel><initrd>{}</initrd>\
             <cmdline>console=ttyS0 quiet{args}</cmdline></os><features><acpi/></features>\
             <devices><emulator>{QEMU}</emulator>{devices}</devices></domain>",
            kernel.display(),
            initrd.display(),
        )
    }
}

/// The files a QEMU driver's run dir `run` holds besides its locks, its
/// id counter and its autostart mark, sorted: what a stopped guest must
/// not leave behind.
pub fn leftovers(run: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(run)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            !matches!(
                n.as_str(),
                "locks" | "driver.lock" | "next-id" | "autostarted"
            )
        })
        .collect();
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parts_land_where_libvirt_reads_them() {
        let guest = (PathBuf::from("/k"), PathBuf::from("/i"));
        let console = serial_file(Path::new("/c.log"));
        let xml = LinuxDomain {
            machine: "pc",
            args: "virtrs.net",
            devices: &console,
            ..LinuxDomain::default()
        }
        .xml("g", &guest);
        assert_eq!(
            xml,
            "<domain type='qemu'><name>g</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>\
             <os><type arch='x86_64' machine='pc'>hvm</type><kernel>/k</kernel><initrd>/i</initrd>\
             <cmdline>console=ttyS0 quiet virtrs.net</cmdline></os><features><acpi/></features>\
             <devices><emulator>/usr/bin/qemu-system-x86_64</emulator>\
             <serial type='file'><source path='/c.log' append='on'/><target port='0'/></serial>\
             </devices></domain>"
        );
    }
}
