//! Tab completion in the interactive shell, as virsh 9.0's readline does
//! it: the first word of a command completes to command names; then an
//! empty word completes to the options not given yet (`--domain`), a word
//! after an option that takes a value, or a bare word where a positional
//! option is still open, to the names of that kind of object on the open
//! connection (domains, networks, pools, volumes of the `--pool` given,
//! snapshots and checkpoints of the domain given on the same line);
//! when nothing is offered, file names, readline's own fallback.
//!
//! One match is inserted with a space after it; several insert their
//! common prefix, and a second TAB lists them (rustyline's List mode, as
//! readline's default).

use crate::cmd::OptKind;
use crate::ctl::{find_domain, BY_ANY};
use crate::defs::{commands, find_command, CmdDef};
use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};
use virt_core::Connect;

/// The shell's completer; the shell hands it the current connection
/// before each line, since `connect` may change it.
pub struct VirshHelper {
    /// The open connection, if any (names come from it).
    pub conn: Option<Connect>,
    files: FilenameCompleter,
}

impl VirshHelper {
    /// A completer without a connection yet.
    pub fn new() -> VirshHelper {
        VirshHelper {
            conn: None,
            files: FilenameCompleter::new(),
        }
    }
}

impl Helper for VirshHelper {}
impl Highlighter for VirshHelper {}
impl Validator for VirshHelper {}
impl Hinter for VirshHelper {
    type Hint = String;
}

impl Completer for VirshHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let (start, words, word) = split_current(before);
        let names = candidates(&words, word, self.conn.as_ref());
        let mut matches: Vec<String> = names.into_iter().filter(|n| n.starts_with(word)).collect();
        matches.sort();
        matches.dedup();
        if matches.is_empty() {
            return if words.is_empty() {
                Ok((start, Vec::new()))
            } else {
                self.files.complete(line, pos, ctx)
            };
        }
        let single = matches.len() == 1;
        Ok((
            start,
            matches
                .into_iter()
                .map(|m| Pair {
                    replacement: if single { format!("{m} ") } else { m.clone() },
                    display: m,
                })
                .collect(),
        ))
    }
}

/// The current command's words before the one being completed, that
/// word, and where it starts. Commands end at `;`; quotes group words.
fn split_current(before: &str) -> (usize, Vec<String>, &str) {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut word_start = 0;
    let mut in_word = false;
    let (mut single, mut double) = (false, false);
    for (i, c) in before.char_indices() {
        if !single && !double && matches!(c, ' ' | '\t' | ';') {
            if in_word {
                words.push(std::mem::take(&mut word));
                in_word = false;
            }
            if c == ';' {
                words.clear();
            }
            continue;
        }
        if !in_word {
            in_word = true;
            word_start = i;
        }
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            _ => word.push(c),
        }
    }
    if in_word {
        // Completion replaces the word as typed, so hand back its raw text.
        (word_start, words, &before[word_start..])
    } else {
        (before.len(), words, "")
    }
}

/// Every name that may complete `word` after `words` (not yet filtered).
fn candidates(words: &[String], word: &str, conn: Option<&Connect>) -> Vec<String> {
    let Some(first) = words.first() else {
        return commands().map(|c| c.name.to_string()).collect();
    };
    let Some(def) = find_command(first) else {
        return Vec::new();
    };
    let state = bind(def, &words[1..]);
    if let Some(opt) = state.awaiting {
        return objects(def, opt, &state, conn);
    }
    let mut out: Vec<String> = def
        .opts
        .iter()
        .filter(|o| !state.given.contains(&o.name) || o.kind == OptKind::Argv)
        .map(|o| format!("--{}", o.name))
        .collect();
    if !word.is_empty() && !word.starts_with('-') {
        if let Some(next) = def
            .opts
            .iter()
            .find(|o| o.positional && o.kind != OptKind::Bool && !state.given.contains(&o.name))
        {
            out.extend(objects(def, next.name, &state, conn));
        }
    }
    out
}

/// What the words typed so far gave: options named or filled, values
/// given, and the option whose value comes next.
struct Bound<'a> {
    given: Vec<&'static str>,
    values: Vec<(&'static str, &'a str)>,
    awaiting: Option<&'static str>,
}

/// Bind words to `def`'s options as virsh's parser does: `--opt` names an
/// option (taking the next word as its value unless it is a flag or was
/// given as `--opt=value`), a bare word fills the next open positional one.
fn bind<'a>(def: &'static CmdDef, words: &'a [String]) -> Bound<'a> {
    let mut b = Bound {
        given: Vec::new(),
        values: Vec::new(),
        awaiting: None,
    };
    for w in words {
        if let Some(name) = b.awaiting.take() {
            b.values.push((name, w.as_str()));
            continue;
        }
        if let Some(opt) = w.strip_prefix("--") {
            let (name, value) = match opt.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (opt, None),
            };
            if let Some(o) = def.opts.iter().find(|o| o.name == name) {
                b.given.push(o.name);
                match value {
                    Some(v) => b.values.push((o.name, v)),
                    None if o.kind != OptKind::Bool => b.awaiting = Some(o.name),
                    None => {}
                }
            }
            continue;
        }
        if let Some(o) = def
            .opts
            .iter()
            .find(|o| o.positional && o.kind != OptKind::Bool && !b.given.contains(&o.name))
        {
            if o.kind != OptKind::Argv {
                b.given.push(o.name);
            }
            b.values.push((o.name, w.as_str()));
        }
    }
    b
}

/// The names of the objects an option of `def` names, from the connection.
fn objects(def: &CmdDef, option: &str, state: &Bound<'_>, conn: Option<&Connect>) -> Vec<String> {
    let Some(conn) = conn else {
        return Vec::new();
    };
    // virsh's snapshot and checkpoint name completers list those of the
    // domain the line names (`--from` of the two list commands too).
    let domain = || {
        state
            .values
            .iter()
            .find(|(n, _)| *n == "domain")
            .and_then(|(_, d)| find_domain(conn, d, BY_ANY))
    };
    let snapshots =
        option == "snapshotname" || (option == "from" && def.name.starts_with("snapshot-"));
    let checkpoints =
        option == "checkpointname" || (option == "from" && def.name.starts_with("checkpoint-"));
    let names = match option {
        "domain" => conn
            .list_all_domains(0)
            .map(|v| v.iter().map(|d| d.name().to_string()).collect()),
        "network" => conn
            .list_all_networks(0)
            .map(|v| v.iter().map(|n| n.name().to_string()).collect()),
        "pool" => conn
            .list_all_storage_pools(0)
            .map(|v| v.iter().map(|p| p.name().to_string()).collect()),
        "vol" => match state.values.iter().find(|(n, _)| *n == "pool") {
            Some((_, pool)) => conn
                .storage_pool_lookup_by_name(pool)
                .and_then(|p| p.list_all_volumes(0))
                .map(|v| v.iter().map(|v| v.name().to_string()).collect()),
            None => Ok(Vec::new()),
        },
        _ if snapshots => match domain() {
            Some(dom) => dom
                .list_all_snapshots(0)
                .map(|v| v.iter().map(|s| s.name().to_string()).collect()),
            None => Ok(Vec::new()),
        },
        _ if checkpoints => match domain() {
            Some(dom) => dom
                .list_all_checkpoints(0)
                .map(|v| v.iter().map(|c| c.name().to_string()).collect()),
            None => Ok(Vec::new()),
        },
        _ => Ok(Vec::new()),
    };
    // A failed listing completes nothing; it must not print an error
    // into the line being edited.
    virt_core::reset_last_error();
    names.unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(line: &str, conn: Option<&Connect>) -> Vec<String> {
        let (_, words, word) = split_current(line);
        let mut v: Vec<String> = candidates(&words, word, conn)
            .into_iter()
            .filter(|n| n.starts_with(word))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn words_split_at_commands_and_quotes() {
        assert_eq!(split_current("list; domin"), (6, Vec::new(), "domin"));
        let (start, words, word) = split_current("dominfo 'a b' --d");
        assert_eq!((start, word), (14, "--d"));
        assert_eq!(words, vec!["dominfo".to_string(), "a b".to_string()]);
        assert_eq!(split_current("dominfo ").2, "");
    }

    #[cfg(feature = "test")]
    #[test]
    fn commands_options_and_domains() {
        virt_drivers::register();
        let conn = Connect::open("test:///default").ok();
        let conn = conn.as_ref();
        assert_eq!(names("domin", conn), vec!["dominfo"]);
        assert_eq!(names("dominfo --d", conn), vec!["--domain"]);
        assert_eq!(names("dominfo t", conn), vec!["test"]);
        assert_eq!(names("dominfo ", conn), vec!["--domain"]);
        assert_eq!(names("dominfo --domain ", conn), vec!["test"]);
        assert_eq!(names("domstate test ", conn), vec!["--reason"]);
        assert_eq!(names("net-info d", conn), vec!["default"]);
        assert_eq!(names("pool-info --pool d", conn), vec!["default-pool"]);
        assert!(names("list --a", conn).contains(&"--all".to_string()));
        assert!(names("nosuchcommand ", conn).is_empty());
        // Without a connection, no names, but commands and options still.
        assert!(names("dominfo t", None).is_empty());
        assert_eq!(names("dominfo --d", None), vec!["--domain"]);
    }

    #[cfg(feature = "test")]
    #[test]
    fn snapshot_and_checkpoint_names_of_the_domain_given() {
        virt_drivers::register();
        let conn = Connect::open("test:///default").expect("test:///default");
        let dom = conn.lookup_by_name("test").expect("domain test");
        let snap = dom
            .snapshot_create_xml("<domainsnapshot><name>snap-one</name></domainsnapshot>", 0)
            .expect("snapshot");
        let c = Some(&conn);
        for line in [
            "snapshot-info test s",
            "snapshot-info --domain test --snapshotname ",
            "snapshot-revert test --snapshotname s",
            "snapshot-delete test s",
            "snapshot-dumpxml test s",
            "snapshot-edit test s",
            "snapshot-parent test s",
            "snapshot-list test --from ",
            // The domain given by id and by UUID.
            "snapshot-info 1 s",
            "snapshot-info 6695eb01-f6a4-8304-79aa-97f2502e193f s",
        ] {
            assert_eq!(names(line, c), vec!["snap-one"], "{line}");
        }
        // No domain, or one that does not exist: nothing.
        assert!(names("snapshot-info --snapshotname ", c).is_empty());
        assert!(names("snapshot-info nosuch s", c).is_empty());
        assert!(names("checkpoint-info test s", c).is_empty());
        snap.delete(0).expect("snapshot deleted");

        // The test driver refuses a checkpoint while a snapshot exists.
        let ckpt = dom
            .checkpoint_create_xml(
                "<domaincheckpoint><name>ck-one</name></domaincheckpoint>",
                0,
            )
            .expect("checkpoint");
        for line in [
            "checkpoint-info test c",
            "checkpoint-delete test --checkpointname ",
            "checkpoint-dumpxml test c",
            "checkpoint-edit test c",
            "checkpoint-parent test c",
            "checkpoint-list test --from ",
        ] {
            assert_eq!(names(line, c), vec!["ck-one"], "{line}");
        }
        assert!(names("snapshot-info test c", c).is_empty());
        ckpt.delete(0).expect("checkpoint deleted");
    }
}
