//! The stream protocol, sans-I/O: what a stream has said, kept between WeCom's polls.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

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
/// use std::time::{Duration, UNIX_EPOCH};
/// use wxbizmsgcrypt_callback::aibot::{REFRESH_HORIZON, Reply, StreamState};
///
/// assert_eq!(REFRESH_HORIZON.as_secs(), 6 * 60);
/// let started = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let stream = StreamState::new("s1", started);
/// let horizon = started + REFRESH_HORIZON;
/// assert_eq!(stream.reply(horizon - Duration::from_secs(1)), Reply::stream("s1", ""));
/// assert_eq!(stream.reply(horizon), Reply::stream_finished("s1", "")); // WeCom would poll no more
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
/// use std::time::{Duration, SystemTime};
/// use wxbizmsgcrypt_callback::aibot::{Reply, StreamState};
///
/// let started = SystemTime::now(); // when the user's message came
/// let mut stream = StreamState::new("s1", started);
/// assert_eq!(stream.reply(started), Reply::stream("s1", ""));
///
/// stream.push_str("你好")?;                      // the LLM's first tokens
/// assert_eq!(stream.reply(started + Duration::from_secs(1)), Reply::stream("s1", "你好"));
/// stream.push_str("，世界")?;
/// stream.finish();
/// assert_eq!(stream.reply(started + Duration::from_secs(2)), Reply::stream_finished("s1", "你好，世界"));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "serde_impl::Stored", into = "serde_impl::Stored"))]
pub struct StreamState {
    id: String,
    content: String,
    finished: bool,
    /// Whole seconds since the epoch (the epoch itself for a time before it): what a stored
    /// state keeps, so that it reads the same on every replica.
    started_at: SystemTime,
    images: Vec<Vec<u8>>,
}

/// `Serialize` and `Deserialize` through a copy of the fields (the start as seconds since the
/// epoch) whose images are read with their limits, then checked as a whole.
#[cfg(feature = "serde")]
mod serde_impl {
    use std::fmt;

    use serde::de::{Deserializer, Error as _, SeqAccess, Visitor};

    use std::time::{Duration, UNIX_EPOCH};

    use super::{
        IMAGE_MAX_BYTES, STREAM_CONTENT_MAX_BYTES, STREAM_MAX_IMAGES, StreamState, seconds,
    };

    #[derive(serde::Serialize, serde::Deserialize)]
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
            // A store holds what it was given: a start no clock of this platform can hold is
            // refused, never read as another time.
            let started_at = UNIX_EPOCH
                .checked_add(Duration::from_secs(started_at))
                .ok_or_else(|| "stream start time out of range".to_owned())?;
            Ok(StreamState { id, content, finished, started_at, images })
        }
    }

    impl From<StreamState> for Stored {
        fn from(state: StreamState) -> Stored {
            let StreamState { id, content, finished, started_at, images } = state;
            Stored { id, content, finished, started_at: seconds(started_at), images }
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
    /// A new stream, opened at `started_at` (when the user's message
    /// came).
    ///
    /// # Example
    ///
    /// ```
    /// let stream = wxbizmsgcrypt_callback::aibot::StreamState::new("s1", std::time::SystemTime::now());
    /// assert_eq!((stream.id(), stream.content(), stream.is_finished()), ("s1", "", false));
    /// ```
    #[must_use]
    pub fn new(id: &str, started_at: SystemTime) -> StreamState {
        StreamState {
            id: id.to_owned(),
            content: String::new(),
            finished: false,
            started_at: whole_seconds(started_at),
            images: Vec::new(),
        }
    }

    /// A new stream with a random id: 32 hex digits from the operating system's CSPRNG.
    ///
    /// # Example
    ///
    /// ```
    /// let stream = wxbizmsgcrypt_callback::aibot::StreamState::with_random_id(std::time::SystemTime::now());
    /// assert_eq!(stream.id().len(), 32);
    /// ```
    #[must_use]
    pub fn with_random_id(started_at: SystemTime) -> StreamState {
        let bytes: [u8; 16] = rand::random();
        let id = lower_hex(&bytes);
        StreamState::new(&id, started_at)
    }

    /// The stream's id.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(wxbizmsgcrypt_callback::aibot::StreamState::new("s1", std::time::UNIX_EPOCH).id(), "s1");
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
    /// let mut stream = wxbizmsgcrypt_callback::aibot::StreamState::new("s1", std::time::UNIX_EPOCH);
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
    /// let mut stream = wxbizmsgcrypt_callback::aibot::StreamState::new("s1", std::time::UNIX_EPOCH);
    /// stream.finish();
    /// assert!(stream.is_finished());
    /// ```
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// When the stream was opened, to the second (the epoch for a time before it).
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// let started = UNIX_EPOCH + Duration::from_secs(42);
    /// assert_eq!(wxbizmsgcrypt_callback::aibot::StreamState::new("s1", started).started_at(), started);
    /// ```
    #[must_use]
    pub fn started_at(&self) -> SystemTime {
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
    /// let mut stream = StreamState::new("s1", std::time::UNIX_EPOCH);
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
    /// let mut stream = wxbizmsgcrypt_callback::aibot::StreamState::new("s1", std::time::UNIX_EPOCH);
    /// stream.add_image(b"\x89PNG\r\n\x1a\n")?;
    /// stream.finish();
    /// assert!(stream.reply(std::time::UNIX_EPOCH).render()?.contains(r#""msg_item""#));
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
    /// let mut stream = wxbizmsgcrypt_callback::aibot::StreamState::new("s1", std::time::UNIX_EPOCH);
    /// stream.finish();
    /// assert_eq!(stream.reply(std::time::UNIX_EPOCH), wxbizmsgcrypt_callback::aibot::Reply::stream_finished("s1", ""));
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
    /// use std::time::{Duration, SystemTime};
    /// let started = SystemTime::now();
    /// let stream = wxbizmsgcrypt_callback::aibot::StreamState::new("s1", started);
    /// assert!(!stream.is_past_horizon(started + Duration::from_secs(359)));
    /// assert!(stream.is_past_horizon(started + Duration::from_secs(360)));
    /// ```
    #[must_use]
    pub fn is_past_horizon(&self, now: SystemTime) -> bool {
        seconds(now).saturating_sub(seconds(self.started_at)) >= REFRESH_HORIZON.as_secs()
    }

    /// The answer to a poll at `now`: the content so far, `finish` once finished, or once past
    /// the horizon (so that WeCom stops polling); the images with the finished reply only.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::aibot::{Reply, StreamState};
    ///
    /// use std::time::{Duration, UNIX_EPOCH};
    /// let started = UNIX_EPOCH + Duration::from_secs(1_000);
    /// let mut stream = StreamState::new("s1", started);
    /// stream.push_str("still thinking")?;
    /// assert_eq!(stream.reply(started + Duration::from_secs(10)), Reply::stream("s1", "still thinking"));
    /// assert_eq!(stream.reply(started + Duration::from_secs(360)), Reply::stream_finished("s1", "still thinking"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn reply(&self, now: SystemTime) -> Reply {
        let mut reply = if self.finished || self.is_past_horizon(now) {
            Reply::stream_finished(&self.id, &self.content)
        } else {
            Reply::stream(&self.id, &self.content)
        };
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
        Reply::stream_finished(id, "")
    }
}

/// Whole seconds since the Unix epoch (0 for a time before it).
fn seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// `time` less its fraction of a second (the epoch for a time before it): a time a stored
/// state reads back the same, on every replica.
fn whole_seconds(time: SystemTime) -> SystemTime {
    let Ok(since) = time.duration_since(UNIX_EPOCH) else { return UNIX_EPOCH };
    let fraction = Duration::from_nanos(u64::from(since.subsec_nanos()));
    // `time` is at least `fraction` past the epoch: this cannot fail, and if it did, the time
    // would keep its fraction, nothing worse.
    time.checked_sub(fraction).unwrap_or_else(|| {
        debug_assert!(false, "a time past the epoch holds its own fraction of a second");
        time
    })
}
