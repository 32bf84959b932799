//! Peak heap of the toolkit's endpoints on the hostile 1 MiB bodies of `tests/common/hostile.rs`
//! (the body itself not counted), where the sender chooses the body before anything
//! authenticates it: several apps picked by `AgentID` (the AgentID scan, then the core's read)
//! and 公众号 plaintext mode (whose signature covers nothing of the body, so the message reader
//! reads whatever comes under a captured query). Target, as for the core's readers: at most 4×
//! the body. Here rather than in the toolkit's tests: the shapes live in the core's tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "../../callback/tests/common/counting.rs"]
mod counting;
#[path = "../../tests/common/hostile.rs"]
mod hostile;

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

use std::time::{Duration, UNIX_EPOCH};

use sha1::Digest;
use wxbizmsgcrypt::MsgCrypt;
use wxbizmsgcrypt_callback::endpoint::{Endpoint, Format, Outcome, Request, WecomApps};

const TOKEN: &str = "QDG6eK";
const KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";

/// The peak heap of handling `body`, over its size, and whether it got past the signature.
fn peak<F: Format>(endpoint: &Endpoint<F>, query: &str, body: &str) -> (f64, bool) {
    let now = UNIX_EPOCH + Duration::from_secs(1_409_659_813);
    let mut accepted = false;
    let (_, peak) = counting::cost_of(|| {
        let outcome =
            endpoint.handle(Request { method: "POST", query, body: body.as_bytes() }, now);
        accepted = matches!(outcome, Outcome::Callback(_));
    });
    (peak as f64 / body.len() as f64, accepted)
}

#[test]
fn no_hostile_body_costs_more_than_four_times_its_size_in_heap() {
    let crypt = MsgCrypt::new(TOKEN, KEY, "wx5823bf96d3bd56c7").unwrap();
    let apps = Endpoint::wecom_apps(WecomApps::new().app(218, crypt)).with_max_body(2 << 20);
    let forged = format!("msg_signature={}&timestamp=1409659813&nonce=1", "0".repeat(40));
    let plain = Endpoint::wechat_plaintext(TOKEN).unwrap().with_max_body(2 << 20);
    let mut parts = [TOKEN, "1409659813", "1"];
    parts.sort_unstable();
    let signature: String =
        sha1::Sha1::digest(parts.concat().as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    let signed = format!("signature={signature}&timestamp=1409659813&nonce=1");
    let mut shapes = vec![("CDATA".to_owned(), hostile::cdata())];
    shapes.extend(hostile::all().into_iter().map(|(name, body)| (name.to_owned(), body)));
    for (name, body) in shapes {
        let end = body.rfind("</xml>").unwrap();
        let routed = format!("{}<AgentID>218</AgentID>{}", &body[..end], &body[end..]);
        let (apps_peak, _) = peak(&apps, &forged, &routed);
        assert!(apps_peak <= 4.0, "apps, {name}: {apps_peak:.2}× the body");
        // Plaintext mode reads the whole message (the signature holds): its tree is the cost.
        let (plain_peak, accepted) = peak(&plain, &signed, &body);
        assert!(accepted, "plaintext, {name}: the reader refused a body within its budget");
        assert!(plain_peak <= 4.0, "plaintext, {name}: {plain_peak:.2}× the body");
        println!("{name:28} apps {apps_peak:5.2}×  plaintext {plain_peak:5.2}×");
    }
}
