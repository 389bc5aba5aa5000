//! The ARM API versions quikinfra speaks, one pinned stable version per resource type.
//!
//! Each is the version of the official example payloads the client and the test emulator are
//! checked against (`testdata/arm-examples`). Moving to a newer version is a deliberate change:
//! update the constant, the examples and the emulator together.

/// `Microsoft.Resources/resourceGroups`: a current stable version, supported in every cloud.
pub const RESOURCE_GROUPS: &str = "2024-03-01";
/// `Microsoft.ContainerService/managedClusters`: the newest stable version with examples.
pub const MANAGED_CLUSTERS: &str = "2026-07-01";
/// `Microsoft.DBforMySQL/flexibleServers`.
pub const MYSQL_FLEXIBLE_SERVERS: &str = "2024-12-30";
/// `Microsoft.Cache/redisEnterprise` (Azure Managed Redis) and its databases.
pub const REDIS_ENTERPRISE: &str = "2025-07-01";
/// `Microsoft.EventHub/namespaces` and their event hubs.
pub const EVENT_HUBS: &str = "2024-01-01";
/// `Microsoft.Network/trafficManagerProfiles`, endpoints inline.
pub const TRAFFIC_MANAGER: &str = "2022-04-01";
/// `Microsoft.Network/publicIPAddresses`.
pub const PUBLIC_IP_ADDRESSES: &str = "2024-07-01";
