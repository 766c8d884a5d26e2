//! Where the daemon's sockets live: libvirt's own paths, so unmodified
//! clients with default URIs find them.

use std::path::{Path, PathBuf};

/// The directory of root's sockets.
pub const SYSTEM_DIR: &str = "/run/libvirt";
/// The read-write socket's file name.
pub const RW_NAME: &str = "libvirt-sock";
/// The read-only socket's file name.
pub const RO_NAME: &str = "libvirt-sock-ro";
/// libvirt's TCP port (`listen_tcp`).
pub const TCP_PORT: u16 = 16509;

/// Permissions of the read-write socket: its owner only.
pub const RW_MODE: u32 = 0o700;
/// Permissions of the read-only socket: everyone.
pub const RO_MODE: u32 = 0o777;

/// The sockets to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketPlan {
    /// The directory that holds them (created when missing).
    pub dir: PathBuf,
    /// The read-write socket.
    pub rw: PathBuf,
    /// The read-only socket (none for a user's session daemon, as libvirt).
    pub ro: Option<PathBuf>,
}

impl SocketPlan {
    /// Both sockets in `dir`.
    pub fn in_dir(dir: &Path) -> SocketPlan {
        SocketPlan {
            dir: dir.to_path_buf(),
            rw: dir.join(RW_NAME),
            ro: Some(dir.join(RO_NAME)),
        }
    }

    /// libvirt's defaults: root gets both sockets under /run/libvirt; other
    /// users one read-write socket under `$XDG_RUNTIME_DIR/libvirt` (or
    /// `$HOME/.cache/libvirt` without it, as libvirt's
    /// `virGetUserRuntimeDirectory`).
    pub fn default_for(uid: u32, runtime_dir: Option<&Path>, home: Option<&Path>) -> SocketPlan {
        if uid == 0 {
            return SocketPlan::in_dir(Path::new(SYSTEM_DIR));
        }
        let base = match (runtime_dir, home) {
            (Some(r), _) => r.join("libvirt"),
            (None, Some(h)) => h.join(".cache/libvirt"),
            (None, None) => std::env::temp_dir().join(format!("libvirt-{uid}")),
        };
        SocketPlan {
            rw: base.join(RW_NAME),
            dir: base,
            ro: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libvirts_paths() {
        let root = SocketPlan::default_for(0, Some(Path::new("/run/user/0")), None);
        assert_eq!(root.rw, Path::new("/run/libvirt/libvirt-sock"));
        assert_eq!(
            root.ro.as_deref(),
            Some(Path::new("/run/libvirt/libvirt-sock-ro"))
        );
        let user = SocketPlan::default_for(1000, Some(Path::new("/run/user/1000")), None);
        assert_eq!(user.rw, Path::new("/run/user/1000/libvirt/libvirt-sock"));
        assert_eq!(user.ro, None);
        let no_xdg = SocketPlan::default_for(1000, None, Some(Path::new("/home/u")));
        assert_eq!(no_xdg.rw, Path::new("/home/u/.cache/libvirt/libvirt-sock"));
        let dir = SocketPlan::in_dir(Path::new("/tmp/d"));
        assert_eq!(dir.ro.as_deref(), Some(Path::new("/tmp/d/libvirt-sock-ro")));
    }
}
