//! Properties over arbitrary inputs (proptest): round trips for the core and both envelopes,
//! and no public entry point panics, whatever strings it is given.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{Plain, signed};

use proptest::prelude::*;
use wxbizmsgcrypt::{
    CallbackQuery, MsgCrypt, Stamp, check_timestamp, json, verify_plain_signature, xml,
};

const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

fn crypt(rid: &str) -> MsgCrypt {
    MsgCrypt::new("tok3n", KEY, rid).unwrap()
}

/// Messages around the framing and padding boundaries, with any characters.
fn any_message() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,40}",
        "[\\u{0}-\\u{10FFFF}]{0,200}",
        "[a-z]{0,2000}",
        "(\\]\\]>|<|&|企业微信|😀|\r|\n){0,50}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn core_round_trip(msg in any_message(), rid in ".{0,24}", random in any::<[u8; 16]>(),
                       ts in ".{0,16}", nonce in ".{0,16}") {
        let c = crypt(&rid);
        let sent = wxbizmsgcrypt::dangerous::encrypt_msg_with_random(&c, &msg, Stamp::from_parts(&ts, &nonce), &random).unwrap();
        // Independently: the wire format is random ‖ len ‖ msg ‖ rid, PKCS#7 to 32 bytes.
        let expected = common::pkcs7_32(common::frame(&random, msg.len() as u32, msg.as_bytes(), rid.as_bytes()));
        prop_assert_eq!(common::open_raw(KEY, sent.encrypt()), expected);
        prop_assert_eq!(sent.msg_signature(), &common::sign(&["tok3n", &ts, &nonce, sent.encrypt()]));
        prop_assert_eq!(c.decrypt_msg(signed(sent.msg_signature(), &ts, &nonce), sent.encrypt()).plain().unwrap(), msg.clone());
        let detailed = c.decrypt_msg(signed(sent.msg_signature(), &ts, &nonce), sent.encrypt()).unwrap();
        prop_assert_eq!((detailed.message(), detailed.receive_id()), (msg.as_str(), rid.as_str()));
        // The reply made from it goes back with the same key and receive id, checked independently.
        let reply = detailed.encrypt_reply(&msg, Stamp::from_parts(&ts, &nonce)).unwrap();
        let plain = common::open_raw(KEY, reply.encrypt());
        let random: [u8; 16] = plain[..16].try_into().unwrap();
        let expected = common::pkcs7_32(common::frame(&random, msg.len() as u32, msg.as_bytes(), rid.as_bytes()));
        prop_assert_eq!(plain, expected);
        prop_assert_eq!(reply.msg_signature(), &common::sign(&["tok3n", &ts, &nonce, reply.encrypt()]));
    }

    /// `xml::encrypt_reply`, which writes the ciphertext straight into the body, renders exactly
    /// what `render_reply` renders for the same reply.
    #[test]
    fn xml_encrypt_reply_is_render_reply_of_the_same_reply(msg in any_message(), ts in ".{0,16}", nonce in ".{0,16}") {
        let c = crypt("ww1");
        let sent = c.encrypt_msg("<xml/>", Stamp::from_parts("1", "2")).unwrap();
        let decrypted = c.decrypt_msg(signed(sent.msg_signature(), "1", "2"), sent.encrypt()).unwrap();
        match xml::encrypt_reply(&decrypted, &msg, Stamp::from_parts(&ts, &nonce)) {
            Ok(body) => {
                let encrypt = xml::read_encrypt(&body).unwrap();
                let sig = common::sign(&["tok3n", &ts, &nonce, &encrypt]);
                let back = c.decrypt_msg(signed(&sig, &ts, &nonce), &encrypt).plain().unwrap();
                prop_assert_eq!(back, msg);
                // Same bytes as rendering an EncryptedMsg with this ciphertext and signature.
                let signature_element = format!("<MsgSignature><![CDATA[{sig}]]></MsgSignature>");
                prop_assert!(body.contains(&signature_element), "{}", body);
                let expected = format!("<xml>\n<Encrypt><![CDATA[{encrypt}]]></Encrypt>\n<MsgSignature><![CDATA[{sig}]]></MsgSignature>\n<TimeStamp>");
                prop_assert!(body.starts_with(&expected), "{}", body);
            }
            Err(e) => prop_assert_eq!(e, wxbizmsgcrypt::Error::ReplyFieldNotRepresentable),
        }
    }

    #[test]
    fn xml_round_trip(msg in any_message(), rid in "[a-z0-9]{0,18}", ts in ".{0,16}", nonce in ".{0,16}") {
        let c = crypt(&rid);
        let sent = c.encrypt_msg(&msg, Stamp::from_parts(&ts, &nonce)).unwrap();
        match xml::render_reply(&sent) {
            Ok(body) => {
                prop_assert_eq!(xml::read_encrypt(&body).unwrap(), sent.encrypt());
                prop_assert_eq!(xml::decrypt_msg(&c, signed(sent.msg_signature(), &ts, &nonce), &body).plain().unwrap(), msg);
                // An independent parser reads the same timestamp and nonce back.
                let doc = roxmltree::Document::parse(&body).unwrap();
                let text = |name: &str| doc.root_element().children().find(|n| n.has_tag_name(name))
                    .map(|n| n.children().filter_map(|c| c.text()).collect::<String>()).unwrap();
                prop_assert_eq!((text("TimeStamp"), text("Nonce")), (ts, nonce));
            }
            // Only a control character XML cannot carry is refused.
            Err(e) => prop_assert!(
                format!("{ts}{nonce}").chars().any(|c| (c < ' ' && !"\t\n\r".contains(c)) || c == '\u{FFFE}' || c == '\u{FFFF}'),
                "{e:?} for {ts:?} {nonce:?}"
            ),
        }
    }

    #[test]
    fn json_round_trip(msg in any_message(), rid in ".{0,18}", ts in "[0-9]{1,10}", nonce in ".{0,16}") {
        let c = crypt(&rid);
        let sent = c.encrypt_msg(&msg, Stamp::from_parts(&ts, &nonce)).unwrap();
        let body = json::render_reply(&sent).unwrap();
        prop_assert_eq!(json::read_encrypt(&body).unwrap(), sent.encrypt());
        prop_assert_eq!(json::decrypt_msg(&c, signed(sent.msg_signature(), &ts, &nonce), &body).plain().unwrap(), msg.clone());
        if let Ok(body) = json::render_reply_wechat(&sent) {
            prop_assert_eq!(json::decrypt_msg(&c, signed(sent.msg_signature(), &ts, &nonce), &body).plain().unwrap(), msg);
        } else {
            prop_assert!(ts.starts_with('0') && ts != "0" || ts.parse::<u64>().is_err());
        }
    }

    /// The Encrypt value is read as serde_json's own DOM reads it, whatever the string holds:
    /// written raw between quotes (control characters, backslashes and quotes included), or
    /// escaped as a JSON encoder writes it.
    #[test]
    fn json_reads_encrypt_as_serde_json_value_does(content in "(\\PC|[\\u{0}-\\u{1f}]|\\\\[\"\\\\/bfnrtux0-9a-fA-F]|\\\\u[0-9a-fA-F]{4}|\\\\ud8[0-9a-f]{2}|[+/=\"])*") {
        for body in [
            format!(r#"{{"tousername":"ww1","encrypt":"{content}","agentid":1}}"#),
            format!(r#"{{"encrypt":{}}}"#, serde_json::to_string(&content).unwrap()),
        ] {
            let independent = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .map(|v| v["encrypt"].as_str().map(str::to_owned));
            match (json::read_encrypt(&body), independent) {
                (Ok(ours), Some(Some(theirs))) => prop_assert_eq!(ours.as_ref(), theirs.as_str(), "{}", body),
                (Err(e), None) => prop_assert_eq!(e, wxbizmsgcrypt::Error::MalformedEnvelope(wxbizmsgcrypt::EnvelopeFault::NotWellFormed)),
                (ours, theirs) => prop_assert!(false, "{body:?}: ours {ours:?}, serde_json::Value {theirs:?}"),
            }
            // `decrypt_msg` reads the body as `read_encrypt` does. The signature is over the
            // raw text, so that a text the reader refuses would otherwise verify and reach base64.
            let c = crypt("ww1");
            let sig = c.sign(Stamp::from_parts("1", "2"), &content.replace(' ', "+"));
            let expected = json::read_encrypt(&body).and_then(|text| c.decrypt_msg(signed(&sig, "1", "2"), &text).plain());
            prop_assert_eq!(json::decrypt_msg(&c, signed(&sig, "1", "2"), &body).plain(), expected, "{}", body);
        }
    }

    #[test]
    fn no_entry_point_panics_on_arbitrary_strings(a in ".{0,64}", b in ".{0,64}", c in ".{0,64}", d in ".{0,300}") {
        let _ = MsgCrypt::new(&a, &b, &c);
        let _ = MsgCrypt::builder(&a, &b).previous_key(&c).receive_id(&d).build();
        for crypt in [crypt(&c), MsgCrypt::builder("tok3n", KEY).any_receive_id().previous_key(KEY).build().unwrap()] {
            let _ = crypt.verify_url(signed(&a, &b, &c), &d);
            let _ = crypt.decrypt_msg(signed(&a, &b, &c), &d).plain();
            let _ = crypt.decrypt_msg_into(signed(&a, &b, &c), &d, &mut Vec::new());
            let _ = crypt.decrypt_msg(signed(&a, &b, &c), &d);
            // With a correct signature, so that base64, AES and framing see the input too.
            let sig = crypt.sign(Stamp::from_parts(&b, &c), &d.replace(' ', "+"));
            let _ = crypt.decrypt_msg(signed(&sig, &b, &c), &d).plain();
            let _ = xml::decrypt_msg(&crypt, signed(&a, &b, &c), &d).plain();
            let _ = json::decrypt_msg(&crypt, signed(&a, &b, &c), &d).plain();
            let _ = crypt.encrypt_msg(&d, Stamp::from_parts(&a, &b)).map(|sent| (xml::render_reply(&sent), json::render_reply(&sent), json::render_reply_wechat(&sent)));
        }
        let _ = xml::read_encrypt(&d);
        let _ = json::read_encrypt(&d);
        let _ = verify_plain_signature(&a, &b, Stamp::from_parts(&c, &d));
        let now = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        let _ = check_timestamp(&a, now, std::time::Duration::from_secs(300));
        let _ = CallbackQuery::parse(&d);
        let _ = CallbackQuery::parse_url(&d);
    }

    #[test]
    fn arbitrary_ciphertext_bytes_with_a_valid_signature_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        use base64::Engine;
        let encrypt = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let c = crypt("ww1");
        let sig = c.sign(Stamp::from_parts("1", "2"), &encrypt);
        let got = c.decrypt_msg(signed(&sig, "1", "2"), &encrypt).plain();
        prop_assert!(got.is_err() || bytes.len() % 16 == 0, "{got:?}");
    }
}
