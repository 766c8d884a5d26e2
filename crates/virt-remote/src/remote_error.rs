//! `remote_error` (libvirt's `virNetMessageError`): how an error crosses
//! the wire, field for field, and its conversion to and from
//! [`virt_core::Error`] with the numbers unchanged.

use virt_core::{DomainRef, Error, ErrorCode, ErrorDomain, ErrorLevel, NetworkRef};

use crate::error::RemoteError;
use crate::xdr::{Decoder, Encoder, Xdr};

/// The wire form of an error, as libvirt's `remote_error` struct.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WireError {
    /// `virErrorNumber`.
    pub code: i32,
    /// `virErrorDomain`.
    pub domain: i32,
    /// The message.
    pub message: Option<String>,
    /// `virErrorLevel`.
    pub level: i32,
    /// The domain concerned, if any.
    pub dom: Option<DomainRef>,
    /// Extra information.
    pub str1: Option<String>,
    /// Extra information.
    pub str2: Option<String>,
    /// Extra information.
    pub str3: Option<String>,
    /// Extra number.
    pub int1: i32,
    /// Extra number.
    pub int2: i32,
    /// The network concerned, if any.
    pub net: Option<NetworkRef>,
}

impl Xdr for WireError {
    fn encode(&self, e: &mut Encoder) {
        e.i32(self.code)
            .i32(self.domain)
            .put(&self.message)
            .i32(self.level)
            .put(&self.dom)
            .put(&self.str1)
            .put(&self.str2)
            .put(&self.str3)
            .i32(self.int1)
            .i32(self.int2)
            .put(&self.net);
    }
    fn decode(d: &mut Decoder<'_>) -> Result<Self, RemoteError> {
        Ok(WireError {
            code: d.i32()?,
            domain: d.i32()?,
            message: d.get()?,
            level: d.i32()?,
            dom: d.get()?,
            str1: d.get()?,
            str2: d.get()?,
            str3: d.get()?,
            int1: d.i32()?,
            int2: d.i32()?,
            net: d.get()?,
        })
    }
}

impl From<&Error> for WireError {
    /// As libvirtd fills it: the message's template in str1 (`%s` where the
    /// detail goes), the detail in str2.
    fn from(e: &Error) -> Self {
        let (str1, str2) = e.libvirt_strings();
        WireError {
            code: e.code.number(),
            domain: e.domain.number(),
            message: Some(e.message.clone()),
            level: e.level.number(),
            dom: None,
            str1,
            str2,
            str3: e.str3.clone(),
            int1: e.int1,
            int2: e.int2,
            net: None,
        }
    }
}

impl From<WireError> for Error {
    /// A peer's error as ours. A code or domain this build does not know
    /// reads as an internal error of the remote driver, message kept.
    fn from(w: WireError) -> Error {
        let code = ErrorCode::from_number(w.code).unwrap_or(ErrorCode::InternalError);
        let domain = ErrorDomain::from_number(w.domain).unwrap_or(ErrorDomain::Remote);
        let message = w.message.unwrap_or_else(|| code.message(None));
        let mut e = Error::raw(code, domain, message);
        e.level = ErrorLevel::from_number(w.level);
        e.str1 = w.str1;
        e.str2 = w.str2;
        e.str3 = w.str3;
        e.int1 = w.int1;
        e.int2 = w.int2;
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_cross_unchanged() {
        let e = Error::read_only("virDomainDestroy");
        let mut enc = Encoder::new();
        enc.put(&WireError::from(&e));
        let bytes = enc.finish().unwrap();
        let mut d = Decoder::new(&bytes);
        let back: Error = d.get::<WireError>().unwrap().into();
        d.finish().unwrap();
        assert_eq!(
            (back.code, back.domain, back.level, &back.message),
            (e.code, e.domain, e.level, &e.message)
        );
        // str1/str2 as libvirtd sends them: the template, then the detail.
        assert_eq!(back.str1.as_deref(), Some("operation forbidden: %s"));
        assert_eq!(
            back.str2.as_deref(),
            Some("read only access prevents virDomainDestroy")
        );
        assert_eq!(
            back.to_string(),
            "operation forbidden: read only access prevents virDomainDestroy"
        );
    }
}
