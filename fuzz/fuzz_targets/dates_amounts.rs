//! Dutch dates, amounts and quarters as people type them: any text gives a value or a
//! refusal, never a panic, and what is read is a real value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pipeline::load::{amount, dates};

fuzz_target!(|text: &str| {
    for birth in [false, true] {
        if let Some(days) = dates::parse(text, birth)
            && days != dates::UNREADABLE
        {
            // Every date read lies in the calendar chrono knows.
            assert!(
                chrono::NaiveDate::from_num_days_from_ce_opt(days + 719_163).is_some(),
                "{text:?} -> {days}"
            );
        }
    }
    if let Some(v) = amount::parse_amount(text) {
        assert!(v.is_finite(), "{text:?} -> {v}");
    }
    if let Ok(q) = text.parse::<pipeline::Quarter>() {
        // A quarter read is one that prints and reads back as itself.
        assert_eq!(q.to_string().parse::<pipeline::Quarter>().ok(), Some(q));
    }
});
