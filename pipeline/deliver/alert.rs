//! The operations alert for a failed scheduled run (`[mail] alert_to`).

use std::path::Path;

use lettre::address::Envelope;

use super::transport::{SendError, Transport};
use super::{DeliverError, MailSettings, backoff, mailbox};
use crate::Quarter;

/// Who a failed run's alert is about.
pub struct Alert<'a> {
    pub tenant: &'a str,
    pub organisation: &'a str,
    pub municipality: &'a str,
    pub quarter: Quarter,
    pub error: &'a str,
}

/// Tells the operations address (`[mail] alert_to`) that a run failed. Returns false when no
/// alert address is configured. The daemon calls this for failed scheduled runs.
pub fn send_alert(
    mail: Option<&MailSettings>,
    outbox: &Path,
    alert: &Alert,
) -> Result<bool, DeliverError> {
    let Some(mail) = mail else {
        return Ok(false);
    };
    let Some(alert_to) = &mail.alert_to else {
        return Ok(false);
    };
    let quarter = alert.quarter;
    let error_text = alert.error;
    let from = mailbox(&mail.from, "mail.from")?;
    let to = mailbox(alert_to, "mail.alert_to")?;
    let transport = Transport::new(mail, outbox)?;
    let body = format!(
        "De geplande run van de Monitor Sociaal Domein {q} voor {org} ({gem}, tenant {id}) is mislukt.\n\n\
         Foutmelding:\n{error_text}\n\n\
         Er is niets gepubliceerd; eerdere versies staan ongewijzigd. Herstel de oorzaak en start de run opnieuw:\n\
         pipeline run --quarter {q_id} --tenant {id}\n",
        q = quarter.label_nl(),
        q_id = quarter,
        org = alert.organisation,
        gem = alert.municipality,
        id = alert.tenant,
    );
    let message = lettre::Message::builder()
        .from(from.clone())
        .to(to.clone())
        .subject(format!(
            "Monitor Sociaal Domein {}: run voor {} mislukt",
            quarter.label_nl(),
            alert.municipality
        ))
        .body(body)
        .map_err(|e| DeliverError::Message(e.to_string()))?;
    let envelope = Envelope::new(Some(from.email), vec![to.email.clone()])
        .map_err(|e| DeliverError::Message(e.to_string()))?;
    let bytes = message.formatted();
    let max = mail.max_attempts.max(1);
    let mut n = 0;
    loop {
        n += 1;
        // An alert is for a person to act on: once is enough, and a doubt is no reason to
        // send it twice.
        match transport.send(&envelope, "alert", &bytes, &mut || {}) {
            Ok(()) | Err(SendError::Uncertain(_)) => return Ok(true),
            Err(SendError::Temporary(_)) if n < max => {
                std::thread::sleep(backoff(mail.backoff_ms, n))
            }
            Err(SendError::Temporary(reason) | SendError::Permanent(reason)) => {
                return Err(DeliverError::Send {
                    recipient: to.email.to_string(),
                    reason,
                });
            }
        }
    }
}
