//! The debug API over TCP, for `gene run --debug-port N` and an adapter's `attach`.
//!
//! One JSON object per line. Tool -> VM: `{"id": N, "command": Command}`.
//! VM -> tool: `{"reply": {"id": N, "reply": Reply}}` or `{"event": Event}`. The same
//! plain data the in-process [`Client`] carries, so an attached session works the same.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{Client, Command, Event, EventSink, Reply, ReplyFn};

/// Something commands can be sent to: the VM in this process or one over TCP.
pub trait Backend: Send + Sync {
    fn send(&self, command: Command, reply: ReplyFn);
}

impl Backend for Client {
    fn send(&self, command: Command, reply: ReplyFn) {
        Client::send(self, command, reply)
    }
}

#[derive(Serialize, Deserialize)]
struct ToVm {
    id: u64,
    command: Command,
}

#[derive(Serialize, Deserialize)]
enum FromVm {
    #[serde(rename = "reply")]
    Reply { id: u64, reply: Reply },
    #[serde(rename = "event")]
    Event(Event),
}

fn write_line(w: &Mutex<Option<TcpStream>>, msg: &FromVm) {
    let Ok(mut line) = serde_json::to_string(msg) else {
        return;
    };
    line.push('\n');
    if let Ok(mut g) = w.lock() {
        if let Some(s) = g.as_mut() {
            if s.write_all(line.as_bytes()).is_err() {
                *g = None;
            }
        }
    }
}

/// The VM side: accepts tools on `port` one after another and forwards their commands
/// to `client`. Returns the bound port and the event sink the VM must report to.
/// Events go to the connected tool (none connected: only `local` sees them).
pub fn serve(port: u16, client: Client, local: EventSink) -> std::io::Result<(u16, EventSink)> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
    let port = listener.local_addr()?.port();
    let conn: Arc<Mutex<Option<TcpStream>>> = Arc::new(Mutex::new(None));
    let events_conn = conn.clone();
    let sink: EventSink = Arc::new(move |e: Event| {
        local(e.clone());
        write_line(&events_conn, &FromVm::Event(e));
    });
    std::thread::Builder::new()
        .name("gene-debug-port".into())
        .spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let _ = stream.set_nodelay(true);
                let Ok(writer) = stream.try_clone() else {
                    continue;
                };
                if let Ok(mut g) = conn.lock() {
                    *g = Some(writer);
                }
                serve_tool(stream, &client, &conn);
                if let Ok(mut g) = conn.lock() {
                    *g = None;
                }
                // The tool left: forget its breakpoints and let the program run.
                client.send(Command::Detach, |_| {});
            }
        })?;
    Ok((port, sink))
}

fn serve_tool(stream: TcpStream, client: &Client, conn: &Arc<Mutex<Option<TcpStream>>>) {
    let reader = BufReader::new(stream);
    for line in reader.lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        let Ok(msg) = serde_json::from_str::<ToVm>(&line) else {
            continue;
        };
        let conn = conn.clone();
        let id = msg.id;
        client.send(msg.command, move |reply| {
            write_line(&conn, &FromVm::Reply { id, reply });
        });
    }
}

type Pending = Arc<Mutex<HashMap<u64, ReplyFn>>>;

/// The tool side of a TCP debug connection.
pub struct RemoteClient {
    writer: Mutex<TcpStream>,
    pending: Pending,
    next: AtomicU64,
}

impl RemoteClient {
    /// Connects (retrying up to `patience`); events go to `events`. When the connection
    /// ends without the program having exited, `Exited(0)` is reported.
    pub fn connect(
        addr: &str,
        patience: Duration,
        events: EventSink,
    ) -> Result<RemoteClient, String> {
        let deadline = Instant::now() + patience;
        let addrs: Vec<_> = addr
            .to_socket_addrs()
            .map_err(|e| format!("Bad address {addr}: {e}"))?
            .collect();
        let stream = loop {
            match addrs.iter().find_map(|a| TcpStream::connect(a).ok()) {
                Some(s) => break s,
                None if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
                None => return Err(format!("Cannot connect to a Gene program at {addr}")),
            }
        };
        let _ = stream.set_nodelay(true);
        let reader = stream
            .try_clone()
            .map_err(|e| format!("Cannot use the connection: {e}"))?;
        let pending: Pending = Arc::new(Mutex::new(HashMap::new()));
        let p = pending.clone();
        std::thread::Builder::new()
            .name("gene-debug-remote".into())
            .spawn(move || {
                let mut exited = false;
                for line in BufReader::new(reader).lines() {
                    let Ok(line) = line else { break };
                    match serde_json::from_str::<FromVm>(&line) {
                        Ok(FromVm::Reply { id, reply }) => {
                            let f = p.lock().ok().and_then(|mut m| m.remove(&id));
                            if let Some(f) = f {
                                f(reply);
                            }
                        }
                        Ok(FromVm::Event(e)) => {
                            exited |= matches!(e, Event::Exited(_));
                            events(e);
                        }
                        Err(_) => {}
                    }
                }
                let left: Vec<ReplyFn> = p
                    .lock()
                    .map(|mut m| m.drain().map(|(_, f)| f).collect())
                    .unwrap_or_default();
                for f in left {
                    f(Reply::Error("the program is not running".into()));
                }
                if !exited {
                    events(Event::Exited(0));
                }
            })
            .map_err(|e| format!("Cannot start a thread: {e}"))?;
        Ok(RemoteClient {
            writer: Mutex::new(stream),
            pending,
            next: AtomicU64::new(1),
        })
    }
}

impl Backend for RemoteClient {
    fn send(&self, command: Command, reply: ReplyFn) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut m) = self.pending.lock() {
            m.insert(id, reply);
        }
        let ok = serde_json::to_string(&ToVm { id, command })
            .ok()
            .and_then(|mut line| {
                line.push('\n');
                let mut w = self.writer.lock().ok()?;
                w.write_all(line.as_bytes()).ok()
            })
            .is_some();
        if !ok {
            let f = self.pending.lock().ok().and_then(|mut m| m.remove(&id));
            if let Some(f) = f {
                f(Reply::Error("the program is not running".into()));
            }
        }
    }
}

impl Drop for RemoteClient {
    fn drop(&mut self) {
        if let Ok(w) = self.writer.lock() {
            let _ = w.shutdown(std::net::Shutdown::Both);
        }
    }
}
