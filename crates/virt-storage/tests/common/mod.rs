//! What the pool tests share: a driver over a private state directory,
//! what a restarted one finds, and a sparse upload of a marked pattern.

use std::path::Path;
use virt_core::{vol_upload_flags, Connect, Piece, StorageVol, Uri};
use virt_storage::paths::Paths;
use virt_storage::StorageDriver;

/// A connection to a storage driver keeping its state under `root`; a
/// second one on the same root is a restarted daemon.
pub fn connect(root: &Path) -> Connect {
    let paths = Paths {
        config: root.join("state/config"),
        run: root.join("state/run"),
    };
    let d = StorageDriver::with_paths(paths).expect("driver");
    Connect::from_driver(
        Box::new(d),
        Uri::parse("qemu:///session").expect("uri"),
        false,
    )
}

/// What a driver opened afresh on `root` (a restarted daemon) finds of
/// pool `name`: whether it runs, its volumes' names, and the connection.
pub fn after_restart(root: &Path, name: &str) -> (bool, Vec<String>, Connect) {
    let again = connect(root);
    let pool = again
        .storage_pool_lookup_by_name(name)
        .expect("pool after restart");
    let active = pool.is_active().expect("state");
    let names = pool
        .list_all_volumes(0)
        .expect("volumes")
        .iter()
        .map(|v| v.name().to_string())
        .collect();
    (active, names, again)
}

/// Upload `mark`, a 1 MiB hole, and `mark` again into `v` as a sparse
/// stream: the volume then holds the mark at 0 and at 1 MiB + 4.
pub fn upload_marks(c: &Connect, v: &StorageVol, mark: &[u8; 4]) {
    let st = c.new_stream(0).expect("stream");
    v.upload(&st, 0, 0, vol_upload_flags::SPARSE_STREAM)
        .expect("upload");
    let mut script = vec![Piece::Data(4), Piece::Hole(1 << 20), Piece::Data(4)];
    st.sparse_send_all(&mut |buf| {
        buf[..4].copy_from_slice(mark);
        Ok(if script.is_empty() {
            Piece::End
        } else {
            script.remove(0)
        })
    })
    .expect("send");
    st.finish().expect("finish");
}
