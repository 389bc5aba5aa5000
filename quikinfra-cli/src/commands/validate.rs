//! `validate`: check the definition without calling anything; with `--cloud real`, also that
//! a linked plugin serves every resource type.

use crate::args::Cloud;
use crate::error::{CliError, CliResult};
use crate::plugins;
use crate::session::Session;

/// Validates the definition.
pub fn exec(session: &Session) -> CliResult {
    let env = session.env();
    let mut problems = match quikinfra_core::validate::validate(env) {
        Ok(_) => Default::default(),
        Err(problems) => problems,
    };
    if session.global.cloud == Cloud::Real {
        problems.0.extend(plugins::unserved(env, session.plugins()).0);
    }
    if !problems.is_empty() {
        return Err(CliError::msg(problems.sorted().to_string()));
    }
    session.shell.line(&format!("The definition of `{}` is valid: {} resources.", env.name(), env.resources().len()));
    Ok(0)
}
