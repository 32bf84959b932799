//! Where an XML endpoint finds a request's credentials: from its configuration, the envelope's
//! `AgentID`, or the URL's `corpid` — always *before* decrypting, never by trying keys.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use wxbizmsgcrypt::{CallbackQuery, Decrypted, Error, MsgCrypt, QueryFault, Signed, Stamp, xml};

use crate::message::Message;

/// Several WeCom self-built apps of one company behind one callback URL, told apart by the
/// `AgentID` of each POST's envelope; each app with its own Token and EncodingAESKey (its
/// `MsgCrypt`, whose receive id is the corpid). Serve them with [`Endpoint::wecom_apps`].
///
/// The envelope's `AgentID` only *picks* the app: its `MsgCrypt` then checks the signature and
/// decrypts, so an app's message in an envelope naming another app fails the other app's
/// signature, and a POST naming an app that is not here (or no app) is refused like a bad
/// signature (401). No other key is tried. Once decrypted, an `AgentID` inside the message that
/// is not the envelope's is refused too (403, like every fault after the signature).
///
/// The console's URL check names no app: it is answered by the app whose Token signed it (each
/// app's signature checked in turn; the first that verifies decrypts, and only that one).
/// Give each app on one URL its own Token (the console's 随机获取 does).
///
/// Envelopes without an `AgentID` are refused: serve the contacts-sync app (通讯录同步) on a
/// URL of its own with [`Endpoint::xml`].
///
/// The de-duplication secret is derived from every app's key: adding or removing an app
/// changes the store keys of all of them, so that replicas with the old and the new set
/// disagree during a rollout (a retry may then be processed twice). Give the endpoint a secret
/// of its own ([`Endpoint::with_dedup_secret`]) to keep keys stable across such changes.
///
/// [`Endpoint::with_dedup_secret`]: super::Endpoint::with_dedup_secret
///
/// [`Endpoint::wecom_apps`]: super::Endpoint::wecom_apps
/// [`Endpoint::xml`]: super::Endpoint::xml
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::MsgCrypt;
/// use wxbizmsgcrypt_callback::endpoint::{Endpoint, WecomApps};
///
/// let corpid = "wx5823bf96d3bd56c7";
/// let apps = WecomApps::new()
///     .app(1000002, MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", corpid)?)
///     .app(1000003, MsgCrypt::new("Tk2nd", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", corpid)?);
/// let endpoint = Endpoint::wecom_apps(apps);
/// # let _ = endpoint;
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct WecomApps {
    apps: BTreeMap<u64, MsgCrypt>,
}

impl WecomApps {
    /// No apps yet: an endpoint made of it refuses every request.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::endpoint::WecomApps;
    /// let apps = WecomApps::new();
    /// # let _ = apps;
    /// ```
    #[must_use]
    pub fn new() -> WecomApps {
        WecomApps::default()
    }

    /// Adds the app whose agent id is `agent_id`, checked and answered with `crypt`; an app
    /// added before with the same agent id is replaced.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::WecomApps};
    /// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
    /// let apps = WecomApps::new().app(1000002, crypt);
    /// # let _ = apps;
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn app(mut self, agent_id: u64, crypt: MsgCrypt) -> WecomApps {
        self.apps.insert(agent_id, crypt);
        self
    }
}

impl fmt::Debug for WecomApps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.apps.iter()).finish()
    }
}

/// A WeCom third-party suite (第三方应用): its Token and EncodingAESKey, its suite id and the
/// provider's own corpid, which together say what every URL of the suite checks.
///
/// | request | receive id checked |
/// |---|---|
/// | the console's URL checks (both URLs) | the provider's corpid ([`with_provider_corpid`](Suite::with_provider_corpid); without it, URL checks are refused with `-40005`) |
/// | instruction callbacks ([`Endpoint::suite_instructions`]) | the suite id |
/// | data callbacks ([`Endpoint::suite_data`]) | the authorising company's corpid, which must equal the URL's `corpid` parameter: set the data URL to `https://…/path?corpid=$CORPID$` |
///
/// [`Endpoint::suite_instructions`]: super::Endpoint::suite_instructions
/// [`Endpoint::suite_data`]: super::Endpoint::suite_data
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::endpoint::{Endpoint, Suite};
///
/// let suite = Suite::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "ww4asffe99e54c0fxxxx")?
///     .with_provider_corpid("wwprovider0corpid")?;
/// let instructions = Endpoint::suite_instructions(&suite);
/// let data = Endpoint::suite_data(&suite);
/// # let _ = (instructions, data);
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Clone)]
pub struct Suite {
    pub(super) suite_id: String,
    provider_corpid: Option<String>,
    token: zeroize::Zeroizing<String>,
    encoding_aes_key: zeroize::Zeroizing<String>,
    /// Receive id: the provider's corpid.
    pub(super) url_check: Option<MsgCrypt>,
    /// Receive id: the suite id.
    pub(super) instructions: MsgCrypt,
    /// Any receive id, checked against the URL's `corpid` by the router.
    pub(super) data: MsgCrypt,
}

impl Suite {
    /// The suite's settings, as its console shows them.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyToken`] (`-40003`), [`Error::InvalidAesKey`] (`-40004`), or
    /// [`Error::ReceiveIdRequired`] (`-40005`) if the suite id is empty.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::{Error, endpoint::Suite};
    /// let missing = Suite::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "");
    /// assert_eq!(missing.err(), Some(Error::ReceiveIdRequired));
    /// ```
    pub fn new(token: &str, encoding_aes_key: &str, suite_id: &str) -> Result<Suite, Error> {
        if suite_id.is_empty() {
            return Err(Error::ReceiveIdRequired);
        }
        Ok(Suite {
            suite_id: suite_id.to_owned(),
            provider_corpid: None,
            token: zeroize::Zeroizing::new(token.to_owned()),
            encoding_aes_key: zeroize::Zeroizing::new(encoding_aes_key.to_owned()),
            url_check: None,
            instructions: MsgCrypt::new(token, encoding_aes_key, suite_id)?,
            data: MsgCrypt::builder(token, encoding_aes_key).any_receive_id().build()?,
        })
    }

    /// The provider's own corpid (服务商的 CorpID), which the console's URL checks of both
    /// URLs carry as their receive id.
    ///
    /// # Errors
    ///
    /// [`Error::ReceiveIdRequired`] (`-40005`) if it is empty.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::endpoint::Suite;
    /// let suite = Suite::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "ww4asffe99e54c0fxxxx")?
    ///     .with_provider_corpid("wwprovider0corpid")?;
    /// # let _ = suite;
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn with_provider_corpid(mut self, provider_corpid: &str) -> Result<Suite, Error> {
        if provider_corpid.is_empty() {
            return Err(Error::ReceiveIdRequired);
        }
        self.url_check = Some(MsgCrypt::new(&self.token, &self.encoding_aes_key, provider_corpid)?);
        self.provider_corpid = Some(provider_corpid.to_owned());
        Ok(self)
    }

    /// The suite id: the receive id of its instruction callbacks, and the
    /// [`Scope`](crate::inbox::Scope) of its instructions in an inbox.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::endpoint::Suite;
    /// let suite = Suite::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "ww4asffe99e54c0fxxxx")?;
    /// assert_eq!(suite.suite_id(), "ww4asffe99e54c0fxxxx");
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn suite_id(&self) -> &str {
        &self.suite_id
    }

    /// The provider's corpid, if [set](Suite::with_provider_corpid).
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::endpoint::Suite;
    /// let suite = Suite::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "ww4asffe99e54c0fxxxx")?;
    /// assert_eq!(suite.provider_corpid(), None);
    /// assert_eq!(suite.with_provider_corpid("wwprovider")?.provider_corpid(), Some("wwprovider"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn provider_corpid(&self) -> Option<&str> {
        self.provider_corpid.as_deref()
    }
}

impl fmt::Debug for Suite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Suite")
            .field("suite_id", &self.suite_id)
            .field("provider_corpid", &self.provider_corpid)
            .finish_non_exhaustive()
    }
}

/// What an [`Xml`](super::Xml) endpoint checks requests with.
#[doc(hidden)]
#[derive(Clone)]
pub struct XmlKeys(pub(super) Route);

impl fmt::Debug for XmlKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Route::One(crypt) => f.debug_tuple("One").field(crypt).finish(),
            Route::Apps(apps) => f.debug_tuple("Apps").field(apps).finish(),
            Route::SuiteInstructions(suite) => {
                f.debug_tuple("SuiteInstructions").field(suite).finish()
            }
            Route::SuiteData(suite) => f.debug_tuple("SuiteData").field(suite).finish(),
        }
    }
}

#[derive(Clone)]
pub(super) enum Route {
    One(MsgCrypt),
    Apps(Arc<WecomApps>),
    SuiteInstructions(Arc<Suite>),
    SuiteData(Arc<Suite>),
}

/// The query parameter a suite's data URL carries the authorising company's corpid in.
const CORPID_PARAMETER: &str = "corpid";

impl XmlKeys {
    /// Answers WeCom's URL check (`msg_signature` over an encrypted echostr).
    pub(super) fn verify_url(&self, query: &CallbackQuery) -> Result<String, Error> {
        let echostr = query.echostr()?;
        match &self.0 {
            Route::One(crypt) => crypt.verify_url(query.signed(), echostr),
            // Without the provider's corpid, the console's URL check cannot be answered: its
            // signature is checked first (401 if forged), then it is refused with -40005,
            // whose hint names the provider's corpid.
            Route::SuiteInstructions(suite) | Route::SuiteData(suite) => match &suite.url_check {
                Some(crypt) => crypt.verify_url(query.signed(), echostr),
                None => match suite.instructions.verify_url(query.signed(), echostr) {
                    Err(Error::SignatureMismatch) => Err(Error::SignatureMismatch),
                    _ => Err(Error::ReceiveIdRequired),
                },
            },
            // The app whose Token signed it: each signature is checked before anything is
            // decrypted, so only that app's key ever opens the echostr.
            Route::Apps(apps) => {
                for crypt in apps.apps.values() {
                    match crypt.verify_url(query.signed(), echostr) {
                        Err(Error::SignatureMismatch) => {}
                        answer => return answer,
                    }
                }
                Err(Error::SignatureMismatch)
            }
        }
    }

    /// Checks WeChat's plain `signature`: only an endpoint of one `MsgCrypt` is a WeChat one.
    pub(super) fn verify_plain_signature(
        &self,
        signature: &str,
        stamp: Stamp<'_>,
    ) -> Result<(), Error> {
        match &self.0 {
            Route::One(crypt) => crypt.verify_plain_signature(signature, stamp),
            Route::Apps(_) | Route::SuiteInstructions(_) | Route::SuiteData(_) => {
                debug_assert!(false, "only Endpoint::wechat checks the plain signature");
                Err(Error::SignatureMismatch)
            }
        }
    }

    /// Picks the credentials, verifies the POST and decrypts its body, with what its message
    /// must then say of itself.
    pub(super) fn decrypt(
        &self,
        raw_query: &str,
        signed: Signed<'_>,
        body: &str,
    ) -> Result<XmlOpened, Error> {
        let alone = |decrypted| XmlOpened { decrypted, binding: Binding::None };
        match &self.0 {
            Route::One(crypt) => xml::decrypt_msg(crypt, signed, body).map(alone),
            Route::SuiteInstructions(suite) => {
                xml::decrypt_msg(&suite.instructions, signed, body).map(alone)
            }
            Route::SuiteData(suite) => {
                let corpid = wxbizmsgcrypt::__private::query_field(raw_query, CORPID_PARAMETER)?
                    .ok_or(Error::MalformedQuery(QueryFault::Missing(CORPID_PARAMETER)))?;
                let decrypted = xml::decrypt_msg(&suite.data, signed, body)?;
                // The suite's key seals its instructions too (receive id: the suite id): one
                // replayed here with corpid=<suite id> is not a company's data. A data callback
                // names its company in ToUserName as well, checked once the message is parsed.
                if decrypted.receive_id() != corpid || corpid == suite.suite_id {
                    return Err(Error::ReceiveIdMismatch);
                }
                Ok(XmlOpened { decrypted, binding: Binding::ToUserName(corpid) })
            }
            Route::Apps(apps) => {
                // Encrypt and AgentID in one reading: a body off the fast path is read once,
                // by the strict reader, for both (a recognised one: the fast path, then a scan
                // to its AgentID).
                let (encrypt, agent_id) =
                    wxbizmsgcrypt::__private::read_encrypt_and_root_child(body, "AgentID")?;
                let picked = agent_id
                    .as_deref()
                    .and_then(|id| id.trim().parse::<u64>().ok())
                    .and_then(|id| apps.apps.get(&id));
                // An app that is not configured (or no AgentID) is refused like a bad
                // signature, after the envelope was judged as for a configured app (400 if
                // malformed): the same answer. Not the same time (no SHA-1 over `Encrypt` is
                // computed for it), which tells nothing secret: agent ids are not credentials,
                // and computing a signature with another app's token would use a key the
                // envelope did not pick.
                let (Some(crypt), Some(agent_id)) = (picked, agent_id) else {
                    return Err(Error::SignatureMismatch);
                };
                let decrypted = crypt.decrypt_msg(signed, &encrypt)?;
                // The envelope is not signed: the message's own AgentID, where it has one, must
                // be the one that picked the key (checked once the message is parsed).
                Ok(XmlOpened { decrypted, binding: Binding::AgentId(agent_id) })
            }
        }
    }

    /// The secret the store keys are made with: derived from the one key, from every app's
    /// (in agent-id order), or from the suite's.
    pub(super) fn dedup_secret(&self, purpose: &[u8; 15]) -> [u8; 32] {
        use sha2::Digest;
        let derive = wxbizmsgcrypt::__private::derive_secret;
        match &self.0 {
            Route::One(crypt) => derive(crypt, purpose),
            Route::SuiteInstructions(suite) | Route::SuiteData(suite) => {
                derive(&suite.instructions, purpose)
            }
            Route::Apps(apps) => {
                let mut hash = sha2::Sha256::new();
                for (agent_id, crypt) in &apps.apps {
                    hash.update(agent_id.to_be_bytes());
                    hash.update(derive(crypt, purpose));
                }
                hash.finalize().into()
            }
        }
    }
}

/// An [`Xml`](super::Xml) POST verified and decrypted, with what its message must say of
/// itself once parsed.
#[doc(hidden)]
pub struct XmlOpened {
    pub(super) decrypted: Decrypted,
    binding: Binding,
}

/// What a routed message must say of itself: the envelope and the URL that picked its key are
/// not signed, the message is.
enum Binding {
    /// Nothing: one set of credentials.
    None,
    /// The message's `AgentID`, where it has one, is the one the envelope named (whitespace
    /// around either aside).
    AgentId(String),
    /// The message's `ToUserName` is the corpid of the URL, exactly.
    ToUserName(String),
}

impl XmlOpened {
    /// Checks `message` (parsed from this decryption) against what picked its key: one look-up
    /// in the parsed message, never a second reading of it.
    ///
    /// # Errors
    ///
    /// [`Error::ReceiveIdMismatch`] if the message names another app or company.
    pub(super) fn check(&self, message: &Message) -> Result<(), Error> {
        let agrees = match &self.binding {
            Binding::None => true,
            Binding::AgentId(named) => message
                .element("AgentID")
                .is_none_or(|own| own.text().is_some_and(|own| own.trim() == named.trim())),
            Binding::ToUserName(corpid) => message.get("ToUserName") == Some(corpid.as_str()),
        };
        if agrees { Ok(()) } else { Err(Error::ReceiveIdMismatch) }
    }
}
