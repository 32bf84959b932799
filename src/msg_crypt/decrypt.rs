//! The receiving direction: the URL check and messages, checked in the order of protocol.md §4.

use std::borrow::Cow;
use std::sync::Arc;

use super::scratch::with_scratch;
use super::{Decrypted, KeyUsed, MsgCrypt};
use crate::crypto::frame::{self, Frame};
use crate::crypto::key::AesKey;
use crate::crypto::{aes_cbc, b64, signature};
use crate::error::Error;
use crate::query::is_echostr;
use crate::signed::Signed;

impl MsgCrypt {
    /// Answers the GET URL check of WeCom and the AI bot: verifies `msg_signature` over
    /// `echostr`, decrypts it, and returns the plaintext to send back as the response body
    /// (status 200, nothing else: no quotes, no newline).
    ///
    /// Only an echostr is released: 1 to 128 ASCII letters, digits, `-` or `_`. A POST's
    /// signature covers the same four strings as a URL check, so a captured POST sent as a URL
    /// check verifies; without this rule the answer would be the message's plaintext.
    ///
    /// Pass the parameters URL-decoded exactly once ([`CallbackQuery`](crate::CallbackQuery)
    /// does). A space in `echostr` is read as `+` (base64 has no spaces, so it can only be a `+`
    /// that was form-decoded).
    ///
    /// WeChat 公众号/小程序 URL checks are different: there the echostr is returned unchanged
    /// after checking the plain `signature` ([`verify_plain_signature`](crate::verify_plain_signature)).
    ///
    /// # Errors
    ///
    /// The errors of [`decrypt_msg`](MsgCrypt::decrypt_msg), in its order, then
    /// [`Error::NotAnEchostr`] (`-40014`) if the plaintext is not echostr-shaped.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::{MsgCrypt, Signed};
    ///
    /// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// let signed = Signed {
    ///     msg_signature: "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
    ///     timestamp: "1409659589",
    ///     nonce: "263014780",
    /// };
    /// let echostr = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==";
    /// assert_eq!(crypt.verify_url(signed, echostr)?, "1616140317555161061");
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub fn verify_url(&self, signed: Signed<'_>, echostr: &str) -> Result<String, Error> {
        with_scratch(|buf| {
            let opened = self.open(signed, echostr, buf)?;
            let echo = opened.frame.msg;
            if !is_echostr(echo) {
                return Err(Error::NotAnEchostr);
            }
            utf8(echo).map(String::from)
        })
    }

    /// Verifies `msg_signature` over the bare ciphertext `encrypt` (a POST body's `Encrypt`
    /// value) and decrypts it: the message (XML for most callbacks, JSON for the WeCom AI bot
    /// and JSON-mode 小程序), the receive id it carried, and the key that opened it, which is
    /// what [`Decrypted::encrypt_reply`] seals the answer with.
    ///
    /// The signature is checked, in constant time, before any base64 or AES work. A space in
    /// `encrypt` is read as `+`. To read the ciphertext out of a body, use
    /// [`xml::decrypt_msg`](crate::xml::decrypt_msg) or
    /// [`json::decrypt_msg`](crate::json::decrypt_msg).
    ///
    /// # Errors
    ///
    /// Checked in this order, one code per fault:
    /// - [`Error::SignatureMismatch`] (`-40001`): the signature does not match.
    /// - [`Error::InvalidBase64`] (`-40010`): `encrypt` is not valid base64.
    /// - [`Error::InvalidCiphertextLength`] (`-40007`): empty, or not whole 16-byte blocks.
    /// - [`Error::InvalidPadding`] (`-40007`): malformed padding (usually a wrong key).
    /// - [`Error::FrameTooShort`], [`Error::MessageLengthOutOfRange`] (`-40008`): malformed frame.
    /// - [`Error::ReceiveIdMismatch`] (`-40005`): the frame's receive id is not a configured one
    ///   (under [`any_receive_id`](crate::MsgCryptBuilder::any_receive_id): is not UTF-8).
    /// - [`Error::MessageNotUtf8`] (`-40008`): the message is not UTF-8.
    ///
    /// Everything after the first is a fault *after* the signature verified: tell the sender
    /// nothing about which one it was.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::{KeyUsed, MsgCrypt, Signed, Stamp};
    ///
    /// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// // What the sender does: encrypt and sign.
    /// let sent = crypt.encrypt_msg("<xml><Content>hi</Content></xml>", Stamp::from_parts("1409659813", "1372623149"))?;
    /// let signed = Signed { msg_signature: sent.msg_signature(), timestamp: "1409659813", nonce: "1372623149" };
    /// let decrypted = crypt.decrypt_msg(signed, sent.encrypt())?;
    /// assert_eq!(decrypted.message(), "<xml><Content>hi</Content></xml>");
    /// assert_eq!(decrypted.receive_id(), "wx5823bf96d3bd56c7");
    /// assert_eq!(decrypted.key_used(), KeyUsed::Current);
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub fn decrypt_msg(&self, signed: Signed<'_>, encrypt: &str) -> Result<Decrypted, Error> {
        with_scratch(|buf| {
            let opened = self.open(signed, encrypt, buf)?;
            let message = to_string_checked(opened.frame.msg)?;
            let receive_id = match opened.configured_id {
                Some(id) => Arc::clone(id),
                None => Arc::from(utf8(opened.frame.receive_id)?),
            };
            Ok(Decrypted::new(message, receive_id, Arc::clone(&self.inner), opened.key_used))
        })
    }

    /// Like [`decrypt_msg`](MsgCrypt::decrypt_msg), but decrypts into `buf` and borrows the
    /// message from it: once `buf` has grown to the size of the largest message, no call
    /// allocates. There is nothing to reply with: use `decrypt_msg` for messages you answer.
    ///
    /// `buf`'s previous contents are replaced. After the call it holds the decrypted frame;
    /// clear it yourself if that matters to you.
    ///
    /// # Errors
    ///
    /// The same as [`decrypt_msg`](MsgCrypt::decrypt_msg).
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::{MsgCrypt, Signed, Stamp};
    ///
    /// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// let sent = crypt.encrypt_msg("hello", Stamp::from_parts("1409659813", "1372623149"))?;
    /// let signed = Signed { msg_signature: sent.msg_signature(), timestamp: "1409659813", nonce: "1372623149" };
    /// let mut buf = Vec::new();
    /// assert_eq!(crypt.decrypt_msg_into(signed, sent.encrypt(), &mut buf)?, "hello");
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub fn decrypt_msg_into<'b>(
        &self,
        signed: Signed<'_>,
        encrypt: &str,
        buf: &'b mut Vec<u8>,
    ) -> Result<&'b str, Error> {
        let opened = self.open(signed, encrypt, buf)?;
        utf8(opened.frame.msg)
    }

    /// Verifies, decodes, decrypts and parses into `buf`, checking every fault up to the receive
    /// id in the order of protocol.md §4.
    ///
    /// The previous key is tried only after the signature verified, and only when the current
    /// key met a fault that depends on the key; the error reported is the current key's.
    fn open<'s, 'b>(
        &'s self,
        signed: Signed<'_>,
        encrypt: &str,
        buf: &'b mut Vec<u8>,
    ) -> Result<Opened<'s, 'b>, Error> {
        let encrypt = self.verified_text(signed, encrypt)?;
        if let Err(fault) = b64::decode_into(encrypt.as_bytes(), buf) {
            // Only a text that verified with its spaces can still have one here: it was signed
            // over them, which the scheme never does (see `verified_text`).
            return Err(if encrypt.contains(' ') { Error::SignatureMismatch } else { fault });
        }
        let inner = &*self.inner;
        let (len, configured_id, key_used) = match self.check_with(&inner.current, buf) {
            Ok((len, id)) => (len, id, KeyUsed::Current),
            Err(current_fault) => {
                let Some(previous) = inner.previous.as_ref() else { return Err(current_fault) };
                if !matches!(
                    current_fault,
                    Error::InvalidPadding
                        | Error::FrameTooShort
                        | Error::MessageLengthOutOfRange
                        | Error::ReceiveIdMismatch
                ) {
                    return Err(current_fault);
                }
                // The current key decrypted the buffer in place: decode it again.
                b64::decode_into(encrypt.as_bytes(), buf)?;
                match self.check_with(previous, buf) {
                    Ok((len, id)) => (len, id, KeyUsed::Previous),
                    Err(_) => return Err(current_fault),
                }
            }
        };
        // `check_with` parsed this very frame; parsing it again only borrows its parts.
        let frame = buf.get(..len).ok_or(Error::InvalidPadding).and_then(frame::parse);
        debug_assert!(frame.is_ok(), "a checked frame parses again");
        Ok(Opened { frame: frame?, configured_id, key_used })
    }

    /// Decrypts `buf` in place with `key` and checks the padding, the frame and the receive id.
    /// Returns the unpadded length and the configured receive id the frame carries (`None`
    /// for another id accepted under `any_receive_id`).
    fn check_with(
        &self,
        key: &AesKey,
        buf: &mut [u8],
    ) -> Result<(usize, Option<&Arc<str>>), Error> {
        #[cfg(feature = "__count-decryptions")]
        self.inner.decryptions.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let len = aes_cbc::decrypt_and_unpad(key, buf)?;
        let frame = frame::parse(buf.get(..len).ok_or(Error::InvalidPadding)?)?;
        let inner = &*self.inner;
        let configured = inner.receive_ids.iter().find(|id| id.as_bytes() == frame.receive_id);
        // Under `any_receive_id` any id is accepted that is text: bytes that are not UTF-8 are
        // no company's id (and, after a wrong key, noise worth the previous key's try).
        let accepted =
            configured.is_some() || (inner.accept_any_receive_id && utf8(frame.receive_id).is_ok());
        if !accepted {
            return Err(Error::ReceiveIdMismatch);
        }
        Ok((len, configured))
    }

    /// `encrypt` once `msg_signature` verifies it, with every space read as `+` (see
    /// [`plus_for_space`]).
    ///
    /// The scheme signs the text with its `+`, and that is what arrives nearly always, so the
    /// text is first verified as it stands: the hot path makes no pass over it looking for
    /// spaces (2% of a 64 KiB decrypt). Only if that fails is it verified again with a `+` for
    /// each space, so a refused text with spaces costs a second SHA-1 (as does, once, the URL
    /// check of a form-decoded echostr). A text that verifies *with* spaces was signed over
    /// them; it would not verify in its `+` form, so [`open`](Self::open) reports it as a
    /// signature mismatch when base64 refuses the space, which is what verifying the `+` form
    /// first reported.
    fn verified_text<'t>(
        &self,
        signed: Signed<'_>,
        encrypt: &'t str,
    ) -> Result<Cow<'t, str>, Error> {
        let verifies = |text: &str| {
            let public = [signed.timestamp.as_bytes(), signed.nonce.as_bytes(), text.as_bytes()];
            signature::verify(&self.inner.token, public, signed.msg_signature)
        };
        if verifies(encrypt) {
            return Ok(Cow::Borrowed(encrypt));
        }
        match plus_for_space(encrypt) {
            Cow::Owned(with_plus) if verifies(&with_plus) => Ok(Cow::Owned(with_plus)),
            _ => Err(Error::SignatureMismatch),
        }
    }
}

/// A verified and decrypted frame, with what opened it.
struct Opened<'s, 'b> {
    frame: Frame<'b>,
    /// The configured receive id the frame carries, or `None` under `any_receive_id`.
    configured_id: Option<&'s Arc<str>>,
    key_used: KeyUsed,
}

/// Validates decrypted bytes as UTF-8 with SIMD: `core::str::from_utf8` cost as much as the
/// SHA-1, base64 and AES work together on CJK text.
fn utf8(bytes: &[u8]) -> Result<&str, Error> {
    simdutf8::basic::from_utf8(bytes).map_err(|_| Error::MessageNotUtf8)
}

/// Checks `bytes` as UTF-8 and copies them into a `String` of exactly their length, one piece
/// of at most [`PIECE`] bytes at a time, so that each piece is copied while the check has
/// just brought it into the L1 cache: a large message is read once, not twice (1% of a 64 KiB
/// decrypt).
///
/// Every piece but the last ends before the start of a character, found by stepping back over
/// at most three continuation bytes. A concatenation of valid pieces is valid, and a valid
/// text splits at character starts into valid pieces, so the result is the same as checking
/// the whole at once. (Four continuation bytes in a row are invalid wherever the cut falls.)
fn to_string_checked(bytes: &[u8]) -> Result<String, Error> {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    while rest.len() > PIECE {
        let is_continuation = |at: usize| rest.get(at).is_some_and(|b| b & 0xC0 == 0x80);
        let end = (PIECE - 3..=PIECE).rev().find(|&at| !is_continuation(at)).unwrap_or(PIECE);
        let (piece, tail) = rest.split_at_checked(end).ok_or(Error::MessageNotUtf8)?;
        out.push_str(utf8(piece)?);
        rest = tail;
    }
    out.push_str(utf8(rest)?);
    Ok(out)
}

/// The piece [`to_string_checked`] checks and copies at a time: well inside a 32 KiB L1 data
/// cache, large enough that the loop costs nothing (4, 8 and 16 KiB measured alike).
const PIECE: usize = 8192;

/// Reads every space as `+`: base64 has no spaces, so a space can only be a `+` that a form
/// decoder (or a second URL-decoding) turned into one. Borrows unless there is a space.
///
/// Called only for a text whose signature did not verify as it stood; the scan uses `memchr`'s
/// SIMD search all the same (`str::contains` was 9% of a 16 KiB decrypt when it ran on every
/// call).
fn plus_for_space(text: &str) -> Cow<'_, str> {
    if memchr::memchr(b' ', text.as_bytes()).is_some() {
        Cow::Owned(text.replace(' ', "+"))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `to_string_checked` against the standard library's UTF-8 check, with every kind of
    /// character, and of fault, placed across a piece boundary at every offset.
    #[test]
    fn checked_copy_in_pieces_agrees_with_std_across_piece_boundaries() {
        let fillers: [&str; 4] = ["a", "é", "企", "😀"];
        let faults: [&[u8]; 8] = [
            &[],
            &[0x80],
            &[0xE4],
            &[0xE4, 0xB8],
            &[0xF0, 0x9F, 0x98],
            &[0xED, 0xA0, 0x80],
            &[0xC0, 0x80],
            &[0x80, 0x80, 0x80, 0x80],
        ];
        let mut checked = 0;
        for lead in 0..8 {
            for filler in fillers {
                for fault in faults {
                    for at in PIECE - 8..PIECE + 8 {
                        let mut bytes = "x".repeat(lead).into_bytes();
                        while bytes.len() < 2 * PIECE + 5 {
                            bytes.extend_from_slice(filler.as_bytes());
                        }
                        let at = at.min(bytes.len());
                        bytes.splice(at..at, fault.iter().copied());
                        let expected = std::str::from_utf8(&bytes).map(String::from);
                        let got = to_string_checked(&bytes);
                        assert_eq!(
                            got.as_ref().ok(),
                            expected.as_ref().ok(),
                            "{lead} {filler} {fault:?} {at}"
                        );
                        if let Ok(text) = got {
                            assert_eq!(text.capacity(), bytes.len());
                        } else {
                            assert_eq!(got, Err(Error::MessageNotUtf8));
                        }
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 8 * 4 * 8 * 16);
        assert_eq!(to_string_checked(b"").as_deref(), Ok(""));
    }
}
