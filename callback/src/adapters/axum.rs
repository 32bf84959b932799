//! The endpoint as an [axum](https://docs.rs/axum/0.8) 0.8 route (feature `axum-0_8`).
//!
//! [`route`] turns a [`Service`] and the application's handler into a `MethodRouter` for any
//! state (the handler takes the [`Callback`] and captures what else it needs), to mount at the callback's path in the application's own router, beside its other
//! routes; it answers the URL check, refusals and duplicates itself and hands the handler only
//! fresh, first-time callbacks. The raw query is taken as it arrived, the body bounded by the
//! endpoint's [`max_body`](crate::endpoint::Endpoint::max_body) (413 past it). A body the framework
//! cannot read (too large, cut off) is answered by the framework itself, with its own short
//! text: that happens before anything is verified, so it tells a sender nothing. A 405 says
//! `Allow: GET, POST`.
//!
//! ```
//! use std::sync::Arc;
//! use axum::Router;
//! use wxbizmsgcrypt_callback::endpoint::{Callback, Endpoint, MemoryDedup, Response, Service, Xml};
//! use wxbizmsgcrypt_callback::{MsgCrypt, message::Kind, reply::Reply};
//!
//! async fn on_callback(callback: Callback<Xml>) -> Response {
//!     match callback.message().kind() {
//!         Kind::Text(text) => callback
//!             .reply(&Reply::text(text.content.unwrap_or_default()))
//!             .unwrap_or_else(|_| callback.acknowledge()),
//!         _ => callback.acknowledge(),
//!     }
//! }
//!
//! let crypt = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
//! let wecom = Arc::new(Service::new(Endpoint::xml(crypt), MemoryDedup::new(64 << 20)));
//! let app: Router = Router::new().route("/callback", wxbizmsgcrypt_callback::axum::route(wecom, on_callback));
//! # let _ = app;
//! # Ok::<(), wxbizmsgcrypt_callback::Error>(())
//! ```

use std::future::Future;
use std::sync::Arc;
use std::time::SystemTime;

use ::axum::body::{Body, Bytes};
use ::axum::extract::{DefaultBodyLimit, RawQuery};
use ::axum::http::{HeaderValue, Method, StatusCode, header};
use ::axum::response::IntoResponse;
use ::axum::routing::{MethodRouter, any};

use crate::endpoint::{Callback, DedupStore, Format, Request, Response, Service};

/// The route of `service` for any method: GET answers the URL check, POST hands fresh,
/// first-time callbacks to `app` and answers with what it returns; everything else the
/// service answers itself (refusals, duplicates, 405).
///
/// # Example
///
/// See the [module docs](self).
///
/// ```
/// use std::sync::Arc;
/// use wxbizmsgcrypt_callback::endpoint::{AiBot, Callback, Endpoint, NoDedup, Service};
/// use wxbizmsgcrypt_callback::MsgCrypt;
///
/// #[derive(Clone)]
/// struct AppState; // the application's own state: the route works with any
///
/// let bot = Arc::new(Service::new(Endpoint::aibot(MsgCrypt::new("tok3n", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "")?), NoDedup));
/// let app = axum::Router::new()
///     .route("/aibot", wxbizmsgcrypt_callback::axum::route(bot, |callback: Callback<AiBot>| async move { callback.acknowledge() }))
///     .with_state(AppState);
/// # let _: axum::Router = app;
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
pub fn route<S, F, D, A, Fut>(service: Arc<Service<F, D>>, app: A) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
    F: Format,
    D: DedupStore + 'static,
    A: Fn(Callback<F>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    let max_body = service.endpoint().max_body();
    any(move |method: Method, RawQuery(query): RawQuery, body: Bytes| {
        let (service, app) = (Arc::clone(&service), app.clone());
        async move {
            let request = Request {
                method: method.as_str(),
                query: query.as_deref().unwrap_or(""),
                body: &body,
            };
            service.handle(request, SystemTime::now(), app).await
        }
    })
    .layer(DefaultBodyLimit::max(max_body))
}

impl IntoResponse for Response {
    fn into_response(self) -> ::axum::response::Response {
        // Every `Response` carries a status from 200 to 599 (its constructors see to it);
        // should one not, it fails closed as a 500.
        let status = StatusCode::from_u16(self.status()).unwrap_or_else(|_| {
            debug_assert!(false, "a response status outside 200..=599");
            StatusCode::INTERNAL_SERVER_ERROR
        });
        let content_type = self.content_type();
        let mut response = (status, Body::from(self.into_body())).into_response();
        if let Some(content_type) = content_type {
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        if status == StatusCode::METHOD_NOT_ALLOWED {
            response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
        }
        response
    }
}
