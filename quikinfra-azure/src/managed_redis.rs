//! `azure_managed_redis`: an Azure Managed Redis cache, the `Microsoft.Cache/redisEnterprise`
//! cluster and its single `default` database managed as one resource.
//!
//! Azure Managed Redis replaces Azure Cache for Redis, whose retirement is announced. The
//! cluster carries the SKU and high availability; the database carries the clustering policy
//! (API 2025-07-01). Clients connect over TLS on port 10000 of `host_name`.

use std::collections::BTreeMap;

use quikinfra_core::diag::FieldProblems;
use quikinfra_core::resource::{Meta, Resource};
use quikinfra_core::schema::AttrValue;
use quikinfra_core::value::{Computed, Val};
use serde::Serialize;

use crate::ResourceGroup;
use crate::check;

/// An Azure Managed Redis cache.
///
/// ```ignore
/// let redis = ManagedRedis::new("cache", "redis-quikapp-prod", &rg)
///     .sku(RedisSku::BalancedB5)
///     .high_availability(true)
///     .clustering_policy(ClusteringPolicy::OssCluster);
/// ```
///
/// A new cache is `Balanced_B1` (1 GB) on one node without high availability, with the
/// [`ClusteringPolicy::EnterpriseCluster`] policy, so any client works.
#[derive(Clone, Debug, Serialize, Resource)]
#[resource(type = "azure_managed_redis", provider = "azure", refs(id, host_name), validate = Self::check)]
pub struct ManagedRedis {
    #[serde(skip)]
    meta: Meta,
    /// The cluster's ARM id.
    #[serde(skip)]
    #[resource(computed)]
    id: Computed<String>,
    /// The host clients connect to (TLS, port 10000).
    #[serde(skip)]
    #[resource(computed)]
    host_name: Computed<String>,
    /// Also its global DNS name: unique across Azure.
    #[resource(identity, force_new = "a redis cache cannot be renamed")]
    name: String,
    /// Places the cache in another region than its resource group's (short name).
    #[resource(setter, force_new = "a redis cache cannot move to another region")]
    location: String,
    /// Places the cache in a resource group given by name or reference.
    #[resource(setter, force_new = "a redis cache cannot move to another resource group")]
    resource_group: Val<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[resource(optional_computed, force_new = "a resource cannot move to another subscription")]
    subscription_id: Option<String>,
    /// Sets the SKU (scaling happens in place).
    #[resource(setter)]
    sku: RedisSku,
    /// Replicates the data to a second node. Without it there is no availability SLA and a
    /// node failure loses data: for development and test only.
    #[resource(setter)]
    high_availability: bool,
    /// Sets how the database spreads keys over shards (fixed at creation).
    #[resource(setter, force_new = "a database's clustering policy is fixed at creation")]
    clustering_policy: ClusteringPolicy,
    /// Adds a tag.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[resource(insert = "tag")]
    tags: BTreeMap<String, String>,
}

impl ManagedRedis {
    /// A cache called `name` in `group`'s region, addressed as `azure_managed_redis.<local>`:
    /// `Balanced_B1`, no high availability, the Enterprise clustering policy.
    pub fn new(local: &str, name: impl Into<String>, group: &ResourceGroup) -> Self {
        Self {
            meta: Meta::named(local),
            id: Computed::new(),
            host_name: Computed::new(),
            name: name.into(),
            location: group.location().to_string(),
            resource_group: group.name().into(),
            subscription_id: group.subscription_id().map(str::to_string),
            sku: RedisSku::BalancedB1,
            high_availability: false,
            clustering_policy: ClusteringPolicy::EnterpriseCluster,
            tags: BTreeMap::new(),
        }
    }

    /// Like [`ManagedRedis::new`], in a resource group this definition does not declare, named
    /// `resource_group` (a literal or another definition's reference) in region `location`.
    pub fn in_group(
        local: &str,
        name: impl Into<String>,
        resource_group: impl Into<Val<String>>,
        location: impl Into<String>,
    ) -> Self {
        let mut cache = Self::new(local, name, &ResourceGroup::new(local, "", location));
        cache.resource_group = resource_group.into();
        cache
    }
}

/// How the database spreads keys over shards, in ARM's spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, AttrValue)]
pub enum ClusteringPolicy {
    /// The Redis cluster protocol: fastest, clients must support Redis Cluster.
    #[serde(rename = "OSSCluster")]
    OssCluster,
    /// One endpoint proxying to the shards: any client works, no cluster commands.
    EnterpriseCluster,
}

macro_rules! redis_skus {
    ($($variant:ident => $arm:literal),* $(,)?) => {
        /// An Azure Managed Redis SKU: tier and memory size, serialized in ARM's spelling.
        ///
        /// Balanced (B) has 4 GB of memory per vCPU, Memory Optimized (M) 8 GB, Compute
        /// Optimized (X) 2 GB; Flash Optimized (A) keeps most data on NVMe. The number is
        /// roughly the memory in GB (`Balanced_B0` is 0.5 GB).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, AttrValue)]
        pub enum RedisSku {
            $(
                #[doc = concat!("`", $arm, "`.")]
                #[serde(rename = $arm)]
                $variant,
            )*
        }

        impl RedisSku {
            /// Every SKU, in the order above.
            pub const ALL: &[RedisSku] = &[$(RedisSku::$variant),*];
        }
    };
}

redis_skus![
    BalancedB0 => "Balanced_B0",
    BalancedB1 => "Balanced_B1",
    BalancedB3 => "Balanced_B3",
    BalancedB5 => "Balanced_B5",
    BalancedB10 => "Balanced_B10",
    BalancedB20 => "Balanced_B20",
    BalancedB50 => "Balanced_B50",
    BalancedB100 => "Balanced_B100",
    BalancedB150 => "Balanced_B150",
    BalancedB250 => "Balanced_B250",
    BalancedB350 => "Balanced_B350",
    BalancedB500 => "Balanced_B500",
    BalancedB700 => "Balanced_B700",
    BalancedB1000 => "Balanced_B1000",
    MemoryOptimizedM10 => "MemoryOptimized_M10",
    MemoryOptimizedM20 => "MemoryOptimized_M20",
    MemoryOptimizedM50 => "MemoryOptimized_M50",
    MemoryOptimizedM100 => "MemoryOptimized_M100",
    MemoryOptimizedM150 => "MemoryOptimized_M150",
    MemoryOptimizedM250 => "MemoryOptimized_M250",
    MemoryOptimizedM350 => "MemoryOptimized_M350",
    MemoryOptimizedM500 => "MemoryOptimized_M500",
    MemoryOptimizedM700 => "MemoryOptimized_M700",
    MemoryOptimizedM1000 => "MemoryOptimized_M1000",
    MemoryOptimizedM1500 => "MemoryOptimized_M1500",
    MemoryOptimizedM2000 => "MemoryOptimized_M2000",
    ComputeOptimizedX3 => "ComputeOptimized_X3",
    ComputeOptimizedX5 => "ComputeOptimized_X5",
    ComputeOptimizedX10 => "ComputeOptimized_X10",
    ComputeOptimizedX20 => "ComputeOptimized_X20",
    ComputeOptimizedX50 => "ComputeOptimized_X50",
    ComputeOptimizedX100 => "ComputeOptimized_X100",
    ComputeOptimizedX150 => "ComputeOptimized_X150",
    ComputeOptimizedX250 => "ComputeOptimized_X250",
    ComputeOptimizedX350 => "ComputeOptimized_X350",
    ComputeOptimizedX500 => "ComputeOptimized_X500",
    ComputeOptimizedX700 => "ComputeOptimized_X700",
    FlashOptimizedA250 => "FlashOptimized_A250",
    FlashOptimizedA500 => "FlashOptimized_A500",
    FlashOptimizedA700 => "FlashOptimized_A700",
    FlashOptimizedA1000 => "FlashOptimized_A1000",
    FlashOptimizedA1500 => "FlashOptimized_A1500",
    FlashOptimizedA2000 => "FlashOptimized_A2000",
    FlashOptimizedA4500 => "FlashOptimized_A4500",
];

impl ManagedRedis {
    fn check(&self, p: &mut FieldProblems<'_>) {
        // ARM: 1 to 60 letters and digits in hyphen-separated runs (no leading, trailing or
        // doubled hyphens).
        let len = self.name.chars().count();
        if !(1..=60).contains(&len) {
            p.field("name", format!("must be 1 to 60 characters long, got {len}"));
        }
        if !self.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            p.field("name", "may only hold letters, digits and `-`");
        }
        if self.name.split('-').any(str::is_empty) {
            p.field("name", "must not start or end with `-` or hold `--`");
        }
        check::location(p, &self.location);
        check::resource_group(p, "resource_group", &self.resource_group);
        check::subscription(p, self.subscription_id.as_deref());
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

    #[test]
    fn a_cluster_cache_serializes_to_its_attributes() {
        let redis = ManagedRedis::new("cache", "redis-quikapp-prod", &rg())
            .sku(RedisSku::BalancedB5)
            .high_availability(true)
            .clustering_policy(ClusteringPolicy::OssCluster)
            .tag("tier", "x");
        assert_eq!(
            attrs(&redis),
            json!({
                "name": "redis-quikapp-prod",
                "location": "westeurope",
                "resource_group": {"$ref": "azure_resource_group.main.name"},
                "sku": "Balanced_B5",
                "high_availability": true,
                "clustering_policy": "OSSCluster",
                "tags": {"tier": "x"}
            })
        );
        assert!(problems(redis).is_empty());
    }

    #[test]
    fn defaults_and_overrides() {
        let shape = |redis: ManagedRedis| {
            let json = attrs(&redis);
            (json["sku"].clone(), json["high_availability"].clone(), json["clustering_policy"].clone())
        };
        let new = || ManagedRedis::new("cache", "redis-quikapp", &rg());
        assert_eq!(
            shape(new().sku(RedisSku::BalancedB0)),
            (json!("Balanced_B0"), json!(false), json!("EnterpriseCluster"))
        );
        assert_eq!(shape(new()), (json!("Balanced_B1"), json!(false), json!("EnterpriseCluster")));
        assert_eq!(
            shape(
                new().sku(RedisSku::BalancedB5).high_availability(true).clustering_policy(ClusteringPolicy::OssCluster)
            ),
            (json!("Balanced_B5"), json!(true), json!("OSSCluster"))
        );
        let default = attrs(&new());
        assert_eq!(default["sku"], json!("Balanced_B1"));
        let custom = ManagedRedis::new("cache", "redis-quikapp", &rg())
            .sku(RedisSku::MemoryOptimizedM10)
            .high_availability(true)
            .clustering_policy(ClusteringPolicy::EnterpriseCluster);
        let json = attrs(&custom);
        assert_eq!(json["sku"], json!("MemoryOptimized_M10"));
        assert_eq!(json["high_availability"], json!(true));
        assert_eq!(json["clustering_policy"], json!("EnterpriseCluster"));
    }

    #[test]
    fn accessors_and_schema() {
        let redis = ManagedRedis::new("cache", "redis-quikapp", &rg());
        assert_eq!(serde_json::to_value(redis.id()).unwrap(), json!({"$ref": "azure_managed_redis.cache.id"}));
        assert_eq!(
            serde_json::to_value(redis.host_name()).unwrap(),
            json!({"$ref": "azure_managed_redis.cache.host_name"})
        );
        let schema = ManagedRedis::schema();
        assert!(schema.attr("clustering_policy").unwrap().force_new);
        assert!(!schema.attr("sku").unwrap().force_new);
        assert!(schema.has_tags());
    }

    #[test]
    fn names_and_regions_are_checked() {
        let found = problems(ManagedRedis::new("cache", "-redis_prod", &rg()).location("West Europe"));
        assert_problem(&found, "name", "may only hold");
        assert_problem(&found, "name", "must not start or end");
        assert_problem(&found, "location", "short name");
        assert_problem(&problems(ManagedRedis::new("cache", "redis--prod", &rg())), "name", "`--`");
        assert_problem(&problems(ManagedRedis::new("cache", "r".repeat(61), &rg())), "name", "1 to 60");
        assert_problem(&problems(ManagedRedis::new("cache", "", &rg())), "name", "got 0");
    }
}
