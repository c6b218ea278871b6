//! A real browser for page tests: Debian's headless Chromium driven through
//! `ChromeDriver` over the W3C `WebDriver` protocol (plain HTTP and JSON, so no client
//! crate is needed). `ChromeDriver` is started on a free loopback port and killed when
//! the [`Browser`] drops; `scripts/setup.d/30-chromium` installs both.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

/// `ChromeDriver`, as Debian installs it.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Chromium, as Debian installs it.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// A headless Chromium session.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// What went wrong driving the browser.
pub type Result<T> = std::result::Result<T, String>;

impl Browser {
    /// Starts `ChromeDriver` and a headless Chromium with `JavaScript` switched off (the
    /// page must work without it). `None` when either is not installed.
    pub async fn start() -> Option<Result<Self>> {
        if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
            return None;
        }
        Some(Self::launch().await)
    }

    async fn launch() -> Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("chromedriver: {e}"))?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        let base = format!("http://127.0.0.1:{port}");
        let mut browser = Self {
            driver,
            base,
            session: String::new(),
            http,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = browser
                .raw("GET", "/status", None)
                .await
                .is_ok_and(|v| v["ready"] == json!(true));
            if ready {
                break;
            }
            if Instant::now() > deadline {
                return Err("chromedriver did not become ready in 20 s".into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1400,1100", "--no-first-run", "--disable-extensions"],
                "prefs": {"profile.managed_default_content_settings.javascript": 2}
            }
        }}});
        let v = browser.raw("POST", "/session", Some(caps)).await?;
        v["sessionId"]
            .as_str()
            .ok_or_else(|| format!("no session in {v}"))?
            .clone_into(&mut browser.session);
        Ok(browser)
    }

    async fn raw(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value> {
        let url = format!("{}{path}", self.base);
        let mut req = self
            .http
            .request(method.parse().map_err(|_| "method")?, &url)
            .timeout(Duration::from_mins(1));
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b.to_string());
        }
        let res = req.send().await.map_err(|e| format!("{method} {path}: {e}"))?;
        let status = res.status();
        let text = res.text().await.map_err(|e| format!("{method} {path}: {e}"))?;
        let v: Value = serde_json::from_str(&text).map_err(|e| format!("{method} {path}: {e}: {text}"))?;
        if !status.is_success() {
            return Err(format!("{method} {path}: {status}: {}", v["value"]));
        }
        Ok(v["value"].clone())
    }

    async fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value> {
        self.raw(method, &format!("/session/{}{path}", self.session), body)
            .await
    }

    /// Opens `url` and waits for it to load.
    pub async fn goto(&self, url: &str) -> Result<()> {
        self.cmd("POST", "/url", Some(json!({ "url": url }))).await.map(drop)
    }

    /// The current address.
    pub async fn url(&self) -> Result<String> {
        Ok(self
            .cmd("GET", "/url", None)
            .await?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    /// The page's HTML as the browser holds it.
    pub async fn source(&self) -> Result<String> {
        Ok(self
            .cmd("GET", "/source", None)
            .await?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    /// The text of the page's `<body>`, as shown.
    pub async fn text(&self) -> Result<String> {
        let body = self.wait_for("body").await?;
        Ok(self
            .cmd("GET", &format!("/element/{body}/text"), None)
            .await?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    /// The first element matching a CSS selector.
    pub async fn find(&self, css: &str) -> Result<String> {
        let v = self
            .cmd("POST", "/element", Some(json!({"using": "css selector", "value": css})))
            .await?;
        // W3C names an element under its `element-6066-…` key (`ELEMENT` before it).
        v.as_object()
            .and_then(|o| {
                o.iter()
                    .find(|(k, _)| k.starts_with("element-") || *k == "ELEMENT")
                    .and_then(|(_, id)| id.as_str())
            })
            .map(str::to_owned)
            .ok_or_else(|| format!("no element `{css}`: {v}"))
    }

    /// Waits (up to 15 s) for an element matching `css`, as a page loads after a
    /// click.
    pub async fn wait_for(&self, css: &str) -> Result<String> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            match self.find(css).await {
                Ok(e) => return Ok(e),
                Err(e) if Instant::now() > deadline => return Err(e),
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// Types `text` into the element matching `css`.
    pub async fn type_into(&self, css: &str, text: &str) -> Result<()> {
        let e = self.find(css).await?;
        self.cmd("POST", &format!("/element/{e}/value"), Some(json!({ "text": text })))
            .await
            .map(drop)
    }

    /// Clicks the element matching `css` (a submit button: the form is sent and the
    /// next page loaded).
    pub async fn click(&self, css: &str) -> Result<()> {
        let e = self.find(css).await?;
        self.cmd("POST", &format!("/element/{e}/click"), Some(json!({})))
            .await
            .map(drop)
    }

    /// Saves a PNG screenshot of the window to `path` (its folder is made).
    pub async fn screenshot(&self, path: &Path) -> Result<()> {
        let b64 = self.cmd("GET", "/screenshot", None).await?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap_or_default())
            .map_err(|e| e.to_string())?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        std::fs::write(path, png).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Ends the browser session.
    pub async fn quit(self) -> Result<()> {
        self.cmd("DELETE", "", None).await.map(drop)
    }
}
