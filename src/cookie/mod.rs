//! RFC 6265 Set-Cookie parsing and canonical forms.
