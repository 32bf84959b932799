//! Any request: the endpoints never panic and answer a refusal with an empty body, whatever
//! the query and the body (which, for most of what is read before the signature, the sender
//! chooses freely): one WeCom app, several apps picked by the envelope's `AgentID`, a suite's
//! instruction and data URLs, 公众号 in safe and in plaintext mode, 小程序 in JSON mode. The input is the query,
//! a newline, and the body.
#![no_main]

use std::sync::LazyLock;
use std::time::{Duration, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use wxbizmsgcrypt_callback::MsgCrypt;
use wxbizmsgcrypt_callback::endpoint::{
    Endpoint, Format, Outcome, PlainXml, Request, Suite, WechatJson, WecomApps, Xml,
};

const TOKEN: &str = "QDG6eK";
const KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
const CORP: &str = "wx5823bf96d3bd56c7";

struct Endpoints {
    xml: Vec<Endpoint<Xml>>,
    plain: Endpoint<PlainXml>,
    json: Endpoint<WechatJson>,
}

static ENDPOINTS: LazyLock<Endpoints> = LazyLock::new(|| {
    let crypt = MsgCrypt::new(TOKEN, KEY, CORP).expect("the sample");
    let second =
        MsgCrypt::new("Tk2nd", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", CORP).expect("a key");
    let suite = Suite::new(TOKEN, KEY, "ww4asffe99e54c0fxxxx")
        .and_then(|suite| suite.with_provider_corpid(CORP))
        .expect("a suite");
    Endpoints {
        xml: vec![
            Endpoint::xml(crypt.clone()),
            Endpoint::wechat(crypt.clone()),
            Endpoint::wecom_apps(WecomApps::new().app(218, crypt).app(1_000_003, second)),
            Endpoint::suite_instructions(&suite),
            Endpoint::suite_data(&suite),
        ],
        plain: Endpoint::wechat_plaintext("pamtest").expect("a token"),
        json: Endpoint::wechat_json(MsgCrypt::new(TOKEN, KEY, CORP).expect("the sample")),
    }
});

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
    let (query, body) = data.split_at(split);
    let Ok(query) = std::str::from_utf8(query) else { return };
    let body = body.get(1..).unwrap_or_default();
    let now = UNIX_EPOCH + Duration::from_secs(1_409_659_813);
    for method in ["GET", "POST"] {
        for endpoint in &ENDPOINTS.xml {
            check(endpoint.handle(Request { method, query, body }, now));
        }
        check(ENDPOINTS.plain.handle(Request { method, query, body }, now));
        check(ENDPOINTS.json.handle(Request { method, query, body }, now));
    }
});

fn check<F: Format>(outcome: Outcome<F>) {
    if let Outcome::Respond(response) = outcome
        && response.refusal().is_some()
    {
        assert_eq!(response.body(), "", "a refusal says nothing");
    }
}
