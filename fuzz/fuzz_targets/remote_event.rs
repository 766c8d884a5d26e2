//! Any bytes as an event MESSAGE a daemon sends its client: the body of
//! every event procedure decodes or fails cleanly, and what decodes
//! encodes to a packet that decodes and encodes to the same bytes (bytes,
//! not values: a NaN in job statistics is not equal to itself).
#![no_main]

use libfuzzer_sys::fuzz_target;
use virt_remote::events::{decode, decode_packet_event, encode};

fuzz_target!(|data: &[u8]| {
    let _ = decode_packet_event(data);
    // The first two bytes pick the procedure among the event ones.
    let Some((pick, body)) = data.split_first_chunk::<2>() else {
        return;
    };
    let proc_ = 313 + i32::from(u16::from_be_bytes(*pick) % 130);
    if let Ok(Some((cb, event))) = decode(proc_, body) {
        let packet = match encode(cb, &event) {
            Ok(p) => p,
            Err(_) => return, // over a protocol limit on the way out
        };
        let again = decode_packet_event(&packet).ok().flatten();
        let Some((cb2, event2)) = again else {
            panic!("an encoded event does not decode: {event:?}");
        };
        assert_eq!(cb2, cb);
        assert_eq!(encode(cb2, &event2).ok(), Some(packet));
    }
});
