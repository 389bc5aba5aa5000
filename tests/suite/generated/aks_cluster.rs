// Written by quikinfra from live objects, for environment `imported`. Paste it into the
// definition (or call `declare(&mut env)`), then import each object and plan: "No changes".
//   then: cargo run --example imported -- import azure_aks_cluster.main /subscriptions/00000000-0000-0000-0000-00000000c0de/resourceGroups/rg-quikapp-imported/providers/Microsoft.ContainerService/managedClusters/aks-quikapp-imported
//   then: cargo run --example imported -- plan
// Other resources' ARNs, ids and names are literal strings here: where the definition
// declares them, pass their references instead (`key.arn()`).

use quikinfra::azure::AksCluster;
use quikinfra::azure::AksTier;
use quikinfra::azure::NetworkProfile;
use quikinfra::azure::Replicas;
use quikinfra::prelude::*;

/// Declares the imported objects.
pub fn declare(env: &mut Environment) {
    // The resource group `rg-quikapp-imported` is named, not referenced: where the definition declares it, use AksCluster::new(…, &group) instead.
    // The cluster is in subscription 00000000-0000-0000-0000-00000000c0de: the run's AZURE_SUBSCRIPTION_ID must name it.
    env.add(
        AksCluster::in_group("main", "aks-quikapp-imported", "rg-quikapp-imported", "westeurope")
            .tier(AksTier::Standard)
            .zones(["1", "2", "3"])
            .system_pool("Standard_D4s_v5", Replicas::fixed(3))
            .user_pool("Standard_D8s_v5", Replicas::range(2, 6))
            .network(NetworkProfile::azure_overlay().pod_cidr("10.244.0.0/16").service_cidr("10.0.0.0/16").dns_service_ip("10.0.0.10"))
            .dns_prefix("aks-quikapp-imported-dns")
            .kubernetes_version("1.31")
            .admin_group("6f2c1c1e-3b7a-4c55-9a3e-2f1d0c9b8a7e")
            .tag("cost-center", "42"),
    );
}
