//! Any bytes from a remote client or daemon: packets frame or fail cleanly
//! (and what frames encodes back to the same bytes), error bodies decode or
//! fail, and a daemon Session fed the bytes as a stream of packets answers
//! each without panicking, over the in-memory test driver.
#![no_main]

use libfuzzer_sys::fuzz_target;
use virt_remote::packet::{decode_packet, encode_packet, read_packet};
use virt_remote::remote_error::WireError;
use virt_remote::server::Session;
use virt_remote::xdr::Decoder;

fuzz_target!(|data: &[u8]| {
    virt_test::register();
    if let Ok((h, body)) = decode_packet(data) {
        assert_eq!(encode_packet(&h, body).ok().as_deref(), Some(data));
    }
    let _ = Decoder::new(data).get::<WireError>();
    // A connection: open test:///default first, so calls reach the driver.
    let mut session = Session::new(data.first().is_some_and(|b| b & 1 == 1));
    let open = [
        0, 0, 0, 0x38, 0x20, 0, 0x80, 0x86, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0,
        0, 0, 0, 0, 0, 1, 0, 0, 0, 0x0f, b't', b'e', b's', b't', b':', b'/', b'/', b'/', b'd',
        b'e', b'f', b'a', b'u', b'l', b't', 0, 0, 0, 0, 0,
    ];
    if let Ok((h, body)) = decode_packet(&open) {
        assert!(session.handle(&h, body).is_some());
    }
    let mut stream = data;
    while let Ok(Some((h, body))) = read_packet(&mut stream) {
        if let Some(reply) = session.handle(&h, &body) {
            assert!(decode_packet(&reply).is_ok());
        }
        if session.is_closed() {
            break;
        }
    }
});
