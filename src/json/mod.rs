//! The JSON envelope: the WeCom AI bot, WeCom JSON callbacks and JSON-mode 小程序.
//!
//! Reading accepts both spellings of the field: `encrypt` (WeCom:
//! `{"tousername": "…", "encrypt": "…", "agentid": 218}`, or the AI bot's `{"encrypt": "…"}`) and
//! `Encrypt` (WeChat/小程序: `{"ToUserName": "…", "Encrypt": "…"}`). Rendering has one function per
//! reply form: [`render_reply`] and [`encrypt_reply`] for WeCom and the AI bot,
//! [`render_reply_wechat`] and [`encrypt_reply_wechat`] for WeChat/小程序.

mod canonical;

use std::borrow::Cow;
use std::fmt;

use serde_core::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::envelope::{self, Check, Readers};
use crate::error::{EnvelopeFault, Error};
use crate::{Decrypted, EncryptedMsg, MsgCrypt, Signed, Stamp};

/// Verifies and decrypts a JSON callback body: reads its `encrypt`/`Encrypt` value with
/// [`read_encrypt`] and passes it to [`MsgCrypt::decrypt_msg`].
///
/// # Errors
///
/// [`Error::MalformedEnvelope`] (`-40002`) for a body [`read_encrypt`] refuses, then every error
/// of [`MsgCrypt::decrypt_msg`], in its order.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::{CallbackQuery, MsgCrypt, json};
///
/// // The official WeCom JSON sample.
/// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
/// let query = CallbackQuery::parse("msg_signature=0623cbc5a8cbee5bcc137c70de99575366fc2af3&timestamp=1409659813&nonce=1372623149")?;
/// let body = r#"{"tousername":"wx5823bf96d3bd56c7","encrypt":"CZWs4CWRpI4VolQlvn4dlEC1alN2MUEY2VklGehgBVLBrlVF7SyT+SV+Toj43l4ayJ9UMGKphktKKmP7B2j/P1ey67XB8PBgS7Wr5/8+w/yWriZv3Vmoo/MH3/1HsIWZrPQ3N2mJrelStIfI2Y8kLKXA7EhfZgZX4o+ffdkZDM76SEl79Ib9mw7TGjZ9Aw/x/A2VjNbV1E8BtEbRxYYcQippYNw7hr8sFfa3nW1xLdxokt8QkRX83vK3DFP2F6TQFPL2Tu98UwhcUpPvdJBuu1/yiOQIScppV3eOuLWEsko=","agentid":"218"}"#;
/// let decrypted = json::decrypt_msg(&crypt, query.signed(), body)?;
/// assert_eq!(decrypted.receive_id(), "wx5823bf96d3bd56c7");
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
pub fn decrypt_msg(crypt: &MsgCrypt, signed: Signed<'_>, body: &str) -> Result<Decrypted, Error> {
    envelope::decrypt_body::<JsonEnvelope, _>(body, |encrypt| crypt.decrypt_msg(signed, encrypt))
}

/// Encrypts a reply to `to` (with the key that opened it, the receive id it carried and the
/// token that verified it) and renders it in the WeCom form, as [`render_reply`] does: the
/// body of a passive reply of WeCom JSON callbacks and the AI bot.
///
/// # Errors
///
/// [`Error::ReplyTooLarge`] (`-40006`) for a reply of 4 GiB or more.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::{MsgCrypt, Signed, Stamp, json};
///
/// // The WeCom AI bot: an empty receive id.
/// let crypt = MsgCrypt::new("tok3n", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "")?;
/// let sent = crypt.encrypt_msg(r#"{"msgtype":"text"}"#, Stamp::from_parts("1700000000", "n1"))?; // WeCom's side
/// let signed = Signed { msg_signature: sent.msg_signature(), timestamp: "1700000000", nonce: "n1" };
/// let decrypted = crypt.decrypt_msg(signed, sent.encrypt())?;
///
/// let body = json::encrypt_reply(&decrypted, "{}", Stamp::from_parts("1700000001", "n2"))?;
/// assert!(body.starts_with(r#"{"encrypt":""#));
/// assert!(body.ends_with(r#"","timestamp":"1700000001","nonce":"n2"}"#));
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
pub fn encrypt_reply(to: &Decrypted, reply: &str, stamp: Stamp<'_>) -> Result<String, Error> {
    let (timestamp, nonce) = (stamp.timestamp(), stamp.nonce());
    let mut out = body_for(to, reply, timestamp, nonce);
    out.push_str(r#"{"encrypt":""#);
    let signature = to.seal_appending(reply, timestamp, nonce, &mut out)?;
    out.push_str(r#"","msgsignature":""#);
    signature.push_to(&mut out);
    out.push_str(r#"","timestamp":"#);
    push_json_string(&mut out, timestamp)?;
    out.push_str(r#","nonce":"#);
    push_json_string(&mut out, nonce)?;
    out.push('}');
    Ok(out)
}

/// Encrypts a reply to `to` like [`encrypt_reply`] and renders it in the WeChat/小程序 form, as
/// [`render_reply_wechat`] does.
///
/// # Errors
///
/// [`Error::ReplyTimestampNotNumeric`] (`-40011`) unless `stamp`'s timestamp is a plain decimal number
/// (checked first); [`Error::ReplyTooLarge`] (`-40006`) for a reply of 4 GiB or more.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::{MsgCrypt, Signed, Stamp, json};
///
/// let crypt = MsgCrypt::new("AAAAA", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "wxba5fad812f8e6fb9")?;
/// let sent = crypt.encrypt_msg("{}", Stamp::from_parts("1713424426", "1"))?; // WeChat's side
/// let signed = Signed { msg_signature: sent.msg_signature(), timestamp: "1713424426", nonce: "1" };
/// let decrypted = crypt.decrypt_msg(signed, sent.encrypt())?;
///
/// let body = json::encrypt_reply_wechat(&decrypted, r#"{"demo_resp":"good luck"}"#, Stamp::from_parts("1713424427", "415670741"))?;
/// assert!(body.ends_with(r#"","TimeStamp":1713424427,"Nonce":"415670741"}"#));
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
pub fn encrypt_reply_wechat(
    to: &Decrypted,
    reply: &str,
    stamp: Stamp<'_>,
) -> Result<String, Error> {
    let (timestamp, nonce) = (stamp.timestamp(), stamp.nonce());
    let time_stamp = numeric_timestamp(timestamp)?;
    let mut out = body_for(to, reply, timestamp, nonce);
    out.push_str(r#"{"Encrypt":""#);
    let signature = to.seal_appending(reply, timestamp, nonce, &mut out)?;
    out.push_str(r#"","MsgSignature":""#);
    signature.push_to(&mut out);
    out.push_str(r#"","TimeStamp":"#);
    out.push_str(time_stamp);
    out.push_str(r#","Nonce":"#);
    push_json_string(&mut out, nonce)?;
    out.push('}');
    Ok(out)
}

/// An empty body with room for a reply envelope around `reply`'s ciphertext.
fn body_for(to: &Decrypted, reply: &str, timestamp: &str, nonce: &str) -> String {
    // 90 bytes of keys and quotes and the signature; the timestamp and nonce as they are when
    // they need no escaping (escaped values only cost a reallocation).
    String::with_capacity(
        to.ciphertext_len(reply)
            .saturating_add(90)
            .saturating_add(timestamp.len())
            .saturating_add(nonce.len()),
    )
}

/// Reads the `encrypt` (WeCom) or `Encrypt` (WeChat/小程序) value out of a JSON callback body.
///
/// The field must be a string at the top level of an object, once. Every JSON escape is decoded
/// (`\/` as PHP writes it, `\u002b`); other fields, of any type, are ignored (`agentid` may be a
/// number or a string). The result borrows from `body` unless the string had escapes.
///
/// The body must be strict JSON (RFC 8259) as serde_json reads it. The bodies Tencent sends are
/// recognised by a fast path first, which answers only when its answer is serde_json's (a
/// property test and a fuzz target hold it to that).
///
/// # Errors
///
/// [`Error::MalformedEnvelope`] (`-40002`), with the reason: not well-formed JSON
/// ([`EnvelopeFault::NotWellFormed`], also for an XML body), no `encrypt`/`Encrypt` at the top
/// level of an object ([`EnvelopeFault::MissingEncrypt`]), the field twice or both spellings
/// ([`EnvelopeFault::DuplicateEncrypt`]), or a value that is not a string
/// ([`EnvelopeFault::EncryptNotText`]).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::json::read_encrypt;
///
/// assert_eq!(read_encrypt(r#"{"tousername":"ww1","encrypt":"AbC+/=","agentid":218}"#)?, "AbC+/=");
/// assert_eq!(read_encrypt(r#"{"Encrypt":"AbC\u002b\/="}"#)?, "AbC+/=");
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
pub fn read_encrypt(body: &str) -> Result<Cow<'_, str>, Error> {
    envelope::read_encrypt::<JsonEnvelope>(body)
}

/// The JSON envelope's readers: the fast path of [`canonical`] (15% of `json::decrypt_msg`
/// at 1 KiB, 16% at 64 KiB, against serde_json alone: BENCHMARKS.md), serde_json.
enum JsonEnvelope {}

impl Readers for JsonEnvelope {
    fn read_fast(body: &str, check: Check) -> Option<&str> {
        canonical::read(body, check)
    }

    fn read_full(body: &str) -> Result<Cow<'_, str>, Error> {
        read_encrypt_full(body)
    }
}

/// [`read_encrypt`] without the fast path: serde_json reads the whole body, strictly.
fn read_encrypt_full(body: &str) -> Result<Cow<'_, str>, Error> {
    let envelope: Envelope<'_> = serde_json::from_str(body)
        .map_err(|_| Error::MalformedEnvelope(EnvelopeFault::NotWellFormed))?;
    envelope.0.map_err(Error::MalformedEnvelope)
}

/// Renders an encrypted message in the WeCom JSON form, exactly as Tencent's Go, C++ and Java
/// libraries do: compact, keys in this order, the timestamp a string.
///
/// ```text
/// {"encrypt":"E","msgsignature":"S","timestamp":"T","nonce":"N"}
/// ```
///
/// Every value is escaped as JSON requires.
///
/// # Errors
///
/// None in practice: any string can be written as JSON. The `Result` keeps the shape of the
/// other renderers, and an internal fault would be [`Error::ReplyFieldNotRepresentable`].
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::{MsgCrypt, Stamp, json};
///
/// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
/// let sent = crypt.encrypt_msg("hello", Stamp::from_parts("1409659813", "1372623149"))?;
/// assert_eq!(
///     json::render_reply(&sent)?,
///     format!(
///         r#"{{"encrypt":"{}","msgsignature":"{}","timestamp":"1409659813","nonce":"1372623149"}}"#,
///         sent.encrypt(),
///         sent.msg_signature()
///     )
/// );
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
pub fn render_reply(msg: &EncryptedMsg) -> Result<String, Error> {
    let mut out = String::with_capacity(msg.encrypt().len() + 140);
    out.push_str(r#"{"encrypt":"#);
    push_json_string(&mut out, msg.encrypt())?;
    out.push_str(r#","msgsignature":"#);
    push_json_string(&mut out, msg.msg_signature())?;
    out.push_str(r#","timestamp":"#);
    push_json_string(&mut out, msg.timestamp())?;
    out.push_str(r#","nonce":"#);
    push_json_string(&mut out, msg.nonce())?;
    out.push('}');
    Ok(out)
}

/// Renders an encrypted message in the WeChat/小程序 JSON form: capitalised keys, the timestamp
/// a JSON number.
///
/// ```text
/// {"Encrypt":"E","MsgSignature":"S","TimeStamp":1713424427,"Nonce":"N"}
/// ```
///
/// # Errors
///
/// [`Error::ReplyTimestampNotNumeric`] (`-40011`) unless the timestamp is a canonical decimal
/// number (digits only, no leading zero): anything else would not read back as the string that
/// was signed.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::{Error, MsgCrypt, Stamp, json};
///
/// let crypt = MsgCrypt::new("AAAAA", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "wxba5fad812f8e6fb9")?;
/// let sent = crypt.encrypt_msg("hi", Stamp::from_parts("1713424427", "415670741"))?;
/// assert!(json::render_reply_wechat(&sent)?.contains(r#""TimeStamp":1713424427,"#));
///
/// let odd = crypt.encrypt_msg("hi", Stamp::from_parts("soon", "415670741"))?;
/// assert_eq!(json::render_reply_wechat(&odd), Err(Error::ReplyTimestampNotNumeric));
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
pub fn render_reply_wechat(msg: &EncryptedMsg) -> Result<String, Error> {
    let time_stamp = numeric_timestamp(msg.timestamp())?;
    let mut out = String::with_capacity(msg.encrypt().len() + 140);
    out.push_str(r#"{"Encrypt":"#);
    push_json_string(&mut out, msg.encrypt())?;
    out.push_str(r#","MsgSignature":"#);
    push_json_string(&mut out, msg.msg_signature())?;
    out.push_str(r#","TimeStamp":"#);
    out.push_str(time_stamp);
    out.push_str(r#","Nonce":"#);
    push_json_string(&mut out, msg.nonce())?;
    out.push('}');
    Ok(out)
}

/// The timestamp, if it is the canonical decimal spelling of a `u64`: it is then written as a
/// JSON number that reads back as the same string.
fn numeric_timestamp(timestamp: &str) -> Result<&str, Error> {
    let canonical = !timestamp.is_empty()
        && timestamp.bytes().all(|b| b.is_ascii_digit())
        && (timestamp == "0" || !timestamp.starts_with('0'))
        && timestamp.parse::<u64>().is_ok();
    if canonical { Ok(timestamp) } else { Err(Error::ReplyTimestampNotNumeric) }
}

/// Appends `value` as a JSON string literal, escaped by serde_json.
fn push_json_string(out: &mut String, value: &str) -> Result<(), Error> {
    let literal = serde_json::to_string(value);
    debug_assert!(literal.is_ok(), "any &str serializes");
    out.push_str(&literal.map_err(|_| Error::ReplyFieldNotRepresentable)?);
    Ok(())
}

/// What the top level of a body held: the Encrypt string, or why not.
struct Envelope<'a>(Result<Cow<'a, str>, EnvelopeFault>);

impl<'de> Deserialize<'de> for Envelope<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(EnvelopeVisitor)
    }
}

struct EnvelopeVisitor;

impl<'de> Visitor<'de> for EnvelopeVisitor {
    type Value = Envelope<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let (first, duplicate) = read_fields::<Text<'de>, A>(map)?;
        Ok(Envelope(match (duplicate, first.map(|text| text.0)) {
            (true, _) => Err(EnvelopeFault::DuplicateEncrypt),
            (false, None) => Err(EnvelopeFault::MissingEncrypt),
            (false, Some(None)) => Err(EnvelopeFault::EncryptNotText),
            (false, Some(Some(text))) => Ok(text),
        }))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Envelope(Err(EnvelopeFault::MissingEncrypt)))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Envelope(Err(EnvelopeFault::MissingEncrypt)))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Envelope(Err(EnvelopeFault::MissingEncrypt)))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Envelope(Err(EnvelopeFault::MissingEncrypt)))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Envelope(Err(EnvelopeFault::MissingEncrypt)))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Envelope(Err(EnvelopeFault::MissingEncrypt)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Envelope(Err(EnvelopeFault::MissingEncrypt)))
    }
}

/// Reads an object's fields: the first Encrypt value as a `V`, and whether there was a second
/// (read as nothing). The whole object is read either way, so that malformed JSON after a
/// fault is still reported as malformed.
fn read_fields<'de, V: Deserialize<'de>, A: MapAccess<'de>>(
    mut map: A,
) -> Result<(Option<V>, bool), A::Error> {
    let mut first = None;
    let mut duplicate = false;
    while let Some(Key(is_encrypt)) = map.next_key()? {
        if !is_encrypt {
            map.next_value::<IgnoredAny>()?;
        } else if first.is_some() {
            map.next_value::<IgnoredAny>()?;
            duplicate = true;
        } else {
            first = Some(map.next_value::<V>()?);
        }
    }
    Ok((first, duplicate))
}

/// A top-level key: whether it names the Encrypt field (either spelling, escapes decoded).
struct Key(bool);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
                Ok(Key(key == "encrypt" || key == "Encrypt"))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// The Encrypt value: a string (borrowed when it had no escapes), or `None` for any other type.
struct Text<'a>(Option<Cow<'a, str>>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Owned(v.to_owned()))))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Text(None))
            }
        }
        deserializer.deserialize_any(TextVisitor)
    }
}

/// The fast path's two readings of a body, for the fuzz target that holds them to the full
/// reader. Only under `cfg(fuzzing)` (cargo-fuzz sets it): not part of the API.
#[cfg(fuzzing)]
#[doc(hidden)]
pub fn fuzzing_readings(body: &str) -> [Option<&str>; 2] {
    envelope::fuzzing_readings::<JsonEnvelope>(body)
}

/// The full reading alone; see [`fuzzing_readings`].
#[cfg(fuzzing)]
#[doc(hidden)]
pub fn fuzzing_read_full(body: &str) -> Result<Cow<'_, str>, Error> {
    read_encrypt_full(body)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const CANONICAL: [&str; 4] = [
        r#"{"tousername":"wx5823bf96d3bd56c7","encrypt":"CZWs4CWRpI4VolQlvn4dlEC1alN2MUEY2VklGehgBVLBrlVF7SyT+SV+==","agentid":218}"#,
        r#"{"encrypt":"AbC+/="}"#,
        "{\n  \"ToUserName\": \"gh_1\",\n  \"Encrypt\": \"AbC+/=\"\n}\n",
        r#"{"tousername":"ww1","encrypt":"AbC","agentid":"218"}"#,
    ];

    const PIECES: [&str; 22] = [
        "\"",
        "\\",
        "\\/",
        "\\u0041",
        ",",
        ":",
        "{",
        "}",
        "[]",
        "1.5",
        "1e3",
        "-",
        "0",
        "true",
        "null",
        " ",
        "\r",
        "\u{1}",
        "é",
        "\"encrypt\":\"x\",",
        "\"Encrypt\":1,",
        "\u{2028}",
    ];

    fn mutated() -> impl Strategy<Value = String> {
        let mutation = (0u8..3, any::<prop::sample::Index>(), 0..PIECES.len());
        (0..CANONICAL.len(), proptest::collection::vec(mutation, 0..4)).prop_map(|(base, ops)| {
            let mut body = CANONICAL[base].to_owned();
            for (kind, at, piece) in ops {
                let mut at = at.index(body.len() + 1);
                while !body.is_char_boundary(at) {
                    at -= 1;
                }
                let mut end = (at + 1).min(body.len());
                while !body.is_char_boundary(end) {
                    end += 1;
                }
                match kind {
                    0 => body.insert_str(at, PIECES[piece]),
                    1 => body.replace_range(at..end, PIECES[piece]),
                    _ => body.replace_range(at..end, ""),
                }
            }
            body
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// The fast path answers only with the full reader's answer, and the full reader with
        /// serde_json's own DOM's, for mutations of canonical bodies and for arbitrary text.
        #[test]
        fn the_fast_path_answers_only_as_the_full_reader_does(body in prop_oneof![mutated(), ".{0,60}"]) {
            let full = read_encrypt_full(&body);
            if let Some(fast) = canonical::read(&body, Check::Everything) {
                prop_assert_eq!(full.as_deref(), Ok(fast), "{:?}", body);
            }
            let unchecked = canonical::read(&body, Check::AllButEncryptCharacters);
            if let Some(fast) = unchecked.filter(|v| !canonical::has_control_character(v)) {
                prop_assert_eq!(full.as_deref(), Ok(fast), "{:?}", body);
            }
            if let (Ok(ours), Ok(dom)) = (&full, serde_json::from_str::<serde_json::Value>(&body)) {
                let theirs = dom.get("encrypt").or_else(|| dom.get("Encrypt"));
                prop_assert_eq!(Some(ours.as_ref()), theirs.and_then(serde_json::Value::as_str));
            }
        }
    }

    #[test]
    fn the_canonical_bodies_take_the_fast_path() {
        for body in CANONICAL {
            assert!(canonical::read(body, Check::Everything).is_some(), "{body:?}");
            assert_eq!(read_encrypt(body), read_encrypt_full(body));
        }
    }
}
