use super::*;

#[test]
fn backoff_doubles_from_the_first_wait() {
    assert_eq!(backoff(2000, 1), Duration::from_millis(2000));
    assert_eq!(backoff(2000, 2), Duration::from_millis(4000));
    assert_eq!(backoff(2000, 4), Duration::from_millis(16000));
}

fn settings(max_attempts: u32) -> MailSettings {
    MailSettings {
        from: "monitor@noorderkwartier.example".into(),
        reply_to: None,
        smtp: None,
        max_attempts,
        backoff_ms: 10,
        alert_to: None,
    }
}

fn key() -> MailKey {
    MailKey {
        tenant: "t".into(),
        quarter: "2024Q4".into(),
        version: 1,
        document: "raadsmemo".into(),
        recipient: "raad@noorderkwartier.example".into(),
    }
}

/// What happens in one scripted attempt: whether the whole message went to the server
/// before the result.
struct Attempt {
    handed_over: bool,
    result: Result<(), SendError>,
}

fn ok() -> Attempt {
    Attempt {
        handed_over: true,
        result: Ok(()),
    }
}

/// Runs the retry loop against scripted attempts; returns its outcome, whether the mail
/// was marked as possibly doubled, the waits and the ledger's record.
fn scripted(
    max_attempts: u32,
    attempts: Vec<Attempt>,
) -> (
    (MailOutcome, u32, Option<String>),
    bool,
    Vec<Duration>,
    crate::ledger::MailRecord,
) {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(dir.path(), Duration::from_secs(1)).unwrap();
    let run = ledger
        .start_run(
            "t",
            "2024Q4".parse().unwrap(),
            crate::ledger::Trigger::Manual,
        )
        .unwrap();
    ledger
        .queue_mail(
            run,
            &key(),
            "<id@x>",
            "monitor@noorderkwartier.example",
            b"m",
        )
        .unwrap();
    let dummy = tempfile::tempdir().unwrap();
    let mail = settings(max_attempts);
    let transport = Transport::new(&mail, dummy.path()).unwrap();
    let waits = std::cell::RefCell::new(Vec::new());
    let sleep = |d: Duration| waits.borrow_mut().push(d);
    let sender = Sender {
        ledger: &ledger,
        transport: &transport,
        mail: &mail,
        sleep: &sleep,
    };
    let attempts = std::cell::RefCell::new(attempts.into_iter());
    let mut doubtful = false;
    let out = send_with_retries(&sender, run, &key(), &mut doubtful, |handed_over| {
        let a = attempts
            .borrow_mut()
            .next()
            .expect("no more attempts scripted");
        if a.handed_over {
            handed_over();
        }
        a.result
    })
    .unwrap();
    let record = ledger.mail(&key()).unwrap().unwrap();
    (out, doubtful, waits.into_inner(), record)
}

#[test]
fn a_temporary_failure_is_retried_with_backoff_then_sent() {
    let (out, doubtful, waits, record) = scripted(
        5,
        vec![
            Attempt {
                handed_over: false,
                result: Err(SendError::Temporary("451 try later".into())),
            },
            Attempt {
                handed_over: false,
                result: Err(SendError::Temporary("connection reset".into())),
            },
            ok(),
        ],
    );
    assert_eq!((out.0, out.1, doubtful), (MailOutcome::Sent, 3, false));
    assert_eq!(
        waits,
        [Duration::from_millis(10), Duration::from_millis(20)]
    );
    assert_eq!((record.state, record.attempts), (MailState::Sent, 3));
    assert!(!record.doubtful);
}

#[test]
fn a_drop_after_the_server_had_the_message_is_sent_once_more_and_marked() {
    let (out, doubtful, waits, record) = scripted(
        5,
        vec![
            Attempt {
                handed_over: true,
                result: Err(SendError::Uncertain("connection reset after DATA".into())),
            },
            ok(),
        ],
    );
    assert_eq!((out.0, out.1, doubtful), (MailOutcome::Sent, 2, true));
    assert_eq!(waits.len(), 1);
    assert_eq!((record.state, record.attempts), (MailState::Sent, 2));
    assert!(record.doubtful, "history shows it may have arrived twice");
}

#[test]
fn a_permanent_failure_is_not_retried() {
    let (out, _, waits, record) = scripted(
        5,
        vec![Attempt {
            handed_over: false,
            result: Err(SendError::Permanent("550 no such user".into())),
        }],
    );
    assert_eq!((out.0, out.1), (MailOutcome::Failed, 1));
    assert!(waits.is_empty());
    assert_eq!((record.state, record.attempts), (MailState::Failed, 1));
    assert!(record.error.unwrap().contains("550"));
}

#[test]
fn temporary_failures_give_up_at_the_limit() {
    let attempt = || Attempt {
        handed_over: false,
        result: Err(SendError::Temporary("451".into())),
    };
    let (out, _, waits, record) = scripted(3, vec![attempt(), attempt(), attempt()]);
    assert_eq!((out.0, out.1), (MailOutcome::Failed, 3));
    assert_eq!(waits.len(), 2);
    assert_eq!(record.state, MailState::Failed);
    assert!(out.2.unwrap().contains("gave up after 3 attempts"));
}

/// A small correction withholds whole periods: the council's list names each period once
/// instead of a line per withheld cell, and still lists every other change.
#[test]
fn a_correction_that_withholds_whole_periods_lists_them_once() {
    use crate::disclose::{Audience, Shown, View};
    use crate::figures::{FigureKey, Indicator, Value};
    use crate::publish::CellChange;
    let view = View::from_cells(Audience::Openbaar, 5, []);
    let change = |category: String, period: &str, new| CellChange {
        key: FigureKey::new(Indicator::Team, category, period),
        old: Some(Shown::Value(Value::Count(40))),
        new: Some(new),
    };
    let few: Vec<CellChange> = (0..3)
        .map(|i| change(format!("t{i}"), "2024Q1-Q4", Shown::Withheld))
        .collect();
    assert_eq!(message::change_lines(&view, &few).len(), 3);
    let mut many: Vec<CellChange> = (0..20)
        .map(|i| {
            let period = if i % 2 == 0 { "2024Q1-Q4" } else { "2024Q4" };
            change(format!("t{i}"), period, Shown::Withheld)
        })
        .collect();
    many.push(change(
        "t99".into(),
        "2024Q1-Q4",
        Shown::Value(Value::Count(50)),
    ));
    let lines = message::change_lines(&view, &many);
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(lines[0].ends_with(": 40 → 50"), "{lines:#?}");
    assert!(
        lines[1].starts_with("- 1 januari t/m 31 december 2024: een deel van de cijfers"),
        "{lines:#?}"
    );
    assert!(lines[2].starts_with("- Q4 2024: "), "{lines:#?}");
}

/// A public edition's list shows a mean as its documents do (one decimal): a mean that moved
/// in its second decimal reads the same there and is no line; the internal list shows it
/// with the second decimal.
#[test]
fn a_public_list_shows_means_as_the_documents_do() {
    use crate::disclose::{Audience, Shown, View};
    use crate::figures::{FigureKey, Indicator, Value};
    use crate::publish::CellChange;
    let mean = |old: f64, new: f64| CellChange {
        key: FigureKey::total(Indicator::Wachttijd, "2024Q1-Q4"),
        old: Some(Shown::Value(Value::Mean(old))),
        new: Some(Shown::Value(Value::Mean(new))),
    };
    let public = View::from_cells(Audience::Openbaar, 5, []);
    let internal = View::from_cells(Audience::Intern, 5, []);
    let changes = [mean(181.81, 181.84), mean(12.0, 14.26)];
    let lines = message::change_lines(&public, &changes);
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(lines[0].ends_with(": 12,0 → 14,3"), "{lines:#?}");
    let lines = message::change_lines(&internal, &changes);
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(lines[0].ends_with(": 181,81 → 181,84"), "{lines:#?}");
}
