//! The long connection's driver on tokio (feature `aibot-ws`): [`Connection`] over a real
//! WebSocket (`tokio-tungstenite`, TLS by rustls with the web's roots; `ws://` for tests).
//!
//! [`Driver::new`] returns the driver, a [`Handle`] to answer and push from any task, and a
//! receiver of [`Notice`]s (callbacks, acks, failures, kicks). Run the driver on its own task;
//! it returns when the connection stops for good.
//!
//! **Logging.** `tungstenite` writes every frame it sends and receives to the `log` facade at
//! `trace` level, payload included: the subscribe frame's bot Secret, what users write, each
//! media file's `aeskey`. Nothing in this crate logs them, but a logger set to `trace` for
//! every target (`RUST_LOG=trace`) prints them. Keep that target at `debug` or below in
//! production (`RUST_LOG=trace,tungstenite=debug`, or the same filter in `tracing`'s
//! `EnvFilter` when `log` records are bridged into it).
//!
//! ```no_run
//! use wxbizmsgcrypt_callback::aibot::Reply;
//! use wxbizmsgcrypt_callback::aibot::ws::{Connection, Credentials, OFFICIAL_URL};
//! use wxbizmsgcrypt_callback::aibot::ws::driver::{Driver, Notice};
//!
//! # async fn serve() -> Result<(), Box<dyn std::error::Error>> {
//! let connection = Connection::new(Credentials::new("BOTID", "SECRET")?, rand_salt());
//! let (driver, handle, mut notices) = Driver::new(connection, OFFICIAL_URL);
//! let running = tokio::spawn(driver.run());
//! while let Some(notice) = notices.recv().await {
//!     if let Notice::Callback(callback) = notice {
//!         let _ = handle.reply(&callback, Reply::text("hi")).await;
//!     }
//! }
//! println!("stopped: {}", running.await?);
//! # Ok(())
//! # }
//! # fn rand_salt() -> u64 { 7 }
//! ```

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::Connector;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::{Callback, ChatType, Connection, Event, Failure, FrameId, MAX_FRAME_LEN, StopReason};
use crate::aibot::Reply;

/// How long opening a socket (TCP, TLS, the WebSocket handshake) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long sending a frame or closing the socket may take.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// What the driver tells the application.
///
/// # Example
///
/// See the [module docs](self).
#[derive(Debug)]
#[non_exhaustive]
pub enum Notice {
    /// Subscribed: the connection counts from now.
    Subscribed,
    /// A callback to handle (de-duplicate it by `msgid`) and answer through the [`Handle`].
    Callback(Box<Callback>),
    /// WeCom acknowledged this frame.
    Acked(FrameId),
    /// This frame failed.
    Failed(FrameId, Failure),
    /// Another connection of this bot took over: check the lease, then
    /// [`Handle::resume_after_kick`] or [`Handle::stop`].
    Kicked,
    /// The socket failed to open or dropped (it reconnects after its back-off); the text says
    /// why, for a log.
    Disconnected(String),
}

enum Command {
    /// A reply to the callback of a `req_id`.
    Reply(String, Box<Reply>, oneshot::Sender<Result<FrameId, Failure>>),
    Delivered(String, Box<Reply>, oneshot::Sender<Result<(), Failure>>),
    Push(String, ChatType, String, oneshot::Sender<Result<FrameId, Failure>>),
    Resume(Duration),
    Stop(StopReason),
}

/// Answers and pushes on the connection, from any task.
///
/// # Example
///
/// See the [module docs](self).
#[derive(Clone, Debug)]
pub struct Handle {
    commands: mpsc::UnboundedSender<Command>,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Command")
    }
}

impl Handle {
    /// Answers `callback` (see [`Connection::reply`]).
    ///
    /// # Errors
    ///
    /// The [`Failure`]s of [`Connection::reply`]; [`Failure::ConnectionLost`] if the driver
    /// has stopped.
    ///
    /// # Example
    ///
    /// See the [module docs](self).
    pub async fn reply(&self, callback: &Callback, reply: Reply) -> Result<FrameId, Failure> {
        let (answer, answered) = oneshot::channel();
        let command = Command::Reply(callback.req_id().to_owned(), Box::new(reply), answer);
        self.commands.send(command).map_err(|_| Failure::ConnectionLost)?;
        answered.await.map_err(|_| Failure::ConnectionLost)?
    }

    /// Answers `callback` and waits for WeCom's ack: `Ok` once it is acknowledged. For the
    /// frame that finishes a stream, so that the application knows the user saw the end.
    ///
    /// # Errors
    ///
    /// The [`Failure`]s of [`Connection::reply`], then WeCom's refusal
    /// ([`Failure::Refused`]), [`Failure::AckTimeout`], or [`Failure::ConnectionLost`] if the
    /// socket or the driver went first.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # async fn finish(handle: wxbizmsgcrypt_callback::aibot::ws::driver::Handle, callback: wxbizmsgcrypt_callback::aibot::ws::Callback) {
    /// use wxbizmsgcrypt_callback::aibot::Reply;
    /// if let Err(failure) = handle.reply_delivered(&callback, Reply::stream_finished("s1", "done")).await {
    ///     eprintln!("the stream's end did not arrive: {failure}");
    /// }
    /// # }
    /// ```
    pub async fn reply_delivered(&self, callback: &Callback, reply: Reply) -> Result<(), Failure> {
        let (answer, answered) = oneshot::channel();
        let command = Command::Delivered(callback.req_id().to_owned(), Box::new(reply), answer);
        self.commands.send(command).map_err(|_| Failure::ConnectionLost)?;
        answered.await.map_err(|_| Failure::ConnectionLost)?
    }

    /// Pushes markdown to a conversation (see [`Connection::push_markdown`]).
    ///
    /// # Errors
    ///
    /// The [`Failure`]s of [`Connection::push_markdown`]; [`Failure::ConnectionLost`] if the
    /// driver has stopped.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # async fn push(handle: wxbizmsgcrypt_callback::aibot::ws::driver::Handle) {
    /// use wxbizmsgcrypt_callback::aibot::ws::ChatType;
    /// let _ = handle.push_markdown("CHATID", ChatType::Single, "**done**").await;
    /// # }
    /// ```
    pub async fn push_markdown(
        &self,
        chatid: &str,
        chat_type: ChatType,
        content: &str,
    ) -> Result<FrameId, Failure> {
        let (answer, answered) = oneshot::channel();
        let command = Command::Push(chatid.to_owned(), chat_type, content.to_owned(), answer);
        self.commands.send(command).map_err(|_| Failure::ConnectionLost)?;
        answered.await.map_err(|_| Failure::ConnectionLost)?
    }

    /// After [`Notice::Kicked`], with the lease still ours: connect once more after `delay`.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # fn resume(handle: wxbizmsgcrypt_callback::aibot::ws::driver::Handle) {
    /// handle.resume_after_kick(std::time::Duration::from_millis(1500));
    /// # }
    /// ```
    pub fn resume_after_kick(&self, delay: Duration) {
        let _ = self.commands.send(Command::Resume(delay));
    }

    /// Stops the connection for good (the lease was lost, or the service is stopping).
    ///
    /// # Example
    ///
    /// ```no_run
    /// # fn stop(handle: wxbizmsgcrypt_callback::aibot::ws::driver::Handle) {
    /// use wxbizmsgcrypt_callback::aibot::ws::StopReason;
    /// handle.stop(StopReason::Requested);
    /// # }
    /// ```
    pub fn stop(&self, reason: StopReason) {
        let _ = self.commands.send(Command::Stop(reason));
    }
}

/// Runs a [`Connection`] over a WebSocket: see the [module docs](self).
///
/// # Example
///
/// See the [module docs](self).
#[derive(Debug)]
pub struct Driver {
    connection: Connection,
    url: String,
    commands: mpsc::UnboundedReceiver<Command>,
    notices: mpsc::UnboundedSender<Notice>,
    /// Who waits for which frame's ack ([`Handle::reply_delivered`]).
    waiters: HashMap<FrameId, Vec<oneshot::Sender<Result<(), Failure>>>>,
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

impl Driver {
    /// The driver of `connection` to `url` (`wss://`, or `ws://` for a test server), its
    /// handle, and its notices.
    ///
    /// # Example
    ///
    /// See the [module docs](self).
    #[must_use]
    pub fn new(
        connection: Connection,
        url: &str,
    ) -> (Driver, Handle, mpsc::UnboundedReceiver<Notice>) {
        let (commands_tx, commands) = mpsc::unbounded_channel();
        let (notices, notices_rx) = mpsc::unbounded_channel();
        let driver =
            Driver { connection, url: url.to_owned(), commands, notices, waiters: HashMap::new() };
        (driver, Handle { commands: commands_tx }, notices_rx)
    }

    /// Runs until the connection stops for good, and says why: WeCom's refusals, a kick, or
    /// [`Handle::stop`]'s reason. Dropping every handle stops it too
    /// ([`StopReason::Requested`]).
    ///
    /// # Example
    ///
    /// See the [module docs](self).
    pub async fn run(mut self) -> StopReason {
        let mut socket: Option<Socket> = None;
        let mut handles_gone = false;
        loop {
            while let Some(event) = self.connection.poll(Instant::now()) {
                match event {
                    Event::Connect => socket = self.connect().await,
                    Event::Send(text) => {
                        if let Some(open) = socket.as_mut() {
                            // Bounded: a half-open socket with a full buffer must not hold
                            // the loop (reads, timers, commands) for the kernel's timeout.
                            let sent = tokio::time::timeout(
                                WRITE_TIMEOUT,
                                open.send(WsMessage::text(text)),
                            )
                            .await;
                            if let Err(why) = sent
                                .map_err(|_| "timed out".to_owned())
                                .and_then(|sent| sent.map_err(|error| error.to_string()))
                            {
                                socket = None;
                                self.dropped(format!("send failed: {why}"));
                            }
                        }
                    }
                    Event::Close => {
                        if let Some(mut open) = socket.take() {
                            let _ = tokio::time::timeout(WRITE_TIMEOUT, open.close(None)).await;
                            self.notify(Notice::Disconnected(
                                "closed by the connection (no ack, missed pings, a refused \
                                 subscription, or not subscribed)"
                                    .to_owned(),
                            ));
                        }
                        self.connection.closed(Instant::now());
                    }
                    Event::Subscribed => self.notify(Notice::Subscribed),
                    Event::Callback(callback) => self.notify(Notice::Callback(callback)),
                    Event::Acked(id) => {
                        self.settle(id, &Ok(()));
                        self.notify(Notice::Acked(id));
                    }
                    Event::Failed(id, failure) => {
                        self.settle(id, &Err(failure.clone()));
                        self.notify(Notice::Failed(id, failure));
                    }
                    Event::Kicked => self.notify(Notice::Kicked),
                    Event::Stopped(reason) => {
                        if let Some(mut open) = socket.take() {
                            let _ = tokio::time::timeout(WRITE_TIMEOUT, open.close(None)).await;
                        }
                        return reason;
                    }
                }
            }
            let deadline = self.connection.next_deadline();
            let sleep = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at.into()).await,
                    None => std::future::pending().await,
                }
            };
            let next_frame = async {
                match socket.as_mut() {
                    Some(open) => open.next().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                frame = next_frame => match frame {
                    Some(Ok(WsMessage::Text(text))) => {
                        // A frame that is not WeCom's is dropped: the state machine said why.
                        let _ = self.connection.received(text.as_str(), Instant::now());
                    }
                    Some(Ok(WsMessage::Close(_))) | None => {
                        socket = None;
                        self.dropped("closed by the server".to_owned());
                    }
                    Some(Err(error)) => {
                        socket = None;
                        self.dropped(format!("read failed: {error}"));
                    }
                    // Pings are answered by tungstenite; binary frames are not WeCom's.
                    Some(Ok(_)) => {}
                },
                command = self.commands.recv(), if !handles_gone => match command {
                    Some(command) => self.command(command),
                    None => {
                        handles_gone = true;
                        self.connection.stop(StopReason::Requested);
                    }
                },
                () = sleep => {}
            }
        }
    }

    async fn connect(&mut self) -> Option<Socket> {
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_FRAME_LEN))
            .max_frame_size(Some(MAX_FRAME_LEN));
        let tls = match tls_config() {
            Ok(tls) => tls,
            Err(error) => {
                self.dropped(format!("TLS configuration failed: {error}"));
                return None;
            }
        };
        let connecting = tokio_tungstenite::connect_async_tls_with_config(
            self.url.as_str(),
            Some(config),
            false,
            Some(Connector::Rustls(Arc::new(tls))),
        );
        match tokio::time::timeout(CONNECT_TIMEOUT, connecting).await {
            Ok(Ok((socket, _response))) => {
                self.connection.connected(Instant::now());
                Some(socket)
            }
            Ok(Err(error)) => {
                self.dropped(format!("connect failed: {error}"));
                None
            }
            Err(_) => {
                self.dropped(format!("connect took over {} s", CONNECT_TIMEOUT.as_secs()));
                None
            }
        }
    }

    fn dropped(&mut self, why: String) {
        self.connection.closed(Instant::now());
        self.notify(Notice::Disconnected(why));
    }

    fn command(&mut self, command: Command) {
        let now = Instant::now();
        match command {
            Command::Reply(req_id, reply, answer) => {
                let _ = answer.send(self.connection.reply_to(&req_id, &reply, now));
            }
            Command::Delivered(req_id, reply, answer) => {
                match self.connection.reply_to(&req_id, &reply, now) {
                    Ok(id) => self.waiters.entry(id).or_default().push(answer),
                    Err(failure) => {
                        let _ = answer.send(Err(failure));
                    }
                }
            }
            Command::Push(chatid, chat_type, content, answer) => {
                let _ =
                    answer.send(self.connection.push_markdown(&chatid, chat_type, &content, now));
            }
            Command::Resume(delay) => {
                if !self.connection.resume_after_kick(now, delay) {
                    self.notify(Notice::Disconnected(
                        "not resumed: not kicked, or resumed once already".to_owned(),
                    ));
                }
            }
            Command::Stop(reason) => self.connection.stop(reason),
        }
    }

    /// Tells whoever waits for frame `id` how it ended.
    fn settle(&mut self, id: FrameId, outcome: &Result<(), Failure>) {
        for waiter in self.waiters.remove(&id).unwrap_or_default() {
            let _ = waiter.send(outcome.clone());
        }
    }

    fn notify(&self, notice: Notice) {
        // Nobody listening: the application has gone, and its handles will stop the driver.
        let _ = self.notices.send(notice);
    }
}

/// TLS by rustls with the ring provider (chosen here, not left to the process: an application
/// with another provider compiled in would otherwise fail at the first connection), trusting
/// the web's roots (webpki-roots).
///
/// rustls deprecates ring's provider for its lack of post-quantum key exchange; aws-lc-rs has
/// it, at the price of a much longer C build. Ring gives classical X25519 and ECDHE; moving to
/// aws-lc-rs is one line here (and a feature of rustls).
#[allow(deprecated)]
fn tls_config() -> Result<rustls::ClientConfig, rustls::Error> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}
