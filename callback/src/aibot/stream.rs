//! The stream protocol, sans-I/O: what a stream has said, kept between WeCom's polls.

use std::time::Duration;

use super::reply::{IMAGE_MAX_BYTES, Reply, STREAM_CONTENT_MAX_BYTES, STREAM_MAX_IMAGES};
use crate::message::dedup::lower_hex;
use wxbizmsgcrypt::{Error, ReplyFault};

/// How long WeCom polls a stream after the user's message ("最多等待6min"). From then on, a poll is
/// answered with `finish` (WeCom would stop anyway, with error 846608 on a late update), and
/// whatever is left to say goes through the message's `response_url`.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::aibot::{REFRESH_HORIZON, Reply, StreamState};
///
/// assert_eq!(REFRESH_HORIZON.as_secs(), 6 * 60);
/// let started = 1_700_000_000;
/// let stream = StreamState::new("s1", started);
/// let horizon = started + REFRESH_HORIZON.as_secs();
/// assert_eq!(stream.reply(horizon - 1), Reply::stream("s1", "", false));
/// assert_eq!(stream.reply(horizon), Reply::stream("s1", "", true)); // WeCom would poll no more
/// ```
pub const REFRESH_HORIZON: Duration = Duration::from_secs(6 * 60);

/// A stream's state: its id, the content so far, whether it is finished, when it started, and
/// the images for its last reply.
///
/// The protocol (path/100719; Tencent's webhook plugin):
///
/// 1. A user message arrives: make a `StreamState`, store it under its id, and answer with
///    [`reply`](StreamState::reply) (content empty or a placeholder) within 5 seconds; then
///    start the work (an LLM, say) that fills it.
/// 2. WeCom polls with stream-refresh callbacks ([`Kind::StreamRefresh`](super::Kind::StreamRefresh))
///    naming the id: load the state and answer with `reply(now)` (the content so far, which
///    only grows), until it says `finish`.
/// 3. A poll for an id not stored (expired, or another replica's, if the store is not
///    shared) is answered with [`Reply::unknown_stream`], which finishes it so that WeCom
///    stops polling.
///
/// It is plain data: keep it where the service keeps state (a map in memory for one process;
/// a shared store across replicas, with a TTL of about 10 minutes). With the `serde` feature
/// it is `Serialize` and `Deserialize`, and what is deserialized holds to the limits that
/// [`push_str`](StreamState::push_str) and [`add_image`](StreamState::add_image) keep: a
/// stored state that breaks them (a store someone else can write to) is refused while it is
/// read, before an eleventh image or an oversized one is kept.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::aibot::{Reply, StreamState};
///
/// let started = 1_700_000_000;
/// let mut stream = StreamState::new("s1", started);
/// assert_eq!(stream.reply(started), Reply::stream("s1", "", false));
///
/// stream.push_str("你好")?;                      // the LLM's first tokens
/// assert_eq!(stream.reply(started + 1), Reply::stream("s1", "你好", false));
/// stream.push_str("，世界")?;
/// stream.finish();
/// assert_eq!(stream.reply(started + 2), Reply::stream("s1", "你好，世界", true));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "serde_impl::Stored"))]
pub struct StreamState {
    id: String,
    content: String,
    finished: bool,
    started_at: u64,
    images: Vec<Vec<u8>>,
}

/// `Deserialize` through a copy of the fields whose images are read with their limits, then
/// checked as a whole.
#[cfg(feature = "serde")]
mod serde_impl {
    use std::fmt;

    use serde::de::{Deserializer, Error as _, SeqAccess, Visitor};

    use super::{IMAGE_MAX_BYTES, STREAM_CONTENT_MAX_BYTES, STREAM_MAX_IMAGES, StreamState};

    #[derive(serde::Deserialize)]
    pub(super) struct Stored {
        id: String,
        content: String,
        finished: bool,
        started_at: u64,
        #[serde(deserialize_with = "images")]
        images: Vec<Vec<u8>>,
    }

    impl TryFrom<Stored> for StreamState {
        type Error = String;

        fn try_from(stored: Stored) -> Result<StreamState, String> {
            if stored.content.len() > STREAM_CONTENT_MAX_BYTES {
                return Err(format!("stream content over {STREAM_CONTENT_MAX_BYTES} bytes"));
            }
            let Stored { id, content, finished, started_at, images } = stored;
            Ok(StreamState { id, content, finished, started_at, images })
        }
    }

    /// At most [`STREAM_MAX_IMAGES`] images of at most [`IMAGE_MAX_BYTES`] each, refused as
    /// soon as one too many or too large is read.
    fn images<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Vec<u8>>, D::Error> {
        struct Images;

        impl<'de> Visitor<'de> for Images {
            type Value = Vec<Vec<u8>>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "at most {STREAM_MAX_IMAGES} images of at most {IMAGE_MAX_BYTES} bytes")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut images = Vec::new();
                while let Some(image) = seq.next_element::<Image>()? {
                    if images.len() == STREAM_MAX_IMAGES {
                        return Err(A::Error::custom(format!(
                            "more than {STREAM_MAX_IMAGES} images"
                        )));
                    }
                    images.push(image.0);
                }
                Ok(images)
            }
        }

        deserializer.deserialize_seq(Images)
    }

    /// One image's bytes, refused once past [`IMAGE_MAX_BYTES`].
    struct Image(Vec<u8>);

    impl<'de> serde::Deserialize<'de> for Image {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Image, D::Error> {
            struct Bytes;

            impl<'de> Visitor<'de> for Bytes {
                type Value = Image;

                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    write!(f, "an image of at most {IMAGE_MAX_BYTES} bytes")
                }

                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Image, A::Error> {
                    let mut bytes = Vec::new();
                    while let Some(byte) = seq.next_element::<u8>()? {
                        if bytes.len() == IMAGE_MAX_BYTES {
                            return Err(A::Error::custom(format!(
                                "an image over {IMAGE_MAX_BYTES} bytes"
                            )));
                        }
                        bytes.push(byte);
                    }
                    Ok(Image(bytes))
                }

                fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<Image, E> {
                    if bytes.len() > IMAGE_MAX_BYTES {
                        return Err(E::custom(format!("an image over {IMAGE_MAX_BYTES} bytes")));
                    }
                    Ok(Image(bytes.to_vec()))
                }
            }

            deserializer.deserialize_seq(Bytes)
        }
    }
}

impl StreamState {
    /// A new stream, opened at `started_at` (seconds since the epoch: when the user's message
    /// came).
    ///
    /// # Example
    ///
    /// ```
    /// let stream = wxbizmsgcrypt_callback::aibot::StreamState::new("s1", 1_700_000_000);
    /// assert_eq!((stream.id(), stream.content(), stream.is_finished()), ("s1", "", false));
    /// ```
    #[must_use]
    pub fn new(id: &str, started_at: u64) -> StreamState {
        StreamState {
            id: id.to_owned(),
            content: String::new(),
            finished: false,
            started_at,
            images: Vec::new(),
        }
    }

    /// A new stream with a random id: 32 hex digits from the operating system's CSPRNG.
    ///
    /// # Example
    ///
    /// ```
    /// let stream = wxbizmsgcrypt_callback::aibot::StreamState::with_random_id(1_700_000_000);
    /// assert_eq!(stream.id().len(), 32);
    /// ```
    #[must_use]
    pub fn with_random_id(started_at: u64) -> StreamState {
        let bytes: [u8; 16] = rand::random();
        let id = lower_hex(&bytes);
        StreamState::new(&id, started_at)
    }

    /// The stream's id.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(wxbizmsgcrypt_callback::aibot::StreamState::new("s1", 0).id(), "s1");
    /// ```
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Everything the stream has said so far.
    ///
    /// # Example
    ///
    /// ```
    /// let mut stream = wxbizmsgcrypt_callback::aibot::StreamState::new("s1", 0);
    /// stream.push_str("a")?;
    /// stream.push_str("b")?;
    /// assert_eq!(stream.content(), "ab");
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn content(&self) -> &str {
        &self.content
    }

    /// Whether [`finish`](StreamState::finish) was called.
    ///
    /// # Example
    ///
    /// ```
    /// let mut stream = wxbizmsgcrypt_callback::aibot::StreamState::new("s1", 0);
    /// stream.finish();
    /// assert!(stream.is_finished());
    /// ```
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// When the stream was opened, in seconds since the epoch.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(wxbizmsgcrypt_callback::aibot::StreamState::new("s1", 42).started_at(), 42);
    /// ```
    #[must_use]
    pub fn started_at(&self) -> u64 {
        self.started_at
    }

    /// Appends to the content (Markdown).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidReply`] (`-40011`) with [`ReplyFault::ContentTooLong`] if the content
    /// would pass [`STREAM_CONTENT_MAX_BYTES`]; the content is then left as it was. Say the
    /// rest in a new message through `response_url`.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::wxbizmsgcrypt::ReplyFault;
    /// use wxbizmsgcrypt_callback::{Error, aibot::StreamState};
    ///
    /// let mut stream = StreamState::new("s1", 0);
    /// stream.push_str(&"a".repeat(20480))?;
    /// assert_eq!(stream.push_str("b"), Err(Error::InvalidReply(ReplyFault::ContentTooLong { limit: 20480 })));
    /// assert_eq!(stream.content().len(), 20480);
    /// # Ok::<(), Error>(())
    /// ```
    pub fn push_str(&mut self, text: &str) -> Result<(), Error> {
        if self.content.len().saturating_add(text.len()) > STREAM_CONTENT_MAX_BYTES {
            return Err(Error::InvalidReply(ReplyFault::ContentTooLong {
                limit: STREAM_CONTENT_MAX_BYTES,
            }));
        }
        self.content.push_str(text);
        Ok(())
    }

    /// Adds an image for the stream's last reply (JPG or PNG bytes).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidReply`] (`-40011`) with [`ReplyFault::TooManyImages`] past
    /// [`STREAM_MAX_IMAGES`], [`ReplyFault::ImageTooLarge`] for an image over
    /// [`IMAGE_MAX_BYTES`]; the stream is then left as it was.
    ///
    /// # Example
    ///
    /// ```
    /// let mut stream = wxbizmsgcrypt_callback::aibot::StreamState::new("s1", 0);
    /// stream.add_image(b"\x89PNG\r\n\x1a\n")?;
    /// stream.finish();
    /// assert!(stream.reply(0).render()?.contains(r#""msg_item""#));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn add_image(&mut self, image: &[u8]) -> Result<(), Error> {
        if self.images.len() >= STREAM_MAX_IMAGES {
            return Err(Error::InvalidReply(ReplyFault::TooManyImages {
                limit: STREAM_MAX_IMAGES,
            }));
        }
        if image.len() > IMAGE_MAX_BYTES {
            return Err(Error::InvalidReply(ReplyFault::ImageTooLarge { limit: IMAGE_MAX_BYTES }));
        }
        self.images.push(image.to_vec());
        Ok(())
    }

    /// How many bytes its images hold.
    pub(crate) fn image_bytes(&self) -> usize {
        self.images.iter().map(Vec::len).sum()
    }

    /// Marks the stream finished: the next poll's answer says `finish`, with the images.
    ///
    /// # Example
    ///
    /// See [`StreamState`].
    ///
    /// ```
    /// let mut stream = wxbizmsgcrypt_callback::aibot::StreamState::new("s1", 0);
    /// stream.finish();
    /// assert_eq!(stream.reply(0), wxbizmsgcrypt_callback::aibot::Reply::stream("s1", "", true));
    /// ```
    pub fn finish(&mut self) {
        self.finished = true;
    }

    /// Whether `now` is past [`REFRESH_HORIZON`] from the start: WeCom polls no more, and only
    /// `response_url` reaches the user.
    ///
    /// # Example
    ///
    /// ```
    /// let stream = wxbizmsgcrypt_callback::aibot::StreamState::new("s1", 1_000);
    /// assert!(!stream.is_past_horizon(1_000 + 359));
    /// assert!(stream.is_past_horizon(1_000 + 360));
    /// ```
    #[must_use]
    pub fn is_past_horizon(&self, now: u64) -> bool {
        now.saturating_sub(self.started_at) >= REFRESH_HORIZON.as_secs()
    }

    /// The answer to a poll at `now`: the content so far, `finish` once finished, or once past
    /// the horizon (so that WeCom stops polling); the images with the finished reply only.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::aibot::{Reply, StreamState};
    ///
    /// let mut stream = StreamState::new("s1", 1_000);
    /// stream.push_str("still thinking")?;
    /// assert_eq!(stream.reply(1_010), Reply::stream("s1", "still thinking", false));
    /// assert_eq!(stream.reply(1_000 + 360), Reply::stream("s1", "still thinking", true));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn reply(&self, now: u64) -> Reply {
        let finish = self.finished || self.is_past_horizon(now);
        let mut reply = Reply::stream(&self.id, &self.content, finish);
        if self.finished {
            for image in &self.images {
                reply = reply.with_image(image);
            }
        }
        reply
    }
}

impl Reply {
    /// The answer to a poll for a stream this server does not know (or keeps no longer): an
    /// empty stream that finishes, so that WeCom stops polling.
    ///
    /// # Example
    ///
    /// ```
    /// let json = wxbizmsgcrypt_callback::aibot::Reply::unknown_stream("s9").render()?;
    /// assert_eq!(json, r#"{"msgtype":"stream","stream":{"content":"","finish":true,"id":"s9"}}"#);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn unknown_stream(id: &str) -> Reply {
        Reply::stream(id, "", true)
    }
}
