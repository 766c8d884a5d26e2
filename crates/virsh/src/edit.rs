//! `edit`, `net-edit` and `pool-edit`: an object's XML in the user's
//! editor, then defined again, as virsh 9.0 does it.
//!
//! The XML goes to `$TMPDIR/virshXXXXXX.xml`; the editor is `$VISUAL`,
//! else `$EDITOR`, else `vi`, run directly when its name is plain and
//! through `sh -c` otherwise. An unchanged file changes nothing. Before
//! defining, the XML is read again: if someone changed the object
//! meanwhile, or the definition fails, a terminal user is asked
//! `Failed. Try again? [y,n,i,f,?]` (edit again, give up, define without
//! schema validation, define again); without a terminal virsh 9.0 prints
//! `error: Failed.` and then its "edited" line with a name of `(null)`,
//! succeeding — scripts see exactly that, so it is kept.

use crate::ctl::{CmdResult, Ctl, Failure};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use virt_core::Error;

/// Reads an object's XML.
pub type GetXml<'a> = Box<dyn Fn() -> Result<String, Error> + 'a>;

/// Defines an object from XML (validating when told); its name.
pub type Define<'a> = Box<dyn Fn(&str, bool) -> Result<String, Error> + 'a>;

/// What the edit loop needs to know about the object being edited.
pub struct Editable<'a> {
    /// How the messages name the object ("Domain 'web'", "Network default").
    pub subject: fn(&str) -> String,
    /// Its current XML.
    pub xml: GetXml<'a>,
    /// Define it from edited XML, validating against the schema when the
    /// flag says so; the defined object's name.
    pub define: Define<'a>,
    /// Whether the definition validates (then `i` turns that off).
    pub validates: bool,
    /// Define even when the XML comes back unchanged (`snapshot-edit
    /// --current`, which also makes the snapshot current).
    pub define_unchanged: bool,
}

/// How an edit ended, for commands that say more than "edited".
pub enum Outcome {
    /// The XML came back unchanged (and was not defined again).
    Unchanged,
    /// Defined again; the defined object's name.
    Defined(String),
    /// The definition failed without a terminal to ask: virsh's
    /// "Failed." was printed, and virsh goes on as if it had succeeded.
    NotDefined,
}

/// The temporary file, removed when the edit ends however it ends.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `inactive` when the driver takes that flag for the object's XML, else
/// 0: a driver that knows no INACTIVE flag is asked for its only
/// definition, as virsh does.
pub fn inactive_flag(
    inactive: u32,
    xml_desc: impl Fn(u32) -> virt_core::Result<String>,
) -> virt_core::Result<u32> {
    match xml_desc(inactive) {
        Ok(_) => Ok(inactive),
        Err(e) if e.code == virt_core::ErrorCode::InvalidArg => {
            virt_core::reset_last_error();
            Ok(0)
        }
        Err(e) => Err(e),
    }
}

/// Edit `obj` (currently named `name`) as virsh's `*-edit` commands do.
pub fn edit(ctl: &mut Ctl, name: &str, obj: Editable<'_>) -> CmdResult {
    let subject = obj.subject;
    let edited = match edit_outcome(ctl, name, obj)? {
        Outcome::Unchanged => return Ok(()),
        Outcome::Defined(n) => n,
        // virsh 9.0 without a terminal: the success line of an object it
        // never got.
        Outcome::NotDefined => "(null)".to_string(),
    };
    ctl.print_extra(&format!("{} XML configuration edited.\n", subject(&edited)));
    Ok(())
}

/// The edit loop of virsh's `*-edit` commands (its virsh-edit.c): the
/// caller says what the end means.
pub fn edit_outcome(ctl: &mut Ctl, name: &str, obj: Editable<'_>) -> Result<Outcome, Failure> {
    let mut doc = (obj.xml)().map_err(Failure::from)?;
    let tmp = write_temp(ctl, &doc)?;
    let mut validate = obj.validates;
    'reedit: loop {
        run_editor(ctl, &tmp.0)?;
        let edited = std::fs::read_to_string(&tmp.0).map_err(|e| {
            ctl.fail_msg(&format!(
                "Failed to read file '{}' to buffer: {}",
                tmp.0.display(),
                virt_core::error::io_error_text(&e)
            ))
        })?;
        if edited == doc && !obj.define_unchanged {
            ctl.print_extra(&format!(
                "{} XML configuration not changed.\n",
                (obj.subject)(name)
            ));
            return Ok(Outcome::Unchanged);
        }
        loop {
            let reread = (obj.xml)().map_err(Failure::from)?;
            let (msg, err) = if reread != doc {
                doc = reread;
                ("The XML configuration was changed by another user.", None)
            } else {
                match (obj.define)(&edited, validate) {
                    Ok(new_name) => return Ok(Outcome::Defined(new_name)),
                    Err(e) => ("Failed.", Some(e)),
                }
            };
            match ask_reedit(ctl, msg, err, validate) {
                Some('y') => continue 'reedit,
                Some('f') => continue,
                Some('i') if validate => {
                    validate = false;
                    continue;
                }
                Some(_) => return Err(Failure::default()),
                None => {
                    virt_core::reset_last_error();
                    ctl.flush();
                    ctl.error(msg);
                    return Ok(Outcome::NotDefined);
                }
            }
        }
    }
}

/// The characters virsh lets through to a command line unquoted.
fn plain(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.+/".contains(&b))
}

/// `$TMPDIR/virshXXXXXX.xml`, created new with the XML in it.
fn write_temp(ctl: &mut Ctl, xml: &str) -> Result<TempFile, Failure> {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = std::env::var_os("TMPDIR")
        .filter(|d| !d.is_empty())
        .map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
        ^ u64::from(std::process::id()) << 32;
    let mut last = None;
    for _ in 0..100 {
        let suffix: String = (0..6)
            .map(|_| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                LETTERS[(seed >> 33) as usize % LETTERS.len()] as char
            })
            .collect();
        let path = dir.join(format!("virsh{suffix}.xml"));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(mut f) => {
                let file = TempFile(path);
                if let Err(e) = f.write_all(xml.as_bytes()) {
                    return Err(ctl.fail_msg(&format!(
                        "{}: failed to write xml to temporary file: {}",
                        file.0.display(),
                        virt_core::error::io_error_text(&e)
                    )));
                }
                return Ok(file);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => {
                last = Some(e);
                break;
            }
        }
    }
    let e = last.unwrap_or_else(|| std::io::Error::from(std::io::ErrorKind::AlreadyExists));
    Err(ctl.fail_msg(&format!(
        "g_mkstemp_full: failed to create temporary file: {}",
        virt_core::error::io_error_text(&e)
    )))
}

/// An argument as libvirt writes command lines in its messages: plain
/// words as they are, others in single quotes.
fn shell_quote(s: &str) -> String {
    if !s.is_empty() && !s.chars().any(|c| "\t\n\"#$&'()*;<>?\\^`{|}~ ".contains(c)) {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Run the editor on `file` and wait for it, with virsh's errors.
fn run_editor(ctl: &mut Ctl, file: &Path) -> CmdResult {
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".to_string());
    let file_s = file.to_string_lossy().into_owned();
    if !plain(&file_s) {
        return Err(ctl.fail_msg(&format!(
            "{file_s}: temporary filename contains shell meta or other unacceptable characters (is $TMPDIR wrong?)"
        )));
    }
    let argv: Vec<String> = if plain(&editor) && !editor.is_empty() {
        vec![editor.clone(), file_s.clone()]
    } else if editor.is_empty() {
        return Err(ctl.fail_msg("Cannot find '' in path: No such file or directory"));
    } else {
        vec!["sh".into(), "-c".into(), format!("{editor} {file_s}")]
    };
    let program = &argv[0];
    if !program.contains('/') && find_in_path(program).is_none() {
        return Err(ctl.fail_msg(&format!(
            "Cannot find '{program}' in path: No such file or directory"
        )));
    }
    ctl.flush();
    let status = match std::process::Command::new(program)
        .args(&argv[1..])
        .status()
    {
        Ok(s) => s,
        Err(e) => {
            // libvirt's child reports its exec failure itself, then exits 127.
            eprintln!(
                "libvirt:  error : cannot execute binary {program}: {}",
                virt_core::error::io_error_text(&e)
            );
            return Err(child_failed(ctl, &argv, "exit status", 127));
        }
    };
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(0), _) => Ok(()),
        (Some(code), _) => Err(child_failed(ctl, &argv, "exit status", code)),
        (None, Some(sig)) => Err(child_failed(ctl, &argv, "fatal signal", sig)),
        (None, None) => Err(child_failed(ctl, &argv, "exit status", -1)),
    }
}

fn child_failed(ctl: &mut Ctl, argv: &[String], what: &str, n: i32) -> Failure {
    let line: Vec<String> = argv.iter().map(|a| shell_quote(a)).collect();
    ctl.fail_msg(&format!(
        "internal error: Child process ({}) unexpected {what} {n}",
        line.join(" ")
    ))
}

fn find_in_path(program: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// Ask a terminal user what to do after `msg`; `None` without a terminal
/// (virsh does not ask then). The error that caused it is shown first.
fn ask_reedit(ctl: &mut Ctl, msg: &str, err: Option<Error>, relax: bool) -> Option<char> {
    if !std::io::stdin().is_terminal() {
        return None;
    }
    ctl.flush();
    if let Some(e) = err {
        ctl.error(&e.message);
    }
    virt_core::reset_last_error();
    let raw = RawTerminal::enter();
    let choices = if relax { "[y,n,i,f,?]" } else { "[y,n,f,?]" };
    let mut stdin = std::io::stdin().lock();
    let answer = loop {
        ctl.print(&format!("\r{msg} Try again? {choices}: "));
        ctl.flush();
        let mut b = [0u8; 1];
        let c = match stdin.read(&mut b) {
            Ok(1) => (b[0] as char).to_ascii_lowercase(),
            // End of input: give up, as `n`.
            _ => break 'n',
        };
        match c {
            '?' => {
                let mut help = String::from("\r\n");
                help.push_str("y - yes, start editor again\r\n");
                help.push_str("n - no, throw away my changes\r\n");
                if relax {
                    help.push_str("i - turn off validation and try to redefine again\r\n");
                }
                help.push_str("f - force, try to redefine again\r\n");
                help.push_str("? - print this help\r\n");
                ctl.print(&help);
            }
            'y' | 'n' | 'f' => break c,
            'i' if relax => break c,
            _ => {}
        }
    };
    drop(raw);
    ctl.print("\r\n");
    ctl.flush();
    Some(answer)
}

/// The terminal on stdin in raw mode (one key at a time, no echo) until
/// dropped, as virsh reads the answer.
struct RawTerminal(Option<rustix::termios::Termios>);

impl RawTerminal {
    fn enter() -> RawTerminal {
        use rustix::termios::{tcgetattr, tcsetattr, OptionalActions};
        let stdin = std::io::stdin();
        let Ok(saved) = tcgetattr(&stdin) else {
            return RawTerminal(None);
        };
        let mut raw = saved.clone();
        raw.make_raw();
        if tcsetattr(&stdin, OptionalActions::Flush, &raw).is_err() {
            return RawTerminal(None);
        }
        RawTerminal(Some(saved))
    }
}

impl Drop for RawTerminal {
    fn drop(&mut self) {
        if let Some(saved) = self.0.take() {
            let stdin = std::io::stdin();
            let _ =
                rustix::termios::tcsetattr(&stdin, rustix::termios::OptionalActions::Flush, &saved);
        }
    }
}

/// `edit`: the domain's persistent XML (with secrets), defined again with
/// schema validation unless `--skip-validate`.
pub fn domain(ctl: &mut Ctl, cmd: &crate::cmd::Cmd) -> CmdResult {
    use virt_core::{define_flags, xml_flags};
    let dom = ctl.lookup_domain(cmd, crate::ctl::BY_ANY)?;
    let conn = ctl.conn()?;
    let name = dom.name().to_string();
    edit(
        ctl,
        &name,
        Editable {
            subject: |n| format!("Domain '{n}'"),
            xml: Box::new(|| dom.xml_desc(xml_flags::SECURE | xml_flags::INACTIVE)),
            define: Box::new(|xml, validate| {
                let flags = if validate { define_flags::VALIDATE } else { 0 };
                conn.define_xml_flags(xml, flags)
                    .map(|d| d.name().to_string())
            }),
            validates: !cmd.has("skip-validate"),
            define_unchanged: false,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines_are_quoted_as_libvirt_writes_them() {
        assert_eq!(shell_quote("/tmp/virshA1.xml"), "/tmp/virshA1.xml");
        assert_eq!(shell_quote("sed -i s/a/b/ f"), "'sed -i s/a/b/ f'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert!(plain("/usr/bin/vim") && !plain("vim -n") && !plain("a;b"));
    }
}
