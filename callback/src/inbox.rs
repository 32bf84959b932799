//! The instruction inbox: what WeCom's third-party suites and WeChat's 开放平台 push to their
//! instruction URLs, recorded *before* the `success` answer and shared by every replica.
//!
//! Tencent wants `create_auth` and `reset_permanent_code` answered within 1000 ms, pushes the
//! `suite_ticket` every 10 minutes (valid 30 minutes; it tolerates two missed pushes) and the
//! `component_verify_ticket` every 10 minutes (valid 12 hours). So a handler records what the
//! callback carries ([`Inbox::record`]) and answers at once; the work it starts (exchanging an
//! auth code for the permanent code, refreshing a token) is done afterwards, by whichever
//! replica [takes](Inbox::take_task) the task. A ticket is kept per suite (or per component),
//! the most recent one winning, until it expires; every replica reads the same.
//!
//! | instruction | kept as | for |
//! |---|---|---|
//! | `suite_ticket` | [`Ticket`] of the suite | [`TICKET_TTL`] (30 min) |
//! | `component_verify_ticket` | [`Ticket`] of the component | [`COMPONENT_TICKET_TTL`] (12 h) |
//! | `create_auth`, `reset_permanent_code` | [`Task`] with its `AuthCode` | [`AUTH_CODE_TTL`] (10 min, single use) |
//! | `change_auth`, `cancel_auth` | [`Task`] naming the company | [`TASK_TTL`] (1 h) |
//! | `authorized`, `updateauthorized`, `unauthorized` (开放平台) | [`Task`] of the component | its `AuthorizationCodeExpiredTime`, else [`TASK_TTL`] |
//!
//! The store is an [`InboxStore`]: [`MemoryInbox`] for one process, `RedisInbox` (feature
//! `redis`) for several replicas.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use wxbizmsgcrypt_callback::inbox::{Inbox, MemoryInbox, Scope, Task};
//! use wxbizmsgcrypt_callback::message::Message;
//! # fn block_on<F: std::future::Future>(future: F) -> F::Output {
//! #     let waker = std::task::Waker::noop();
//! #     let mut context = std::task::Context::from_waker(&waker);
//! #     let mut future = std::pin::pin!(future);
//! #     loop { if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) { return output; } }
//! # }
//!
//! let inbox = Inbox::new(MemoryInbox::new(1000));
//! let now = UNIX_EPOCH + Duration::from_secs(1403610513);
//! // The create_auth body of WeCom's documentation (授权成功通知).
//! let message = Message::parse("<xml><SuiteId><![CDATA[ww4asffe99e54c0fxxxx]]></SuiteId><AuthCode><![CDATA[AUTHCODE]]></AuthCode><InfoType><![CDATA[create_auth]]></InfoType><TimeStamp>1403610513</TimeStamp><State><![CDATA[123]]></State></xml>")?;
//! block_on(inbox.record(Scope::Suite("ww4asffe99e54c0fxxxx"), &message, now))?; // then answer `success`
//!
//! // Later, in the background, on any replica:
//! let task = block_on(inbox.take_task(Scope::Suite("ww4asffe99e54c0fxxxx"), now))?;
//! assert!(matches!(task, Some(Task::CreateAuth { ref auth_code, .. }) if auth_code == "AUTHCODE"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::endpoint::StoreError;
use crate::message::{Instruction, Kind, Message};

/// How long a `suite_ticket` is valid (Tencent: 30 minutes).
pub const TICKET_TTL: Duration = Duration::from_secs(30 * 60);
/// How long a `component_verify_ticket` is valid (Tencent: 12 hours).
pub const COMPONENT_TICKET_TTL: Duration = Duration::from_secs(12 * 60 * 60);
/// How long an `AuthCode` can be exchanged (Tencent: 10 minutes, once).
pub const AUTH_CODE_TTL: Duration = Duration::from_secs(10 * 60);
/// How long a task without an expiry of its own waits to be taken.
pub const TASK_TTL: Duration = Duration::from_secs(60 * 60);
/// The longest id (suite id, appid, corpid) the inbox keys anything under.
const MAX_ID_LEN: usize = 128;
/// The longest anything is kept in a store (tickets last 12 h at most; tasks an hour).
const MAX_STORE_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// Whose instructions: a WeCom third-party suite's (by suite id) or a 开放平台 component's (by
/// its appid). Every key of the inbox is under one scope: two suites on one store never share
/// a ticket or a task.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::inbox::Scope;
/// assert_ne!(Scope::Suite("wx1"), Scope::Component("wx1"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scope<'a> {
    /// A WeCom third-party suite (第三方应用), by its suite id.
    Suite(&'a str),
    /// A WeChat 开放平台 third-party platform, by its component appid.
    Component(&'a str),
}

impl Scope<'_> {
    /// The store key of this scope's `what` (`ticket` or `tasks`).
    fn key(self, what: &str) -> String {
        match self {
            Scope::Suite(id) => format!("suite:{id}:{what}"),
            Scope::Component(id) => format!("component:{id}:{what}"),
        }
    }
}

/// A ticket Tencent pushes (`suite_ticket`, `component_verify_ticket`), with its time.
///
/// # Example
///
/// See the [module docs](self).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use wxbizmsgcrypt_callback::inbox::{Inbox, MemoryInbox, Scope};
/// use wxbizmsgcrypt_callback::message::Message;
/// # fn block_on<F: std::future::Future>(future: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut context = std::task::Context::from_waker(&waker);
/// #     let mut future = std::pin::pin!(future);
/// #     loop { if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) { return output; } }
/// # }
/// let inbox = Inbox::new(MemoryInbox::new(1000));
/// let now = UNIX_EPOCH + Duration::from_secs(1403610513);
/// let message = Message::parse("<xml><SuiteId><![CDATA[ww4asffe99e54c0fxxxx]]></SuiteId><InfoType><![CDATA[suite_ticket]]></InfoType><TimeStamp>1403610513</TimeStamp><SuiteTicket><![CDATA[asdfasfdasdfasdf]]></SuiteTicket></xml>")?;
/// block_on(inbox.record(Scope::Suite("ww4asffe99e54c0fxxxx"), &message, now))?;
/// let ticket = block_on(inbox.ticket(Scope::Suite("ww4asffe99e54c0fxxxx"), now))?.unwrap();
/// assert_eq!(ticket.value(), "asdfasfdasdfasdf");
/// assert_eq!(ticket.expires_at(), now + Duration::from_secs(1800));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Ticket {
    value: String,
    issued_at: SystemTime,
    expires_at: SystemTime,
}

impl Ticket {
    /// The ticket, to call Tencent's API with.
    ///
    /// # Example
    ///
    /// See [`Ticket`].
    #[must_use]
    pub fn value(&self) -> &str {
        &self.value
    }

    /// When Tencent issued it (the instruction's `TimeStamp`, or `CreateTime`).
    ///
    /// # Example
    ///
    /// See [`Ticket`].
    #[must_use]
    pub fn issued_at(&self) -> SystemTime {
        self.issued_at
    }

    /// When it stops being valid: its issue time and [`TICKET_TTL`] or
    /// [`COMPONENT_TICKET_TTL`].
    ///
    /// # Example
    ///
    /// See [`Ticket`].
    #[must_use]
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }
}

impl fmt::Debug for Ticket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A ticket is a credential: never in a log.
        f.debug_struct("Ticket")
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Work an instruction starts, to be done after the `success` answer by whichever replica
/// takes it.
///
/// # Example
///
/// See the [module docs](self).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Task {
    /// `create_auth` (授权成功通知): exchange `auth_code` for the permanent code
    /// (`get_permanent_code`) before `expires_at`, once.
    CreateAuth {
        /// The temporary auth code.
        auth_code: String,
        /// The `State` the install link carried, if any.
        state: Option<String>,
        /// Ten minutes after the instruction's time.
        expires_at: SystemTime,
    },
    /// `reset_permanent_code` (重置永久授权码, 代开发): exchange `auth_code` for the new
    /// permanent code before `expires_at`, once.
    ResetPermanentCode {
        /// The temporary auth code.
        auth_code: String,
        /// Ten minutes after the instruction's time.
        expires_at: SystemTime,
    },
    /// `change_auth` (变更授权通知): refresh the company's authorisation information.
    ChangeAuth {
        /// The company's corpid.
        auth_corp_id: String,
    },
    /// `cancel_auth` (取消授权通知): delete the company's permanent code and tokens.
    CancelAuth {
        /// The company's corpid.
        auth_corp_id: String,
    },
    /// 开放平台 `authorized` or `updateauthorized`: exchange `authorization_code` for the
    /// authoriser's tokens.
    Authorized {
        /// The authoriser's appid.
        authorizer_appid: String,
        /// The authorisation code.
        authorization_code: String,
        /// Its `AuthorizationCodeExpiredTime`, else an hour after the instruction.
        expires_at: SystemTime,
    },
    /// 开放平台 `unauthorized`: forget the authoriser.
    Unauthorized {
        /// The authoriser's appid.
        authorizer_appid: String,
    },
}

impl fmt::Debug for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Codes are credentials: named, never shown.
        match self {
            Task::CreateAuth { state, expires_at, .. } => f
                .debug_struct("CreateAuth")
                .field("state", state)
                .field("expires_at", expires_at)
                .finish_non_exhaustive(),
            Task::ResetPermanentCode { expires_at, .. } => f
                .debug_struct("ResetPermanentCode")
                .field("expires_at", expires_at)
                .finish_non_exhaustive(),
            Task::ChangeAuth { auth_corp_id } => {
                f.debug_struct("ChangeAuth").field("auth_corp_id", auth_corp_id).finish()
            }
            Task::CancelAuth { auth_corp_id } => {
                f.debug_struct("CancelAuth").field("auth_corp_id", auth_corp_id).finish()
            }
            Task::Authorized { authorizer_appid, expires_at, .. } => f
                .debug_struct("Authorized")
                .field("authorizer_appid", authorizer_appid)
                .field("expires_at", expires_at)
                .finish_non_exhaustive(),
            Task::Unauthorized { authorizer_appid } => {
                f.debug_struct("Unauthorized").field("authorizer_appid", authorizer_appid).finish()
            }
        }
    }
}

impl Task {
    /// When the task is no longer worth doing.
    fn expires_at(&self, recorded_at: SystemTime) -> SystemTime {
        match self {
            Task::CreateAuth { expires_at, .. }
            | Task::ResetPermanentCode { expires_at, .. }
            | Task::Authorized { expires_at, .. } => *expires_at,
            Task::ChangeAuth { .. } | Task::CancelAuth { .. } | Task::Unauthorized { .. } => {
                recorded_at.checked_add(TASK_TTL).unwrap_or(recorded_at)
            }
        }
    }

    fn to_json(&self, expires_at: SystemTime) -> Value {
        let at = secs(expires_at);
        match self {
            Task::CreateAuth { auth_code, state, .. } => {
                json!({"t": "create_auth", "code": auth_code, "state": state, "exp": at})
            }
            Task::ResetPermanentCode { auth_code, .. } => {
                json!({"t": "reset_permanent_code", "code": auth_code, "exp": at})
            }
            Task::ChangeAuth { auth_corp_id } => {
                json!({"t": "change_auth", "corp": auth_corp_id, "exp": at})
            }
            Task::CancelAuth { auth_corp_id } => {
                json!({"t": "cancel_auth", "corp": auth_corp_id, "exp": at})
            }
            Task::Authorized { authorizer_appid, authorization_code, .. } => json!({
                "t": "authorized", "app": authorizer_appid, "code": authorization_code, "exp": at
            }),
            Task::Unauthorized { authorizer_appid } => {
                json!({"t": "unauthorized", "app": authorizer_appid, "exp": at})
            }
        }
    }

    /// The task and its expiry, as [`to_json`](Task::to_json) wrote them.
    fn from_json(bytes: &[u8]) -> Result<(Task, SystemTime), StoreError> {
        let value: Value = serde_json::from_slice(bytes).map_err(StoreError::new)?;
        let text = |name: &str| {
            value
                .get(name)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| StoreError::new(format!("an inbox task without its {name}")))
        };
        let expires_at = value
            .get("exp")
            .and_then(Value::as_u64)
            .and_then(|s| UNIX_EPOCH.checked_add(Duration::from_secs(s)))
            .ok_or_else(|| StoreError::new("an inbox task without its expiry"))?;
        let task = match value.get("t").and_then(Value::as_str) {
            Some("create_auth") => Task::CreateAuth {
                auth_code: text("code")?,
                state: value.get("state").and_then(Value::as_str).map(str::to_owned),
                expires_at,
            },
            Some("reset_permanent_code") => {
                Task::ResetPermanentCode { auth_code: text("code")?, expires_at }
            }
            Some("change_auth") => Task::ChangeAuth { auth_corp_id: text("corp")? },
            Some("cancel_auth") => Task::CancelAuth { auth_corp_id: text("corp")? },
            Some("authorized") => Task::Authorized {
                authorizer_appid: text("app")?,
                authorization_code: text("code")?,
                expires_at,
            },
            Some("unauthorized") => Task::Unauthorized { authorizer_appid: text("app")? },
            _ => return Err(StoreError::new("an inbox entry this crate never writes")),
        };
        Ok((task, expires_at))
    }
}

/// What [`Inbox::record`] kept of an instruction.
///
/// # Example
///
/// See the [module docs](self).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Recorded {
    /// A ticket: now the scope's latest (`kept`), or not kept (a newer ticket was there
    /// already, or this one had expired).
    Ticket {
        /// Whether it replaced what was kept.
        kept: bool,
    },
    /// Not recorded: the message's own `SuiteId` (or `AppId`) is not the scope's.
    OtherScope,
    /// A task, queued for [`Inbox::take_task`].
    Task,
    /// Nothing to keep: not an instruction, an instruction that starts no work here
    /// (`change_contact`, kinds Tencent adds later), or one missing what it should carry.
    Nothing,
}

/// Where an [`Inbox`] keeps what it records: the latest value of a key (tickets), and queues
/// of entries each taken once (tasks). [`MemoryInbox`] in one process; `RedisInbox` (feature
/// `redis`) across replicas.
///
/// Keys are short strings the inbox makes (`suite:ID:ticket`, `suite:ID:tasks`); values are
/// the inbox's own bytes.
///
/// # Example
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use wxbizmsgcrypt_callback::inbox::{InboxStore, MemoryInbox};
/// # fn block_on<F: std::future::Future>(future: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut context = std::task::Context::from_waker(&waker);
/// #     let mut future = std::pin::pin!(future);
/// #     loop { if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) { return output; } }
/// # }
/// let store = MemoryInbox::new(10);
/// let now = SystemTime::now();
/// let hour = Duration::from_secs(3600);
/// assert!(block_on(store.put_latest("k", 2, b"two", hour, now))?);
/// assert!(!block_on(store.put_latest("k", 1, b"one", hour, now))?); // older: not kept
/// assert_eq!(block_on(store.latest("k", now))?, Some(b"two".to_vec()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait InboxStore: Send + Sync {
    /// Keeps `value` under `key` for `ttl`, unless what is kept there has a greater
    /// `version`; whether it was kept.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] if the store could not be reached.
    ///
    /// # Example
    ///
    /// See [`InboxStore`].
    fn put_latest(
        &self,
        key: &str,
        version: u64,
        value: &[u8],
        ttl: Duration,
        now: SystemTime,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// What [`put_latest`](InboxStore::put_latest) keeps under `key`, until its TTL.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] if the store could not be reached, or holds what the inbox never
    /// wrote.
    ///
    /// # Example
    ///
    /// See [`InboxStore`].
    fn latest(
        &self,
        key: &str,
        now: SystemTime,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, StoreError>> + Send;

    /// Appends `value` to the queue `key`, for `ttl` (a store may keep it longer: the inbox
    /// drops what it takes past its time).
    ///
    /// # Errors
    ///
    /// A [`StoreError`] if the store could not be reached, or the queue is full (then answer
    /// the instruction with a 503: Tencent sends it again).
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use wxbizmsgcrypt_callback::inbox::{InboxStore, MemoryInbox};
    /// # fn block_on<F: std::future::Future>(future: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut context = std::task::Context::from_waker(&waker);
    /// #     let mut future = std::pin::pin!(future);
    /// #     loop { if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) { return output; } }
    /// # }
    /// let store = MemoryInbox::new(1);
    /// let now = SystemTime::now();
    /// block_on(store.push("q", b"first", Duration::from_secs(60), now))?;
    /// assert!(block_on(store.push("q", b"second", Duration::from_secs(60), now)).is_err()); // full
    /// assert_eq!(block_on(store.take("q", now))?, Some(b"first".to_vec()));
    /// assert_eq!(block_on(store.take("q", now))?, None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn push(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
        now: SystemTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Takes the oldest entry of the queue `key`: each entry is taken once, by one caller.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] if the store could not be reached.
    ///
    /// # Example
    ///
    /// See [`push`](InboxStore::push).
    fn take(
        &self,
        key: &str,
        now: SystemTime,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, StoreError>> + Send;
}

/// A shared store is a store: one `MemoryInbox` (or any store) behind several handles, as
/// replicas of one process or tests have it.
impl<S: InboxStore + ?Sized> InboxStore for std::sync::Arc<S> {
    fn put_latest(
        &self,
        key: &str,
        version: u64,
        value: &[u8],
        ttl: Duration,
        now: SystemTime,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        (**self).put_latest(key, version, value, ttl, now)
    }

    fn latest(
        &self,
        key: &str,
        now: SystemTime,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, StoreError>> + Send {
        (**self).latest(key, now)
    }

    fn push(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
        now: SystemTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).push(key, value, ttl, now)
    }

    fn take(
        &self,
        key: &str,
        now: SystemTime,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, StoreError>> + Send {
        (**self).take(key, now)
    }
}

/// The instruction inbox over a store: see the [module docs](self).
///
/// # Example
///
/// See the [module docs](self).
#[derive(Debug, Clone)]
pub struct Inbox<S> {
    store: S,
}

impl<S: InboxStore> Inbox<S> {
    /// An inbox keeping its records in `store`.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::inbox::{Inbox, MemoryInbox};
    /// let inbox = Inbox::new(MemoryInbox::new(1000));
    /// # let _ = inbox;
    /// ```
    #[must_use]
    pub fn new(store: S) -> Inbox<S> {
        Inbox { store }
    }

    /// Records what the instruction `message` carries under `scope`, the suite or component
    /// whose endpoint verified it: call it before answering `success`, and answer
    /// [`retry_later`](crate::endpoint::Callback::retry_later) if it fails, so that Tencent
    /// sends the instruction again. A message whose own `SuiteId` (or 开放平台 `AppId`) is
    /// not `scope`'s is not recorded ([`Recorded::OtherScope`]). An instruction is dated by
    /// its `CreateTime` or `TimeStamp` (the time the endpoint judged fresh), never later than
    /// `now`.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] if the store could not be reached or is full.
    ///
    /// # Example
    ///
    /// See the [module docs](self).
    pub async fn record(
        &self,
        scope: Scope<'_>,
        message: &Message,
        now: SystemTime,
    ) -> Result<Recorded, StoreError> {
        let Kind::Instruction(instruction) = message.kind() else { return Ok(Recorded::Nothing) };
        // The time freshness was judged on (CreateTime first, as the endpoint reads it), and
        // never in the future: a ticket dated ahead would outrank every genuine one.
        let issued_at = message
            .get("CreateTime")
            .or_else(|| message.get("TimeStamp"))
            .and_then(|t| t.trim().parse::<u64>().ok())
            .and_then(|s| UNIX_EPOCH.checked_add(Duration::from_secs(s)))
            .map_or(now, |at| at.min(now));
        let suite = message.get("SuiteId").filter(is_id).map(Scope::Suite);
        let component = message.get("AppId").filter(is_id).map(Scope::Component);
        if suite.or(component) != Some(scope) {
            return Ok(Recorded::OtherScope);
        }
        let later = |ttl: Duration| issued_at.checked_add(ttl).unwrap_or(now);
        let owned = |value: Option<&str>| value.filter(|v| !v.is_empty()).map(str::to_owned);
        let (scope, task) = match instruction {
            Instruction::SuiteTicket { suite_ticket: Some(ticket), .. } => {
                return self.keep_ticket(suite, ticket, issued_at, TICKET_TTL, now).await;
            }
            Instruction::ComponentVerifyTicket {
                component_verify_ticket: Some(ticket), ..
            } => {
                return self
                    .keep_ticket(component, ticket, issued_at, COMPONENT_TICKET_TTL, now)
                    .await;
            }
            Instruction::CreateAuth { auth_code, state, .. } => (
                suite,
                owned(auth_code).map(|auth_code| Task::CreateAuth {
                    auth_code,
                    state: owned(state),
                    expires_at: later(AUTH_CODE_TTL),
                }),
            ),
            Instruction::ResetPermanentCode { auth_code, .. } => (
                suite,
                owned(auth_code).map(|auth_code| Task::ResetPermanentCode {
                    auth_code,
                    expires_at: later(AUTH_CODE_TTL),
                }),
            ),
            Instruction::ChangeAuth { auth_corp_id, .. } => {
                (suite, owned(auth_corp_id).map(|auth_corp_id| Task::ChangeAuth { auth_corp_id }))
            }
            Instruction::CancelAuth { auth_corp_id, .. } => {
                (suite, owned(auth_corp_id).map(|auth_corp_id| Task::CancelAuth { auth_corp_id }))
            }
            Instruction::Authorized {
                authorizer_appid,
                authorization_code,
                authorization_code_expired_time,
                ..
            } => (
                component,
                owned(authorizer_appid).zip(owned(authorization_code)).map(
                    |(authorizer_appid, authorization_code)| Task::Authorized {
                        authorizer_appid,
                        authorization_code,
                        expires_at: authorization_code_expired_time
                            .unwrap_or_else(|| later(TASK_TTL)),
                    },
                ),
            ),
            Instruction::Unauthorized { authorizer_appid, .. } => (
                component,
                owned(authorizer_appid)
                    .map(|authorizer_appid| Task::Unauthorized { authorizer_appid }),
            ),
            _ => return Ok(Recorded::Nothing),
        };
        let (Some(scope), Some(task)) = (scope, task) else { return Ok(Recorded::Nothing) };
        let expires_at = task.expires_at(now);
        let Ok(ttl) = expires_at.duration_since(now) else { return Ok(Recorded::Nothing) };
        let ttl = ttl.min(MAX_STORE_TTL);
        let bytes = serde_json::to_vec(&task.to_json(expires_at)).map_err(StoreError::new)?;
        self.store.push(&scope.key("tasks"), &bytes, ttl, now).await?;
        Ok(Recorded::Task)
    }

    async fn keep_ticket(
        &self,
        scope: Option<Scope<'_>>,
        ticket: &str,
        issued_at: SystemTime,
        ttl: Duration,
        now: SystemTime,
    ) -> Result<Recorded, StoreError> {
        let Some(scope) = scope.filter(|_| !ticket.is_empty()) else {
            return Ok(Recorded::Nothing);
        };
        // Kept until it expires, counted from its issue: one issued an hour ago (a clock
        // apart, or a retry long delayed) is not kept as fresh.
        let expires_at = issued_at.checked_add(ttl).unwrap_or(issued_at);
        let Ok(left) = expires_at.duration_since(now) else {
            return Ok(Recorded::Ticket { kept: false });
        };
        let left = left.min(ttl);
        let issued = secs(issued_at);
        let bytes = serde_json::to_vec(&json!({"v": ticket, "at": issued, "ttl": ttl.as_secs()}))
            .map_err(StoreError::new)?;
        let kept = self.store.put_latest(&scope.key("ticket"), issued, &bytes, left, now).await?;
        Ok(Recorded::Ticket { kept })
    }

    /// The scope's latest ticket (`suite_ticket`, or `component_verify_ticket`), if one is
    /// kept and still valid at `now`.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] if the store could not be reached, or holds what the inbox never
    /// wrote.
    ///
    /// # Example
    ///
    /// See [`Ticket`].
    pub async fn ticket(
        &self,
        scope: Scope<'_>,
        now: SystemTime,
    ) -> Result<Option<Ticket>, StoreError> {
        let Some(bytes) = self.store.latest(&scope.key("ticket"), now).await? else {
            return Ok(None);
        };
        let value: Value = serde_json::from_slice(&bytes).map_err(StoreError::new)?;
        let (Some(ticket), Some(at), Some(ttl)) = (
            value.get("v").and_then(Value::as_str),
            value.get("at").and_then(Value::as_u64),
            value.get("ttl").and_then(Value::as_u64),
        ) else {
            return Err(StoreError::new("an inbox ticket this crate never wrote"));
        };
        let issued_at = UNIX_EPOCH
            .checked_add(Duration::from_secs(at))
            .ok_or_else(|| StoreError::new("an inbox ticket out of range"))?;
        let expires_at = issued_at
            .checked_add(Duration::from_secs(ttl))
            .ok_or_else(|| StoreError::new("an inbox ticket out of range"))?;
        if expires_at <= now {
            return Ok(None);
        }
        Ok(Some(Ticket { value: ticket.to_owned(), issued_at, expires_at }))
    }

    /// Takes the scope's oldest task still worth doing at `now` (expired ones are dropped):
    /// each task is taken once, by one replica. Do it, and if it fails, it is lost with its
    /// single-use code: Tencent sends `create_auth` once. An entry this version cannot read (a
    /// kind a newer version of this crate wrote, during a rolling upgrade) is put back for a
    /// replica that can, never dropped.
    ///
    /// # Errors
    ///
    /// A [`StoreError`] if the store could not be reached.
    ///
    /// # Example
    ///
    /// See the [module docs](self).
    pub async fn take_task(
        &self,
        scope: Scope<'_>,
        now: SystemTime,
    ) -> Result<Option<Task>, StoreError> {
        let key = scope.key("tasks");
        let mut first_put_back: Option<Vec<u8>> = None;
        while let Some(bytes) = self.store.take(&key, now).await? {
            match Task::from_json(&bytes) {
                Ok((task, expires_at)) if expires_at > now => return Ok(Some(task)),
                Ok(_) => {}
                Err(_) => {
                    self.store.push(&key, &bytes, TASK_TTL, now).await?;
                    // Round the queue once: the entries put back come round again.
                    if first_put_back.as_deref() == Some(bytes.as_slice()) {
                        return Ok(None);
                    }
                    first_put_back.get_or_insert(bytes);
                }
            }
        }
        Ok(None)
    }
}

/// An id worth keying: not empty, not over [`MAX_ID_LEN`] bytes.
fn is_id(id: &&str) -> bool {
    !id.is_empty() && id.len() <= MAX_ID_LEN
}

fn secs(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The inbox in one process's memory: for a single replica, and for tests.
///
/// Holds at most `capacity` entries in all (tickets and tasks): a push past it is refused,
/// never an old entry dropped silently.
///
/// # Example
///
/// See the [module docs](self).
pub struct MemoryInbox {
    capacity: usize,
    inner: Mutex<Entries>,
}

impl fmt::Debug for MemoryInbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Tickets and auth codes are credentials: counted, never shown.
        let entries = self.entries().len();
        f.debug_struct("MemoryInbox")
            .field("capacity", &self.capacity)
            .field("entries", &entries)
            .finish()
    }
}

/// The entries, each with the time it expires.
#[derive(Default)]
struct Entries {
    latest: HashMap<String, (u64, Vec<u8>, SystemTime)>,
    queues: HashMap<String, VecDeque<(Vec<u8>, SystemTime)>>,
}

impl Entries {
    fn len(&self) -> usize {
        self.latest.len() + self.queues.values().map(VecDeque::len).sum::<usize>()
    }

    fn expire(&mut self, now: SystemTime) {
        self.latest.retain(|_, (_, _, until)| *until > now);
        for queue in self.queues.values_mut() {
            queue.retain(|(_, until)| *until > now);
        }
        self.queues.retain(|_, queue| !queue.is_empty());
    }
}

impl MemoryInbox {
    /// An inbox of at most `capacity` entries.
    ///
    /// # Example
    ///
    /// ```
    /// let inbox = wxbizmsgcrypt_callback::inbox::MemoryInbox::new(1000);
    /// # let _ = inbox;
    /// ```
    #[must_use]
    pub fn new(capacity: usize) -> MemoryInbox {
        MemoryInbox { capacity, inner: Mutex::default() }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Entries> {
        // A panic while holding the lock leaves whole entries: keep serving.
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn full() -> StoreError {
    StoreError::new("the inbox is full")
}

impl InboxStore for MemoryInbox {
    async fn put_latest(
        &self,
        key: &str,
        version: u64,
        value: &[u8],
        ttl: Duration,
        now: SystemTime,
    ) -> Result<bool, StoreError> {
        let mut entries = self.entries();
        entries.expire(now);
        if let Some((kept, _, _)) = entries.latest.get(key) {
            if *kept > version {
                return Ok(false);
            }
        } else if entries.len() >= self.capacity {
            return Err(full());
        }
        let until = now.checked_add(ttl.min(MAX_STORE_TTL)).unwrap_or(now);
        entries.latest.insert(key.to_owned(), (version, value.to_vec(), until));
        Ok(true)
    }

    async fn latest(&self, key: &str, now: SystemTime) -> Result<Option<Vec<u8>>, StoreError> {
        let mut entries = self.entries();
        entries.expire(now);
        Ok(entries.latest.get(key).map(|(_, value, _)| value.clone()))
    }

    async fn push(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
        now: SystemTime,
    ) -> Result<(), StoreError> {
        let mut entries = self.entries();
        entries.expire(now);
        if entries.len() >= self.capacity {
            return Err(full());
        }
        let until = now.checked_add(ttl.min(MAX_STORE_TTL)).unwrap_or(now);
        entries.queues.entry(key.to_owned()).or_default().push_back((value.to_vec(), until));
        Ok(())
    }

    async fn take(&self, key: &str, now: SystemTime) -> Result<Option<Vec<u8>>, StoreError> {
        let mut entries = self.entries();
        entries.expire(now);
        Ok(entries.queues.get_mut(key).and_then(VecDeque::pop_front).map(|(value, _)| value))
    }
}
