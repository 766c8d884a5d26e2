//! The message types of the xenstore protocol (`enum xsd_sockmsg_type`
//! of `xs_wire.h`): the vocabulary both the codec ([`crate::wire`]) and the
//! errors ([`crate::XsError`]) speak, kept apart so neither depends on the
//! other's module.

use std::fmt;

macro_rules! message_types {
    ($($var:ident = $num:expr, $name:expr;)+) => {
        /// `enum xsd_sockmsg_type`: what a message asks or answers.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum MessageType {
            $(
                #[doc = concat!("`XS_", $name, "`")]
                $var = $num,
            )+
        }

        impl MessageType {
            /// Every type the protocol defines, in wire order.
            pub const ALL: &'static [MessageType] = &[$(MessageType::$var),+];

            /// The number on the wire.
            pub fn number(self) -> u32 {
                self as u32
            }

            /// The type for a wire number (20, the removed `XS_RESTRICT`,
            /// is not one).
            pub fn from_number(n: u32) -> Option<Self> {
                match n {
                    $($num => Some(MessageType::$var),)+
                    _ => None,
                }
            }

            /// The name without its `XS_` prefix ("READ").
            pub fn name(self) -> &'static str {
                match self {
                    $(MessageType::$var => $name,)+
                }
            }
        }
    };
}

message_types! {
    Control = 0, "CONTROL";
    Directory = 1, "DIRECTORY";
    Read = 2, "READ";
    GetPerms = 3, "GET_PERMS";
    Watch = 4, "WATCH";
    Unwatch = 5, "UNWATCH";
    TransactionStart = 6, "TRANSACTION_START";
    TransactionEnd = 7, "TRANSACTION_END";
    Introduce = 8, "INTRODUCE";
    Release = 9, "RELEASE";
    GetDomainPath = 10, "GET_DOMAIN_PATH";
    Write = 11, "WRITE";
    Mkdir = 12, "MKDIR";
    Rm = 13, "RM";
    SetPerms = 14, "SET_PERMS";
    WatchEvent = 15, "WATCH_EVENT";
    Error = 16, "ERROR";
    IsDomainIntroduced = 17, "IS_DOMAIN_INTRODUCED";
    Resume = 18, "RESUME";
    SetTarget = 19, "SET_TARGET";
    ResetWatches = 21, "RESET_WATCHES";
    DirectoryPart = 22, "DIRECTORY_PART";
}

impl MessageType {
    /// `XS_DEBUG` is the old name of `XS_CONTROL`.
    pub const DEBUG: MessageType = MessageType::Control;
}

impl fmt::Display for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
