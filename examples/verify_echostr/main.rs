//! Answers WeCom's GET URL check the way a callback server does, from the command line.
//!
//! With no arguments it verifies the official WeCom sample (token `QDG6eK`) and prints the echo,
//! `1616140317555161061`, alone on stdout:
//!
//! ```text
//! cargo run --example verify_echostr
//! ```
//!
//! With your own settings and the query string exactly as it arrived in the request line (a full
//! URL works too), it prints the echo your server must answer with, or the error, its official
//! code and what to check on stderr, and exits with status 1:
//!
//! ```text
//! cargo run --example verify_echostr -- --token T --aes-key K --receive-id R 'msg_signature=…&timestamp=…&nonce=…&echostr=…'
//! ```

use std::process::ExitCode;

use wxbizmsgcrypt::{CallbackQuery, MsgCrypt};

/// The official sample from developer.work.weixin.qq.com (加解密方案说明), as WeCom sends it.
const SAMPLE: [&str; 4] = [
    "QDG6eK",
    "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
    "wx5823bf96d3bd56c7",
    "msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=263014780&echostr=P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D",
];

const USAGE: &str = "usage: verify_echostr [--token T --aes-key K --receive-id R 'QUERY']";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [token, aes_key, receive_id, query] = match parse_args(&args) {
        Ok(values) => values,
        Err(problem) => {
            eprintln!("{problem}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // A whole URL (or a path) has a '?'; a query string alone has none.
    let parsed = if query.contains('?') {
        CallbackQuery::parse_url(&query)
    } else {
        CallbackQuery::parse(&query)
    };
    let result = MsgCrypt::new(&token, &aes_key, &receive_id)
        .and_then(|crypt| parsed.and_then(|q| crypt.verify_url(q.signed(), q.echostr()?)));
    match result {
        Ok(echo) => {
            // Exactly the body to answer with: nothing before or after it but the newline.
            println!("{echo}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            let name = err.official_name().unwrap_or("wxbizmsgcrypt");
            eprintln!("error {} ({name}): {err}", err.code());
            if let Some(hint) = err.hint() {
                eprintln!("hint: {hint}");
            }
            ExitCode::FAILURE
        }
    }
}

/// `[token, aes_key, receive_id, query]`: all four given, or none (the official sample).
fn parse_args(args: &[String]) -> Result<[String; 4], String> {
    if args.is_empty() {
        return Ok(SAMPLE.map(str::to_owned));
    }
    let (mut token, mut aes_key, mut receive_id, mut query) = (None, None, None, None);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let slot = match arg.as_str() {
            "--token" => &mut token,
            "--aes-key" => &mut aes_key,
            "--receive-id" => &mut receive_id,
            "-h" | "--help" => return Err("verifies a WeCom callback URL check".to_owned()),
            other if other.starts_with("--") => return Err(format!("unknown option {other}")),
            _ => {
                query = Some(arg.clone());
                continue;
            }
        };
        *slot = Some(args.next().ok_or_else(|| format!("{arg} needs a value"))?.clone());
    }
    match (token, aes_key, receive_id, query) {
        (Some(t), Some(k), Some(r), Some(q)) => Ok([t, k, r, q]),
        _ => {
            Err("give --token, --aes-key, --receive-id and the query string, or nothing".to_owned())
        }
    }
}
