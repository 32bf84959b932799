//! Many apps behind one endpoint: WeCom apps told apart by the envelope's `AgentID`, a
//! third-party suite's instruction and data URLs with the receive id each must carry. Every
//! request is sealed by the independent helpers of `tests/common` (RustCrypto directly), so a
//! key or receive id the router should not accept cannot pass by our own code's agreement.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use wxbizmsgcrypt::__private::decryptions;
use wxbizmsgcrypt::{Error, MsgCrypt, Signed, xml};
use wxbizmsgcrypt_callback::endpoint::{
    Callback, Endpoint, Outcome, Request, Response, Suite, WecomApps, Xml,
};
use wxbizmsgcrypt_callback::message::Message;
use wxbizmsgcrypt_callback::reply::Reply;

const CORP: &str = "wwcorp0000000001";
const APP1: (&str, &str) = ("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C");
const APP2: (&str, &str) = ("Tk2nd", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG");
const NOW: u64 = 1_700_000_000;

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW)
}

/// `Encrypt` for `plaintext` and `receive_id` under `key`, with its `msg_signature` by
/// `token` over timestamp `NOW` and `nonce`, from the scheme's definition.
fn seal(
    token: &str,
    key: &str,
    receive_id: &str,
    plaintext: &str,
    nonce: &str,
) -> (String, String) {
    let frame = common::frame(
        &[7; 16],
        u32::try_from(plaintext.len()).unwrap(),
        plaintext.as_bytes(),
        receive_id.as_bytes(),
    );
    let encrypt = common::seal_raw(key, &common::pkcs7_32(frame));
    let signature = common::sign(&[token, &NOW.to_string(), nonce, &encrypt]);
    (encrypt, signature)
}

fn text(agent_id: &str, content: &str, msg_id: u32) -> String {
    format!(
        "<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>\
         <CreateTime>{NOW}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>\
         <MsgId>{msg_id}</MsgId><AgentID>{agent_id}</AgentID></xml>"
    )
}

fn envelope(to: &str, agent_id: Option<&str>, encrypt: &str) -> String {
    let agent =
        agent_id.map(|id| format!("<AgentID><![CDATA[{id}]]></AgentID>")).unwrap_or_default();
    format!(
        "<xml><ToUserName><![CDATA[{to}]]></ToUserName>{agent}<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    )
}

fn post(endpoint: &Endpoint<Xml>, query: &str, body: &str) -> Outcome<Xml> {
    endpoint.handle(Request { method: "POST", query, body: body.as_bytes() }, now())
}

fn get(endpoint: &Endpoint<Xml>, query: &str) -> Outcome<Xml> {
    endpoint.handle(Request { method: "GET", query, body: b"" }, now())
}

fn callback(outcome: Outcome<Xml>) -> Callback<Xml> {
    match outcome {
        Outcome::Callback(callback) => callback,
        Outcome::Respond(response) => panic!("expected a callback, got {response:?}"),
    }
}

fn refused(outcome: Outcome<Xml>) -> (u16, i32) {
    match outcome {
        Outcome::Respond(response) => {
            assert_eq!(response.body(), "", "a refusal says nothing");
            (response.status(), response.refusal().map_or(0, Error::code))
        }
        Outcome::Callback(callback) => panic!("expected a refusal, got {callback:?}"),
    }
}

/// The reply's plaintext, opened with `crypt` (`None` if that key does not open it).
fn open_reply(crypt: &MsgCrypt, reply: &Response) -> Option<Message> {
    let envelope = Message::parse(reply.body()).unwrap();
    let signed = Signed {
        msg_signature: envelope.get("MsgSignature").unwrap(),
        timestamp: envelope.get("TimeStamp").unwrap(),
        nonce: envelope.get("Nonce").unwrap(),
    };
    let decrypted = xml::decrypt_msg(crypt, signed, reply.body()).ok()?;
    Some(Message::parse(decrypted.message()).unwrap())
}

fn apps() -> Endpoint<Xml> {
    Endpoint::wecom_apps(
        WecomApps::new()
            .app(1_000_002, MsgCrypt::new(APP1.0, APP1.1, CORP).unwrap())
            .app(1_000_003, MsgCrypt::new(APP2.0, APP2.1, CORP).unwrap()),
    )
}

#[test]
fn each_app_is_opened_and_answered_with_its_own_key() {
    let endpoint = apps();
    for (agent, (token, key), content) in
        [("1000002", APP1, "to app one"), ("1000003", APP2, "to app two")]
    {
        let (encrypt, signature) = seal(token, key, CORP, &text(agent, content, 1), "n1");
        let query = format!("msg_signature={signature}&timestamp={NOW}&nonce=n1");
        let callback = callback(post(&endpoint, &query, &envelope(CORP, Some(agent), &encrypt)));
        assert_eq!(callback.message().get("Content"), Some(content));
        let reply = callback.reply(&Reply::text("ok")).unwrap();
        let own = MsgCrypt::new(token, key, CORP).unwrap();
        let other = if token == APP1.0 { APP2 } else { APP1 };
        let other = MsgCrypt::new(other.0, other.1, CORP).unwrap();
        assert_eq!(
            open_reply(&own, &reply).and_then(|m| m.get("Content").map(str::to_owned)).as_deref(),
            Some("ok")
        );
        assert!(open_reply(&other, &reply).is_none(), "sealed with the other app's key");
    }
}

#[test]
fn the_envelope_picks_the_app_and_nothing_else_is_tried() {
    let endpoint = apps();
    let (encrypt, signature) = seal(APP2.0, APP2.1, CORP, &text("1000003", "hi", 2), "n2");
    let query = format!("msg_signature={signature}&timestamp={NOW}&nonce=n2");
    // App 2's message in an envelope naming app 1: app 1's signature fails, app 2's key is
    // not tried (if it were, this would be a callback).
    assert_eq!(
        refused(post(&endpoint, &query, &envelope(CORP, Some("1000002"), &encrypt))),
        (401, -40001)
    );
    // An app that is not configured, no AgentID, an AgentID that is not a number: like a
    // bad signature, though the request is app 2's and validly signed.
    for agent in [Some("1000009"), None, Some(""), Some("x1000003")] {
        assert_eq!(
            refused(post(&endpoint, &query, &envelope(CORP, agent, &encrypt))),
            (401, -40001),
            "{agent:?}"
        );
    }
    // Whitespace around the number, as an indenting proxy would leave it, still picks app 2.
    let spaced = envelope(CORP, Some(" 1000003\n"), &encrypt);
    assert_eq!(callback(post(&endpoint, &query, &spaced)).message().get("Content"), Some("hi"));
    // A body that is not XML is 400, as for one app; an envelope without Encrypt is 400
    // whether its AgentID is configured or not: a probe cannot list the agent ids.
    assert_eq!(refused(post(&endpoint, &query, "<xml><AgentID>1000003")).0, 400);
    for agent in ["1000003", "1000009"] {
        let bare = format!("<xml><AgentID>{agent}</AgentID></xml>");
        assert_eq!(refused(post(&endpoint, &query, &bare)), (400, -40002), "{agent}");
    }
}

#[test]
fn no_key_but_the_picked_one_is_ever_tried_even_when_the_token_verifies() {
    // Three apps sharing one Token, each with its own key: every signature verifies, so only
    // the key decides. A message of app 3 in an envelope naming app 1 is opened with app 1's
    // key alone, and fails; had the router tried the other keys, app 3's would have opened it.
    // Each app's decryptions are counted (the core's hidden `__count-decryptions` feature,
    // on for these tests): the count, not only the answer, says which keys were used.
    let keys = [APP1.1, APP2.1, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"];
    let crypts: Vec<MsgCrypt> =
        keys.iter().map(|key| MsgCrypt::new(APP1.0, key, CORP).unwrap()).collect();
    let apps = crypts
        .iter()
        .zip(1..)
        .fold(WecomApps::new(), |apps, (crypt, agent)| apps.app(agent, crypt.clone()));
    let endpoint = Endpoint::wecom_apps(apps);
    let counted = || -> Vec<usize> { crypts.iter().map(decryptions).collect() };
    let (encrypt, signature) = seal(APP1.0, keys[2], CORP, &text("3", "for app 3", 6), "n12");
    let query = format!("msg_signature={signature}&timestamp={NOW}&nonce=n12");
    assert_eq!(counted(), [0, 0, 0]);
    assert_eq!(refused(post(&endpoint, &query, &envelope(CORP, Some("1"), &encrypt))).0, 403);
    assert_eq!(counted(), [1, 0, 0], "app 1's key alone");
    assert_eq!(refused(post(&endpoint, &query, &envelope(CORP, Some("2"), &encrypt))).0, 403);
    assert_eq!(counted(), [1, 1, 0], "app 2's key alone");
    let right = callback(post(&endpoint, &query, &envelope(CORP, Some("3"), &encrypt)));
    assert_eq!(right.message().get("Content"), Some("for app 3"));
    assert_eq!(counted(), [1, 1, 1], "app 3's key alone");
    // An app that is not configured, or no AgentID: no key at all.
    for agent in [Some("4"), None] {
        assert_eq!(refused(post(&endpoint, &query, &envelope(CORP, agent, &encrypt))).0, 401);
    }
    assert_eq!(counted(), [1, 1, 1], "no decryption for an app not configured");
    // The URL check names no app: the first app whose Token verifies answers it, with its own
    // key, and no other key is tried after it fails.
    let (echostr, signature) = seal(APP1.0, keys[2], CORP, "777", "n13");
    let echostr_q = echostr.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D");
    let query = format!("msg_signature={signature}&timestamp={NOW}&nonce=n13&echostr={echostr_q}");
    assert_eq!(refused(get(&endpoint, &query)).0, 403);
    assert_eq!(counted(), [2, 1, 1], "the URL check: app 1's key alone");
}

#[test]
fn a_message_relabelled_to_an_app_sharing_its_keys_is_refused_after_the_signature() {
    // Two agents configured with the same Token and key: the envelope could move a message
    // from one to the other. The message's own AgentID says which it is.
    let crypt = MsgCrypt::new(APP1.0, APP1.1, CORP).unwrap();
    let endpoint = Endpoint::wecom_apps(WecomApps::new().app(1, crypt.clone()).app(2, crypt));
    let (encrypt, signature) = seal(APP1.0, APP1.1, CORP, &text("1", "for agent 1", 3), "n3");
    let query = format!("msg_signature={signature}&timestamp={NOW}&nonce=n3");
    assert!(matches!(
        post(&endpoint, &query, &envelope(CORP, Some("1"), &encrypt)),
        Outcome::Callback(_)
    ));
    assert_eq!(
        refused(post(&endpoint, &query, &envelope(CORP, Some("2"), &encrypt))),
        (403, -40005)
    );
}

#[test]
fn the_store_keys_follow_the_set_of_apps_unless_the_endpoint_has_a_secret_of_its_own() {
    // As `WecomApps` documents: the de-duplication secret is derived from every app's key, so
    // adding an app changes every app's store keys; a secret of the endpoint's own keeps them.
    let app2 = || MsgCrypt::new(APP2.0, APP2.1, CORP).unwrap();
    let two = apps();
    let three = Endpoint::wecom_apps(
        WecomApps::new()
            .app(1_000_002, MsgCrypt::new(APP1.0, APP1.1, CORP).unwrap())
            .app(1_000_003, app2())
            .app(1_000_004, app2()),
    );
    let (encrypt, signature) = seal(APP2.0, APP2.1, CORP, &text("1000003", "once", 7), "n7");
    let query = format!("msg_signature={signature}&timestamp={NOW}&nonce=n7");
    let body = envelope(CORP, Some("1000003"), &encrypt);
    let key =
        |endpoint: &Endpoint<Xml>| callback(post(endpoint, &query, &body)).store_key().clone();
    assert_eq!(key(&two), key(&apps()), "the same set, the same keys");
    assert_ne!(key(&two), key(&three), "another set, other keys");
    let secret = [9u8; 32];
    assert_eq!(
        key(&apps().with_dedup_secret(&secret)),
        key(&three.with_dedup_secret(&secret)),
        "a secret of its own: the same keys whatever the set"
    );
}

#[test]
fn the_url_check_is_answered_by_the_app_whose_token_signed_it() {
    let endpoint = apps();
    let (echostr, signature) = seal(APP2.0, APP2.1, CORP, "8273645501", "n4");
    let echostr_q = echostr.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D");
    let query = format!("msg_signature={signature}&timestamp={NOW}&nonce=n4&echostr={echostr_q}");
    match get(&endpoint, &query) {
        Outcome::Respond(response) => {
            assert_eq!((response.status(), response.body()), (200, "8273645501"))
        }
        Outcome::Callback(_) => panic!("a URL check is answered by the endpoint"),
    }
    let (echostr, signature) = seal("unknown-token", APP2.1, CORP, "1", "n5");
    let echostr_q = echostr.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D");
    let query = format!("msg_signature={signature}&timestamp={NOW}&nonce=n5&echostr={echostr_q}");
    assert_eq!(refused(get(&endpoint, &query)), (401, -40001));
}

const SUITE_ID: &str = "ww4asffe99e54c0fxxxx";
const PROVIDER: &str = "wwprovider0corpid";

fn suite() -> Suite {
    Suite::new(APP1.0, APP1.1, SUITE_ID).unwrap().with_provider_corpid(PROVIDER).unwrap()
}

fn suite_ticket(suite_id: &str) -> String {
    format!(
        "<xml><SuiteId><![CDATA[{suite_id}]]></SuiteId><InfoType><![CDATA[suite_ticket]]></InfoType>\
         <TimeStamp>{NOW}</TimeStamp><SuiteTicket><![CDATA[asdfasfdasdfasdf]]></SuiteTicket></xml>"
    )
}

#[test]
fn a_suites_url_checks_carry_the_providers_corpid() {
    for endpoint in [Endpoint::suite_instructions(&suite()), Endpoint::suite_data(&suite())] {
        for (receive_id, expected) in [(PROVIDER, (200, 0)), (SUITE_ID, (403, -40005))] {
            let (echostr, signature) = seal(APP1.0, APP1.1, receive_id, "5550001", "n6");
            let echostr_q = echostr.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D");
            let query =
                format!("msg_signature={signature}&timestamp={NOW}&nonce=n6&echostr={echostr_q}");
            let answer = match get(&endpoint, &query) {
                Outcome::Respond(r) if r.status() == 200 => {
                    assert_eq!(r.body(), "5550001");
                    (200, 0)
                }
                outcome => refused(outcome),
            };
            assert_eq!(answer, expected, "{receive_id}");
        }
    }
}

#[test]
fn instruction_callbacks_carry_the_suite_id_and_are_answered_success() {
    let endpoint = Endpoint::suite_instructions(&suite());
    let (encrypt, signature) = seal(APP1.0, APP1.1, SUITE_ID, &suite_ticket(SUITE_ID), "n7");
    let query = format!("msg_signature={signature}&timestamp={NOW}&nonce=n7");
    let callback = callback(post(&endpoint, &query, &envelope(SUITE_ID, None, &encrypt)));
    let answer = callback.acknowledge();
    assert_eq!((answer.status(), answer.body()), (200, "success"));
    // Sealed for another suite that shares the Token and key (or for a company): refused.
    for other in ["wwothersuite00000000", PROVIDER, ""] {
        let (encrypt, signature) = seal(APP1.0, APP1.1, other, &suite_ticket(other), "n8");
        let query = format!("msg_signature={signature}&timestamp={NOW}&nonce=n8");
        assert_eq!(
            refused(post(&endpoint, &query, &envelope(SUITE_ID, None, &encrypt))),
            (403, -40005),
            "{other}"
        );
    }
}

#[test]
fn data_callbacks_carry_the_corpid_of_their_url_and_are_answered_with_it() {
    let endpoint = Endpoint::suite_data(&suite());
    let corp_a = "wwauthcorp0000000a";
    let from_a = text("1", "from corp a", 4).replace(CORP, corp_a);
    let (encrypt, signature) = seal(APP1.0, APP1.1, corp_a, &from_a, "n9");
    let body = envelope(corp_a, Some("1"), &encrypt);
    let query = format!("msg_signature={signature}&timestamp={NOW}&nonce=n9&corpid={corp_a}");
    let callback = callback(post(&endpoint, &query, &body));
    assert_eq!(callback.decrypted().receive_id(), corp_a);
    let reply = callback.reply(&Reply::text("ok")).unwrap();
    let as_a = MsgCrypt::new(APP1.0, APP1.1, corp_a).unwrap();
    assert!(open_reply(&as_a, &reply).is_some(), "the reply carries corp a's corpid");

    // The URL says another company, or says nothing, or has the placeholder unfilled.
    let cases = [
        (
            format!("msg_signature={signature}&timestamp={NOW}&nonce=n9&corpid=wwauthcorp0000000b"),
            (403, -40005),
        ),
        (
            format!("msg_signature={signature}&timestamp={NOW}&nonce=n9&corpid=%24CORPID%24"),
            (403, -40005),
        ),
        (format!("msg_signature={signature}&timestamp={NOW}&nonce=n9"), (400, -40002)),
        (
            format!(
                "msg_signature={signature}&timestamp={NOW}&nonce=n9&corpid={corp_a}&corpid={corp_a}"
            ),
            (400, -40002),
        ),
    ];
    for (query, expected) in cases {
        assert_eq!(refused(post(&endpoint, &query, &body)), expected, "{query}");
    }
    // The suite's key seals its instructions too: one replayed to the data URL with the suite
    // id as corpid is not a company's data.
    let (encrypt, signature) = seal(APP1.0, APP1.1, SUITE_ID, &suite_ticket(SUITE_ID), "n14");
    let query = format!("msg_signature={signature}&timestamp={NOW}&nonce=n14&corpid={SUITE_ID}");
    assert_eq!(
        refused(post(&endpoint, &query, &envelope(SUITE_ID, None, &encrypt))),
        (403, -40005)
    );
    // A company's message whose ToUserName names another company: refused too.
    let (encrypt, signature) = seal(APP1.0, APP1.1, corp_a, &text("1", "named b", 7), "n15");
    let query = format!("msg_signature={signature}&timestamp={NOW}&nonce=n15&corpid={corp_a}");
    assert_eq!(
        refused(post(&endpoint, &query, &envelope(corp_a, Some("1"), &encrypt))),
        (403, -40005)
    );
}

#[test]
fn suites_and_app_sets_refuse_what_cannot_work() {
    assert_eq!(Suite::new(APP1.0, APP1.1, "").err(), Some(Error::ReceiveIdRequired));
    let suite = Suite::new(APP1.0, APP1.1, SUITE_ID).unwrap();
    assert_eq!(suite.clone().with_provider_corpid("").err(), Some(Error::ReceiveIdRequired));
    assert_eq!(Suite::new("", APP1.1, SUITE_ID).err(), Some(Error::EmptyToken));
    // Without the provider's corpid, a URL check (here sealed with the suite id) is refused
    // with -40005, whose hint names the provider's corpid.
    let (echostr, signature) = seal(APP1.0, APP1.1, SUITE_ID, "1", "n11");
    let echostr_q = echostr.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D");
    let query = format!("msg_signature={signature}&timestamp={NOW}&nonce=n11&echostr={echostr_q}");
    assert_eq!(refused(get(&Endpoint::suite_instructions(&suite), &query)), (403, -40005));
    // ... after its signature: a forged one is 401, as everywhere.
    let forged = query.replace(&signature, &"0".repeat(40));
    assert_eq!(refused(get(&Endpoint::suite_instructions(&suite), &forged)), (401, -40001));
    // No app: every request refused as unsigned.
    let empty = Endpoint::wecom_apps(WecomApps::new());
    let (encrypt, signature) = seal(APP1.0, APP1.1, CORP, &text("1000002", "x", 5), "n10");
    let query = format!("msg_signature={signature}&timestamp={NOW}&nonce=n10");
    assert_eq!(
        refused(post(&empty, &query, &envelope(CORP, Some("1000002"), &encrypt))),
        (401, -40001)
    );
}
