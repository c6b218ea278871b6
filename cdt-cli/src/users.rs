//! `cdt users`: administer the service's users and API tokens, in the application
//! database (`--database` or `CDT_DATABASE_URL`, default the same SQLite file as
//! `cdt serve`). Passwords and tokens are shown once, when made, and never stored in
//! the clear.

use std::fmt::Write as _;
use std::io::Read as _;
use std::process::ExitCode;

use anyhow::Context as _;
use cdt_store::tokens::TokenLife;
use cdt_store::users::{NewUser, parse_permissions};
use cdt_store::{Role, Store};
use clap::{Args, Subcommand};

#[derive(Args, Debug)]
pub(crate) struct UsersArgs {
    /// The application database: `sqlite://PATH` or `postgres://…`.
    #[arg(long, env = "CDT_DATABASE_URL", hide_env_values = true, global = true)]
    database: Option<String>,
    #[command(subcommand)]
    command: UsersCommand,
}

#[derive(Subcommand, Debug)]
enum UsersCommand {
    /// Add a user. The password is read from stdin with `--password-stdin`, otherwise
    /// one is generated and printed once.
    Add {
        /// Login name (a-z, 0-9, `.`, `_`, `@`, `-`).
        username: String,
        /// `admin`, `support` or `viewer`.
        #[arg(long)]
        role: String,
        /// Comma-separated permissions (`staging,production,configuration,hubspot`);
        /// default: the role's (admin: all; support: staging, hubspot; viewer: none).
        #[arg(long)]
        permissions: Option<String>,
        /// Read the password from stdin.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Disable a user: their sessions and tokens stop working at once.
    Disable {
        /// The user.
        username: String,
    },
    /// Enable a disabled user.
    Enable {
        /// The user.
        username: String,
    },
    /// Set a user's password (read from stdin).
    Passwd {
        /// The user.
        username: String,
    },
    /// Make an API token for a user (printed once).
    Token {
        /// The user.
        username: String,
        /// What it is for.
        #[arg(long, default_value = "api")]
        name: String,
        /// Days it lives, used or not.
        #[arg(long, default_value_t = 90)]
        days: i64,
        /// Days it may go unused.
        #[arg(long, default_value_t = 30)]
        idle_days: i64,
        /// The token counts as a second factor (for services that require one for
        /// production): only for tokens kept as carefully as a password and a phone.
        #[arg(long)]
        second_factor: bool,
    },
    /// List a user's tokens (ids, never the tokens).
    Tokens {
        /// The user.
        username: String,
    },
    /// Revoke a token by id.
    Revoke {
        /// The token's id (as `cdt users tokens` lists it).
        token_id: String,
    },
    /// Enrol a TOTP second factor: prints the `otpauth://` URI once.
    Totp {
        /// The user.
        username: String,
    },
    /// The latest security events.
    Events {
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

const DAY_MS: i64 = 24 * 3600 * 1000;

pub(crate) async fn users(args: UsersArgs) -> anyhow::Result<ExitCode> {
    let url = match args.database {
        Some(u) => u,
        None => cdt_store::url_from_env()?,
    };
    let store = Store::open(&url).await?;
    let mut out = String::new();
    match args.command {
        UsersCommand::Add {
            username,
            role,
            permissions,
            password_stdin,
        } => {
            let role: Role = role.parse()?;
            let permissions = permissions.as_deref().map(parse_permissions).transpose()?;
            let (password, generated) = if password_stdin {
                (read_stdin_line()?, false)
            } else {
                (cdt_store::generate_password(), true)
            };
            let user = store
                .add_user(
                    NewUser {
                        username,
                        role,
                        permissions,
                    },
                    password.clone(),
                )
                .await?;
            let perms: Vec<&str> = user.permissions.iter().map(|p| p.as_str()).collect();
            let _ = writeln!(out, "added {} ({}; {})", user.username, user.role, perms.join(", "));
            if generated {
                let _ = writeln!(out, "password (shown once): {password}");
            }
        }
        UsersCommand::List { json } => {
            let users = store.users().await?;
            if json {
                out = serde_json::to_string_pretty(&users)? + "\n";
            } else {
                for u in users {
                    let perms: Vec<&str> = u.permissions.iter().map(|p| p.as_str()).collect();
                    let _ = writeln!(
                        out,
                        "{:<24} {:<8} {:<40} {}{}",
                        u.username,
                        u.role,
                        perms.join(","),
                        if u.totp { "totp " } else { "" },
                        if u.disabled { "DISABLED" } else { "" }
                    );
                }
            }
        }
        UsersCommand::Disable { username } => {
            store.set_disabled(&username, true).await?;
            let _ = writeln!(out, "disabled {username}");
        }
        UsersCommand::Enable { username } => {
            store.set_disabled(&username, false).await?;
            let _ = writeln!(out, "enabled {username}");
        }
        UsersCommand::Passwd { username } => {
            store.set_password(&username, read_stdin_line()?).await?;
            let _ = writeln!(out, "password set for {username}");
        }
        UsersCommand::Token {
            username,
            name,
            days,
            idle_days,
            second_factor,
        } => {
            let user = store
                .user_by_name(&username)
                .await?
                .with_context(|| format!("user `{username}` does not exist"))?;
            let life = TokenLife {
                idle_ms: idle_days.saturating_mul(DAY_MS),
                lifetime_ms: days.saturating_mul(DAY_MS),
            };
            let (info, token) = store.create_token(&user.id, &name, life, second_factor).await?;
            let _ = writeln!(out, "token {} for {username} (shown once):", info.id);
            let _ = writeln!(out, "{}", token.expose());
        }
        UsersCommand::Tokens { username } => {
            let user = store
                .user_by_name(&username)
                .await?
                .with_context(|| format!("user `{username}` does not exist"))?;
            for t in store.tokens_of(&user.id).await? {
                let state = if t.revoked_at.is_some() { "revoked" } else { "active" };
                let _ = writeln!(out, "{}  {:<20} {state}", t.id, t.name);
            }
        }
        UsersCommand::Revoke { token_id } => {
            store.revoke_token(&token_id).await?;
            let _ = writeln!(out, "revoked {token_id}");
        }
        UsersCommand::Totp { username } => {
            let e = store.enrol_totp(&username).await?;
            let _ = writeln!(out, "TOTP for {username} (shown once; add it to an authenticator app):");
            let _ = writeln!(out, "{}", e.uri());
        }
        UsersCommand::Events { limit } => {
            for e in store.events(limit).await? {
                let at = chrono::DateTime::from_timestamp_millis(e.at)
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "{at}  {:<14} {:<20} {:<15} {}",
                    e.event.kind,
                    e.event.username.unwrap_or_default(),
                    e.event.client.unwrap_or_default(),
                    e.event.detail
                );
            }
        }
    }
    crate::output::emit(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// One line from stdin, without its line break.
fn read_stdin_line() -> anyhow::Result<String> {
    let mut s = String::new();
    std::io::stdin()
        .take(4096)
        .read_to_string(&mut s)
        .context("reading the password from stdin")?;
    Ok(s.lines().next().unwrap_or_default().to_owned())
}
