//! Azure resource types for quikinfra: resource groups, AKS clusters, MySQL flexible servers,
//! Azure Managed Redis caches, Event Hubs namespaces used as Kafka, Traffic Manager profiles and
//! public IP addresses.
//!
//! Each type module holds one resource type: its typed spec with builders and documented
//! defaults, its static schema (what forces replacement and why, what ARM computes) and its
//! field rules, checked before any API call. [`arm`] is the ARM client (on `azure_core`'s
//! pipeline, with `azure_identity` credentials) and [`provider`] the engine's `azure` provider
//! over it. [`blob`] keeps state in Azure Blob Storage (`azblob://`), on `azure_storage_blob`.
//!
//! Every type but the resource group takes `&ResourceGroup` in its constructor, copying the
//! group's region and referring to its name:
//!
//! ```ignore
//! let rg = ResourceGroup::new("main", "rg-quikapp-prod", "westeurope");
//! let aks = AksCluster::new("main", "aks-quikapp-prod", &rg)
//!     .tier(AksTier::Standard)
//!     .zones(["1", "2", "3"])
//!     .user_pool("Standard_D8s_v5", Replicas::range(3, 5));
//! let db = MySqlFlexibleServer::new("main", "mysql-quikapp-prod", &rg)
//!     .sku(MySqlTier::GeneralPurpose, "Standard_D4ds_v4")
//!     .high_availability(HighAvailability::ZoneRedundant)
//!     .administrator("quikadmin", Secret::from_env("MYSQL_ADMIN_PASSWORD"));
//! let redis = ManagedRedis::new("cache", "redis-quikapp-prod", &rg)
//!     .sku(RedisSku::BalancedB5)
//!     .high_availability(true);
//! let kafka = KafkaNamespace::new("events", "evh-quikapp-prod", &rg).tier(EventHubsTier::Premium);
//! ```

pub mod aks_cluster;
pub mod arm;
pub mod blob;
mod check;
pub mod codegen;
pub mod kafka_namespace;
pub mod managed_redis;
pub mod mysql_flexible_server;
pub mod plugin;
pub mod provider;
pub mod public_ip;
pub mod regions;
pub mod resource_group;
#[cfg(test)]
mod testing;
pub mod traffic_manager_profile;

pub use aks_cluster::{AksCluster, AksTier, NetworkPlugin, NetworkPluginMode, NetworkProfile, Replicas};
pub use blob::{BlobBackend, BlobBackends};
pub use kafka_namespace::{EventHubsTier, KafkaNamespace, KafkaTopic};
pub use managed_redis::{ClusteringPolicy, ManagedRedis, RedisSku};
pub use mysql_flexible_server::{HighAvailability, MySqlFlexibleServer, MySqlTier, MySqlVersion};
pub use plugin::AzurePlugin;
pub use provider::AzureProvider;
pub use public_ip::{AllocationMethod, IpVersion, PublicIp, PublicIpSku};
pub use resource_group::ResourceGroup;
pub use traffic_manager_profile::{Endpoint, Monitor, RoutingMethod, TrafficManagerProfile};
