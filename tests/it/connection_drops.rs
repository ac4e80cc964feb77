//! The mail server's connection dropped at every moment of the conversation. A proxy
//! between the pipeline and the test SMTP server forwards what each side sends and counts
//! *turns*: a turn is what one side sends before the other answers (the greeting, EHLO,
//! STARTTLS, each flight of the TLS handshake, AUTH, MAIL, RCPT, DATA, the message and its
//! final dot, the server's answer to it, QUIT, …), numbered over every connection of a run.
//! Read sizes vary from run to run, turns do not. The proxy cuts the connection at the
//! start of turn n and, in the turns that carry a message, also after their first read, for n = 1, 2, … until a run has fewer turns. After each cut the run, or the
//! next one, delivers every mail, and a recipient has it exactly once, twice only when the
//! server stored the message over the cut connection (the client may not know it arrived),
//! with one Message-ID.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::common::{SmtpServer, history};
use crate::fault_matrix::{config_for_case, mails, recorded_sent, run};

/// Where in a run's conversations: (turn, read within the turn), both counted from 0.
type Moment = (usize, usize);

#[derive(Default)]
struct Cut {
    /// The first moment at or after which the connection is cut; `None`: never.
    at: Option<Moment>,
    /// The turn now, the read within it, and whose turn it is (connection, direction).
    now: Option<(Moment, (usize, bool))>,
    /// The turns so far.
    turns: Vec<Turn>,
    /// The cut happened: the port the server saw the cut connection come from.
    cut_port: Option<u16>,
}

/// What one side sent before the other answered.
#[derive(Clone, Copy, Debug)]
struct Turn {
    connection: usize,
    towards_server: bool,
    reads: usize,
    bytes: usize,
}

impl Cut {
    /// One more read of `bytes` by `side`: the moment it is.
    fn read(&mut self, side: (usize, bool), bytes: usize) -> Moment {
        let moment = match self.now {
            Some(((turn, n), last)) if last == side => (turn, n + 1),
            Some(((turn, _), _)) => (turn + 1, 0),
            None => (0, 0),
        };
        self.now = Some((moment, side));
        if self.turns.len() <= moment.0 {
            self.turns.push(Turn {
                connection: side.0,
                towards_server: side.1,
                reads: 0,
                bytes: 0,
            });
        }
        let turn = &mut self.turns[moment.0];
        turn.reads += 1;
        turn.bytes += bytes;
        moment
    }
}

/// A TCP proxy to the SMTP server that cuts one connection at one moment.
struct Proxy {
    port: u16,
    cut: Arc<Mutex<Cut>>,
}

impl Proxy {
    fn start(server: &SmtpServer) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let cut = Arc::new(Mutex::new(Cut::default()));
        let upstream = server.port;
        let shared = cut.clone();
        std::thread::spawn(move || {
            for (connection, client) in listener.incoming().enumerate() {
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    continue;
                };
                for (from, to, towards_server) in [
                    (
                        client.try_clone().unwrap(),
                        server.try_clone().unwrap(),
                        true,
                    ),
                    (
                        server.try_clone().unwrap(),
                        client.try_clone().unwrap(),
                        false,
                    ),
                ] {
                    let (cut, client, server) = (
                        shared.clone(),
                        client.try_clone().unwrap(),
                        server.try_clone().unwrap(),
                    );
                    let side = (connection, towards_server);
                    std::thread::spawn(move || pump((from, to, side), &cut, (&client, &server)));
                }
            }
        });
        Proxy { port, cut }
    }

    /// Cut at the first moment at or after `at` from now on (`None`: only count turns).
    fn arm(&self, at: Option<Moment>) {
        *self.cut.lock().unwrap() = Cut {
            at,
            ..Cut::default()
        };
    }

    /// Whether the cut happened: the port the server saw the cut connection come from.
    fn happened(&self) -> Option<u16> {
        self.cut.lock().unwrap().cut_port
    }

    /// The turns since `arm`.
    fn turns(&self) -> Vec<Turn> {
        self.cut.lock().unwrap().turns.clone()
    }
}

fn pump(
    (mut from, mut to, side): (TcpStream, TcpStream, (usize, bool)),
    cut: &Mutex<Cut>,
    (client, server): (&TcpStream, &TcpStream),
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut c = cut.lock().unwrap();
        let moment = c.read(side, n);
        if c.cut_port.is_none() && c.at.is_some_and(|at| moment >= at) {
            // What the server received before the cut it may still store; which messages
            // came over this connection it says itself (`peer_port`), once the runs are over.
            c.cut_port = Some(server.local_addr().map_or(0, |a| a.port()));
            let _ = client.shutdown(Shutdown::Both);
            let _ = server.shutdown(Shutdown::Both);
            break;
        }
        drop(c);
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

/// One run with the connection cut at `at` (`None`: not cut), put right by the next run
/// where it gave a mail up. Returns, if the cut happened, the recipients of the messages
/// the server stored over the cut connection (the client cannot know they arrived).
fn case(
    server: &SmtpServer,
    proxy: &Proxy,
    dir: &Path,
    n: usize,
    at: Option<Moment>,
    answers: &[usize],
) -> Option<Vec<String>> {
    let what = format!("case {n}, cut at (turn, read) {at:?}");
    let case = dir.join(format!("case{n}"));
    std::fs::create_dir_all(&case).unwrap();
    let mail = server.mail_config().replace(
        &format!("port = {}", server.port),
        &format!("port = {}", proxy.port),
    );
    let (config, a, b) = config_for_case(&case, &mail, &format!("d{n}"));
    proxy.arm(at);
    let first = run(&config, None);
    let cut = proxy.happened();
    if at.is_some() {
        proxy.arm(None);
    }
    let recipients = [a.as_str(), b.as_str()];
    let sent = || {
        let recorded = recorded_sent(&config);
        recipients
            .iter()
            .all(|r| recorded.contains(&(1, r.to_string())))
    };
    if cut.is_none() {
        assert!(
            first.status.success() && sent(),
            "{what}: not cut, and not delivered: {}",
            String::from_utf8_lossy(&first.stderr)
        );
    } else if !sent() {
        // A mail the run gave up on is the next run's (the daemon's retry).
        let again = run(&config, None);
        assert!(
            again.status.success() && sent(),
            "{what}: {}{}",
            String::from_utf8_lossy(&again.stderr),
            history(&config, Some("2024Q4"))
        );
    }
    let in_doubt: Option<Vec<String>> = cut.map(|port| {
        server
            .messages()
            .iter()
            .filter(|m| m["peer_port"].as_u64() == Some(u64::from(port)))
            .filter_map(|m| m["rcpt_tos"][0].as_str().map(str::to_string))
            .collect()
    });
    let have = mails(server, &recipients);
    for rcpt in recipients {
        let copies = have
            .iter()
            .find(|(v, r, _)| *v == 1 && r == rcpt)
            .map(|(_, _, ids)| ids.clone())
            .unwrap_or_default();
        // A second copy only where the server stored the message over the cut connection
        // and the cut kept its answer from the client; a client that read the answer knows.
        let doubt = at.is_some_and(|(turn, _)| answers.contains(&turn))
            && in_doubt.iter().flatten().any(|r| r == rcpt);
        let allowed = if doubt { 2 } else { 1 };
        assert!(
            !copies.is_empty() && copies.len() <= allowed,
            "{what}: {rcpt} has v1 {} times (its answer to the final dot cut: {doubt})",
            copies.len()
        );
        assert!(
            copies.iter().all(|id| *id == copies[0]),
            "{what}: one Message-ID"
        );
    }
    in_doubt
}

#[test]
fn a_connection_dropped_at_any_moment_of_the_conversation_leaves_every_recipient_one_copy() {
    let dir = tempfile::tempdir().unwrap();
    let server = SmtpServer::start(&dir.path().join("smtp"));
    let proxy = Proxy::start(&server);
    // A run not cut, to count its turns.
    case(&server, &proxy, dir.path(), 0, None, &[]);
    let turns = proxy.turns();
    assert!(
        turns.len() > 30,
        "only {} turns in a run's conversations: the proxy saw no mail",
        turns.len()
    );
    let moments: Vec<Moment> = turns
        .iter()
        .enumerate()
        .flat_map(|(i, turn)| {
            // Within a turn only the messages' reads are many in every run.
            std::iter::once((i, 0)).chain((turn.bytes > 10_000).then_some((i, 1)))
        })
        .collect();
    // The server's answer to each message: the turn after the largest the client sent over
    // a connection (the message and its final dot).
    let mut answers = Vec::new();
    for connection in turns
        .iter()
        .map(|t| t.connection)
        .collect::<std::collections::BTreeSet<_>>()
    {
        let message = (0..turns.len())
            .filter(|&i| turns[i].connection == connection && turns[i].towards_server)
            .max_by_key(|&i| turns[i].bytes);
        if let Some(i) = message.filter(|&i| turns[i].bytes > 10_000) {
            answers.push(i + 1);
        }
    }
    assert_eq!(answers.len(), 2, "a message per document: {turns:?}");
    // Cuts of the answer to a final dot, the server having stored the message: one per
    // message, or the sweep missed the moment that matters most.
    let mut doubtful = 0;
    for (n, at) in moments.iter().enumerate() {
        let in_doubt = case(&server, &proxy, dir.path(), n + 1, Some(*at), &answers);
        let in_doubt = in_doubt.unwrap_or_else(|| panic!("{at:?}: never reached"));
        doubtful += usize::from(answers.contains(&at.0) && !in_doubt.is_empty());
    }
    assert_eq!(
        doubtful,
        answers.len(),
        "cuts of the answer to a final dot after the server had the message"
    );
    eprintln!(
        "cut at {} moments of {} turns, {doubtful} after the server had the message",
        moments.len(),
        turns.len()
    );
}
