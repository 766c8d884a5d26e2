//! Snapshot and checkpoint definitions a client writes from its options:
//! virsh's `snapshot-create-as` and `checkpoint-create-as` lay them out
//! their own way (`--print-xml` shows it), so they are built here, element
//! and attribute names in virt-xml alone. Reading the options' own syntax
//! (`--diskspec vda,snapshot=external,...`) stays with the client.

use crate::Element;

/// Which kind of moment a definition describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MomentRoot {
    /// `<domainsnapshot>`.
    Snapshot,
    /// `<domaincheckpoint>`.
    Checkpoint,
}

impl MomentRoot {
    fn tag(self) -> &'static str {
        match self {
            MomentRoot::Snapshot => "domainsnapshot",
            MomentRoot::Checkpoint => "domaincheckpoint",
        }
    }
}

/// A snapshot's or checkpoint's definition as `create-as` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MomentToCreate {
    /// The root element.
    pub root: MomentRoot,
    /// `<name>`.
    pub name: Option<String>,
    /// `<description>`.
    pub description: Option<String>,
    /// A snapshot's `<memory>` (see [`SnapshotMemorySpec`]).
    pub memory: Option<Element>,
    /// `<disks>`' children, each from [`SnapshotDiskSpec`] or
    /// [`CheckpointDiskSpec`].
    pub disks: Vec<Element>,
}

impl MomentToCreate {
    /// An empty definition (the library names and fills it).
    pub fn new(root: MomentRoot) -> MomentToCreate {
        MomentToCreate {
            root,
            name: None,
            description: None,
            memory: None,
            disks: Vec::new(),
        }
    }

    /// The root element: name, description, memory, then `<disks>`.
    pub fn to_element(&self) -> Element {
        let mut root = Element::new(self.root.tag());
        if let Some(n) = &self.name {
            root = root.with_child(Element::new("name").with_text(n));
        }
        if let Some(d) = &self.description {
            root = root.with_child(Element::new("description").with_text(d));
        }
        if let Some(m) = &self.memory {
            root = root.with_child(m.clone());
        }
        if !self.disks.is_empty() {
            root = root.with_child(
                self.disks
                    .iter()
                    .fold(Element::new("disks"), |d, e| d.with_child(e.clone())),
            );
        }
        root
    }

    /// The document as virsh writes it: [`MomentToCreate::to_element`]'s
    /// layout, except that an empty root is opened and closed on two
    /// lines, not written as an empty element.
    pub fn to_xml(&self) -> String {
        let root = self.to_element();
        if root.children.is_empty() {
            let tag = self.root.tag();
            return format!("<{tag}>\n</{tag}>\n");
        }
        root.to_xml(0)
    }
}

/// A snapshot's `--memspec`: `<memory snapshot= file=>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SnapshotMemorySpec {
    /// `snapshot=`: no, internal, external, manual.
    pub snapshot: Option<String>,
    /// `file=`: where an external memory state goes.
    pub file: Option<String>,
}

impl SnapshotMemorySpec {
    /// The `<memory>` element.
    pub fn to_element(&self) -> Element {
        Element::new("memory")
            .with_attr_opt("snapshot", self.snapshot.as_deref())
            .with_attr_opt("file", self.file.as_deref())
    }
}

/// A snapshot's `--diskspec`: `<disk name= snapshot= type=>` with its
/// driver and source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SnapshotDiskSpec {
    /// The disk's target or source.
    pub name: String,
    /// `snapshot=`: no, internal, external, manual.
    pub snapshot: Option<String>,
    /// `type=`: file or block (the source's attribute follows it).
    pub source_type: Option<String>,
    /// `<driver type=>`: the new file's format.
    pub driver: Option<String>,
    /// `<source file=>` (or `dev=` for a block source): the new file.
    pub file: Option<String>,
}

impl SnapshotDiskSpec {
    /// The `<disk>` element.
    pub fn to_element(&self) -> Element {
        let disk = Element::new("disk").with_attr("name", &self.name);
        let mut disk = disk
            .with_attr_opt("snapshot", self.snapshot.as_deref())
            .with_attr_opt("type", self.source_type.as_deref());
        if let Some(d) = &self.driver {
            disk = disk.with_child(Element::new("driver").with_attr("type", d));
        }
        if let Some(f) = &self.file {
            let attr = if self.source_type.as_deref() == Some("block") {
                "dev"
            } else {
                "file"
            };
            disk = disk.with_child(Element::new("source").with_attr(attr, f));
        }
        disk
    }
}

/// A checkpoint's `--diskspec`: `<disk name= checkpoint= bitmap=/>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckpointDiskSpec {
    /// The disk's target or source.
    pub name: String,
    /// `checkpoint=`: no or bitmap.
    pub checkpoint: Option<String>,
    /// `bitmap=`: the bitmap's name.
    pub bitmap: Option<String>,
}

impl CheckpointDiskSpec {
    /// The `<disk>` element.
    pub fn to_element(&self) -> Element {
        let disk = Element::new("disk").with_attr("name", &self.name);
        disk.with_attr_opt("checkpoint", self.checkpoint.as_deref())
            .with_attr_opt("bitmap", self.bitmap.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Layouts observed from virsh 9.0's `snapshot-create-as --print-xml`
    // and `checkpoint-create-as --print-xml`.
    #[test]
    fn a_snapshot_to_create_is_laid_out_as_virsh_writes_it() {
        let mut snap = MomentToCreate::new(MomentRoot::Snapshot);
        snap.name = Some("s1".into());
        snap.description = Some("a<b".into());
        snap.memory = Some(
            SnapshotMemorySpec {
                snapshot: Some("external".into()),
                file: Some("/m".into()),
            }
            .to_element(),
        );
        snap.disks = vec![
            SnapshotDiskSpec {
                name: "vda".into(),
                snapshot: Some("external".into()),
                source_type: Some("block".into()),
                driver: Some("qcow2".into()),
                file: Some("/dev/x".into()),
            }
            .to_element(),
            SnapshotDiskSpec {
                name: "vdb".into(),
                snapshot: Some("no".into()),
                ..SnapshotDiskSpec::default()
            }
            .to_element(),
        ];
        assert_eq!(
            snap.to_element().to_xml(0),
            "<domainsnapshot>\n\
             \x20 <name>s1</name>\n\
             \x20 <description>a&lt;b</description>\n\
             \x20 <memory snapshot='external' file='/m'/>\n\
             \x20 <disks>\n\
             \x20   <disk name='vda' snapshot='external' type='block'>\n\
             \x20     <driver type='qcow2'/>\n\
             \x20     <source dev='/dev/x'/>\n\
             \x20   </disk>\n\
             \x20   <disk name='vdb' snapshot='no'/>\n\
             \x20 </disks>\n\
             </domainsnapshot>\n"
        );
        let file = SnapshotDiskSpec {
            name: "vda".into(),
            file: Some("/f".into()),
            ..SnapshotDiskSpec::default()
        };
        assert_eq!(
            file.to_element().to_xml(0),
            "<disk name='vda'>\n  <source file='/f'/>\n</disk>\n"
        );
    }

    #[test]
    fn a_checkpoint_to_create_is_laid_out_as_virsh_writes_it() {
        let mut chk = MomentToCreate::new(MomentRoot::Checkpoint);
        chk.disks = vec![CheckpointDiskSpec {
            name: "vda".into(),
            checkpoint: Some("bitmap".into()),
            bitmap: Some("b1".into()),
        }
        .to_element()];
        assert_eq!(
            chk.to_element().to_xml(0),
            "<domaincheckpoint>\n\
             \x20 <disks>\n\
             \x20   <disk name='vda' checkpoint='bitmap' bitmap='b1'/>\n\
             \x20 </disks>\n\
             </domaincheckpoint>\n"
        );
        assert_eq!(
            MomentToCreate::new(MomentRoot::Checkpoint).to_xml(),
            "<domaincheckpoint>\n</domaincheckpoint>\n"
        );
        assert_eq!(
            MomentToCreate::new(MomentRoot::Snapshot)
                .to_element()
                .to_xml(0),
            "<domainsnapshot/>\n"
        );
    }
}
