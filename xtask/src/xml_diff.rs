//! `cargo xtask xml-diff [--count N] [--seed S] [--record] [--show TEXT] [--save DIR]
//! [--os-type T] [--files DIR]`: the
//! differential run of virt-schema (random documents from libvirt's domain
//! schema, our test driver against Debian's virsh) at any size. Prints the
//! agreement figures and the kinds of disagreement, most common first;
//! `--record` keeps each kind not kept yet as a case in
//! crates/virt-schema/tests/disagreements (the document, libvirt's verdict,
//! an OPEN.tsv line); `--show TEXT` prints the first few documents of the
//! kinds whose signature contains TEXT, with both verdicts; `--save DIR`
//! writes every disagreeing document to DIR (`<key>-<name>.xml`, both
//! verdicts beside it), for going through a kind's documents one by one;
//! `--os-type T` gives every document the OS type T in place of hvm (a
//! measure of other guests' rules; its kinds are recorded like any);
//! `--files DIR` sends DIR's `*.xml` documents instead of generated ones
//! and names each one's verdicts (for a saved document re-run with a
//! part removed or fixed: what hides under a libvirt bug).

use std::collections::BTreeMap;
use std::path::Path;

use virt_schema::cases::{self, signature};
use virt_schema::diff::{self, VIRSH};
use virt_schema::generate::Generator;

pub fn main(args: &[String]) -> i32 {
    let mut count = 10_000u64;
    let mut seed = 1u64;
    let mut record = false;
    let mut show: Option<String> = None;
    let mut save: Option<std::path::PathBuf> = None;
    let mut os_type = String::from("hvm");
    let mut files: Option<std::path::PathBuf> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let number = |v: Option<&String>| v.and_then(|v| v.parse::<u64>().ok());
        match a.as_str() {
            "--count" => match number(it.next()) {
                Some(n) => count = n,
                None => return usage(),
            },
            "--seed" => match number(it.next()) {
                Some(n) => seed = n,
                None => return usage(),
            },
            "--record" => record = true,
            "--show" => match it.next() {
                Some(text) => show = Some(text.clone()),
                None => return usage(),
            },
            "--os-type" => match it.next() {
                Some(t) => os_type = t.clone(),
                None => return usage(),
            },
            "--files" => match it.next() {
                Some(dir) => files = Some(dir.into()),
                None => return usage(),
            },
            "--save" => match it.next() {
                Some(dir) => save = Some(dir.into()),
                None => return usage(),
            },
            _ => return usage(),
        }
    }
    if !Path::new(VIRSH).exists() {
        eprintln!("xml-diff: {VIRSH} not installed (apt-get install libvirt-clients)");
        return 1;
    }
    let grammar = match virt_schema::domain_grammar() {
        Ok(g) => g,
        Err(e) => {
            eprintln!("xml-diff: {e}");
            return 1;
        }
    };
    let documents = match &files {
        Some(dir) => match read_documents(dir) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("xml-diff: {}: {e}", dir.display());
                return 1;
            }
        },
        None => {
            let mut generator = Generator::new(&grammar, seed).with_os_type(&os_type);
            let mut documents = Vec::with_capacity(count as usize);
            for i in 0..count {
                match generator.document(i) {
                    Ok(d) => documents.push(d),
                    Err(e) => {
                        eprintln!("xml-diff: document {i}: {e}");
                        return 1;
                    }
                }
            }
            documents
        }
    };
    let count = documents.len();
    let scratch = std::env::temp_dir().join(format!("virt-xml-diff-{}", std::process::id()));
    let started = std::time::Instant::now();
    let outcomes = match diff::run(documents, Path::new(VIRSH), &scratch) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("xml-diff: {e}");
            return 1;
        }
    };
    let _ = std::fs::remove_dir_all(&scratch);
    let from = match &files {
        Some(dir) => format!("from {}", dir.display()),
        None => format!("seed {seed}"),
    };
    println!(
        "xml-diff: {count} documents, {from}, {:.1} s",
        started.elapsed().as_secs_f64()
    );
    println!("{}", diff::summary(&outcomes));
    if files.is_some() {
        for o in &outcomes {
            match o.agreement.agrees() {
                true => println!("  agree {}", o.document.broken.as_deref().unwrap_or("")),
                false => println!("  DIFFER {}", diff::describe(o)),
            }
        }
    }
    let dir = virt_schema::cases_dir();
    let open = cases::open_signatures(&dir);
    let mut kinds: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for o in outcomes.iter().filter(|o| !o.agreement.agrees()) {
        let entry = kinds
            .entry(signature(o))
            .or_insert_with(|| (0, o.document.name.clone()));
        entry.0 += 1;
    }
    let mut by_count: Vec<_> = kinds.into_iter().collect();
    by_count.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(&b.0)));
    println!("{} kinds of disagreement:", by_count.len());
    for (sig, (n, example)) in &by_count {
        let state = if open.contains(sig) { "kept" } else { "NEW " };
        println!("  {n:5} {state} {sig} (e.g. {example})");
    }
    if let Some(text) = &show {
        show_matching(&outcomes, text);
    }
    if let Some(dir) = &save {
        if let Err(e) = save_disagreements(&outcomes, dir) {
            eprintln!("xml-diff: {}: {e}", dir.display());
            return 1;
        }
    }
    if record {
        match cases::record(&dir, &outcomes) {
            Ok(added) => println!("recorded {} new kinds in {}", added.len(), dir.display()),
            Err(e) => {
                eprintln!("xml-diff: {e}");
                return 1;
            }
        }
    }
    0
}

/// The disagreements whose kind contains `text`: the first few with the
/// document and both verdicts, for reading what a kind is about, the
/// others by their first difference.
fn show_matching(outcomes: &[diff::Outcome], text: &str) {
    let matching = outcomes
        .iter()
        .filter(|o| !o.agreement.agrees() && signature(o).contains(text));
    for (i, o) in matching.enumerate() {
        // The rest named only: a coarse kind gathers several causes.
        if i >= 4 {
            println!("==== {}", diff::describe(o));
            continue;
        }
        println!("==== {}\n{}", diff::describe(o), o.document.xml);
        println!("---- ours\n{}", cases::verdict_text(&o.ours));
        println!("---- libvirt\n{}", cases::verdict_text(&o.libvirt));
    }
}

/// Every disagreement's document under `dir`, named by its kind's key and
/// the document's name, with our verdict and libvirt's beside it
/// (`.ours`, `.libvirt`, in the kept cases' format).
fn save_disagreements(outcomes: &[diff::Outcome], dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for o in outcomes.iter().filter(|o| !o.agreement.agrees()) {
        let stem = dir.join(format!("{}-{}", cases::key(&signature(o)), o.document.name));
        std::fs::write(stem.with_extension("xml"), &o.document.xml)?;
        std::fs::write(stem.with_extension("ours"), cases::verdict_text(&o.ours))?;
        std::fs::write(
            stem.with_extension("libvirt"),
            cases::verdict_text(&o.libvirt),
        )?;
    }
    Ok(())
}

/// The `*.xml` documents of `dir`, in name order, each named by its
/// domain's `<name>` (the run defines and undefines it by that name) and
/// described by its file name. Two documents of one name are refused:
/// the run tells the verdicts apart by name.
fn read_documents(dir: &Path) -> std::io::Result<Vec<virt_schema::generate::Document>> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    paths.sort();
    let mut documents = Vec::with_capacity(paths.len());
    for (index, path) in paths.into_iter().enumerate() {
        let xml = std::fs::read_to_string(&path)?;
        let name = xml
            .split_once("<name>")
            .and_then(|(_, rest)| rest.split_once("</name>"))
            .map_or_else(|| format!("file{index}"), |(n, _)| n.trim().to_string());
        if let Some(other) = documents
            .iter()
            .find(|d: &&virt_schema::generate::Document| d.name == name)
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "{} and {} both define domain '{name}': give each its own <name>",
                    other.broken.as_deref().unwrap_or_default(),
                    path.display()
                ),
            ));
        }
        documents.push(virt_schema::generate::Document {
            index: index as u64,
            name,
            xml,
            broken: Some(path.display().to_string()),
        });
    }
    Ok(documents)
}

fn usage() -> i32 {
    eprintln!(
        "usage: cargo xtask xml-diff [--count N] [--seed S] [--record] [--show KIND-TEXT] [--save DIR] [--os-type T] [--files DIR]"
    );
    2
}

#[cfg(test)]
mod tests {
    use super::read_documents;

    #[test]
    fn files_are_named_by_their_domain_and_a_name_twice_is_refused() {
        let dir = std::env::temp_dir().join(format!("xml-diff-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let doc = |file: &str, name: &str| {
            std::fs::write(
                dir.join(file),
                format!("<domain><name>{name}</name></domain>"),
            )
            .unwrap()
        };
        doc("a.xml", "one");
        doc("b.xml", "two");
        std::fs::write(dir.join("c.txt"), "not a document").unwrap();
        let names: Vec<String> = read_documents(&dir)
            .unwrap()
            .into_iter()
            .map(|d| d.name)
            .collect();
        assert_eq!(names, ["one", "two"]);
        doc("c.xml", "one");
        let err = read_documents(&dir).unwrap_err().to_string();
        assert!(err.contains("both define domain 'one'"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
