//! 微信小店 / 视频号小店 pushes, typed by `JsonMessage::shop_event`: every body of
//! `tests/data/callbacks/shop.json` (each with its source), with the values written on its
//! page; and one pushed through `Endpoint::wechat_json` as WeChat seals it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use wxbizmsgcrypt_callback::MsgCrypt;
use wxbizmsgcrypt_callback::endpoint::{Endpoint, Outcome, Request};
use wxbizmsgcrypt_callback::message::{JsonMessage, ShopEvent};

const CORPUS: &str = include_str!("data/callbacks/shop.json");

fn at(seconds: u64) -> Option<SystemTime> {
    Some(UNIX_EPOCH + Duration::from_secs(seconds))
}

fn body(event: &str) -> String {
    let corpus: serde_json::Value = serde_json::from_str(CORPUS).unwrap();
    let entry = &corpus[event];
    assert!(entry["source"].as_str().is_some_and(|s| !s.is_empty()), "{event} names its source");
    entry["body"].as_str().unwrap().to_owned()
}

fn event(name: &str) -> JsonMessage {
    let message = JsonMessage::parse(&body(name)).unwrap();
    assert_eq!((message.msg_type(), message.event()), (Some("event"), Some(name)));
    message
}

#[test]
fn order_events_carry_the_order_id_above_2_pow_53_exactly() {
    const ORDER: Option<u64> = Some(3_705_115_058_471_208_928);
    let new = event("channels_ec_order_new");
    assert!(matches!(new.shop_event(), Some(ShopEvent::OrderNew { order_id: ORDER, .. })));
    let cancel = event("channels_ec_order_cancel");
    assert!(matches!(
        cancel.shop_event(),
        Some(ShopEvent::OrderCancel { order_id: ORDER, cancel_type: Some(1), .. })
    ));
    let pay = event("channels_ec_order_pay");
    let Some(ShopEvent::OrderPay { order_id, pay_time, .. }) = pay.shop_event() else {
        panic!("channels_ec_order_pay")
    };
    assert_eq!((order_id, pay_time), (ORDER, at(1_658_509_200)));
    let deliver = event("channels_ec_order_deliver");
    assert!(matches!(
        deliver.shop_event(),
        Some(ShopEvent::OrderDeliver { order_id: ORDER, finish_delivery: Some(1), .. })
    ));
    let confirm = event("channels_ec_order_confirm");
    assert!(matches!(
        confirm.shop_event(),
        Some(ShopEvent::OrderConfirm { order_id: ORDER, confirm_type: Some(1), .. })
    ));
    let settle = event("channels_ec_order_settle");
    let Some(ShopEvent::OrderSettle { order_id, settle_time, .. }) = settle.shop_event() else {
        panic!("channels_ec_order_settle")
    };
    assert_eq!((order_id, settle_time), (ORDER, at(1_662_480_000)));
    let ext = event("channels_ec_order_ext_info_update");
    assert!(matches!(
        ext.shop_event(),
        Some(ShopEvent::OrderExtInfoUpdate { order_id: ORDER, update_type: Some(1), .. })
    ));
}

#[test]
fn after_sales_and_complaints_read_their_string_ids() {
    let aftersale = event("channels_ec_aftersale_update");
    assert!(matches!(
        aftersale.shop_event(),
        Some(ShopEvent::AftersaleUpdate {
            after_sale_order_id: Some(1_234_567),
            order_id: Some(12345),
            status: Some("USER_WAIT_RETURN"),
            ..
        })
    ));
    // A field the model does not name is still there.
    assert_eq!(
        aftersale.text("FromUserName").as_deref(),
        Some("OpenID"),
        "the envelope's fields are kept"
    );
    let complaint = event("channels_ec_complaint_update");
    assert!(matches!(
        complaint.shop_event(),
        Some(ShopEvent::ComplaintUpdate {
            complaint_id: Some(1_234_567),
            after_sale_order_id: Some(1_234_567),
            order_id: Some(123_244),
            complaint_status: Some(100),
            ..
        })
    ));
}

#[test]
fn coupon_events_read_their_times_written_as_strings() {
    const COUPON: Option<u64> = Some(19126);
    const USER_COUPON: Option<u64> = Some(29730);
    let time = at(1_662_480_000);
    let receive = event("channels_ec_coupon_receive");
    assert_eq!(
        receive.shop_event().map(|e| match e {
            ShopEvent::CouponReceive { coupon_id, user_coupon_id, receive_time, .. } =>
                (coupon_id, user_coupon_id, receive_time),
            other => panic!("{other:?}"),
        }),
        Some((COUPON, USER_COUPON, time))
    );
    let delete = event("channels_ec_coupon_delete");
    assert!(
        matches!(delete.shop_event(), Some(ShopEvent::CouponDelete { coupon_id: COUPON, delete_time, .. }) if delete_time == time)
    );
    let invalid = event("channels_ec_coupon_invalid");
    assert!(
        matches!(invalid.shop_event(), Some(ShopEvent::CouponInvalid { coupon_id: COUPON, invalid_time, .. }) if invalid_time == time)
    );
    let expire = event("channels_ec_user_coupon_expire");
    assert!(matches!(
        expire.shop_event(),
        Some(ShopEvent::UserCouponExpire { coupon_id: COUPON, user_coupon_id: USER_COUPON, expire_time, .. })
            if expire_time == time
    ));
    let used = event("channels_ec_user_coupon_use");
    assert!(matches!(
        used.shop_event(),
        Some(ShopEvent::UserCouponUse {
            coupon_id: COUPON,
            user_coupon_id: USER_COUPON,
            order_id: Some(3_705_115_058_471_208_928),
            use_time,
            ..
        }) if use_time == time
    ));
}

#[test]
fn product_and_brand_events_take_an_id_as_a_string_or_a_number() {
    let audit = event("product_spu_audit");
    assert!(matches!(
        audit.shop_event(),
        Some(ShopEvent::ProductSpuAudit {
            product_id: Some(12_345_678),
            status: Some(3),
            reason: Some("abc"),
            ..
        })
    ));
    let listing = event("product_spu_listing");
    assert!(matches!(
        listing.shop_event(),
        Some(ShopEvent::ProductSpuListing {
            product_id: Some(12_345_678),
            status: Some(3),
            reason: Some("abc"),
            ..
        })
    ));
    // The push as it was seen, its product_id a number where the page writes a string.
    let update = event("product_spu_update");
    assert!(matches!(
        update.shop_event(),
        Some(ShopEvent::ProductSpuUpdate {
            product_id: Some(10_000_012_909_919),
            status: Some(0),
            ..
        })
    ));
    let brand = event("channels_ec_brand");
    assert!(matches!(
        brand.shop_event(),
        Some(ShopEvent::Brand {
            brand_id: Some(10_002_934),
            audit_id: Some(12_345_678),
            status: Some(3),
            reason: Some(""),
            ..
        })
    ));
}

#[test]
fn every_body_of_the_corpus_is_typed_and_debug_shows_no_value() {
    let corpus: serde_json::Value = serde_json::from_str(CORPUS).unwrap();
    let names: Vec<&String> =
        corpus.as_object().unwrap().keys().filter(|k| *k != "_about").collect();
    assert_eq!(names.len(), 18);
    for name in names {
        let message = event(name);
        let typed = message.shop_event().unwrap();
        assert!(!matches!(typed, ShopEvent::Unknown { .. }), "{name} is typed");
        let debug = format!("{typed:?}");
        assert!(!debug.contains(|c: char| c.is_ascii_digit()), "{name}: {debug}");
    }
}

#[test]
fn what_is_not_a_shop_event_is_data() {
    // An event this version does not type: its name, and every field by pointer.
    let unuse = JsonMessage::parse(
        r#"{"MsgType":"event","Event":"channels_ec_user_coupon_unuse","use_info":{"coupon_id":"19126"}}"#,
    )
    .unwrap();
    assert!(matches!(
        unuse.shop_event(),
        Some(ShopEvent::Unknown { event: "channels_ec_user_coupon_unuse", .. })
    ));
    assert_eq!(unuse.pointer("/use_info/coupon_id"), Some("19126"));
    // Not an event at all; an event without its object, or with fields of another shape.
    let text = JsonMessage::parse(r#"{"MsgType":"text","Content":"hi"}"#).unwrap();
    assert_eq!(text.shop_event(), None);
    let bare =
        JsonMessage::parse(r#"{"MsgType":"event","Event":"channels_ec_order_pay"}"#).unwrap();
    assert!(matches!(
        bare.shop_event(),
        Some(ShopEvent::OrderPay { order_id: None, pay_time: None, .. })
    ));
    let odd = JsonMessage::parse(
        r#"{"MsgType":"event","Event":"channels_ec_order_pay","order_info":{"order_id":-1,"pay_time":"soon"}}"#,
    )
    .unwrap();
    assert!(matches!(
        odd.shop_event(),
        Some(ShopEvent::OrderPay { order_id: None, pay_time: None, .. })
    ));
    // Ids and times: a JSON number that is a u64, or a string of digits and nothing else.
    for (order_id, expected) in [
        ("3705115058471208928", Some(3_705_115_058_471_208_928)),
        (r#""3705115058471208928""#, Some(3_705_115_058_471_208_928)),
        ("18446744073709551615", Some(u64::MAX)),
        ("18446744073709551616", None),
        (r#""18446744073709551616""#, None),
        ("1.5", None),
        ("1e3", None),
        (r#""+1""#, None),
        (r#"" 1""#, None),
        (r#""1 ""#, None),
        (r#""""#, None),
        ("true", None),
        ("null", None),
    ] {
        let json = format!(
            r#"{{"MsgType":"event","Event":"channels_ec_order_new","order_info":{{"order_id":{order_id}}}}}"#
        );
        let message = JsonMessage::parse(&json).unwrap();
        let Some(ShopEvent::OrderNew { order_id: read, .. }) = message.shop_event() else {
            panic!("{json}")
        };
        assert_eq!(read, expected, "{json}");
    }
    // MsgType in any ASCII case; the event name only as Tencent writes it.
    let upper =
        JsonMessage::parse(r#"{"MsgType":"EVENT","Event":"channels_ec_order_new"}"#).unwrap();
    assert!(matches!(upper.shop_event(), Some(ShopEvent::OrderNew { .. })));
    let shouted =
        JsonMessage::parse(r#"{"MsgType":"event","Event":"CHANNELS_EC_ORDER_NEW"}"#).unwrap();
    assert!(matches!(
        shouted.shop_event(),
        Some(ShopEvent::Unknown { event: "CHANNELS_EC_ORDER_NEW", .. })
    ));
    // Documented by name only, no body on Tencent's pages: not typed.
    let waiting =
        JsonMessage::parse(r#"{"MsgType":"event","Event":"channels_ec_order_wait_shipping"}"#)
            .unwrap();
    assert!(matches!(waiting.shop_event(), Some(ShopEvent::Unknown { .. })));
    let not_an_object = JsonMessage::parse(
        r#"{"MsgType":"event","Event":"channels_ec_order_new","order_info":[1]}"#,
    )
    .unwrap();
    assert!(matches!(not_an_object.shop_event(), Some(ShopEvent::OrderNew { order_id: None, .. })));
}

#[test]
fn a_shop_push_sealed_as_wechat_sends_it_is_typed_through_the_json_endpoint() {
    // Safe mode, JSON only: a `ToUserName` and `Encrypt` envelope, `msg_signature` over the
    // token, timestamp, nonce and `Encrypt`; sealed here from the scheme's definition.
    let (token, key, appid) =
        ("shoptoken", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "wx0123456789abcdef");
    let endpoint = Endpoint::wechat_json(MsgCrypt::new(token, key, appid).unwrap());
    let plain = body("channels_ec_order_pay");
    let frame = common::frame(
        &[5; 16],
        u32::try_from(plain.len()).unwrap(),
        plain.as_bytes(),
        appid.as_bytes(),
    );
    let encrypt = common::seal_raw(key, &common::pkcs7_32(frame));
    let signature = common::sign(&[token, "1662480000", "n1", &encrypt]);
    let envelope = format!(r#"{{"ToUserName":"gh_*","Encrypt":"{encrypt}"}}"#);
    let query = format!(
        "signature=x&timestamp=1662480000&nonce=n1&encrypt_type=aes&msg_signature={signature}"
    );
    let request = Request { method: "POST", query: &query, body: envelope.as_bytes() };
    let Outcome::Callback(callback) = endpoint.handle(request, at(1_662_480_000).unwrap()) else {
        panic!("a callback")
    };
    let Some(ShopEvent::OrderPay { order_id, pay_time, .. }) = callback.message().shop_event()
    else {
        panic!("channels_ec_order_pay")
    };
    assert_eq!((order_id, pay_time), (Some(3_705_115_058_471_208_928), at(1_658_509_200)));
    let ack = callback.acknowledge();
    assert_eq!((ack.status(), ack.body()), (200, "success"));
}
