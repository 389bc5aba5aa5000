//! QuikApp's size presets: the AKS cluster, Redis cache and Kafka namespace shapes the seed's
//! Kubernetes, Redis and Kafka columns name (`AKS (prod-like)`, `Dedicated`, `Cluster`).
//!
//! The seed names the presets but gives no sizes: the tables on [`AksSize`], [`RedisPreset`]
//! and [`KafkaPreset`] are the blueprint's decisions. Each preset is applied through the Azure
//! types' plain builders (`tier`, `zones`, `system_pool`, `user_pool`, `sku`, `capacity`…), so
//! builders called afterwards override single parts, as [`build`](super::build()) does with
//! the row's Replicas (`user_nodes`).

use quikinfra::azure::{
    AksCluster, AksTier, ClusteringPolicy, EventHubsTier, KafkaNamespace, ManagedRedis, RedisSku, Replicas,
};

/// QuikApp's cluster presets, named after the seed's Kubernetes column.
///
/// | preset | seed | tier | zones | system pool | user pool |
/// |---|---|---|---|---|---|
/// | `Small` | Dev, QA | Free | none | 1 × `Standard_D2s_v5` | `Standard_D2s_v5`, 1–2 autoscaled |
/// | `Medium` | UAT1-3 | Free | none | 1 × `Standard_D2s_v5` | `Standard_D4s_v5`, 2 |
/// | `ProdLike` | Staging | Standard | 1, 2, 3 | 3 × `Standard_D4s_v5` | `Standard_D8s_v5`, 3 |
/// | `Full` | Production, Live | Standard | 1, 2, 3 | 3 × `Standard_D4s_v5` | `Standard_D8s_v5`, 3–5 autoscaled |
///
/// The user pool's count is the seed's Replicas column for the first environment using the
/// preset; others override it with `user_nodes` (QA: `Replicas::fixed(2)`, Live:
/// `Replicas::range(5, 10)`). Prod-like mirrors Full's VM sizes, zones and tier (the SLA-backed
/// Standard tier) with a fixed count, so staging behaves like production. The v5 D-series is
/// general purpose, 4 GiB per vCPU, and available in every AKS region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AksSize {
    /// Development and QA.
    Small,
    /// User acceptance.
    Medium,
    /// Staging: production's shape at a fixed count.
    ProdLike,
    /// Production and Live.
    Full,
}

/// What a cluster preset sets: one row of [`AksSize`]'s table.
struct AksShape {
    tier: AksTier,
    zones: &'static [&'static str],
    system_vm_size: &'static str,
    system_nodes: Replicas,
    user_vm_size: &'static str,
    user_nodes: Replicas,
}

impl AksSize {
    /// Every preset, smallest first.
    pub const ALL: [AksSize; 4] = [AksSize::Small, AksSize::Medium, AksSize::ProdLike, AksSize::Full];

    /// The slug the cluster's `aks-size` tag records (`prod-like`).
    pub fn tag(self) -> &'static str {
        match self {
            AksSize::Small => "small",
            AksSize::Medium => "medium",
            AksSize::ProdLike => "prod-like",
            AksSize::Full => "full",
        }
    }

    /// The seed's spelling (`AKS (prod-like)`).
    pub fn label(self) -> &'static str {
        match self {
            AksSize::Small => "AKS (small)",
            AksSize::Medium => "AKS (medium)",
            AksSize::ProdLike => "AKS (prod-like)",
            AksSize::Full => "AKS (full)",
        }
    }

    /// The preset whose slug is `tag`.
    pub fn from_tag(tag: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.tag() == tag)
    }

    fn shape(self) -> AksShape {
        const ZONES: &[&str] = &["1", "2", "3"];
        match self {
            AksSize::Small => AksShape {
                tier: AksTier::Free,
                zones: &[],
                system_vm_size: "Standard_D2s_v5",
                system_nodes: Replicas::fixed(1),
                user_vm_size: "Standard_D2s_v5",
                user_nodes: Replicas::range(1, 2),
            },
            AksSize::Medium => AksShape {
                tier: AksTier::Free,
                zones: &[],
                system_vm_size: "Standard_D2s_v5",
                system_nodes: Replicas::fixed(1),
                user_vm_size: "Standard_D4s_v5",
                user_nodes: Replicas::fixed(2),
            },
            AksSize::ProdLike => AksShape {
                tier: AksTier::Standard,
                zones: ZONES,
                system_vm_size: "Standard_D4s_v5",
                system_nodes: Replicas::fixed(3),
                user_vm_size: "Standard_D8s_v5",
                user_nodes: Replicas::fixed(3),
            },
            AksSize::Full => AksShape {
                tier: AksTier::Standard,
                zones: ZONES,
                system_vm_size: "Standard_D4s_v5",
                system_nodes: Replicas::fixed(3),
                user_vm_size: "Standard_D8s_v5",
                user_nodes: Replicas::range(3, 5),
            },
        }
    }

    /// Gives `aks` this preset's SKU tier, zones and both pools' VM sizes and node counts.
    pub fn apply(self, aks: AksCluster) -> AksCluster {
        let shape = self.shape();
        aks.tier(shape.tier)
            .zones(shape.zones.iter().copied())
            .system_pool(shape.system_vm_size, shape.system_nodes)
            .user_pool(shape.user_vm_size, shape.user_nodes)
    }
}

/// QuikApp's cache presets, named after the seed's Redis column.
///
/// | preset | seed | SKU | memory | high availability | clustering |
/// |---|---|---|---|---|---|
/// | `Single` | Local (if ever hosted) | `Balanced_B0` | 0.5 GB | off | EnterpriseCluster |
/// | `Dedicated` | QA, UAT1-3 | `Balanced_B1` | 1 GB | off | EnterpriseCluster |
/// | `Cluster` | Staging, Production, Live | `Balanced_B5` | 6 GB | on | OSSCluster |
///
/// Test environments get one node each (no SLA, cheapest), and the single-endpoint Enterprise
/// policy so any client works. The Cluster preset replicates across nodes and uses the OSS
/// cluster protocol, which scales best but needs cluster-aware clients; that is what "cluster"
/// means to the application teams. The seed's "Shared" (Dev) is not a preset: Dev's services
/// share one cache of the Dedicated shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedisPreset {
    /// One small node.
    Single,
    /// One node of its own per environment.
    Dedicated,
    /// Replicated, cluster protocol.
    Cluster,
}

impl RedisPreset {
    /// Gives `redis` this preset's SKU, high availability and clustering policy.
    pub fn apply(self, redis: ManagedRedis) -> ManagedRedis {
        let (sku, high_availability, policy) = match self {
            RedisPreset::Single => (RedisSku::BalancedB0, false, ClusteringPolicy::EnterpriseCluster),
            RedisPreset::Dedicated => (RedisSku::BalancedB1, false, ClusteringPolicy::EnterpriseCluster),
            RedisPreset::Cluster => (RedisSku::BalancedB5, true, ClusteringPolicy::OssCluster),
        };
        redis.sku(sku).high_availability(high_availability).clustering_policy(policy)
    }
}

/// QuikApp's namespace presets, named after the seed's Kafka column.
///
/// | preset | seed | tier | capacity | zone redundant |
/// |---|---|---|---|---|
/// | `Single` | Local (if ever hosted) | Standard | 1 TU | no |
/// | `Shared` | Dev, QA, UAT1-3 | Standard | 2 TU | yes |
/// | `Cluster` | Staging, Production, Live | Premium | 1 PU | yes |
///
/// One namespace serves all the test environments (`Shared`), so it gets two throughput units;
/// zone redundancy costs nothing extra in Standard. `Cluster` is Premium: isolated resources,
/// 90-day retention and 100 partitions per topic; raise the processing units with `capacity`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KafkaPreset {
    /// The smallest Kafka-capable namespace.
    Single,
    /// One namespace for several test environments.
    Shared,
    /// Dedicated Premium capacity.
    Cluster,
}

impl KafkaPreset {
    /// Gives `namespace` this preset's tier, capacity and zone redundancy; its topics are left
    /// as they are.
    pub fn apply(self, namespace: KafkaNamespace) -> KafkaNamespace {
        let (tier, capacity, zone_redundant) = match self {
            KafkaPreset::Single => (EventHubsTier::Standard, 1, false),
            KafkaPreset::Shared => (EventHubsTier::Standard, 2, true),
            KafkaPreset::Cluster => (EventHubsTier::Premium, 1, true),
        };
        namespace.tier(tier).capacity(capacity).zone_redundant(zone_redundant)
    }
}
