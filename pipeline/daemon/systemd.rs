//! systemd's notify protocol: readiness, a STATUS line saying what the daemon does, and
//! watchdog pings. Outside systemd (`NOTIFY_SOCKET` unset) every call does nothing.

use std::time::Duration;

use sd_notify::NotifyState;

pub fn ready() {
    let _ = sd_notify::notify(false, &[NotifyState::Ready, NotifyState::Status("ready")]);
}

pub fn status(text: &str) {
    let _ = sd_notify::notify(false, &[NotifyState::Status(text)]);
}

pub fn stopping() {
    let _ = sd_notify::notify(
        false,
        &[NotifyState::Stopping, NotifyState::Status("stopping")],
    );
}

/// Pings the watchdog at half its interval when `WATCHDOG_USEC` asks for it. The pings come
/// from the async runtime, which runs publications on separate blocking threads: a ping
/// that stops means the scheduler itself hangs, which is what the watchdog is for.
pub fn spawn_watchdog() -> Option<tokio::task::JoinHandle<()>> {
    let mut usec = 0;
    if !sd_notify::watchdog_enabled(false, &mut usec) || usec == 0 {
        return None;
    }
    let every = Duration::from_micros(usec / 2);
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let _ = sd_notify::notify(false, &[NotifyState::Watchdog]);
        }
    }))
}
