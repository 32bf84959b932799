//! Encrypt → decrypt returns what went in, for any message, receive id, random bytes, timestamp
//! and nonce, through the core and both envelopes. The input is `random(16) ‖ msg \n rid \n ts \n nonce`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxbizmsgcrypt::{MsgCrypt, json, xml};

fuzz_target!(|data: &[u8]| {
    let Some((random, rest)) = data.split_first_chunk::<16>() else { return };
    let text = String::from_utf8_lossy(rest);
    let mut parts = text.splitn(4, '\n');
    let (msg, rid, ts, nonce) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let crypt = MsgCrypt::new("tok3n", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", rid).unwrap();
    let sent = crypt.encrypt_msg_with_random(msg, ts, nonce, random).unwrap();
    assert_eq!(crypt.decrypt_msg(&sent.msg_signature, ts, nonce, &sent.encrypt).unwrap(), msg);
    let detailed =
        crypt.decrypt_msg_detailed(&sent.msg_signature, ts, nonce, &sent.encrypt).unwrap();
    assert_eq!((detailed.message(), detailed.receive_id()), (msg, rid));

    // XML: well-formed for any timestamp and nonce XML can carry, and read back unchanged.
    if let Ok(body) = xml::render_reply(&sent) {
        assert_eq!(xml::read_encrypt(&body).unwrap(), sent.encrypt);
        assert_eq!(xml::decrypt_msg(&crypt, &sent.msg_signature, ts, nonce, &body).unwrap(), msg);
    }
    let body = json::render_reply(&sent);
    assert_eq!(json::decrypt_msg(&crypt, &sent.msg_signature, ts, nonce, &body).unwrap(), msg);
    if let Ok(body) = json::render_reply_wechat(&sent) {
        assert_eq!(json::decrypt_msg(&crypt, &sent.msg_signature, ts, nonce, &body).unwrap(), msg);
    }
});
