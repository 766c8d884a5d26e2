//! How long parsing and formatting a small domain takes (release build):
//! `cargo run --release -p virt-xml --example parse_speed`.

use std::time::Instant;

use virt_testkit::NEWDOM;

fn main() {
    let rounds = 200_000u32;
    if let Some(path) = std::env::args().nth(1) {
        // Time one file instead: parse, format, and both.
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let def = virt_xml::parse_domain(&text).unwrap_or_default();
        let opts = virt_xml::FormatOptions::default();
        let n = rounds / 10;
        let t = Instant::now();
        for _ in 0..n {
            let _ = std::hint::black_box(virt_xml::parse_domain(std::hint::black_box(&text)));
        }
        let parse = t.elapsed().as_nanos() as f64 / f64::from(n);
        let t = Instant::now();
        for _ in 0..n {
            std::hint::black_box(std::hint::black_box(&def).to_xml(&opts));
        }
        let format = t.elapsed().as_nanos() as f64 / f64::from(n);
        println!("{path}: parse_domain {parse:.0} ns, to_xml {format:.0} ns");
        return;
    }
    let mut keep = 0usize;
    let t = Instant::now();
    for _ in 0..rounds {
        match virt_xml::parse_domain(std::hint::black_box(NEWDOM)) {
            Ok(d) => keep += d.name.len(),
            Err(e) => panic!("{e}"),
        }
    }
    let parse = t.elapsed().as_nanos() as f64 / f64::from(rounds);
    let t = Instant::now();
    for _ in 0..rounds {
        match virt_xml::parse_element(std::hint::black_box(NEWDOM)) {
            Ok(e) => keep += e.children.len(),
            Err(e) => panic!("{e}"),
        }
    }
    let tree = t.elapsed().as_nanos() as f64 / f64::from(rounds);
    println!("parse_element: {tree:.0} ns/op");
    let def = virt_xml::parse_domain(NEWDOM).unwrap_or_default();
    let opts = virt_xml::FormatOptions::default();
    let t = Instant::now();
    for _ in 0..rounds {
        keep += std::hint::black_box(&def).to_xml(&opts).len();
    }
    let format = t.elapsed().as_nanos() as f64 / f64::from(rounds);
    println!("parse_domain: {parse:.0} ns/op, to_xml: {format:.0} ns/op ({keep})");
}
