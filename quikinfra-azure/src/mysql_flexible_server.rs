//! `azure_mysql_flexible_server`: an Azure Database for MySQL flexible server, with its SKU,
//! storage, high availability, backups and administrator.
//!
//! Attribute names follow ARM's `Microsoft.DBforMySQL/flexibleServers` (API 2024-12-30) in
//! snake case. The administrator password is a [`Secret`]: it is read from the environment at
//! plan and apply time and never reaches state, plans or logs.

use std::collections::BTreeMap;

use quikinfra_core::diag::FieldProblems;
use quikinfra_core::resource::{Meta, Resource};
use quikinfra_core::schema::AttrValue;
use quikinfra_core::value::{Computed, Secret, Val};
use serde::Serialize;

use crate::ResourceGroup;
use crate::check::{self, NameRules};

/// The smallest storage a flexible server takes, in GB.
pub const MIN_STORAGE_GB: u32 = 20;
/// The largest storage a flexible server takes, in GB.
pub const MAX_STORAGE_GB: u32 = 16_384;

/// A MySQL flexible server.
///
/// ```ignore
/// let db = MySqlFlexibleServer::new("main", "mysql-quikapp-prod", &rg)
///     .sku(MySqlTier::GeneralPurpose, "Standard_D4ds_v4")
///     .high_availability(HighAvailability::ZoneRedundant)
///     .administrator("quikadmin", Secret::from_env("MYSQL_ADMIN_PASSWORD"));
/// ```
///
/// A new server is Burstable `Standard_B1ms`, MySQL 8.0, 20 GB, no high availability, 7 days
/// of backups. A multi-AZ server is [`HighAvailability::ZoneRedundant`].
#[derive(Clone, Debug, Serialize, Resource)]
#[resource(type = "azure_mysql_flexible_server", provider = "azure", refs(id, fqdn), validate = Self::check)]
pub struct MySqlFlexibleServer {
    #[serde(skip)]
    meta: Meta,
    /// The server's ARM id.
    #[serde(skip)]
    #[resource(computed)]
    id: Computed<String>,
    /// The server's host name, `<name>.mysql.database.azure.com`.
    #[serde(skip)]
    #[resource(computed)]
    fqdn: Computed<String>,
    /// Also its global DNS name (`NAME.mysql.database.azure.com`): unique across Azure.
    #[resource(identity, force_new = "a mysql server cannot be renamed")]
    name: String,
    /// Places the server in another region than its resource group's (short name).
    #[resource(setter, force_new = "a mysql server cannot move to another region")]
    location: String,
    /// Places the server in a resource group given by name or reference.
    #[resource(setter, force_new = "a mysql server cannot move to another resource group")]
    resource_group: Val<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[resource(optional_computed, force_new = "a resource cannot move to another subscription")]
    subscription_id: Option<String>,
    /// Sets the MySQL version. Major upgrades happen in place; there is no way back down.
    #[resource(setter)]
    version: MySqlVersion,
    sku_tier: MySqlTier,
    sku_name: String,
    /// Sets the storage size in GB, 20 to 16384. Storage can only grow: a smaller value than the
    /// live one is refused by Azure, a rule that needs the live value and is the provider's to
    /// check.
    #[resource(setter)]
    storage_gb: u32,
    /// Sets the high availability mode (not on the Burstable tier).
    #[resource(setter)]
    high_availability: HighAvailability,
    /// Keeps automatic backups for `days` days, 1 to 35.
    #[resource(setter)]
    backup_retention_days: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[resource(force_new = "the administrator login is fixed at creation")]
    administrator_login: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[resource(sensitive)]
    administrator_password: Option<Secret>,
    /// Adds a tag.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[resource(insert = "tag")]
    tags: BTreeMap<String, String>,
}

impl MySqlFlexibleServer {
    /// A server called `name` (its host is `<name>.mysql.database.azure.com`) in `group`'s
    /// region, addressed as `azure_mysql_flexible_server.<local>`. It needs an
    /// [`administrator`](Self::administrator).
    pub fn new(local: &str, name: impl Into<String>, group: &ResourceGroup) -> Self {
        Self {
            meta: Meta::named(local),
            id: Computed::new(),
            fqdn: Computed::new(),
            name: name.into(),
            location: group.location().to_string(),
            resource_group: group.name().into(),
            subscription_id: group.subscription_id().map(str::to_string),
            version: MySqlVersion::V8_0,
            sku_tier: MySqlTier::Burstable,
            sku_name: "Standard_B1ms".to_string(),
            storage_gb: MIN_STORAGE_GB,
            high_availability: HighAvailability::Disabled,
            backup_retention_days: 7,
            administrator_login: None,
            administrator_password: None,
            tags: BTreeMap::new(),
        }
    }

    /// Like [`MySqlFlexibleServer::new`], in a resource group this definition does not declare, named
    /// `resource_group` (a literal or another definition's reference) in region `location`.
    pub fn in_group(
        local: &str,
        name: impl Into<String>,
        resource_group: impl Into<Val<String>>,
        location: impl Into<String>,
    ) -> Self {
        let mut server = Self::new(local, name, &ResourceGroup::new(local, "", location));
        server.resource_group = resource_group.into();
        server
    }

    /// Sets the compute tier and size, `(MySqlTier::GeneralPurpose, "Standard_D2ds_v4")`.
    pub fn sku(mut self, tier: MySqlTier, name: impl Into<String>) -> Self {
        self.sku_tier = tier;
        self.sku_name = name.into();
        self
    }

    /// Sets the administrator's login (fixed at creation) and password.
    pub fn administrator(mut self, login: impl Into<String>, password: Secret) -> Self {
        self.administrator_login = Some(login.into());
        self.administrator_password = Some(password);
        self
    }
}

/// The MySQL major version, in ARM's spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, AttrValue)]
pub enum MySqlVersion {
    /// MySQL 5.7 (extended support only).
    #[serde(rename = "5.7")]
    V5_7,
    /// MySQL 8.0 (ARM spells it `8.0.21`).
    #[serde(rename = "8.0.21")]
    V8_0,
    /// MySQL 8.4 LTS.
    #[serde(rename = "8.4")]
    V8_4,
}

/// The compute tier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, AttrValue)]
pub enum MySqlTier {
    /// B-series VMs with CPU credits; no high availability.
    Burstable,
    /// D-series VMs.
    GeneralPurpose,
    /// E-series VMs, more memory per core.
    MemoryOptimized,
}

impl MySqlTier {
    /// The prefix every SKU name of the tier starts with.
    fn sku_prefix(self) -> &'static str {
        match self {
            MySqlTier::Burstable => "Standard_B",
            MySqlTier::GeneralPurpose => "Standard_D",
            MySqlTier::MemoryOptimized => "Standard_E",
        }
    }
}

/// The high availability mode: a standby server kept in sync, promoted on failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, AttrValue)]
pub enum HighAvailability {
    /// No standby.
    Disabled,
    /// A standby in the same availability zone.
    SameZone,
    /// A standby in another availability zone (multi-AZ).
    ZoneRedundant,
}

const SERVER_NAME: NameRules =
    NameRules { len: (3, 63), uppercase: false, punctuation: &['-'], starts_with_letter: false };

/// Logins MySQL flexible server refuses.
const RESERVED_LOGINS: [&str; 7] =
    ["azure_superuser", "azure_pg_admin", "admin", "administrator", "root", "guest", "public"];

fn validate_login(p: &mut FieldProblems<'_>, login: &str) {
    let len = login.chars().count();
    if !(1..=32).contains(&len) {
        p.field("administrator_login", format!("must be 1 to 32 characters long, got {len}"));
    }
    if !login.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        || !login.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        p.field("administrator_login", "must start with a letter and hold only letters, digits and `_`");
    }
    if RESERVED_LOGINS.contains(&login.to_ascii_lowercase().as_str()) {
        p.field("administrator_login", format!("`{login}` is reserved by azure"));
    }
}

impl MySqlFlexibleServer {
    fn check(&self, p: &mut FieldProblems<'_>) {
        for message in check::name_problems(&self.name, &SERVER_NAME) {
            p.field("name", message);
        }
        check::location(p, &self.location);
        check::resource_group(p, "resource_group", &self.resource_group);
        check::subscription(p, self.subscription_id.as_deref());
        let prefix = self.sku_tier.sku_prefix();
        if !self.sku_name.starts_with(prefix) || self.sku_name.len() == prefix.len() {
            p.field(
                "sku_name",
                format!("a {:?} server needs a `{prefix}…` size, got `{}`", self.sku_tier, self.sku_name),
            );
        }
        if !(MIN_STORAGE_GB..=MAX_STORAGE_GB).contains(&self.storage_gb) {
            p.field("storage_gb", format!("must be {MIN_STORAGE_GB} to {MAX_STORAGE_GB} GB, got {}", self.storage_gb));
        }
        if self.sku_tier == MySqlTier::Burstable && self.high_availability != HighAvailability::Disabled {
            p.field(
                "high_availability",
                "the Burstable tier does not support high availability: use GeneralPurpose or MemoryOptimized",
            );
        }
        if !(1..=35).contains(&self.backup_retention_days) {
            p.field("backup_retention_days", format!("must be 1 to 35 days, got {}", self.backup_retention_days));
        }
        match &self.administrator_login {
            None => p.field("administrator_login", "required: call `.administrator(login, password)`"),
            Some(login) => validate_login(p, login),
        }
        check::tags(p, &self.tags);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testing::{assert_problem, attrs, problems};

    fn rg() -> ResourceGroup {
        ResourceGroup::new("main", "rg-quikapp-prod", "westeurope")
    }

    fn production() -> MySqlFlexibleServer {
        MySqlFlexibleServer::new("main", "mysql-quikapp-prod", &rg())
            .sku(MySqlTier::GeneralPurpose, "Standard_D4ds_v4")
            .storage_gb(256)
            .high_availability(HighAvailability::ZoneRedundant)
            .backup_retention_days(35)
            .administrator("quikadmin", Secret::from_env("MYSQL_ADMIN_PASSWORD"))
    }

    #[test]
    fn a_production_server_serializes_with_its_secret_as_a_pointer() {
        assert_eq!(
            attrs(&production()),
            json!({
                "name": "mysql-quikapp-prod",
                "location": "westeurope",
                "resource_group": {"$ref": "azure_resource_group.main.name"},
                "version": "8.0.21",
                "sku_tier": "GeneralPurpose",
                "sku_name": "Standard_D4ds_v4",
                "storage_gb": 256,
                "high_availability": "ZoneRedundant",
                "backup_retention_days": 35,
                "administrator_login": "quikadmin",
                "administrator_password": {"$secret": {"env": "MYSQL_ADMIN_PASSWORD"}}
            })
        );
        assert!(problems(production()).is_empty(), "{:?}", problems(production()));
    }

    #[test]
    fn defaults_are_a_small_burstable_server() {
        let json = attrs(&MySqlFlexibleServer::new("main", "mysql-quikapp-qa", &rg()).version(MySqlVersion::V8_4));
        assert_eq!(json["sku_tier"], json!("Burstable"));
        assert_eq!(json["sku_name"], json!("Standard_B1ms"));
        assert_eq!(json["storage_gb"], json!(20));
        assert_eq!(json["high_availability"], json!("Disabled"));
        assert_eq!(json["backup_retention_days"], json!(7));
        assert_eq!(json["version"], json!("8.4"));
        assert!(json.get("administrator_password").is_none());
    }

    #[test]
    fn accessors_and_schema() {
        let db = production();
        assert_eq!(serde_json::to_value(db.id()).unwrap(), json!({"$ref": "azure_mysql_flexible_server.main.id"}));
        assert_eq!(serde_json::to_value(db.fqdn()).unwrap(), json!({"$ref": "azure_mysql_flexible_server.main.fqdn"}));
        let schema = MySqlFlexibleServer::schema();
        assert!(schema.attr("administrator_password").unwrap().sensitive);
        assert!(schema.attr("administrator_login").unwrap().force_new);
        assert!(!schema.attr("storage_gb").unwrap().force_new);
        assert!(schema.has_tags());
    }

    #[test]
    fn burstable_cannot_be_highly_available() {
        let db = production().sku(MySqlTier::Burstable, "Standard_B2s");
        assert_problem(&problems(db), "high_availability", "Burstable tier does not support high availability");
        let same_zone = production().high_availability(HighAvailability::SameZone);
        assert!(problems(same_zone).is_empty());
    }

    #[test]
    fn ranges_and_names_are_checked() {
        let db = MySqlFlexibleServer::new("main", "MySQL_prod", &rg())
            .sku(MySqlTier::MemoryOptimized, "Standard_D4ds_v4")
            .storage_gb(16_385)
            .backup_retention_days(0)
            .administrator("root", Secret::from_env("PW"));
        let found = problems(db);
        assert_problem(&found, "name", "lowercase letters");
        assert_problem(&found, "sku_name", "`Standard_E…`");
        assert_problem(&found, "storage_gb", "20 to 16384");
        assert_problem(&found, "backup_retention_days", "got 0");
        assert_problem(&found, "administrator_login", "reserved");
        assert_problem(&problems(production().storage_gb(19)), "storage_gb", "got 19");
        assert_problem(&problems(production().backup_retention_days(36)), "backup_retention_days", "got 36");
    }

    #[test]
    fn an_administrator_is_required() {
        let found = problems(MySqlFlexibleServer::new("main", "mysql-quikapp-qa", &rg()));
        assert_problem(&found, "administrator_login", "required");
        let found = problems(production().administrator("9admin-x", Secret::from_env("PW")));
        assert_problem(&found, "administrator_login", "must start with a letter");
    }
}
