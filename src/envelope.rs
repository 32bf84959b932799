//! What the XML and JSON envelopes share: finding the `Encrypt` value of a body by a fast
//! path for the bodies Tencent sends and a full reader for every other, and decrypting it.
//! Each envelope brings its two readers ([`Readers`]); nothing here knows XML, JSON or AES.

use std::borrow::Cow;

use crate::error::Error;

/// How much of the `Encrypt` value a fast path checks.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Check {
    /// All of it, as for the rest of the body.
    Everything,
    /// Everything but which characters the `Encrypt` value holds: for [`decrypt_body`], which
    /// checks them another way (a text that decrypts is all base64) and reads the body again
    /// in full when it does not.
    AllButEncryptCharacters,
}

/// An envelope's two readers of the `Encrypt` value.
pub(crate) trait Readers {
    /// The value of a body in the shape Tencent sends, or `None` for any other body (which
    /// [`read_full`](Envelope::read_full) then judges). Where it answers, it answers what
    /// `read_full` would (a property test and a fuzz target per envelope hold it to that).
    fn read_fast(body: &str, check: Check) -> Option<&str>;

    /// The value, as a conforming parser reads it, or the envelope's fault.
    fn read_full(body: &str) -> Result<Cow<'_, str>, Error>;
}

/// The `Encrypt` value of `body`: the fast path if it answers, else the full reader.
pub(crate) fn read_encrypt<E: Readers>(body: &str) -> Result<Cow<'_, str>, Error> {
    match E::read_fast(body, Check::Everything) {
        Some(value) => Ok(Cow::Borrowed(value)),
        None => E::read_full(body),
    }
}

/// Runs `decrypt` on the body's `Encrypt` value, with the result and errors it would have on
/// [`read_encrypt`]'s reading, skipping one pass over the value when it can.
///
/// The value of a body in the usual shape is found without checking which characters it
/// holds: `decrypt` can only succeed on a value that is all base64 (or spaces, read as `+`),
/// which the full reader reads the same. If `decrypt` fails, the body is read again in full:
/// its own fault comes first, and a value the full reader reads otherwise (a carriage return
/// it normalises, say) is decrypted as the full reader reads it. The skipped pass is 4% of
/// `xml::decrypt_msg` at 1 KiB and 5% at 64 KiB, 1.4% and 1.6% of `json::decrypt_msg`
/// (BENCHMARKS.md).
pub(crate) fn decrypt_body<E: Readers, T>(
    body: &str,
    decrypt: impl Fn(&str) -> Result<T, Error>,
) -> Result<T, Error> {
    let Some(fast) = E::read_fast(body, Check::AllButEncryptCharacters) else {
        return decrypt(&E::read_full(body)?);
    };
    let fault = match decrypt(fast) {
        Ok(decrypted) => return Ok(decrypted),
        Err(fault) => fault,
    };
    match E::read_full(body)? {
        full if full == fast => Err(fault),
        full => decrypt(&full),
    }
}

/// The fast path's two readings of a body, for the fuzz targets that hold them to the full
/// reader.
#[cfg(fuzzing)]
pub(crate) fn fuzzing_readings<E: Readers>(body: &str) -> [Option<&str>; 2] {
    [E::read_fast(body, Check::Everything), E::read_fast(body, Check::AllButEncryptCharacters)]
}
