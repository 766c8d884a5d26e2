//! Any bytes from xenstored (or a client of the fake): framing, request
//! payloads, watch events and directory chunks decode or fail cleanly, and
//! what decodes encodes back to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use virt_xenstore::wire::{decode_watch_event, DirectoryChunk, Message, MessageType, Request};

fuzz_target!(|data: &[u8]| {
    if let Ok(Some((msg, used))) = Message::decode(data) {
        assert!(used <= data.len());
        assert_eq!(msg.encode().ok().as_deref(), data.get(..used));
    }
    for kind in MessageType::ALL {
        if let Ok(req) = Request::decode(*kind, data) {
            if let Ok(bytes) = req.encode() {
                assert_eq!(Request::decode(*kind, &bytes).ok(), Some(req));
            }
        }
    }
    let _ = decode_watch_event(data);
    let _ = DirectoryChunk::decode(data);
});
