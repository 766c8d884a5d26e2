//! A fake xenstored: an in-memory tree with permissions, watches and
//! transactions, serving the real wire protocol on a unix socket (and a
//! read-only one), for the tests of this crate and of the Xen driver.
//!
//! It behaves as C xenstored does where a client can tell: replies echo the
//! request and transaction ids; a watch fires once when registered, then on
//! every change at or below its path (and for removals above it), only for
//! readers of the node; transactions work on a snapshot and fail their
//! commit with EAGAIN when a node they touched changed meanwhile; the
//! read-only socket answers EROFS to changes; a domain connection
//! ([`FakeXenstored::connect_as_domain`]) is held to node permissions.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::net::Shutdown;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};

use uuid::Uuid;

use crate::client::{Client, Transport};
use crate::error::Errno;
use crate::wire::{
    self, encode_watch_event, join_strings, nul_terminated, Access, DirectoryChunk, Header,
    Message, MessageType, Permission, Request, ABS_PATH_MAX, PAYLOAD_MAX, REL_PATH_MAX,
};
use crate::Result;

/// Most transactions one connection may hold open (C xenstored's default).
const MAX_TRANSACTIONS: usize = 10;

#[derive(Debug, Clone)]
struct Node {
    value: Vec<u8>,
    perms: Vec<Permission>,
    generation: u64,
}

/// A change to report to watchers: the node, its permissions (watchers
/// must be able to read it), and whether a subtree went away.
#[derive(Debug, Clone)]
struct Change {
    path: String,
    perms: Vec<Permission>,
    removal: bool,
}

impl Change {
    /// Node `path` written (or made, or its permissions changed).
    fn written(path: String, perms: Vec<Permission>) -> Self {
        Change {
            path,
            perms,
            removal: false,
        }
    }

    /// The subtree at `path` removed.
    fn removed(path: String, perms: Vec<Permission>) -> Self {
        Change {
            path,
            perms,
            removal: true,
        }
    }
}

#[derive(Debug)]
struct Transaction {
    conn: u64,
    nodes: BTreeMap<String, Node>,
    /// Generation of every node the transaction looked at, as it was at
    /// the start (`None`: absent); a difference at commit is a conflict.
    seen: BTreeMap<String, Option<u64>>,
    changed: BTreeSet<String>,
    changes: Vec<Change>,
}

#[derive(Debug)]
struct Watch {
    conn: u64,
    domid: u32,
    /// The path as the client gave it (relative, absolute or `@special`).
    given: String,
    /// The absolute path (or the `@special` name).
    abs: String,
    /// The domain home to strip from event paths of a relative watch.
    home: Option<String>,
    token: String,
    sink: Sender<Vec<u8>>,
}

#[derive(Debug, Clone)]
struct Conn {
    id: u64,
    domid: u32,
    read_only: bool,
    sink: Sender<Vec<u8>>,
}

#[derive(Debug)]
struct Store {
    nodes: BTreeMap<String, Node>,
    generation: u64,
    next_tx: u32,
    transactions: HashMap<u32, Transaction>,
    watches: Vec<Watch>,
    introduced: BTreeSet<u32>,
    targets: HashMap<u32, u32>,
}

fn is_under(path: &str, ancestor: &str) -> bool {
    path == ancestor
        || ancestor == "/"
        || (path.starts_with(ancestor) && path.as_bytes().get(ancestor.len()) == Some(&b'/'))
}

fn parent_of(path: &str) -> Option<&str> {
    if path == "/" {
        return None;
    }
    match path.rfind('/') {
        Some(0) => Some("/"),
        Some(i) => Some(&path[..i]),
        None => None,
    }
}

fn home_of(domid: u32) -> String {
    format!("/local/domain/{domid}")
}

fn valid_chars(path: &str) -> bool {
    path.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-/_@".contains(&b))
}

impl Store {
    fn new() -> Store {
        let mut store = Store {
            nodes: BTreeMap::new(),
            generation: 0,
            next_tx: 1,
            transactions: HashMap::new(),
            watches: Vec::new(),
            introduced: BTreeSet::from([0]),
            targets: HashMap::new(),
        };
        // What C xenstored creates at start.
        for path in ["/", "/tool", "/tool/xenstored"] {
            let generation = store.bump();
            store.nodes.insert(
                path.to_string(),
                Node {
                    value: Vec::new(),
                    perms: vec![Permission::new(Access::None, 0)],
                    generation,
                },
            );
        }
        store
    }

    fn bump(&mut self) -> u64 {
        self.generation += 1;
        self.generation
    }

    fn access(&self, domid: u32, perms: &[Permission]) -> Access {
        if domid == 0 {
            return Access::Both;
        }
        let target = self.targets.get(&domid).copied();
        let me = |d: u32| d == domid || Some(d) == target;
        match perms.split_first() {
            None => Access::None,
            Some((owner, _)) if me(owner.domid) => Access::Both,
            Some((owner, rest)) => rest
                .iter()
                .find(|p| me(p.domid))
                .map(|p| p.access)
                .unwrap_or(owner.access),
        }
    }

    /// The absolute form of a client path, or EINVAL.
    fn canon(&self, conn: &Conn, path: &str) -> std::result::Result<String, Errno> {
        let relative = !path.starts_with('/');
        let limit = if relative { REL_PATH_MAX } else { ABS_PATH_MAX };
        if path.is_empty()
            || path.len() > limit
            || !valid_chars(path)
            || path.contains("//")
            || (path.len() > 1 && path.ends_with('/'))
        {
            return Err(Errno::InvalidArgument);
        }
        let abs = if relative {
            format!("{}/{path}", home_of(conn.domid))
        } else {
            path.to_string()
        };
        if abs.len() > ABS_PATH_MAX {
            return Err(Errno::InvalidArgument);
        }
        Ok(abs)
    }

    fn check_tx(&self, conn: &Conn, tx: u32) -> std::result::Result<(), Errno> {
        if tx == 0 {
            return Ok(());
        }
        match self.transactions.get(&tx) {
            Some(t) if t.conn == conn.id => Ok(()),
            _ => Err(Errno::NotFound),
        }
    }

    fn tree(&mut self, tx: u32) -> &mut BTreeMap<String, Node> {
        match self.transactions.get_mut(&tx) {
            Some(t) if tx != 0 => &mut t.nodes,
            _ => &mut self.nodes,
        }
    }

    /// Note that a transaction looked at `path` (before changing it).
    fn touch(&mut self, tx: u32, path: &str) {
        if let Some(t) = self.transactions.get_mut(&tx) {
            if !t.seen.contains_key(path) {
                let generation = t.nodes.get(path).map(|n| n.generation);
                t.seen.insert(path.to_string(), generation);
            }
        }
    }

    fn node(&mut self, tx: u32, path: &str) -> Option<Node> {
        self.touch(tx, path);
        self.tree(tx).get(path).cloned()
    }

    fn put(&mut self, tx: u32, path: &str, mut node: Node) {
        self.touch(tx, path);
        node.generation = self.bump();
        self.tree(tx).insert(path.to_string(), node);
        if let Some(t) = self.transactions.get_mut(&tx) {
            t.changed.insert(path.to_string());
        }
    }

    fn children(&mut self, tx: u32, path: &str) -> Vec<String> {
        let prefix = if path == "/" {
            "/".to_string()
        } else {
            format!("{path}/")
        };
        self.tree(tx)
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter_map(|(k, _)| {
                let rest = &k[prefix.len()..];
                (!rest.is_empty() && !rest.contains('/')).then(|| rest.to_string())
            })
            .collect()
    }

    /// The error for a missing node: EACCES when the caller could not read
    /// the closest existing ancestor (it may not learn what exists), else
    /// ENOENT.
    fn missing(&mut self, conn: &Conn, tx: u32, path: &str) -> Errno {
        let mut cur = parent_of(path);
        while let Some(p) = cur {
            if let Some(n) = self.node(tx, p) {
                return if self.access(conn.domid, &n.perms).can_read() {
                    Errno::NotFound
                } else {
                    Errno::AccessDenied
                };
            }
            cur = parent_of(p);
        }
        Errno::NotFound
    }

    fn readable(&mut self, conn: &Conn, tx: u32, path: &str) -> std::result::Result<Node, Errno> {
        match self.node(tx, path) {
            None => Err(self.missing(conn, tx, path)),
            Some(n) if self.access(conn.domid, &n.perms).can_read() => Ok(n),
            Some(_) => Err(Errno::AccessDenied),
        }
    }

    fn writable(&mut self, conn: &Conn, tx: u32, path: &str) -> std::result::Result<Node, Errno> {
        match self.node(tx, path) {
            None => Err(self.missing(conn, tx, path)),
            Some(n) if self.access(conn.domid, &n.perms).can_write() => Ok(n),
            Some(_) => Err(Errno::AccessDenied),
        }
    }

    /// Create `path` and its missing parents. The closest existing
    /// ancestor must be writable; new nodes inherit its permissions, and an
    /// unprivileged creator owns what it creates.
    fn create(
        &mut self,
        conn: &Conn,
        tx: u32,
        path: &str,
        value: Vec<u8>,
    ) -> std::result::Result<Node, Errno> {
        let mut missing = vec![path.to_string()];
        let mut cur = parent_of(path);
        let parent = loop {
            let Some(p) = cur else {
                return Err(Errno::NotFound);
            };
            match self.node(tx, p) {
                Some(n) => break (p.to_string(), n),
                None => missing.push(p.to_string()),
            }
            cur = parent_of(p);
        };
        let (mut parent_path, mut parent_node) = parent;
        if !self.access(conn.domid, &parent_node.perms).can_write() {
            return Err(Errno::AccessDenied);
        }
        let mut perms = parent_node.perms.clone();
        if conn.domid != 0 {
            if let Some(owner) = perms.first_mut() {
                owner.domid = conn.domid;
            }
        }
        let mut created = None;
        for p in missing.into_iter().rev() {
            // The parent's children list changes: its generation moves.
            self.put(tx, &parent_path, parent_node.clone());
            let node = Node {
                value: if p == path { value.clone() } else { Vec::new() },
                perms: perms.clone(),
                generation: 0,
            };
            self.put(tx, &p, node);
            parent_node = self.tree(tx).get(&p).cloned().ok_or(Errno::Io)?;
            parent_path = p;
            created = Some(parent_node.clone());
        }
        created.ok_or(Errno::Io)
    }

    fn record(&mut self, tx: u32, change: Change) {
        if let Some(t) = self.transactions.get_mut(&tx) {
            t.changes.push(change);
        } else {
            self.deliver(&change);
        }
    }

    fn deliver(&self, change: &Change) {
        let special = change.path.starts_with('@');
        for w in &self.watches {
            let event_path = if special || w.abs.starts_with('@') {
                (w.abs == change.path).then(|| change.path.clone())
            } else if is_under(&change.path, &w.abs) {
                Some(match &w.home {
                    Some(home) => change
                        .path
                        .strip_prefix(home.as_str())
                        .and_then(|r| r.strip_prefix('/'))
                        .unwrap_or(&change.path)
                        .to_string(),
                    None => change.path.clone(),
                })
            } else if change.removal && is_under(&w.abs, &change.path) {
                Some(w.given.clone())
            } else {
                None
            };
            let Some(event_path) = event_path else {
                continue;
            };
            if !special && !self.access(w.domid, &change.perms).can_read() {
                continue;
            }
            if let Some(bytes) = event_bytes(&event_path, &w.token) {
                // A watcher that went away is cleaned up by its own thread.
                let _ = w.sink.send(bytes);
            }
        }
    }

    fn forget_conn(&mut self, id: u64) {
        self.watches.retain(|w| w.conn != id);
        self.transactions.retain(|_, t| t.conn != id);
    }

    fn start_transaction(&mut self, conn: &Conn) -> std::result::Result<u32, Errno> {
        if self
            .transactions
            .values()
            .filter(|t| t.conn == conn.id)
            .count()
            >= MAX_TRANSACTIONS
        {
            return Err(Errno::NoSpace);
        }
        let mut id = self.next_tx;
        while id == 0 || self.transactions.contains_key(&id) {
            id = id.wrapping_add(1);
        }
        self.next_tx = id.wrapping_add(1);
        self.transactions.insert(
            id,
            Transaction {
                conn: conn.id,
                nodes: self.nodes.clone(),
                seen: BTreeMap::new(),
                changed: BTreeSet::new(),
                changes: Vec::new(),
            },
        );
        Ok(id)
    }

    fn end_transaction(
        &mut self,
        conn: &Conn,
        tx: u32,
        commit: bool,
    ) -> std::result::Result<(), Errno> {
        if tx == 0 {
            return Err(Errno::NotFound);
        }
        self.check_tx(conn, tx)?;
        let t = self.transactions.remove(&tx).ok_or(Errno::NotFound)?;
        if !commit {
            return Ok(());
        }
        let conflict = t
            .seen
            .iter()
            .any(|(path, generation)| self.nodes.get(path).map(|n| n.generation) != *generation);
        if conflict {
            return Err(Errno::Again);
        }
        for path in &t.changed {
            match t.nodes.get(path) {
                Some(n) => {
                    self.nodes.insert(path.clone(), n.clone());
                }
                None => {
                    self.nodes.remove(path);
                }
            }
        }
        for change in &t.changes {
            self.deliver(change);
        }
        Ok(())
    }

    fn execute(
        &mut self,
        conn: &Conn,
        tx: u32,
        req: &Request,
    ) -> std::result::Result<Vec<u8>, Errno> {
        let ok = || Ok(b"OK\0".to_vec());
        let writes = matches!(
            req,
            Request::Write { .. }
                | Request::Mkdir { .. }
                | Request::Rm { .. }
                | Request::SetPerms { .. }
                | Request::Introduce { .. }
                | Request::Release { .. }
                | Request::Resume { .. }
                | Request::SetTarget { .. }
        );
        if writes && conn.read_only {
            return Err(Errno::ReadOnly);
        }
        let privileged_only = matches!(
            req,
            Request::Control(_)
                | Request::Introduce { .. }
                | Request::Release { .. }
                | Request::IsDomainIntroduced { .. }
                | Request::Resume { .. }
                | Request::SetTarget { .. }
        );
        if privileged_only && conn.domid != 0 {
            return Err(Errno::AccessDenied);
        }
        if !matches!(
            req,
            Request::TransactionStart | Request::TransactionEnd { .. }
        ) {
            self.check_tx(conn, tx)?;
        }
        match req {
            Request::Read { path } => {
                let p = self.canon(conn, path)?;
                Ok(self.readable(conn, tx, &p)?.value)
            }
            Request::Write { path, value } => {
                let p = self.canon(conn, path)?;
                let node = match self.node(tx, &p) {
                    Some(_) => {
                        let mut n = self.writable(conn, tx, &p)?;
                        n.value = value.clone();
                        self.put(tx, &p, n.clone());
                        n
                    }
                    None => self.create(conn, tx, &p, value.clone())?,
                };
                self.record(tx, Change::written(p, node.perms));
                ok()
            }
            Request::Mkdir { path } => {
                let p = self.canon(conn, path)?;
                if self.node(tx, &p).is_none() {
                    let node = self.create(conn, tx, &p, Vec::new())?;
                    self.record(tx, Change::written(p, node.perms));
                }
                ok()
            }
            Request::Rm { path } => {
                let p = self.canon(conn, path)?;
                let Some(parent) = parent_of(&p).map(str::to_string) else {
                    return Err(Errno::InvalidArgument);
                };
                let node = match self.node(tx, &p) {
                    Some(_) => self.writable(conn, tx, &p)?,
                    // Removing what is not there succeeds when its parent is.
                    None if self.node(tx, &parent).is_some() => return ok(),
                    None => return Err(self.missing(conn, tx, &p)),
                };
                // Descendants share the prefix "<p>/" and so sit together
                // in the ordered map ("/a-b" sorts between "/a" and "/a/b").
                let prefix = format!("{p}/");
                let mut doomed = vec![p.clone()];
                doomed.extend(
                    self.tree(tx)
                        .range(prefix.clone()..)
                        .take_while(|(k, _)| k.starts_with(&prefix))
                        .map(|(k, _)| k.clone()),
                );
                for k in &doomed {
                    self.touch(tx, k);
                    self.tree(tx).remove(k);
                    if let Some(t) = self.transactions.get_mut(&tx) {
                        t.changed.insert(k.clone());
                    }
                }
                if let Some(parent_node) = self.node(tx, &parent) {
                    self.put(tx, &parent, parent_node);
                }
                self.record(tx, Change::removed(p, node.perms));
                ok()
            }
            Request::Directory { path } => {
                let p = self.canon(conn, path)?;
                self.readable(conn, tx, &p)?;
                let payload = join_strings(&self.children(tx, &p)).map_err(|_| Errno::Io)?;
                if payload.len() > PAYLOAD_MAX {
                    return Err(Errno::TooBig);
                }
                Ok(payload)
            }
            Request::DirectoryPart { path, offset } => {
                let p = self.canon(conn, path)?;
                let node = self.readable(conn, tx, &p)?;
                let children = self.children(tx, &p);
                directory_part(node.generation, &children, *offset)
            }
            Request::GetPerms { path } => {
                let p = self.canon(conn, path)?;
                let node = self.readable(conn, tx, &p)?;
                let strings: Vec<String> = node.perms.iter().map(|p| p.to_string()).collect();
                join_strings(&strings).map_err(|_| Errno::Io)
            }
            Request::SetPerms { path, perms } => {
                let p = self.canon(conn, path)?;
                let mut node = self.writable(conn, tx, &p)?;
                if conn.domid != 0 {
                    // Only the owner may, and it may not give the node away.
                    let owner = node.perms.first().map(|o| o.domid);
                    if owner != Some(conn.domid)
                        || perms.first().map(|o| o.domid) != Some(conn.domid)
                    {
                        return Err(Errno::NotPermitted);
                    }
                }
                node.perms = perms.clone();
                self.put(tx, &p, node);
                self.record(tx, Change::written(p, perms.clone()));
                ok()
            }
            Request::Watch { path, token } => {
                let (abs, home) = if path.starts_with('@') {
                    if !valid_chars(path) || path.len() > REL_PATH_MAX {
                        return Err(Errno::InvalidArgument);
                    }
                    (path.clone(), None)
                } else {
                    let abs = self.canon(conn, path)?;
                    let home = (!path.starts_with('/')).then(|| home_of(conn.domid));
                    (abs, home)
                };
                if self
                    .watches
                    .iter()
                    .any(|w| w.conn == conn.id && w.abs == abs && w.token == *token)
                {
                    return Err(Errno::Exists);
                }
                self.watches.push(Watch {
                    conn: conn.id,
                    domid: conn.domid,
                    given: path.clone(),
                    abs,
                    home,
                    token: token.clone(),
                    sink: conn.sink.clone(),
                });
                ok()
            }
            Request::Unwatch { path, token } => {
                let abs = if path.starts_with('@') {
                    path.clone()
                } else {
                    self.canon(conn, path)?
                };
                let before = self.watches.len();
                self.watches
                    .retain(|w| !(w.conn == conn.id && w.abs == abs && w.token == *token));
                if self.watches.len() == before {
                    return Err(Errno::NotFound);
                }
                ok()
            }
            Request::TransactionStart => {
                if tx != 0 {
                    return Err(Errno::Busy);
                }
                let id = self.start_transaction(conn)?;
                Ok(nul_terminated(&id.to_string()))
            }
            Request::TransactionEnd { commit } => {
                self.end_transaction(conn, tx, *commit)?;
                ok()
            }
            Request::GetDomainPath { domid } => Ok(nul_terminated(&home_of(*domid))),
            Request::Introduce { domid, .. } => {
                if *domid == 0 {
                    return Err(Errno::InvalidArgument);
                }
                if self.introduced.insert(*domid) {
                    self.deliver(&special("@introduceDomain"));
                }
                ok()
            }
            Request::Release { domid } => {
                if *domid == 0 {
                    return Err(Errno::InvalidArgument);
                }
                if !self.introduced.remove(domid) {
                    return Err(Errno::NotFound);
                }
                self.targets.remove(domid);
                self.deliver(&special("@releaseDomain"));
                ok()
            }
            Request::IsDomainIntroduced { domid } => {
                Ok(nul_terminated(if self.introduced.contains(domid) {
                    "T"
                } else {
                    "F"
                }))
            }
            Request::Resume { domid } => {
                if !self.introduced.contains(domid) {
                    return Err(Errno::NotFound);
                }
                ok()
            }
            Request::SetTarget { domid, target } => {
                if !self.introduced.contains(domid) {
                    return Err(Errno::NotFound);
                }
                self.targets.insert(*domid, *target);
                ok()
            }
            Request::ResetWatches => {
                self.forget_conn(conn.id);
                ok()
            }
            Request::Control(args) => match args.first().map(String::as_str) {
                Some("print") => {
                    log::info!("fake xenstored: {}", args[1..].join(" "));
                    ok()
                }
                Some("help") => Ok(nul_terminated("help\nprint <string>\n")),
                _ => Err(Errno::InvalidArgument),
            },
        }
    }
}

fn special(name: &str) -> Change {
    Change::written(name.to_string(), Vec::new())
}

fn event_bytes(path: &str, token: &str) -> Option<Vec<u8>> {
    let payload = encode_watch_event(path, token).ok()?;
    Message::new(MessageType::WatchEvent, 0, 0, payload)
        .encode()
        .ok()
}

/// One `DIRECTORY_PART` reply: as many whole names from `offset` as fit,
/// plus the closing NUL when the list ends in this chunk.
fn directory_part(
    generation: u64,
    children: &[String],
    offset: u64,
) -> std::result::Result<Vec<u8>, Errno> {
    let header_len = generation.to_string().len() + 1;
    let mut start = 0u64;
    let mut first = None;
    for (i, c) in children.iter().enumerate() {
        if start == offset {
            first = Some(i);
            break;
        }
        start += c.len() as u64 + 1;
    }
    let first = match first {
        Some(i) => i,
        None if start == offset => children.len(),
        None => return Err(Errno::InvalidArgument),
    };
    let mut used = header_len;
    let mut chunk = Vec::new();
    let mut complete = true;
    for c in &children[first..] {
        // Room for this name and, at worst, the closing NUL.
        if used + c.len() + 2 > PAYLOAD_MAX {
            complete = false;
            break;
        }
        used += c.len() + 1;
        chunk.push(c.clone());
    }
    DirectoryChunk {
        generation,
        list_len: 0,
        children: chunk,
        complete,
    }
    .encode()
    .map_err(|_| Errno::Io)
}

#[derive(Debug)]
struct Shared {
    store: Mutex<Store>,
    stop: AtomicBool,
    next_conn: AtomicU64,
    /// Served streams by connection id, shut down when the fake stops.
    streams: Mutex<HashMap<u64, UnixStream>>,
    /// Connections accepted on the read-write and the read-only socket.
    accepted: [AtomicU64; 2],
}

impl Shared {
    fn store(&self) -> MutexGuard<'_, Store> {
        // A panicking connection thread must not wedge every other one.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The messages to send for one request: the reply, then for a new
    /// watch its first event (xenstored fires it after the reply).
    fn handle(&self, conn: &Conn, header: Header, payload: &[u8]) -> Vec<Vec<u8>> {
        let Some(kind) = MessageType::from_number(header.kind) else {
            return error_reply(header, &Errno::NotImplemented);
        };
        let req = match Request::decode(kind, payload) {
            Ok(req) => req,
            Err(_) => return error_reply(header, &Errno::InvalidArgument),
        };
        let result = self.store().execute(conn, header.tx_id, &req);
        match result {
            Err(errno) => error_reply(header, &errno),
            Ok(payload) => {
                let reply = Message::new(kind, header.req_id, header.tx_id, payload);
                let Ok(bytes) = reply.encode() else {
                    return error_reply(header, &Errno::TooBig);
                };
                let mut out = vec![bytes];
                if let Request::Watch { path, token } = &req {
                    out.extend(event_bytes(path, token));
                }
                out
            }
        }
    }

    fn serve(self: Arc<Self>, stream: UnixStream, domid: u32, read_only: bool) {
        let (sink, outbox) = mpsc::channel::<Vec<u8>>();
        let conn = Conn {
            id: self.next_conn.fetch_add(1, Ordering::Relaxed),
            domid,
            read_only,
            sink,
        };
        let Ok(mut writer) = stream.try_clone() else {
            return;
        };
        if let Ok(s) = stream.try_clone() {
            self.streams
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(conn.id, s);
        }
        // Replies and events leave through one queue, so their order on the
        // wire is the order they were produced in.
        let writer_thread = thread::spawn(move || {
            for bytes in outbox {
                if writer.write_all(&bytes).is_err() {
                    break;
                }
            }
        });
        let mut reader = stream;
        // A closed stream, an I/O error or an oversized length ends the
        // connection, as xenstored drops a client that breaks the framing.
        while let Ok((header, payload)) = wire::read_frame(&mut reader) {
            let out = self.handle(&conn, header, &payload);
            if out.into_iter().any(|m| conn.sink.send(m).is_err()) {
                break;
            }
        }
        self.store().forget_conn(conn.id);
        self.streams
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&conn.id);
        drop(conn);
        let _ = reader.shutdown(Shutdown::Both);
        let _ = writer_thread.join();
    }
}

fn error_reply(header: Header, errno: &Errno) -> Vec<Vec<u8>> {
    Message::error(header.req_id, header.tx_id, errno)
        .encode()
        .into_iter()
        .collect()
}

/// A guest as Xen 4.17's libxl lays it out in xenstore, for
/// [`FakeXenstored::add_guest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeGuest {
    /// Domain id.
    pub id: u32,
    /// Domain name.
    pub name: String,
    /// Domain UUID (its `/vm/<uuid>` path).
    pub uuid: Uuid,
    /// Current memory target in KiB (`memory/target`).
    pub memory_kib: u64,
    /// Maximum memory in KiB (`memory/static-max`).
    pub max_memory_kib: u64,
    /// Virtual CPUs (`cpu/<n>/availability`).
    pub vcpus: u32,
    /// A fully virtualized guest (else paravirtualized).
    pub hvm: bool,
    /// The console pty xenconsoled wrote (`console/tty`).
    pub tty: Option<String>,
    /// The VNC port the device model wrote (`console/vnc-port`).
    pub vnc_port: Option<u16>,
    /// MAC addresses of the network interfaces, in device order.
    pub macs: Vec<String>,
}

impl FakeGuest {
    /// A 512 MiB, one-vcpu PV guest with a console on `/dev/pts/<id>`.
    pub fn new(id: u32, name: &str, uuid: Uuid) -> Self {
        FakeGuest {
            id,
            name: name.to_string(),
            uuid,
            memory_kib: 524_288,
            max_memory_kib: 524_288,
            vcpus: 1,
            hvm: false,
            tty: Some(format!("/dev/pts/{id}")),
            vnc_port: None,
            macs: Vec::new(),
        }
    }
}

static INSTANCE: AtomicU64 = AtomicU64::new(0);

/// A running fake xenstored. Dropping it stops it and removes its sockets.
#[derive(Debug)]
pub struct FakeXenstored {
    shared: Arc<Shared>,
    dir: PathBuf,
    socket: PathBuf,
    socket_ro: PathBuf,
    acceptors: Vec<JoinHandle<()>>,
    /// Connection for the direct helpers ([`FakeXenstored::write`], ...):
    /// dom0, with no watches.
    admin: Conn,
}

impl FakeXenstored {
    /// Start serving `socket` and `socket_ro` in a fresh temporary
    /// directory.
    pub fn start() -> Result<FakeXenstored> {
        let dir = std::env::temp_dir().join(format!(
            "virt-xenstore-fake-{}-{}",
            std::process::id(),
            INSTANCE.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)?;
        let socket = dir.join("socket");
        let socket_ro = dir.join("socket_ro");
        let shared = Arc::new(Shared {
            store: Mutex::new(Store::new()),
            stop: AtomicBool::new(false),
            next_conn: AtomicU64::new(1),
            streams: Mutex::new(HashMap::new()),
            accepted: [AtomicU64::new(0), AtomicU64::new(0)],
        });
        let mut acceptors = Vec::new();
        for (path, read_only) in [(&socket, false), (&socket_ro, true)] {
            let _ = std::fs::remove_file(path);
            let listener = UnixListener::bind(path)?;
            let shared = Arc::clone(&shared);
            acceptors.push(thread::spawn(move || {
                for stream in listener.incoming() {
                    if shared.stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        shared.accepted[usize::from(read_only)].fetch_add(1, Ordering::SeqCst);
                        let shared = Arc::clone(&shared);
                        thread::spawn(move || shared.serve(stream, 0, read_only));
                    }
                }
            }));
        }
        Ok(FakeXenstored {
            shared,
            dir,
            socket,
            socket_ro,
            acceptors,
            admin: Conn {
                id: 0,
                domid: 0,
                read_only: false,
                sink: mpsc::channel().0,
            },
        })
    }

    /// The read-write socket (what `XENSTORED_PATH` should name).
    pub fn socket_path(&self) -> &Path {
        &self.socket
    }

    /// The read-only socket.
    pub fn socket_ro_path(&self) -> &Path {
        &self.socket_ro
    }

    /// A dom0 client on the read-write socket.
    pub fn connect(&self) -> Result<Client<Transport>> {
        Client::open_path(&self.socket)
    }

    /// A dom0 client on the read-only socket.
    pub fn connect_read_only(&self) -> Result<Client<Transport>> {
        Client::open_path(&self.socket_ro)
    }

    /// A client acting as domain `domid` (as a guest's ring would be):
    /// unprivileged, held to node permissions, relative paths under its
    /// home.
    pub fn connect_as_domain(&self, domid: u32) -> Result<Client<UnixStream>> {
        let (ours, theirs) = UnixStream::pair()?;
        let shared = Arc::clone(&self.shared);
        thread::spawn(move || shared.serve(theirs, domid, false));
        Ok(Client::new(ours))
    }

    fn run(&self, req: Request) -> Result<Vec<u8>> {
        let kind = req.kind();
        self.shared
            .store()
            .execute(&self.admin, 0, &req)
            .map_err(|errno| crate::XsError::Daemon {
                kind,
                path: req.subject(),
                errno,
            })
    }

    /// Write a node as dom0 (watches fire).
    pub fn write(&self, path: &str, value: &str) -> Result<()> {
        self.run(Request::Write {
            path: path.into(),
            value: value.as_bytes().to_vec(),
        })
        .map(drop)
    }

    /// Create an empty node as dom0.
    pub fn mkdir(&self, path: &str) -> Result<()> {
        self.run(Request::Mkdir { path: path.into() }).map(drop)
    }

    /// Remove a subtree as dom0.
    pub fn rm(&self, path: &str) -> Result<()> {
        self.run(Request::Rm { path: path.into() }).map(drop)
    }

    /// Set a node's permissions as dom0.
    pub fn set_perms(&self, path: &str, perms: &[Permission]) -> Result<()> {
        self.run(Request::SetPerms {
            path: path.into(),
            perms: perms.to_vec(),
        })
        .map(drop)
    }

    /// A node's value, if it exists.
    pub fn read(&self, path: &str) -> Option<Vec<u8>> {
        self.run(Request::Read { path: path.into() }).ok()
    }

    /// A node's permissions, if it exists.
    pub fn perms(&self, path: &str) -> Option<Vec<Permission>> {
        let raw = self.run(Request::GetPerms { path: path.into() }).ok()?;
        let strings = wire::split_strings(MessageType::GetPerms, &raw).ok()?;
        wire::parse_perms(MessageType::GetPerms, &strings).ok()
    }

    /// Every node path, in order (for assertions).
    pub fn paths(&self) -> Vec<String> {
        self.shared.store().nodes.keys().cloned().collect()
    }

    /// Open transactions (for assertions).
    pub fn open_transactions(&self) -> usize {
        self.shared.store().transactions.len()
    }

    /// How many connections the read-only socket (`read_only`) or the
    /// read-write socket accepted so far (for assertions about which
    /// socket a client used).
    pub fn connections_accepted(&self, read_only: bool) -> u64 {
        self.shared.accepted[usize::from(read_only)].load(Ordering::SeqCst)
    }

    /// Close every client connection, as a restarting xenstored does;
    /// the store keeps its contents. Returns how many were closed.
    pub fn drop_connections(&self) -> usize {
        let streams = self
            .shared
            .streams
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        for s in streams.values() {
            let _ = s.shutdown(Shutdown::Both);
        }
        streams.len()
    }

    /// Registered watches (for assertions).
    pub fn watch_count(&self) -> usize {
        self.shared.store().watches.len()
    }

    /// The node the tests read: Domain-0 with 4 GiB, a 2-vCPU PV guest
    /// `debian-pv` (id 3, 256 of 512 MiB, two NICs, a console) and an
    /// HVM guest `win-hvm` (id 12, 1 of 2 GiB, VNC on 5901, no console).
    pub fn sample() -> Result<FakeXenstored> {
        let fake = FakeXenstored::start()?;
        fake.populate_dom0(4_194_304)?;
        let mut pv = FakeGuest::new(
            3,
            "debian-pv",
            Uuid::from_u128(0x4dea22b3_1d52_d8f3_2516_782e98ab3fa0),
        );
        pv.vcpus = 2;
        pv.memory_kib = 262_144;
        pv.macs = vec!["00:16:3e:5d:c7:9e".into(), "00:16:3e:00:00:01".into()];
        fake.add_guest(&pv)?;
        let mut hvm = FakeGuest::new(
            12,
            "win-hvm",
            Uuid::from_u128(0x8a6a5f2e_7b1c_4d3e_9f00_112233445566),
        );
        hvm.hvm = true;
        hvm.memory_kib = 1_048_576;
        hvm.max_memory_kib = 2_097_152;
        hvm.vnc_port = Some(5901);
        hvm.tty = None;
        fake.add_guest(&hvm)?;
        Ok(fake)
    }

    /// Lay out dom0 as `xen-init-dom0` and xl leave it on Xen 4.17.
    pub fn populate_dom0(&self, memory_kib: u64) -> Result<()> {
        let d = "/local/domain/0";
        self.mkdir("/local")?;
        self.mkdir("/local/domain")?;
        self.write(&format!("{d}/domid"), "0")?;
        self.write(&format!("{d}/name"), "Domain-0")?;
        self.write(&format!("{d}/memory/target"), &memory_kib.to_string())?;
        self.write(&format!("{d}/memory/static-max"), &memory_kib.to_string())?;
        self.mkdir(&format!("{d}/control"))?;
        self.write(&format!("{d}/control/feature-poweroff"), "1")?;
        self.write(&format!("{d}/control/feature-reboot"), "1")?;
        self.write(&format!("{d}/control/feature-suspend"), "1")?;
        self.mkdir(&format!("{d}/device-model/0"))?;
        self.write(&format!("{d}/device-model/0/state"), "running")?;
        self.mkdir(&format!("{d}/backend"))?;
        self.mkdir("/vm")?;
        self.mkdir("/libxl")?;
        Ok(())
    }

    /// Lay out a running guest as libxl (and xenconsoled, and the device
    /// model) do on Xen 4.17, then introduce it (firing
    /// `@introduceDomain`).
    pub fn add_guest(&self, g: &FakeGuest) -> Result<()> {
        let id = g.id;
        let d = home_of(id);
        let vm = format!("/vm/{}", g.uuid);
        let dom0_only_read = [
            Permission::new(Access::None, 0),
            Permission::new(Access::Read, id),
        ];
        let guest_owned = [Permission::new(Access::None, id)];
        self.mkdir(&d)?;
        self.set_perms(&d, &dom0_only_read)?;
        self.mkdir(&vm)?;
        self.set_perms(&vm, &dom0_only_read)?;
        self.write(&format!("{vm}/uuid"), &g.uuid.to_string())?;
        self.write(&format!("{vm}/name"), &g.name)?;
        self.write(
            &format!("{vm}/image/ostype"),
            if g.hvm { "hvm" } else { "linux" },
        )?;
        self.write(&format!("{vm}/start_time"), "1700000000.00")?;
        self.write(&format!("{d}/vm"), &vm)?;
        self.write(&format!("{d}/name"), &g.name)?;
        self.write(&format!("{d}/domid"), &id.to_string())?;
        for cpu in 0..g.vcpus {
            self.write(&format!("{d}/cpu/{cpu}/availability"), "online")?;
        }
        self.write(
            &format!("{d}/memory/static-max"),
            &g.max_memory_kib.to_string(),
        )?;
        self.write(&format!("{d}/memory/target"), &g.memory_kib.to_string())?;
        self.write(
            &format!("{d}/memory/videoram"),
            if g.hvm { "8192" } else { "-1" },
        )?;
        for sub in ["control", "data", "drivers", "feature", "attr", "error"] {
            self.mkdir(&format!("{d}/{sub}"))?;
            if sub != "control" {
                self.set_perms(&format!("{d}/{sub}"), &guest_owned)?;
            }
        }
        self.write(&format!("{d}/control/shutdown"), "")?;
        self.set_perms(&format!("{d}/control/shutdown"), &guest_owned)?;
        self.write(
            &format!("{d}/control/platform-feature-multiprocessor-suspend"),
            "1",
        )?;
        self.write(
            &format!("{d}/control/platform-feature-xs_reset_watches"),
            "1",
        )?;
        self.write(&format!("{d}/store/port"), "1")?;
        self.write(&format!("{d}/store/ring-ref"), "1044476")?;
        let console = format!("{d}/console");
        self.write(
            &format!("{console}/backend"),
            &format!("/local/domain/0/backend/console/{id}/0"),
        )?;
        self.write(&format!("{console}/backend-id"), "0")?;
        self.write(&format!("{console}/limit"), "1048576")?;
        self.write(&format!("{console}/type"), "xenconsoled")?;
        self.write(&format!("{console}/output"), "pty")?;
        self.write(&format!("{console}/port"), "2")?;
        self.write(&format!("{console}/ring-ref"), "1044477")?;
        if let Some(tty) = &g.tty {
            self.write(&format!("{console}/tty"), tty)?;
        }
        if let Some(port) = g.vnc_port {
            self.write(&format!("{console}/vnc-port"), &port.to_string())?;
        }
        for (n, mac) in g.macs.iter().enumerate() {
            let front = format!("{d}/device/vif/{n}");
            let back = format!("/local/domain/0/backend/vif/{id}/{n}");
            self.write(&format!("{front}/backend"), &back)?;
            self.write(&format!("{front}/backend-id"), "0")?;
            self.write(&format!("{front}/handle"), &n.to_string())?;
            self.write(&format!("{front}/mac"), mac)?;
            self.write(&format!("{front}/state"), "4")?;
            self.write(&format!("{back}/frontend"), &front)?;
            self.write(&format!("{back}/frontend-id"), &id.to_string())?;
            self.write(&format!("{back}/online"), "1")?;
            self.write(&format!("{back}/state"), "4")?;
            self.write(&format!("{back}/script"), "/etc/xen/scripts/vif-bridge")?;
            self.write(&format!("{back}/mac"), mac)?;
            self.write(&format!("{back}/bridge"), "xenbr0")?;
            self.write(&format!("{back}/handle"), &n.to_string())?;
            self.write(&format!("{back}/type"), "vif")?;
        }
        self.write(
            &format!("/libxl/{id}/type"),
            if g.hvm { "hvm" } else { "pv" },
        )?;
        self.write(&format!("/libxl/{id}/dm-version"), "qemu_xen")?;
        self.run(Request::Introduce {
            domid: id,
            mfn: 1_044_476,
            port: 1,
        })
        .map(drop)
    }

    /// Remove a guest as libxl does when it dies, then release it (firing
    /// `@releaseDomain`).
    pub fn remove_guest(&self, id: u32) -> Result<()> {
        let d = home_of(id);
        if let Some(vm) = self.read(&format!("{d}/vm")) {
            self.rm(&String::from_utf8_lossy(&vm))?;
        }
        for path in [
            d,
            format!("/local/domain/0/backend/vif/{id}"),
            format!("/libxl/{id}"),
        ] {
            match self.rm(&path) {
                // A guest without network devices has no backend tree.
                Err(e) if e.is_not_found() => {}
                other => other?,
            }
        }
        self.run(Request::Release { domid: id }).map(drop)
    }
}

impl Drop for FakeXenstored {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the acceptors so they see the flag.
        let _ = UnixStream::connect(&self.socket);
        let _ = UnixStream::connect(&self.socket_ro);
        for a in self.acceptors.drain(..) {
            let _ = a.join();
        }
        for s in self
            .shared
            .streams
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
        {
            let _ = s.1.shutdown(Shutdown::Both);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests;
