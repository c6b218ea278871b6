//! The HubSpot settings file of a settings folder (`_hubspot.json`), and the client and
//! login it makes: the refresh token kept encrypted in `token_file`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::oauth::{self, FileTokenStore, OAuthClient, TokenStore};
use super::{HubSpot, HubSpotSettings};
use crate::credentials::CredentialManager;
use crate::error::{Error, RestErrorKind, Result};

/// The file's name in a settings folder.
pub const FILE_NAME: &str = "_hubspot.json";

/// The largest settings file read.
const MAX_BYTES: u64 = 64 * 1024;

fn settings_error(path: &Path, field: Option<&str>, message: &str) -> Error {
    Error::HubSpot {
        request: format!("settings {}", path.display()),
        status: None,
        kind: RestErrorKind::Settings,
        correlation_id: None,
        message: match field {
            Some(f) => format!("{}: field `{f}`: {message}", path.display()),
            None => format!("{}: {message}", path.display()),
        },
    }
}

/// The settings in `path`, with `token_file` resolved against the file's folder.
pub fn load(path: &Path) -> Result<HubSpotSettings> {
    let text = read_capped(path).map_err(|e| settings_error(path, None, &format!("cannot read it ({e})")))?;
    let de = &mut serde_json::Deserializer::from_str(&text);
    let mut settings: HubSpotSettings = serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        settings_error(path, (field != ".").then_some(field.as_str()), &e.inner().to_string())
    })?;
    if let Some(file) = &settings.token_file
        && file.is_relative()
    {
        settings.token_file = Some(path.parent().unwrap_or(Path::new(".")).join(file));
    }
    if settings.token_file.is_some() != settings.token_key.is_some() {
        return Err(settings_error(
            path,
            Some("token_key"),
            "`token_file` and `token_key` go together: the file is encrypted with the key",
        ));
    }
    Ok(settings)
}

fn read_capped(path: &Path) -> std::result::Result<String, String> {
    use std::io::Read as _;
    let (file, meta) = crate::files::open_regular(path).map_err(|e| e.to_string())?;
    if meta.len() > MAX_BYTES {
        return Err(format!("over {MAX_BYTES} bytes"));
    }
    let mut text = String::new();
    file.take(MAX_BYTES)
        .read_to_string(&mut text)
        .map_err(|e| format!("not UTF-8 text: {e}"))?;
    Ok(text)
}

/// Where the settings are: `explicit`, or `<settings_dir>/_hubspot.json`.
#[must_use]
pub fn path_in(settings_dir: &Path, explicit: Option<&Path>) -> PathBuf {
    explicit.map_or_else(|| settings_dir.join(FILE_NAME), Path::to_owned)
}

async fn store(settings: &HubSpotSettings, creds: &CredentialManager) -> Result<Option<Arc<dyn TokenStore>>> {
    match (&settings.token_file, &settings.token_key) {
        (Some(file), Some(key)) => Ok(Some(Arc::new(FileTokenStore::from_reference(file, creds, key).await?))),
        _ => Ok(None),
    }
}

/// The client of the settings in `path`, its secrets resolved with `creds`.
pub async fn client(path: &Path, creds: &CredentialManager) -> Result<HubSpot> {
    let settings = load(path)?;
    let store = store(&settings, creds).await?;
    HubSpot::from_settings(&settings, creds, store).await
}

/// What `cdt hubspot login` needs between printing the URL and getting the code.
pub struct Login {
    settings: HubSpotSettings,
    path: PathBuf,
    state: String,
    listener: tokio::net::TcpListener,
    /// The URL to open in a browser.
    pub authorize_url: String,
}

/// Starts the login of the settings in `path`: listens for the redirect and makes the
/// authorize URL.
pub async fn start_login(path: &Path) -> Result<Login> {
    let settings = load(path)?;
    if settings.token_file.is_none() {
        return Err(settings_error(
            path,
            Some("token_file"),
            "set `token_file` and `token_key`: the login keeps the refresh token there, encrypted",
        ));
    }
    let state = oauth::new_state()?;
    let authorize_url = settings.authorize_url(&state)?;
    let listener = oauth::bind_redirect(settings.redirect_port).await?;
    Ok(Login {
        settings,
        path: path.to_owned(),
        state,
        listener,
        authorize_url,
    })
}

impl Login {
    /// Waits for the browser's redirect (at most `timeout`), exchanges the code and
    /// stores the refresh token. Returns where it is stored.
    pub async fn finish(self, creds: &CredentialManager, timeout: Duration) -> Result<PathBuf> {
        let code = oauth::wait_for_redirect(&self.listener, &self.state, timeout).await?;
        let s = &self.settings;
        let (Some(client_id), Some(secret)) = (&s.client_id, &s.client_secret) else {
            return Err(settings_error(
                &self.path,
                Some("client_id"),
                "the login needs `client_id` and `client_secret`",
            ));
        };
        let oauth = OAuthClient::new(
            &s.api_base,
            &s.oauth_version,
            client_id,
            creds.get(secret).await?,
            Duration::from_secs(s.timeout_seconds),
        )?;
        let tokens = oauth.exchange_code(&code, &s.redirect_uri()).await?;
        let Some(refresh) = tokens.refresh_token else {
            return Err(Error::HubSpot {
                request: "OAuth token exchange".into(),
                status: None,
                kind: RestErrorKind::Malformed,
                correlation_id: None,
                message: "HubSpot sent no refresh token".into(),
            });
        };
        let store = store(s, creds)
            .await?
            .ok_or_else(|| settings_error(&self.path, Some("token_file"), "no token file to keep the login in"))?;
        store.save(&refresh).await?;
        Ok(s.token_file.clone().unwrap_or_default())
    }
}
