//! A command line once parsed: the options a command takes and the values
//! given to them. Handlers read their arguments from a [`Cmd`]; the command
//! table (`defs`) and the parser (`opts`) both build on these types.

/// What kind of value an option takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptKind {
    /// A flag without value.
    Bool,
    /// A number.
    Int,
    /// A string.
    Str,
    /// A string that is usually given positionally (shown as `<name>`).
    Data,
    /// Every remaining positional word.
    Argv,
}

impl OptKind {
    /// The word virsh's messages use for the value this kind takes.
    pub fn value_word(self) -> &'static str {
        if self == OptKind::Int {
            "number"
        } else {
            "string"
        }
    }
}

/// One option of a command.
#[derive(Debug)]
pub struct OptDef {
    /// The name, used as `--name`.
    pub name: &'static str,
    /// Its kind.
    pub kind: OptKind,
    /// True when the command cannot run without it.
    pub required: bool,
    /// True when a bare word can fill it.
    pub positional: bool,
    /// The help line.
    pub help: &'static str,
}

/// A parsed command: its name, its options and the values given.
#[derive(Debug)]
pub struct Cmd {
    /// The command word.
    pub name: &'static str,
    /// The command's options (as in its definition).
    pub opts: &'static [OptDef],
    /// Option values as given (`None` for flags), by option index; an
    /// `Argv` option appears once per word.
    pub values: Vec<(usize, Option<String>)>,
}

impl Cmd {
    fn index(&self, name: &str) -> Option<usize> {
        self.opts.iter().position(|o| o.name == name)
    }

    /// True when the flag or option was given.
    pub fn has(&self, name: &str) -> bool {
        self.index(name)
            .is_some_and(|i| self.values.iter().any(|(j, _)| *j == i))
    }

    /// The raw value of an option, if given.
    pub fn raw(&self, name: &str) -> Option<&str> {
        let i = self.index(name)?;
        self.values
            .iter()
            .find(|(j, _)| *j == i)
            .and_then(|(_, v)| v.as_deref())
    }

    /// Every value of an `Argv` option.
    pub fn all(&self, name: &str) -> Vec<&str> {
        match self.index(name) {
            Some(i) => self
                .values
                .iter()
                .filter(|(j, _)| *j == i)
                .filter_map(|(_, v)| v.as_deref())
                .collect(),
            None => Vec::new(),
        }
    }
}
