//! What the service serves, from the environment: a route is mounted only when every one of
//! its variables is set; there are no defaults for credentials.

use wxbizmsgcrypt_callback::MsgCrypt;
use wxbizmsgcrypt_callback::endpoint::{Endpoint, Suite, WecomApps, Xml};

/// The official WeCom sample's Token and EncodingAESKey (developer.work.weixin.qq.com,
/// 加解密方案说明): public, so only for `WXBIZ_DEMO=1`.
const SAMPLE_TOKEN: &str = "QDG6eK";
const SAMPLE_KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
const SAMPLE_CORP: &str = "wx5823bf96d3bd56c7";

/// The routes and their credentials.
pub struct Config {
    /// `/callback`: a WeCom app (XML), or several told apart by `AgentID`.
    pub app: Option<Endpoint<Xml>>,
    /// `/aibot`: the WeCom AI bot (JSON, receive id "").
    pub bot: Option<MsgCrypt>,
    /// `/mp`: a 公众号 in safe (or compatible) mode (XML, receive id its appid).
    pub mp: Option<MsgCrypt>,
    /// `/mp-plain`: a 公众号 in plaintext mode: its Token alone.
    pub mp_plain: Option<String>,
    /// `/suite/instruction` and, with the provider's corpid, `/suite/data`.
    pub suite: Option<Suite>,
}

/// A route's variables, in the order they are named.
const APP: [&str; 3] = ["WXBIZ_TOKEN", "WXBIZ_AES_KEY", "WXBIZ_RECEIVE_ID"];
const BOT: [&str; 2] = ["WXBIZ_BOT_TOKEN", "WXBIZ_BOT_AES_KEY"];
const MP: [&str; 3] = ["WXBIZ_MP_TOKEN", "WXBIZ_MP_AES_KEY", "WXBIZ_MP_APPID"];
const MP_PLAIN: [&str; 1] = ["WXBIZ_MP_PLAIN_TOKEN"];
const AGENT: [&str; 1] = ["WXBIZ_AGENT_ID"];
const APP2: [&str; 3] = ["WXBIZ_APP2_TOKEN", "WXBIZ_APP2_AES_KEY", "WXBIZ_APP2_AGENT_ID"];
const SUITE: [&str; 3] = ["WXBIZ_SUITE_ID", "WXBIZ_SUITE_TOKEN", "WXBIZ_SUITE_AES_KEY"];
const PROVIDER: [&str; 1] = ["WXBIZ_PROVIDER_CORPID"];

impl Config {
    /// Reads the environment. An error names what is missing or wrong; the caller exits 2.
    pub fn from_env() -> Result<Config, String> {
        let demo = std::env::var("WXBIZ_DEMO").is_ok_and(|v| v == "1");
        let app =
            route("/callback", &APP, demo.then_some([SAMPLE_TOKEN, SAMPLE_KEY, SAMPLE_CORP]))?
                .map(|[token, key, receive_id]| apps(&token, &key, &receive_id))
                .transpose()?;
        if app.is_none() && route("/callback", &APP2, None)?.is_some() {
            return Err(format!(
                "WXBIZ_APP2_* is a second app on /callback: set {}",
                APP.join(", ")
            ));
        }
        let bot = route("/aibot", &BOT, demo.then_some([SAMPLE_TOKEN, SAMPLE_KEY]))?
            .map(|[token, key]| crypt("/aibot", &token, &key, ""))
            .transpose()?;
        // No public sample has a 公众号's EncodingAESKey: /mp has no demo credentials.
        let mp = route("/mp", &MP, None)?
            .map(|[token, key, appid]| crypt("/mp", &token, &key, &appid))
            .transpose()?;
        let mp_plain = route("/mp-plain", &MP_PLAIN, None)?.map(|[token]| token);
        let suite = route("/suite/instruction", &SUITE, None)?
            .map(|[suite_id, token, key]| {
                let suite =
                    Suite::new(&token, &key, &suite_id).map_err(|e| described("/suite", &e))?;
                match route("/suite/data", &PROVIDER, None)? {
                    Some([provider]) => suite
                        .with_provider_corpid(&provider)
                        .map_err(|e| described("WXBIZ_PROVIDER_CORPID", &e)),
                    None => Ok(suite),
                }
            })
            .transpose()?;
        if app.is_none() && bot.is_none() && mp.is_none() && mp_plain.is_none() && suite.is_none() {
            return Err(format!(
                "nothing to serve: set {} for /callback, {} for /aibot, {} for /mp, {} for \
                 /mp-plain, or {} for /suite/instruction (or WXBIZ_DEMO=1 to try the service \
                 with the official sample credentials)",
                APP.join(", "),
                BOT.join(", "),
                MP.join(", "),
                MP_PLAIN.join(", "),
                SUITE.join(", ")
            ));
        }
        if demo {
            eprintln!(
                "WXBIZ_DEMO=1: routes without their variables serve the official sample \
                 credentials, which are public: never in production"
            );
        }
        Ok(Config { app, bot, mp, mp_plain, suite })
    }
}

/// A route's values: all set, none set (`None`, or the demo's), or an error naming the
/// missing ones.
fn route<const N: usize>(
    path: &str,
    names: &[&str; N],
    demo: Option<[&str; N]>,
) -> Result<Option<[String; N]>, String> {
    let values = names.map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()));
    if values.iter().all(Option::is_some) {
        return Ok(Some(values.map(Option::unwrap_or_default)));
    }
    if values.iter().all(Option::is_none) {
        return Ok(demo.map(|sample| sample.map(str::to_owned)));
    }
    let missing: Vec<&str> =
        names.iter().zip(&values).filter(|(_, v)| v.is_none()).map(|(n, _)| *n).collect();
    Err(format!(
        "{path} needs {} too (set all of {}, or none)",
        missing.join(", "),
        names.join(", ")
    ))
}

fn crypt(path: &str, token: &str, key: &str, receive_id: &str) -> Result<MsgCrypt, String> {
    MsgCrypt::new(token, key, receive_id).map_err(|e| described(path, &e))
}

fn described(what: &str, e: &wxbizmsgcrypt_callback::Error) -> String {
    format!("{what}: {e} ({}); {}", e.code(), e.hint().unwrap_or_default())
}

/// `/callback`'s endpoint: one app; or, with `WXBIZ_AGENT_ID`, the apps told apart by the
/// envelope's `AgentID` (a second one with `WXBIZ_APP2_*`, of the same company).
fn apps(token: &str, key: &str, corpid: &str) -> Result<Endpoint<Xml>, String> {
    let first = crypt("/callback", token, key, corpid)?;
    let agent = route("/callback", &AGENT, None)?;
    let second = route("/callback", &APP2, None)?;
    let agent_id = |name: &str, value: &str| {
        value.parse::<u64>().map_err(|_| format!("{name}={value}: an agent id is a number"))
    };
    match (agent, second) {
        (None, None) => Ok(Endpoint::xml(first)),
        (None, Some(_)) => Err("WXBIZ_APP2_* needs WXBIZ_AGENT_ID (the first app's)".to_owned()),
        (Some([id]), second) => {
            let mut apps = WecomApps::new().app(agent_id("WXBIZ_AGENT_ID", &id)?, first);
            if let Some([token, key, id]) = second {
                let crypt = crypt("/callback (app 2)", &token, &key, corpid)?;
                apps = apps.app(agent_id("WXBIZ_APP2_AGENT_ID", &id)?, crypt);
            }
            Ok(Endpoint::wecom_apps(apps))
        }
    }
}
