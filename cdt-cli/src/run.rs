//! `cdt run`: one diagnostic on a customer or on files, through `cdt_connectors::run`
//! (or `cdt_connectors::run_with_evidence` with `--evidence`).

use std::process::ExitCode;

use cdt_connectors::RunOptions;
use cdt_core::{Inputs, Registry};

use crate::cli::RunArgs;

#[cfg(feature = "service")]
/// The platform-query budget of a service user, in the service's application database.
async fn budget_of(username: &str) -> anyhow::Result<std::sync::Arc<dyn cdt_core::QueryBudget>> {
    use anyhow::Context as _;
    let store = cdt_store::Store::open(&cdt_store::url_from_env()?).await?;
    let user = store
        .user_by_name(username)
        .await?
        .with_context(|| format!("--as: the service has no user `{username}`"))?;
    anyhow::ensure!(!user.disabled, "--as: user `{username}` is disabled");
    Ok(std::sync::Arc::new(cdt_store::budget::UserBudget::new(store, user.id)))
}

pub(crate) async fn run(registry: &Registry, args: RunArgs) -> anyhow::Result<ExitCode> {
    let tool = registry.get(&args.tool)?;
    let inputs = Inputs::from_pairs(args.inputs.iter().cloned());
    let target = args.target.target()?;
    #[cfg_attr(not(feature = "service"), allow(unused_mut))]
    let mut options = RunOptions::now(args.ticket).fresh(args.fresh);
    #[cfg(feature = "service")]
    if let Some(username) = &args.as_user {
        options = options.budget(budget_of(username).await?);
    }
    let result = match &args.evidence {
        None => cdt_connectors::run(tool.as_ref(), &inputs, &target, &options).await?,
        Some(dir) => {
            let (result, evidence) =
                cdt_connectors::run_with_evidence(tool.as_ref(), &inputs, &target, &options, dir).await?;
            // On stderr, so stdout stays the result alone (`--json`, `--hubspot`).
            crate::output::note(&format!(
                "wrote the evidence of this case: --source {} --platform {}",
                evidence.source.path.display(),
                evidence.platform.path.display()
            ));
            result
        }
    };
    if args.json {
        crate::output::emit(&(result.to_json() + "\n"))?;
    } else if args.hubspot {
        crate::output::emit(&(result.to_hubspot_comment() + "\n"))?;
    } else {
        crate::output::emit(&result.to_text())?;
    }
    Ok(if result.needs_action() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
