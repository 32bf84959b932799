//! The plaintext frame: `random(16) ‖ msg_len (u32 BE) ‖ msg ‖ receive_id`.

use crate::error::Error;

/// Bytes before the message: 16 random bytes and the 4-byte length.
pub(crate) const HEADER_LEN: usize = 20;

/// The message and receive id of a parsed frame, borrowed from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Frame<'a> {
    pub(crate) msg: &'a [u8],
    pub(crate) receive_id: &'a [u8],
}

/// The length of the unpadded frame for a message and receive id of these lengths.
///
/// # Errors
///
/// [`Error::ReplyTooLarge`] if `msg_len` does not fit the 32-bit length field, or the frame's
/// size would overflow.
pub(crate) fn len(msg_len: usize, receive_id_len: usize) -> Result<usize, Error> {
    u32::try_from(msg_len).map_err(|_| Error::ReplyTooLarge)?;
    HEADER_LEN
        .checked_add(msg_len)
        .and_then(|n| n.checked_add(receive_id_len))
        .ok_or(Error::ReplyTooLarge)
}

/// Writes the unpadded frame for `msg` and `receive_id` into `buf` (cleared first), reserving
/// room for `room_after` more bytes (the padding) so that encryption does not reallocate.
///
/// # Errors
///
/// [`Error::ReplyTooLarge`] if `msg` is 4 GiB or longer.
pub(crate) fn build(
    buf: &mut Vec<u8>,
    random: &[u8; 16],
    msg: &[u8],
    receive_id: &[u8],
    room_after: usize,
) -> Result<(), Error> {
    let msg_len = u32::try_from(msg.len()).map_err(|_| Error::ReplyTooLarge)?;
    let total =
        len(msg.len(), receive_id.len())?.checked_add(room_after).ok_or(Error::ReplyTooLarge)?;
    buf.clear();
    buf.reserve_exact(total);
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
pub(crate) fn parse(frame: &[u8]) -> Result<Frame<'_>, Error> {
    let (header, rest) = frame.split_first_chunk::<HEADER_LEN>().ok_or(Error::FrameTooShort)?;
    let [.., a, b, c, d] = *header;
    let msg_len = usize::try_from(u32::from_be_bytes([a, b, c, d]))
        .map_err(|_| Error::MessageLengthOutOfRange)?;
    let (msg, receive_id) = rest.split_at_checked(msg_len).ok_or(Error::MessageLengthOutOfRange)?;
    Ok(Frame { msg, receive_id })
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
        assert_eq!(parts, Frame { msg: b"hello", receive_id: b"ww123" });
    }

    #[test]
    fn parse_rejects_short_frames_and_long_length_fields() {
        assert_eq!(parse(&[0u8; 19]), Err(Error::FrameTooShort));
        assert_eq!(parse(&[]), Err(Error::FrameTooShort));
        assert_eq!(parse(&frame(0, b"")).unwrap(), Frame { msg: b"", receive_id: b"" });
        assert_eq!(parse(&frame(1, b"")), Err(Error::MessageLengthOutOfRange));
        assert_eq!(parse(&frame(u32::MAX, b"abc")), Err(Error::MessageLengthOutOfRange));
        assert_eq!(parse(&frame(0xFFFF_FFF0, b"abc")), Err(Error::MessageLengthOutOfRange));
        assert_eq!(parse(&frame(3, b"abc")).unwrap(), Frame { msg: b"abc", receive_id: b"" });
    }

    #[test]
    fn build_then_parse_round_trips() {
        let mut buf = Vec::new();
        build(&mut buf, &[9; 16], "企业微信".as_bytes(), b"wx1", 32).unwrap();
        assert_eq!(&buf[16..20], &12u32.to_be_bytes());
        assert!(buf.capacity() >= 20 + 12 + 3 + 32);
        let parts = parse(&buf).unwrap();
        assert_eq!(parts, Frame { msg: "企业微信".as_bytes(), receive_id: b"wx1" });
        assert_eq!(len(12, 3), Ok(35));
    }
}
