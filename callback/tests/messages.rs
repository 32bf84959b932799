//! `message::Message` against the real callback bodies in `tests/data/callbacks/`: each body's
//! expectation (its source, its kind, its fields) was written from the source document or the
//! peer library's own test, not from this parser. A second, independent reader (roxmltree)
//! checks that no element and no text is lost.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use wxbizmsgcrypt::{Error, MessageFault, MsgCrypt, Signed, Stamp};
use wxbizmsgcrypt_callback::message::{
    ContactChange, Element, Event, ExtAttrValue, Instruction, Kind, Message, PictureSource,
};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/callbacks");

/// The expectation files: the shared one (copied verbatim from `shared/callbacks/`), the peer
/// libraries' test bodies, bodies composed from the catalog's field lists, and the documented
/// bodies of the kinds typed later.
const EXPECTATIONS: [&str; 4] = ["expected.json", "peers.json", "composed.json", "documented.json"];

/// Kinds a body in the corpus has that the typed view does not model (yet): they must come back
/// as `Event::Unknown` / `Instruction::Unknown`, with every field readable.
const UNMODELLED: [&str; 2] = ["event upload_media_job_finish", "instruction register_corp"];

struct Case {
    file: String,
    body: String,
    expected: Value,
}

fn corpus() -> Vec<Case> {
    let mut cases = Vec::new();
    for name in EXPECTATIONS {
        let path = Path::new(DATA).join(name);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let all: Value = serde_json::from_str(&text).unwrap();
        for (file, expected) in all.as_object().unwrap() {
            if file.starts_with('_') {
                continue;
            }
            let source = expected["source"].as_str().unwrap_or_default();
            assert!(source.len() > 10, "{file}: every body names its source");
            let body = std::fs::read_to_string(Path::new(DATA).join(file))
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            cases.push(Case { file: file.clone(), body, expected: expected.clone() });
        }
    }
    assert!(cases.len() >= 30, "the corpus has {} bodies", cases.len());
    cases
}

#[test]
fn every_body_in_the_data_folder_has_an_expectation() {
    let named: Vec<String> = corpus().into_iter().map(|c| c.file).collect();
    for entry in std::fs::read_dir(DATA).unwrap() {
        let file = entry.unwrap().file_name().into_string().unwrap();
        if file.ends_with(".xml") {
            assert!(named.contains(&file), "{file} has no expectation");
        }
    }
}

#[test]
fn every_body_parses_and_its_fields_are_read_exactly() {
    for case in corpus() {
        let message = Message::parse(&case.body).unwrap_or_else(|e| panic!("{}: {e}", case.file));
        for (name, want) in case.expected["fields"].as_object().unwrap() {
            assert_eq!(message.get(name), want.as_str(), "{}: {name}", case.file);
        }
    }
}

#[test]
fn the_header_accessors_read_the_documented_fields() {
    for case in corpus() {
        let message = Message::parse(&case.body).unwrap();
        let fields = case.expected["fields"].as_object().unwrap();
        let text = |name: &str| fields.get(name).and_then(Value::as_str);
        let number = |name: &str| text(name).and_then(|t| t.parse::<u64>().ok());
        let time = |name: &str| number(name).map(|secs| UNIX_EPOCH + Duration::from_secs(secs));
        let file = &case.file;
        if let Some(want) = text("MsgType") {
            assert_eq!(message.msg_type(), Some(want), "{file}");
        }
        if let Some(want) = text("Event") {
            assert_eq!(message.event(), Some(want), "{file}");
        }
        if let Some(want) = text("InfoType") {
            assert_eq!(message.info_type(), Some(want), "{file}");
        }
        if let Some(want) = text("ToUserName") {
            assert_eq!(message.to_user_name(), Some(want), "{file}");
        }
        if let Some(want) = text("FromUserName") {
            assert_eq!(message.from_user_name(), Some(want), "{file}");
        }
        if fields.contains_key("CreateTime") {
            assert_eq!(message.create_time(), time("CreateTime"), "{file}");
        }
        if fields.contains_key("TimeStamp") {
            assert_eq!(message.timestamp(), time("TimeStamp"), "{file}");
        }
        if fields.contains_key("AgentID") {
            assert_eq!(message.agent_id(), number("AgentID"), "{file}");
        }
        // A numeric MsgId is a u64; a text one (some WeCom ids are base64) is no number.
        if let Some(id) = text("MsgId").or_else(|| text("MsgID")) {
            assert_eq!(message.msg_id(), id.parse::<u64>().ok(), "{file}");
        }
    }
}

#[test]
fn nested_and_repeated_elements_are_read_at_their_paths() {
    for case in corpus() {
        let message = Message::parse(&case.body).unwrap();
        let Some(nested) = case.expected.get("nested").and_then(Value::as_object) else { continue };
        for (path, want) in nested {
            let found = at_path(message.root(), path);
            match want {
                Value::String(one) => {
                    assert_eq!(found.first().copied(), Some(one.as_str()), "{}: {path}", case.file);
                }
                // Repeated blocks, each described by the texts at paths under it.
                Value::Array(all) if all.iter().all(Value::is_object) => {
                    let blocks = elements_at_path(message.root(), path);
                    assert_eq!(blocks.len(), all.len(), "{}: {path}", case.file);
                    for (block, want) in blocks.into_iter().zip(all) {
                        for (inner, text) in want.as_object().unwrap() {
                            let found = at_path(block, inner);
                            assert_eq!(
                                found.first().copied(),
                                text.as_str(),
                                "{}: {path}/{inner}",
                                case.file
                            );
                        }
                    }
                }
                Value::Array(all) => {
                    let all: Vec<&str> = all.iter().map(|v| v.as_str().unwrap()).collect();
                    assert_eq!(found, all, "{}: {path}", case.file);
                }
                other => panic!("{}: {path}: {other}", case.file),
            }
        }
    }
}

/// Every element at a slash path under `root`, across repeated elements, in document order.
fn elements_at_path<'a>(root: Element<'a>, path: &str) -> Vec<Element<'a>> {
    let mut level = vec![root];
    for name in path.split('/') {
        level = level.iter().flat_map(|e| e.children_named(name).collect::<Vec<_>>()).collect();
    }
    level
}

/// Every text at a slash path under `root`, across repeated elements, in document order.
fn at_path<'a>(root: Element<'a>, path: &str) -> Vec<&'a str> {
    elements_at_path(root, path).iter().filter_map(|e| e.text()).collect()
}

#[test]
fn the_typed_view_names_each_body_s_kind() {
    for case in corpus() {
        let message = Message::parse(&case.body).unwrap();
        let want = case.expected["kind"].as_str().unwrap();
        // "event subscribe (with scene)": the parenthesis is a comment.
        let want = want.split(" (").next().unwrap();
        let want = if UNMODELLED.contains(&want) {
            want.replacen(' ', " unknown ", 1)
        } else {
            want.to_owned()
        };
        assert_eq!(kind_label(&message).to_lowercase(), want.to_lowercase(), "{}", case.file);
    }
}

/// The kind as the expectation files write it, from the typed variant (not from the fields).
fn kind_label(message: &Message) -> String {
    match message.kind() {
        Kind::Text(_) => "text".into(),
        Kind::Image(_) => "image".into(),
        Kind::Voice(_) => "voice".into(),
        Kind::Video(_) => "video".into(),
        Kind::ShortVideo(_) => "shortvideo".into(),
        Kind::Location(_) => "location".into(),
        Kind::Link(_) => "link".into(),
        Kind::MiniProgramPage(_) => "miniprogrampage".into(),
        Kind::Event(event) => format!("event {}", event_label(&event)),
        Kind::Instruction(instruction) => {
            format!("instruction {}", instruction_label(&instruction))
        }
        Kind::Unknown { msg_type } => format!("other {}", msg_type.unwrap_or("(none)")),
        _ => "a kind this test does not know".into(),
    }
}

fn event_label(event: &Event<'_>) -> String {
    let name = match event {
        Event::Subscribe { .. } => "subscribe",
        Event::Unsubscribe => "unsubscribe",
        Event::Scan { .. } => "scan",
        Event::EnterAgent { .. } => "enter_agent",
        Event::Location { .. } => "location",
        Event::Click { .. } => "click",
        Event::View { .. } => "view",
        Event::ViewMiniProgram { .. } => "view_miniprogram",
        Event::ScanCode { waitmsg: true, .. } => "scancode_waitmsg",
        Event::ScanCode { waitmsg: false, .. } => "scancode_push",
        Event::Pictures { source: PictureSource::SysPhoto, .. } => "pic_sysphoto",
        Event::Pictures { source: PictureSource::PhotoOrAlbum, .. } => "pic_photo_or_album",
        Event::Pictures { source: PictureSource::Weixin, .. } => "pic_weixin",
        Event::LocationSelect { .. } => "location_select",
        Event::BatchJobResult(_) => "batch_job_result",
        Event::ChangeContact(change) => {
            return format!("change_contact / {}", change_label(change));
        }
        Event::ChangeExternalContact(change) => {
            return format!("change_external_contact / {}", change.change_type.unwrap_or_default());
        }
        Event::ChangeExternalChat(change) => {
            return format!("change_external_chat / {}", change.change_type.unwrap_or_default());
        }
        Event::ChangeExternalTag(change) => {
            return format!("change_external_tag / {}", change.change_type.unwrap_or_default());
        }
        Event::TemplateCard(_) => "template_card_event",
        Event::TemplateCardMenu(_) => "template_card_menu_event",
        Event::TaskCardClick { .. } => "taskcard_click",
        Event::OpenApprovalChange(_) => "open_approval_change",
        Event::SysApprovalChange(_) => "sys_approval_change",
        Event::KfMsgOrEvent { .. } => "kf_msg_or_event",
        Event::KfAccountAuthChange { .. } => "kf_account_auth_change",
        Event::TemplateSendJobFinish { .. } => "templatesendjobfinish",
        Event::MassSendJobFinish { .. } => "masssendjobfinish",
        Event::PublishJobFinish(_) => "publishjobfinish",
        Event::SubscribeMsgPopup(_) => "subscribe_msg_popup_event",
        Event::SubscribeMsgChange(_) => "subscribe_msg_change_event",
        Event::SubscribeMsgSent(_) => "subscribe_msg_sent_event",
        Event::Calendar { event, .. } | Event::MeetingRoom { event, .. } => event,
        Event::LivingStatusChange { .. } => "living_status_change",
        Event::CustomerAcquisition { change_type, .. } => {
            return format!("customer_acquisition / {}", change_type.unwrap_or_default());
        }
        Event::MsgAuditNotify => "msgaudit_notify",
        Event::ChangeAppAdmin => "change_app_admin",
        Event::UserEnterTempSession { .. } => "user_enter_tempsession",
        Event::WxaMediaCheck(_) => "wxa_media_check",
        Event::Unknown { event } => return format!("unknown {event}"),
        _ => "an event this test does not know",
    };
    name.to_owned()
}

fn change_label(change: &ContactChange<'_>) -> String {
    match change {
        ContactChange::CreateUser(_) => "create_user".into(),
        ContactChange::UpdateUser(_) => "update_user".into(),
        ContactChange::DeleteUser { .. } => "delete_user".into(),
        ContactChange::CreateParty(_) => "create_party".into(),
        ContactChange::UpdateParty(_) => "update_party".into(),
        ContactChange::DeleteParty { .. } => "delete_party".into(),
        ContactChange::UpdateTag(_) => "update_tag".into(),
        ContactChange::Unknown { change_type } => format!("unknown change {change_type}"),
        _ => "a change this test does not know".into(),
    }
}

fn instruction_label(instruction: &Instruction<'_>) -> String {
    match instruction {
        Instruction::SuiteTicket { .. } => "suite_ticket".into(),
        Instruction::CreateAuth { .. } => "create_auth".into(),
        Instruction::ChangeAuth { .. } => "change_auth".into(),
        Instruction::CancelAuth { .. } => "cancel_auth".into(),
        Instruction::ResetPermanentCode { .. } => "reset_permanent_code".into(),
        Instruction::ChangeContact { change, .. } => {
            format!("change_contact / {}", change_label(change))
        }
        Instruction::ComponentVerifyTicket { .. } => "component_verify_ticket".into(),
        Instruction::Authorized { updated: false, .. } => "authorized".into(),
        Instruction::Authorized { updated: true, .. } => "updateauthorized".into(),
        Instruction::Unauthorized { .. } => "unauthorized".into(),
        Instruction::ShareAgentChange { .. } => "share_agent_change".into(),
        Instruction::Unknown { info_type } => format!("unknown {info_type}"),
        _ => "an instruction this test does not know".into(),
    }
}

#[test]
fn the_typed_fields_agree_with_the_expectations() {
    let mut checked = 0;
    for case in corpus() {
        let message = Message::parse(&case.body).unwrap();
        let fields = case.expected["fields"].as_object().unwrap();
        let nested = case.expected.get("nested").and_then(Value::as_object);
        let lists = case.expected.get("lists").and_then(Value::as_object);
        for (path, value) in typed_pairs(&message) {
            let want = match value {
                Typed::One(_) => fields.get(&path).or_else(|| nested.and_then(|n| n.get(&path))),
                Typed::Many(_) => {
                    lists.and_then(|l| l.get(&path)).or_else(|| nested.and_then(|n| n.get(&path)))
                }
            };
            let Some(want) = want else { continue };
            match (&value, want) {
                (Typed::One(got), Value::String(want)) => {
                    assert_eq!(got, want, "{}: typed {path}", case.file);
                }
                (Typed::One(got), Value::Array(all)) => {
                    assert_eq!(Some(got.as_str()), all[0].as_str(), "{}: typed {path}", case.file);
                }
                (Typed::Many(got), Value::Array(all)) => {
                    let all: Vec<&str> = all.iter().map(|v| v.as_str().unwrap()).collect();
                    assert_eq!(got, &all, "{}: typed {path}", case.file);
                }
                (Typed::Many(got), Value::String(one)) => {
                    assert_eq!(
                        got.first().map(String::as_str),
                        Some(one.as_str()),
                        "{}: {path}",
                        case.file
                    );
                }
                (_, other) => panic!("{}: {path}: {other}", case.file),
            }
            checked += 1;
        }
    }
    assert!(checked >= 60, "only {checked} typed values were compared");
}

enum Typed {
    One(String),
    Many(Vec<String>),
}

/// Every value the typed view holds, with the path of the XML field it comes from: the test
/// holds each one to the expectation at that path. Numbers are written back in decimal.
fn typed_pairs(message: &Message) -> Vec<(String, Typed)> {
    let mut out: Vec<(String, Typed)> = Vec::new();
    let mut one = |path: &str, value: Option<&str>| {
        if let Some(value) = value {
            out.push((path.to_owned(), Typed::One(value.to_owned())));
        }
    };
    let mut many: Vec<(String, Typed)> = Vec::new();
    let mut push_many = |path: &str, values: Vec<&str>| {
        many.push((path.to_owned(), Typed::Many(values.into_iter().map(str::to_owned).collect())));
    };
    let num = |n: Option<u64>| n.map(|n| n.to_string());
    // A time as Tencent writes it: decimal seconds since the epoch.
    let secs = |t: Option<SystemTime>| {
        t.map(|t| t.duration_since(UNIX_EPOCH).expect("after the epoch").as_secs().to_string())
    };
    match message.kind() {
        Kind::Text(text) => one("Content", text.content),
        Kind::Image(image) => {
            one("PicUrl", image.pic_url);
            one("MediaId", image.media_id);
        }
        Kind::Voice(voice) => {
            one("MediaId", voice.media_id);
            one("Format", voice.format);
            one("Recognition", voice.recognition);
        }
        Kind::Video(video) | Kind::ShortVideo(video) => {
            one("MediaId", video.media_id);
            one("ThumbMediaId", video.thumb_media_id);
        }
        Kind::Location(location) => {
            one("Location_X", location.location_x);
            one("Location_Y", location.location_y);
            one("Scale", location.scale);
            one("Label", location.label);
            one("AppType", location.app_type);
        }
        Kind::Link(link) => {
            one("Title", link.title);
            one("Description", link.description);
            one("Url", link.url);
            one("PicUrl", link.pic_url);
        }
        Kind::Event(event) => match event {
            Event::Subscribe { event_key, ticket } | Event::Scan { event_key, ticket } => {
                one("EventKey", event_key);
                one("Ticket", ticket);
            }
            Event::EnterAgent { event_key } | Event::Click { event_key } => {
                one("EventKey", event_key)
            }
            Event::View { event_key, menu_id } | Event::ViewMiniProgram { event_key, menu_id } => {
                one("EventKey", event_key);
                one("MenuId", menu_id);
            }
            Event::Location { latitude, longitude, precision } => {
                one("Latitude", latitude);
                one("Longitude", longitude);
                one("Precision", precision);
            }
            Event::ScanCode { event_key, scan_code_info, .. } => {
                one("EventKey", event_key);
                if let Some(info) = scan_code_info {
                    one("ScanCodeInfo/ScanType", info.scan_type);
                    one("ScanCodeInfo/ScanResult", info.scan_result);
                }
            }
            Event::Pictures { event_key, send_pics_info, .. } => {
                one("EventKey", event_key);
                if let Some(info) = send_pics_info {
                    let count = num(info.count);
                    one("SendPicsInfo/Count", count.as_deref());
                    push_many("SendPicsInfo/PicList/item/PicMd5Sum", info.pic_md5_sums().collect());
                }
            }
            Event::LocationSelect { event_key, send_location_info } => {
                one("EventKey", event_key);
                if let Some(info) = send_location_info {
                    one("SendLocationInfo/Location_X", info.location_x);
                    one("SendLocationInfo/Location_Y", info.location_y);
                    one("SendLocationInfo/Scale", info.scale);
                    one("SendLocationInfo/Label", info.label);
                    one("SendLocationInfo/Poiname", info.poiname);
                }
            }
            Event::BatchJobResult(Some(job)) => {
                one("BatchJob/JobId", job.job_id);
                one("BatchJob/JobType", job.job_type);
                one("BatchJob/ErrCode", job.err_code);
                one("BatchJob/ErrMsg", job.err_msg);
            }
            Event::ChangeContact(change) => contact_pairs(&change, &mut one, &mut push_many),
            Event::ChangeExternalContact(change) => {
                one("ChangeType", change.change_type);
                one("UserID", change.user_id);
                one("ExternalUserID", change.external_user_id);
                one("State", change.state);
                one("WelcomeCode", change.welcome_code);
                one("Source", change.source);
                one("FailReason", change.fail_reason);
            }
            Event::ChangeExternalChat(change) => {
                one("ChatId", change.chat_id);
                one("ChangeType", change.change_type);
                one("UpdateDetail", change.update_detail);
                one("JoinScene", num(change.join_scene).as_deref());
                one("QuitScene", num(change.quit_scene).as_deref());
                one("MemChangeCnt", num(change.mem_change_cnt).as_deref());
            }
            Event::ChangeExternalTag(change) => {
                one("Id", change.id);
                one("TagType", change.tag_type);
                one("ChangeType", change.change_type);
                one("StrategyId", change.strategy_id);
            }
            Event::TemplateCard(card) | Event::TemplateCardMenu(card) => {
                one("EventKey", card.event_key);
                one("TaskId", card.task_id);
                one("CardType", card.card_type);
                one("ResponseCode", card.response_code);
                push_many(
                    "SelectedItems/SelectedItem/QuestionKey",
                    card.selected_items().filter_map(|i| i.question_key).collect(),
                );
                push_many(
                    "SelectedItems/SelectedItem/OptionIds/OptionId",
                    card.selected_items()
                        .flat_map(|i| i.option_ids().collect::<Vec<_>>())
                        .collect(),
                );
            }
            Event::TaskCardClick { event_key, task_id } => {
                one("EventKey", event_key);
                one("TaskId", task_id);
            }
            Event::OpenApprovalChange(Some(info)) => {
                one("ApprovalInfo/ThirdNo", info.third_no);
                one("ApprovalInfo/OpenSpName", info.open_sp_name);
                one("ApprovalInfo/OpenTemplateId", info.open_template_id);
                one("ApprovalInfo/OpenSpStatus", info.open_sp_status);
                one("ApprovalInfo/ApplyTime", secs(info.apply_time).as_deref());
                one("ApprovalInfo/ApplyUserName", info.apply_user_name);
                one("ApprovalInfo/ApplyUserId", info.apply_user_id);
                one("ApprovalInfo/ApplyUserParty", info.apply_user_party);
                one("ApprovalInfo/approverstep", info.approver_step);
                let items: Vec<_> =
                    info.approval_nodes().flat_map(|n| n.items().collect::<Vec<_>>()).collect();
                push_many(
                    "ApprovalInfo/ApprovalNodes/ApprovalNode/Items/Item/ItemName",
                    items.iter().filter_map(|i| i.item_name).collect(),
                );
                push_many(
                    "ApprovalInfo/NotifyNodes/NotifyNode/ItemName",
                    info.notify_nodes().filter_map(|n| n.item_name).collect(),
                );
            }
            Event::SysApprovalChange(Some(info)) => {
                one("ApprovalInfo/SpNo", info.sp_no);
                one("ApprovalInfo/SpName", info.sp_name);
                one("ApprovalInfo/SpStatus", info.sp_status);
                one("ApprovalInfo/TemplateId", info.template_id);
                one("ApprovalInfo/ApplyTime", secs(info.apply_time).as_deref());
                one("ApprovalInfo/Applyer/UserId", info.applyer_user_id);
                one("ApprovalInfo/Applyer/Party", info.applyer_party);
                one("ApprovalInfo/StatuChangeEvent", info.status_change_event);
                push_many("ApprovalInfo/Notifyer/UserId", info.notifyers().collect());
                let details: Vec<_> =
                    info.sp_records().flat_map(|r| r.details().collect::<Vec<_>>()).collect();
                push_many(
                    "ApprovalInfo/SpRecord/Details/Approver/UserId",
                    details.iter().filter_map(|d| d.approver_user_id).collect(),
                );
            }
            Event::KfMsgOrEvent { token, open_kf_id } => {
                one("Token", token);
                one("OpenKfId", open_kf_id);
            }
            Event::TemplateSendJobFinish { msg_id, status } => {
                one("MsgID", num(msg_id).as_deref());
                one("Status", status);
            }
            Event::MassSendJobFinish {
                msg_id,
                status,
                total_count,
                filter_count,
                sent_count,
                error_count,
                copyright_check_result,
                ..
            } => {
                one("MsgID", num(msg_id).as_deref());
                one("Status", status);
                one("TotalCount", num(total_count).as_deref());
                one("FilterCount", num(filter_count).as_deref());
                one("SentCount", num(sent_count).as_deref());
                one("ErrorCount", num(error_count).as_deref());
                if let Some(check) = copyright_check_result {
                    one("CopyrightCheckResult/Count", num(check.count).as_deref());
                    one("CopyrightCheckResult/CheckState", check.check_state);
                    let items: Vec<_> = check.items().collect();
                    push_many(
                        "CopyrightCheckResult/ResultList/item/OriginalArticleUrl",
                        items.iter().filter_map(|i| i.original_article_url).collect(),
                    );
                    let idx: Vec<String> =
                        items.iter().filter_map(|i| num(i.article_idx)).collect();
                    push_many(
                        "CopyrightCheckResult/ResultList/item/ArticleIdx",
                        idx.iter().map(String::as_str).collect(),
                    );
                }
            }
            Event::PublishJobFinish(Some(info)) => {
                one("PublishEventInfo/publish_id", info.publish_id);
                one("PublishEventInfo/publish_status", info.publish_status);
                one("PublishEventInfo/article_id", info.article_id);
                let urls: Vec<&str> = info.articles().filter_map(|(_, url)| url).collect();
                push_many("PublishEventInfo/article_detail/item/article_url", urls);
            }
            Event::SubscribeMsgPopup(list)
            | Event::SubscribeMsgChange(list)
            | Event::SubscribeMsgSent(list) => {
                let container = match message.event().unwrap_or_default() {
                    "subscribe_msg_popup_event" => "SubscribeMsgPopupEvent",
                    "subscribe_msg_change_event" => "SubscribeMsgChangeEvent",
                    _ => "SubscribeMsgSentEvent",
                };
                let items: Vec<_> = list.items().collect();
                let path = |field: &str| format!("{container}/List/{field}");
                push_many(
                    &path("TemplateId"),
                    items.iter().filter_map(|i| i.template_id).collect(),
                );
                push_many(
                    &path("SubscribeStatusString"),
                    items.iter().filter_map(|i| i.subscribe_status_string).collect(),
                );
                push_many(
                    &path("PopupScene"),
                    items.iter().filter_map(|i| i.popup_scene).collect(),
                );
                let ids: Vec<String> = items.iter().filter_map(|i| num(i.msg_id)).collect();
                push_many(&path("MsgID"), ids.iter().map(String::as_str).collect());
                push_many(&path("ErrorCode"), items.iter().filter_map(|i| i.error_code).collect());
                push_many(
                    &path("ErrorStatus"),
                    items.iter().filter_map(|i| i.error_status).collect(),
                );
            }
            Event::Calendar { cal_id, schedule_id, .. } => {
                one("CalId", cal_id);
                one("ScheduleId", schedule_id);
            }
            Event::MeetingRoom { meeting_room_id, meeting_id, booking_id, .. } => {
                one("MeetingRoomId", meeting_room_id);
                one("MeetingId", meeting_id);
                one("BookingId", booking_id);
            }
            Event::LivingStatusChange { living_id, status } => {
                one("LivingId", living_id);
                one("Status", status);
            }
            Event::CustomerAcquisition { change_type, link_id } => {
                one("ChangeType", change_type);
                one("LinkId", link_id);
            }
            Event::UserEnterTempSession { session_from } => one("SessionFrom", session_from),
            Event::WxaMediaCheck(check) => {
                one("appid", check.app_id);
                one("trace_id", check.trace_id);
                one("version", num(check.version).as_deref());
                one("errcode", check.err_code);
                one("errmsg", check.err_msg);
                one("isrisky", check.is_risky);
                one("extra_info_json", check.extra_info_json);
                one("status_code", check.status_code);
                if let Some(result) = check.result {
                    one("result/suggest", result.suggest);
                    one("result/label", result.label);
                }
                let details: Vec<_> = check.details().collect();
                push_many("detail/strategy", details.iter().filter_map(|d| d.strategy).collect());
                push_many("detail/errcode", details.iter().filter_map(|d| d.err_code).collect());
                push_many("detail/suggest", details.iter().filter_map(|d| d.suggest).collect());
                push_many("detail/label", details.iter().filter_map(|d| d.label).collect());
                let probs: Vec<String> = details.iter().filter_map(|d| num(d.prob)).collect();
                push_many("detail/prob", probs.iter().map(String::as_str).collect());
            }
            _ => {}
        },
        Kind::Instruction(instruction) => match instruction {
            Instruction::SuiteTicket { suite_id, suite_ticket } => {
                one("SuiteId", suite_id);
                one("SuiteTicket", suite_ticket);
            }
            Instruction::CreateAuth { suite_id, auth_code, state, extra_info } => {
                one("SuiteId", suite_id);
                one("AuthCode", auth_code);
                one("State", state);
                one("ExtraInfo", extra_info);
            }
            Instruction::ChangeAuth { suite_id, auth_corp_id }
            | Instruction::CancelAuth { suite_id, auth_corp_id } => {
                one("SuiteId", suite_id);
                one("AuthCorpId", auth_corp_id);
            }
            Instruction::ResetPermanentCode { suite_id, auth_code } => {
                one("SuiteId", suite_id);
                one("AuthCode", auth_code);
            }
            Instruction::ChangeContact { suite_id, auth_corp_id, change } => {
                one("SuiteId", suite_id);
                one("AuthCorpId", auth_corp_id);
                contact_pairs(&change, &mut one, &mut push_many);
            }
            Instruction::ComponentVerifyTicket { app_id, component_verify_ticket } => {
                one("AppId", app_id);
                one("ComponentVerifyTicket", component_verify_ticket);
            }
            Instruction::Authorized {
                app_id,
                authorizer_appid,
                authorization_code,
                authorization_code_expired_time,
                pre_auth_code,
                ..
            } => {
                one("AppId", app_id);
                one("AuthorizerAppid", authorizer_appid);
                one("AuthorizationCode", authorization_code);
                one(
                    "AuthorizationCodeExpiredTime",
                    secs(authorization_code_expired_time).as_deref(),
                );
                one("PreAuthCode", pre_auth_code);
            }
            Instruction::Unauthorized { app_id, authorizer_appid } => {
                one("AppId", app_id);
                one("AuthorizerAppid", authorizer_appid);
            }
            Instruction::ShareAgentChange { suite_id, corp_id, agent_id, app_id } => {
                one("SuiteId", suite_id);
                one("CorpId", corp_id);
                one("AgentId", num(agent_id).as_deref());
                one("AppId", app_id);
            }
            _ => {}
        },
        _ => {}
    }
    out.extend(many);
    out
}

fn contact_pairs(
    change: &ContactChange<'_>,
    one: &mut impl FnMut(&str, Option<&str>),
    many: &mut impl FnMut(&str, Vec<&str>),
) {
    match change {
        ContactChange::CreateUser(member) | ContactChange::UpdateUser(member) => {
            one("UserID", member.user_id);
            one("NewUserID", member.new_user_id);
            one("OpenUserID", member.open_user_id);
            one("Name", member.name);
            one("Department", member.department.as_str());
            many("Department", member.department.items().collect());
            one("MainDepartment", member.main_department.map(|d| d.to_string()).as_deref());
            one("IsLeaderInDept", member.is_leader_in_dept.as_str());
            many("IsLeaderInDept", member.is_leader_in_dept.items().collect());
            one("DirectLeader", member.direct_leader.as_str());
            many("DirectLeader", member.direct_leader.items().collect());
            one("Position", member.position);
            one("Mobile", member.mobile);
            one("Gender", member.gender);
            one("Email", member.email);
            one("Status", member.status);
            one("Avatar", member.avatar);
            one("Alias", member.alias);
            one("Telephone", member.telephone);
            one("Address", member.address);
            let attrs: Vec<_> = member.ext_attr().collect();
            many("ExtAttr/Item/Name", attrs.iter().filter_map(|a| a.name).collect());
            many("ExtAttr/Item/Type", attrs.iter().filter_map(|a| a.attr_type).collect());
            let texts = attrs.iter().filter_map(|a| match a.value {
                ExtAttrValue::Text { value } => value,
                _ => None,
            });
            many("ExtAttr/Item/Text/Value", texts.collect());
            let titles = attrs.iter().filter_map(|a| match a.value {
                ExtAttrValue::Web { title, .. } => title,
                _ => None,
            });
            many("ExtAttr/Item/Web/Title", titles.collect());
        }
        ContactChange::DeleteUser { user_id, open_user_id } => {
            one("UserID", *user_id);
            one("OpenUserID", *open_user_id);
        }
        ContactChange::CreateParty(party) | ContactChange::UpdateParty(party) => {
            one("Id", party.id);
            one("Name", party.name);
            one("ParentId", party.parent_id);
            one("Order", party.order);
        }
        ContactChange::DeleteParty { id } => one("Id", *id),
        ContactChange::UpdateTag(tag) => {
            one("TagId", tag.tag_id);
            many("AddUserItems", tag.add_user_items.items().collect());
            many("DelUserItems", tag.del_user_items.items().collect());
            many("AddPartyItems", tag.add_party_items.items().collect());
            many("DelPartyItems", tag.del_party_items.items().collect());
        }
        _ => {}
    }
}

#[test]
fn no_element_and_no_text_is_lost_as_roxmltree_reads_them() {
    for case in corpus() {
        let message = Message::parse(&case.body).unwrap();
        let doc =
            roxmltree::Document::parse(&case.body).unwrap_or_else(|e| panic!("{}: {e}", case.file));
        same_tree(&case.file, message.root(), doc.root_element());
    }
}

/// The same elements in the same order, and the same text: roxmltree's, but for whitespace
/// around CDATA and between child elements, which is formatting.
fn same_tree(file: &str, ours: Element<'_>, theirs: roxmltree::Node<'_, '_>) {
    assert_eq!(ours.name(), theirs.tag_name().name(), "{file}");
    let their_children: Vec<_> = theirs.children().filter(roxmltree::Node::is_element).collect();
    let our_children: Vec<_> = ours.children().collect();
    assert_eq!(our_children.len(), their_children.len(), "{file}: children of {}", ours.name());
    let their_text: String =
        theirs.children().filter_map(|n| if n.is_text() { n.text() } else { None }).collect();
    match ours.text() {
        None => {
            assert!(
                their_text.trim().is_empty() && !their_children.is_empty(),
                "{file}: {}",
                ours.name()
            );
        }
        Some(text) => {
            // Whitespace may differ only where the reader's rules say it is formatting: at the
            // ends of an element with CDATA. Anywhere else the text is roxmltree's exactly.
            let source = theirs.document().input_text().get(theirs.range()).unwrap_or_default();
            if source.contains("<![CDATA[") {
                let trimmed = their_text.trim_matches(|c| matches!(c, ' ' | '\t' | '\n'));
                assert!(
                    their_text.contains(text)
                        && trimmed == text.trim_matches(|c| matches!(c, ' ' | '\t' | '\n')),
                    "{file}: {}: {text:?} / {their_text:?}",
                    ours.name()
                );
            } else {
                assert_eq!(text, their_text, "{file}: {}", ours.name());
            }
        }
    }
    for (ours, theirs) in our_children.into_iter().zip(their_children) {
        same_tree(file, ours, theirs);
    }
}

// --- unknown kinds ---------------------------------------------------------------------------

fn data(file: &str) -> Message {
    let body = std::fs::read_to_string(Path::new(DATA).join(file)).unwrap();
    Message::parse(&body).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// The kinds typed after the first corpus, each against its own body in `tests/data` (sources
/// in `documented.json`): the values are the ones written in those documents.
#[test]
fn the_kinds_typed_later_read_as_their_documents_say() {
    // 产生会话回调事件 (path/95039): nothing but AgentID.
    let message = data("wecom_msgaudit_notify.xml");
    assert!(matches!(message.kind(), Kind::Event(Event::MsgAuditNotify)));
    assert_eq!((message.to_user_name(), message.agent_id()), (Some("CorpID"), Some(2000004)));

    // 应用管理员变更通知 (path/95038): nothing but AgentID.
    let message = data("wecom_change_app_admin.xml");
    assert!(matches!(message.kind(), Kind::Event(Event::ChangeAppAdmin)));
    assert_eq!((message.from_user_name(), message.agent_id()), (Some("sys"), Some(1)));

    // 企业互联共享应用事件回调 (path/93373), the page's `<CorpId>![CDATA[ww11111]]</CorpId>` as
    // written: text, not a CDATA section.
    let message = data("wecom_tp_share_agent_change.xml");
    let Kind::Instruction(Instruction::ShareAgentChange { suite_id, corp_id, agent_id, app_id }) =
        message.kind()
    else {
        panic!("share_agent_change: {:?}", message.kind())
    };
    assert_eq!((suite_id, corp_id), (Some("ww4asffe99exxx0f4c"), Some("![CDATA[ww11111]]")));
    assert_eq!((agent_id, app_id), (Some(11), Some("11")));
    assert_eq!(message.timestamp(), Some(UNIX_EPOCH + Duration::from_secs(1403610513)));

    // 进入会话事件 (小程序 customer service, receive.html).
    let message = data("miniprogram_user_enter_tempsession.xml");
    let Kind::Event(Event::UserEnterTempSession { session_from }) = message.kind() else {
        panic!("user_enter_tempsession: {:?}", message.kind())
    };
    assert_eq!(session_from, Some("sessionFrom"));
    assert_eq!(message.from_user_name(), Some("fromUser"));

    // A security.mediaCheckAsync 2.0 push (WeiXinMPSDK's MediaCheckTest body).
    let message = data("senparc_wxa_media_check.xml");
    let Kind::Event(Event::WxaMediaCheck(check)) = message.kind() else {
        panic!("wxa_media_check: {:?}", message.kind())
    };
    assert_eq!(
        (check.app_id, check.trace_id, check.version),
        (Some("wx12b4f63276b14d4c"), Some("62f11967-2b24d27a-34715985"), Some(2))
    );
    assert_eq!((check.err_code, check.err_msg), (Some("0"), Some("ok")));
    let result = check.result.expect("a 2.0 result");
    assert_eq!((result.suggest, result.label), (Some("pass"), Some("100")));
    let details: Vec<_> = check.details().collect();
    assert_eq!(details.len(), 1);
    let detail = details[0];
    assert_eq!((detail.strategy, detail.err_code), (Some("content_model"), Some("0")));
    assert_eq!((detail.suggest, detail.label, detail.prob), (Some("pass"), Some("100"), Some(90)));
    // 1.0's fields: "2.0版本没有isrisky字段" (Tencent, on the developer community).
    assert_eq!((check.is_risky, check.extra_info_json, check.status_code), (None, None, None));
}

#[test]
fn an_unknown_msg_type_is_unknown_with_every_value_readable() {
    let xml = "<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[u1]]></FromUserName>\
               <CreateTime>1700000000</CreateTime><MsgType><![CDATA[hologram]]></MsgType>\
               <Hologram><Depth>3</Depth><Frames><item>a</item><item>b</item></Frames></Hologram>\
               <MsgId>18446744073709551615</MsgId><Extra>x</Extra></xml>";
    let message = Message::parse(xml).unwrap();
    assert!(matches!(message.kind(), Kind::Unknown { msg_type: Some("hologram") }));
    assert_eq!(message.get("Extra"), Some("x"));
    assert_eq!(message.msg_id(), Some(u64::MAX));
    assert_eq!(at_path(message.root(), "Hologram/Frames/item"), ["a", "b"]);
    assert_eq!(at_path(message.root(), "Hologram/Depth"), ["3"]);
}

#[test]
fn a_message_without_msg_type_or_info_type_is_unknown() {
    let message = Message::parse("<xml><Something>1</Something></xml>").unwrap();
    assert!(matches!(message.kind(), Kind::Unknown { msg_type: None }));
    assert_eq!(message.get("Something"), Some("1"));
}

#[test]
fn an_unknown_event_is_unknown_with_every_value_readable() {
    let xml = "<xml><MsgType>event</MsgType><Event><![CDATA[teleport]]></Event><Where><X>1</X></Where><Who>u1</Who></xml>";
    let message = Message::parse(xml).unwrap();
    assert!(matches!(message.kind(), Kind::Event(Event::Unknown { event: "teleport" })));
    assert_eq!(message.get("Who"), Some("u1"));
    assert_eq!(at_path(message.root(), "Where/X"), ["1"]);
}

#[test]
fn an_event_without_an_event_name_is_unknown_with_an_empty_name() {
    let message = Message::parse("<xml><MsgType>event</MsgType></xml>").unwrap();
    assert!(matches!(message.kind(), Kind::Event(Event::Unknown { event: "" })));
}

#[test]
fn an_unknown_change_type_is_unknown_for_events_and_instructions() {
    let event = "<xml><MsgType>event</MsgType><Event>change_contact</Event><ChangeType>merge_user</ChangeType><UserID>a</UserID></xml>";
    let message = Message::parse(event).unwrap();
    assert!(matches!(
        message.kind(),
        Kind::Event(Event::ChangeContact(ContactChange::Unknown { change_type: "merge_user" }))
    ));
    assert_eq!(message.get("UserID"), Some("a"));
    let instruction = "<xml><SuiteId>s</SuiteId><InfoType>change_contact</InfoType><ChangeType>merge_user</ChangeType></xml>";
    let message = Message::parse(instruction).unwrap();
    assert!(matches!(
        message.kind(),
        Kind::Instruction(Instruction::ChangeContact {
            suite_id: Some("s"),
            change: ContactChange::Unknown { change_type: "merge_user" },
            ..
        })
    ));
}

#[test]
fn an_unknown_info_type_is_unknown_with_every_value_readable() {
    let xml = "<xml><SuiteId>ww1</SuiteId><InfoType>open_order</InfoType><TimeStamp>1</TimeStamp><OrderId>o1</OrderId></xml>";
    let message = Message::parse(xml).unwrap();
    assert!(matches!(
        message.kind(),
        Kind::Instruction(Instruction::Unknown { info_type: "open_order" })
    ));
    assert_eq!(message.get("OrderId"), Some("o1"));
}

#[test]
fn unknown_nested_fields_of_a_known_kind_stay_readable() {
    let xml = "<xml><MsgType>event</MsgType><Event>scancode_push</Event><EventKey>k</EventKey>\
               <ScanCodeInfo><ScanType>qrcode</ScanType><ScanResult>1</ScanResult><ScanDevice>new</ScanDevice></ScanCodeInfo></xml>";
    let message = Message::parse(xml).unwrap();
    let Kind::Event(Event::ScanCode { scan_code_info: Some(info), waitmsg: false, .. }) =
        message.kind()
    else {
        panic!("a scancode_push")
    };
    assert_eq!((info.scan_type, info.scan_result), (Some("qrcode"), Some("1")));
    assert_eq!(at_path(message.root(), "ScanCodeInfo/ScanDevice"), ["new"]);
}

#[test]
fn event_names_match_ignoring_case_and_change_types_exactly() {
    // 公众号 sends CLICK, WeCom click.
    for event in ["CLICK", "click", "Click"] {
        let xml = format!(
            "<xml><MsgType>event</MsgType><Event>{event}</Event><EventKey>k</EventKey></xml>"
        );
        let message = Message::parse(&xml).unwrap();
        assert!(
            matches!(message.kind(), Kind::Event(Event::Click { event_key: Some("k") })),
            "{event}"
        );
    }
    let xml = "<xml><MsgType>event</MsgType><Event>change_contact</Event><ChangeType>UPDATE_USER</ChangeType></xml>";
    let message = Message::parse(xml).unwrap();
    assert!(matches!(
        message.kind(),
        Kind::Event(Event::ChangeContact(ContactChange::Unknown { .. }))
    ));
}

// --- what the reader refuses, and what it accepts ------------------------------------------

#[test]
fn only_xml_that_is_not_well_formed_is_an_error() {
    for broken in [
        "",
        "<xml>",
        "<xml><A></B></xml>",
        "<xml><A>a ]]> b</A></xml>",
        "<xml>&nbsp;</xml>",
        "<a/><b/>",
    ] {
        assert_eq!(
            Message::parse(broken).unwrap_err(),
            Error::MalformedMessage(MessageFault::NotWellFormed),
            "{broken:?}"
        );
    }
    let doctype = "<!DOCTYPE xml [<!ENTITY e \"boom\">]><xml><A>&e;</A></xml>";
    assert_eq!(
        Message::parse(doctype).unwrap_err(),
        Error::MalformedMessage(MessageFault::DoctypeForbidden)
    );
    assert_eq!(Message::parse(doctype).unwrap_err().code(), -40002);
}

#[test]
fn markup_beyond_one_item_per_eight_bytes_is_refused() {
    // 1000 empty elements of 4 bytes each: 1001 items in 4007 bytes, more than 4007 / 8 + 256.
    let dense = format!("<x>{}</x>", "<a/>".repeat(1000));
    assert_eq!(
        Message::parse(&dense).unwrap_err(),
        Error::MalformedMessage(MessageFault::TooManyItems)
    );
    // One item per 8 bytes is allowed: 1001 items in 8011 bytes.
    let at_the_bound = format!("<xml>{}</xml>", "<A>1</A>".repeat(1000));
    assert!(Message::parse(&at_the_bound).is_ok());
}

#[test]
fn text_is_read_as_xml_says() {
    let xml = "<xml><A>a&#43;b&amp;&lt;&#x4F01;</A><B><![CDATA[x]]]]><![CDATA[>y]]></B><C>l1\r\nl2\rl3</C>\
               <D>&#13;</D><E> <![CDATA[ keep ]]> </E><F>  spaced  </F><G/><H></H><I><![CDATA[]]></I></xml>";
    let message = Message::parse(xml).unwrap();
    assert_eq!(message.get("A"), Some("a+b&<企"));
    assert_eq!(message.get("B"), Some("x]]>y"));
    assert_eq!(message.get("C"), Some("l1\nl2\nl3"));
    assert_eq!(message.get("D"), Some("\r"));
    assert_eq!(message.get("E"), Some(" keep "));
    assert_eq!(message.get("F"), Some("  spaced  "));
    assert_eq!(
        (message.get("G"), message.get("H"), message.get("I")),
        (Some(""), Some(""), Some(""))
    );
}

#[test]
fn a_repeated_top_level_field_reads_as_its_first() {
    let message = Message::parse("<xml><A>1</A><A>2</A></xml>").unwrap();
    assert_eq!(message.get("A"), Some("1"));
    assert_eq!(
        message.root().children_named("A").filter_map(|a| a.text()).collect::<Vec<_>>(),
        ["1", "2"]
    );
}

#[test]
fn ids_beyond_two_to_the_53_are_exact() {
    // The community sample's MsgID: a float would read 3487542469355618300.
    let message = Message::parse("<xml><MsgID>3487542469355618313</MsgID></xml>").unwrap();
    assert_eq!(message.msg_id(), Some(3_487_542_469_355_618_313));
    // Past u64, or not a number: no number (the text is still there).
    let message =
        Message::parse("<xml><MsgId>18446744073709551616</MsgId><CreateTime> 1</CreateTime></xml>")
            .unwrap();
    assert_eq!((message.msg_id(), message.create_time()), (None, None));
    assert_eq!(message.get("MsgId"), Some("18446744073709551616"));
}

#[test]
fn debug_output_names_fields_but_never_their_values() {
    let message =
        Message::parse("<xml><MsgType>text</MsgType><Content>secret words</Content></xml>")
            .unwrap();
    let debug = format!("{message:?}");
    assert!(debug.contains("Content") && debug.contains("text"), "{debug}");
    assert!(!debug.contains("secret"), "{debug}");
}

// --- authenticated freshness ---------------------------------------------------------------

#[test]
fn create_time_comes_from_inside_the_ciphertext_and_the_query_timestamp_does_not() {
    let crypt = MsgCrypt::new(
        "QDG6eK",
        "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
        "wx5823bf96d3bd56c7",
    )
    .unwrap();
    let plaintext = "<xml><ToUserName>wx5823bf96d3bd56c7</ToUserName><FromUserName>u1</FromUserName>\
                     <CreateTime>1409659813</CreateTime><MsgType>text</MsgType><Content>hi</Content></xml>";
    let sent = crypt.encrypt_msg(plaintext, Stamp::from_parts("1409659813", "1372623149")).unwrap();
    // The signature sorts the four parts and joins them without separators: the same capture
    // verifies with the timestamp and nonce swapped, so the query's timestamp can say anything
    // an attacker picks among such spellings.
    let swapped = Signed {
        msg_signature: sent.msg_signature(),
        timestamp: "1372623149",
        nonce: "1409659813",
    };
    let message =
        Message::parse(crypt.decrypt_msg(swapped, sent.encrypt()).unwrap().message()).unwrap();
    // CreateTime is what was encrypted, whatever the query said.
    assert_eq!(message.create_time(), Some(UNIX_EPOCH + Duration::from_secs(1_409_659_813)));
    let now = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_409_659_900);
    let window = std::time::Duration::from_secs(300);
    assert!(wxbizmsgcrypt::check_timestamp("1409659813", now, window).is_ok());
    assert_eq!(
        wxbizmsgcrypt::check_timestamp("1372623149", now, window),
        Err(Error::TimestampOutOfWindow),
        "the swapped query timestamp would be judged stale, though it verified"
    );
}

// --- de-duplication ------------------------------------------------------------------------

/// A callback as WeCom sends it and as it retries: the same plaintext, encrypted afresh, with
/// a new timestamp and nonce in the query.
fn deliver(crypt: &MsgCrypt, plaintext: &str, timestamp: &str, nonce: &str) -> Message {
    let sent = crypt.encrypt_msg(plaintext, Stamp::from_parts(timestamp, nonce)).unwrap();
    let signed = Signed { msg_signature: sent.msg_signature(), timestamp, nonce };
    Message::parse(crypt.decrypt_msg(signed, sent.encrypt()).unwrap().message()).unwrap()
}

#[test]
/// A retry is the same plaintext under a new query (timestamp, nonce) and a fresh ciphertext (new
/// random bytes): the key is computed from the decrypted message alone.
fn the_key_depends_on_the_plaintext_alone_and_the_corpus_bodies_differ() {
    let crypt = MsgCrypt::new(
        "QDG6eK",
        "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
        "wx5823bf96d3bd56c7",
    )
    .unwrap();
    let mut keys = BTreeMap::new();
    for case in corpus() {
        let first = deliver(&crypt, &case.body, "1409659813", "1").dedup_key();
        for (ts, nonce) in [("1409659818", "2"), ("1409659823", "3"), ("1409659828", "44")] {
            assert_eq!(deliver(&crypt, &case.body, ts, nonce).dedup_key(), first, "{}", case.file);
        }
        let key = first.to_string();
        assert!(!key.contains(['\n', '\r']), "{}: one line: {key}", case.file);
        if let Some(other) = keys.insert(key.clone(), case.file.clone()) {
            // Two bodies of the corpus may be the same callback only if they are the same text,
            // or messages with the same MsgId in the same account and app: Tencent's rule for
            // messages ("推荐使用msgid排重"), which several documents' samples share
            // (1234567890123456).
            let same = std::fs::read_to_string(Path::new(DATA).join(&other)).unwrap() == case.body;
            assert!(
                same || key.starts_with("msg:"),
                "{other} and {} share the key {key}",
                case.file
            );
        }
    }
}

#[test]
fn the_keys_follow_the_documented_rule_per_kind() {
    let wecom_text = std::fs::read_to_string(Path::new(DATA).join("wecom_text.xml")).unwrap();
    // `msg:` ToUserName `:` AgentID `:` MsgId.
    assert_eq!(
        Message::parse(&wecom_text).unwrap().dedup_key().as_str(),
        "msg:toUser:1:1234567890123456"
    );
    let event = Message::parse(
        "<xml><ToUserName>ww1</ToUserName><FromUserName>u1</FromUserName><CreateTime>7</CreateTime>\
         <MsgType>event</MsgType><Event>click</Event><EventKey>menu:1</EventKey><AgentID>2</AgentID></xml>",
    )
    .unwrap();
    let key = event.dedup_key().to_string();
    // `event:` ToUserName, AgentID, FromUserName, CreateTime, Event, ChangeType, EventKey, digest;
    // the `:` inside the EventKey is percent-encoded so that the parts stay apart.
    let prefix = "event:ww1:2:u1:7:click::menu%3A1:";
    assert!(key.starts_with(prefix), "{key}");
    let digest = &key[prefix.len()..];
    assert!(digest.len() == 16 && digest.bytes().all(|b| b.is_ascii_hexdigit()), "{key}");
    let suite_ticket =
        std::fs::read_to_string(Path::new(DATA).join("wecom_suite_ticket.xml")).unwrap();
    let key = Message::parse(&suite_ticket).unwrap().dedup_key().to_string();
    assert!(key.starts_with("info:ww4asffe99e54c0fxxxx:suite_ticket:1403610513::"), "{key}");
}

/// An event's key does not depend on the order of its elements (a retry rendered anew, or by
/// another of Tencent's servers, is the same callback), at any depth; it still depends on
/// which element holds which text.
#[test]
fn event_keys_do_not_depend_on_element_order() {
    let event = |fields: &[&str]| {
        Message::parse(&format!(
            "<xml><ToUserName>ww1</ToUserName><FromUserName>sys</FromUserName><CreateTime>7</CreateTime>\
             <MsgType>event</MsgType><Event>change_contact</Event>{}</xml>",
            fields.concat()
        ))
        .unwrap()
        .dedup_key()
    };
    let (user, mobile) = ("<UserID>zhangsan</UserID>", "<Mobile>13800000000</Mobile>");
    let (dept, dept2) =
        ("<Item><Id>1</Id><Name>a</Name></Item>", "<Item><Id>2</Id><Name>b</Name></Item>");
    let nested = |a: &str, b: &str| format!("<Departments>{a}{b}</Departments>");
    assert_eq!(event(&[user, mobile]), event(&[mobile, user]));
    assert_eq!(
        event(&[user, &nested(dept, dept2)]),
        event(&[&nested(dept2, dept), user]),
        "nested elements too"
    );
    assert_ne!(event(&[user, mobile]), event(&[user]));
    // The same texts under other names, or moved between elements, are another callback.
    assert_ne!(
        event(&[&nested(
            "<Item><Id>1</Id><Name>b</Name></Item>",
            "<Item><Id>2</Id><Name>a</Name></Item>"
        )]),
        event(&[&nested(dept, dept2)])
    );
    assert_ne!(
        event(&["<UserID>13800000000</UserID><Mobile>zhangsan</Mobile>"]),
        event(&[user, mobile])
    );
}

#[test]
fn distinct_but_similar_callbacks_have_distinct_keys() {
    let event = |extra: &str| {
        Message::parse(&format!(
            "<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>\
             <CreateTime>1640333986</CreateTime><MsgType><![CDATA[event]]></MsgType>{extra}</xml>"
        ))
        .unwrap()
        .dedup_key()
    };
    let pairs = [
        // Two members updated in the same second (WxJava dropped one of these: its key had no UserID).
        (
            "<Event>change_contact</Event><ChangeType>update_user</ChangeType><UserID>zhangsan</UserID>",
            "<Event>change_contact</Event><ChangeType>update_user</ChangeType><UserID>lisi</UserID>",
        ),
        // Two clicks on different menu items.
        (
            "<Event>click</Event><EventKey>a</EventKey>",
            "<Event>click</Event><EventKey>b</EventKey>",
        ),
        // Two template-card events of different tasks, then of different choices.
        (
            "<Event>template_card_event</Event><EventKey>ok</EventKey><TaskId>t1</TaskId>",
            "<Event>template_card_event</Event><EventKey>ok</EventKey><TaskId>t2</TaskId>",
        ),
        (
            "<Event>template_card_event</Event><TaskId>t1</TaskId><SelectedItems><SelectedItem><OptionIds><OptionId>1</OptionId></OptionIds></SelectedItem></SelectedItems>",
            "<Event>template_card_event</Event><TaskId>t1</TaskId><SelectedItems><SelectedItem><OptionIds><OptionId>2</OptionId></OptionIds></SelectedItem></SelectedItems>",
        ),
        // Two batch jobs finishing in the same second.
        (
            "<Event>batch_job_result</Event><BatchJob><JobId>j1</JobId></BatchJob>",
            "<Event>batch_job_result</Event><BatchJob><JobId>j2</JobId></BatchJob>",
        ),
        // A member created, and the same member updated.
        (
            "<Event>change_contact</Event><ChangeType>create_user</ChangeType><UserID>a</UserID>",
            "<Event>change_contact</Event><ChangeType>update_user</ChangeType><UserID>a</UserID>",
        ),
        // The parts cannot be shifted into one another.
        (
            "<Event>click</Event><EventKey>a:b</EventKey>",
            "<Event>click:a</Event><EventKey>b</EventKey>",
        ),
    ];
    for (a, b) in pairs {
        assert_ne!(event(a), event(b), "{a} / {b}");
        assert_eq!(event(a), event(a));
    }
    let message = |agent: &str, id: &str| {
        Message::parse(&format!(
            "<xml><ToUserName>ww1</ToUserName><MsgType>text</MsgType><MsgId>{id}</MsgId><AgentID>{agent}</AgentID></xml>"
        ))
        .unwrap()
        .dedup_key()
    };
    assert_ne!(message("1", "7"), message("2", "7"), "the same MsgId in two apps");
    assert_ne!(message("1", "7"), message("1", "8"));
    // A text MsgId (WxJava's testMsgIdStringAndNumericFormats) is a message id too.
    assert!(
        message("1", "CAIQg/PKxgYY2sC9tpuAgAMg9/zKaw==").as_str().starts_with("msg:ww1:1:CAIQg")
    );
    let ticket = |ts: &str| {
        Message::parse(&format!(
            "<xml><SuiteId>s</SuiteId><InfoType>suite_ticket</InfoType><TimeStamp>{ts}</TimeStamp><SuiteTicket>t</SuiteTicket></xml>"
        ))
        .unwrap()
        .dedup_key()
    };
    assert_ne!(ticket("1"), ticket("2"));
}

#[test]
fn whitespace_is_formatting_only_at_either_end_of_an_element_with_cdata() {
    let xml = "<xml><J>&amp; <![CDATA[b]]></J><K><![CDATA[a]]> <![CDATA[b]]></K><L>\n <![CDATA[a]]>\n</L></xml>";
    let message = Message::parse(xml).unwrap();
    assert_eq!(
        (message.get("J"), message.get("K"), message.get("L")),
        (Some("& b"), Some("a b"), Some("a"))
    );
}

#[test]
fn the_typed_view_s_debug_output_holds_no_value() {
    // Tickets, auth codes, response codes and tokens are credentials; a phone number is personal.
    for xml in [
        "<xml><SuiteId>s</SuiteId><InfoType>create_auth</InfoType><AuthCode>SECRET_AUTH_CODE</AuthCode></xml>",
        "<xml><SuiteId>s</SuiteId><InfoType>suite_ticket</InfoType><SuiteTicket>SECRET_TICKET</SuiteTicket></xml>",
        "<xml><MsgType>event</MsgType><Event>template_card_event</Event><ResponseCode>SECRET_CODE</ResponseCode></xml>",
        "<xml><MsgType>event</MsgType><Event>kf_msg_or_event</Event><Token>SECRET_TOKEN</Token></xml>",
        "<xml><SuiteId>s</SuiteId><InfoType>change_contact</InfoType><ChangeType>create_user</ChangeType><Mobile>SECRET_PHONE</Mobile></xml>",
        "<xml><MsgType>text</MsgType><Content>SECRET_WORDS</Content></xml>",
        "<xml><MsgType>event</MsgType><Event>user_enter_tempsession</Event><SessionFrom>SECRET_FROM</SessionFrom></xml>",
    ] {
        let message = Message::parse(xml).unwrap();
        let debug = format!("{:?}", message.kind());
        assert!(!debug.contains("SECRET"), "{debug}");
        assert!(["Instruction", "Event", "Text"].iter().any(|k| debug.starts_with(k)), "{debug}");
    }
}

#[test]
fn keys_are_one_short_printable_line_whatever_the_fields_hold() {
    let event = |key: &str| {
        Message::parse(&format!(
            "<xml><ToUserName>ww1</ToUserName><FromUserName>u</FromUserName><CreateTime>1</CreateTime>\
             <MsgType>event</MsgType><Event>click</Event><EventKey>{key}</EventKey></xml>"
        ))
        .unwrap()
        .dedup_key()
        .to_string()
    };
    let invisible = |c: char| {
        (c.is_whitespace() && c != ' ')
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{feff}')
    };
    for hostile in [
        "a\u{2028}b",
        "a\u{2029}b",
        "a\u{85}b",
        "a\u{202e}b",
        "a\u{200b}b",
        "a&#10;b",
        "a\tb",
        "a\u{feff}b",
    ] {
        let key = event(hostile);
        assert_eq!(key.lines().count(), 1, "{key:?}");
        assert!(!key.chars().any(invisible), "{key:?}");
    }
    // CJK stays readable.
    assert!(event("菜单").contains(":菜单:"));
    // A sender's 100 kB field makes no 100 kB key, and two long fields still differ.
    let long = event(&":".repeat(100_000));
    assert!(long.len() < 200, "{} bytes", long.len());
    assert_ne!(event(&"a".repeat(200)), event(&"b".repeat(200)));
    assert_eq!(event(&"a".repeat(200)), event(&"a".repeat(200)));
}
