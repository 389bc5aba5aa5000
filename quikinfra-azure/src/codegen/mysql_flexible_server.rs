//! `azure_mysql_flexible_server` as code: `MySqlFlexibleServer::in_group` (the resource group
//! by name), the SKU, version and high availability as their enums, and the administrator
//! with its password as a secret read from an environment variable (Azure never returns the
//! password); storage, backups and tags through the derived builders.

use quikinfra_core::addr::Address;
use quikinfra_core::codegen::{self, Chain, Declaration, Generate, GenerateContext, GenerateError};
use quikinfra_core::value::Attrs;

use super::{Draft, Placement, text};
use crate::{HighAvailability, MySqlFlexibleServer, MySqlTier, MySqlVersion};

impl Generate for MySqlFlexibleServer {
    fn generate(address: &Address, live: &Attrs, ctx: &GenerateContext<'_>) -> Result<Declaration, GenerateError> {
        let place = Placement::of(address, live)?;
        let base = MySqlFlexibleServer::in_group(address.name(), place.name, place.group, place.location);
        let chain = Chain::new("MySqlFlexibleServer::in_group", place.in_group_args(address));
        let mut draft = Draft::new(address, live, &base, "quikinfra::azure::MySqlFlexibleServer", chain);
        let (tier, size) = (MySqlFlexibleServer::SKU_TIER.name(), MySqlFlexibleServer::SKU_NAME.name());
        draft.handled(&[tier, size]);
        if !draft.is_default(tier) || !draft.is_default(size) {
            let tiers = [MySqlTier::Burstable, MySqlTier::GeneralPurpose, MySqlTier::MemoryOptimized];
            let tier = draft.variant(tier, "quikinfra::azure::MySqlTier", &tiers)?;
            draft.call("sku", [tier, codegen::string(text(address, live, size)?)]);
        }
        let versions = [MySqlVersion::V5_7, MySqlVersion::V8_0, MySqlVersion::V8_4];
        draft.choice(MySqlFlexibleServer::VERSION.name(), "version", "quikinfra::azure::MySqlVersion", &versions)?;
        let modes = [HighAvailability::Disabled, HighAvailability::SameZone, HighAvailability::ZoneRedundant];
        let mode = MySqlFlexibleServer::HIGH_AVAILABILITY.name();
        draft.choice(mode, "high_availability", "quikinfra::azure::HighAvailability", &modes)?;
        let (login, password) =
            (MySqlFlexibleServer::ADMINISTRATOR_LOGIN.name(), MySqlFlexibleServer::ADMINISTRATOR_PASSWORD.name());
        draft.handled(&[login, password]);
        let variable = password_variable(address);
        let secret = format!("Secret::from_env({})", codegen::string(&variable));
        draft.call("administrator", [codegen::string(text(address, live, login)?), secret]);
        draft.note(format!(
            "Azure never returns the administrator password: set {variable} to the server's current one before import and plan; changing it later changes the password."
        ));
        draft.named_group("MySqlFlexibleServer", place.group);
        draft.finish(&base, ctx)
    }
}

/// The environment variable the generated code reads the password from: `MYSQL_<LOCAL>_PASSWORD`
/// in upper case, every other character `_`.
fn password_variable(address: &Address) -> String {
    let local: String =
        address.name().chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
    format!("MYSQL_{local}_PASSWORD")
}
