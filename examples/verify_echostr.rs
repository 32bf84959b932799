//! Answers WeCom's GET URL check the way a callback server does.
//!
//! With no arguments it verifies the official WeCom sample (token `QDG6eK`) and prints the echo,
//! `1616140317555161061`, alone on stdout.
//!
//! ```text
//! cargo run --example verify_echostr
//! ```

use std::process::ExitCode;

use wxbizmsgcrypt::MsgCrypt;

// The official sample from developer.work.weixin.qq.com (加解密方案说明).
const TOKEN: &str = "QDG6eK";
const AES_KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
const RECEIVE_ID: &str = "wx5823bf96d3bd56c7";

fn main() -> ExitCode {
    let result = MsgCrypt::new(TOKEN, AES_KEY, RECEIVE_ID).and_then(|crypt| {
        crypt.verify_url(
            "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
            "1409659589",
            "263014780",
            "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==",
        )
    });
    match result {
        Ok(echo) => {
            println!("{echo}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error {}: {err}", err.code());
            ExitCode::FAILURE
        }
    }
}
