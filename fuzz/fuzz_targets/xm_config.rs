//! Any bytes: the xm config reader must not panic; what it reads must
//! print as text that reads back and prints the same (unless a carriage
//! return inside triple quotes makes it unwritable, as in libvirt); and a
//! config converts to domain XML and back, or fails cleanly, in both
//! libvirt flavours.
#![no_main]

use libfuzzer_sys::fuzz_target;
use virt_xend::xm::{xm_text_to_xml, xml_to_xm_text, Conf, XmFlavour, XmOptions};

fuzz_target!(|data: &[u8]| {
    if let Ok(conf) = Conf::parse(data) {
        // Writing is stable: what was written reads back and writes the
        // same. (The values themselves may differ in kind: "-0" reads as
        // a signed zero and is written "0", as libvirt did.)
        let text = conf.to_text();
        if !text.contains('\r') {
            let again = Conf::parse(text.as_bytes()).map(|c| c.to_text());
            assert_eq!(again.ok(), Some(text));
        }
    }
    for flavour in [XmFlavour::Libvirt4, XmFlavour::Libvirt9] {
        let opts = XmOptions::new(flavour);
        if let Ok(xml) = xm_text_to_xml(data, &opts) {
            if let Ok(cfg) = xml_to_xm_text(&xml, &opts) {
                let _ = xm_text_to_xml(cfg.as_bytes(), &opts);
            }
        }
    }
});
