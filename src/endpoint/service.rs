//! [`Service`]: an [`Endpoint`] with de-duplication and hooks for the log.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::SystemTime;

use super::{Callback, DedupStore, Endpoint, Outcome, Request, Response, StoreError};
use crate::error::Error;

/// A hook that sees what is not handed to the application.
type Hook<T> = Arc<dyn Fn(&T) + Send + Sync>;

/// An [`Endpoint`] with a de-duplication store: a callback is handed to the application once;
/// its retries (and replays inside the freshness window) are acknowledged without it. What the
/// framework adapters (`axum`, `actix-web` features) are built on; usable as it is with any
/// other framework.
///
/// # Example
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use wxbizmsgcrypt::endpoint::{Endpoint, MemoryDedup, Request, Service};
/// use wxbizmsgcrypt::{MsgCrypt, reply::Reply, xml};
///
/// let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
/// let service = Service::new(Endpoint::xml(crypt.clone()), MemoryDedup::new(100_000))
///     .on_refusal(|err| eprintln!("refused: {err} ({})", err.code()));
///
/// // WeCom sends a text message, then retries it (a new query, a fresh ciphertext).
/// let plaintext = "<xml><ToUserName>wx5823bf96d3bd56c7</ToUserName><FromUserName>zhangsan</FromUserName>\
///                  <CreateTime>1700000000</CreateTime><MsgType>text</MsgType><Content>hi</Content><MsgId>1</MsgId></xml>";
/// let now = UNIX_EPOCH + Duration::from_secs(1700000001);
/// let handled = std::cell::Cell::new(0);
/// for nonce in ["first", "retry"] {
///     let sent = crypt.encrypt_msg(plaintext, "1700000000", nonce)?;
///     let query = format!("msg_signature={}&timestamp=1700000000&nonce={nonce}", sent.msg_signature());
///     let body = xml::render_reply(&sent)?;
///     let request = Request { method: "POST", query: &query, body: body.as_bytes() };
///     let handled = &handled;
///     let response = block_on(service.handle(request, now, |callback| async move {
///         handled.set(handled.get() + 1);
///         callback.reply(&Reply::text("收到"), now).unwrap_or_else(|_| callback.acknowledge())
///     }));
///     assert_eq!(response.status(), 200);
/// }
/// assert_eq!(handled.get(), 1); // the retry was acknowledged, not handed on
/// # fn block_on<F: std::future::Future>(future: F) -> F::Output {
/// #     // A minimal executor for a future that never waits (MemoryDedup answers at once).
/// #     let waker = std::task::Waker::noop();
/// #     let mut context = std::task::Context::from_waker(&waker);
/// #     let mut future = std::pin::pin!(future);
/// #     loop {
/// #         if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) { return output; }
/// #     }
/// # }
/// # Ok::<(), wxbizmsgcrypt::Error>(())
/// ```
pub struct Service<D> {
    endpoint: Endpoint,
    dedup: D,
    on_refusal: Option<Hook<Error>>,
    on_store_error: Option<Hook<StoreError>>,
}

impl<D: DedupStore> Service<D> {
    /// A service of `endpoint`, de-duplicating with `dedup`.
    ///
    /// # Example
    ///
    /// See [`Service`].
    ///
    /// ```
    /// use wxbizmsgcrypt::{MsgCrypt, endpoint::{Endpoint, NoDedup, Service}};
    /// let service = Service::new(Endpoint::xml(MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "x")?), NoDedup);
    /// # let _ = service;
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    #[must_use]
    pub fn new(endpoint: Endpoint, dedup: D) -> Service<D> {
        Service { endpoint, dedup, on_refusal: None, on_store_error: None }
    }

    /// Calls `hook` with the fault behind every refusal (for the log: rate-limit it, since
    /// anyone can send bad requests).
    ///
    /// # Example
    ///
    /// See [`Service`].
    ///
    /// ```
    /// use wxbizmsgcrypt::{MsgCrypt, endpoint::{Endpoint, NoDedup, Service}};
    /// let service = Service::new(Endpoint::xml(MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "x")?), NoDedup)
    ///     .on_refusal(|err| eprintln!("{err}: {}", err.hint().unwrap_or_default()));
    /// # let _ = service;
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    #[must_use]
    pub fn on_refusal(mut self, hook: impl Fn(&Error) + Send + Sync + 'static) -> Service<D> {
        self.on_refusal = Some(Arc::new(hook));
        self
    }

    /// Calls `hook` when the store fails (the callback is then handed on all the same).
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::{MsgCrypt, endpoint::{Endpoint, NoDedup, Service}};
    /// let service = Service::new(Endpoint::xml(MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "x")?), NoDedup)
    ///     .on_store_error(|err| eprintln!("{err}"));
    /// # let _ = service;
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    #[must_use]
    pub fn on_store_error(
        mut self,
        hook: impl Fn(&StoreError) + Send + Sync + 'static,
    ) -> Service<D> {
        self.on_store_error = Some(Arc::new(hook));
        self
    }

    /// The endpoint.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt::{MsgCrypt, endpoint::{Endpoint, Format, NoDedup, Service}};
    /// let service = Service::new(Endpoint::xml(MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "x")?), NoDedup);
    /// assert_eq!(service.endpoint().format(), Format::Xml);
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    #[must_use]
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// [`Endpoint::handle`], then the store: a callback seen before comes back as
    /// [`Outcome::Respond`] with its acknowledgement; a store that fails hands the callback on
    /// (fail open), after the hook. Refusals go to the refusal hook.
    ///
    /// # Example
    ///
    /// [`Service::handle`] is this and the application in one call.
    ///
    /// ```
    /// # use std::time::UNIX_EPOCH;
    /// use wxbizmsgcrypt::{MsgCrypt, endpoint::{Endpoint, NoDedup, Outcome, Request, Service}};
    /// let service = Service::new(Endpoint::xml(MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "x")?), NoDedup);
    /// let admitted = service.admit(Request { method: "GET", query: "", body: b"" }, UNIX_EPOCH);
    /// # let _ = admitted;
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub async fn admit(&self, request: Request<'_>, now: SystemTime) -> Outcome {
        let callback = match self.endpoint.handle(request, now) {
            Outcome::Respond(response) => {
                if let (Some(hook), Some(error)) = (&self.on_refusal, response.refusal()) {
                    hook(error);
                }
                return Outcome::Respond(response);
            }
            Outcome::Callback(callback) => callback,
        };
        match self.dedup.first_time(callback.dedup_key(), self.endpoint.dedup_ttl(), now).await {
            Ok(true) => Outcome::Callback(callback),
            Ok(false) => Outcome::Respond(callback.acknowledge()),
            Err(error) => {
                if let Some(hook) = &self.on_store_error {
                    hook(&error);
                }
                Outcome::Callback(callback)
            }
        }
    }

    /// Handles one request at `now`: [`admit`](Service::admit), then `app` with a callback
    /// handed on; returns the response to send.
    ///
    /// `app` should answer within Tencent's deadline (5 seconds for a passive reply, 1 second
    /// for some instruction callbacks such as `create_auth`): for longer work, start it in the
    /// background and answer with [`Callback::acknowledge`].
    ///
    /// The callback's key is recorded before `app` runs, so that a retry arriving while it
    /// works is acknowledged rather than handled twice. If `app` cannot handle the callback,
    /// it answers [`Callback::retry_later`] (or any status of 500 or more): the key is then
    /// forgotten and WeCom's retry is handed on. An `app` that never returns (cancelled by a
    /// timeout, or a process that dies) leaves the key recorded: its retries are acknowledged,
    /// so keep `app` short and make the work it starts durable.
    ///
    /// # Example
    ///
    /// See [`Service`].
    ///
    /// ```
    /// # use std::time::UNIX_EPOCH;
    /// use wxbizmsgcrypt::{MsgCrypt, endpoint::{Endpoint, NoDedup, Request, Service}};
    /// let service = Service::new(Endpoint::xml(MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "x")?), NoDedup);
    /// let response = service.handle(Request { method: "GET", query: "", body: b"" }, UNIX_EPOCH, |callback| async move {
    ///     callback.acknowledge()
    /// });
    /// # let _ = response;
    /// # Ok::<(), wxbizmsgcrypt::Error>(())
    /// ```
    pub async fn handle<F, Fut>(&self, request: Request<'_>, now: SystemTime, app: F) -> Response
    where
        F: FnOnce(Callback) -> Fut,
        Fut: Future<Output = Response>,
    {
        match self.admit(request, now).await {
            Outcome::Respond(response) => response,
            Outcome::Callback(callback) => {
                let key = callback.dedup_key().clone();
                let response = app(callback).await;
                // The application could not handle it: let WeCom's retry through.
                if response.status() >= 500
                    && let Err(error) = self.dedup.forget(&key).await
                    && let Some(hook) = &self.on_store_error
                {
                    hook(&error);
                }
                response
            }
        }
    }
}

impl<D> fmt::Debug for Service<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Service")
            .field("format", &self.endpoint.format())
            .field("freshness_window", &self.endpoint.freshness_window())
            .finish_non_exhaustive()
    }
}
