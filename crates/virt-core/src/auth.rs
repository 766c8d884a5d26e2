//! Credentials asked while a connection opens (`virConnectOpenAuth`).
//!
//! The caller of [`crate::Connect::open_auth`] hands over an
//! [`Authenticator`]: the credential types it can answer and a callback.
//! While that open runs on this thread, a driver that needs credentials
//! (the test driver with `<auth>` in its node file) asks through
//! [`username`] and [`password`], which build libvirt's prompts, check the
//! caller offered the type, and turn a refusal into libvirt's errors.
//! The authenticator travels in a thread-local for the length of the open
//! only, so the openers' signature stays the same for every driver.

use crate::error::{Error, ErrorCode, ErrorDomain, Result};
use std::cell::RefCell;

/// libvirt's credential types (`VIR_CRED_*`).
pub mod cred {
    /// The user's name (`VIR_CRED_USERNAME`).
    pub const USERNAME: i32 = 1;
    /// The name to authenticate as (`VIR_CRED_AUTHNAME`).
    pub const AUTHNAME: i32 = 2;
    /// RFC 1766 languages (`VIR_CRED_LANGUAGE`).
    pub const LANGUAGE: i32 = 3;
    /// Client-supplied nonce (`VIR_CRED_CNONCE`).
    pub const CNONCE: i32 = 4;
    /// A passphrase, not echoed (`VIR_CRED_PASSPHRASE`).
    pub const PASSPHRASE: i32 = 5;
    /// A challenge answer, echoed (`VIR_CRED_ECHOPROMPT`).
    pub const ECHOPROMPT: i32 = 6;
    /// A challenge answer, not echoed (`VIR_CRED_NOECHOPROMPT`).
    pub const NOECHOPROMPT: i32 = 7;
    /// The authentication realm (`VIR_CRED_REALM`).
    pub const REALM: i32 = 8;
    /// Externally managed credential (`VIR_CRED_EXTERNAL`).
    pub const EXTERNAL: i32 = 9;
}

/// One credential asked of the caller (`virConnectCredential`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// Its type, one of [`cred`].
    pub kind: i32,
    /// The prompt to show.
    pub prompt: String,
    /// The challenge (libvirt passes the host name).
    pub challenge: Option<String>,
    /// The answer to suggest.
    pub default: Option<String>,
    /// The caller's answer; `None` when it gave none.
    pub result: Option<String>,
}

/// What the caller of `open_auth` offers (`virConnectAuth`).
pub trait Authenticator {
    /// The credential types the callback can answer.
    fn types(&self) -> &[i32];
    /// Fill in `result` of each credential; `false` is a refusal (the C
    /// callback's -1).
    fn ask(&mut self, creds: &mut [Credential]) -> bool;
}

/// An [`Authenticator`] made of a list of types and a closure.
pub struct CallbackAuth<F> {
    types: Vec<i32>,
    callback: F,
}

impl<F: FnMut(&mut [Credential]) -> bool> CallbackAuth<F> {
    /// Answer `types` with `callback`.
    pub fn new(types: Vec<i32>, callback: F) -> Self {
        CallbackAuth { types, callback }
    }
}

impl<F: FnMut(&mut [Credential]) -> bool> Authenticator for CallbackAuth<F> {
    fn types(&self) -> &[i32] {
        &self.types
    }
    fn ask(&mut self, creds: &mut [Credential]) -> bool {
        (self.callback)(creds)
    }
}

thread_local! {
    /// The authenticator of the open running on this thread (set by
    /// [`with`] for the length of that open only).
    static CURRENT: RefCell<Option<Box<dyn Authenticator>>> = const { RefCell::new(None) };
}

/// Run `open` with `auth` reachable by [`username`] and [`password`].
pub(crate) fn with<T>(auth: Option<Box<dyn Authenticator>>, open: impl FnOnce() -> T) -> T {
    /// Puts back whatever an enclosing open had, even on unwind.
    struct Restore(Option<Box<dyn Authenticator>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let outer = self.0.take();
            CURRENT.with(|c| *c.borrow_mut() = outer);
        }
    }
    let _restore = Restore(CURRENT.with(|c| c.replace(auth)));
    open()
}

/// Ask the current open's authenticator; `None` when the open has none.
fn ask_current<T>(f: impl FnOnce(&mut dyn Authenticator) -> T) -> Option<T> {
    // Taken out while the callback runs, so a callback that opens another
    // connection on this thread neither sees nor clobbers it.
    let mut auth = CURRENT.with(|c| c.borrow_mut().take())?;
    let answer = f(auth.as_mut());
    CURRENT.with(|c| *c.borrow_mut() = Some(auth));
    Some(answer)
}

fn auth_error(domain: ErrorDomain, code: ErrorCode, text: &str) -> Error {
    Error::with(code, domain, text)
}

/// Ask one credential of `kind` (one of `kinds` the caller must offer),
/// with libvirt's error texts for a missing type or a refusal.
fn ask_one(
    kinds: &[i32],
    missing: &str,
    refused: &str,
    prompt: String,
    challenge: &str,
) -> Result<Option<String>> {
    let asked = ask_current(|auth| {
        let Some(&kind) = kinds.iter().find(|k| auth.types().contains(k)) else {
            return Err(auth_error(
                ErrorDomain::Auth,
                ErrorCode::AuthFailed,
                missing,
            ));
        };
        let mut creds = [Credential {
            kind,
            prompt,
            challenge: Some(challenge.to_string()),
            default: None,
            result: None,
        }];
        if !auth.ask(&mut creds) {
            return Err(auth_error(
                ErrorDomain::Auth,
                ErrorCode::AuthFailed,
                refused,
            ));
        }
        let [c] = creds;
        Ok(c.result)
    });
    match asked {
        Some(r) => r,
        // libvirt's text when a driver needs credentials and the caller
        // used a plain open.
        None => Err(auth_error(
            ErrorDomain::Auth,
            ErrorCode::InvalidArg,
            "Missing authentication credentials",
        )),
    }
}

/// Ask the user name to authenticate as on `host` (libvirt's
/// `virAuthGetUsername`): "Enter username for HOST".
pub fn username(host: &str) -> Result<Option<String>> {
    ask_one(
        &[cred::AUTHNAME],
        "Missing VIR_CRED_AUTHNAME credential type",
        "Username request failed",
        format!("Enter username for {host}"),
        host,
    )
}

/// Ask `user`'s password on `host` (libvirt's `virAuthGetPassword`):
/// "Enter USER's password for HOST".
pub fn password(user: &str, host: &str) -> Result<Option<String>> {
    ask_one(
        &[cred::PASSPHRASE, cred::NOECHOPROMPT],
        "Missing VIR_CRED_PASSPHRASE or VIR_CRED_NOECHOPROMPT credential type",
        "Password request failed",
        format!("Enter {user}'s password for {host}"),
        host,
    )
}

/// The credential types [`Terminal`] answers (libvirt's default record
/// announces these; it also answers USERNAME when asked).
pub const TERMINAL_TYPES: [i32; 6] = [
    cred::AUTHNAME,
    cred::ECHOPROMPT,
    cred::REALM,
    cred::PASSPHRASE,
    cred::NOECHOPROMPT,
    cred::EXTERNAL,
];

/// libvirt's default authenticator (`virConnectAuthPtrDefault`), as virsh
/// uses it: each credential's prompt on stdout as "PROMPT: ", the answer
/// one line of stdin (the default answer for an empty line), without echo
/// for secrets when stdin is a terminal.
#[derive(Debug, Default, Clone, Copy)]
pub struct Terminal;

impl Authenticator for Terminal {
    fn types(&self) -> &[i32] {
        &TERMINAL_TYPES
    }
    fn ask(&mut self, creds: &mut [Credential]) -> bool {
        for c in creds.iter_mut() {
            if !(cred::USERNAME..cred::EXTERNAL).contains(&c.kind) {
                return false;
            }
            let secret = matches!(c.kind, cred::PASSPHRASE | cred::NOECHOPROMPT);
            match ask_terminal(&c.prompt, c.default.as_deref(), secret) {
                Some(a) => c.result = Some(a),
                None => return false,
            }
        }
        true
    }
}

/// Ask one answer on the terminal as libvirt's default callback does:
/// "PROMPT: " on stdout, one line of stdin (end of input reads as an
/// empty line), `default` for an empty answer; `None` when stdin fails.
/// With `secret`, echo is off while the line is read from a terminal.
pub fn ask_terminal(prompt: &str, default: Option<&str>, secret: bool) -> Option<String> {
    use std::io::{BufRead, Write};
    let mut out = std::io::stdout();
    write!(out, "{prompt}: ").ok()?;
    out.flush().ok()?;
    let _echo = secret.then(EchoOff::new);
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).ok()?;
    let answer = line.strip_suffix('\n').unwrap_or(&line).to_string();
    Some(match default {
        Some(d) if answer.is_empty() => d.to_string(),
        _ => answer,
    })
}

/// Terminal echo off while it lives, when stdin is a terminal.
struct EchoOff(Option<rustix::termios::Termios>);

impl EchoOff {
    fn new() -> Self {
        use rustix::termios::{tcgetattr, tcsetattr, LocalModes, OptionalActions};
        let stdin = std::io::stdin();
        let Ok(saved) = tcgetattr(&stdin) else {
            return EchoOff(None);
        };
        let mut quiet = saved.clone();
        quiet.local_modes.remove(LocalModes::ECHO);
        let _ = tcsetattr(&stdin, OptionalActions::Flush, &quiet);
        EchoOff(Some(saved))
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        if let Some(saved) = &self.0 {
            use rustix::termios::{tcsetattr, OptionalActions};
            let _ = tcsetattr(std::io::stdin(), OptionalActions::Flush, saved);
            // The Enter the user typed was not echoed.
            println!();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts_types_and_refusals_as_libvirt() {
        let seen = std::rc::Rc::new(RefCell::new(Vec::new()));
        let log = seen.clone();
        let a = CallbackAuth::new(
            vec![cred::AUTHNAME, cred::PASSPHRASE],
            move |c: &mut [Credential]| {
                log.borrow_mut().push((c[0].kind, c[0].prompt.clone()));
                c[0].result = Some("x".into());
                true
            },
        );
        let (u, p) = with(Some(Box::new(a)), || {
            (username("localhost"), password("bob", "localhost"))
        });
        assert_eq!(u.ok().flatten().as_deref(), Some("x"));
        assert_eq!(p.ok().flatten().as_deref(), Some("x"));
        assert_eq!(
            *seen.borrow(),
            [
                (cred::AUTHNAME, "Enter username for localhost".to_string()),
                (
                    cred::PASSPHRASE,
                    "Enter bob's password for localhost".to_string()
                )
            ]
        );

        let only_name = CallbackAuth::new(vec![cred::AUTHNAME], |_: &mut [Credential]| true);
        let e = with(Some(Box::new(only_name)), || password("bob", "localhost")).err();
        assert_eq!(
            e.map(|e| (e.code, e.domain, e.message)),
            Some((
                ErrorCode::AuthFailed,
                ErrorDomain::Auth,
                "authentication failed: Missing VIR_CRED_PASSPHRASE or VIR_CRED_NOECHOPROMPT credential type".into()
            ))
        );
        let refuses = CallbackAuth::new(vec![cred::AUTHNAME], |_: &mut [Credential]| false);
        let e = with(Some(Box::new(refuses)), || username("localhost")).err();
        assert_eq!(
            e.map(|e| e.message),
            Some("authentication failed: Username request failed".into())
        );
        // No authenticator: libvirt's plain-open error; and none leaks out
        // of `with` into later opens on the thread.
        let e = with(None, || username("localhost")).err();
        assert_eq!(
            e.map(|e| (e.code, e.message)),
            Some((
                ErrorCode::InvalidArg,
                "invalid argument: Missing authentication credentials".into()
            ))
        );
        assert!(username("localhost").is_err());
    }
}
