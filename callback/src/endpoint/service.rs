//! [`Service`]: an [`Endpoint`] with two-phase de-duplication and hooks for the log.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::{
    Callback, Claim, ClaimToken, DedupStore, Endpoint, Format, Outcome, Request, Response,
};
use super::{StoreError, StoreKey};
use wxbizmsgcrypt::Error;

/// A hook that sees what is not handed to the application.
type Hook<T> = Arc<dyn Fn(&T) + Send + Sync>;

/// The application's deadline by default: WeCom's, for a passive reply.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(5);

/// How much longer than the application's deadline a claim lasts: room for the store's round
/// trips and a clock that is not exact.
pub const LEASE_MARGIN: Duration = Duration::from_secs(2);

/// An [`Endpoint`] with a de-duplication store: each callback is handled once, its retries get
/// the first answer, and none is lost to a handler that fails, is cancelled or panics.
///
/// # Delivery
///
/// The store records a callback's [`StoreKey`] in two phases (see [`DedupStore`]):
///
/// - When the application starts on a callback, its key is claimed as *in progress* for a
///   lease: the application's [deadline](Service::with_deadline) plus [`LEASE_MARGIN`].
/// - When the application answers with a status below 500 other than 429, the key is recorded
///   as *done*, with
///   the answer as it was sent (the sealed reply, never a plaintext), for
///   [`Endpoint::dedup_ttl`].
/// - A duplicate that finds the key in progress is answered 503: WeCom retries it later. One
///   that finds it done gets the first answer again, byte for byte: a passive reply whose
///   first answer did not reach WeCom, or the AI bot's stream id, is not lost.
/// - A delivery that does not end with such an answer (the application answered 5xx or 429, or
///   its future was dropped by a timeout or a client that went away, or it panicked) frees
///   the key at once (a drop guard calls [`DedupStore::abandon`]), so that the next retry is
///   handled. A process that dies leaves its claim to expire with the lease.
///
/// So a callback is handled at least once while WeCom retries it, and never twice at the same
/// time. Two cases hand it on again: a store that fails (the service fails open, after
/// [`on_store_error`](Service::on_store_error): a callback handled twice is better than one
/// lost), and an application that runs past its lease without being cancelled (enforce the
/// deadline you tell the service, with the framework's timeout).
///
/// # Example
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use wxbizmsgcrypt_callback::endpoint::{Endpoint, MemoryDedup, Request, Service};
/// use wxbizmsgcrypt_callback::wxbizmsgcrypt::{Stamp, xml};
/// use wxbizmsgcrypt_callback::{MsgCrypt, reply::Reply};
///
/// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
/// let service = Service::new(Endpoint::xml(crypt.clone()), MemoryDedup::new(64 << 20))
///     .with_deadline(Duration::from_secs(4))
///     .on_refusal(|err| eprintln!("refused: {err} ({})", err.code()));
///
/// // WeCom sends a text message, then retries it (a new query, a fresh ciphertext).
/// let plaintext = "<xml><ToUserName>wx5823bf96d3bd56c7</ToUserName><FromUserName>zhangsan</FromUserName>\
///                  <CreateTime>1700000000</CreateTime><MsgType>text</MsgType><Content>hi</Content><MsgId>1</MsgId></xml>";
/// let now = UNIX_EPOCH + Duration::from_secs(1700000001);
/// let handled = std::cell::Cell::new(0);
/// let mut answers = Vec::new();
/// for nonce in ["first", "retry"] {
///     let sent = crypt.encrypt_msg(plaintext, Stamp::from_parts("1700000000", nonce))?;
///     let query = format!("msg_signature={}&timestamp=1700000000&nonce={nonce}", sent.msg_signature());
///     let body = xml::render_reply(&sent)?;
///     let request = Request { method: "POST", query: &query, body: body.as_bytes() };
///     let handled = &handled;
///     answers.push(block_on(service.handle(request, now, |callback| async move {
///         handled.set(handled.get() + 1);
///         callback.reply(&Reply::text("收到")).unwrap_or_else(|_| callback.acknowledge())
///     })));
/// }
/// assert_eq!(handled.get(), 1); // the retry was not handed on…
/// assert_eq!(answers[0], answers[1]); // …and got the first answer again
/// # fn block_on<F: std::future::Future>(future: F) -> F::Output {
/// #     // A minimal executor for a future that never waits (MemoryDedup answers at once).
/// #     let waker = std::task::Waker::noop();
/// #     let mut context = std::task::Context::from_waker(&waker);
/// #     let mut future = std::pin::pin!(future);
/// #     loop {
/// #         if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) { return output; }
/// #     }
/// # }
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
pub struct Service<F: Format, D> {
    endpoint: Endpoint<F>,
    store: D,
    deadline: Duration,
    on_refusal: Option<Hook<Error>>,
    on_store_error: Option<Hook<StoreError>>,
}

impl<F: Format, D: DedupStore> Service<F, D> {
    /// A service of `endpoint`, de-duplicating with `store`.
    ///
    /// # Example
    ///
    /// See [`Service`].
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{Endpoint, NoDedup, Service}};
    /// let service = Service::new(Endpoint::xml(MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "x")?), NoDedup);
    /// # let _ = service;
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn new(endpoint: Endpoint<F>, store: D) -> Service<F, D> {
        Service {
            endpoint,
            store,
            deadline: DEFAULT_DEADLINE,
            on_refusal: None,
            on_store_error: None,
        }
    }

    /// Tells the service how long the application may take on a callback
    /// ([`DEFAULT_DEADLINE`] by default): a claim lasts that plus [`LEASE_MARGIN`]. The
    /// service does not enforce it (it owns no timer): the framework's timeout does, and when
    /// it drops the application's future the claim is freed at once.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::Duration;
    /// use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{Endpoint, NoDedup, Service}};
    /// let service = Service::new(Endpoint::xml(MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "x")?), NoDedup)
    ///     .with_deadline(Duration::from_secs(4));
    /// assert_eq!(service.lease(), Duration::from_secs(6));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn with_deadline(mut self, deadline: Duration) -> Service<F, D> {
        self.deadline = deadline;
        self
    }

    /// How long a claim lasts: the deadline plus [`LEASE_MARGIN`].
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{DEFAULT_DEADLINE, Endpoint, LEASE_MARGIN, NoDedup, Service}};
    /// let service = Service::new(Endpoint::xml(MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "x")?), NoDedup);
    /// assert_eq!(service.lease(), DEFAULT_DEADLINE + LEASE_MARGIN);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn lease(&self) -> Duration {
        self.deadline.saturating_add(LEASE_MARGIN)
    }

    /// Calls `hook` with the fault behind every refusal (for the log: rate-limit it, since
    /// anyone can send bad requests).
    ///
    /// # Example
    ///
    /// See [`Service`].
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{Endpoint, NoDedup, Service}};
    /// let service = Service::new(Endpoint::xml(MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "x")?), NoDedup)
    ///     .on_refusal(|err| eprintln!("{err}: {}", err.hint().unwrap_or_default()));
    /// # let _ = service;
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn on_refusal(mut self, hook: impl Fn(&Error) + Send + Sync + 'static) -> Service<F, D> {
        self.on_refusal = Some(Arc::new(hook));
        self
    }

    /// Calls `hook` when the store fails (the callback is then handed on all the same), or
    /// cannot keep an answer (its retry is then handled again).
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{Endpoint, NoDedup, Service}};
    /// let service = Service::new(Endpoint::xml(MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "x")?), NoDedup)
    ///     .on_store_error(|err| eprintln!("{err}"));
    /// # let _ = service;
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn on_store_error(
        mut self,
        hook: impl Fn(&StoreError) + Send + Sync + 'static,
    ) -> Service<F, D> {
        self.on_store_error = Some(Arc::new(hook));
        self
    }

    /// The endpoint.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{Endpoint, NoDedup, Service}};
    /// let service = Service::new(Endpoint::xml(MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "x")?), NoDedup);
    /// assert_eq!(service.endpoint().max_body(), 1 << 20);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn endpoint(&self) -> &Endpoint<F> {
        &self.endpoint
    }

    /// The store.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{Endpoint, MemoryDedup, Service}};
    /// let service = Service::new(Endpoint::xml(MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "x")?), MemoryDedup::new(1 << 20));
    /// assert!(service.store().is_empty());
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn store(&self) -> &D {
        &self.store
    }

    /// Handles one request at `now`: [`Endpoint::handle`], then the store, then `app` with a
    /// callback that is handed on; returns the response to send. See [`Service`]'s section on delivery
    /// for what each duplicate gets.
    ///
    /// `app` should answer within the [deadline](Service::with_deadline) (Tencent's is 5
    /// seconds for a passive reply, 1 second for some instruction callbacks such as
    /// `create_auth`): for longer work, record it durably, start it in the background and
    /// answer with [`Callback::acknowledge`]. To have WeCom retry, answer
    /// [`Callback::retry_later`] (or any status of 500 or more, or 429).
    ///
    /// # Example
    ///
    /// See [`Service`].
    ///
    /// ```
    /// # use std::time::UNIX_EPOCH;
    /// use wxbizmsgcrypt_callback::{MsgCrypt, endpoint::{Endpoint, NoDedup, Request, Service}};
    /// let service = Service::new(Endpoint::xml(MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "x")?), NoDedup);
    /// let response = service.handle(Request { method: "GET", query: "", body: b"" }, UNIX_EPOCH, |callback| async move {
    ///     callback.acknowledge()
    /// });
    /// # let _ = response;
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub async fn handle<A, Fut>(&self, request: Request<'_>, now: SystemTime, app: A) -> Response
    where
        A: FnOnce(Callback<F>) -> Fut,
        Fut: Future<Output = Response>,
    {
        let callback = match self.endpoint.handle(request, now) {
            Outcome::Respond(response) => {
                if let (Some(hook), Some(error)) = (&self.on_refusal, response.refusal()) {
                    hook(error);
                }
                return response;
            }
            Outcome::Callback(callback) => callback,
        };
        let key = callback.store_key().clone();
        let token = ClaimToken::random();
        match self.store.claim(&key, &token, self.lease(), now).await {
            Ok(Claim::Claimed) => {}
            Ok(Claim::InProgress) => return callback.retry_later(),
            Ok(Claim::Done(stored)) => match Response::from_stored(&stored) {
                Some(first) => return first,
                // Not an answer this crate stored: hand the callback on (fail open).
                None => {
                    self.store_error(StoreError::new("the store returned an unreadable answer"))
                }
            },
            Err(error) => {
                // Fail open: handled without a claim.
                self.store_error(error);
                return app(callback).await;
            }
        }
        let guard = Abandon { store: &self.store, key: &key, token: &token, armed: true };
        let response = app(callback).await;
        guard.disarm();
        if !response.asks_for_retry() {
            let ttl = self.endpoint.dedup_ttl();
            if let Err(error) =
                self.store.complete(&key, &token, &response.to_stored(), ttl, now).await
            {
                self.store_error(error);
                // Not kept: let the retry be handled rather than wait out the lease.
                if let Err(error) = self.store.release(&key, &token).await {
                    self.store_error(error);
                }
            }
        } else if let Err(error) = self.store.release(&key, &token).await {
            self.store_error(error);
        }
        response
    }

    fn store_error(&self, error: StoreError) {
        if let Some(hook) = &self.on_store_error {
            hook(&error);
        }
    }
}

/// Frees a claim when the delivery that holds it ends without an answer: its future dropped
/// (a timeout, a client gone), or the application panicked (the guard is dropped while the
/// panic unwinds).
struct Abandon<'a, D: DedupStore> {
    store: &'a D,
    key: &'a StoreKey,
    token: &'a ClaimToken,
    armed: bool,
}

impl<D: DedupStore> Abandon<'_, D> {
    fn disarm(mut self) {
        self.armed = false;
    }
}

impl<D: DedupStore> Drop for Abandon<'_, D> {
    fn drop(&mut self) {
        if self.armed {
            self.store.abandon(self.key, self.token);
        }
    }
}

impl<F: Format, D> fmt::Debug for Service<F, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Service")
            .field("endpoint", &self.endpoint)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}
