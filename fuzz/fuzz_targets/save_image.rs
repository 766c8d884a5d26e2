//! Any bytes as a saved-domain file: decoding must fail cleanly or yield an
//! image, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = virt_test::image::decode(data, "fuzz.img");
});
