//! RFC 6265 `Set-Cookie` parsing ([`parse_set_cookie`]), cookie dates
//! ([`parse_cookie_date`]) and the canonical contract-level form ([`canonical`]) that
//! snapshots and assertions compare. Cookie values are never kept, only their length.

mod canon;
mod date;
mod parse;
mod pattern;

pub use canon::{CONTRACT_COOKIES, CONTRACT_PATH, CanonContext, canonical, is_extra_clearing};
pub use date::parse_cookie_date;
pub use parse::{CookieError, Lifetime, SetCookie, parse_set_cookie};
pub use pattern::{header_names, name_matches};
