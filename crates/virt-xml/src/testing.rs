//! What the unit tests of several modules share.

/// A test-hypervisor domain holding `devices`, as the parser takes it:
/// "OK", or the text of its refusal (what the tests compare with virsh
/// 9.0's words).
pub(crate) fn devices_verdict(devices: &str) -> String {
    let xml = format!(
        "<domain type='test'><name>t</name><memory>1024</memory><os><type>hvm</type></os>\
         <devices>{devices}</devices></domain>"
    );
    match crate::parse_domain(&xml) {
        Ok(_) => "OK".into(),
        Err(e) => e.to_string(),
    }
}
