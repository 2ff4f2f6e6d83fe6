//! The Chromium side of the browser check (issue 22): one headless Chromium per run, driven
//! through chromiumoxide's typed DevTools commands, one browser context per scenario client.
//!
//! Cookies reach a context only as `Set-Cookie` lines on a navigation to the [`Mirror`], so
//! Chromium parses and stores them by its own rules. Its cookies are read with
//! `Storage.getCookies` *with the context's id* (without one Chromium answers for the default
//! context), and what it would send to a URL with `Network.getCookies` on the context's page.

use std::path::PathBuf;
use std::sync::Arc;

use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use chromiumoxide::cdp::browser_protocol::network::{
    Cookie, CookieSameSite, GetCookiesParams as PageCookies,
};
use chromiumoxide::cdp::browser_protocol::page::NavigateParams;
use chromiumoxide::cdp::browser_protocol::storage::{ClearCookiesParams, GetCookiesParams};
use chromiumoxide::cdp::browser_protocol::target::{
    CreateBrowserContextParams, CreateTargetParams, DisposeBrowserContextParams,
};
use chromiumoxide::page::Page;
use futures_util::StreamExt;
use url::Url;

use super::compare::{BrowserCookie, CookieView};
use super::mirror::Mirror;

/// The executables looked for on `PATH` when `OPENAPP_CONFORMANCE_CHROMIUM` is unset.
const NAMES: &[&str] = &["chromium", "chromium-browser", "google-chrome", "chrome"];

/// How to get Chromium, for the one-line error when it is missing.
pub const INSTALL_HINT: &str = "install Debian's `chromium` (`apt-get install chromium`) or set \
                                OPENAPP_CONFORMANCE_CHROMIUM to a Chromium or Chrome executable";

/// One headless Chromium and the mirror that feeds it.
pub struct Chromium {
    browser: Browser,
    mirror: Mirror,
    /// `Chromium 156.0.…` as the browser reports it.
    pub version: String,
    handler: tokio::task::JoinHandle<()>,
    profile: PathBuf,
}

impl std::fmt::Debug for Chromium {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chromium")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        self.handler.abort();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// The Chromium executable: `OPENAPP_CONFORMANCE_CHROMIUM`, else the first of [`NAMES`] on
/// `PATH`.
pub fn executable() -> Option<PathBuf> {
    if let Some(given) = std::env::var_os("OPENAPP_CONFORMANCE_CHROMIUM") {
        let path = PathBuf::from(given);
        return path.is_file().then_some(path);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| NAMES.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// Is this process root (Chromium's sandbox refuses to run as root)?
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

impl Chromium {
    /// Launches Chromium headless with every configured host mapped to the mirror's address
    /// and the mirror's certificate trusted; a fresh profile directory per run.
    pub async fn launch(hosts: &[String]) -> Result<Chromium, String> {
        let exe = executable().ok_or_else(|| format!("chromium not found: {INSTALL_HINT}"))?;
        let mirror = Mirror::start(hosts).await?;
        let rules: Vec<String> = hosts.iter().map(|h| format!("MAP {h} 127.0.0.1")).collect();
        let profile = std::env::temp_dir().join(format!(
            "openapp-conformance-chromium-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        let mut config = BrowserConfig::builder()
            .chrome_executable(&exe)
            .user_data_dir(&profile)
            .arg(("host-resolver-rules", rules.join(",").as_str()))
            .arg(("ignore-certificate-errors-spki-list", mirror.spki()));
        if is_root() {
            config = config.no_sandbox();
        }
        let config = config.build()?;
        let (browser, mut events) = Browser::launch(config)
            .await
            .map_err(|e| format!("chromium ({}) did not start: {e}", exe.display()))?;
        let handler = tokio::spawn(async move { while events.next().await.is_some() {} });
        let version = browser
            .version()
            .await
            .map(|v| v.product)
            .unwrap_or_else(|_| "Chromium".into());
        Ok(Chromium {
            browser,
            mirror,
            version,
            handler,
            profile,
        })
    }

    /// A fresh browser context (its own cookie jar) with one blank page.
    pub async fn context(self: &Arc<Self>) -> Result<Context, String> {
        let id = self
            .browser
            .execute(CreateBrowserContextParams::default())
            .await
            .map_err(cdp)?
            .result
            .browser_context_id;
        let params = CreateTargetParams::builder()
            .url("about:blank")
            .browser_context_id(id.clone())
            .build()?;
        let page = self.browser.new_page(params).await.map_err(cdp)?;
        Ok(Context {
            chromium: self.clone(),
            id,
            page,
        })
    }
}

fn cdp(e: chromiumoxide::error::CdpError) -> String {
    format!("chromium: {e}")
}

/// One scenario client's browser context.
#[derive(Debug)]
pub struct Context {
    chromium: Arc<Chromium>,
    id: BrowserContextId,
    page: Page,
}

impl Context {
    /// Delivers `lines` as the answer to a request to `url` (a navigation of the context's
    /// page to the mirror).
    pub async fn deliver(&self, lines: Vec<String>, url: &Url) -> Result<(), String> {
        let to = self.chromium.mirror.delivery_url(lines, url)?;
        // `Page.navigate` answers once the response is committed, after the network stack
        // has stored its cookies; waiting for the page's load event adds nothing here.
        let answer = self
            .page
            .execute(NavigateParams::new(to.as_str()))
            .await
            .map_err(cdp)?;
        match &answer.result.error_text {
            Some(e) => Err(format!(
                "chromium could not load the delivery of {url}: {e}"
            )),
            None => Ok(()),
        }
    }

    /// Every cookie the context holds.
    pub async fn cookies(&self) -> Result<Vec<CookieView>, String> {
        let params = GetCookiesParams::builder()
            .browser_context_id(self.id.clone())
            .build();
        let cookies = self.chromium.browser.execute(params).await.map_err(cdp)?;
        Ok(cookies.result.cookies.iter().map(view).collect())
    }

    /// The names of the cookies the context would send to `url`.
    pub async fn would_send(&self, url: &Url) -> Result<Vec<String>, String> {
        let params = PageCookies::builder().urls(vec![url.to_string()]).build();
        let cookies = self.page.execute(params).await.map_err(cdp)?;
        Ok(cookies
            .result
            .cookies
            .iter()
            .map(|c| c.name.clone())
            .collect())
    }

    /// Deletes every cookie of the context (`Storage.clearCookies` with its id).
    pub async fn clear(&self) -> Result<(), String> {
        let params = ClearCookiesParams::builder()
            .browser_context_id(self.id.clone())
            .build();
        self.chromium.browser.execute(params).await.map_err(cdp)?;
        Ok(())
    }

    /// Closes the context (and its page).
    pub async fn dispose(self) {
        let _ = self
            .chromium
            .browser
            .execute(DisposeBrowserContextParams::new(self.id.clone()))
            .await;
    }
}

/// A CDP cookie as the comparison sees it.
fn view(c: &Cookie) -> CookieView {
    let same_site = c.same_site.as_ref().map(|s| match s {
        CookieSameSite::Strict => "Strict",
        CookieSameSite::Lax => "Lax",
        CookieSameSite::None => "None",
    });
    CookieView::from_browser(&BrowserCookie {
        name: &c.name,
        value: &c.value,
        domain: &c.domain,
        path: &c.path,
        secure: c.secure,
        http_only: c.http_only,
        same_site,
        session: c.session,
        expires: c.expires,
    })
}
