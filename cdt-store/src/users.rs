//! Users, their role and their permissions.
//!
//! | role | reads runs, tools, customers | runs tools | administers users |
//! | --- | --- | --- | --- |
//! | `viewer` | yes | no | no |
//! | `support` | yes | on the environments it is permitted | no |
//! | `admin` | yes | on the environments it is permitted | yes |
//!
//! Permissions: `staging` and `production` (which customers' data a user may run
//! on), `configuration` (validate uploaded bundles, read settings checks) and
//! `hubspot` (triage tickets, post notes).

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use sqlx::Row as _;
use sqlx::any::AnyRow;

use crate::{Error, Result, Store, flag, new_id, password, totp};

/// What a user is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    /// Reads history, tools and customers; runs nothing.
    Viewer,
    /// Runs tools where permitted.
    Support,
    /// Also administers users.
    Admin,
}

/// What a user may touch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Permission {
    /// Customers on Bookmarked's staging environment.
    Staging,
    /// Customers on Bookmarked's production environment.
    Production,
    /// Configuration: validating uploaded bundles.
    Configuration,
    /// HubSpot: triage tickets and post notes.
    Hubspot,
}

impl Role {
    /// Every role.
    pub const ALL: [Self; 3] = [Self::Viewer, Self::Support, Self::Admin];

    /// The role's name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Support => "support",
            Self::Admin => "admin",
        }
    }

    /// The permissions a new user of this role gets when none are given.
    #[must_use]
    pub fn default_permissions(self) -> BTreeSet<Permission> {
        match self {
            Self::Viewer => BTreeSet::new(),
            Self::Support => [Permission::Staging, Permission::Hubspot].into(),
            Self::Admin => Permission::ALL.into(),
        }
    }
}

impl Permission {
    /// Every permission.
    pub const ALL: [Self; 4] = [Self::Staging, Self::Production, Self::Configuration, Self::Hubspot];

    /// The permission's name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Staging => "staging",
            Self::Production => "production",
            Self::Configuration => "configuration",
            Self::Hubspot => "hubspot",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| Error::Invalid {
                field: "role",
                reason: format!("`{}` is not a role; roles: admin, support, viewer", clip(s)),
            })
    }
}

impl FromStr for Permission {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| Error::Invalid {
                field: "permission",
                reason: format!(
                    "`{}` is not a permission; permissions: staging, production, configuration, hubspot",
                    clip(s)
                ),
            })
    }
}

/// A user, as the service sees it (never the password hash or the TOTP secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    /// Stable id.
    pub id: String,
    /// Login name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Permissions.
    pub permissions: BTreeSet<Permission>,
    /// Whether a TOTP second factor is enrolled.
    pub totp: bool,
    /// Whether the account is disabled.
    pub disabled: bool,
    /// When it was made (Unix ms).
    pub created_at: i64,
    /// Last successful login (Unix ms).
    pub last_login: Option<i64>,
}

impl User {
    /// Whether the user holds `p`.
    #[must_use]
    pub fn has(&self, p: Permission) -> bool {
        self.permissions.contains(&p)
    }

    /// Whether the user may run tools at all (viewers may not).
    #[must_use]
    pub fn may_run(&self) -> bool {
        !self.disabled && self.role >= Role::Support
    }

    /// Whether the user administers users.
    #[must_use]
    pub fn is_admin(&self) -> bool {
        !self.disabled && self.role == Role::Admin
    }
}

/// A new user's details.
#[derive(Clone, Debug)]
pub struct NewUser {
    /// Login name: 1–64 of `a-z 0-9 . _ @ -`.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Permissions; `None`: the role's defaults.
    pub permissions: Option<BTreeSet<Permission>>,
}

const COLUMNS: &str = "id, username, role, permissions, totp_secret, disabled, created_at, last_login";

impl Store {
    /// Adds a user with `password` (hashed with Argon2id).
    pub async fn add_user(&self, new: NewUser, password: String) -> Result<User> {
        check_username(&new.username)?;
        if self.user_by_name(&new.username).await?.is_some() {
            return Err(Error::UserExists(new.username));
        }
        let hash = password::hash(password).await?;
        let permissions = new.permissions.unwrap_or_else(|| new.role.default_permissions());
        let user = User {
            id: new_id(),
            username: new.username,
            role: new.role,
            permissions,
            totp: false,
            disabled: false,
            created_at: self.now_ms(),
            last_login: None,
        };
        let inserted = sqlx::query(
            "INSERT INTO users (id, username, password_hash, role, permissions, disabled, created_at) \
             VALUES ($1, $2, $3, $4, $5, 0, $6) ON CONFLICT (username) DO NOTHING",
        )
        .bind(&user.id)
        .bind(&user.username)
        .bind(hash)
        .bind(user.role.as_str())
        .bind(join(&user.permissions))
        .bind(user.created_at)
        .execute(self.pool())
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(Error::UserExists(user.username));
        }
        tracing::info!(target: "cdt::security", username = %user.username, role = %user.role, "user added");
        Ok(user)
    }

    /// The user named `username`.
    pub async fn user_by_name(&self, username: &str) -> Result<Option<User>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE username = $1"))
            .bind(username)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(user_of).transpose()
    }

    /// The user with id `id`.
    pub async fn user(&self, id: &str) -> Result<Option<User>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(user_of).transpose()
    }

    /// Every user, by name.
    pub async fn users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM users ORDER BY username"))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(user_of).collect()
    }

    /// The user whose name and password match, if enabled; `None` otherwise (the same
    /// work is done whether or not the user exists). Records the login time.
    pub async fn check_password(&self, username: &str, password: String) -> Result<Option<User>> {
        let row = sqlx::query("SELECT id, password_hash FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(self.pool())
            .await?;
        let (id, phc) = match &row {
            Some(r) => (Some(r.try_get::<String, _>(0)?), r.try_get::<String, _>(1)?),
            None => (None, password::DECOY.to_owned()),
        };
        if !password::verify(password, phc).await {
            return Ok(None);
        }
        let Some(id) = id else { return Ok(None) };
        let Some(user) = self.user(&id).await? else {
            return Ok(None);
        };
        if user.disabled {
            return Ok(None);
        }
        sqlx::query("UPDATE users SET last_login = $1 WHERE id = $2")
            .bind(self.now_ms())
            .bind(&id)
            .execute(self.pool())
            .await?;
        Ok(Some(user))
    }

    /// Disables (or enables again) a user; a disabled user's sessions and tokens stop
    /// working at once.
    pub async fn set_disabled(&self, username: &str, disabled: bool) -> Result<User> {
        let done = sqlx::query("UPDATE users SET disabled = $1 WHERE username = $2")
            .bind(i64::from(disabled))
            .bind(username)
            .execute(self.pool())
            .await?;
        if done.rows_affected() == 0 {
            return Err(not_found(username));
        }
        tracing::info!(target: "cdt::security", username, disabled, "user disabled flag set");
        self.user_by_name(username).await?.ok_or_else(|| not_found(username))
    }

    /// Sets a user's password.
    pub async fn set_password(&self, username: &str, password: String) -> Result<()> {
        let hash = password::hash(password).await?;
        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE username = $2")
            .bind(hash)
            .bind(username)
            .execute(self.pool())
            .await?;
        if done.rows_affected() == 0 {
            return Err(not_found(username));
        }
        Ok(())
    }

    /// Enrols a TOTP second factor for a user and returns its secret (base32), to be
    /// shown once (as an `otpauth://` URI for an authenticator app).
    pub async fn enrol_totp(&self, username: &str) -> Result<totp::Enrolment> {
        let secret = totp::new_secret();
        let done = sqlx::query("UPDATE users SET totp_secret = $1 WHERE username = $2")
            .bind(&secret)
            .bind(username)
            .execute(self.pool())
            .await?;
        if done.rows_affected() == 0 {
            return Err(not_found(username));
        }
        Ok(totp::Enrolment::new(username, secret))
    }

    /// Whether `code` is the user's current TOTP code (one step of drift allowed).
    pub async fn check_totp(&self, user_id: &str, code: &str) -> Result<bool> {
        let secret: Option<String> = sqlx::query("SELECT totp_secret FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(self.pool())
            .await?
            .map(|r| r.try_get::<Option<String>, _>(0))
            .transpose()?
            .flatten();
        Ok(secret.is_some_and(|s| totp::check(&s, code, self.now_ms() / 1000)))
    }
}

fn not_found(username: &str) -> Error {
    Error::NotFound {
        what: "user",
        id: clip(username),
    }
}

fn user_of(row: &AnyRow) -> Result<User> {
    let role: String = row.try_get("role")?;
    let permissions: String = row.try_get("permissions")?;
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        role: role.parse()?,
        permissions: permissions
            .split(',')
            .filter(|p| !p.is_empty())
            .map(str::parse)
            .collect::<Result<_>>()?,
        totp: row.try_get::<Option<String>, _>("totp_secret")?.is_some(),
        disabled: flag(row.try_get("disabled")?),
        created_at: row.try_get("created_at")?,
        last_login: row.try_get("last_login")?,
    })
}

fn join(ps: &BTreeSet<Permission>) -> String {
    ps.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(",")
}

/// Parses `staging,production` into permissions.
pub fn parse_permissions(s: &str) -> Result<BTreeSet<Permission>> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::parse)
        .collect()
}

fn check_username(name: &str) -> Result<()> {
    let ok = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._@-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid {
            field: "username",
            reason: "1 to 64 characters of a-z, 0-9, `.`, `_`, `@` and `-`".into(),
        })
    }
}

/// A caller's text, shortened and stripped of control characters, for an error.
pub(crate) fn clip(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(64).collect()
}
