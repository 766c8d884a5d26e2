//! xend's S-expressions: `(key value ...)` lists of atoms and lists.
//!
//! A pure codec. [`parse`] reads one expression from bytes; [`Sexpr`]'s
//! `Display` writes one back. Atoms that hold a space, a parenthesis, a
//! quote, a backslash or a control character (or nothing) are written
//! between single quotes, with `\` and `'` escaped by a backslash, the way
//! libvirt escaped what it sent (`virBufferEscapeSexpr`); the reader undoes
//! that and also reads the escapes of the Python `repr()` that xend used in
//! its replies (`\n`, `\t`, `\r`, `\xHH`, double-quoted strings).
//!
//! [`parse_lenient`] reads like libvirt did: a reply cut short is closed
//! at its end and what follows the first expression is ignored. Some of
//! libvirt's own test data depends on that.

use std::fmt;

use crate::XendError;

/// The deepest nesting the reader accepts; xend's domain descriptions
/// nest about six levels.
pub const MAX_DEPTH: usize = 256;

/// One S-expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sexpr {
    /// An atom (a quoted one keeps its text without the quotes).
    Atom(String),
    /// A list; `()` is the empty list.
    List(Vec<Sexpr>),
}

/// Read one S-expression; whitespace may surround it, nothing else.
pub fn parse(input: &[u8]) -> Result<Sexpr, XendError> {
    Reader::new(input, false).document()
}

/// Read the first S-expression as libvirt's reader did: lists and quoted
/// atoms left open at the end of the input are closed there, and what
/// follows the first expression is ignored.
pub fn parse_lenient(input: &[u8]) -> Result<Sexpr, XendError> {
    Reader::new(input, true).document()
}

struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    lenient: bool,
}

impl<'a> Reader<'a> {
    fn new(input: &'a [u8], lenient: bool) -> Self {
        Reader {
            input,
            pos: 0,
            lenient,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }

    fn error(&self, what: &str) -> XendError {
        XendError::Syntax(format!("{what} at byte {}", self.pos))
    }

    fn document(mut self) -> Result<Sexpr, XendError> {
        self.skip_space();
        if self.peek().is_none() {
            return Err(XendError::Syntax("empty input".into()));
        }
        let e = self.expr(0)?;
        self.skip_space();
        if !self.lenient && self.peek().is_some() {
            return Err(self.error("unexpected data after the expression"));
        }
        Ok(e)
    }

    fn expr(&mut self, depth: usize) -> Result<Sexpr, XendError> {
        match self.peek() {
            Some(b'(') => {
                if depth >= MAX_DEPTH {
                    return Err(XendError::TooDeep(MAX_DEPTH));
                }
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_space();
                    match self.peek() {
                        Some(b')') => {
                            self.pos += 1;
                            return Ok(Sexpr::List(items));
                        }
                        None if self.lenient => return Ok(Sexpr::List(items)),
                        None => return Err(self.error("unterminated list")),
                        Some(_) => items.push(self.expr(depth + 1)?),
                    }
                }
            }
            Some(b')') => Err(self.error("unexpected ')'")),
            Some(q @ (b'\'' | b'"')) => {
                self.pos += 1;
                self.quoted(q)
            }
            Some(_) => {
                let start = self.pos;
                while self
                    .peek()
                    .is_some_and(|b| !b.is_ascii_whitespace() && b != b'(' && b != b')')
                {
                    self.pos += 1;
                }
                let bytes = self.input.get(start..self.pos).unwrap_or_default();
                atom(bytes.to_vec()).map_err(|_| self.error("invalid UTF-8"))
            }
            None => Err(self.error("unexpected end of input")),
        }
    }

    /// The rest of a quoted atom, after its opening quote `q`.
    fn quoted(&mut self, q: u8) -> Result<Sexpr, XendError> {
        let mut out = Vec::new();
        loop {
            let Some(b) = self.peek() else {
                if self.lenient {
                    break;
                }
                return Err(self.error("unterminated quoted atom"));
            };
            self.pos += 1;
            if b == q {
                break;
            }
            if b != b'\\' {
                out.push(b);
                continue;
            }
            let Some(e) = self.peek() else {
                out.push(b'\\');
                continue;
            };
            self.pos += 1;
            match e {
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'r' => out.push(b'\r'),
                b'x' => match self.hex_byte() {
                    Some(v) => out.push(v),
                    None => out.extend_from_slice(b"\\x"),
                },
                b'\\' | b'\'' | b'"' => out.push(e),
                // An escape xend never wrote: keep it as it stands.
                other => out.extend_from_slice(&[b'\\', other]),
            }
        }
        atom(out).map_err(|_| self.error("invalid UTF-8"))
    }

    fn hex_byte(&mut self) -> Option<u8> {
        let digits = self.input.get(self.pos..self.pos + 2)?;
        let s = std::str::from_utf8(digits).ok()?;
        let v = u8::from_str_radix(s, 16).ok()?;
        self.pos += 2;
        Some(v)
    }
}

fn atom(bytes: Vec<u8>) -> Result<Sexpr, std::string::FromUtf8Error> {
    String::from_utf8(bytes).map(Sexpr::Atom)
}

/// True when `s` must be quoted to read back as the same single atom.
fn needs_quotes(s: &str) -> bool {
    s.is_empty()
        || s.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '(' | ')' | '\'' | '"' | '\\')
        })
}

/// Write `s` between single quotes with xend's escapes.
pub fn write_quoted(out: &mut String, s: &str) {
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('\'');
}

impl fmt::Display for Sexpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.write(&mut out);
        f.write_str(&out)
    }
}

impl Sexpr {
    /// An atom.
    pub fn atom(s: impl Into<String>) -> Self {
        Sexpr::Atom(s.into())
    }

    /// The list `(key value)`.
    pub fn pair(key: &str, value: impl Into<String>) -> Self {
        Sexpr::List(vec![Sexpr::atom(key), Sexpr::atom(value)])
    }

    /// Append the expression to `out` (the `Display` form).
    pub fn write(&self, out: &mut String) {
        match self {
            Sexpr::Atom(s) if needs_quotes(s) => write_quoted(out, s),
            Sexpr::Atom(s) => out.push_str(s),
            Sexpr::List(items) => {
                out.push('(');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    item.write(out);
                }
                out.push(')');
            }
        }
    }

    /// The atom's text.
    pub fn as_atom(&self) -> Option<&str> {
        match self {
            Sexpr::Atom(s) => Some(s),
            Sexpr::List(_) => None,
        }
    }

    /// The list's items (none for an atom).
    pub fn items(&self) -> &[Sexpr] {
        match self {
            Sexpr::List(items) => items,
            Sexpr::Atom(_) => &[],
        }
    }

    /// The first item of a list, when it is an atom: `domain` for
    /// `(domain ...)`.
    pub fn key(&self) -> Option<&str> {
        self.items().first().and_then(Sexpr::as_atom)
    }

    /// The items after the key.
    pub fn rest(&self) -> &[Sexpr] {
        self.items().get(1..).unwrap_or_default()
    }

    /// The first child list called `key`.
    pub fn child(&self, key: &str) -> Option<&Sexpr> {
        self.rest().iter().find(|c| c.key() == Some(key))
    }

    /// The child lists called `key`, in order.
    pub fn children_named<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Sexpr> {
        self.rest().iter().filter(move |c| c.key() == Some(key))
    }

    /// The list at `path` ("domain/image/hvm"): the first segment names
    /// this list, each next one a child list.
    pub fn lookup(&self, path: &str) -> Option<&Sexpr> {
        let mut segs = path.split('/');
        if self.key() != segs.next() {
            return None;
        }
        segs.try_fold(self, |node, seg| node.child(seg))
    }

    /// The atom that follows the key of the list at `path`:
    /// `node("domain/name")` is `pvtest` in `(domain (name pvtest))`.
    pub fn node(&self, path: &str) -> Option<&str> {
        self.lookup(path)?.rest().first()?.as_atom()
    }

    /// [`Sexpr::node`] read as C's `strtol` would: leading digits, 0 when
    /// absent or not a number.
    pub fn node_int(&self, path: &str) -> i64 {
        self.node(path).map_or(0, c_atol)
    }
}

/// C's `atol`/`strtol(s, NULL, 10)`: optional spaces and sign, then
/// digits; 0 when there are none, saturated on overflow.
pub fn c_atol(s: &str) -> i64 {
    let s = s.trim_start();
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut v: i64 = 0;
    for b in digits.bytes().take_while(u8::is_ascii_digit) {
        v = v.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    if neg {
        -v
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_xend_domains() {
        let e = parse(b"(domain (domid 6)(name 'pv test')(image (linux (kernel ))))")
            .expect("must succeed");
        assert_eq!(e.node("domain/domid"), Some("6"));
        assert_eq!(e.node("domain/name"), Some("pv test"));
        assert!(e.lookup("domain/image/linux").is_some());
        assert_eq!(e.node("domain/image/linux/kernel"), None);
        assert!(e.lookup("domain/image/linux/kernel").is_some());
        assert_eq!(e.node_int("domain/domid"), 6);
        assert_eq!(e.lookup("vm/name"), None);
    }

    #[test]
    fn escapes_round_trip() {
        let e = parse(br"(uname 'file:/root/\'\\some.img')").expect("must succeed");
        assert_eq!(e.node("uname"), Some(r"file:/root/'\some.img"));
        assert_eq!(e.to_string(), r"(uname 'file:/root/\'\\some.img')");
        let e = parse(br#"(a "it's\n" '\x41')"#).expect("must succeed");
        assert_eq!(e.items()[1], Sexpr::atom("it's\n"));
        assert_eq!(e.items()[2], Sexpr::atom("A"));
        assert_eq!(
            parse(b"(a '')").expect("must succeed").to_string(),
            "(a '')"
        );
    }

    #[test]
    fn strict_and_lenient() {
        assert!(parse(b"(a (b c)").is_err());
        assert_eq!(
            parse_lenient(b"(a (b c)")
                .expect("must succeed")
                .to_string(),
            "(a (b c))"
        );
        assert!(parse(b"(a))").is_err());
        assert_eq!(
            parse_lenient(b"(a))").expect("must succeed").to_string(),
            "(a)"
        );
        assert!(parse(b"").is_err());
        assert!(parse(b"   ").is_err());
        assert!(parse(b")").is_err());
        assert!(parse(b"'abc").is_err());
        assert_eq!(
            parse_lenient(b"'abc").expect("must succeed"),
            Sexpr::atom("abc")
        );
        assert_eq!(
            parse(b"(cpus (()))").expect("must succeed").to_string(),
            "(cpus (()))"
        );
    }

    #[test]
    fn depth_is_limited() {
        let deep = "(".repeat(MAX_DEPTH + 1) + &")".repeat(MAX_DEPTH + 1);
        assert_eq!(parse(deep.as_bytes()), Err(XendError::TooDeep(MAX_DEPTH)));
        let ok = "(".repeat(MAX_DEPTH) + &")".repeat(MAX_DEPTH);
        assert!(parse(ok.as_bytes()).is_ok());
    }

    #[test]
    fn c_numbers() {
        assert_eq!(c_atol("42abc"), 42);
        assert_eq!(c_atol(" -7"), -7);
        assert_eq!(c_atol("x"), 0);
        assert_eq!(c_atol("99999999999999999999999"), i64::MAX);
    }

    fn arb_sexpr() -> impl Strategy<Value = Sexpr> {
        let leaf = any::<String>().prop_map(Sexpr::Atom);
        leaf.prop_recursive(6, 64, 8, |inner| {
            prop::collection::vec(inner, 0..8).prop_map(Sexpr::List)
        })
    }

    proptest! {
        #[test]
        fn print_then_parse_is_identity(e in arb_sexpr()) {
            let text = e.to_string();
            prop_assert_eq!(parse(text.as_bytes()), Ok(e.clone()));
            prop_assert_eq!(parse_lenient(text.as_bytes()), Ok(e));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse(&bytes);
            let _ = parse_lenient(&bytes);
        }

        #[test]
        fn parse_then_print_is_stable(bytes in prop::collection::vec(prop::sample::select(
            b"()' \"\\ax\n".to_vec()), 0..64)) {
            if let Ok(e) = parse(&bytes) {
                let again = parse(e.to_string().as_bytes());
                prop_assert_eq!(again, Ok(e));
            }
        }
    }
}
