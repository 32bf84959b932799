//! The typed view of 微信小店 / 视频号小店 pushes: [`JsonMessage::shop_event`].
//!
//! Field lists and values follow Tencent's pages under
//! `developers.weixin.qq.com/doc/store/shop/notify/` (orders, after-sales, complaints, coupons,
//! products, brands). Ids Tencent writes as a JSON number in one push and as a string in
//! another (`order_id`: a number above 2^53 in order events, a string in coupon and after-sale
//! events; `product_id`: a string in the documents, a number in pushes seen) are read as `u64`
//! from either; times too. A field missing or of another shape is `None`, and still readable
//! with [`JsonMessage::pointer`].

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::JsonMessage;
use super::json_u64;

/// A 微信小店 / 视频号小店 event: [`JsonMessage::shop_event`].
///
/// Every variant is `#[non_exhaustive]`: Tencent adds fields, and events it adds arrive as
/// [`ShopEvent::Unknown`]. `Debug` names the variant and never a value.
///
/// # Example
///
/// ```
/// use wxbizmsgcrypt_callback::message::{JsonMessage, ShopEvent};
///
/// // developers.weixin.qq.com/doc/store/API/order/callback/channels_ec_order_cancel.html
/// let message = JsonMessage::parse(r#"{"ToUserName":"gh_*","FromUserName":"OPENID","CreateTime":1662480000,"MsgType":"event","Event":"channels_ec_order_cancel","order_info":{"order_id":3705115058471208928,"cancel_type":1}}"#)?;
/// let Some(ShopEvent::OrderCancel { order_id, cancel_type, .. }) = message.shop_event() else {
///     panic!("an order cancelled")
/// };
/// assert_eq!((order_id, cancel_type), (Some(3705115058471208928), Some(1)));
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShopEvent<'a> {
    /// `channels_ec_order_new` (订单下单): `order_info`.
    #[non_exhaustive]
    OrderNew {
        /// `order_info.order_id`.
        order_id: Option<u64>,
    },
    /// `channels_ec_order_cancel` (订单取消): `order_info`.
    #[non_exhaustive]
    OrderCancel {
        /// `order_info.order_id`.
        order_id: Option<u64>,
        /// `order_info.cancel_type`: 1 the user cancelled, 2 timed out, 3 every item's
        /// after-sale completed.
        cancel_type: Option<u64>,
    },
    /// `channels_ec_order_pay` (订单支付成功): `order_info`.
    #[non_exhaustive]
    OrderPay {
        /// `order_info.order_id`.
        order_id: Option<u64>,
        /// `order_info.pay_time`.
        pay_time: Option<SystemTime>,
    },
    /// `channels_ec_order_deliver` (订单发货): `order_info`.
    #[non_exhaustive]
    OrderDeliver {
        /// `order_info.order_id`.
        order_id: Option<u64>,
        /// `order_info.finish_delivery`: 0 not every item shipped yet, 1 every item shipped.
        finish_delivery: Option<u64>,
    },
    /// `channels_ec_order_confirm` (订单确认收货): `order_info`.
    #[non_exhaustive]
    OrderConfirm {
        /// `order_info.order_id`.
        order_id: Option<u64>,
        /// `order_info.confirm_type`: 1 the user confirmed, 2 confirmed on time-out.
        confirm_type: Option<u64>,
    },
    /// `channels_ec_order_settle` (订单结算成功): `order_info`.
    #[non_exhaustive]
    OrderSettle {
        /// `order_info.order_id`.
        order_id: Option<u64>,
        /// `order_info.settle_time`.
        settle_time: Option<SystemTime>,
    },
    /// `channels_ec_order_ext_info_update` (订单其他信息更新): `order_info`.
    #[non_exhaustive]
    OrderExtInfoUpdate {
        /// `order_info.order_id`.
        order_id: Option<u64>,
        /// `order_info.type`: what changed (1 commission, 2 address, 3 merchant's note, …, 23 on
        /// Tencent's page).
        update_type: Option<u64>,
    },
    /// `channels_ec_aftersale_update` (售后单更新): `finder_shop_aftersale_status_update`.
    #[non_exhaustive]
    AftersaleUpdate {
        /// `after_sale_order_id`.
        after_sale_order_id: Option<u64>,
        /// `order_id`.
        order_id: Option<u64>,
        /// `status`, as sent (`USER_WAIT_RETURN`, `MERCHANT_REFUND_SUCCESS`, …; Tencent
        /// spells one `USER_CANCELD`).
        status: Option<&'a str>,
    },
    /// `channels_ec_complaint_update` (纠纷更新): `finder_shop_complaint`.
    #[non_exhaustive]
    ComplaintUpdate {
        /// `complaint_id`.
        complaint_id: Option<u64>,
        /// `after_sale_order_id`.
        after_sale_order_id: Option<u64>,
        /// `order_id`.
        order_id: Option<u64>,
        /// `complaint_status` (100 awaiting the merchant, …, 116 mediation closed).
        complaint_status: Option<u64>,
    },
    /// `channels_ec_coupon_receive` (领取优惠券): `receive_info`.
    #[non_exhaustive]
    CouponReceive {
        /// `coupon_id`.
        coupon_id: Option<u64>,
        /// `user_coupon_id`.
        user_coupon_id: Option<u64>,
        /// `receive_time`.
        receive_time: Option<SystemTime>,
    },
    /// `channels_ec_coupon_delete` (删除优惠券): `coupon_info`.
    #[non_exhaustive]
    CouponDelete {
        /// `coupon_id`.
        coupon_id: Option<u64>,
        /// `delete_time`.
        delete_time: Option<SystemTime>,
    },
    /// `channels_ec_coupon_invalid` (作废优惠券): `coupon_info`.
    #[non_exhaustive]
    CouponInvalid {
        /// `coupon_id`.
        coupon_id: Option<u64>,
        /// `invalid_time`.
        invalid_time: Option<SystemTime>,
    },
    /// `channels_ec_user_coupon_expire` (用户优惠券过期): `user_coupon_info`.
    #[non_exhaustive]
    UserCouponExpire {
        /// `coupon_id`.
        coupon_id: Option<u64>,
        /// `user_coupon_id`.
        user_coupon_id: Option<u64>,
        /// `expire_time`.
        expire_time: Option<SystemTime>,
    },
    /// `channels_ec_user_coupon_use` (优惠券核销): `use_info`.
    #[non_exhaustive]
    UserCouponUse {
        /// `coupon_id`.
        coupon_id: Option<u64>,
        /// `user_coupon_id`.
        user_coupon_id: Option<u64>,
        /// `order_id`: the order the coupon was used on.
        order_id: Option<u64>,
        /// `use_time`.
        use_time: Option<SystemTime>,
    },
    /// `product_spu_audit` (商品审核结果): `ProductSpuAudit`.
    #[non_exhaustive]
    ProductSpuAudit {
        /// `product_id`.
        product_id: Option<u64>,
        /// `status`: 2 refused, 3 approved, 4 audit withdrawn.
        status: Option<u64>,
        /// `reason`.
        reason: Option<&'a str>,
    },
    /// `product_spu_listing` (商品上下架): `ProductSpuListing`.
    #[non_exhaustive]
    ProductSpuListing {
        /// `product_id`.
        product_id: Option<u64>,
        /// `status`: 5 listed, 11 delisted by the shop, 13 by the system, …
        status: Option<u64>,
        /// `reason`.
        reason: Option<&'a str>,
    },
    /// `product_spu_update` (商品更新): `ProductSpuUpdate`.
    #[non_exhaustive]
    ProductSpuUpdate {
        /// `product_id`.
        product_id: Option<u64>,
        /// `status`: 0 updated, 1 added, 2 deleted, 3 deleted for good.
        status: Option<u64>,
    },
    /// `channels_ec_brand` (品牌资质事件): `BrandEvent`.
    #[non_exhaustive]
    Brand {
        /// `brand_id`.
        brand_id: Option<u64>,
        /// `audit_id`.
        audit_id: Option<u64>,
        /// `status`: 1 brand added, 2 updated, …, 4 approved, 5 refused, …, 8 expired.
        status: Option<u64>,
        /// `reason`.
        reason: Option<&'a str>,
    },
    /// Another event: one Tencent added, one this version does not type (those whose bodies
    /// Tencent's pages do not show: `channels_ec_order_wait_shipping`, the coupon events
    /// `channels_ec_coupon_create`, `_expire`, `_info_change`,
    /// `channels_ec_user_coupon_unuse`; the membership, settlement and withdrawal events, …),
    /// or an event that is not the shop's (a 小程序's `user_enter_tempsession` in JSON mode).
    /// Its fields are read with [`JsonMessage::pointer`] and [`JsonMessage::as_json`].
    #[non_exhaustive]
    Unknown {
        /// `Event`.
        event: &'a str,
    },
}

impl JsonMessage {
    /// The typed view of a 微信小店 / 视频号小店 event, built on each call from the parsed
    /// JSON; `None` for a message that is not an event (`MsgType` other than `event`, in any
    /// ASCII case, or no `Event`). Event names are matched exactly, as Tencent writes them
    /// (all lower case; unlike 公众号's XML events, which come as `CLICK` or `click`): any
    /// other spelling is [`ShopEvent::Unknown`], never a wrong variant.
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use wxbizmsgcrypt_callback::message::{JsonMessage, ShopEvent};
    ///
    /// // developers.weixin.qq.com/doc/store/shop/notify/coupon_callback/channels_ec_user_coupon_use
    /// let message = JsonMessage::parse(r#"{"ToUserName":"gh_*","FromUserName":"OpenID","CreateTime":1662480000,"MsgType":"event","Event":"channels_ec_user_coupon_use","use_info":{"coupon_id":"19126","user_coupon_id":"29730","order_id":"3705115058471208928","use_time":"1662480000"}}"#)?;
    /// let Some(ShopEvent::UserCouponUse { order_id, use_time, .. }) = message.shop_event() else {
    ///     panic!("a coupon used")
    /// };
    /// assert_eq!(order_id, Some(3705115058471208928));
    /// assert_eq!(use_time, Some(UNIX_EPOCH + Duration::from_secs(1662480000)));
    ///
    /// let other = JsonMessage::parse(r#"{"MsgType":"event","Event":"channels_ec_vip_join"}"#)?;
    /// assert!(matches!(other.shop_event(), Some(ShopEvent::Unknown { event: "channels_ec_vip_join", .. })));
    /// let text = JsonMessage::parse(r#"{"MsgType":"text","Content":"hi"}"#)?;
    /// assert!(text.shop_event().is_none());
    /// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
    /// ```
    #[must_use]
    pub fn shop_event(&self) -> Option<ShopEvent<'_>> {
        if !self.msg_type()?.eq_ignore_ascii_case("event") {
            return None;
        }
        let event = self.event()?;
        let value = &self.object.value;
        let order = Nested(value.get("order_info"));
        Some(match event {
            "channels_ec_order_new" => ShopEvent::OrderNew { order_id: order.id("order_id") },
            "channels_ec_order_cancel" => ShopEvent::OrderCancel {
                order_id: order.id("order_id"),
                cancel_type: order.id("cancel_type"),
            },
            "channels_ec_order_pay" => ShopEvent::OrderPay {
                order_id: order.id("order_id"),
                pay_time: order.time("pay_time"),
            },
            "channels_ec_order_deliver" => ShopEvent::OrderDeliver {
                order_id: order.id("order_id"),
                finish_delivery: order.id("finish_delivery"),
            },
            "channels_ec_order_confirm" => ShopEvent::OrderConfirm {
                order_id: order.id("order_id"),
                confirm_type: order.id("confirm_type"),
            },
            "channels_ec_order_settle" => ShopEvent::OrderSettle {
                order_id: order.id("order_id"),
                settle_time: order.time("settle_time"),
            },
            "channels_ec_order_ext_info_update" => ShopEvent::OrderExtInfoUpdate {
                order_id: order.id("order_id"),
                update_type: order.id("type"),
            },
            "channels_ec_aftersale_update" => {
                let info = Nested(value.get("finder_shop_aftersale_status_update"));
                ShopEvent::AftersaleUpdate {
                    after_sale_order_id: info.id("after_sale_order_id"),
                    order_id: info.id("order_id"),
                    status: info.str("status"),
                }
            }
            "channels_ec_complaint_update" => {
                let info = Nested(value.get("finder_shop_complaint"));
                ShopEvent::ComplaintUpdate {
                    complaint_id: info.id("complaint_id"),
                    after_sale_order_id: info.id("after_sale_order_id"),
                    order_id: info.id("order_id"),
                    complaint_status: info.id("complaint_status"),
                }
            }
            "channels_ec_coupon_receive" => {
                let info = Nested(value.get("receive_info"));
                ShopEvent::CouponReceive {
                    coupon_id: info.id("coupon_id"),
                    user_coupon_id: info.id("user_coupon_id"),
                    receive_time: info.time("receive_time"),
                }
            }
            "channels_ec_coupon_delete" => {
                let info = Nested(value.get("coupon_info"));
                ShopEvent::CouponDelete {
                    coupon_id: info.id("coupon_id"),
                    delete_time: info.time("delete_time"),
                }
            }
            "channels_ec_coupon_invalid" => {
                let info = Nested(value.get("coupon_info"));
                ShopEvent::CouponInvalid {
                    coupon_id: info.id("coupon_id"),
                    invalid_time: info.time("invalid_time"),
                }
            }
            "channels_ec_user_coupon_expire" => {
                let info = Nested(value.get("user_coupon_info"));
                ShopEvent::UserCouponExpire {
                    coupon_id: info.id("coupon_id"),
                    user_coupon_id: info.id("user_coupon_id"),
                    expire_time: info.time("expire_time"),
                }
            }
            "channels_ec_user_coupon_use" => {
                let info = Nested(value.get("use_info"));
                ShopEvent::UserCouponUse {
                    coupon_id: info.id("coupon_id"),
                    user_coupon_id: info.id("user_coupon_id"),
                    order_id: info.id("order_id"),
                    use_time: info.time("use_time"),
                }
            }
            "product_spu_audit" => {
                let info = Nested(value.get("ProductSpuAudit"));
                ShopEvent::ProductSpuAudit {
                    product_id: info.id("product_id"),
                    status: info.id("status"),
                    reason: info.str("reason"),
                }
            }
            "product_spu_listing" => {
                let info = Nested(value.get("ProductSpuListing"));
                ShopEvent::ProductSpuListing {
                    product_id: info.id("product_id"),
                    status: info.id("status"),
                    reason: info.str("reason"),
                }
            }
            "product_spu_update" => {
                let info = Nested(value.get("ProductSpuUpdate"));
                ShopEvent::ProductSpuUpdate {
                    product_id: info.id("product_id"),
                    status: info.id("status"),
                }
            }
            "channels_ec_brand" => {
                let info = Nested(value.get("BrandEvent"));
                ShopEvent::Brand {
                    brand_id: info.id("brand_id"),
                    audit_id: info.id("audit_id"),
                    status: info.id("status"),
                    reason: info.str("reason"),
                }
            }
            event => ShopEvent::Unknown { event },
        })
    }
}

/// A nested object of a push (`order_info`, `coupon_info`, …), if it is one.
#[derive(Clone, Copy)]
struct Nested<'a>(Option<&'a Value>);

impl<'a> Nested<'a> {
    fn field(self, name: &str) -> Option<&'a Value> {
        self.0?.as_object()?.get(name)
    }

    /// An id, a count or a code: a JSON number that is a `u64` (not negative, not a fraction),
    /// or a string of decimal digits and nothing else (no sign, no space) that fits one.
    fn id(self, name: &str) -> Option<u64> {
        json_u64(self.field(name)?)
    }

    /// Seconds since the epoch, as [`Nested::id`] reads them.
    fn time(self, name: &str) -> Option<SystemTime> {
        UNIX_EPOCH.checked_add(Duration::from_secs(self.id(name)?))
    }

    fn str(self, name: &str) -> Option<&'a str> {
        self.field(name)?.as_str()
    }
}

impl fmt::Debug for ShopEvent<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            ShopEvent::OrderNew { .. } => "OrderNew",
            ShopEvent::OrderCancel { .. } => "OrderCancel",
            ShopEvent::OrderPay { .. } => "OrderPay",
            ShopEvent::OrderDeliver { .. } => "OrderDeliver",
            ShopEvent::OrderConfirm { .. } => "OrderConfirm",
            ShopEvent::OrderSettle { .. } => "OrderSettle",
            ShopEvent::OrderExtInfoUpdate { .. } => "OrderExtInfoUpdate",
            ShopEvent::AftersaleUpdate { .. } => "AftersaleUpdate",
            ShopEvent::ComplaintUpdate { .. } => "ComplaintUpdate",
            ShopEvent::CouponReceive { .. } => "CouponReceive",
            ShopEvent::CouponDelete { .. } => "CouponDelete",
            ShopEvent::CouponInvalid { .. } => "CouponInvalid",
            ShopEvent::UserCouponExpire { .. } => "UserCouponExpire",
            ShopEvent::UserCouponUse { .. } => "UserCouponUse",
            ShopEvent::ProductSpuAudit { .. } => "ProductSpuAudit",
            ShopEvent::ProductSpuListing { .. } => "ProductSpuListing",
            ShopEvent::ProductSpuUpdate { .. } => "ProductSpuUpdate",
            ShopEvent::Brand { .. } => "Brand",
            ShopEvent::Unknown { .. } => "Unknown",
        };
        f.write_str(name)
    }
}
