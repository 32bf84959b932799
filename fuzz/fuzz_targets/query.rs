//! `CallbackQuery::parse` on arbitrary query strings and URLs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxbizmsgcrypt::{CallbackQuery, MsgCrypt};

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else { return };
    if let Ok(query) = CallbackQuery::parse(raw) {
        let crypt = MsgCrypt::new(
            "QDG6eK",
            "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
            "wx5823bf96d3bd56c7",
        )
        .unwrap();
        let _ = query.verify_url(&crypt);
    }
});
