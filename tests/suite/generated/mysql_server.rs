// Written by quikinfra from live objects, for environment `imported`. Paste it into the
// definition (or call `declare(&mut env)`), then import each object and plan: "No changes".
//   then: cargo run --example imported -- import azure_mysql_flexible_server.main /subscriptions/00000000-0000-0000-0000-00000000c0de/resourceGroups/rg-data-imported/providers/Microsoft.DBforMySQL/flexibleServers/mysql-quikapp-imported
//   then: cargo run --example imported -- plan
// Other resources' ARNs, ids and names are literal strings here: where the definition
// declares them, pass their references instead (`key.arn()`).

use quikinfra::azure::HighAvailability;
use quikinfra::azure::MySqlFlexibleServer;
use quikinfra::azure::MySqlTier;
use quikinfra::azure::MySqlVersion;
use quikinfra::prelude::*;

/// Declares the imported objects.
pub fn declare(env: &mut Environment) {
    // Azure never returns the administrator password: set MYSQL_MAIN_PASSWORD to the server's current one before import and plan; changing it later changes the password.
    // The resource group `rg-data-imported` is named, not referenced: where the definition declares it, use MySqlFlexibleServer::new(…, &group) instead.
    // The server is in subscription 00000000-0000-0000-0000-00000000c0de: the run's AZURE_SUBSCRIPTION_ID must name it.
    env.add(
        MySqlFlexibleServer::in_group("main", "mysql-quikapp-imported", "rg-data-imported", "westeurope")
            .sku(MySqlTier::GeneralPurpose, "Standard_D2ds_v4")
            .version(MySqlVersion::V8_4)
            .high_availability(HighAvailability::ZoneRedundant)
            .administrator("quikadmin", Secret::from_env("MYSQL_MAIN_PASSWORD"))
            .storage_gb(128)
            .backup_retention_days(14)
            .tag("cost-center", "42"),
    );
}
