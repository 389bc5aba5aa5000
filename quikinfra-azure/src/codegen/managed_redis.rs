//! `azure_managed_redis` as code: `ManagedRedis::in_group` (the resource group by name), the
//! SKU and clustering policy as their enums; high availability and tags through the derived
//! builders.

use quikinfra_core::addr::Address;
use quikinfra_core::codegen::{Chain, Declaration, Generate, GenerateContext, GenerateError};
use quikinfra_core::value::Attrs;

use super::{Draft, Placement};
use crate::{ClusteringPolicy, ManagedRedis, RedisSku};

impl Generate for ManagedRedis {
    fn generate(address: &Address, live: &Attrs, ctx: &GenerateContext<'_>) -> Result<Declaration, GenerateError> {
        let place = Placement::of(address, live)?;
        let base = ManagedRedis::in_group(address.name(), place.name, place.group, place.location);
        let chain = Chain::new("ManagedRedis::in_group", place.in_group_args(address));
        let mut draft = Draft::new(address, live, &base, "quikinfra::azure::ManagedRedis", chain);
        draft.choice(ManagedRedis::SKU.name(), "sku", "quikinfra::azure::RedisSku", RedisSku::ALL)?;
        let policies = [ClusteringPolicy::OssCluster, ClusteringPolicy::EnterpriseCluster];
        draft.choice(
            ManagedRedis::CLUSTERING_POLICY.name(),
            "clustering_policy",
            "quikinfra::azure::ClusteringPolicy",
            &policies,
        )?;
        draft.named_group("ManagedRedis", place.group);
        draft.finish(&base, ctx)
    }
}
