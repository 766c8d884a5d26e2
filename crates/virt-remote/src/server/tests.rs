//! The session against the test driver and small drivers of its own: calls,
//! read-only refusals, streams both ways, event registrations.

use super::*;
use crate::packet::decode_packet;
use crate::stream::StreamId;
use std::sync::{Arc, Mutex};
use virt_core::{Event, NetworkRef, Piece, StreamSink, StreamSource, Uuid};

fn reply(s: &mut Session, proc_: i32, body: &[u8]) -> (Header, Vec<u8>) {
    let bytes = s.handle(&Header::call(proc_, 7), body).unwrap();
    let (h, b) = decode_packet(&bytes).unwrap();
    (h, b.to_vec())
}

fn error(b: &[u8]) -> Error {
    let mut d = Decoder::new(b);
    d.get::<WireError>().unwrap().into()
}

#[test]
fn before_open_and_unknown_procedures() {
    let mut s = Session::new(false);
    let (h, b) = reply(&mut s, 66, &[]);
    assert_eq!((h.status, h.serial, h.proc_), (MessageStatus::Ok, 7, 66));
    assert_eq!(b, [0, 0, 0, 1, 0, 0, 0, 0]);
    let (h, b) = reply(&mut s, 23, &[0, 0, 0, 1, b'x', 0, 0, 0]);
    assert_eq!(h.status, MessageStatus::Error);
    assert_eq!(
        error(&b).to_string(),
        "internal error: hypervisor connection not open"
    );
    let (_, b) = reply(&mut s, 99_999, &[]);
    assert_eq!(
        error(&b).to_string(),
        "internal error: hypervisor connection not open"
    );
    // Wrong program or version: libvirt's text, the request's header.
    let mut h = Header::call(1, 3);
    h.prog = 0x1234_5678;
    let bytes = s.handle(&h, &[]).unwrap();
    let (rh, b) = decode_packet(&bytes).unwrap();
    assert_eq!((rh.prog, rh.status), (0x1234_5678, MessageStatus::Error));
    let e = error(b);
    assert_eq!((e.code, e.domain), (ErrorCode::Rpc, ErrorDomain::Rpc));
    assert_eq!(e.to_string(), "Cannot find program 305419896 version 1");
    // Messages and replies sent to the daemon get nothing back.
    let mut h = Header::call(3, 4);
    h.kind = MessageType::Message;
    assert!(s.handle(&h, &[]).is_none());
    // PING gets PONG.
    let pong = s
        .handle(&Header::keepalive(KEEPALIVE_PROC_PING), &[])
        .unwrap();
    let (ph, pb) = decode_packet(&pong).unwrap();
    assert_eq!((ph, pb.len()), (Header::keepalive(KEEPALIVE_PROC_PONG), 0));
    assert!(s
        .handle(&Header::keepalive(KEEPALIVE_PROC_PONG), &[])
        .is_none());
}

fn call<T: Xdr>(s: &mut Session, proc_: i32, args: impl Xdr) -> std::result::Result<T, Error> {
    let mut e = Encoder::new();
    e.put(&args);
    let (h, b) = reply(s, proc_, &e.finish().unwrap());
    if h.status == MessageStatus::Error {
        return Err(error(&b));
    }
    let mut d = Decoder::new(&b);
    let v = d.get().unwrap();
    d.finish().unwrap();
    Ok(v)
}

#[test]
fn the_test_driver_through_a_session() {
    virt_test::register();
    let mut s = Session::new(false);
    call::<()>(&mut s, 1, (Some("test:///default".to_string()), 0u32)).unwrap();
    let e = call::<()>(&mut s, 1, (None::<String>, 0u32)).unwrap_err();
    assert_eq!(e.to_string(), "internal error: connection already open");
    assert_eq!(call::<String>(&mut s, 3, ()).unwrap(), "TEST");
    let d: DomainRef = call(&mut s, 23, "test".to_string()).unwrap();
    assert_eq!((d.name.as_str(), d.id), ("test", Some(1)));
    let info: virt_core::DomainInfo = call(&mut s, 16, d.clone()).unwrap();
    assert_eq!(info.state, virt_core::DomainState::Running);
    let (all, n): (Vec<DomainRef>, u32) = call(&mut s, 273, (1i32, 0u32)).unwrap();
    assert_eq!((all.len(), n), (1, 1));
    let e = call::<DomainRef>(&mut s, 23, "nope".to_string()).unwrap_err();
    assert_eq!(
        (e.code, e.to_string()),
        (ErrorCode::NoDomain, "Domain not found".into())
    );
    let e = call::<()>(&mut s, 99_999, ()).unwrap_err();
    assert_eq!(
        (e.code, e.to_string()),
        (ErrorCode::Rpc, "unknown procedure: 99999".into())
    );
    call::<()>(&mut s, 2, ()).unwrap();
    assert!(s.is_closed() && !s.is_open());
}

#[test]
fn a_read_only_socket_refuses_changes_whatever_open_asked() {
    virt_test::register();
    let mut s = Session::new(true);
    call::<()>(&mut s, 1, (Some("test:///default".to_string()), 0u32)).unwrap();
    assert!(s.is_read_only());
    let d: DomainRef = call(&mut s, 23, "test".to_string()).unwrap();
    for (proc_, api) in [(12, "virDomainDestroy"), (34, "virDomainSuspend")] {
        let e = call::<()>(&mut s, proc_, d.clone()).unwrap_err();
        assert_eq!(e.code, ErrorCode::OperationDenied);
        assert_eq!(
            e.to_string(),
            format!("operation forbidden: read only access prevents {api}")
        );
    }
    let e = call::<()>(&mut s, 234, (d.clone(), 0u32)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "operation forbidden: read only access prevents virDomainDestroyFlags"
    );
    let info: virt_core::DomainInfo = call(&mut s, 16, d).unwrap();
    assert_eq!(
        info.state,
        virt_core::DomainState::Running,
        "nothing changed"
    );
}

/// A driver whose volume `v` of pool `p` takes uploads into a shared
/// log and yields "abc", a hole and "d" for downloads.
struct Streaming;
static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());
struct LogSink(bool);
impl StreamSink for LogSink {
    fn write(&mut self, data: &[u8]) -> Result<()> {
        LOG.lock()
            .unwrap()
            .push(format!("data {}", String::from_utf8_lossy(data)));
        Ok(())
    }
    fn hole(&mut self, length: u64) -> Result<()> {
        if !self.0 {
            return Err(virt_core::stream::no_holes());
        }
        LOG.lock().unwrap().push(format!("hole {length}"));
        Ok(())
    }
    fn finish(&mut self) -> Result<()> {
        LOG.lock().unwrap().push("finish".into());
        Ok(())
    }
    fn abort(&mut self) {
        LOG.lock().unwrap().push("abort".into());
    }
}
struct Pieces(Vec<Piece>);
impl StreamSource for Pieces {
    fn read(&mut self, buf: &mut [u8]) -> Result<Piece> {
        if self.0.is_empty() {
            return Ok(Piece::End);
        }
        let p = self.0.remove(0);
        if let Piece::Data(n) = p {
            buf[..n].copy_from_slice(&b"abcd"[..n]);
        }
        Ok(p)
    }
}
impl Driver for Streaming {
    fn type_name(&self) -> &str {
        "Streaming"
    }
    fn storage_vol_upload(
        &self,
        _vol: &virt_core::StorageVolRef,
        _offset: u64,
        _length: u64,
        flags: u32,
    ) -> Result<StreamEnds> {
        Ok(StreamEnds::sending(Box::new(LogSink(flags & 1 != 0))))
    }
    fn storage_vol_download(
        &self,
        _vol: &virt_core::StorageVolRef,
        _offset: u64,
        _length: u64,
        _flags: u32,
    ) -> Result<StreamEnds> {
        Ok(StreamEnds::receiving(Box::new(Pieces(vec![
            Piece::Data(3),
            Piece::Hole(1 << 33),
            Piece::Data(1),
        ]))))
    }
}

fn streaming_session() -> Session {
    virt_core::register_driver(virt_core::DriverEntry {
        name: "streaming",
        default_uri: None,
        open: |uri, _ro| {
            (uri.driver == "streaming").then(|| Ok(Box::new(Streaming) as Box<dyn Driver>))
        },
    });
    let mut s = Session::new(false);
    call::<()>(&mut s, 1, (Some("streaming:///".to_string()), 0u32)).unwrap();
    s
}

fn vol_args(flags: u32) -> (virt_core::StorageVolRef, u64, u64, u32) {
    let v = virt_core::StorageVolRef {
        pool: "p".into(),
        name: "v".into(),
        key: "/p/v".into(),
    };
    (v, 0, 0, flags)
}

fn stream_packet(
    s: &mut Session,
    id: &StreamId,
    kind: MessageType,
    status: MessageStatus,
    body: &[u8],
) -> Option<(Header, Vec<u8>)> {
    let h = Header {
        kind,
        status,
        ..id.call
    };
    s.handle(&h, body).map(|b| {
        let (h, body) = decode_packet(&b).unwrap();
        (h, body.to_vec())
    })
}

#[test]
fn upload_packets_reach_the_sink_and_bad_ones_end_the_stream() {
    let mut s = streaming_session();
    LOG.lock().unwrap().clear();
    // Sparse upload: data, a hole, finish confirmed with OK.
    call::<()>(&mut s, 208, vol_args(1)).unwrap();
    assert!(s.take_pumps().is_empty(), "an upload has nothing to send");
    let id = StreamId::of(&Header::call(208, 7));
    assert!(stream_packet(
        &mut s,
        &id,
        MessageType::Stream,
        MessageStatus::Continue,
        b"xyz"
    )
    .is_none());
    let mut e = Encoder::new();
    e.put(&crate::stream::StreamHole {
        length: 4096,
        flags: 0,
    });
    let hole = e.finish().unwrap();
    assert!(stream_packet(
        &mut s,
        &id,
        MessageType::StreamHole,
        MessageStatus::Continue,
        &hole
    )
    .is_none());
    let (h, body) =
        stream_packet(&mut s, &id, MessageType::Stream, MessageStatus::Ok, &[]).unwrap();
    assert_eq!(
        (h.kind, h.status, h.serial, body.len()),
        (MessageType::Stream, MessageStatus::Ok, 7, 0)
    );
    assert_eq!(*LOG.lock().unwrap(), ["data xyz", "hole 4096", "finish"]);
    // The stream is gone: more data for it is dropped.
    assert!(stream_packet(
        &mut s,
        &id,
        MessageType::Stream,
        MessageStatus::Continue,
        b"late"
    )
    .is_none());
    // A plain upload refuses holes; the stream ends with the error
    // and the sink is aborted.
    LOG.lock().unwrap().clear();
    call::<()>(&mut s, 208, vol_args(0)).unwrap();
    let (h, body) = stream_packet(
        &mut s,
        &id,
        MessageType::StreamHole,
        MessageStatus::Continue,
        &hole,
    )
    .unwrap();
    assert_eq!(
        (h.kind, h.status),
        (MessageType::Stream, MessageStatus::Error)
    );
    assert_eq!(error(&body).code, ErrorCode::OperationInvalid);
    assert_eq!(*LOG.lock().unwrap(), ["abort"]);
    // A malformed hole and an unknown status end a stream too.
    call::<()>(&mut s, 208, vol_args(1)).unwrap();
    let (_, body) = stream_packet(
        &mut s,
        &id,
        MessageType::StreamHole,
        MessageStatus::Continue,
        &hole[..5],
    )
    .unwrap();
    assert!(error(&body)
        .to_string()
        .contains("Malformed stream hole packet"));
    call::<()>(&mut s, 208, vol_args(1)).unwrap();
    let (_, body) = stream_packet(
        &mut s,
        &id,
        MessageType::Stream,
        MessageStatus::Unknown(9),
        &[],
    )
    .unwrap();
    assert_eq!(
        error(&body).to_string(),
        "stream aborted with unexpected status 9"
    );
    // Abort at the client's request: confirmed with OK.
    call::<()>(&mut s, 208, vol_args(1)).unwrap();
    let (h, _) =
        stream_packet(&mut s, &id, MessageType::Stream, MessageStatus::Error, &[]).unwrap();
    assert_eq!(h.status, MessageStatus::Ok);
    // The connection still answers calls.
    assert_eq!(call::<String>(&mut s, 3, ()).unwrap(), "Streaming");
}

#[test]
fn a_download_pump_sends_data_holes_and_the_end() {
    let mut s = streaming_session();
    call::<()>(&mut s, 209, vol_args(1)).unwrap();
    let mut pumps = s.take_pumps();
    assert_eq!(pumps.len(), 1);
    let mut sent = Vec::new();
    pumps.remove(0).run(&mut |p| {
        let (h, body) = decode_packet(p).unwrap();
        sent.push((h.kind, h.status, body.to_vec()));
        Ok(())
    });
    assert_eq!(sent.len(), 4);
    assert_eq!(
        sent[0],
        (
            MessageType::Stream,
            MessageStatus::Continue,
            b"abc".to_vec()
        )
    );
    assert_eq!(sent[1].0, MessageType::StreamHole);
    assert_eq!(crate::stream::decode_hole(&sent[1].2).unwrap(), 1 << 33);
    assert_eq!(sent[2].2, b"a");
    assert_eq!(
        sent[3],
        (MessageType::Stream, MessageStatus::Continue, vec![])
    );
    // The client's finish is confirmed once the pump is done.
    let id = StreamId::of(&Header::call(209, 7));
    let (h, _) = stream_packet(&mut s, &id, MessageType::Stream, MessageStatus::Ok, &[]).unwrap();
    assert_eq!(h.status, MessageStatus::Ok);
    // Data sent to a download is refused.
    call::<()>(&mut s, 209, vol_args(0)).unwrap();
    drop(s.take_pumps());
    let (_, body) = stream_packet(
        &mut s,
        &id,
        MessageType::Stream,
        MessageStatus::Continue,
        b"x",
    )
    .unwrap();
    assert!(error(&body).to_string().contains("only receives"));
}

#[test]
fn events_reach_the_registrations_that_want_them() {
    use crate::events::decode_packet_event;
    use virt_core::events::lifecycle_detail::{defined, undefined};
    use virt_core::LifecycleEvent as L;
    virt_test::register();
    let sent: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    let mut s = Session::new(false);
    let out = sent.clone();
    s.set_event_output(Arc::new(move |p| out.lock().unwrap().push(p)));
    // Before open: no driver to listen to.
    let e = call::<i32>(&mut s, 316, (0i32, None::<DomainRef>)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "internal error: hypervisor connection not open"
    );
    call::<()>(&mut s, 1, (Some("test:///default".to_string()), 0u32)).unwrap();
    let uuid = Uuid::from_u128(0x5e55_1011_0000_4000_8000_0000_0000_0316);
    let mine = DomainRef {
        name: "session-events".into(),
        uuid,
        id: None,
    };
    let e = call::<i32>(&mut s, 316, (27i32, None::<DomainRef>)).unwrap_err();
    assert_eq!(e.to_string(), "internal error: unsupported event ID 27");
    let lifecycle: i32 = call(&mut s, 316, (0i32, Some(mine.clone()))).unwrap();
    let reboot: i32 = call(&mut s, 316, (1i32, Some(mine.clone()))).unwrap();
    assert_ne!(lifecycle, reboot);
    assert!(s.has_event_registrations());
    let xml = format!(
        "<domain type='test'><name>session-events</name><uuid>{uuid}</uuid>\
         <memory>1024</memory><os><type>hvm</type></os></domain>"
    );
    let d: DomainRef = call(&mut s, 11, xml).unwrap();
    call::<()>(&mut s, 35, d).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while sent.lock().unwrap().len() < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let got: Vec<_> = sent
        .lock()
        .unwrap()
        .iter()
        .map(|p| decode_packet_event(p).unwrap().unwrap())
        .collect();
    assert_eq!(
        got,
        vec![
            (
                lifecycle,
                Event::lifecycle(mine.clone(), L::Defined, defined::ADDED)
            ),
            (
                lifecycle,
                Event::lifecycle(mine.clone(), L::Undefined, undefined::REMOVED)
            ),
        ]
    );
    call::<()>(&mut s, 317, lifecycle).unwrap();
    let e = call::<()>(&mut s, 317, lifecycle).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("internal error: domain event callback {lifecycle} not registered")
    );
    let e = call::<()>(&mut s, 314, reboot).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("internal error: network event callback {reboot} not registered")
    );
    call::<()>(&mut s, 317, reboot).unwrap();
    assert!(!s.has_event_registrations());
}

#[test]
fn without_an_event_output_registration_is_unsupported() {
    virt_test::register();
    let mut s = Session::new(true);
    call::<()>(&mut s, 1, (Some("test:///default".to_string()), 0u32)).unwrap();
    let e = call::<i32>(&mut s, 313, (0i32, None::<NetworkRef>)).unwrap_err();
    assert_eq!(e.code, ErrorCode::NoSupport);
}
