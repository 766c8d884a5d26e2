//! `cargo xtask xml-diff [--count N] [--seed S] [--record] [--show TEXT] [--save DIR]
//! [--os-type T] [--files DIR] [--steered] [--aim PATH]`: the
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
//!
//! `--steered` makes the documents with virt-schema's steered generator
//! (the schema coverage test's): valid documents only, with modest
//! numbers, each built to reach a grammar path no document our parser
//! took has used yet. The plain seeds seldom reach some parts with values
//! both sides accept (a PCI controller's `<target>` gap survived 50
//! seeds); a steered run makes each such part in documents libvirt
//! accepts, so its dump is compared. `--aim PATH` (a grammar path such as
//! `domain/devices/controller/target/@chassis`) builds every document to
//! reach PATH, for probing one element's values and neighbours. A steered
//! run's documents depend on what our parser accepted along the way, so
//! they change with virt-xml's rules (a plain seed's do not).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use virt_schema::cases::{self, signature};
use virt_schema::diff::{self, VIRSH};
use virt_schema::generate::{Document, Generator};
use virt_schema::rng::Grammar;

/// What one run is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Options {
    count: u64,
    seed: u64,
    record: bool,
    show: Option<String>,
    save: Option<PathBuf>,
    os_type: String,
    files: Option<PathBuf>,
    /// Documents from the steered generator rather than the plain one.
    steered: bool,
    /// Every document built to reach this grammar path (steered).
    aim: Option<String>,
}

impl Options {
    /// The options of `args`; `None` on an unknown option or a missing or
    /// bad value.
    fn parse(args: &[String]) -> Option<Options> {
        let mut o = Options {
            count: 10_000,
            seed: 1,
            record: false,
            show: None,
            save: None,
            os_type: String::from("hvm"),
            files: None,
            steered: false,
            aim: None,
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "--count" => o.count = it.next()?.parse().ok()?,
                "--seed" => o.seed = it.next()?.parse().ok()?,
                "--record" => o.record = true,
                "--show" => o.show = Some(it.next()?.clone()),
                "--os-type" => o.os_type = it.next()?.clone(),
                "--files" => o.files = Some(it.next()?.into()),
                "--save" => o.save = Some(it.next()?.into()),
                "--steered" => o.steered = true,
                "--aim" => {
                    o.aim = Some(it.next()?.clone());
                    // Only the steered generator aims.
                    o.steered = true;
                }
                _ => return None,
            }
        }
        Some(o)
    }

    /// How the documents were made, for the run's first line.
    fn source(&self) -> String {
        match (&self.files, &self.aim, self.steered) {
            (Some(dir), _, _) => format!("from {}", dir.display()),
            (None, Some(path), _) => format!("seed {} aimed at {path}", self.seed),
            (None, None, true) => format!("seed {} steered", self.seed),
            (None, None, false) => format!("seed {}", self.seed),
        }
    }
}

/// The run's `count` documents, and how many rounds of steering made
/// them (1 for a plain or aimed run). A steered generator is told of each
/// document our parser takes ([`Generator::reached`]), so that the next
/// ones lean toward the paths not reached yet; an aimed run's documents
/// are each built for `aim` (which must be one of the grammar's paths:
/// the generator would otherwise make plain documents without a word).
fn generate(grammar: &Grammar, o: &Options) -> Result<(Vec<Document>, u64), String> {
    let mut documents = Vec::with_capacity(o.count as usize);
    if !o.steered {
        let mut generator = Generator::new(grammar, o.seed).with_os_type(&o.os_type);
        for i in 0..o.count {
            documents.push(
                generator
                    .document(i)
                    .map_err(|e| format!("document {i}: {e}"))?,
            );
        }
        return Ok((documents, 1));
    }
    if let Some(aim) = &o.aim {
        let paths = grammar.reachable_paths().map_err(|e| e.to_string())?;
        if !paths.iter().any(|(_, p)| p == aim) {
            let near: Vec<&str> = paths
                .iter()
                .map(|(_, p)| p.as_str())
                .filter(|p| p.starts_with(aim.rsplit_once('/').map_or(aim.as_str(), |(h, _)| h)))
                .take(12)
                .collect();
            return Err(format!(
                "{aim} is not a path of the grammar (paths under its parent: {})",
                near.join(" ")
            ));
        }
    }
    let steered = || {
        Generator::steered(grammar, o.seed)
            .map(|g| g.with_os_type(&o.os_type))
            .map_err(|e| e.to_string())
    };
    let mut generator = steered()?;
    let mut rounds = 1;
    for i in 0..o.count {
        // A round ends when every path was reached or given up (a few
        // hundred documents for the domain schema): the next documents
        // would be aimed nowhere, so a fresh generator starts another
        // round, its draws differing by the documents' indices.
        if o.aim.is_none() && !generator.wants_more() {
            generator = steered()?;
            rounds += 1;
        }
        let doc = match &o.aim {
            Some(path) => generator.document_for(i, path),
            None => generator.document(i),
        }
        .map_err(|e| format!("document {i}: {e}"))?;
        if virt_xml::parse_domain(&doc.xml).is_ok() {
            generator.reached(&doc);
        }
        documents.push(doc);
    }
    Ok((documents, rounds))
}

pub fn main(args: &[String]) -> i32 {
    let Some(options) = Options::parse(args) else {
        return usage();
    };
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
    let mut from = options.source();
    let documents = match &options.files {
        Some(dir) => match read_documents(dir) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("xml-diff: {}: {e}", dir.display());
                return 1;
            }
        },
        None => match generate(&grammar, &options) {
            Ok((d, rounds)) => {
                if rounds > 1 {
                    from = format!("{from}, {rounds} rounds");
                }
                d
            }
            Err(e) => {
                eprintln!("xml-diff: {e}");
                return 1;
            }
        },
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
    println!(
        "xml-diff: {count} documents, {from}, {:.1} s",
        started.elapsed().as_secs_f64()
    );
    println!("{}", diff::summary(&outcomes));
    if options.files.is_some() {
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
    if let Some(text) = &options.show {
        show_matching(&outcomes, text);
    }
    if let Some(dir) = &options.save {
        if let Err(e) = save_disagreements(&outcomes, dir) {
            eprintln!("xml-diff: {}: {e}", dir.display());
            return 1;
        }
    }
    if options.record {
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
fn read_documents(dir: &Path) -> std::io::Result<Vec<Document>> {
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
        if let Some(other) = documents.iter().find(|d: &&Document| d.name == name) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "{} and {} both define domain '{name}': give each its own <name>",
                    other.broken.as_deref().unwrap_or_default(),
                    path.display()
                ),
            ));
        }
        documents.push(Document {
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
        "usage: cargo xtask xml-diff [--count N] [--seed S] [--record] [--show KIND-TEXT] [--save DIR] [--os-type T] [--files DIR] [--steered] [--aim PATH]"
    );
    2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn aim_implies_the_steered_generator() {
        let o = Options::parse(&args(&[
            "--aim",
            "domain/devices/controller/target/@chassis",
        ]))
        .unwrap();
        assert!(o.steered);
        assert_eq!(
            o.source(),
            "seed 1 aimed at domain/devices/controller/target/@chassis"
        );
        let o = Options::parse(&args(&["--steered", "--seed", "7", "--count", "20"])).unwrap();
        assert_eq!((o.steered, o.aim, o.seed, o.count), (true, None, 7, 20));
        assert_eq!(
            Options::parse(&args(&["--seed", "3"])).unwrap().source(),
            "seed 3"
        );
        assert_eq!(Options::parse(&args(&["--aim"])), None);
        assert_eq!(Options::parse(&args(&["--count", "x"])), None);
    }

    /// The domain grammar, where Debian's libvirt schemas are installed.
    fn grammar() -> Option<Grammar> {
        match virt_schema::domain_grammar() {
            Ok(g) => Some(g),
            Err(e) => {
                println!("xml_diff: domain schema unusable ({e}); skipped");
                None
            }
        }
    }

    #[test]
    fn an_aimed_run_builds_every_document_for_its_path() {
        let Some(g) = grammar() else { return };
        let path = "domain/devices/controller/target/@chassis";
        let o = Options::parse(&args(&["--aim", path, "--count", "6", "--seed", "4"])).unwrap();
        let (docs, rounds) = generate(&g, &o).unwrap();
        assert_eq!(rounds, 1, "an aimed run aims at its path only");
        assert_eq!(docs.len(), 6);
        for d in &docs {
            assert_eq!(d.broken, None, "steered documents are valid ones");
            let root = virt_xml::parse_element(&d.xml).unwrap();
            let chassis = root
                .child("devices")
                .into_iter()
                .flat_map(|devs| devs.elements())
                .filter(|c| c.name == "controller")
                .flat_map(|c| c.elements())
                .any(|t| t.name == "target" && t.attr("chassis").is_some());
            assert!(
                chassis,
                "{} has no controller target chassis:\n{}",
                d.name, d.xml
            );
        }
        // A path the grammar does not have is refused, not made into a
        // plain run without a word.
        let o = Options::parse(&args(&["--aim", "domain/devices/controller/@nope"])).unwrap();
        let e = generate(&g, &o).unwrap_err();
        assert!(e.contains("domain/devices/controller/@type"), "{e}");
    }

    #[test]
    fn a_steered_run_differs_from_the_plain_seed_and_breaks_nothing() {
        let Some(g) = grammar() else { return };
        let plain = generate(&g, &Options::parse(&args(&["--count", "8"])).unwrap())
            .unwrap()
            .0;
        let steered = generate(
            &g,
            &Options::parse(&args(&["--count", "8", "--steered"])).unwrap(),
        )
        .unwrap()
        .0;
        assert_eq!(steered.len(), 8);
        assert!(steered.iter().all(|d| d.broken.is_none()));
        assert!(plain.iter().any(|d| d.broken.is_some()));
        assert_ne!(
            plain.iter().map(|d| &d.xml).collect::<Vec<_>>(),
            steered.iter().map(|d| &d.xml).collect::<Vec<_>>()
        );
    }

    /// A grammar whose root holds one of three elements.
    const THREE: &str = r#"<grammar xmlns="http://relaxng.org/ns/structure/1.0">
  <start><element name="domain"><choice>
    <element name="a"><empty/></element><element name="b"><empty/></element>
    <element name="c"><empty/></element>
  </choice></element></start>
</grammar>"#;

    #[test]
    fn a_steered_run_starts_a_new_round_once_every_path_is_reached() {
        let dir = std::env::temp_dir().join(format!("xtask-xml-diff-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("three.rng"), THREE).unwrap();
        let g = Grammar::load(&dir.join("three.rng")).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let o = Options::parse(&args(&["--steered", "--count", "9"])).unwrap();
        let (docs, rounds) = generate(&g, &o).unwrap();
        // Each round's documents reach the three one after the other.
        assert_eq!(rounds, 3);
        for round in docs.chunks(3) {
            let mut seen: Vec<&str> = round
                .iter()
                .filter_map(|d| {
                    ["<a/>", "<b/>", "<c/>"]
                        .into_iter()
                        .find(|e| d.xml.contains(e))
                })
                .collect();
            seen.sort();
            assert_eq!(seen, ["<a/>", "<b/>", "<c/>"]);
        }
    }

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
