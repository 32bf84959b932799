//! The endpoint as an [actix-web](https://docs.rs/actix-web/4) 4 resource (feature
//! `actix-web-4`).
//!
//! [`resource`] turns a [`Service`] and the application's handler into a `Resource` at the
//! callback's path, to register in the application's `App` beside its other services; it
//! answers the URL check, refusals and duplicates itself and hands the handler only fresh,
//! first-time callbacks. The raw query is taken as it arrived, the body bounded by the
//! endpoint's [`max_body`](crate::endpoint::Endpoint::max_body) (413 past it). A body the framework
//! cannot read (too large, cut off) is answered by the framework itself, with its own short
//! text: that happens before anything is verified, so it tells a sender nothing. A 405 says
//! `Allow: GET, POST`.
//!
//! ```
//! use std::sync::Arc;
//! use actix_web::App;
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
//! // In `HttpServer::new(move || …)`, once per worker; the service is shared.
//! let app = App::new().service(wxbizmsgcrypt_callback::actix::resource("/callback", Arc::clone(&wecom), on_callback));
//! # let _ = app;
//! # Ok::<(), wxbizmsgcrypt_callback::Error>(())
//! ```

use std::future::Future;
use std::sync::Arc;
use std::time::SystemTime;

use actix_web::http::StatusCode;
use actix_web::http::header::{ALLOW, CONTENT_TYPE, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, Resource, Responder, web};

use crate::endpoint::{Callback, DedupStore, Format, Request, Response, Service};

/// The resource of `service` at `path`, for any method: GET answers the URL check, POST hands
/// fresh, first-time callbacks to `app` and answers with what it returns; everything else the
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
/// let bot = Arc::new(Service::new(Endpoint::aibot(MsgCrypt::new("tok3n", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "")?), NoDedup));
/// let resource = wxbizmsgcrypt_callback::actix::resource("/aibot", bot, |callback: Callback<AiBot>| async move { callback.acknowledge() });
/// # let _ = resource;
/// # Ok::<(), wxbizmsgcrypt_callback::Error>(())
/// ```
pub fn resource<F, D, A, Fut>(path: &str, service: Arc<Service<F, D>>, app: A) -> Resource
where
    F: Format,
    D: DedupStore + 'static,
    A: Fn(Callback<F>) -> Fut + Clone + 'static,
    Fut: Future<Output = Response> + 'static,
{
    let max_body = service.endpoint().max_body();
    web::resource(path).app_data(web::PayloadConfig::new(max_body)).route(web::route().to(
        move |request: HttpRequest, body: web::Bytes| {
            let (service, app) = (Arc::clone(&service), app.clone());
            async move {
                let request = Request {
                    method: request.method().as_str(),
                    query: request.query_string(),
                    body: &body,
                };
                service.handle(request, SystemTime::now(), app).await
            }
        },
    ))
}

impl Responder for Response {
    type Body = String;

    fn respond_to(self, _request: &HttpRequest) -> HttpResponse<String> {
        // Every `Response` carries a status from 200 to 599 (its constructors see to it);
        // should one not, it fails closed as a 500.
        let status = StatusCode::from_u16(self.status()).unwrap_or_else(|_| {
            debug_assert!(false, "a response status outside 200..=599");
            StatusCode::INTERNAL_SERVER_ERROR
        });
        let content_type = self.content_type();
        let mut response = HttpResponse::with_body(status, self.into_body());
        if let Some(content_type) = content_type {
            response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        if status == StatusCode::METHOD_NOT_ALLOWED {
            response.headers_mut().insert(ALLOW, HeaderValue::from_static("GET, POST"));
        }
        response
    }
}
