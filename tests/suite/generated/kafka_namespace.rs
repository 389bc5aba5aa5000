// Written by quikinfra from live objects, for environment `imported`. Paste it into the
// definition (or call `declare(&mut env)`), then import each object and plan: "No changes".
//   then: cargo run --example imported -- import azure_eventhub_namespace.main /subscriptions/00000000-0000-0000-0000-00000000c0de/resourceGroups/rg-events-imported/providers/Microsoft.EventHub/namespaces/evh-quikapp-imported
//   then: cargo run --example imported -- plan
// Other resources' ARNs, ids and names are literal strings here: where the definition
// declares them, pass their references instead (`key.arn()`).

use quikinfra::azure::EventHubsTier;
use quikinfra::azure::KafkaNamespace;
use quikinfra::prelude::*;

/// Declares the imported objects.
pub fn declare(env: &mut Environment) {
    // The resource group `rg-events-imported` is named, not referenced: where the definition declares it, use KafkaNamespace::new(…, &group) instead.
    // The namespace is in subscription 00000000-0000-0000-0000-00000000c0de: the run's AZURE_SUBSCRIPTION_ID must name it.
    env.add(
        KafkaNamespace::in_group("main", "evh-quikapp-imported", "rg-events-imported", "westeurope")
            .tier(EventHubsTier::Premium)
            .topic("audit", 2, 168)
            .topic("media-uploaded", 12, 72)
            .capacity(2)
            .zone_redundant(true)
            .tag("cost-center", "42"),
    );
}
