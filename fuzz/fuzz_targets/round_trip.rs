//! Encrypt → decrypt → reply → decrypt returns what went in, for any message, receive id,
//! random bytes, timestamp and nonce, through the core and both envelopes. The input is
//! `random(16) ‖ msg \n rid \n ts \n nonce`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxbizmsgcrypt::{Decrypted, MsgCrypt, Signed, Stamp, dangerous, json, xml};

fuzz_target!(|data: &[u8]| {
    let Some((random, rest)) = data.split_first_chunk::<16>() else { return };
    let text = String::from_utf8_lossy(rest);
    let mut parts = text.splitn(4, '\n');
    let (msg, rid, timestamp, nonce) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let crypt = MsgCrypt::new("tok3n", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", rid).unwrap();
    let sent = dangerous::encrypt_msg_with_random(
        &crypt,
        msg,
        Stamp::from_parts(timestamp, nonce),
        random,
    )
    .unwrap();
    let signed = Signed { msg_signature: sent.msg_signature(), timestamp, nonce };
    let decrypted = crypt.decrypt_msg(signed, sent.encrypt()).unwrap();
    assert_eq!((decrypted.message(), decrypted.receive_id()), (msg, rid));
    // A body of either envelope holds the ciphertext and its signature, and decrypts back.
    let open = |body: Result<String, wxbizmsgcrypt::Error>, xml_body: bool| {
        let Ok(body) = body else { return };
        let encrypt = if xml_body { xml::read_encrypt(&body) } else { json::read_encrypt(&body) };
        let encrypt = encrypt.unwrap();
        let sig = crypt.sign(Stamp::from_parts(timestamp, nonce), &encrypt);
        assert!(body.contains(&sig));
        let signed = Signed { msg_signature: &sig, timestamp, nonce };
        let got: Result<Decrypted, _> = if xml_body {
            xml::decrypt_msg(&crypt, signed, &body)
        } else {
            json::decrypt_msg(&crypt, signed, &body)
        };
        assert_eq!(got.unwrap().message(), msg);
    };

    // XML: well-formed for any timestamp and nonce XML can carry, and read back unchanged.
    if let Ok(body) = xml::render_reply(&sent) {
        assert_eq!(xml::read_encrypt(&body).unwrap(), sent.encrypt());
    }
    open(xml::render_reply(&sent), true);
    open(json::render_reply(&sent), false);
    open(json::render_reply_wechat(&sent), false);

    // The reply path: the message answered with itself, under the reply's own timestamp and
    // nonce (here the same), through each envelope.
    let reply = decrypted.encrypt_reply(msg, Stamp::from_parts(timestamp, nonce)).unwrap();
    let back = Signed { msg_signature: reply.msg_signature(), timestamp, nonce };
    assert_eq!(crypt.decrypt_msg(back, reply.encrypt()).unwrap().message(), msg);
    open(xml::encrypt_reply(&decrypted, msg, Stamp::from_parts(timestamp, nonce)), true);
    open(json::encrypt_reply(&decrypted, msg, Stamp::from_parts(timestamp, nonce)), false);
    open(json::encrypt_reply_wechat(&decrypted, msg, Stamp::from_parts(timestamp, nonce)), false);
});
