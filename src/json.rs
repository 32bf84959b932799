//! The JSON envelope: the WeCom AI bot, WeCom JSON callbacks and JSON-mode 小程序.
//!
//! Reading accepts both spellings of the field: `encrypt` (WeCom:
//! `{"tousername": "…", "encrypt": "…", "agentid": 218}`, or the AI bot's `{"encrypt": "…"}`) and
//! `Encrypt` (WeChat/小程序: `{"ToUserName": "…", "Encrypt": "…"}`). Rendering has one function per
//! reply form: [`render_reply`] and [`encrypt_reply`] for WeCom and the AI bot,
//! [`render_reply_wechat`] and [`encrypt_reply_wechat`] for WeChat/小程序.

use std::borrow::Cow;
use std::fmt;

use serde_core::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::error::{EnvelopeFault, Error};
use crate::{Decrypted, EncryptedMsg, MsgCrypt, Signed};

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
    decrypt_body(body, |encrypt| crypt.decrypt_msg(signed, encrypt))
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
/// use wxbizmsgcrypt::{MsgCrypt, Signed, json};
///
/// // The WeCom AI bot: an empty receive id.
/// let crypt = MsgCrypt::new("tok3n", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "")?;
/// let sent = crypt.encrypt_msg(r#"{"msgtype":"text"}"#, "1700000000", "n1")?; // WeCom's side
/// let signed = Signed { msg_signature: sent.msg_signature(), timestamp: "1700000000", nonce: "n1" };
/// let decrypted = crypt.decrypt_msg(signed, sent.encrypt())?;
///
/// let body = json::encrypt_reply(&decrypted, "{}", "1700000001", "n2")?;
/// assert!(body.starts_with(r#"{"encrypt":""#));
/// assert!(body.ends_with(r#"","timestamp":"1700000001","nonce":"n2"}"#));
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
pub fn encrypt_reply(
    to: &Decrypted,
    reply: &str,
    timestamp: &str,
    nonce: &str,
) -> Result<String, Error> {
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
/// [`Error::ReplyTimestampNotNumeric`] (`-40011`) unless `timestamp` is a plain decimal number
/// (checked first); [`Error::ReplyTooLarge`] (`-40006`) for a reply of 4 GiB or more.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::{MsgCrypt, Signed, json};
///
/// let crypt = MsgCrypt::new("AAAAA", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "wxba5fad812f8e6fb9")?;
/// let sent = crypt.encrypt_msg("{}", "1713424426", "1")?; // WeChat's side
/// let signed = Signed { msg_signature: sent.msg_signature(), timestamp: "1713424426", nonce: "1" };
/// let decrypted = crypt.decrypt_msg(signed, sent.encrypt())?;
///
/// let body = json::encrypt_reply_wechat(&decrypted, r#"{"demo_resp":"good luck"}"#, "1713424427", "415670741")?;
/// assert!(body.ends_with(r#"","TimeStamp":1713424427,"Nonce":"415670741"}"#));
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
pub fn encrypt_reply_wechat(
    to: &Decrypted,
    reply: &str,
    timestamp: &str,
    nonce: &str,
) -> Result<String, Error> {
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
    if let Some(text) = read_plain_encrypt(body) {
        return Ok(Cow::Borrowed(text));
    }
    let envelope: Envelope<'_> = serde_json::from_str(body)
        .map_err(|_| Error::MalformedEnvelope(EnvelopeFault::NotWellFormed))?;
    envelope.0.map_err(Error::MalformedEnvelope)
}

/// Runs `decrypt` on the body's Encrypt text, with the result and errors it would have on
/// [`read_encrypt`]'s reading, but skipping one pass over the text when it can.
///
/// The fast reading checks the text for control characters. `decrypt` can only succeed on a
/// text whose every byte is base64 or a space (read as `+`), so the check is made only when
/// `decrypt` fails: the body is then read again in full, and a fault of the body is reported
/// before the decryption's, as if it had been read first. From 16 KiB up the skipped pass was
/// 2% of `decrypt_msg`.
fn decrypt_body<T>(body: &str, decrypt: impl FnOnce(&str) -> Result<T, Error>) -> Result<T, Error> {
    let Some(text) = read_unescaped_encrypt(body) else {
        return decrypt(&read_encrypt(body)?);
    };
    decrypt(text).map_err(|fault| read_encrypt(body).err().unwrap_or(fault))
}

/// The usual body read fast: a well-formed object with one Encrypt, a string without escapes.
/// `None` for anything else, which [`read_encrypt`] then reads in full.
fn read_plain_encrypt(body: &str) -> Option<&str> {
    read_unescaped_encrypt(body).filter(|text| !has_control_character(text))
}

/// Whether `text` has a character JSON forbids raw in a string (below U+0020), in one
/// vectorized pass.
fn has_control_character(text: &str) -> bool {
    text.bytes().fold(u8::MAX, u8::min) < 0x20
}

/// The Encrypt string of a well-formed object with exactly one Encrypt, if it has no escapes,
/// *not yet checked for control characters*: [`read_plain_encrypt`] and [`decrypt_body`] each
/// check it in their own way.
///
/// Deserializing a string makes serde_json check each byte for control characters, 8 bytes at
/// a time; on a 1 KiB message that scan of the ciphertext cost as much as decoding it. Asked
/// for *bytes*, serde_json finds the string's end with a SIMD search for `"` and `\` and checks
/// nothing more. Whatever [`read_plain_encrypt`] accepts, the full reading accepts with the same
/// result; a property test holds both against serde_json's own DOM.
fn read_unescaped_encrypt(body: &str) -> Option<&str> {
    let envelope: FastEnvelope<'_> = serde_json::from_str(body).ok()?;
    let bytes = envelope.0?;
    // The bytes are borrowed from `body`, between two quotes: the same range of `body` is a
    // `&str` without validating it again (`get` checks the two ends are char boundaries, and
    // `ptr::eq` that the range is those very bytes).
    let start = bytes.as_ptr().addr().checked_sub(body.as_ptr().addr())?;
    let text = body.get(start..start.checked_add(bytes.len())?)?;
    std::ptr::eq(text.as_bytes(), bytes).then_some(text)
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
/// use wxbizmsgcrypt::{MsgCrypt, json};
///
/// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
/// let sent = crypt.encrypt_msg("hello", "1409659813", "1372623149")?;
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
/// use wxbizmsgcrypt::{Error, MsgCrypt, json};
///
/// let crypt = MsgCrypt::new("AAAAA", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "wxba5fad812f8e6fb9")?;
/// let sent = crypt.encrypt_msg("hi", "1713424427", "415670741")?;
/// assert!(json::render_reply_wechat(&sent)?.contains(r#""TimeStamp":1713424427,"#));
///
/// let odd = crypt.encrypt_msg("hi", "soon", "415670741")?;
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
/// fault is still reported as malformed; both readings of a body share this walk.
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

/// A body as [`read_plain_encrypt`] reads it: the Encrypt string's bytes if the body is an
/// object with exactly one Encrypt, a string without escapes.
struct FastEnvelope<'a>(Option<&'a [u8]>);

impl<'de> Deserialize<'de> for FastEnvelope<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FastVisitor;
        impl<'de> Visitor<'de> for FastVisitor {
            type Value = FastEnvelope<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let (first, duplicate) = read_fields::<RawStringBytes<'de>, A>(map)?;
                Ok(FastEnvelope(first.and_then(|bytes| bytes.0).filter(|_| !duplicate)))
            }
        }
        deserializer.deserialize_map(FastVisitor)
    }
}

/// A string's bytes, borrowed when it had no escapes (`None` otherwise). Any other value makes
/// serde_json report an invalid type, and [`read_plain_encrypt`] gives up.
struct RawStringBytes<'a>(Option<&'a [u8]>);

impl<'de> Deserialize<'de> for RawStringBytes<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BytesVisitor;
        impl<'de> Visitor<'de> for BytesVisitor {
            type Value = RawStringBytes<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Self::Value, E> {
                Ok(RawStringBytes(Some(v)))
            }
            fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Self::Value, E> {
                Ok(RawStringBytes(None))
            }
        }
        deserializer.deserialize_bytes(BytesVisitor)
    }
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
