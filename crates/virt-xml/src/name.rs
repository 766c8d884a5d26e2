//! [`Name`]: an element or attribute name, held in place when short.
//!
//! Names were a quarter of the blocks a definition is made of, each a
//! malloc when read and a free when dropped. Held in the 24 bytes a
//! `String` takes, they cost neither. Reading one must stay as cheap as
//! reading a `String`: names are compared far more often than they are
//! made (every search of a child or an attribute by name), and a
//! branch-free small string (`compact_str`'s, measured) spent in those
//! comparisons all that its allocations saved.

use arrayvec::ArrayString;
use std::borrow::{Borrow, Cow};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

/// The longest name held in place: every element and attribute name of
/// libvirt's domain schema but a few (`trustGuestRxFilters`,
/// `forwardPlainNames`, `<iotune>`'s longest), which keeps a `Name` in the
/// 24 bytes of a `String`.
const INLINE: usize = 16;

/// An element or attribute name: reads as a `str` (`Deref`), compares
/// with `str`, `&str` and `String`, and is made from either with
/// `.into()`. Names up to 16 bytes are held in the value itself.
#[derive(Clone)]
pub struct Name(Repr);

#[derive(Clone)]
enum Repr {
    /// A short name, in place (`arrayvec` keeps it a `str` without
    /// checking it again at each read).
    Inline(ArrayString<INLINE>),
    /// A longer name.
    Heap(Box<str>),
}

impl Name {
    /// The name `s`.
    #[inline]
    pub fn new(s: &str) -> Self {
        match ArrayString::from(s) {
            Ok(inline) => Name(Repr::Inline(inline)),
            Err(_) => Name(Repr::Heap(s.into())),
        }
    }

    /// The name as a `str`.
    #[inline]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Inline(s) => s.as_str(),
            Repr::Heap(s) => s,
        }
    }

    /// True when the name did not fit in place (longer than 16 bytes).
    pub fn is_heap_allocated(&self) -> bool {
        matches!(self.0, Repr::Heap(_))
    }
}

impl Default for Name {
    fn default() -> Self {
        Name::new("")
    }
}

impl Deref for Name {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Name {
    #[inline]
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Name {
    #[inline]
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl PartialEq for Name {
    #[inline]
    fn eq(&self, other: &Name) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Name {}

impl Hash for Name {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Name) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Name) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

/// `name == x` and `x == name` for the string types names are compared
/// with.
macro_rules! eq_with {
    ($($t:ty),*) => {$(
        impl PartialEq<$t> for Name {
            #[inline]
            fn eq(&self, other: &$t) -> bool {
                self.as_str() == AsRef::<str>::as_ref(other)
            }
        }
        impl PartialEq<Name> for $t {
            #[inline]
            fn eq(&self, other: &Name) -> bool {
                AsRef::<str>::as_ref(self) == other.as_str()
            }
        }
    )*};
}
eq_with!(str, &str, &&str, String, &String, Cow<'_, str>);

impl From<&str> for Name {
    #[inline]
    fn from(s: &str) -> Self {
        Name::new(s)
    }
}

impl From<&&str> for Name {
    #[inline]
    fn from(s: &&str) -> Self {
        Name::new(s)
    }
}

impl From<String> for Name {
    #[inline]
    fn from(s: String) -> Self {
        if s.len() <= INLINE {
            Name::new(&s)
        } else {
            Name(Repr::Heap(s.into_boxed_str()))
        }
    }
}

impl From<&String> for Name {
    #[inline]
    fn from(s: &String) -> Self {
        Name::new(s)
    }
}

impl From<&Name> for Name {
    #[inline]
    fn from(s: &Name) -> Self {
        s.clone()
    }
}

impl From<Cow<'_, str>> for Name {
    fn from(s: Cow<'_, str>) -> Self {
        match s {
            Cow::Borrowed(s) => Name::new(s),
            Cow::Owned(s) => Name::from(s),
        }
    }
}

impl From<Name> for String {
    fn from(n: Name) -> String {
        match n.0 {
            Repr::Heap(s) => s.into_string(),
            Repr::Inline(s) => s.as_str().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_what_it_was_made_from() {
        for s in [
            "",
            "a",
            "disk",
            "trustGuestRxFilters",
            "exactly_16_bytes",
            "exactly_17_bytes_",
            "read_iops_sec_max_length",
            "é名前",
        ] {
            let n = Name::from(s);
            assert_eq!(n.as_str(), s);
            assert_eq!(Name::from(s.to_string()), n);
            assert_eq!(String::from(n.clone()), s);
            assert_eq!(n.is_heap_allocated(), s.len() > INLINE, "{s}");
            let owned = s.to_string();
            assert!(n == s, "{s}");
            assert!(s == n, "{s}");
            assert!(n == owned, "{s}");
            assert!(owned == n, "{s}");
            assert_eq!(format!("{n}|{n:?}"), format!("{s}|{s:?}"));
        }
        assert_eq!(std::mem::size_of::<Name>(), std::mem::size_of::<String>());
        assert_eq!(std::mem::size_of::<Option<Name>>(), 24);
        let (a, b) = (Name::from("a"), Name::from("b"));
        assert!(a < b);
    }
}
