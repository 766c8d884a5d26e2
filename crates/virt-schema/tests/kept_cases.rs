//! The disagreements kept from differential runs (tests/disagreements),
//! replayed against our test driver alone: runs on any machine, virsh or
//! not. In a process of its own, since the domains of the cases and of a
//! differential run share names on `test:///default`.

use virt_schema::cases;
use virt_schema::cases_dir;
use virt_schema::diff::{comparable, compare, our_verdict};

/// The kept cases, replayed against our test driver alone (no virsh
/// needed): a settled case (not in OPEN.tsv) must keep agreeing with
/// libvirt's recorded verdict. Open cases are only counted and reported:
/// OPEN.tsv documents what is left, it is not a list of expected failures.
#[test]
fn kept_disagreements_replay() {
    let dir = cases_dir();
    let kept = cases::load(&dir).unwrap();
    let open = cases::open_list(&dir);
    virt_test::register();
    let conn = virt_core::Connect::open("test:///default").unwrap();
    let (mut settled, mut still_open, mut failures, mut now_agree) = (0, 0, Vec::new(), Vec::new());
    for case in kept.values() {
        // Compared as the run compares them (a generated <genid> masked).
        let ours = comparable(&case.xml, our_verdict(&conn, &case.xml));
        let libvirt = comparable(&case.xml, case.libvirt.clone());
        let agrees = compare(&ours, &libvirt).agrees();
        match (open.contains_key(&case.key), agrees) {
            (false, true) => settled += 1,
            (true, false) => still_open += 1,
            (false, false) => failures.push(format!(
                "{}: disagrees again with libvirt: ours {ours:?}",
                case.key
            )),
            (true, true) => now_agree.push(case.key.clone()),
        }
    }
    for k in open.keys().filter(|k| !kept.contains_key(*k)) {
        failures.push(format!("{k}: listed in OPEN.tsv without a case file"));
    }
    println!(
        "kept disagreements: {} cases, {settled} settled (agree), {still_open} open, {} open ones now agree{}",
        kept.len(),
        now_agree.len(),
        if now_agree.is_empty() { String::new() } else { format!(" (settle them in OPEN.tsv: {})", now_agree.join(" ")) }
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
