//! The shell's state (connection, modes, output) and the helpers every
//! command uses: error reporting, domain lookup, option values.

use crate::cmd::Cmd;
use std::io::{BufWriter, Stdout, Write};
use virt_core::{Connect, Domain, Error, ErrorCode, ErrorDomain};

/// Why a command failed: virsh's own message was already printed; `lib`
/// is the library error still to report, as virsh does after the command.
#[derive(Debug, Default)]
pub struct Failure {
    /// The library error, if one caused the failure.
    pub lib: Option<Error>,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure { lib: Some(e) }
    }
}

/// What a command handler returns.
pub type CmdResult = Result<(), Failure>;

/// The shell's state.
pub struct Ctl {
    /// The open connection.
    pub conn: Option<Connect>,
    /// The URI asked for (`-c`, or the environment); `None` for the default.
    pub uri: Option<String>,
    /// Open connections read-only.
    pub readonly: bool,
    /// Quiet mode: no banners, headers or blank lines between commands.
    pub quiet: bool,
    /// Print each command's run time.
    pub timing: bool,
    /// Interactive shell running.
    pub imode: bool,
    out: BufWriter<Stdout>,
}

impl Ctl {
    /// A shell with nothing connected yet.
    pub fn new(uri: Option<String>, readonly: bool, quiet: bool, timing: bool) -> Self {
        Ctl {
            conn: None,
            uri,
            readonly,
            quiet,
            timing,
            imode: false,
            out: BufWriter::new(std::io::stdout()),
        }
    }

    /// Print to standard output.
    pub fn print(&mut self, s: &str) {
        let _ = self.out.write_all(s.as_bytes());
    }

    /// Print unless in quiet mode (virsh's "extra" output).
    pub fn print_extra(&mut self, s: &str) {
        if !self.quiet {
            self.print(s);
        }
    }

    /// Flush standard output (before errors or reading input).
    pub fn flush(&mut self) {
        let _ = self.out.flush();
    }

    /// Print `error: MSG` on standard error.
    pub fn error(&mut self, msg: &str) {
        self.flush();
        eprintln!("error: {msg}");
    }

    /// The last line of a job's progress (`--verbose`), on standard error
    /// and without a newline, as virsh leaves it.
    pub fn progress_done(&mut self, label: &str) {
        self.progress(label, 0, 1);
    }

    /// A job's progress line (`--verbose`), as virshPrintJobProgress
    /// writes it: 100 % only once nothing remains.
    pub fn progress(&mut self, label: &str, remaining: u64, total: u64) {
        let percent = if remaining == 0 {
            100
        } else {
            ((100.0 - remaining as f64 * 100.0 / total.max(1) as f64) as i64).min(99)
        };
        self.flush();
        eprint!("\r{label}: [{percent:3} %]");
    }

    /// Run `call` (a domain job) while showing its progress every half
    /// second from `dom`'s job info, as virsh's `--verbose` does.
    pub fn watch_job<T: Send>(
        &mut self,
        dom: &Domain,
        label: &str,
        call: impl FnOnce() -> virt_core::Result<T> + Send,
    ) -> virt_core::Result<T> {
        std::thread::scope(|s| {
            let job = s.spawn(call);
            loop {
                for _ in 0..10 {
                    if job.is_finished() {
                        return job.join().unwrap_or_else(|_| {
                            Err(Error::new(
                                ErrorCode::InternalError,
                                ErrorDomain::None,
                                Some("job thread panicked"),
                            ))
                        });
                    }
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                match dom.job_info() {
                    Ok(i) if i.data_total > 0 => {
                        self.progress(label, i.data_remaining, i.data_total)
                    }
                    Ok(_) => {}
                    Err(_) => virt_core::reset_last_error(),
                }
            }
        })
    }

    /// Print virsh's message and fail with `lib` as the library error.
    pub fn fail(&mut self, msg: &str, lib: Error) -> Failure {
        self.error(msg);
        Failure { lib: Some(lib) }
    }

    /// Print virsh's message and fail without a library error.
    pub fn fail_msg(&mut self, msg: &str) -> Failure {
        self.error(msg);
        Failure::default()
    }

    /// Open the connection (virsh's "failed to connect" on failure).
    pub fn connect(&mut self, uri: Option<&str>, readonly: bool) -> CmdResult {
        let name = uri.unwrap_or("");
        // As virsh: credentials a driver asks for are prompted for on the
        // terminal (libvirt's default authenticator).
        let r = Connect::open_auth(name, Box::new(virt_core::Terminal), readonly);
        match r {
            Ok(c) => {
                self.conn = Some(c);
                self.readonly = readonly;
                Ok(())
            }
            Err(e) => {
                self.conn = None;
                Err(self.fail("failed to connect to the hypervisor", e))
            }
        }
    }

    /// The open connection.
    pub fn conn(&mut self) -> Result<Connect, Failure> {
        match &self.conn {
            Some(c) => Ok(c.clone()),
            None => Err(self.fail_msg("no valid connection")),
        }
    }

    /// A string option, refusing an empty value as virsh does.
    pub fn opt_str<'a>(&mut self, cmd: &'a Cmd, name: &str) -> Result<Option<&'a str>, Failure> {
        match cmd.raw(name) {
            Some("") => Err(self.fail_msg(&format!(
                "Failed to get option '{name}': Option argument is empty"
            ))),
            v => Ok(v),
        }
    }

    /// A required string option.
    pub fn req_str<'a>(&mut self, cmd: &'a Cmd, name: &str) -> Result<&'a str, Failure> {
        self.opt_str(cmd, name)?.ok_or_else(Failure::default)
    }

    /// An unsigned number option (`Numeric value ...` on a bad one).
    pub fn opt_uint(&mut self, cmd: &Cmd, name: &str) -> Result<Option<u32>, Failure> {
        self.opt_number(cmd, name, parse_unsigned)
    }

    /// A signed number option (`vshCommandOptInt`).
    pub fn opt_int(&mut self, cmd: &Cmd, name: &str) -> Result<Option<i32>, Failure> {
        self.opt_number(cmd, name, parse_signed)
    }

    /// A number option as `parse` reads it, narrowed to `T`; virsh's
    /// `Numeric value ...` when either fails.
    fn opt_number<N, T: TryFrom<N>>(
        &mut self,
        cmd: &Cmd,
        name: &str,
        parse: fn(&str) -> Option<N>,
    ) -> Result<Option<T>, Failure> {
        match cmd.raw(name) {
            None => Ok(None),
            Some(v) => match parse(v).and_then(|n| T::try_from(n).ok()) {
                Some(n) => Ok(Some(n)),
                None => Err(self.fail_msg(&format!(
                    "Numeric value '{v}' for <{name}> option is malformed or out of range"
                ))),
            },
        }
    }

    /// An unsigned 64-bit number option (`vshCommandOptULongLong`); with
    /// `wrap`, a negative value wraps around as virsh's `...Wrap` reads it
    /// (`--length -1` is "everything").
    pub fn opt_ull(&mut self, cmd: &Cmd, name: &str, wrap: bool) -> Result<Option<u64>, Failure> {
        let Some(v) = cmd.raw(name) else {
            return Ok(None);
        };
        let n = parse_unsigned(v)
            .or_else(|| parse_signed(v).filter(|n| wrap && *n < 0).map(|n| n as u64));
        match n {
            Some(n) => Ok(Some(n)),
            None => Err(self.fail_msg(&format!(
                "Numeric value '{v}' for <{name}> option is malformed or out of range"
            ))),
        }
    }

    /// A size with an optional unit suffix, in bytes; a bare number is in
    /// units of `scale` bytes.
    pub fn opt_scaled(
        &mut self,
        cmd: &Cmd,
        name: &str,
        scale: u64,
        max: u64,
    ) -> Result<Option<u64>, Failure> {
        let Some(v) = cmd.raw(name) else {
            return Ok(None);
        };
        match parse_scaled(v, scale, max) {
            Ok(n) => Ok(Some(n)),
            Err(lib) => {
                self.error(&format!(
                    "Scaled numeric value '{v}' for <{name}> option is malformed or out of range"
                ));
                Err(Failure { lib })
            }
        }
    }

    /// Find a domain the way virsh does: as an id (a number >= 0), then as
    /// a UUID, then as a name, as far as `by` allows.
    pub fn lookup_domain(&mut self, cmd: &Cmd, by: By) -> Result<Domain, Failure> {
        let name = self.req_str(cmd, "domain")?.to_string();
        self.lookup_domain_named(&name, by)
    }

    /// Find the domain `name` names (an id, a UUID or a name, as `by`
    /// allows), with virsh's message when none does.
    pub fn lookup_domain_named(&mut self, name: &str, by: By) -> Result<Domain, Failure> {
        let dom = find_domain(&self.conn()?, name, by);
        dom.ok_or_else(|| self.fail_msg(&format!("failed to get domain '{name}'")))
    }

    /// Fail with virsh's message when two exclusive options are both given.
    pub fn exclusive(&mut self, cmd: &Cmd, a: &str, b: &str) -> CmdResult {
        if cmd.has(a) && cmd.has(b) {
            return Err(self.fail_msg(&format!("Options --{a} and --{b} are mutually exclusive")));
        }
        Ok(())
    }

    /// Fail when `b` is given without `a`, which it needs.
    pub fn requires(&mut self, cmd: &Cmd, b: &str, a: &str) -> CmdResult {
        if cmd.has(b) && !cmd.has(a) {
            return Err(self.fail_msg(&format!("Option --{a} is required by option --{b}")));
        }
        Ok(())
    }
}

/// The domain `name` names on `conn` (an id, a UUID or a name, as `by`
/// allows), silently: a miss leaves no error behind (tab completion
/// looks domains up this way too).
pub fn find_domain(conn: &Connect, name: &str, by: By) -> Option<Domain> {
    let mut dom = None;
    if by.id {
        if let Some(id) = parse_signed(name).filter(|&n| n >= 0) {
            dom = u32::try_from(id)
                .ok()
                .and_then(|id| conn.lookup_by_id(id).ok());
        }
    }
    if dom.is_none() && by.uuid && name.len() == 36 {
        dom = conn.lookup_by_uuid_string(name).ok();
    }
    if dom.is_none() && by.name {
        dom = conn.lookup_by_name(name).ok();
    }
    virt_core::reset_last_error();
    dom
}

/// Which ways a domain argument may be resolved.
#[derive(Debug, Clone, Copy)]
pub struct By {
    /// As an id.
    pub id: bool,
    /// As a UUID.
    pub uuid: bool,
    /// As a name.
    pub name: bool,
}

/// Id, UUID or name: what most commands accept.
pub const BY_ANY: By = By {
    id: true,
    uuid: true,
    name: true,
};

/// strtol-style leading part: optional blanks, optional sign; the whole
/// rest must be digits.
fn split_number(s: &str) -> Option<(bool, &str)> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    Some((neg, digits))
}

/// Parse an unsigned decimal number as libvirt's virStrToLong_ui family
/// does (blanks and `+` allowed, no sign change).
pub fn parse_unsigned(s: &str) -> Option<u64> {
    let (neg, digits) = split_number(s)?;
    if neg || digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Parse a signed decimal number (virStrToLong_i family).
pub fn parse_signed(s: &str) -> Option<i64> {
    let (neg, digits) = split_number(s)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v: i64 = digits.parse().ok()?;
    Some(if neg { -v } else { v })
}

/// Parse a scaled size ("1024", "512M", "1GiB", "1KB") into bytes. The
/// library error, when there is one, is what virsh reports second.
pub fn parse_scaled(s: &str, scale: u64, max: u64) -> Result<u64, Option<Error>> {
    let (neg, rest) = split_number(s).ok_or(None)?;
    let end = rest
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(rest.len());
    if neg || end == 0 {
        return Err(None);
    }
    let value: u64 = rest[..end].parse().map_err(|_| None)?;
    let suffix = &rest[end..];
    let unit: u64 = if suffix.is_empty() {
        scale
    } else {
        let lower = suffix.to_ascii_lowercase();
        let (first, tail) = lower.split_at(lower.chars().next().map_or(0, char::len_utf8));
        let power = match first {
            "k" => Some(1),
            "m" => Some(2),
            "g" => Some(3),
            "t" => Some(4),
            "p" => Some(5),
            "e" => Some(6),
            _ => None,
        };
        let base = match tail {
            "" | "ib" => Some(1024u64),
            "b" => Some(1000),
            _ => None,
        };
        match (first, power, base) {
            ("b", _, _) if tail.is_empty() => 1,
            (_, Some(p), Some(b)) => b.pow(p),
            _ => {
                return Err(Some(Error::with(
                    ErrorCode::InvalidArg,
                    ErrorDomain::None,
                    format!("unknown suffix '{suffix}'"),
                )))
            }
        }
    };
    match value.checked_mul(unit) {
        Some(v) if v <= max => Ok(v),
        _ => Err(Some(Error::raw(
            ErrorCode::Overflow,
            ErrorDomain::None,
            format!("numerical overflow: value too large: {s}"),
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parse_like_libvirt() {
        assert_eq!(parse_unsigned(" +5"), Some(5));
        assert_eq!(parse_unsigned("-1"), None);
        assert_eq!(parse_unsigned(""), None);
        assert_eq!(parse_unsigned("1x"), None);
        assert_eq!(parse_signed("-3"), Some(-3));
    }

    #[test]
    fn sizes_scale_like_virsh() {
        let max = u64::MAX;
        assert_eq!(parse_scaled("1048576", 1024, max).ok(), Some(1 << 30));
        assert_eq!(parse_scaled("512M", 1024, max).ok(), Some(512 << 20));
        assert_eq!(parse_scaled("1GiB", 1024, max).ok(), Some(1 << 30));
        assert_eq!(parse_scaled("1KB", 1024, max).ok(), Some(1000));
        assert_eq!(parse_scaled("1048576b", 1024, max).ok(), Some(1 << 20));
        assert!(matches!(parse_scaled("abc", 1024, max), Err(None)));
        assert!(matches!(parse_scaled("-5", 1024, max), Err(None)));
        let e = parse_scaled("1.5", 1024, max)
            .err()
            .flatten()
            .map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("invalid argument: unknown suffix '.5'"));
        let e = parse_scaled("99999999999T", 1024, max)
            .err()
            .flatten()
            .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("numerical overflow: value too large: 99999999999T")
        );
    }
}
