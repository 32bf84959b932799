//! The JSON envelope: the WeCom AI bot, WeCom JSON callbacks and JSON-mode 小程序.
//!
//! Reading accepts both spellings of the field: `encrypt` (WeCom:
//! `{"tousername": "…", "encrypt": "…", "agentid": 218}`, or the AI bot's `{"encrypt": "…"}`) and
//! `Encrypt` (WeChat/小程序: `{"ToUserName": "…", "Encrypt": "…"}`). Rendering has one function per
//! reply form: [`render_reply`] for WeCom, [`render_reply_wechat`] for WeChat/小程序.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::{Decrypted, EncryptedMsg, EnvelopeFault, Error, MsgCrypt};

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
/// use wxbizmsgcrypt::{MsgCrypt, json};
///
/// // The WeCom AI bot: an empty receive id, a body with only "encrypt".
/// let crypt = MsgCrypt::new("tok3n", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "")?;
/// let reply = crypt.encrypt_msg(r#"{"msgtype":"text"}"#, "1700000000", "1700000001")?;
/// let body = format!(r#"{{"encrypt":"{}"}}"#, reply.encrypt);
/// let message = json::decrypt_msg(&crypt, &reply.msg_signature, "1700000000", "1700000001", &body)?;
/// assert_eq!(message, r#"{"msgtype":"text"}"#);
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
pub fn decrypt_msg(
    crypt: &MsgCrypt,
    msg_signature: &str,
    timestamp: &str,
    nonce: &str,
    body: &str,
) -> Result<String, Error> {
    decrypt_body(body, |encrypt| crypt.decrypt_msg(msg_signature, timestamp, nonce, encrypt))
}

/// Encrypts `reply` with [`MsgCrypt::encrypt_msg`] and renders it in the WeCom form with
/// [`render_reply`].
///
/// # Errors
///
/// The errors of [`MsgCrypt::encrypt_msg`].
///
/// # Example
///
/// ```
/// # let crypt = wxbizmsgcrypt::MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
/// let body = wxbizmsgcrypt::json::encrypt_msg(&crypt, "hello", "1409659813", "1372623149")?;
/// assert!(body.starts_with(r#"{"encrypt":""#));
/// assert!(body.ends_with(r#"","timestamp":"1409659813","nonce":"1372623149"}"#));
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
pub fn encrypt_msg(
    crypt: &MsgCrypt,
    reply: &str,
    timestamp: &str,
    nonce: &str,
) -> Result<String, Error> {
    Ok(render_reply(&crypt.encrypt_msg(reply, timestamp, nonce)?))
}

/// Encrypts `reply` with [`MsgCrypt::encrypt_msg`] and renders it in the WeChat/小程序 form with
/// [`render_reply_wechat`].
///
/// # Errors
///
/// [`Error::ReplyTimestampNotNumeric`] (`-40011`) unless `timestamp` is a plain decimal number,
/// then the errors of [`MsgCrypt::encrypt_msg`].
///
/// # Example
///
/// ```
/// # let crypt = wxbizmsgcrypt::MsgCrypt::new("AAAAA", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "wxba5fad812f8e6fb9")?;
/// let body = wxbizmsgcrypt::json::encrypt_msg_wechat(&crypt, r#"{"demo_resp":"good luck"}"#, "1713424427", "415670741")?;
/// assert!(body.ends_with(r#"","TimeStamp":1713424427,"Nonce":"415670741"}"#));
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
pub fn encrypt_msg_wechat(
    crypt: &MsgCrypt,
    reply: &str,
    timestamp: &str,
    nonce: &str,
) -> Result<String, Error> {
    numeric_timestamp(timestamp)?;
    render_reply_wechat(&crypt.encrypt_msg(reply, timestamp, nonce)?)
}

/// Like [`decrypt_msg`], and also tells the receive id the message carried and which key opened
/// it: see [`MsgCrypt::decrypt_msg_detailed`].
///
/// # Errors
///
/// The same as [`decrypt_msg`].
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt::{MsgCrypt, json};
///
/// let crypt = MsgCrypt::builder("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C").any_receive_id().build()?;
/// let body = r#"{"tousername":"wx5823bf96d3bd56c7","encrypt":"CZWs4CWRpI4VolQlvn4dlEC1alN2MUEY2VklGehgBVLBrlVF7SyT+SV+Toj43l4ayJ9UMGKphktKKmP7B2j/P1ey67XB8PBgS7Wr5/8+w/yWriZv3Vmoo/MH3/1HsIWZrPQ3N2mJrelStIfI2Y8kLKXA7EhfZgZX4o+ffdkZDM76SEl79Ib9mw7TGjZ9Aw/x/A2VjNbV1E8BtEbRxYYcQippYNw7hr8sFfa3nW1xLdxokt8QkRX83vK3DFP2F6TQFPL2Tu98UwhcUpPvdJBuu1/yiOQIScppV3eOuLWEsko=","agentid":"218"}"#;
/// let message = json::decrypt_msg_detailed(&crypt, "0623cbc5a8cbee5bcc137c70de99575366fc2af3", "1409659813", "1372623149", body)?;
/// assert_eq!(message.receive_id(), "wx5823bf96d3bd56c7");
/// let reply_body = json::encrypt_reply(&crypt, &message, "{}", "1409659814", "42")?;
/// # assert!(reply_body.starts_with("{\"encrypt\":"));
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
pub fn decrypt_msg_detailed(
    crypt: &MsgCrypt,
    msg_signature: &str,
    timestamp: &str,
    nonce: &str,
    body: &str,
) -> Result<Decrypted, Error> {
    decrypt_body(body, |encrypt| {
        crypt.decrypt_msg_detailed(msg_signature, timestamp, nonce, encrypt)
    })
}

/// Encrypts a reply to `to` with [`MsgCrypt::encrypt_reply`] (its key and receive id) and
/// renders it in the WeCom form with [`render_reply`].
///
/// # Errors
///
/// [`Error::ReplyTooLarge`] (`-40006`) for a reply of 4 GiB or more.
///
/// # Example
///
/// ```
/// # use wxbizmsgcrypt::{MsgCrypt, json};
/// # let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
/// # let sent = crypt.encrypt_msg("{}", "1", "2")?;
/// let message = crypt.decrypt_msg_detailed(&sent.msg_signature, "1", "2", &sent.encrypt)?;
/// let body = json::encrypt_reply(&crypt, &message, "{}", "3", "4")?;
/// # assert!(body.ends_with(r#""timestamp":"3","nonce":"4"}"#));
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
pub fn encrypt_reply(
    crypt: &MsgCrypt,
    to: &Decrypted,
    reply: &str,
    timestamp: &str,
    nonce: &str,
) -> Result<String, Error> {
    Ok(render_reply(&crypt.encrypt_reply(to, reply, timestamp, nonce)?))
}

/// Encrypts a reply to `to` with [`MsgCrypt::encrypt_reply`] and renders it in the WeChat/小程序
/// form with [`render_reply_wechat`].
///
/// # Errors
///
/// [`Error::ReplyTimestampNotNumeric`] (`-40011`) unless `timestamp` is a plain decimal number;
/// [`Error::ReplyTooLarge`] (`-40006`) for a reply of 4 GiB or more.
///
/// # Example
///
/// ```
/// # use wxbizmsgcrypt::{MsgCrypt, json};
/// # let crypt = MsgCrypt::new("AAAAA", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "wxba5fad812f8e6fb9")?;
/// # let sent = crypt.encrypt_msg("{}", "1", "2")?;
/// let message = crypt.decrypt_msg_detailed(&sent.msg_signature, "1", "2", &sent.encrypt)?;
/// let body = json::encrypt_reply_wechat(&crypt, &message, "{}", "1713424427", "4")?;
/// # assert!(body.ends_with(r#""TimeStamp":1713424427,"Nonce":"4"}"#));
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
pub fn encrypt_reply_wechat(
    crypt: &MsgCrypt,
    to: &Decrypted,
    reply: &str,
    timestamp: &str,
    nonce: &str,
) -> Result<String, Error> {
    numeric_timestamp(timestamp)?;
    render_reply_wechat(&crypt.encrypt_reply(to, reply, timestamp, nonce)?)
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

/// Renders an encrypted reply in the WeCom JSON form, exactly as Tencent's Go, C++ and Java
/// libraries do: compact, keys in this order, the timestamp a string.
///
/// ```text
/// {"encrypt":"E","msgsignature":"S","timestamp":"T","nonce":"N"}
/// ```
///
/// Any timestamp or nonce is escaped as JSON requires.
///
/// # Example
///
/// ```
/// # let crypt = wxbizmsgcrypt::MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
/// let reply = crypt.encrypt_msg("hello", "1409659813", "1372623149")?;
/// assert_eq!(
///     wxbizmsgcrypt::json::render_reply(&reply),
///     format!(
///         r#"{{"encrypt":"{}","msgsignature":"{}","timestamp":"1409659813","nonce":"1372623149"}}"#,
///         reply.encrypt, reply.msg_signature
///     )
/// );
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
#[must_use]
pub fn render_reply(msg: &EncryptedMsg) -> String {
    #[derive(Serialize)]
    struct WeComReply<'a> {
        encrypt: &'a str,
        msgsignature: &'a str,
        timestamp: &'a str,
        nonce: &'a str,
    }
    to_json(&WeComReply {
        encrypt: &msg.encrypt,
        msgsignature: &msg.msg_signature,
        timestamp: &msg.timestamp,
        nonce: &msg.nonce,
    })
}

/// Renders an encrypted reply in the WeChat/小程序 JSON form: capitalised keys, the timestamp a
/// JSON number.
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
/// let reply = crypt.encrypt_msg("hi", "1713424427", "415670741")?;
/// assert!(json::render_reply_wechat(&reply)?.contains(r#""TimeStamp":1713424427,"#));
///
/// let odd = crypt.encrypt_msg("hi", "soon", "415670741")?;
/// assert_eq!(json::render_reply_wechat(&odd), Err(Error::ReplyTimestampNotNumeric));
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
pub fn render_reply_wechat(msg: &EncryptedMsg) -> Result<String, Error> {
    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct WeChatReply<'a> {
        encrypt: &'a str,
        msg_signature: &'a str,
        time_stamp: u64,
        nonce: &'a str,
    }
    Ok(to_json(&WeChatReply {
        encrypt: &msg.encrypt,
        msg_signature: &msg.msg_signature,
        time_stamp: numeric_timestamp(&msg.timestamp)?,
        nonce: &msg.nonce,
    }))
}

/// The timestamp as a number, if it is the canonical decimal spelling of one.
fn numeric_timestamp(timestamp: &str) -> Result<u64, Error> {
    let canonical = !timestamp.is_empty()
        && timestamp.bytes().all(|b| b.is_ascii_digit())
        && (timestamp == "0" || !timestamp.starts_with('0'));
    if !canonical {
        return Err(Error::ReplyTimestampNotNumeric);
    }
    timestamp.parse().map_err(|_| Error::ReplyTimestampNotNumeric)
}

/// Serializes a struct of strings and integers, which cannot fail.
fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
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
