//! The holder's side: the connection while the lease is ours, and what the bot says.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use sha2::{Digest, Sha256};
use wxbizmsgcrypt_callback::aibot::Reply;
use wxbizmsgcrypt_callback::aibot::ws::driver::{Driver, Handle, Notice};
use wxbizmsgcrypt_callback::aibot::ws::{
    Callback, CallbackKind, Connection, Failure, Outbox, StopReason,
};
use wxbizmsgcrypt_callback::endpoint::{Claim, ClaimToken, DedupStore, StoreKey};
use wxbizmsgcrypt_callback::inbox::InboxStore;
use wxbizmsgcrypt_callback::lease::{FencingToken, LeaseStore};
use wxbizmsgcrypt_callback::wxbizmsgcrypt::media::{self, MediaKey};

use crate::Settings;

/// How holding the connection ended.
pub enum Ended {
    /// The lease is no longer ours (or could not be renewed in time): stand by.
    LeaseLost,
    /// The connection stopped for good (refused credentials).
    Stopped(StopReason),
    /// The driver's task failed: give the lease up and exit.
    DriverFailed(String),
}

/// The largest download read (WeCom's files are at most 20 MiB; images and videos less).
const MAX_DOWNLOAD: usize = 20 << 20;
/// How long a handled `msgid` is remembered (WeCom redelivers within minutes).
const SEEN_FOR: Duration = Duration::from_secs(60 * 60);
/// How long a message being answered is claimed: a replica that dies mid-answer frees it by
/// then.
const CLAIM_FOR: Duration = Duration::from_secs(60);
/// Downloads at once: each holds up to 20 MiB.
const DOWNLOADS_AT_ONCE: usize = 4;

/// Holds the connection while the lease `name` is ours with `token`.
pub async fn hold<L, D, O>(
    settings: Arc<Settings>,
    leases: Arc<L>,
    name: &'static str,
    token: FencingToken,
    dedup: Arc<D>,
    outbox: Arc<Outbox<O>>,
) -> Ended
where
    L: LeaseStore + 'static,
    D: DedupStore + 'static,
    O: InboxStore + 'static,
{
    let mut drain = tokio::time::interval(Duration::from_secs(1));
    let salt = crate::random() ^ token;
    let connection =
        Connection::new(settings.credentials.clone(), salt).with_heartbeat(settings.heartbeat);
    let (driver, handle, mut notices) = Driver::new(connection, &settings.url);
    let mut running = tokio::spawn(driver.run());
    // The de-duplication keys are made with a secret derived from the bot's Secret.
    let secret = settings.dedup_secret;
    let downloads = Arc::new(tokio::sync::Semaphore::new(DOWNLOADS_AT_ONCE));
    let mut renew = tokio::time::interval(settings.lease / 3);
    renew.tick().await;
    // When the last successful renewal was *sent*: Redis counts the lease from then.
    let mut renewed_from = Instant::now();
    let mut kicked_down = false;
    loop {
        // Stop the connection before the lease can run out, whatever the store says.
        let must_stop_at = renewed_from + settings.lease * 2 / 3;
        tokio::select! {
            stopped = &mut running => {
                let reason = match stopped {
                    Ok(reason) => reason,
                    Err(error) => return Ended::DriverFailed(error.to_string()),
                };
                if matches!(reason, StopReason::Kicked) {
                    // Kicked and not resumed, or kicked again: stay down, keep the lease (a
                    // standby that took it would only kick the other connection in turn).
                    eprintln!("connection stopped: {reason}; staying down");
                    kicked_down = true;
                    running = tokio::spawn(std::future::pending());
                } else {
                    return Ended::Stopped(reason);
                }
            }
            _ = drain.tick(), if !kicked_down => send_outbox(&handle, &outbox).await,
            () = tokio::time::sleep_until(must_stop_at.into()) => {
                eprintln!("the lease could not be renewed in time: stopping the connection");
                running.abort();
                return Ended::LeaseLost;
            }
            _ = renew.tick() => {
                let sent_at = Instant::now();
                match leases.renew(name, &settings.holder, token, settings.lease, SystemTime::now()).await {
                    Ok(true) => renewed_from = sent_at,
                    Ok(false) => {
                        // Gone at once, socket and all: a stopping driver must not subscribe.
                        running.abort();
                        return Ended::LeaseLost;
                    }
                    // The store is out of reach: the deadline above stops the connection
                    // before the lease can run out, so that two never hold it at once.
                    Err(err) => eprintln!("lease renewal: {err}"),
                }
            }
            notice = notices.recv(), if !kicked_down => match notice {
                Some(Notice::Callback(callback)) => {
                    let (handle, dedup) = (handle.clone(), Arc::clone(&dedup));
                    let downloads = Arc::clone(&downloads);
                    tokio::spawn(async move {
                        answer(&handle, &*dedup, &secret, &downloads, *callback).await;
                    });
                }
                Some(Notice::Subscribed) => eprintln!("subscribed"),
                Some(Notice::Kicked) => {
                    let ours = leases
                        .renew(name, &settings.holder, token, settings.lease, SystemTime::now())
                        .await;
                    if matches!(ours, Ok(true)) {
                        // Jittered, so that two kicked holders (a misconfiguration) drift apart.
                        let jitter = Duration::from_millis(crate::random() % 1000);
                        eprintln!("kicked (disconnected_event); the lease is ours: re-subscribing once");
                        handle.resume_after_kick(Duration::from_millis(1000) + jitter);
                    } else {
                        eprintln!("kicked (disconnected_event); the lease is not ours: staying down");
                        handle.stop(StopReason::Requested);
                    }
                }
                Some(Notice::Failed(id, failure)) => eprintln!("frame {id:?} failed: {failure}"),
                Some(Notice::Disconnected(why)) => eprintln!("disconnected: {why}"),
                Some(_) => {}
                None => kicked_down = true,
            },
        }
    }
}

/// Sends what any replica queued in the outbox; what cannot go now (not subscribed) is queued
/// again for the next round.
async fn send_outbox<O: InboxStore>(handle: &Handle, outbox: &Outbox<O>) {
    loop {
        let outgoing = match outbox.take(SystemTime::now()).await {
            Ok(Some(outgoing)) => outgoing,
            Ok(None) => return,
            Err(err) => {
                eprintln!("outbox: {err}");
                return;
            }
        };
        let (chatid, chat_type, markdown) =
            (outgoing.chatid(), outgoing.chat_type(), outgoing.markdown());
        if let Err(failure) = handle.push_markdown(chatid, chat_type, markdown).await {
            eprintln!("outbox: not sent now ({failure}); again in a second");
            let _ = outbox.send_markdown(chatid, chat_type, markdown, SystemTime::now()).await;
            return;
        }
    }
}

/// Handles one callback once: a `msgid` seen before gets no second answer.
async fn answer<D: DedupStore>(
    handle: &Handle,
    dedup: &D,
    secret: &[u8; 32],
    downloads: &tokio::sync::Semaphore,
    callback: Callback,
) {
    let key = StoreKey::new(secret, &callback.message().dedup_key());
    let token = ClaimToken::random();
    match dedup.claim(&key, &token, CLAIM_FOR, SystemTime::now()).await {
        Ok(Claim::Claimed) | Err(_) => {}
        Ok(_) => return,
    }
    if respond(handle, downloads, &callback).await {
        let _ = dedup.complete(&key, &token, b"answered", SEEN_FOR, SystemTime::now()).await;
    } else {
        // The answer did not arrive: a redelivery of this msgid is answered again.
        let _ = dedup.release(&key, &token).await;
    }
}

/// Answers `callback`; whether its answer (a stream's last frame) was acknowledged.
async fn respond(handle: &Handle, downloads: &tokio::sync::Semaphore, callback: &Callback) -> bool {
    let message = callback.message();
    match (callback.kind(), message.msgtype()) {
        (CallbackKind::EnterChat, _) => {
            let welcome = Reply::text("你好！我是回声机器人，发消息给我试试。");
            delivered(handle.reply_delivered(callback, welcome).await)
        }
        (CallbackKind::Message, Some("text")) => {
            let text = message.pointer("/text/content").unwrap_or_default();
            let full = format!("你说：{text}");
            stream(handle, callback, &full).await
        }
        (CallbackKind::Message, Some(kind @ ("image" | "file"))) => {
            let url = message.pointer(&format!("/{kind}/url")).unwrap_or_default();
            let aeskey = message.pointer(&format!("/{kind}/aeskey")).unwrap_or_default();
            let Ok(_permit) = downloads.acquire().await else { return false };
            let text = match download(url, aeskey).await {
                Ok(bytes) => {
                    let hex: String =
                        Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
                    format!("收到 {} 字节，sha256 {hex}", bytes.len())
                }
                Err(why) => format!("没能收到：{why}"),
            };
            let id = stream_id(callback);
            delivered(handle.reply_delivered(callback, Reply::stream_finished(&id, &text)).await)
        }
        _ => true,
    }
}

fn delivered(outcome: Result<(), Failure>) -> bool {
    outcome.map_err(|failure| eprintln!("an answer did not arrive: {failure}")).is_ok()
}

/// Streams `full` as it grows: a third, two thirds, then all of it, finished, waiting for
/// that last frame's ack (sent once more if it timed out): whether it arrived.
async fn stream(handle: &Handle, callback: &Callback, full: &str) -> bool {
    let id = stream_id(callback);
    let chars: Vec<char> = full.chars().collect();
    for step in 1..=2 {
        let content: String = chars.iter().take(chars.len() * step / 3).collect();
        if let Err(failure) = handle.reply(callback, Reply::stream(&id, &content)).await {
            eprintln!("stream refused: {failure}");
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for _ in 0..2 {
        match handle.reply_delivered(callback, Reply::stream_finished(&id, full)).await {
            Ok(()) => return true,
            // Its ack may have been lost: the same cumulative content again is harmless.
            Err(Failure::AckTimeout) => {}
            Err(failure) => return delivered(Err(failure)),
        }
    }
    false
}

fn stream_id(callback: &Callback) -> String {
    format!("s-{}", callback.message().msgid().unwrap_or(callback.req_id()))
}

/// Downloads `url` (at most [`MAX_DOWNLOAD`] bytes) and decrypts it with its own `aeskey`.
async fn download(url: &str, aeskey: &str) -> Result<Vec<u8>, String> {
    let key = MediaKey::new(aeskey).map_err(|e| format!("aeskey: {e}"))?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| e.to_string())?;
    let mut response = client.get(url).send().await.map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("HTTP {}", response.status()));
    }
    let mut decryptor = media::Decryptor::new(&key, MAX_DOWNLOAD as u64);
    let mut plain = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
        decryptor.update(&chunk, &mut plain).map_err(|e| e.to_string())?;
    }
    decryptor.finish(&mut plain).map_err(|e| e.to_string())?;
    Ok(plain)
}
