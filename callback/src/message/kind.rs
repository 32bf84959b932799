//! The typed view of a [`Message`]: [`Message::kind`].
//!
//! Every type here borrows from the message and is `#[non_exhaustive]`: Tencent adds message
//! types, events, change types and fields, and each addition is data for this model (an
//! `Unknown` variant, a field left to [`Message::get`]), never a compile break for its users
//! nor an error at run time. Texts are as sent; 64-bit ids and times are `u64`; comma lists
//! are lists; nested and repeated elements are types of their own.
//!
//! `Debug` of the enums ([`Kind`], [`Event`], [`Instruction`], [`ContactChange`]) names the
//! variant and never a value, so that `{:?}` of a kind in a log line carries no ticket, auth
//! code, response code or what a user wrote. The structs inside hold the values, and their
//! `Debug` prints them: destructure them where you mean to.
//!
//! Field lists follow `shared/callbacks/CATALOG.md` (Tencent's documents, and the models of
//! WxJava, wechatpy, PowerWeChat and go-workwx where the documents could not be read).

use std::fmt;
use std::time::SystemTime;

use super::{Element, Message, parse_time, parse_u64};

/// What a message is: [`Message::kind`].
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{Instruction, Kind, Message};
///
/// let xml = "<xml><SuiteId><![CDATA[ww4asffe99e54c0fxxxx]]></SuiteId><InfoType> <![CDATA[suite_ticket]]></InfoType>\
///            <TimeStamp>1403610513</TimeStamp><SuiteTicket><![CDATA[asdfasfdasdfasdf]]></SuiteTicket></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Instruction(Instruction::SuiteTicket { suite_ticket, .. }) = message.kind() else {
///     panic!("a suite_ticket")
/// };
/// assert_eq!(suite_ticket, Some("asdfasfdasdfasdf"));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum Kind<'a> {
    /// `MsgType` `text`.
    Text(Text<'a>),
    /// `MsgType` `image`.
    Image(Image<'a>),
    /// `MsgType` `voice`.
    Voice(Voice<'a>),
    /// `MsgType` `video`.
    Video(Video<'a>),
    /// `MsgType` `shortvideo` (公众号; old 企业号).
    ShortVideo(Video<'a>),
    /// `MsgType` `location`.
    Location(Location<'a>),
    /// `MsgType` `link`.
    Link(Link<'a>),
    /// `MsgType` `miniprogrampage` (小程序 customer service).
    MiniProgramPage(MiniProgramPage<'a>),
    /// `MsgType` `event`.
    Event(Event<'a>),
    /// An instruction callback: an `InfoType` (WeCom third-party apps, 开放平台).
    Instruction(Instruction<'a>),
    /// Anything else: another `MsgType`, or none at all. Every field is readable with
    /// [`Message::get`] and [`Message::element`].
    Unknown {
        /// `MsgType`, if there is one.
        msg_type: Option<&'a str>,
    },
}

impl Message {
    /// The typed view of the message, built on each call from the parsed fields (cheap: the
    /// fields are looked up, nothing is parsed again).
    ///
    /// Message types and event names are matched ignoring ASCII case (公众号 sends `CLICK`,
    /// `SCAN`, `LOCATION`; WeCom `click`); change types and instruction types exactly.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
    ///
    /// let xml = "<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[future_event]]></Event><New>1</New></xml>";
    /// let message = Message::parse(xml)?;
    /// assert!(matches!(message.kind(), Kind::Event(Event::Unknown { event: "future_event" })));
    /// assert_eq!(message.get("New"), Some("1"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn kind(&self) -> Kind<'_> {
        let root = self.root();
        let msg_type = self.msg_type();
        let is = |name: &str| msg_type.is_some_and(|t| t.eq_ignore_ascii_case(name));
        if msg_type.is_none() && self.info_type().is_some() {
            return Kind::Instruction(Instruction::from_root(root));
        }
        if is("text") {
            Kind::Text(Text { content: root.get("Content") })
        } else if is("image") {
            Kind::Image(Image { pic_url: root.get("PicUrl"), media_id: root.get("MediaId") })
        } else if is("voice") {
            Kind::Voice(Voice {
                media_id: root.get("MediaId"),
                format: root.get("Format"),
                recognition: root.get("Recognition"),
            })
        } else if is("video") || is("shortvideo") {
            let video =
                Video { media_id: root.get("MediaId"), thumb_media_id: root.get("ThumbMediaId") };
            if is("video") { Kind::Video(video) } else { Kind::ShortVideo(video) }
        } else if is("location") {
            Kind::Location(Location {
                location_x: root.get("Location_X"),
                location_y: root.get("Location_Y"),
                scale: root.get("Scale"),
                label: root.get("Label"),
                app_type: root.get("AppType"),
            })
        } else if is("link") {
            Kind::Link(Link {
                title: root.get("Title"),
                description: root.get("Description"),
                url: root.get("Url"),
                pic_url: root.get("PicUrl"),
            })
        } else if is("miniprogrampage") {
            Kind::MiniProgramPage(MiniProgramPage {
                app_id: root.get("AppId"),
                title: root.get("Title"),
                page_path: root.get("PagePath"),
                thumb_url: root.get("ThumbUrl"),
                thumb_media_id: root.get("ThumbMediaId"),
            })
        } else if is("event") {
            Kind::Event(Event::from_root(root))
        } else {
            Kind::Unknown { msg_type }
        }
    }
}

/// A text message.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{Kind, Message};
///
/// // The WeCom text sample (path/96467).
/// let xml = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName>\
///            <CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[this is a test]]></Content>\
///            <MsgId>1234567890123456</MsgId><AgentID>1</AgentID></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Text(text) = message.kind() else { panic!("a text") };
/// assert_eq!(text.content, Some("this is a test"));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Text<'a> {
    /// `Content`.
    pub content: Option<&'a str>,
}

/// An image message.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{Kind, Message};
///
/// let xml = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName><CreateTime>1348831860</CreateTime>\
///            <MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[this is a url]]></PicUrl><MediaId><![CDATA[media_id]]></MediaId>\
///            <MsgId>1234567890123456</MsgId><AgentID>1</AgentID></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Image(image) = message.kind() else { panic!("an image") };
/// assert_eq!((image.pic_url, image.media_id), (Some("this is a url"), Some("media_id")));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Image<'a> {
    /// `PicUrl`.
    pub pic_url: Option<&'a str>,
    /// `MediaId` (valid 3 days on WeCom).
    pub media_id: Option<&'a str>,
}

/// A voice message.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{Kind, Message};
///
/// // 公众号, with speech recognition on.
/// let xml = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName><CreateTime>1357290913</CreateTime>\
///            <MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[media_id]]></MediaId><Format><![CDATA[Format]]></Format>\
///            <Recognition><![CDATA[腾讯微信团队]]></Recognition><MsgId>1234567890123456</MsgId></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Voice(voice) = message.kind() else { panic!("a voice") };
/// assert_eq!((voice.media_id, voice.format, voice.recognition), (Some("media_id"), Some("Format"), Some("腾讯微信团队")));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Voice<'a> {
    /// `MediaId`.
    pub media_id: Option<&'a str>,
    /// `Format` (`amr`, `speex`).
    pub format: Option<&'a str>,
    /// `Recognition`: the speech as text, where recognition is on (公众号).
    pub recognition: Option<&'a str>,
}

/// A video or short-video message.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{Kind, Message};
///
/// // 公众号 `shortvideo`; a `video` message has the same fields.
/// let xml = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName><CreateTime>1357290913</CreateTime>\
///            <MsgType><![CDATA[shortvideo]]></MsgType><MediaId><![CDATA[media_id]]></MediaId>\
///            <ThumbMediaId><![CDATA[thumb_media_id]]></ThumbMediaId><MsgId>1234567890123456</MsgId></xml>";
/// let message = Message::parse(xml)?;
/// let (Kind::Video(video) | Kind::ShortVideo(video)) = message.kind() else { panic!("a video") };
/// assert_eq!((video.media_id, video.thumb_media_id), (Some("media_id"), Some("thumb_media_id")));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Video<'a> {
    /// `MediaId`.
    pub media_id: Option<&'a str>,
    /// `ThumbMediaId`.
    pub thumb_media_id: Option<&'a str>,
}

/// A location message. Coordinates are as sent (decimal degrees).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{Kind, Message};
///
/// let xml = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName><CreateTime>1351776360</CreateTime>\
///            <MsgType><![CDATA[location]]></MsgType><Location_X>23.134</Location_X><Location_Y>113.358</Location_Y><Scale>20</Scale>\
///            <Label><![CDATA[位置信息]]></Label><MsgId>1234567890123456</MsgId><AgentID>1</AgentID><AppType><![CDATA[wxwork]]></AppType></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Location(location) = message.kind() else { panic!("a location") };
/// assert_eq!((location.location_x, location.location_y, location.scale), (Some("23.134"), Some("113.358"), Some("20")));
/// assert_eq!((location.label, location.app_type), (Some("位置信息"), Some("wxwork")));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Location<'a> {
    /// `Location_X`: latitude.
    pub location_x: Option<&'a str>,
    /// `Location_Y`: longitude.
    pub location_y: Option<&'a str>,
    /// `Scale`: the map's zoom.
    pub scale: Option<&'a str>,
    /// `Label`: the place.
    pub label: Option<&'a str>,
    /// `AppType` (WeCom).
    pub app_type: Option<&'a str>,
}

/// A link message.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{Kind, Message};
///
/// let xml = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName><CreateTime>1348831860</CreateTime>\
///            <MsgType><![CDATA[link]]></MsgType><Title><![CDATA[this is a title!]]></Title><Description><![CDATA[this is a description!]]></Description>\
///            <Url><![CDATA[URL]]></Url><PicUrl><![CDATA[this is a url]]></PicUrl><MsgId>1234567890123456</MsgId><AgentID>1</AgentID></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Link(link) = message.kind() else { panic!("a link") };
/// assert_eq!((link.title, link.description), (Some("this is a title!"), Some("this is a description!")));
/// assert_eq!((link.url, link.pic_url), (Some("URL"), Some("this is a url")));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Link<'a> {
    /// `Title`.
    pub title: Option<&'a str>,
    /// `Description`.
    pub description: Option<&'a str>,
    /// `Url`.
    pub url: Option<&'a str>,
    /// `PicUrl` (WeCom).
    pub pic_url: Option<&'a str>,
}

/// A 小程序 card sent to customer service.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{Kind, Message};
///
/// let xml = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName><CreateTime>1482048670</CreateTime>\
///            <MsgType><![CDATA[miniprogrampage]]></MsgType><MsgId>1234567890123456</MsgId><AppId><![CDATA[appid]]></AppId><Title><![CDATA[title]]></Title>\
///            <PagePath><![CDATA[pages/index/index]]></PagePath><ThumbUrl><![CDATA[thumburl]]></ThumbUrl><ThumbMediaId><![CDATA[thumbmediaid]]></ThumbMediaId></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::MiniProgramPage(page) = message.kind() else { panic!("a 小程序 card") };
/// assert_eq!((page.app_id, page.title, page.page_path), (Some("appid"), Some("title"), Some("pages/index/index")));
/// assert_eq!((page.thumb_url, page.thumb_media_id), (Some("thumburl"), Some("thumbmediaid")));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MiniProgramPage<'a> {
    /// `AppId`.
    pub app_id: Option<&'a str>,
    /// `Title`.
    pub title: Option<&'a str>,
    /// `PagePath`.
    pub page_path: Option<&'a str>,
    /// `ThumbUrl`.
    pub thumb_url: Option<&'a str>,
    /// `ThumbMediaId`.
    pub thumb_media_id: Option<&'a str>,
}

/// An event (`MsgType` `event`), by its `Event`.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{ContactChange, Event, Kind, Message};
///
/// // A real update_user body (WeCom developer community): only two payload fields.
/// let xml = "<xml><ToUserName><![CDATA[]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>\
///            <CreateTime>1640333986</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event>\
///            <ChangeType><![CDATA[update_user]]></ChangeType><UserID><![CDATA[ChengXiaoFei]]></UserID><MainDepartment>35</MainDepartment></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::ChangeContact(ContactChange::UpdateUser(member))) = message.kind() else { panic!() };
/// assert_eq!((member.user_id, member.main_department), (Some("ChengXiaoFei"), Some(35)));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum Event<'a> {
    /// `subscribe`: followed (公众号; with `EventKey` `qrscene_…` and a `Ticket` when by a
    /// QR code with a scene), or WeCom's app was made visible.
    Subscribe {
        /// `EventKey`.
        event_key: Option<&'a str>,
        /// `Ticket`.
        ticket: Option<&'a str>,
    },
    /// `unsubscribe`.
    Unsubscribe,
    /// `SCAN`: a QR code with a scene scanned by a follower (公众号).
    Scan {
        /// `EventKey`: the scene.
        event_key: Option<&'a str>,
        /// `Ticket`.
        ticket: Option<&'a str>,
    },
    /// `enter_agent`: the user entered the WeCom app.
    EnterAgent {
        /// `EventKey` (empty).
        event_key: Option<&'a str>,
    },
    /// `LOCATION`: a location report.
    Location {
        /// `Latitude`.
        latitude: Option<&'a str>,
        /// `Longitude`.
        longitude: Option<&'a str>,
        /// `Precision`.
        precision: Option<&'a str>,
    },
    /// `click` / `CLICK`: a menu item.
    Click {
        /// `EventKey`: the item's key.
        event_key: Option<&'a str>,
    },
    /// `view` / `VIEW`: a menu link.
    View {
        /// `EventKey`: the URL.
        event_key: Option<&'a str>,
        /// `MenuId` (公众号).
        menu_id: Option<&'a str>,
    },
    /// `view_miniprogram`: a menu item opening a 小程序.
    ViewMiniProgram {
        /// `EventKey`: the page path.
        event_key: Option<&'a str>,
        /// `MenuId`.
        menu_id: Option<&'a str>,
    },
    /// `scancode_push` (`waitmsg: false`) or `scancode_waitmsg` (`waitmsg: true`).
    ScanCode {
        /// Whether the client waits for a message (`scancode_waitmsg`).
        waitmsg: bool,
        /// `EventKey`.
        event_key: Option<&'a str>,
        /// `ScanCodeInfo`.
        scan_code_info: Option<ScanCodeInfo<'a>>,
    },
    /// `pic_sysphoto`, `pic_photo_or_album` or `pic_weixin`.
    Pictures {
        /// Which one of the three.
        source: PictureSource,
        /// `EventKey`.
        event_key: Option<&'a str>,
        /// `SendPicsInfo`.
        send_pics_info: Option<SendPicsInfo<'a>>,
    },
    /// `location_select`.
    LocationSelect {
        /// `EventKey`.
        event_key: Option<&'a str>,
        /// `SendLocationInfo`.
        send_location_info: Option<SendLocationInfo<'a>>,
    },
    /// `batch_job_result`: an asynchronous contact job finished (WeCom).
    BatchJobResult(Option<BatchJob<'a>>),
    /// `change_contact`: a member, department or tag changed (WeCom).
    ChangeContact(ContactChange<'a>),
    /// `change_external_contact`: a customer relation changed (WeCom).
    ChangeExternalContact(ExternalContactChange<'a>),
    /// `change_external_chat`: a customer group changed (WeCom).
    ChangeExternalChat(ExternalChatChange<'a>),
    /// `change_external_tag`: a customer tag changed (WeCom).
    ChangeExternalTag(ExternalTagChange<'a>),
    /// `template_card_event`: a button or choice on a template card (WeCom).
    TemplateCard(TemplateCardEvent<'a>),
    /// `template_card_menu_event`: the card's top-right menu (WeCom).
    TemplateCardMenu(TemplateCardEvent<'a>),
    /// `taskcard_click`: the legacy task card (WeCom).
    TaskCardClick {
        /// `EventKey`.
        event_key: Option<&'a str>,
        /// `TaskId`.
        task_id: Option<&'a str>,
    },
    /// `open_approval_change`: an approval of a third-party app's template (WeCom).
    OpenApprovalChange(Option<OpenApprovalInfo<'a>>),
    /// `sys_approval_change`: a WeCom approval.
    SysApprovalChange(Option<SysApprovalInfo<'a>>),
    /// `kf_msg_or_event`: WeCom customer service has messages to pull.
    KfMsgOrEvent {
        /// `Token`: for the pull.
        token: Option<&'a str>,
        /// `OpenKfId`.
        open_kf_id: Option<&'a str>,
    },
    /// `kf_account_auth_change`.
    KfAccountAuthChange {
        /// `AuthAddOpenKfId`.
        auth_add_open_kf_id: Option<&'a str>,
        /// `AuthDelOpenKfId`.
        auth_del_open_kf_id: Option<&'a str>,
    },
    /// `TEMPLATESENDJOBFINISH`: a template message's delivery (公众号).
    TemplateSendJobFinish {
        /// `MsgID`: the template message.
        msg_id: Option<u64>,
        /// `Status`: `success`, `failed:user block`, `failed: system failed`.
        status: Option<&'a str>,
    },
    /// `MASSSENDJOBFINISH`: a mass send finished (公众号).
    MassSendJobFinish {
        /// `MsgID`.
        msg_id: Option<u64>,
        /// `Status`.
        status: Option<&'a str>,
        /// `TotalCount`.
        total_count: Option<u64>,
        /// `FilterCount`.
        filter_count: Option<u64>,
        /// `SentCount`.
        sent_count: Option<u64>,
        /// `ErrorCount`.
        error_count: Option<u64>,
        /// `CopyrightCheckResult`: the originality check of the articles sent.
        copyright_check_result: Option<CopyrightCheckResult<'a>>,
    },
    /// `PUBLISHJOBFINISH`: a publish job finished (公众号).
    PublishJobFinish(Option<PublishEventInfo<'a>>),
    /// `subscribe_msg_popup_event`: subscription messages accepted or refused in the pop-up
    /// (公众号/小程序), one [`SubscribeMsgItem`] per template.
    SubscribeMsgPopup(SubscribeMsgList<'a>),
    /// `subscribe_msg_change_event`: the user changed a subscription in the settings.
    SubscribeMsgChange(SubscribeMsgList<'a>),
    /// `subscribe_msg_sent_event`: a subscription message was delivered (or not).
    SubscribeMsgSent(SubscribeMsgList<'a>),
    /// The calendar events (`modify_calendar`, `delete_calendar`) and schedule events
    /// (`add_schedule`, `modify_schedule`, `delete_schedule`, `respond_schedule`) of WeCom.
    Calendar {
        /// The `Event`, as sent.
        event: &'a str,
        /// `CalId`.
        cal_id: Option<&'a str>,
        /// `ScheduleId` (schedule events).
        schedule_id: Option<&'a str>,
    },
    /// `book_meeting_room`, `cancel_meeting_room` (WeCom).
    MeetingRoom {
        /// The `Event`, as sent.
        event: &'a str,
        /// `MeetingRoomId`.
        meeting_room_id: Option<&'a str>,
        /// `MeetingId`.
        meeting_id: Option<&'a str>,
        /// `BookingId`.
        booking_id: Option<&'a str>,
    },
    /// `living_status_change` (WeCom).
    LivingStatusChange {
        /// `LivingId`.
        living_id: Option<&'a str>,
        /// `Status`.
        status: Option<&'a str>,
    },
    /// `customer_acquisition`: a customer-acquisition link's state (WeCom).
    CustomerAcquisition {
        /// `ChangeType`: `balance_low`, `balance_exhausted`, `link_unavailable`,
        /// `customer_start_chat`, `delete_link`, …
        change_type: Option<&'a str>,
        /// `LinkId`.
        link_id: Option<&'a str>,
    },
    /// `msgaudit_notify`: 会话内容存档 (chat archive) has new messages to pull (产生会话回调事件,
    /// path/95039); pushed at most once every 15 seconds, and only when there are messages. It
    /// carries nothing but `AgentID` ([`Message::agent_id`]).
    MsgAuditNotify,
    /// `change_app_admin`: an authorising company changed the app's administrators (应用管理员变更通知,
    /// path/95038, on a third-party app's data callback URL); fetch the administrator list again.
    /// It carries nothing but `AgentID` ([`Message::agent_id`]).
    ChangeAppAdmin,
    /// `user_enter_tempsession`: a user entered the 小程序's customer-service chat (客服消息,
    /// 接收消息和事件: 进入会话事件).
    UserEnterTempSession {
        /// `SessionFrom`: the `session-from` set on the customer-service button.
        session_from: Option<&'a str>,
    },
    /// `wxa_media_check`: the result of a 小程序 asynchronous media check
    /// (`security.mediaCheckAsync`, 多媒体内容安全识别), matched to its request by `trace_id`.
    WxaMediaCheck(MediaCheck<'a>),
    /// Any other event; its fields are readable with [`Message::get`].
    Unknown {
        /// The `Event`, as sent (empty if there was none).
        event: &'a str,
    },
}

impl<'a> Event<'a> {
    fn from_root(root: Element<'a>) -> Event<'a> {
        let event = root.get("Event").unwrap_or_default();
        let key = root.get("EventKey");
        let is = |name: &str| event.eq_ignore_ascii_case(name);
        if is("subscribe") {
            Event::Subscribe { event_key: key, ticket: root.get("Ticket") }
        } else if is("unsubscribe") {
            Event::Unsubscribe
        } else if is("scan") {
            Event::Scan { event_key: key, ticket: root.get("Ticket") }
        } else if is("enter_agent") {
            Event::EnterAgent { event_key: key }
        } else if is("location") {
            Event::Location {
                latitude: root.get("Latitude"),
                longitude: root.get("Longitude"),
                precision: root.get("Precision"),
            }
        } else if is("click") {
            Event::Click { event_key: key }
        } else if is("view") {
            Event::View { event_key: key, menu_id: root.get("MenuId") }
        } else if is("view_miniprogram") {
            Event::ViewMiniProgram { event_key: key, menu_id: root.get("MenuId") }
        } else if is("scancode_push") || is("scancode_waitmsg") {
            Event::ScanCode {
                waitmsg: is("scancode_waitmsg"),
                event_key: key,
                scan_code_info: root.child("ScanCodeInfo").map(|info| ScanCodeInfo {
                    scan_type: info.get("ScanType"),
                    scan_result: info.get("ScanResult"),
                }),
            }
        } else if let Some(source) = PictureSource::from_event(event) {
            Event::Pictures {
                source,
                event_key: key,
                send_pics_info: root.child("SendPicsInfo").map(SendPicsInfo::from_element),
            }
        } else if is("location_select") {
            Event::LocationSelect {
                event_key: key,
                send_location_info: root.child("SendLocationInfo").map(|info| SendLocationInfo {
                    location_x: info.get("Location_X"),
                    location_y: info.get("Location_Y"),
                    scale: info.get("Scale"),
                    label: info.get("Label"),
                    poiname: info.get("Poiname"),
                }),
            }
        } else if is("batch_job_result") {
            Event::BatchJobResult(root.child("BatchJob").map(BatchJob::from_element))
        } else if is("change_contact") {
            Event::ChangeContact(ContactChange::from_element(root))
        } else if is("change_external_contact") {
            Event::ChangeExternalContact(ExternalContactChange {
                change_type: root.get("ChangeType"),
                user_id: root.get("UserID"),
                external_user_id: root.get("ExternalUserID"),
                state: root.get("State"),
                welcome_code: root.get("WelcomeCode"),
                source: root.get("Source"),
                fail_reason: root.get("FailReason"),
            })
        } else if is("change_external_chat") {
            Event::ChangeExternalChat(ExternalChatChange {
                chat_id: root.get("ChatId"),
                change_type: root.get("ChangeType"),
                update_detail: root.get("UpdateDetail"),
                join_scene: root.get("JoinScene").and_then(parse_u64),
                quit_scene: root.get("QuitScene").and_then(parse_u64),
                mem_change_cnt: root.get("MemChangeCnt").and_then(parse_u64),
            })
        } else if is("change_external_tag") {
            Event::ChangeExternalTag(ExternalTagChange {
                id: root.get("Id"),
                tag_type: root.get("TagType"),
                change_type: root.get("ChangeType"),
                strategy_id: root.get("StrategyId"),
            })
        } else if is("template_card_event") {
            Event::TemplateCard(TemplateCardEvent::from_element(root))
        } else if is("template_card_menu_event") {
            Event::TemplateCardMenu(TemplateCardEvent::from_element(root))
        } else if is("taskcard_click") {
            Event::TaskCardClick { event_key: key, task_id: root.get("TaskId") }
        } else if is("open_approval_change") {
            Event::OpenApprovalChange(
                root.child("ApprovalInfo").map(OpenApprovalInfo::from_element),
            )
        } else if is("sys_approval_change") {
            Event::SysApprovalChange(root.child("ApprovalInfo").map(SysApprovalInfo::from_element))
        } else if is("kf_msg_or_event") {
            Event::KfMsgOrEvent { token: root.get("Token"), open_kf_id: root.get("OpenKfId") }
        } else if is("kf_account_auth_change") {
            Event::KfAccountAuthChange {
                auth_add_open_kf_id: root.get("AuthAddOpenKfId"),
                auth_del_open_kf_id: root.get("AuthDelOpenKfId"),
            }
        } else if is("templatesendjobfinish") {
            Event::TemplateSendJobFinish {
                msg_id: root.get("MsgID").or_else(|| root.get("MsgId")).and_then(parse_u64),
                status: root.get("Status"),
            }
        } else if is("masssendjobfinish") {
            let count = |name| root.get(name).and_then(parse_u64);
            Event::MassSendJobFinish {
                msg_id: root.get("MsgID").or_else(|| root.get("MsgId")).and_then(parse_u64),
                status: root.get("Status"),
                total_count: count("TotalCount"),
                filter_count: count("FilterCount"),
                sent_count: count("SentCount"),
                error_count: count("ErrorCount"),
                copyright_check_result: root.child("CopyrightCheckResult").map(|result| {
                    CopyrightCheckResult {
                        count: result.get("Count").and_then(parse_u64),
                        check_state: result.get("CheckState"),
                        result,
                    }
                }),
            }
        } else if is("publishjobfinish") {
            Event::PublishJobFinish(
                root.child("PublishEventInfo").map(PublishEventInfo::from_element),
            )
        } else if is("subscribe_msg_popup_event") {
            Event::SubscribeMsgPopup(SubscribeMsgList(root.child("SubscribeMsgPopupEvent")))
        } else if is("subscribe_msg_change_event") {
            Event::SubscribeMsgChange(SubscribeMsgList(root.child("SubscribeMsgChangeEvent")))
        } else if is("subscribe_msg_sent_event") {
            Event::SubscribeMsgSent(SubscribeMsgList(root.child("SubscribeMsgSentEvent")))
        } else if [
            "modify_calendar",
            "delete_calendar",
            "add_schedule",
            "modify_schedule",
            "delete_schedule",
            "respond_schedule",
        ]
        .iter()
        .any(|name| is(name))
        {
            Event::Calendar {
                event,
                cal_id: root.get("CalId"),
                schedule_id: root.get("ScheduleId"),
            }
        } else if is("book_meeting_room") || is("cancel_meeting_room") {
            Event::MeetingRoom {
                event,
                meeting_room_id: root.get("MeetingRoomId"),
                meeting_id: root.get("MeetingId"),
                booking_id: root.get("BookingId"),
            }
        } else if is("living_status_change") {
            Event::LivingStatusChange {
                living_id: root.get("LivingId"),
                status: root.get("Status"),
            }
        } else if is("customer_acquisition") {
            Event::CustomerAcquisition {
                change_type: root.get("ChangeType"),
                link_id: root.get("LinkId"),
            }
        } else if is("msgaudit_notify") {
            Event::MsgAuditNotify
        } else if is("change_app_admin") {
            Event::ChangeAppAdmin
        } else if is("user_enter_tempsession") {
            Event::UserEnterTempSession { session_from: root.get("SessionFrom") }
        } else if is("wxa_media_check") {
            Event::WxaMediaCheck(MediaCheck::from_root(root))
        } else {
            Event::Unknown { event }
        }
    }
}

/// Which picture event (`Event::Pictures`).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{Event, Kind, Message, PictureSource};
///
/// let xml = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName><CreateTime>1408090816</CreateTime>\
///            <MsgType><![CDATA[event]]></MsgType><Event><![CDATA[pic_photo_or_album]]></Event><EventKey><![CDATA[6]]></EventKey><AgentID>1</AgentID></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::Pictures { source, event_key, .. }) = message.kind() else { panic!("a picture event") };
/// assert_eq!((source, event_key), (PictureSource::PhotoOrAlbum, Some("6")));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PictureSource {
    /// `pic_sysphoto`: the camera.
    SysPhoto,
    /// `pic_photo_or_album`: the camera or the album.
    PhotoOrAlbum,
    /// `pic_weixin`: the WeChat album.
    Weixin,
}

impl PictureSource {
    fn from_event(event: &str) -> Option<PictureSource> {
        [
            ("pic_sysphoto", PictureSource::SysPhoto),
            ("pic_photo_or_album", PictureSource::PhotoOrAlbum),
            ("pic_weixin", PictureSource::Weixin),
        ]
        .into_iter()
        .find_map(|(name, source)| event.eq_ignore_ascii_case(name).then_some(source))
    }
}

/// `ScanCodeInfo`.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
///
/// let xml = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[FromUser]]></FromUserName><CreateTime>1408090606</CreateTime>\
///            <MsgType><![CDATA[event]]></MsgType><Event><![CDATA[scancode_waitmsg]]></Event><EventKey><![CDATA[6]]></EventKey>\
///            <ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType><ScanResult><![CDATA[2]]></ScanResult></ScanCodeInfo></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::ScanCode { waitmsg, scan_code_info: Some(info), .. }) = message.kind() else { panic!("a scan") };
/// assert!(waitmsg);
/// assert_eq!((info.scan_type, info.scan_result), (Some("qrcode"), Some("2")));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScanCodeInfo<'a> {
    /// `ScanType`: `qrcode`, `barcode`, …
    pub scan_type: Option<&'a str>,
    /// `ScanResult`.
    pub scan_result: Option<&'a str>,
}

/// `SendPicsInfo`: the pictures sent.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
///
/// // WeCom's shape: one `<PicList>` per picture.
/// let xml = "<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[pic_photo_or_album]]></Event><EventKey><![CDATA[6]]></EventKey><SendPicsInfo><Count>2</Count>\
///            <PicList><item><PicMd5Sum><![CDATA[aaae42617cf2a14342d96005af53624c]]></PicMd5Sum></item></PicList>\
///            <PicList><item><PicMd5Sum><![CDATA[149bd39e296860a2adc2f1bb81616ff8]]></PicMd5Sum></item></PicList></SendPicsInfo><AgentID>1</AgentID></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::Pictures { send_pics_info: Some(info), .. }) = message.kind() else { panic!("pictures") };
/// assert_eq!(info.count, Some(2));
/// assert_eq!(info.pic_md5_sums().count(), 2);
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct SendPicsInfo<'a> {
    /// `Count`.
    pub count: Option<u64>,
    element: Element<'a>,
}

impl<'a> SendPicsInfo<'a> {
    fn from_element(element: Element<'a>) -> SendPicsInfo<'a> {
        SendPicsInfo { count: element.get("Count").and_then(parse_u64), element }
    }

    /// The pictures' MD5 sums (`PicList/item/PicMd5Sum`), across every `<PicList>`: WeCom sends
    /// one `<PicList>` per picture, 公众号 one with an `<item>` per picture.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
    ///
    /// let xml = "<xml><MsgType>event</MsgType><Event>pic_weixin</Event><SendPicsInfo><Count>2</Count>\
    ///            <PicList><item><PicMd5Sum>a</PicMd5Sum></item></PicList><PicList><item><PicMd5Sum>b</PicMd5Sum></item></PicList>\
    ///            </SendPicsInfo></xml>";
    /// let message = Message::parse(xml)?;
    /// let Kind::Event(Event::Pictures { send_pics_info: Some(info), .. }) = message.kind() else { panic!() };
    /// assert_eq!(info.pic_md5_sums().collect::<Vec<_>>(), ["a", "b"]);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn pic_md5_sums(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        self.element
            .children_named("PicList")
            .flat_map(|list| list.children_named("item"))
            .filter_map(|item| item.get("PicMd5Sum"))
    }
}

/// `SendLocationInfo`.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
///
/// let xml = "<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[location_select]]></Event><EventKey><![CDATA[6]]></EventKey>\
///            <SendLocationInfo><Location_X><![CDATA[23]]></Location_X><Location_Y><![CDATA[113]]></Location_Y><Scale><![CDATA[15]]></Scale>\
///            <Label><![CDATA[ 广州市海珠区客村艺苑路 106号]]></Label><Poiname><![CDATA[]]></Poiname></SendLocationInfo></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::LocationSelect { send_location_info: Some(info), .. }) = message.kind() else { panic!() };
/// assert_eq!((info.location_x, info.location_y, info.scale), (Some("23"), Some("113"), Some("15")));
/// assert_eq!((info.label, info.poiname), (Some(" 广州市海珠区客村艺苑路 106号"), Some("")));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SendLocationInfo<'a> {
    /// `Location_X`.
    pub location_x: Option<&'a str>,
    /// `Location_Y`.
    pub location_y: Option<&'a str>,
    /// `Scale`.
    pub scale: Option<&'a str>,
    /// `Label`.
    pub label: Option<&'a str>,
    /// `Poiname`.
    pub poiname: Option<&'a str>,
}

/// `BatchJob`: an asynchronous contact job.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
///
/// let xml = "<xml><ToUserName><![CDATA[wx28dbb14e3720FAKE]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1425284517</CreateTime>\
///            <MsgType><![CDATA[event]]></MsgType><Event><![CDATA[batch_job_result]]></Event><BatchJob><JobId><![CDATA[S0MrnndvRG5fadSlLwiBqiDDbM143UqTmKP3152FZk4]]></JobId>\
///            <JobType><![CDATA[sync_user]]></JobType><ErrCode>0</ErrCode><ErrMsg><![CDATA[ok]]></ErrMsg></BatchJob></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::BatchJobResult(Some(job))) = message.kind() else { panic!("a batch job") };
/// assert_eq!(job.job_id, Some("S0MrnndvRG5fadSlLwiBqiDDbM143UqTmKP3152FZk4"));
/// assert_eq!((job.job_type, job.err_code, job.err_msg), (Some("sync_user"), Some("0"), Some("ok")));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BatchJob<'a> {
    /// `JobId`.
    pub job_id: Option<&'a str>,
    /// `JobType`: `sync_user`, `replace_user`, `invite_user`, `replace_party`.
    pub job_type: Option<&'a str>,
    /// `ErrCode`.
    pub err_code: Option<&'a str>,
    /// `ErrMsg`.
    pub err_msg: Option<&'a str>,
}

impl<'a> BatchJob<'a> {
    fn from_element(job: Element<'a>) -> BatchJob<'a> {
        BatchJob {
            job_id: job.get("JobId"),
            job_type: job.get("JobType"),
            err_code: job.get("ErrCode"),
            err_msg: job.get("ErrMsg"),
        }
    }
}

/// `CopyrightCheckResult` of a mass send (`MASSSENDJOBFINISH`).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
///
/// let xml = "<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[MASSSENDJOBFINISH]]></Event><MsgID>1000001625</MsgID><Status><![CDATA[err(30003)]]></Status>\
///            <TotalCount>0</TotalCount><FilterCount>0</FilterCount><SentCount>0</SentCount><ErrorCount>0</ErrorCount><CopyrightCheckResult><Count>2</Count>\
///            <ResultList><item><ArticleIdx>1</ArticleIdx></item><item><ArticleIdx>2</ArticleIdx></item></ResultList><CheckState>2</CheckState></CopyrightCheckResult></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::MassSendJobFinish { copyright_check_result: Some(check), .. }) = message.kind() else { panic!() };
/// assert_eq!((check.count, check.check_state), (Some(2), Some("2")));
/// assert_eq!(check.items().count(), 2);
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct CopyrightCheckResult<'a> {
    /// `Count`: the articles checked.
    pub count: Option<u64>,
    /// `CheckState`: `1` not reprinted, `2` reprinted and sent, `3` reprinted and stopped.
    pub check_state: Option<&'a str>,
    result: Element<'a>,
}

impl<'a> CopyrightCheckResult<'a> {
    /// The articles' results (`ResultList/item`), in order.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
    ///
    /// let xml = "<xml><MsgType>event</MsgType><Event>MASSSENDJOBFINISH</Event><MsgID>1000001625</MsgID>\
    ///            <CopyrightCheckResult><Count>1</Count><ResultList><item><ArticleIdx>1</ArticleIdx><AuditState>2</AuditState>\
    ///            <OriginalArticleUrl><![CDATA[Url_1]]></OriginalArticleUrl></item></ResultList><CheckState>2</CheckState></CopyrightCheckResult></xml>";
    /// let message = Message::parse(xml)?;
    /// let Kind::Event(Event::MassSendJobFinish { copyright_check_result: Some(check), .. }) = message.kind() else { panic!() };
    /// let item = check.items().next().expect("one article");
    /// assert_eq!((item.article_idx, item.original_article_url), (Some(1), Some("Url_1")));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn items(&self) -> impl Iterator<Item = CopyrightCheckItem<'a>> + use<'a> {
        self.result
            .child("ResultList")
            .into_iter()
            .flat_map(|list| list.children_named("item"))
            .map(|item| CopyrightCheckItem {
                article_idx: item.get("ArticleIdx").and_then(parse_u64),
                user_declare_state: item.get("UserDeclareState"),
                audit_state: item.get("AuditState"),
                original_article_url: item.get("OriginalArticleUrl"),
                original_article_type: item.get("OriginalArticleType"),
                can_reprint: item.get("CanReprint"),
                need_replace_content: item.get("NeedReplaceContent"),
                need_show_reprint_source: item.get("NeedShowReprintSource"),
            })
    }
}

/// One article's copyright check (`ResultList/item`).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
///
/// let xml = "<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[MASSSENDJOBFINISH]]></Event><CopyrightCheckResult><Count>1</Count><ResultList><item>\
///            <ArticleIdx>1</ArticleIdx><UserDeclareState>0</UserDeclareState><AuditState>2</AuditState><OriginalArticleUrl><![CDATA[Url_1]]></OriginalArticleUrl><OriginalArticleType>1</OriginalArticleType>\
///            <CanReprint>1</CanReprint><NeedReplaceContent>1</NeedReplaceContent><NeedShowReprintSource>1</NeedShowReprintSource></item></ResultList><CheckState>2</CheckState></CopyrightCheckResult></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::MassSendJobFinish { copyright_check_result: Some(check), .. }) = message.kind() else { panic!() };
/// let item = check.items().next().expect("one article");
/// assert_eq!((item.article_idx, item.user_declare_state, item.audit_state), (Some(1), Some("0"), Some("2")));
/// assert_eq!((item.can_reprint, item.need_replace_content, item.need_show_reprint_source), (Some("1"), Some("1"), Some("1")));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CopyrightCheckItem<'a> {
    /// `ArticleIdx`: its place in the mass send, from 1.
    pub article_idx: Option<u64>,
    /// `UserDeclareState`.
    pub user_declare_state: Option<&'a str>,
    /// `AuditState`.
    pub audit_state: Option<&'a str>,
    /// `OriginalArticleUrl`.
    pub original_article_url: Option<&'a str>,
    /// `OriginalArticleType`.
    pub original_article_type: Option<&'a str>,
    /// `CanReprint`.
    pub can_reprint: Option<&'a str>,
    /// `NeedReplaceContent`.
    pub need_replace_content: Option<&'a str>,
    /// `NeedShowReprintSource`.
    pub need_show_reprint_source: Option<&'a str>,
}

/// `PublishEventInfo` of `PUBLISHJOBFINISH`.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
///
/// let xml = "<xml><ToUserName><![CDATA[gh_4d00ed8d6399]]></ToUserName><FromUserName><![CDATA[oV5CrjpxgaGXNHIQigzNlgLTnwic]]></FromUserName><CreateTime>1481013459</CreateTime>\
///            <MsgType><![CDATA[event]]></MsgType><Event><![CDATA[PUBLISHJOBFINISH]]></Event><PublishEventInfo><publish_id>2247503051</publish_id>\
///            <publish_status>0</publish_status><article_id><![CDATA[b5O2OUs25HBxRceL7hfReg-U9QGeq9zQjiDvyWP4Hq4]]></article_id></PublishEventInfo></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::PublishJobFinish(Some(info))) = message.kind() else { panic!("a publish job") };
/// assert_eq!((info.publish_id, info.publish_status), (Some("2247503051"), Some("0")));
/// assert_eq!(info.article_id, Some("b5O2OUs25HBxRceL7hfReg-U9QGeq9zQjiDvyWP4Hq4"));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct PublishEventInfo<'a> {
    /// `publish_id`.
    pub publish_id: Option<&'a str>,
    /// `publish_status`: `0` published, `1` publishing, `2` original-check failed, …
    pub publish_status: Option<&'a str>,
    /// `article_id`.
    pub article_id: Option<&'a str>,
    info: Element<'a>,
}

impl<'a> PublishEventInfo<'a> {
    fn from_element(info: Element<'a>) -> PublishEventInfo<'a> {
        PublishEventInfo {
            publish_id: info.get("publish_id"),
            publish_status: info.get("publish_status"),
            article_id: info.get("article_id"),
            info,
        }
    }

    /// The articles published (`article_detail/item`): their `idx` and `article_url`.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
    ///
    /// let xml = "<xml><MsgType>event</MsgType><Event>PUBLISHJOBFINISH</Event><PublishEventInfo><publish_id>2247503051</publish_id>\
    ///            <article_detail><count>1</count><item><idx>1</idx><article_url><![CDATA[URL]]></article_url></item></article_detail>\
    ///            <fail_idx>2</fail_idx></PublishEventInfo></xml>";
    /// let message = Message::parse(xml)?;
    /// let Kind::Event(Event::PublishJobFinish(Some(info))) = message.kind() else { panic!() };
    /// assert_eq!(info.articles().collect::<Vec<_>>(), [(Some(1), Some("URL"))]);
    /// assert_eq!(info.fail_idx().collect::<Vec<_>>(), [2]);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn articles(&self) -> impl Iterator<Item = (Option<u64>, Option<&'a str>)> + use<'a> {
        self.info
            .child("article_detail")
            .into_iter()
            .flat_map(|detail| detail.children_named("item"))
            .map(|item| (item.get("idx").and_then(parse_u64), item.get("article_url")))
    }

    /// The articles that failed (`fail_idx`, one element each).
    ///
    /// # Example
    ///
    /// See [`PublishEventInfo::articles`].
    ///
    /// ```
    /// # use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
    /// let message = Message::parse("<xml><MsgType>event</MsgType><Event>PUBLISHJOBFINISH</Event><PublishEventInfo><fail_idx>1</fail_idx><fail_idx>3</fail_idx></PublishEventInfo></xml>")?;
    /// let Kind::Event(Event::PublishJobFinish(Some(info))) = message.kind() else { panic!() };
    /// assert_eq!(info.fail_idx().collect::<Vec<_>>(), [1, 3]);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn fail_idx(&self) -> impl Iterator<Item = u64> + use<'a> {
        self.info.children_named("fail_idx").filter_map(|idx| idx.text().and_then(parse_u64))
    }
}

/// The templates of a subscription-message event (`SubscribeMsgPopupEvent`,
/// `SubscribeMsgChangeEvent`, `SubscribeMsgSentEvent`): one `List` element per template.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
///
/// let xml = "<xml><ToUserName><![CDATA[gh_123456789abc]]></ToUserName><FromUserName><![CDATA[otFpruAK8D-E6EfStSYonYSBZ8_4]]></FromUserName><CreateTime>1610969440</CreateTime>\
///            <MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe_msg_change_event]]></Event><SubscribeMsgChangeEvent>\
///            <List><TemplateId><![CDATA[VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc]]></TemplateId><SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString></List>\
///            </SubscribeMsgChangeEvent></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::SubscribeMsgChange(list)) = message.kind() else { panic!("a subscription change") };
/// assert_eq!(list.items().map(|item| item.subscribe_status_string).collect::<Vec<_>>(), [Some("reject")]);
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct SubscribeMsgList<'a>(Option<Element<'a>>);

impl<'a> SubscribeMsgList<'a> {
    /// The templates (`List`), in order.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
    ///
    /// // WxJava's testSubMsgPopupFromXml, shortened.
    /// let xml = "<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe_msg_popup_event]]></Event><SubscribeMsgPopupEvent>\
    ///            <List><TemplateId><![CDATA[VRR0UEO9]]></TemplateId><SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString><PopupScene>2</PopupScene></List>\
    ///            <List><TemplateId><![CDATA[9nLIlbOQ]]></TemplateId><SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString><PopupScene>2</PopupScene></List>\
    ///            </SubscribeMsgPopupEvent></xml>";
    /// let message = Message::parse(xml)?;
    /// let Kind::Event(Event::SubscribeMsgPopup(list)) = message.kind() else { panic!() };
    /// let statuses: Vec<_> = list.items().map(|item| (item.template_id, item.subscribe_status_string)).collect();
    /// assert_eq!(statuses, [(Some("VRR0UEO9"), Some("accept")), (Some("9nLIlbOQ"), Some("reject"))]);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn items(&self) -> impl Iterator<Item = SubscribeMsgItem<'a>> + use<'a> {
        self.0.into_iter().flat_map(|event| event.children_named("List")).map(|item| {
            SubscribeMsgItem {
                template_id: item.get("TemplateId"),
                subscribe_status_string: item.get("SubscribeStatusString"),
                popup_scene: item.get("PopupScene"),
                msg_id: item.get("MsgID").or_else(|| item.get("MsgId")).and_then(parse_u64),
                error_code: item.get("ErrorCode"),
                error_status: item.get("ErrorStatus"),
            }
        })
    }
}

/// One template of a subscription-message event (`List`).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
///
/// let xml = "<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe_msg_sent_event]]></Event><SubscribeMsgSentEvent>\
///            <List><TemplateId><![CDATA[VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc]]></TemplateId><MsgID>1700827132819554304</MsgID>\
///            <ErrorCode>0</ErrorCode><ErrorStatus><![CDATA[success]]></ErrorStatus></List></SubscribeMsgSentEvent></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::SubscribeMsgSent(list)) = message.kind() else { panic!("a delivery report") };
/// let item = list.items().next().expect("one template");
/// assert_eq!((item.template_id, item.msg_id), (Some("VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc"), Some(1700827132819554304)));
/// assert_eq!((item.error_code, item.error_status, item.popup_scene), (Some("0"), Some("success"), None));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SubscribeMsgItem<'a> {
    /// `TemplateId`.
    pub template_id: Option<&'a str>,
    /// `SubscribeStatusString`: `accept` or `reject` (pop-up and change events).
    pub subscribe_status_string: Option<&'a str>,
    /// `PopupScene`: `0` 小程序 page, `1` after a payment, `2` 公众号 article (pop-up event).
    pub popup_scene: Option<&'a str>,
    /// `MsgID`: the message delivered (sent event).
    pub msg_id: Option<u64>,
    /// `ErrorCode`: `0` delivered (sent event).
    pub error_code: Option<&'a str>,
    /// `ErrorStatus`: `success`, `failed:user block`, `failed:system failed` (sent event).
    pub error_status: Option<&'a str>,
}

/// The result of a 小程序 asynchronous media check (`wxa_media_check`; `security.mediaCheckAsync`,
/// 多媒体内容安全识别), pushed within 30 minutes of the request. The 2.0 interface (`version`
/// `2`) sends `result`, `detail`, `errcode` and `errmsg`; 1.0 sent `isrisky`,
/// `extra_info_json` and `status_code`. Whichever a push lacks is `None`.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
///
/// // A 2.0 push (the body of WeiXinMPSDK's MediaCheckTest), shortened.
/// let xml = "<xml><ToUserName><![CDATA[gh_6e306981e699]]></ToUserName><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[wxa_media_check]]></Event>\
///            <appid><![CDATA[wx12b4f63276b14d4c]]></appid><trace_id><![CDATA[62f11967-2b24d27a-34715985]]></trace_id><version>2</version>\
///            <errcode>0</errcode><errmsg><![CDATA[ok]]></errmsg><result><suggest><![CDATA[pass]]></suggest><label>100</label></result></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::WxaMediaCheck(check)) = message.kind() else { panic!("a media check") };
/// assert_eq!((check.trace_id, check.version), (Some("62f11967-2b24d27a-34715985"), Some(2)));
/// let result = check.result.expect("a 2.0 result");
/// assert_eq!((result.suggest, result.label), (Some("pass"), Some("100")));
/// assert_eq!((check.is_risky, check.status_code), (None, None)); // 1.0 fields
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct MediaCheck<'a> {
    /// `appid`: the 小程序.
    pub app_id: Option<&'a str>,
    /// `trace_id`: the id the check request answered with.
    pub trace_id: Option<&'a str>,
    /// `version`: `2` for the 2.0 interface.
    pub version: Option<u64>,
    /// `errcode` (2.0): `0` checked.
    pub err_code: Option<&'a str>,
    /// `errmsg` (2.0).
    pub err_msg: Option<&'a str>,
    /// `result` (2.0): the overall verdict.
    pub result: Option<MediaCheckResult<'a>>,
    /// `isrisky` (1.0): `0` no risk found, `1` risky.
    pub is_risky: Option<&'a str>,
    /// `extra_info_json` (1.0): extra information, empty by default.
    pub extra_info_json: Option<&'a str>,
    /// `status_code` (1.0): `0`, or `4294966288` (-1008) when the media could not be
    /// downloaded.
    pub status_code: Option<&'a str>,
    root: Element<'a>,
}

impl<'a> MediaCheck<'a> {
    fn from_root(root: Element<'a>) -> MediaCheck<'a> {
        MediaCheck {
            app_id: root.get("appid"),
            trace_id: root.get("trace_id"),
            version: root.get("version").and_then(parse_u64),
            err_code: root.get("errcode"),
            err_msg: root.get("errmsg"),
            result: root.child("result").map(|result| MediaCheckResult {
                suggest: result.get("suggest"),
                label: result.get("label"),
            }),
            is_risky: root.get("isrisky"),
            extra_info_json: root.get("extra_info_json"),
            status_code: root.get("status_code"),
            root,
        }
    }

    /// The verdict of each strategy (`detail`, one element per strategy, 2.0), in order.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
    ///
    /// let xml = "<xml><MsgType>event</MsgType><Event>wxa_media_check</Event><version>2</version><detail><strategy><![CDATA[content_model]]></strategy>\
    ///            <errcode>0</errcode><suggest><![CDATA[pass]]></suggest><label>100</label><prob>90</prob></detail></xml>";
    /// let message = Message::parse(xml)?;
    /// let Kind::Event(Event::WxaMediaCheck(check)) = message.kind() else { panic!() };
    /// let detail = check.details().next().expect("one strategy");
    /// assert_eq!((detail.strategy, detail.suggest, detail.prob), (Some("content_model"), Some("pass"), Some(90)));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn details(&self) -> impl Iterator<Item = MediaCheckDetail<'a>> + use<'a> {
        self.root.children_named("detail").map(|detail| MediaCheckDetail {
            strategy: detail.get("strategy"),
            err_code: detail.get("errcode"),
            suggest: detail.get("suggest"),
            label: detail.get("label"),
            prob: detail.get("prob").and_then(parse_u64),
        })
    }
}

/// The overall verdict of a media check (`result`).
///
/// # Example
///
/// See [`MediaCheck`].
///
/// ```
/// # use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
/// let message = Message::parse("<xml><MsgType>event</MsgType><Event>wxa_media_check</Event><result><suggest>risky</suggest><label>20002</label></result></xml>")?;
/// let Kind::Event(Event::WxaMediaCheck(check)) = message.kind() else { panic!() };
/// assert_eq!(check.result.map(|r| (r.suggest, r.label)), Some((Some("risky"), Some("20002"))));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MediaCheckResult<'a> {
    /// `suggest`: `risky`, `pass` or `review`.
    pub suggest: Option<&'a str>,
    /// `label`: `100` normal; otherwise the kind of content found (as in `msgSecCheck`).
    pub label: Option<&'a str>,
}

/// One strategy's verdict in a media check (`detail`).
///
/// # Example
///
/// See [`MediaCheck::details`].
///
/// ```
/// # use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
/// let message = Message::parse("<xml><MsgType>event</MsgType><Event>wxa_media_check</Event><detail><strategy>content_model</strategy><errcode>0</errcode></detail></xml>")?;
/// let Kind::Event(Event::WxaMediaCheck(check)) = message.kind() else { panic!() };
/// let detail = check.details().next().expect("one strategy");
/// assert_eq!((detail.err_code, detail.suggest, detail.prob), (Some("0"), None, None));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MediaCheckDetail<'a> {
    /// `strategy`: `content_model`, `keyword`, …
    pub strategy: Option<&'a str>,
    /// `errcode`: `0` checked.
    pub err_code: Option<&'a str>,
    /// `suggest`: `risky`, `pass` or `review`.
    pub suggest: Option<&'a str>,
    /// `label`: `100` normal; otherwise the kind of content found.
    pub label: Option<&'a str>,
    /// `prob`: the confidence.
    pub prob: Option<u64>,
}

/// A contact change (`change_contact`), by its `ChangeType`.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{ContactChange, Event, Kind, Message};
///
/// let xml = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime>\
///            <MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event>\
///            <ChangeType><![CDATA[delete_user]]></ChangeType><UserID><![CDATA[zhangsan]]></UserID></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::ChangeContact(ContactChange::DeleteUser { user_id, open_user_id })) = message.kind() else { panic!() };
/// assert_eq!((user_id, open_user_id), (Some("zhangsan"), None));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum ContactChange<'a> {
    /// `create_user`.
    CreateUser(Member<'a>),
    /// `update_user`.
    UpdateUser(Member<'a>),
    /// `delete_user`.
    DeleteUser {
        /// `UserID`.
        user_id: Option<&'a str>,
        /// `OpenUserID` (third-party apps).
        open_user_id: Option<&'a str>,
    },
    /// `create_party`.
    CreateParty(Party<'a>),
    /// `update_party`.
    UpdateParty(Party<'a>),
    /// `delete_party`.
    DeleteParty {
        /// `Id`.
        id: Option<&'a str>,
    },
    /// `update_tag`.
    UpdateTag(TagChange<'a>),
    /// Another change type; its fields are readable with [`Message::get`].
    Unknown {
        /// `ChangeType`, as sent (empty if there was none).
        change_type: &'a str,
    },
}

impl<'a> ContactChange<'a> {
    fn from_element(root: Element<'a>) -> ContactChange<'a> {
        let change_type = root.get("ChangeType").unwrap_or_default();
        match change_type {
            "create_user" => ContactChange::CreateUser(Member::from_element(root)),
            "update_user" => ContactChange::UpdateUser(Member::from_element(root)),
            "delete_user" => ContactChange::DeleteUser {
                user_id: root.get("UserID"),
                open_user_id: root.get("OpenUserID"),
            },
            "create_party" => ContactChange::CreateParty(Party::from_element(root)),
            "update_party" => ContactChange::UpdateParty(Party::from_element(root)),
            "delete_party" => ContactChange::DeleteParty { id: root.get("Id") },
            "update_tag" => ContactChange::UpdateTag(TagChange {
                tag_id: root.get("TagId"),
                add_user_items: List(root.get("AddUserItems")),
                del_user_items: List(root.get("DelUserItems")),
                add_party_items: List(root.get("AddPartyItems")),
                del_party_items: List(root.get("DelPartyItems")),
            }),
            _ => ContactChange::Unknown { change_type },
        }
    }
}

/// A member, as `create_user` and `update_user` describe one. Callbacks set up after
/// 2022-08-15 carry only `UserID` and `Department` (path/96302): every other field may be
/// absent.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{ContactChange, Event, Kind, Message};
///
/// let xml = "<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event><ChangeType>create_user</ChangeType>\
///            <UserID><![CDATA[zhangsan]]></UserID><Name><![CDATA[张三]]></Name><Department><![CDATA[1,2,3]]></Department><MainDepartment>1</MainDepartment>\
///            <IsLeaderInDept><![CDATA[1,0,0]]></IsLeaderInDept><Position><![CDATA[产品经理]]></Position><Gender>1</Gender><Status>1</Status></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::ChangeContact(ContactChange::CreateUser(member))) = message.kind() else { panic!("a new member") };
/// assert_eq!((member.user_id, member.name, member.main_department), (Some("zhangsan"), Some("张三"), Some(1)));
/// assert_eq!(member.is_leader_in_dept.items().collect::<Vec<_>>(), ["1", "0", "0"]);
/// assert_eq!((member.position, member.gender, member.mobile), (Some("产品经理"), Some("1"), None));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Member<'a> {
    /// `UserID`.
    pub user_id: Option<&'a str>,
    /// `NewUserID` (`update_user`, when the UserID changed).
    pub new_user_id: Option<&'a str>,
    /// `OpenUserID` (third-party apps).
    pub open_user_id: Option<&'a str>,
    /// `Name`.
    pub name: Option<&'a str>,
    /// `Department`: department ids, comma-separated as sent.
    pub department: List<'a>,
    /// `MainDepartment`.
    pub main_department: Option<u64>,
    /// `IsLeaderInDept`: `1` or `0` for each department, in the same order.
    pub is_leader_in_dept: List<'a>,
    /// `DirectLeader`: UserIDs.
    pub direct_leader: List<'a>,
    /// `Position`.
    pub position: Option<&'a str>,
    /// `Mobile`.
    pub mobile: Option<&'a str>,
    /// `Gender`: `1` male, `2` female.
    pub gender: Option<&'a str>,
    /// `Email`.
    pub email: Option<&'a str>,
    /// `BizMail`.
    pub biz_mail: Option<&'a str>,
    /// `Status`: `1` active, `2` disabled, `4` not yet active, `5` left.
    pub status: Option<&'a str>,
    /// `Avatar`.
    pub avatar: Option<&'a str>,
    /// `Alias`.
    pub alias: Option<&'a str>,
    /// `Telephone`.
    pub telephone: Option<&'a str>,
    /// `Address`.
    pub address: Option<&'a str>,
    ext_attr: Option<Element<'a>>,
}

impl<'a> Member<'a> {
    fn from_element(root: Element<'a>) -> Member<'a> {
        Member {
            user_id: root.get("UserID"),
            new_user_id: root.get("NewUserID"),
            open_user_id: root.get("OpenUserID"),
            name: root.get("Name"),
            department: List(root.get("Department")),
            main_department: root.get("MainDepartment").and_then(parse_u64),
            is_leader_in_dept: List(root.get("IsLeaderInDept")),
            direct_leader: List(root.get("DirectLeader")),
            position: root.get("Position"),
            mobile: root.get("Mobile"),
            gender: root.get("Gender"),
            email: root.get("Email"),
            biz_mail: root.get("BizMail"),
            status: root.get("Status"),
            avatar: root.get("Avatar"),
            alias: root.get("Alias"),
            telephone: root.get("Telephone"),
            address: root.get("Address"),
            ext_attr: root.child("ExtAttr"),
        }
    }

    /// The extended attributes (`ExtAttr/Item`), in order.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::message::{ContactChange, Event, ExtAttrValue, Kind, Message};
    ///
    /// let xml = "<xml><MsgType>event</MsgType><Event>change_contact</Event><ChangeType>update_user</ChangeType>\
    ///            <ExtAttr><Item><Name>爱好</Name><Type>0</Type><Text><Value>旅游</Value></Text></Item></ExtAttr></xml>";
    /// let message = Message::parse(xml)?;
    /// let Kind::Event(Event::ChangeContact(ContactChange::UpdateUser(member))) = message.kind() else { panic!() };
    /// let item = member.ext_attr().next().expect("one item");
    /// assert_eq!((item.name, item.value), (Some("爱好"), ExtAttrValue::Text { value: Some("旅游") }));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn ext_attr(&self) -> impl Iterator<Item = ExtAttr<'a>> + use<'a> {
        self.ext_attr.into_iter().flat_map(|ext| ext.children_named("Item")).map(|item| {
            let value = if let Some(text) = item.child("Text") {
                ExtAttrValue::Text { value: text.get("Value") }
            } else if let Some(web) = item.child("Web") {
                ExtAttrValue::Web { title: web.get("Title"), url: web.get("Url") }
            } else {
                ExtAttrValue::Other
            };
            ExtAttr { name: item.get("Name"), attr_type: item.get("Type"), value }
        })
    }
}

/// An extended attribute of a member (`ExtAttr/Item`).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{ContactChange, Event, ExtAttrValue, Kind, Message};
///
/// let xml = "<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event><ChangeType><![CDATA[update_user]]></ChangeType>\
///            <UserID><![CDATA[zhangsan]]></UserID><ExtAttr><Item><Name><![CDATA[卡号]]></Name><Type>1</Type>\
///            <Web><Title><![CDATA[企业微信]]></Title><Url><![CDATA[https://work.weixin.qq.com]]></Url></Web></Item></ExtAttr></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::ChangeContact(ContactChange::UpdateUser(member))) = message.kind() else { panic!() };
/// let attr = member.ext_attr().next().expect("one attribute");
/// assert_eq!((attr.name, attr.attr_type), (Some("卡号"), Some("1")));
/// assert_eq!(attr.value, ExtAttrValue::Web { title: Some("企业微信"), url: Some("https://work.weixin.qq.com") });
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExtAttr<'a> {
    /// `Name`.
    pub name: Option<&'a str>,
    /// `Type`: `0` text, `1` web.
    pub attr_type: Option<&'a str>,
    /// Its value.
    pub value: ExtAttrValue<'a>,
}

/// The value of an [`ExtAttr`].
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{ContactChange, Event, ExtAttrValue, Kind, Message};
///
/// let xml = "<xml><MsgType>event</MsgType><Event>change_contact</Event><ChangeType>update_user</ChangeType><ExtAttr><Item><Name>爱好</Name><Type>0</Type>\
///            <Text><Value>旅游</Value></Text></Item><Item><Name>卡号</Name><Type>1</Type><Web><Title>企业微信</Title><Url>https://work.weixin.qq.com</Url></Web></Item>\
///            <Item><Name>小程序</Name><Type>2</Type><Miniprogram><Title>my miniprogram</Title></Miniprogram></Item></ExtAttr></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::ChangeContact(ContactChange::UpdateUser(member))) = message.kind() else { panic!() };
/// let values: Vec<ExtAttrValue> = member.ext_attr().map(|attr| attr.value).collect();
/// let web = ExtAttrValue::Web { title: Some("企业微信"), url: Some("https://work.weixin.qq.com") };
/// assert_eq!(values, [ExtAttrValue::Text { value: Some("旅游") }, web, ExtAttrValue::Other]); // Other: read `message.element("ExtAttr")`
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExtAttrValue<'a> {
    /// `Text/Value`.
    Text {
        /// `Value`.
        value: Option<&'a str>,
    },
    /// `Web/Title`, `Web/Url`.
    Web {
        /// `Title`.
        title: Option<&'a str>,
        /// `Url`.
        url: Option<&'a str>,
    },
    /// Another shape (its element is readable with [`Message::element`]).
    Other,
}

/// A department, as `create_party` and `update_party` describe one.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{ContactChange, Event, Kind, Message};
///
/// let xml = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime>\
///            <MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event><ChangeType><![CDATA[create_party]]></ChangeType>\
///            <Id>2</Id><Name><![CDATA[张三]]></Name><ParentId><![CDATA[1]]></ParentId><Order>1</Order></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::ChangeContact(ContactChange::CreateParty(party))) = message.kind() else { panic!("a new department") };
/// assert_eq!((party.id, party.name, party.parent_id, party.order), (Some("2"), Some("张三"), Some("1"), Some("1")));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Party<'a> {
    /// `Id`.
    pub id: Option<&'a str>,
    /// `Name`.
    pub name: Option<&'a str>,
    /// `ParentId`.
    pub parent_id: Option<&'a str>,
    /// `Order`.
    pub order: Option<&'a str>,
}

impl<'a> Party<'a> {
    fn from_element(root: Element<'a>) -> Party<'a> {
        Party {
            id: root.get("Id"),
            name: root.get("Name"),
            parent_id: root.get("ParentId"),
            order: root.get("Order"),
        }
    }
}

/// A tag change (`update_tag`): the members and departments added and removed.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{ContactChange, Event, Kind, Message};
///
/// let xml = "<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event><ChangeType><![CDATA[update_tag]]></ChangeType><TagId>1</TagId>\
///            <AddUserItems><![CDATA[zhangsan,lisi]]></AddUserItems><DelUserItems><![CDATA[zhangsan1,lisi1]]></DelUserItems>\
///            <AddPartyItems><![CDATA[1,2]]></AddPartyItems><DelPartyItems><![CDATA[3,4]]></DelPartyItems></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::ChangeContact(ContactChange::UpdateTag(tag))) = message.kind() else { panic!("a tag change") };
/// assert_eq!(tag.tag_id, Some("1"));
/// assert_eq!(tag.add_user_items.items().collect::<Vec<_>>(), ["zhangsan", "lisi"]);
/// assert_eq!((tag.del_user_items.as_str(), tag.add_party_items.as_str(), tag.del_party_items.as_str()), (Some("zhangsan1,lisi1"), Some("1,2"), Some("3,4")));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TagChange<'a> {
    /// `TagId`.
    pub tag_id: Option<&'a str>,
    /// `AddUserItems`.
    pub add_user_items: List<'a>,
    /// `DelUserItems`.
    pub del_user_items: List<'a>,
    /// `AddPartyItems`.
    pub add_party_items: List<'a>,
    /// `DelPartyItems`.
    pub del_party_items: List<'a>,
}

/// A comma-separated field (`Department` "1,2,3"), as sent and as a list.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{ContactChange, Event, Kind, Message};
///
/// let xml = "<xml><MsgType>event</MsgType><Event>change_contact</Event><ChangeType>create_user</ChangeType>\
///            <Department><![CDATA[1,2,3]]></Department></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::ChangeContact(ContactChange::CreateUser(member))) = message.kind() else { panic!() };
/// assert_eq!(member.department.as_str(), Some("1,2,3"));
/// assert_eq!(member.department.items().collect::<Vec<_>>(), ["1", "2", "3"]);
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct List<'a>(Option<&'a str>);

impl<'a> List<'a> {
    /// The field as sent, if present.
    ///
    /// # Example
    ///
    /// ```
    /// # use wxbizmsgcrypt_callback::message::{ContactChange, Event, Kind, Message};
    /// let message = Message::parse("<xml><MsgType>event</MsgType><Event>change_contact</Event><ChangeType>update_tag</ChangeType><AddUserItems>a,b</AddUserItems></xml>")?;
    /// let Kind::Event(Event::ChangeContact(ContactChange::UpdateTag(tag))) = message.kind() else { panic!() };
    /// assert_eq!((tag.add_user_items.as_str(), tag.del_user_items.as_str()), (Some("a,b"), None));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn as_str(&self) -> Option<&'a str> {
        self.0
    }

    /// The items, split at commas, empty ones left out (an absent or empty field has none).
    ///
    /// # Example
    ///
    /// ```
    /// # use wxbizmsgcrypt_callback::message::{ContactChange, Event, Kind, Message};
    /// let message = Message::parse("<xml><MsgType>event</MsgType><Event>change_contact</Event><ChangeType>update_user</ChangeType><DirectLeader>lisi,wangwu</DirectLeader></xml>")?;
    /// let Kind::Event(Event::ChangeContact(ContactChange::UpdateUser(member))) = message.kind() else { panic!() };
    /// assert_eq!(member.direct_leader.items().collect::<Vec<_>>(), ["lisi", "wangwu"]);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn items(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        self.0.unwrap_or_default().split(',').filter(|item| !item.is_empty())
    }
}

/// `change_external_contact`.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
///
/// let xml = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType>\
///            <Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[add_external_contact]]></ChangeType><UserID><![CDATA[zhangsan]]></UserID>\
///            <ExternalUserID><![CDATA[woAJ2GCAAAXtWyujaWJHDDGi0mACAAAA]]></ExternalUserID><State><![CDATA[teststate]]></State><WelcomeCode><![CDATA[WELCOMECODE]]></WelcomeCode></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::ChangeExternalContact(change)) = message.kind() else { panic!("a customer change") };
/// assert_eq!((change.change_type, change.user_id), (Some("add_external_contact"), Some("zhangsan")));
/// assert_eq!((change.external_user_id, change.state), (Some("woAJ2GCAAAXtWyujaWJHDDGi0mACAAAA"), Some("teststate")));
/// assert_eq!((change.welcome_code, change.source, change.fail_reason), (Some("WELCOMECODE"), None, None));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExternalContactChange<'a> {
    /// `ChangeType`: `add_external_contact`, `edit_external_contact`, `del_external_contact`,
    /// `add_half_external_contact`, `del_follow_user`, `transfer_fail`, …
    pub change_type: Option<&'a str>,
    /// `UserID`.
    pub user_id: Option<&'a str>,
    /// `ExternalUserID`.
    pub external_user_id: Option<&'a str>,
    /// `State`.
    pub state: Option<&'a str>,
    /// `WelcomeCode`.
    pub welcome_code: Option<&'a str>,
    /// `Source`.
    pub source: Option<&'a str>,
    /// `FailReason` (`transfer_fail`): `customer_refused`, `customer_limit_exceed`.
    pub fail_reason: Option<&'a str>,
}

/// `change_external_chat`.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
///
/// let xml = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime>\
///            <MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_chat]]></Event><ChatId><![CDATA[CHAT_ID]]></ChatId>\
///            <ChangeType><![CDATA[update]]></ChangeType><UpdateDetail><![CDATA[add_member]]></UpdateDetail><JoinScene>1</JoinScene><MemChangeCnt>10</MemChangeCnt></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::ChangeExternalChat(change)) = message.kind() else { panic!("a customer group change") };
/// assert_eq!((change.chat_id, change.change_type, change.update_detail), (Some("CHAT_ID"), Some("update"), Some("add_member")));
/// assert_eq!((change.join_scene, change.quit_scene, change.mem_change_cnt), (Some(1), None, Some(10)));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExternalChatChange<'a> {
    /// `ChatId`.
    pub chat_id: Option<&'a str>,
    /// `ChangeType`: `create`, `update`, `dismiss`.
    pub change_type: Option<&'a str>,
    /// `UpdateDetail`: `add_member`, `del_member`, `change_owner`, `change_name`,
    /// `change_notice`.
    pub update_detail: Option<&'a str>,
    /// `JoinScene`.
    pub join_scene: Option<u64>,
    /// `QuitScene`.
    pub quit_scene: Option<u64>,
    /// `MemChangeCnt`.
    pub mem_change_cnt: Option<u64>,
}

/// `change_external_tag`.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
///
/// let xml = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime>\
///            <MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_tag]]></Event><Id><![CDATA[TAG_ID]]></Id>\
///            <TagType><![CDATA[tag]]></TagType><ChangeType><![CDATA[create]]></ChangeType></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::ChangeExternalTag(change)) = message.kind() else { panic!("a customer tag change") };
/// assert_eq!((change.id, change.tag_type, change.change_type, change.strategy_id), (Some("TAG_ID"), Some("tag"), Some("create"), None));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExternalTagChange<'a> {
    /// `Id`.
    pub id: Option<&'a str>,
    /// `TagType`: `tag`, `tag_group`.
    pub tag_type: Option<&'a str>,
    /// `ChangeType`: `create`, `update`, `delete`, `shuffle`.
    pub change_type: Option<&'a str>,
    /// `StrategyId`.
    pub strategy_id: Option<&'a str>,
}

/// `template_card_event` and `template_card_menu_event`.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
///
/// let xml = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[FromUser]]></FromUserName><CreateTime>123456789</CreateTime>\
///            <MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[key111]]></EventKey>\
///            <TaskId><![CDATA[taskid111]]></TaskId><CardType><![CDATA[text_notice]]></CardType><ResponseCode><![CDATA[ResponseCode]]></ResponseCode><AgentID>1</AgentID></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::TemplateCard(card)) = message.kind() else { panic!("a card event") };
/// assert_eq!((card.event_key, card.task_id), (Some("key111"), Some("taskid111")));
/// assert_eq!((card.card_type, card.response_code), (Some("text_notice"), Some("ResponseCode")));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct TemplateCardEvent<'a> {
    /// `EventKey`: the button's key.
    pub event_key: Option<&'a str>,
    /// `TaskId`: the card's task.
    pub task_id: Option<&'a str>,
    /// `CardType`: `button_interaction`, `vote_interaction`, `multiple_interaction`, …
    pub card_type: Option<&'a str>,
    /// `ResponseCode`: to update the card (valid 72 hours, once; path/94945).
    pub response_code: Option<&'a str>,
    selected_items: Option<Element<'a>>,
}

impl<'a> TemplateCardEvent<'a> {
    fn from_element(root: Element<'a>) -> TemplateCardEvent<'a> {
        TemplateCardEvent {
            event_key: root.get("EventKey"),
            task_id: root.get("TaskId"),
            card_type: root.get("CardType"),
            response_code: root.get("ResponseCode"),
            selected_items: root.child("SelectedItems"),
        }
    }

    /// The choices made (`SelectedItems/SelectedItem`), in order.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
    ///
    /// let xml = "<xml><MsgType>event</MsgType><Event>template_card_event</Event><SelectedItems>\
    ///            <SelectedItem><QuestionKey>q1</QuestionKey><OptionIds><OptionId>a</OptionId><OptionId>b</OptionId></OptionIds></SelectedItem>\
    ///            </SelectedItems></xml>";
    /// let message = Message::parse(xml)?;
    /// let Kind::Event(Event::TemplateCard(card)) = message.kind() else { panic!() };
    /// let item = card.selected_items().next().expect("one");
    /// assert_eq!(item.question_key, Some("q1"));
    /// assert_eq!(item.option_ids().collect::<Vec<_>>(), ["a", "b"]);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn selected_items(&self) -> impl Iterator<Item = SelectedItem<'a>> + use<'a> {
        self.selected_items
            .into_iter()
            .flat_map(|items| items.children_named("SelectedItem"))
            .map(|item| SelectedItem { question_key: item.get("QuestionKey"), item })
    }
}

/// A choice on a template card (`SelectedItem`).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
///
/// let xml = "<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event><CardType><![CDATA[multiple_interaction]]></CardType><SelectedItems>\
///            <SelectedItem><QuestionKey><![CDATA[QuestionKey1]]></QuestionKey><OptionIds><OptionId><![CDATA[OptionId1]]></OptionId></OptionIds></SelectedItem>\
///            <SelectedItem><QuestionKey><![CDATA[QuestionKey2]]></QuestionKey><OptionIds><OptionId><![CDATA[OptionId2]]></OptionId></OptionIds></SelectedItem>\
///            </SelectedItems></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::TemplateCard(card)) = message.kind() else { panic!("a card event") };
/// let choices: Vec<_> = card.selected_items().map(|item| (item.question_key, item.option_ids().collect::<Vec<_>>())).collect();
/// assert_eq!(choices, [(Some("QuestionKey1"), vec!["OptionId1"]), (Some("QuestionKey2"), vec!["OptionId2"])]);
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct SelectedItem<'a> {
    /// `QuestionKey`.
    pub question_key: Option<&'a str>,
    item: Element<'a>,
}

impl<'a> SelectedItem<'a> {
    /// `OptionIds/OptionId`: the options chosen.
    ///
    /// # Example
    ///
    /// See [`TemplateCardEvent::selected_items`].
    ///
    /// ```
    /// # use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
    /// let message = Message::parse("<xml><MsgType>event</MsgType><Event>template_card_event</Event><SelectedItems><SelectedItem><OptionIds><OptionId>x</OptionId></OptionIds></SelectedItem></SelectedItems></xml>")?;
    /// let Kind::Event(Event::TemplateCard(card)) = message.kind() else { panic!() };
    /// assert_eq!(card.selected_items().flat_map(|i| i.option_ids()).collect::<Vec<_>>(), ["x"]);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn option_ids(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        self.item
            .child("OptionIds")
            .into_iter()
            .flat_map(|ids| ids.children_named("OptionId"))
            .filter_map(|id| id.text())
    }
}

/// `ApprovalInfo` of `open_approval_change` (third-party approval templates).
///
/// # Example
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
///
/// let xml = "<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[open_approval_change]]></Event><ApprovalInfo><ThirdNo><![CDATA[201806010001]]></ThirdNo><OpenSpName><![CDATA[付款]]></OpenSpName>\
///            <OpenTemplateId><![CDATA[1234567890]]></OpenTemplateId><OpenSpStatus>1</OpenSpStatus><ApplyTime>1527837645</ApplyTime><ApplyUserName><![CDATA[xiaoming]]></ApplyUserName>\
///            <ApplyUserId><![CDATA[1]]></ApplyUserId><ApplyUserParty><![CDATA[产品部]]></ApplyUserParty><ApplyUserImage><![CDATA[http://www.qq.com/xxx.png]]></ApplyUserImage><approverstep>0</approverstep></ApprovalInfo></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::OpenApprovalChange(Some(info))) = message.kind() else { panic!("an approval") };
/// assert_eq!((info.third_no, info.open_sp_name, info.open_template_id), (Some("201806010001"), Some("付款"), Some("1234567890")));
/// assert_eq!((info.open_sp_status, info.apply_time, info.approver_step), (Some("1"), Some(UNIX_EPOCH + Duration::from_secs(1527837645)), Some("0")));
/// assert_eq!((info.apply_user_name, info.apply_user_id, info.apply_user_party), (Some("xiaoming"), Some("1"), Some("产品部")));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct OpenApprovalInfo<'a> {
    /// `ThirdNo`.
    pub third_no: Option<&'a str>,
    /// `OpenSpName`.
    pub open_sp_name: Option<&'a str>,
    /// `OpenTemplateId`.
    pub open_template_id: Option<&'a str>,
    /// `OpenSpStatus`: `1` in progress, `2` approved, `3` refused, `4` withdrawn.
    pub open_sp_status: Option<&'a str>,
    /// `ApplyTime`.
    pub apply_time: Option<SystemTime>,
    /// `ApplyUserName`.
    pub apply_user_name: Option<&'a str>,
    /// `ApplyUserId`.
    pub apply_user_id: Option<&'a str>,
    /// `ApplyUserParty`.
    pub apply_user_party: Option<&'a str>,
    /// `ApplyUserImage`.
    pub apply_user_image: Option<&'a str>,
    /// `approverstep`.
    pub approver_step: Option<&'a str>,
    info: Element<'a>,
}

impl<'a> OpenApprovalInfo<'a> {
    fn from_element(info: Element<'a>) -> OpenApprovalInfo<'a> {
        OpenApprovalInfo {
            third_no: info.get("ThirdNo"),
            open_sp_name: info.get("OpenSpName"),
            open_template_id: info.get("OpenTemplateId"),
            open_sp_status: info.get("OpenSpStatus"),
            apply_time: info.get("ApplyTime").and_then(parse_time),
            apply_user_name: info.get("ApplyUserName"),
            apply_user_id: info.get("ApplyUserId"),
            apply_user_party: info.get("ApplyUserParty"),
            apply_user_image: info.get("ApplyUserImage"),
            approver_step: info.get("approverstep"),
            info,
        }
    }

    /// The approval nodes (`ApprovalNodes/ApprovalNode`), in order.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
    ///
    /// let xml = "<xml><MsgType>event</MsgType><Event>open_approval_change</Event><ApprovalInfo><ApprovalNodes>\
    ///            <ApprovalNode><NodeStatus>2</NodeStatus><Items><Item><ItemUserId>u1</ItemUserId><ItemOpTime>1</ItemOpTime></Item></Items></ApprovalNode>\
    ///            </ApprovalNodes><NotifyNodes><NotifyNode><ItemUserId>u2</ItemUserId></NotifyNode></NotifyNodes></ApprovalInfo></xml>";
    /// let message = Message::parse(xml)?;
    /// let Kind::Event(Event::OpenApprovalChange(Some(info))) = message.kind() else { panic!() };
    /// let node = info.approval_nodes().next().expect("one node");
    /// assert_eq!(node.node_status, Some("2"));
    /// assert_eq!(node.items().next().map(|i| (i.item_user_id, i.item_op_time)), Some((Some("u1"), Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1)))));
    /// assert_eq!(info.notify_nodes().next().and_then(|n| n.item_user_id), Some("u2"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn approval_nodes(&self) -> impl Iterator<Item = ApprovalNode<'a>> + use<'a> {
        self.info
            .child("ApprovalNodes")
            .into_iter()
            .flat_map(|nodes| nodes.children_named("ApprovalNode"))
            .map(|node| ApprovalNode {
                node_status: node.get("NodeStatus"),
                node_attr: node.get("NodeAttr"),
                node_type: node.get("NodeType"),
                node,
            })
    }

    /// The people notified (`NotifyNodes/NotifyNode`).
    ///
    /// # Example
    ///
    /// See [`OpenApprovalInfo::approval_nodes`].
    ///
    /// ```
    /// # use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
    /// let message = Message::parse("<xml><MsgType>event</MsgType><Event>open_approval_change</Event><ApprovalInfo><NotifyNodes><NotifyNode><ItemName>n</ItemName></NotifyNode></NotifyNodes></ApprovalInfo></xml>")?;
    /// let Kind::Event(Event::OpenApprovalChange(Some(info))) = message.kind() else { panic!() };
    /// assert_eq!(info.notify_nodes().next().and_then(|n| n.item_name), Some("n"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn notify_nodes(&self) -> impl Iterator<Item = NotifyNode<'a>> + use<'a> {
        self.info
            .child("NotifyNodes")
            .into_iter()
            .flat_map(|nodes| nodes.children_named("NotifyNode"))
            .map(|node| NotifyNode {
                item_name: node.get("ItemName"),
                item_user_id: node.get("ItemUserId"),
                item_image: node.get("ItemImage"),
            })
    }
}

/// A node of an approval (`ApprovalNode`).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
///
/// let xml = "<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[open_approval_change]]></Event><ApprovalInfo><ApprovalNodes><ApprovalNode>\
///            <NodeStatus>1</NodeStatus><NodeAttr>1</NodeAttr><NodeType>1</NodeType><Items><Item><ItemName><![CDATA[xiaohong]]></ItemName></Item></Items>\
///            </ApprovalNode></ApprovalNodes></ApprovalInfo></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::OpenApprovalChange(Some(info))) = message.kind() else { panic!("an approval") };
/// let node = info.approval_nodes().next().expect("one node");
/// assert_eq!((node.node_status, node.node_attr, node.node_type), (Some("1"), Some("1"), Some("1")));
/// assert_eq!(node.items().count(), 1);
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct ApprovalNode<'a> {
    /// `NodeStatus`.
    pub node_status: Option<&'a str>,
    /// `NodeAttr`: `1` or-approval, `2` and-approval.
    pub node_attr: Option<&'a str>,
    /// `NodeType`.
    pub node_type: Option<&'a str>,
    node: Element<'a>,
}

impl<'a> ApprovalNode<'a> {
    /// The node's approvers (`Items/Item`).
    ///
    /// # Example
    ///
    /// See [`OpenApprovalInfo::approval_nodes`].
    ///
    /// ```
    /// # use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
    /// let message = Message::parse("<xml><MsgType>event</MsgType><Event>open_approval_change</Event><ApprovalInfo><ApprovalNodes><ApprovalNode><Items><Item><ItemSpeech>ok</ItemSpeech></Item></Items></ApprovalNode></ApprovalNodes></ApprovalInfo></xml>")?;
    /// let Kind::Event(Event::OpenApprovalChange(Some(info))) = message.kind() else { panic!() };
    /// let speech = info.approval_nodes().flat_map(|n| n.items()).next().and_then(|i| i.item_speech);
    /// assert_eq!(speech, Some("ok"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn items(&self) -> impl Iterator<Item = ApprovalItem<'a>> + use<'a> {
        self.node.child("Items").into_iter().flat_map(|items| items.children_named("Item")).map(
            |item| ApprovalItem {
                item_name: item.get("ItemName"),
                item_user_id: item.get("ItemUserId"),
                item_image: item.get("ItemImage"),
                item_status: item.get("ItemStatus"),
                item_speech: item.get("ItemSpeech"),
                item_op_time: item.get("ItemOpTime").and_then(parse_time),
            },
        )
    }
}

/// An approver of an [`ApprovalNode`] (`Item`).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
///
/// let xml = "<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[open_approval_change]]></Event><ApprovalInfo><ApprovalNodes><ApprovalNode><Items><Item>\
///            <ItemName><![CDATA[xiaohong]]></ItemName><ItemUserId><![CDATA[2]]></ItemUserId><ItemImage><![CDATA[http://www.qq.com/xxx.png]]></ItemImage>\
///            <ItemStatus>1</ItemStatus><ItemSpeech><![CDATA[]]></ItemSpeech><ItemOpTime>0</ItemOpTime></Item></Items></ApprovalNode></ApprovalNodes></ApprovalInfo></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::OpenApprovalChange(Some(info))) = message.kind() else { panic!("an approval") };
/// let item = info.approval_nodes().flat_map(|node| node.items()).next().expect("one approver");
/// assert_eq!((item.item_name, item.item_user_id, item.item_image), (Some("xiaohong"), Some("2"), Some("http://www.qq.com/xxx.png")));
/// assert_eq!((item.item_status, item.item_speech, item.item_op_time), (Some("1"), Some(""), Some(std::time::UNIX_EPOCH)));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApprovalItem<'a> {
    /// `ItemName`.
    pub item_name: Option<&'a str>,
    /// `ItemUserId`.
    pub item_user_id: Option<&'a str>,
    /// `ItemImage`.
    pub item_image: Option<&'a str>,
    /// `ItemStatus`.
    pub item_status: Option<&'a str>,
    /// `ItemSpeech`.
    pub item_speech: Option<&'a str>,
    /// `ItemOpTime`.
    pub item_op_time: Option<SystemTime>,
}

/// A person notified of an approval (`NotifyNode`).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
///
/// let xml = "<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[open_approval_change]]></Event><ApprovalInfo><NotifyNodes><NotifyNode>\
///            <ItemName><![CDATA[xiaogang]]></ItemName><ItemUserId><![CDATA[3]]></ItemUserId><ItemImage><![CDATA[http://www.qq.com/xxx.png]]></ItemImage>\
///            </NotifyNode></NotifyNodes></ApprovalInfo></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::OpenApprovalChange(Some(info))) = message.kind() else { panic!("an approval") };
/// let notified = info.notify_nodes().next().expect("one person");
/// assert_eq!((notified.item_name, notified.item_user_id, notified.item_image), (Some("xiaogang"), Some("3"), Some("http://www.qq.com/xxx.png")));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct NotifyNode<'a> {
    /// `ItemName`.
    pub item_name: Option<&'a str>,
    /// `ItemUserId`.
    pub item_user_id: Option<&'a str>,
    /// `ItemImage`.
    pub item_image: Option<&'a str>,
}

/// `ApprovalInfo` of `sys_approval_change` (WeCom's own approvals).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
///
/// let xml = "<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[sys_approval_change]]></Event><AgentID>3010040</AgentID><ApprovalInfo><SpNo>202006280001</SpNo>\
///            <SpName><![CDATA[请假]]></SpName><SpStatus>1</SpStatus><TemplateId><![CDATA[3TkZjxugodbqpEMk9j7X6h6zKqYkc7MxQrrFYRXr]]></TemplateId><ApplyTime>1593314771</ApplyTime>\
///            <Applyer><UserId><![CDATA[WangXiaoMing]]></UserId><Party><![CDATA[1]]></Party></Applyer><StatuChangeEvent>1</StatuChangeEvent></ApprovalInfo></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::SysApprovalChange(Some(info))) = message.kind() else { panic!("an approval") };
/// assert_eq!((info.sp_no, info.sp_name, info.sp_status), (Some("202006280001"), Some("请假"), Some("1")));
/// assert_eq!((info.template_id, info.apply_time), (Some("3TkZjxugodbqpEMk9j7X6h6zKqYkc7MxQrrFYRXr"), Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1593314771))));
/// assert_eq!((info.applyer_user_id, info.applyer_party, info.status_change_event), (Some("WangXiaoMing"), Some("1"), Some("1")));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct SysApprovalInfo<'a> {
    /// `SpNo`.
    pub sp_no: Option<&'a str>,
    /// `SpName`.
    pub sp_name: Option<&'a str>,
    /// `SpStatus`.
    pub sp_status: Option<&'a str>,
    /// `TemplateId`.
    pub template_id: Option<&'a str>,
    /// `ApplyTime`.
    pub apply_time: Option<SystemTime>,
    /// `Applyer/UserId`.
    pub applyer_user_id: Option<&'a str>,
    /// `Applyer/Party`.
    pub applyer_party: Option<&'a str>,
    /// `StatuChangeEvent` (sic).
    pub status_change_event: Option<&'a str>,
    info: Element<'a>,
}

impl<'a> SysApprovalInfo<'a> {
    fn from_element(info: Element<'a>) -> SysApprovalInfo<'a> {
        let applyer = info.child("Applyer");
        SysApprovalInfo {
            sp_no: info.get("SpNo"),
            sp_name: info.get("SpName"),
            sp_status: info.get("SpStatus"),
            template_id: info.get("TemplateId"),
            apply_time: info.get("ApplyTime").and_then(parse_time),
            applyer_user_id: applyer.and_then(|a| a.get("UserId")),
            applyer_party: applyer.and_then(|a| a.get("Party")),
            status_change_event: info.get("StatuChangeEvent"),
            info,
        }
    }

    /// The approval records (`SpRecord`), in order.
    ///
    /// # Example
    ///
    /// ```
    /// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
    ///
    /// let xml = "<xml><MsgType>event</MsgType><Event>sys_approval_change</Event><ApprovalInfo><SpNo>1</SpNo>\
    ///            <SpRecord><SpStatus>2</SpStatus><Details><Approver><UserId>u1</UserId></Approver><SpTime>5</SpTime></Details></SpRecord>\
    ///            <Notifyer><UserId>u2</UserId></Notifyer></ApprovalInfo></xml>";
    /// let message = Message::parse(xml)?;
    /// let Kind::Event(Event::SysApprovalChange(Some(info))) = message.kind() else { panic!() };
    /// let record = info.sp_records().next().expect("one record");
    /// assert_eq!(record.details().next().map(|d| (d.approver_user_id, d.sp_time)), Some((Some("u1"), Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(5)))));
    /// assert_eq!(info.notifyers().collect::<Vec<_>>(), ["u2"]);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn sp_records(&self) -> impl Iterator<Item = SpRecord<'a>> + use<'a> {
        self.info.children_named("SpRecord").map(|record| SpRecord {
            sp_status: record.get("SpStatus"),
            approver_attr: record.get("ApproverAttr"),
            record,
        })
    }

    /// The people notified (`Notifyer/UserId`).
    ///
    /// # Example
    ///
    /// See [`SysApprovalInfo::sp_records`].
    ///
    /// ```
    /// # use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
    /// let message = Message::parse("<xml><MsgType>event</MsgType><Event>sys_approval_change</Event><ApprovalInfo><Notifyer><UserId>a</UserId></Notifyer><Notifyer><UserId>b</UserId></Notifyer></ApprovalInfo></xml>")?;
    /// let Kind::Event(Event::SysApprovalChange(Some(info))) = message.kind() else { panic!() };
    /// assert_eq!(info.notifyers().collect::<Vec<_>>(), ["a", "b"]);
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn notifyers(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        self.info.children_named("Notifyer").filter_map(|notifyer| notifyer.get("UserId"))
    }
}

/// An approval record (`SpRecord`).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
///
/// let xml = "<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[sys_approval_change]]></Event><ApprovalInfo><SpNo>202006280001</SpNo>\
///            <SpRecord><SpStatus>1</SpStatus><ApproverAttr>1</ApproverAttr><Details><Approver><UserId><![CDATA[WuJunJie]]></UserId></Approver>\
///            <Speech><![CDATA[]]></Speech><SpStatus>1</SpStatus><SpTime>0</SpTime></Details></SpRecord></ApprovalInfo></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::SysApprovalChange(Some(info))) = message.kind() else { panic!("an approval") };
/// let record = info.sp_records().next().expect("one record");
/// assert_eq!((record.sp_status, record.approver_attr), (Some("1"), Some("1")));
/// assert_eq!(record.details().count(), 1);
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct SpRecord<'a> {
    /// `SpStatus`.
    pub sp_status: Option<&'a str>,
    /// `ApproverAttr`.
    pub approver_attr: Option<&'a str>,
    record: Element<'a>,
}

impl<'a> SpRecord<'a> {
    /// The record's details (`Details`), in order.
    ///
    /// # Example
    ///
    /// See [`SysApprovalInfo::sp_records`].
    ///
    /// ```
    /// # use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
    /// let message = Message::parse("<xml><MsgType>event</MsgType><Event>sys_approval_change</Event><ApprovalInfo><SpRecord><Details><Speech>ok</Speech></Details></SpRecord></ApprovalInfo></xml>")?;
    /// let Kind::Event(Event::SysApprovalChange(Some(info))) = message.kind() else { panic!() };
    /// assert_eq!(info.sp_records().flat_map(|r| r.details()).next().and_then(|d| d.speech), Some("ok"));
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    pub fn details(&self) -> impl Iterator<Item = SpRecordDetail<'a>> + use<'a> {
        self.record.children_named("Details").map(|detail| SpRecordDetail {
            approver_user_id: detail.child("Approver").and_then(|a| a.get("UserId")),
            speech: detail.get("Speech"),
            sp_status: detail.get("SpStatus"),
            sp_time: detail.get("SpTime").and_then(parse_time),
        })
    }
}

/// A detail of an approval record (`Details`).
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{Event, Kind, Message};
///
/// let xml = "<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[sys_approval_change]]></Event><ApprovalInfo><SpRecord><SpStatus>2</SpStatus>\
///            <ApproverAttr>1</ApproverAttr><Details><Approver><UserId><![CDATA[LiuXiaoHong]]></UserId></Approver><Speech><![CDATA[同意]]></Speech>\
///            <SpStatus>2</SpStatus><SpTime>1593314800</SpTime></Details></SpRecord></ApprovalInfo></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Event(Event::SysApprovalChange(Some(info))) = message.kind() else { panic!("an approval") };
/// let detail = info.sp_records().flat_map(|record| record.details()).next().expect("one detail");
/// assert_eq!((detail.approver_user_id, detail.speech), (Some("LiuXiaoHong"), Some("同意")));
/// assert_eq!((detail.sp_status, detail.sp_time), (Some("2"), Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1593314800))));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SpRecordDetail<'a> {
    /// `Approver/UserId`.
    pub approver_user_id: Option<&'a str>,
    /// `Speech`.
    pub speech: Option<&'a str>,
    /// `SpStatus`.
    pub sp_status: Option<&'a str>,
    /// `SpTime`.
    pub sp_time: Option<SystemTime>,
}

/// An instruction callback, by its `InfoType`: WeCom third-party apps (指令回调, receive id the
/// suite id, answered with `success`) and 开放平台 component events.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{ContactChange, Instruction, Kind, Message};
///
/// // A real third-party body (WeChat developer community): no CDATA anywhere.
/// let xml = "<xml><SuiteId>ww95a1b2c3d4e5f607</SuiteId><AuthCorpId>wwab12cd34ef56ab78</AuthCorpId><InfoType>change_contact</InfoType>\
///            <TimeStamp>1626062319</TimeStamp><ChangeType>update_user</ChangeType><UserID>LuoDan</UserID><Name>XzXvl8PHeSvk6RDoT_LmX-_J6u43CsaA-8_yK8hP2MI</Name></xml>";
/// let message = Message::parse(xml)?;
/// let Kind::Instruction(Instruction::ChangeContact { auth_corp_id, change: ContactChange::UpdateUser(member), .. }) = message.kind() else { panic!() };
/// assert_eq!((auth_corp_id, member.user_id), (Some("wwab12cd34ef56ab78"), Some("LuoDan")));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Clone, Copy)]
#[non_exhaustive]
#[allow(
    clippy::large_enum_variant,
    reason = "a view built on each call and dropped: boxing the member would allocate every time"
)]
pub enum Instruction<'a> {
    /// `suite_ticket`: pushed every 10 minutes, valid 30 (path/90628).
    SuiteTicket {
        /// `SuiteId`.
        suite_id: Option<&'a str>,
        /// `SuiteTicket`.
        suite_ticket: Option<&'a str>,
    },
    /// `create_auth`: a company authorised the app; answer within 1000 ms (path/90642).
    CreateAuth {
        /// `SuiteId`.
        suite_id: Option<&'a str>,
        /// `AuthCode`: valid 10 minutes.
        auth_code: Option<&'a str>,
        /// `State`.
        state: Option<&'a str>,
        /// `ExtraInfo`.
        extra_info: Option<&'a str>,
    },
    /// `change_auth`: a company changed the authorisation; answer within 1000 ms.
    ChangeAuth {
        /// `SuiteId`.
        suite_id: Option<&'a str>,
        /// `AuthCorpId`.
        auth_corp_id: Option<&'a str>,
    },
    /// `cancel_auth`: a company withdrew the authorisation.
    CancelAuth {
        /// `SuiteId`.
        suite_id: Option<&'a str>,
        /// `AuthCorpId`.
        auth_corp_id: Option<&'a str>,
    },
    /// `reset_permanent_code`.
    ResetPermanentCode {
        /// `SuiteId`.
        suite_id: Option<&'a str>,
        /// `AuthCode`.
        auth_code: Option<&'a str>,
    },
    /// `change_contact`: an authorising company's contacts changed.
    ChangeContact {
        /// `SuiteId`.
        suite_id: Option<&'a str>,
        /// `AuthCorpId`.
        auth_corp_id: Option<&'a str>,
        /// The change, as in the self-built app's event.
        change: ContactChange<'a>,
    },
    /// `component_verify_ticket` (开放平台): pushed every 10 minutes.
    ComponentVerifyTicket {
        /// `AppId`: the platform's.
        app_id: Option<&'a str>,
        /// `ComponentVerifyTicket`.
        component_verify_ticket: Option<&'a str>,
    },
    /// `authorized`, `updateauthorized` (`updated: true`) (开放平台).
    Authorized {
        /// Whether an existing authorisation changed (`updateauthorized`).
        updated: bool,
        /// `AppId`: the platform's.
        app_id: Option<&'a str>,
        /// `AuthorizerAppid`.
        authorizer_appid: Option<&'a str>,
        /// `AuthorizationCode`.
        authorization_code: Option<&'a str>,
        /// `AuthorizationCodeExpiredTime`.
        authorization_code_expired_time: Option<SystemTime>,
        /// `PreAuthCode`.
        pre_auth_code: Option<&'a str>,
    },
    /// `unauthorized` (开放平台).
    Unauthorized {
        /// `AppId`: the platform's.
        app_id: Option<&'a str>,
        /// `AuthorizerAppid`.
        authorizer_appid: Option<&'a str>,
    },
    /// `share_agent_change`: a group company shared a third-party app with one of its companies,
    /// or removed one from it (企业互联共享应用事件回调, path/93373).
    ShareAgentChange {
        /// `SuiteId`.
        suite_id: Option<&'a str>,
        /// `CorpId`: the group (parent) company's corpid.
        corp_id: Option<&'a str>,
        /// `AgentId`: the app's id in the group company.
        agent_id: Option<u64>,
        /// `AppId`: the app in an old multi-app suite (Tencent: new developers ignore it).
        app_id: Option<&'a str>,
    },
    /// Any other `InfoType` (`share_chain_change`, `register_corp`, order and licence events,
    /// `notify_third_fasteregister`, …): its fields are readable with [`Message::get`].
    Unknown {
        /// `InfoType`, as sent.
        info_type: &'a str,
    },
}

impl<'a> Instruction<'a> {
    fn from_root(root: Element<'a>) -> Instruction<'a> {
        let info_type = root.get("InfoType").unwrap_or_default();
        let suite_id = root.get("SuiteId");
        let auth_corp_id = root.get("AuthCorpId");
        let app_id = root.get("AppId");
        match info_type {
            "suite_ticket" => {
                Instruction::SuiteTicket { suite_id, suite_ticket: root.get("SuiteTicket") }
            }
            "create_auth" => Instruction::CreateAuth {
                suite_id,
                auth_code: root.get("AuthCode"),
                state: root.get("State"),
                extra_info: root.get("ExtraInfo"),
            },
            "change_auth" => Instruction::ChangeAuth { suite_id, auth_corp_id },
            "cancel_auth" => Instruction::CancelAuth { suite_id, auth_corp_id },
            "reset_permanent_code" => {
                Instruction::ResetPermanentCode { suite_id, auth_code: root.get("AuthCode") }
            }
            "change_contact" => Instruction::ChangeContact {
                suite_id,
                auth_corp_id,
                change: ContactChange::from_element(root),
            },
            "component_verify_ticket" => Instruction::ComponentVerifyTicket {
                app_id,
                component_verify_ticket: root.get("ComponentVerifyTicket"),
            },
            "authorized" | "updateauthorized" => Instruction::Authorized {
                updated: info_type == "updateauthorized",
                app_id,
                authorizer_appid: root.get("AuthorizerAppid"),
                authorization_code: root.get("AuthorizationCode"),
                authorization_code_expired_time: root
                    .get("AuthorizationCodeExpiredTime")
                    .and_then(parse_time),
                pre_auth_code: root.get("PreAuthCode"),
            },
            "unauthorized" => {
                Instruction::Unauthorized { app_id, authorizer_appid: root.get("AuthorizerAppid") }
            }
            "share_agent_change" => Instruction::ShareAgentChange {
                suite_id,
                corp_id: root.get("CorpId"),
                agent_id: root.get("AgentId").and_then(parse_u64),
                app_id,
            },
            _ => Instruction::Unknown { info_type },
        }
    }
}

// The enums' Debug names the variant, never the values (see the module docs).

impl fmt::Debug for Kind<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::Text(_) => f.write_str("Text(..)"),
            Kind::Image(_) => f.write_str("Image(..)"),
            Kind::Voice(_) => f.write_str("Voice(..)"),
            Kind::Video(_) => f.write_str("Video(..)"),
            Kind::ShortVideo(_) => f.write_str("ShortVideo(..)"),
            Kind::Location(_) => f.write_str("Location(..)"),
            Kind::Link(_) => f.write_str("Link(..)"),
            Kind::MiniProgramPage(_) => f.write_str("MiniProgramPage(..)"),
            Kind::Event(event) => write!(f, "Event({event:?})"),
            Kind::Instruction(instruction) => write!(f, "Instruction({instruction:?})"),
            Kind::Unknown { msg_type } => write!(f, "Unknown {{ msg_type: {msg_type:?} }}"),
        }
    }
}

impl fmt::Debug for Event<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Subscribe { .. } => f.write_str("Subscribe { .. }"),
            Event::Unsubscribe => f.write_str("Unsubscribe"),
            Event::Scan { .. } => f.write_str("Scan { .. }"),
            Event::EnterAgent { .. } => f.write_str("EnterAgent { .. }"),
            Event::Location { .. } => f.write_str("Location { .. }"),
            Event::Click { .. } => f.write_str("Click { .. }"),
            Event::View { .. } => f.write_str("View { .. }"),
            Event::ViewMiniProgram { .. } => f.write_str("ViewMiniProgram { .. }"),
            Event::ScanCode { .. } => f.write_str("ScanCode { .. }"),
            Event::Pictures { .. } => f.write_str("Pictures { .. }"),
            Event::LocationSelect { .. } => f.write_str("LocationSelect { .. }"),
            Event::BatchJobResult(_) => f.write_str("BatchJobResult(..)"),
            Event::ChangeContact(change) => write!(f, "ChangeContact({change:?})"),
            Event::ChangeExternalContact(_) => f.write_str("ChangeExternalContact(..)"),
            Event::ChangeExternalChat(_) => f.write_str("ChangeExternalChat(..)"),
            Event::ChangeExternalTag(_) => f.write_str("ChangeExternalTag(..)"),
            Event::TemplateCard(_) => f.write_str("TemplateCard(..)"),
            Event::TemplateCardMenu(_) => f.write_str("TemplateCardMenu(..)"),
            Event::TaskCardClick { .. } => f.write_str("TaskCardClick { .. }"),
            Event::OpenApprovalChange(_) => f.write_str("OpenApprovalChange(..)"),
            Event::SysApprovalChange(_) => f.write_str("SysApprovalChange(..)"),
            Event::KfMsgOrEvent { .. } => f.write_str("KfMsgOrEvent { .. }"),
            Event::KfAccountAuthChange { .. } => f.write_str("KfAccountAuthChange { .. }"),
            Event::TemplateSendJobFinish { .. } => f.write_str("TemplateSendJobFinish { .. }"),
            Event::MassSendJobFinish { .. } => f.write_str("MassSendJobFinish { .. }"),
            Event::PublishJobFinish(_) => f.write_str("PublishJobFinish(..)"),
            Event::SubscribeMsgPopup(_) => f.write_str("SubscribeMsgPopup(..)"),
            Event::SubscribeMsgChange(_) => f.write_str("SubscribeMsgChange(..)"),
            Event::SubscribeMsgSent(_) => f.write_str("SubscribeMsgSent(..)"),
            Event::Calendar { event, .. } => write!(f, "Calendar {{ event: {event:?}, .. }}"),
            Event::MeetingRoom { event, .. } => write!(f, "MeetingRoom {{ event: {event:?}, .. }}"),
            Event::LivingStatusChange { .. } => f.write_str("LivingStatusChange { .. }"),
            Event::CustomerAcquisition { .. } => f.write_str("CustomerAcquisition { .. }"),
            Event::MsgAuditNotify => f.write_str("MsgAuditNotify"),
            Event::ChangeAppAdmin => f.write_str("ChangeAppAdmin"),
            Event::UserEnterTempSession { .. } => f.write_str("UserEnterTempSession { .. }"),
            Event::WxaMediaCheck(_) => f.write_str("WxaMediaCheck(..)"),
            Event::Unknown { event } => write!(f, "Unknown {{ event: {event:?} }}"),
        }
    }
}

impl fmt::Debug for ContactChange<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContactChange::CreateUser(_) => f.write_str("CreateUser(..)"),
            ContactChange::UpdateUser(_) => f.write_str("UpdateUser(..)"),
            ContactChange::DeleteUser { .. } => f.write_str("DeleteUser { .. }"),
            ContactChange::CreateParty(_) => f.write_str("CreateParty(..)"),
            ContactChange::UpdateParty(_) => f.write_str("UpdateParty(..)"),
            ContactChange::DeleteParty { .. } => f.write_str("DeleteParty { .. }"),
            ContactChange::UpdateTag(_) => f.write_str("UpdateTag(..)"),
            ContactChange::Unknown { change_type } => {
                write!(f, "Unknown {{ change_type: {change_type:?} }}")
            }
        }
    }
}

impl fmt::Debug for Instruction<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Instruction::SuiteTicket { .. } => f.write_str("SuiteTicket { .. }"),
            Instruction::CreateAuth { .. } => f.write_str("CreateAuth { .. }"),
            Instruction::ChangeAuth { .. } => f.write_str("ChangeAuth { .. }"),
            Instruction::CancelAuth { .. } => f.write_str("CancelAuth { .. }"),
            Instruction::ResetPermanentCode { .. } => f.write_str("ResetPermanentCode { .. }"),
            Instruction::ChangeContact { change, .. } => {
                write!(f, "ChangeContact {{ change: {change:?}, .. }}")
            }
            Instruction::ComponentVerifyTicket { .. } => {
                f.write_str("ComponentVerifyTicket { .. }")
            }
            Instruction::Authorized { .. } => f.write_str("Authorized { .. }"),
            Instruction::Unauthorized { .. } => f.write_str("Unauthorized { .. }"),
            Instruction::ShareAgentChange { .. } => f.write_str("ShareAgentChange { .. }"),
            Instruction::Unknown { info_type } => {
                write!(f, "Unknown {{ info_type: {info_type:?} }}")
            }
        }
    }
}
