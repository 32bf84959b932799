//! A WeCom third-party suite at `/suite/instruction` and `/suite/data?corpid=$CORPID$`.
//!
//! - Instruction callbacks (`suite_ticket`, `create_auth`, `reset_permanent_code`, …) are
//!   recorded in the instruction inbox (in Redis with `REDIS_URL`, shared by every replica)
//!   *before* they are answered `success`; if the inbox cannot record one, the answer is a 503
//!   and Tencent sends it again. The work a task starts (exchanging the auth code for the
//!   permanent code) runs after the answer, on whichever replica takes the task.
//! - Data callbacks come from the companies that installed the suite, each checked against
//!   the `corpid` WeCom filled into the URL, and are answered like `/callback` (`wecom.rs`),
//!   sealed with that company's corpid.

use std::sync::Arc;
use std::time::SystemTime;

use axum::routing::MethodRouter;
use wxbizmsgcrypt_callback::endpoint::{Callback, Response, Service, Xml};
use wxbizmsgcrypt_callback::inbox::{Inbox, Recorded, Scope};

use crate::log::RateLimited;
use crate::store::{Dedup, Inboxes};

/// The `/suite/instruction` route over `service`, recording into `inbox`.
pub fn instructions(
    service: Arc<Service<Xml, Dedup>>,
    inbox: Inbox<Inboxes>,
    suite_id: &str,
    log: Arc<RateLimited>,
) -> MethodRouter {
    let (inbox, suite_id) = (Arc::new(inbox), Arc::<str>::from(suite_id));
    wxbizmsgcrypt_callback::axum::route(service, move |callback: Callback<Xml>| {
        let (inbox, suite_id, log) = (Arc::clone(&inbox), Arc::clone(&suite_id), Arc::clone(&log));
        async move { record(&inbox, suite_id, &log, callback).await }
    })
}

async fn record(
    inbox: &Arc<Inbox<Inboxes>>,
    suite_id: Arc<str>,
    log: &RateLimited,
    callback: Callback<Xml>,
) -> Response {
    match inbox.record(Scope::Suite(&suite_id), callback.message(), SystemTime::now()).await {
        Ok(Recorded::Task) => {
            let inbox = Arc::clone(inbox);
            tokio::spawn(async move { work(&inbox, &suite_id).await });
        }
        Ok(_) => {}
        Err(err) => {
            log.line(&format!("inbox: {err}; asking Tencent to send the instruction again"));
            return callback.retry_later();
        }
    }
    callback.acknowledge()
}

/// Takes the suite's tasks and does them (here: says so; a real service calls
/// `get_permanent_code` and keeps what it answers).
async fn work(inbox: &Inbox<Inboxes>, suite_id: &str) {
    loop {
        match inbox.take_task(Scope::Suite(suite_id), SystemTime::now()).await {
            Ok(Some(task)) => eprintln!("suite {suite_id}: to do after the answer: {task:?}"),
            Ok(None) => return,
            Err(err) => {
                eprintln!("suite {suite_id}: inbox: {err}");
                return;
            }
        }
    }
}
