//! What every object made from a connection shares: [`ConnTie`], its tie
//! to the `virConnect` it came from, and [`handle_class!`], which writes
//! the classes of plain handles (`virNetwork`, `virStoragePool`,
//! `virStorageVol`, `virInterface`, `virNodeDevice`) with the Python
//! methods they have in common, so that each class lists only its own.

use super::connect::PyConnect;
use pyo3::prelude::*;
use std::sync::Arc;

/// An object's tie to the connection it was made from: the `virConnect`
/// its `connect()` returns, and one count in the connection's references
/// for as long as the object lives, so that `close()` answers as
/// libvirt's reference count would.
pub(super) struct ConnTie {
    conn: Py<PyConnect>,
    _count: Arc<()>,
}

impl ConnTie {
    /// A tie to `conn`.
    pub(super) fn to(conn: &Bound<'_, PyConnect>) -> Self {
        ConnTie {
            conn: conn.clone().unbind(),
            _count: conn.get().token(),
        }
    }

    /// The connection (what `connect()` returns).
    pub(super) fn get(&self, py: Python<'_>) -> Py<PyConnect> {
        self.conn.clone_ref(py)
    }

    /// The connection, borrowed (to wrap another object of it).
    pub(super) fn bind<'py>(&self, py: Python<'py>) -> &Bound<'py, PyConnect> {
        self.conn.bind(py)
    }
}

/// A Python class of objects made from a connection: how one is made from
/// the virt-core handle a driver call answers, so that the calls of
/// `virConnect` that find or make objects share one shape.
pub(super) trait ConnObject: pyo3::PyClass + Sized {
    /// The virt-core handle it wraps.
    type Handle: Send;
    /// The Python object for `handle`, of the connection `conn`.
    fn wrap(conn: &Bound<'_, PyConnect>, handle: Self::Handle) -> PyResult<Py<Self>>;
}

/// One handle class: its struct (the virt-core handle in `handle` and its
/// [`ConnTie`]), [`ConnObject`], and its Python methods: `name`, `connect` and
/// `XMLDesc`, then the shared methods the class has, named in `shared`,
/// then the class's own methods. A shared method is named by its Rust name
/// (`uuid` brings `UUID` and `UUIDString`), with `(flags)` where the class
/// takes libvirt's flags argument; `$word` is the class's noun in the
/// methods' docstrings.
///
/// One macro writes the whole `#[pymethods]` block because PyO3 takes one
/// block per class: the shared methods are gathered first (the `@methods`
/// rules, one per shared method) and the block is written last.
macro_rules! handle_class {
    (
        $(#[$doc:meta])*
        $class:ident($pyname:literal, $word:literal, $handle:ty),
        shared [$($shared:tt)*],
        { $($own:tt)* }
    ) => {
        $(#[$doc])*
        #[::pyo3::pyclass(name = $pyname, module = "libvirt", frozen)]
        pub struct $class {
            handle: $handle,
            conn: $crate::py::handle::ConnTie,
        }

        impl $crate::py::handle::ConnObject for $class {
            type Handle = $handle;
            fn wrap(
                conn: &::pyo3::Bound<'_, $crate::py::connect::PyConnect>,
                handle: $handle,
            ) -> ::pyo3::PyResult<::pyo3::Py<Self>> {
                let conn_tie = $crate::py::handle::ConnTie::to(conn);
                ::pyo3::Py::new(conn.py(), $class { handle, conn: conn_tie })
            }
        }

        $crate::py::handle::handle_class!(@methods $class, $word,
            [$($shared)*],
            [
                #[doc = concat!("The ", $word, "'s name.")]
                fn name(&self) -> String {
                    self.handle.name().to_string()
                }

                #[doc = concat!("The connection this ", $word, " was found on.")]
                fn connect(
                    &self,
                    py: ::pyo3::Python<'_>,
                ) -> ::pyo3::Py<$crate::py::connect::PyConnect> {
                    self.conn.get(py)
                }

                #[doc = concat!("The ", $word, " XML.")]
                #[pyo3(name = "XMLDesc", signature = (flags = 0))]
                fn xml_desc(&self, py: ::pyo3::Python<'_>, flags: u32) -> ::pyo3::PyResult<String> {
                    $crate::py::error::call(py, || self.handle.xml_desc(flags))
                }
            ],
            { $($own)* });
    };

    // Every shared method gathered: the class's one `#[pymethods]` block.
    (@methods $class:ident, $word:literal, [], [$($done:tt)*], { $($own:tt)* }) => {
        #[::pyo3::pymethods]
        impl $class {
            $($done)*
            $($own)*
        }
    };

    (@methods $class:ident, $word:literal, [uuid $($rest:tt)*], [$($done:tt)*], $own:tt) => {
        $crate::py::handle::handle_class!(@methods $class, $word, [$($rest)*], [$($done)*
            /// The UUID, 16 raw bytes.
            #[pyo3(name = "UUID")]
            fn uuid<'py>(&self, py: ::pyo3::Python<'py>) -> ::pyo3::Bound<'py, ::pyo3::types::PyBytes> {
                ::pyo3::types::PyBytes::new(py, self.handle.uuid().as_bytes())
            }

            /// The UUID as a dashed string.
            #[pyo3(name = "UUIDString")]
            fn uuid_string(&self) -> String {
                self.handle.uuid().hyphenated().to_string()
            }
        ], $own);
    };

    (@methods $class:ident, $word:literal, [is_active $($rest:tt)*], [$($done:tt)*], $own:tt) => {
        $crate::py::handle::handle_class!(@methods $class, $word, [$($rest)*], [$($done)*
            #[doc = concat!("1 when the ", $word, " is active, else 0.")]
            #[pyo3(name = "isActive")]
            fn is_active(&self, py: ::pyo3::Python<'_>) -> ::pyo3::PyResult<i32> {
                $crate::py::error::call(py, || self.handle.is_active()).map(i32::from)
            }
        ], $own);
    };

    (@methods $class:ident, $word:literal, [is_persistent $($rest:tt)*], [$($done:tt)*], $own:tt) => {
        $crate::py::handle::handle_class!(@methods $class, $word, [$($rest)*], [$($done)*
            #[doc = concat!("1 when the ", $word, " is persistent, else 0.")]
            #[pyo3(name = "isPersistent")]
            fn is_persistent(&self, py: ::pyo3::Python<'_>) -> ::pyo3::PyResult<i32> {
                $crate::py::error::call(py, || self.handle.is_persistent()).map(i32::from)
            }
        ], $own);
    };

    (@methods $class:ident, $word:literal, [autostart $($rest:tt)*], [$($done:tt)*], $own:tt) => {
        $crate::py::handle::handle_class!(@methods $class, $word, [$($rest)*], [$($done)*
            #[doc = concat!("1 when the ", $word, " starts with the node, else 0.")]
            fn autostart(&self, py: ::pyo3::Python<'_>) -> ::pyo3::PyResult<i32> {
                $crate::py::error::call(py, || self.handle.autostart()).map(i32::from)
            }
        ], $own);
    };

    (@methods $class:ident, $word:literal, [set_autostart $($rest:tt)*], [$($done:tt)*], $own:tt) => {
        $crate::py::handle::handle_class!(@methods $class, $word, [$($rest)*], [$($done)*
            /// Mark (non-zero) or unmark for autostart; returns 0.
            #[pyo3(name = "setAutostart")]
            fn set_autostart(&self, py: ::pyo3::Python<'_>, autostart: i32) -> ::pyo3::PyResult<i32> {
                $crate::py::error::call(py, || self.handle.set_autostart(autostart != 0)).map(|()| 0)
            }
        ], $own);
    };

    // create, destroy, undefine (the rules that come last, so that they
    // take no other name): with libvirt's flags argument or without.
    (@methods $class:ident, $word:literal, [$verb:ident(flags) $($rest:tt)*], [$($done:tt)*], $own:tt) => {
        $crate::py::handle::handle_class!(@methods $class, $word, [$($rest)*], [$($done)*
            #[doc = concat!($crate::py::handle::handle_class!(@doc $verb), $word, "; returns 0.")]
            #[pyo3(signature = (flags = 0))]
            fn $verb(&self, py: ::pyo3::Python<'_>, flags: u32) -> ::pyo3::PyResult<i32> {
                $crate::py::error::call(py, || self.handle.$verb(flags)).map(|()| 0)
            }
        ], $own);
    };

    (@methods $class:ident, $word:literal, [$verb:ident $($rest:tt)*], [$($done:tt)*], $own:tt) => {
        $crate::py::handle::handle_class!(@methods $class, $word, [$($rest)*], [$($done)*
            #[doc = concat!($crate::py::handle::handle_class!(@doc $verb), $word, "; returns 0.")]
            fn $verb(&self, py: ::pyo3::Python<'_>) -> ::pyo3::PyResult<i32> {
                $crate::py::error::call(py, || self.handle.$verb()).map(|()| 0)
            }
        ], $own);
    };

    // What each of them does, in its docstring.
    (@doc create) => { "Start the defined " };
    (@doc destroy) => { "Stop the " };
    (@doc undefine) => { "Remove the persistent definition of the " };
}

pub(super) use handle_class;
