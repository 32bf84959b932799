//! `reply::Reply`: the templates' bytes for ordinary content, well-formed XML for any content
//! (read back by the crate's reader and by roxmltree, a second, independent one), Tencent's
//! limits as errors, and the one-call path from a decrypted request to the sealed reply.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use proptest::prelude::*;
use wxbizmsgcrypt::{Error, MsgCrypt, ReplyFault, Signed, Stamp, xml};
use wxbizmsgcrypt_callback::message::{Element, Message};
use wxbizmsgcrypt_callback::reply::{
    Article, Music, Reply, TEXT_MAX_BYTES, Video, WECHAT_NEWS_MAX_ARTICLES, WECOM_NEWS_MAX_ARTICLES,
};

/// A 公众号 text message (the official sample's shape).
const MP_TEXT: &str = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName>\
                       <CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[this is a test]]></Content>\
                       <MsgId>1234567890123456</MsgId></xml>";
/// A WeCom text message (path/96467): it has an AgentID.
const WECOM_TEXT: &str = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName>\
                          <CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[this is a test]]></Content>\
                          <MsgId>1234567890123456</MsgId><AgentID>1</AgentID></xml>";

fn mp() -> Message {
    Message::parse(MP_TEXT).unwrap()
}

fn wecom() -> Message {
    Message::parse(WECOM_TEXT).unwrap()
}

/// The official templates (CATALOG.md §2.7, from the 公众号 被动回复用户消息 page) with the
/// whitespace between elements removed: the bytes the renderer writes for ordinary content.
#[test]
fn ordinary_replies_are_the_official_templates() {
    let header = "<xml><ToUserName><![CDATA[fromUser]]></ToUserName><FromUserName><![CDATA[toUser]]></FromUserName>\
                  <CreateTime>12345678</CreateTime>";
    let cases = [
        (
            Reply::text("你好"),
            "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content></xml>",
        ),
        (
            Reply::image("media_id"),
            "<MsgType><![CDATA[image]]></MsgType><Image><MediaId><![CDATA[media_id]]></MediaId></Image></xml>",
        ),
        (
            Reply::voice("media_id"),
            "<MsgType><![CDATA[voice]]></MsgType><Voice><MediaId><![CDATA[media_id]]></MediaId></Voice></xml>",
        ),
        (
            Reply::video(Video::new("media_id").title("title").description("description")),
            "<MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA[media_id]]></MediaId>\
             <Title><![CDATA[title]]></Title><Description><![CDATA[description]]></Description></Video></xml>",
        ),
        (
            Reply::music(
                Music::new("media_id")
                    .title("TITLE")
                    .description("DESCRIPTION")
                    .music_url("MUSIC_Url")
                    .hq_music_url("HQ_MUSIC_Url"),
            ),
            "<MsgType><![CDATA[music]]></MsgType><Music><Title><![CDATA[TITLE]]></Title>\
             <Description><![CDATA[DESCRIPTION]]></Description><MusicUrl><![CDATA[MUSIC_Url]]></MusicUrl>\
             <HQMusicUrl><![CDATA[HQ_MUSIC_Url]]></HQMusicUrl><ThumbMediaId><![CDATA[media_id]]></ThumbMediaId></Music></xml>",
        ),
        (
            Reply::news([Article::new("title1")
                .description("description1")
                .pic_url("picurl")
                .url("url")]),
            "<MsgType><![CDATA[news]]></MsgType><ArticleCount>1</ArticleCount><Articles><item>\
             <Title><![CDATA[title1]]></Title><Description><![CDATA[description1]]></Description>\
             <PicUrl><![CDATA[picurl]]></PicUrl><Url><![CDATA[url]]></Url></item></Articles></xml>",
        ),
        (
            Reply::transfer_customer_service(),
            "<MsgType><![CDATA[transfer_customer_service]]></MsgType></xml>",
        ),
        (
            Reply::transfer_to_kf_account("test1@test"),
            "<MsgType><![CDATA[transfer_customer_service]]></MsgType>\
             <TransInfo><KfAccount><![CDATA[test1@test]]></KfAccount></TransInfo></xml>",
        ),
        (
            Reply::update_button("已处理"),
            "<MsgType><![CDATA[update_button]]></MsgType><Button><ReplaceName><![CDATA[已处理]]></ReplaceName></Button></xml>",
        ),
    ];
    for (reply, tail) in cases {
        assert_eq!(
            reply.render(&mp(), at(12_345_678)).unwrap(),
            format!("{header}{tail}"),
            "{}",
            reply.msg_type()
        );
    }
}

#[test]
fn the_reply_goes_back_to_the_sender_from_the_recipient() {
    let reply = Message::parse(&Reply::text("hi").render(&wecom(), at(1)).unwrap()).unwrap();
    assert_eq!((reply.to_user_name(), reply.from_user_name()), (Some("fromUser"), Some("toUser")));
    assert_eq!((reply.create_time(), reply.msg_type()), (Some(at(1)), Some("text")));
}

#[test]
fn a_message_without_a_sender_cannot_be_answered() {
    for xml in [
        "<xml><ToUserName>ww1</ToUserName></xml>",
        "<xml><FromUserName><![CDATA[]]></FromUserName></xml>",
        "<xml><FromUserName> \n\t</FromUserName></xml>",
    ] {
        let message = Message::parse(xml).unwrap();
        let err = Reply::text("hi").render(&message, at(1)).unwrap_err();
        assert_eq!(err, Error::InvalidReply(ReplyFault::NoRecipient));
        assert_eq!(err.code(), -40011);
    }
}

#[test]
fn text_is_capped_at_2048_bytes_never_truncated() {
    assert_eq!(TEXT_MAX_BYTES, 2048);
    // 682 three-byte characters and two bytes: 2048 bytes exactly; one more byte is over.
    let at_limit = format!("{}ab", "字".repeat(682));
    assert_eq!(at_limit.len(), 2048);
    let xml = Reply::text(&at_limit).render(&mp(), at(1)).unwrap();
    assert_eq!(Message::parse(&xml).unwrap().get("Content"), Some(at_limit.as_str()));
    let over = format!("{at_limit}c");
    assert_eq!(
        Reply::text(&over).render(&mp(), at(1)),
        Err(Error::InvalidReply(ReplyFault::ContentTooLong { limit: 2048 }))
    );
}

#[test]
fn news_takes_eight_articles_on_wecom_and_one_on_the_official_account() {
    assert_eq!((WECOM_NEWS_MAX_ARTICLES, WECHAT_NEWS_MAX_ARTICLES), (8, 1));
    let news = |n: usize| Reply::news((0..n).map(|i| Article::new(&format!("t{i}"))));
    for n in 1..=8 {
        let xml = news(n).render(&wecom(), at(1)).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let root = doc.root_element();
        let count = root.children().find(|c| c.has_tag_name("ArticleCount")).and_then(|c| c.text());
        let items = root.descendants().filter(|c| c.has_tag_name("item")).count();
        assert_eq!((count, items), (Some(n.to_string().as_str()), n));
    }
    assert_eq!(
        news(9).render(&wecom(), at(1)),
        Err(Error::InvalidReply(ReplyFault::TooManyArticles { limit: 8 }))
    );
    assert!(news(1).render(&mp(), at(1)).is_ok());
    assert_eq!(
        news(2).render(&mp(), at(1)),
        Err(Error::InvalidReply(ReplyFault::TooManyArticles { limit: 1 }))
    );
    assert_eq!(news(0).render(&wecom(), at(1)), Err(Error::InvalidReply(ReplyFault::NoArticles)));
}

#[test]
fn content_cdata_cannot_carry_is_written_as_text_and_reads_back() {
    for content in
        ["a ]]> b", "]]>", "x]]", "line\r\nbreak\r", "<b>&amp;</b>", "tab\there", " padded "]
    {
        let xml = Reply::text(content).render(&mp(), at(1)).unwrap();
        assert_eq!(Message::parse(&xml).unwrap().get("Content"), Some(content), "{xml}");
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let text = doc.descendants().find(|n| n.has_tag_name("Content")).and_then(|n| n.text());
        assert_eq!(text, Some(content), "{xml}");
    }
}

#[test]
fn a_character_xml_cannot_carry_is_an_error() {
    for content in ["a\u{1}b", "\u{0}", "\u{b}", "\u{fffe}", "\u{ffff}"] {
        assert_eq!(
            Reply::text(content).render(&mp(), at(1)),
            Err(Error::ReplyFieldNotRepresentable),
            "{content:?}"
        );
    }
    // Also in a recipient's name or a media id.
    let message = Message::parse("<xml><FromUserName>a&#x9;b</FromUserName></xml>").unwrap();
    assert!(Reply::image("m").render(&message, at(1)).is_ok());
    assert_eq!(Reply::image("m\u{1}").render(&mp(), at(1)), Err(Error::ReplyFieldNotRepresentable));
}

/// Characters XML 1.0 can carry (its `Char` production), weighted towards the ones that need
/// care: markup, `]]>`, line ends, CJK and emoji.
fn xml_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("]]>".to_owned()),
        Just("]]".to_owned()),
        Just("\r\n".to_owned()),
        Just("\r".to_owned()),
        Just("<![CDATA[".to_owned()),
        "[<>&\"'\t\n ]{1,3}",
        "[企业微信😀🚀]{1,3}",
        any::<char>()
            .prop_filter("an XML character", |c| matches!(*c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}'))
            .prop_map(String::from),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_content_renders_to_xml_both_readers_read_back_exactly(content in xml_text()) {
        prop_assume!(content.len() <= TEXT_MAX_BYTES);
        let replies = [
            (Reply::text(&content), "Content"),
            (Reply::update_button(&content), "ReplaceName"),
            (Reply::news([Article::new(&content)]), "Title"),
            (Reply::video(Video::new("m").description(&content)), "Description"),
        ];
        for (reply, field) in replies {
            let xml = reply.render(&mp(), at(1_700_000_000)).unwrap();
            let doc = roxmltree::Document::parse(&xml).unwrap();
            let theirs = doc.descendants().find(|n| n.has_tag_name(field)).map(|n| n.text().unwrap_or(""));
            prop_assert_eq!(theirs, Some(content.as_str()), "roxmltree, {}", xml);
            let message = Message::parse(&xml).unwrap();
            let ours = find(message.root(), field).and_then(|e| e.text());
            prop_assert_eq!(ours, Some(content.as_str()), "Message::parse, {}", xml);
        }
    }

    #[test]
    fn any_string_either_renders_or_is_refused_with_its_code(content in any::<String>()) {
        match Reply::text(&content).render(&mp(), at(1)) {
            Ok(xml) => {
                let parsed = Message::parse(&xml).unwrap();
                prop_assert_eq!(parsed.get("Content"), Some(content.as_str()));
            }
            Err(err) => {
                prop_assert_eq!(err.code(), -40011);
                let over = content.len() > TEXT_MAX_BYTES;
                let not_xml = content.chars().any(|c| matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}'));
                prop_assert!(over || not_xml, "{:?} refused: {:?}", content, err);
            }
        }
    }
}

/// The first element named `name` under `element`, depth first.
fn find<'a>(element: Element<'a>, name: &str) -> Option<Element<'a>> {
    element
        .children()
        .find_map(|child| if child.name() == name { Some(child) } else { find(child, name) })
}

#[test]
fn seal_answers_the_request_with_the_key_and_receive_id_that_opened_it() {
    // A WeCom third-party app: one MsgCrypt for every company, the receive id read from each
    // request; the reply must carry the company's.
    let provider = MsgCrypt::builder("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C")
        .any_receive_id()
        .build()
        .unwrap();
    let company =
        MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "ww-company-a")
            .unwrap();
    let sent =
        company.encrypt_msg(WECOM_TEXT, Stamp::from_parts("1409659813", "1372623149")).unwrap();
    let signed = Signed {
        msg_signature: sent.msg_signature(),
        timestamp: "1409659813",
        nonce: "1372623149",
    };
    let request = provider.decrypt_msg(signed, sent.encrypt()).unwrap();
    let message = Message::parse(request.message()).unwrap();
    let body = Reply::text("收到 ]]>")
        .seal(&request, &message, Stamp::from_parts("1409659814", "42"))
        .unwrap();

    // The company's side: the envelope's TimeStamp is the reply's CreateTime.
    let envelope = Message::parse(&body).unwrap();
    assert_eq!(envelope.get("TimeStamp"), Some("1409659814"));
    assert_eq!(envelope.get("Nonce"), Some("42"));
    let signed = Signed {
        msg_signature: envelope.get("MsgSignature").unwrap(),
        timestamp: "1409659814",
        nonce: "42",
    };
    let answer = xml::decrypt_msg(&company, signed, &body).unwrap();
    assert_eq!(answer.receive_id(), "ww-company-a");
    let answer = Message::parse(answer.message()).unwrap();
    assert_eq!(answer.to_user_name(), Some("fromUser"));
    assert_eq!(answer.from_user_name(), Some("toUser"));
    assert_eq!(answer.create_time(), Some(at(1_409_659_814)));
    assert_eq!(answer.get("Content"), Some("收到 ]]>"));
}

#[test]
fn seal_refuses_an_invalid_reply_before_encrypting() {
    let crypt = MsgCrypt::new(
        "QDG6eK",
        "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
        "wx5823bf96d3bd56c7",
    )
    .unwrap();
    let sent = crypt.encrypt_msg(WECOM_TEXT, Stamp::from_parts("1409659813", "1")).unwrap();
    let signed =
        Signed { msg_signature: sent.msg_signature(), timestamp: "1409659813", nonce: "1" };
    let request = crypt.decrypt_msg(signed, sent.encrypt()).unwrap();
    let message = Message::parse(request.message()).unwrap();
    let long = "x".repeat(2049);
    assert_eq!(
        Reply::text(&long).seal(&request, &message, Stamp::from_parts("1", "n")),
        Err(Error::InvalidReply(ReplyFault::ContentTooLong { limit: 2048 }))
    );
}

/// A time, from seconds since the Unix epoch.
fn at(seconds: u64) -> std::time::SystemTime {
    std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds)
}
