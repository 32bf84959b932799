//! The plaintext frame: `random(16) ‖ msg_len (u32 BE) ‖ msg ‖ receive_id`.

use core::ops::Range;

use crate::Error;

/// Bytes before the message: 16 random bytes and the 4-byte length.
pub(crate) const HEADER_LEN: usize = 20;

/// The message and receive id of a parsed frame, as ranges into it (no copy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FrameParts {
    pub(crate) msg: Range<usize>,
    pub(crate) receive_id: Range<usize>,
}

/// Writes the unpadded frame for `msg` and `receive_id` into `buf` (cleared first), reserving
/// room for the padding so that encryption does not reallocate.
///
/// # Errors
///
/// [`Error::ReplyTooLarge`] if `msg` is 4 GiB or longer.
pub(crate) fn build(
    buf: &mut Vec<u8>,
    random: &[u8; 16],
    msg: &[u8],
    receive_id: &[u8],
) -> Result<(), Error> {
    let msg_len = u32::try_from(msg.len()).map_err(|_| Error::ReplyTooLarge)?;
    let len = HEADER_LEN
        .checked_add(msg.len())
        .and_then(|n| n.checked_add(receive_id.len()))
        .and_then(|n| n.checked_add(super::aes_cbc::PAD_BLOCK))
        .ok_or(Error::ReplyTooLarge)?;
    buf.clear();
    buf.reserve_exact(len);
    buf.extend_from_slice(random);
    buf.extend_from_slice(&msg_len.to_be_bytes());
    buf.extend_from_slice(msg);
    buf.extend_from_slice(receive_id);
    Ok(())
}

/// Splits an unpadded frame into its message and receive id.
///
/// # Errors
///
/// [`Error::FrameTooShort`] below 20 bytes; [`Error::MessageLengthOutOfRange`] if the length
/// field runs past the end. Nothing is allocated according to the length field.
pub(crate) fn parse(frame: &[u8]) -> Result<FrameParts, Error> {
    let Some(&[a, b, c, d]) = frame.get(16..HEADER_LEN) else {
        return Err(Error::FrameTooShort);
    };
    let msg_len = usize::try_from(u32::from_be_bytes([a, b, c, d]))
        .map_err(|_| Error::MessageLengthOutOfRange)?;
    let msg_end = HEADER_LEN
        .checked_add(msg_len)
        .filter(|&end| end <= frame.len())
        .ok_or(Error::MessageLengthOutOfRange)?;
    Ok(FrameParts { msg: HEADER_LEN..msg_end, receive_id: msg_end..frame.len() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(len_field: u32, rest: &[u8]) -> Vec<u8> {
        let mut f = vec![b'r'; 16];
        f.extend(len_field.to_be_bytes());
        f.extend(rest);
        f
    }

    #[test]
    fn parse_splits_message_and_receive_id() {
        let f = frame(5, b"helloww123");
        let parts = parse(&f).unwrap();
        assert_eq!(&f[parts.msg], b"hello");
        assert_eq!(&f[parts.receive_id], b"ww123");
    }

    #[test]
    fn parse_rejects_short_frames_and_long_length_fields() {
        assert_eq!(parse(&[0u8; 19]), Err(Error::FrameTooShort));
        assert_eq!(parse(&frame(0, b"")).unwrap().msg, 20..20);
        assert_eq!(parse(&frame(1, b"")), Err(Error::MessageLengthOutOfRange));
        assert_eq!(parse(&frame(u32::MAX, b"abc")), Err(Error::MessageLengthOutOfRange));
        assert_eq!(parse(&frame(0xFFFF_FFF0, b"abc")), Err(Error::MessageLengthOutOfRange));
    }

    #[test]
    fn build_then_parse_round_trips() {
        let mut buf = Vec::new();
        build(&mut buf, &[9; 16], "企业微信".as_bytes(), b"wx1").unwrap();
        assert_eq!(&buf[16..20], &12u32.to_be_bytes());
        let parts = parse(&buf).unwrap();
        assert_eq!(&buf[parts.msg], "企业微信".as_bytes());
        assert_eq!(&buf[parts.receive_id], b"wx1");
    }
}
