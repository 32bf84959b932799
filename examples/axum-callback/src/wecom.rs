//! The WeCom app at `/callback` (and the 公众号 at `/mp` and `/mp-plain`): what to say to each
//! message.

use std::time::Duration;

use wxbizmsgcrypt_callback::endpoint::{Callback, Format, Response};
use wxbizmsgcrypt_callback::message::{Event, Instruction, Kind, Message};
use wxbizmsgcrypt_callback::reply::Reply;

/// The handler the adapter calls with each fresh, first-time callback.
///
/// - a text message: a text reply echoing it;
/// - `subscribe` and `enter_agent`: a welcome;
/// - a menu `click`: a text naming its `EventKey`;
/// - `create_auth` (a company installed the third-party app; Tencent wants the answer within
///   1000 ms): acknowledged at once, the slow part (fetching the permanent code) in the
///   background;
/// - everything else, including kinds Tencent adds later: acknowledged (an empty 200, or
///   `success` for instruction callbacks), never a 500.
pub async fn answer<F>(callback: Callback<F>) -> Response
where
    F: Format<Message = Message, Reply = Reply>,
{
    let reply = match callback.message().kind() {
        Kind::Text(text) => Reply::text(text.content.unwrap_or_default()),
        Kind::Event(Event::Subscribe { .. } | Event::EnterAgent { .. }) => {
            Reply::text("欢迎！发消息给我，我会原样回复。")
        }
        Kind::Event(Event::Click { event_key }) => {
            Reply::text(&format!("你点击了菜单：{}", event_key.unwrap_or_default()))
        }
        Kind::Instruction(Instruction::CreateAuth { auth_code, .. }) => {
            let auth_code = auth_code.unwrap_or_default().to_owned();
            tokio::spawn(async move {
                // Stands in for exchanging the auth code for the permanent code (an API call).
                tokio::time::sleep(Duration::from_secs(2)).await;
                let _ = auth_code;
            });
            return callback.acknowledge();
        }
        _ => return callback.acknowledge(),
    };
    // A reply over Tencent's limits (-40011): say nothing rather than fail the callback.
    callback.reply(&reply).unwrap_or_else(|e| {
        eprintln!("no reply: {e} ({})", e.code());
        callback.acknowledge()
    })
}
