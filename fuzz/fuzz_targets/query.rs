//! `CallbackQuery::parse` and `parse_url` on arbitrary query strings and URLs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxbizmsgcrypt::{CallbackQuery, MsgCrypt};

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else { return };
    let crypt = MsgCrypt::new(
        "QDG6eK",
        "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
        "wx5823bf96d3bd56c7",
    )
    .unwrap();
    let parsed = CallbackQuery::parse(raw);
    // A query parse accepts has no raw '?' or '#', so parse_url reads it the same after a '?'.
    if let Ok(query) = &parsed {
        assert!(!raw.contains(['?', '#']));
        assert_eq!(CallbackQuery::parse_url(&format!("/cb?{raw}")).as_ref(), Ok(query));
        if let Ok(echostr) = query.echostr() {
            let _ = crypt.verify_url(query.signed(), echostr);
        }
    }
    let _ = CallbackQuery::parse_url(raw);
});
