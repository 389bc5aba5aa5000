//! The QuikApp staging environment: the pre-production mirror at staging.quikapp.com.
//!
//! Seed rows: Environment Summary "Staging | Pre-production validation | Prod clone | On release |
//! All teams"; Compute & Database "AKS (prod-like) | Dedicated MySQL | Cluster | Cluster | 3";
//! AWS Media "quikapp-media-staging | Enabled | 30d-IA, 90d-Glacier | SSE-KMS".
//!
//! Run `cargo run --example staging plan` (the embedded simulator is the default target).

use quikinfra::aws::{CloudFrontDistribution, KmsKey, PriceClass, S3Bucket, StorageClass, ViewerProtocolPolicy};
use quikinfra::azure::{
    AksCluster, AksSize, HighAvailability, KafkaNamespace, KafkaPreset, ManagedRedis, MySqlFlexibleServer, MySqlTier,
    RedisPreset, Replicas, ResourceGroup,
};
use quikinfra::prelude::*;

fn main() {
    quikinfra::cli::run(staging())
}

/// The staging definition.
fn staging() -> Environment {
    // Azure: compute.
    let group = ResourceGroup::new("main", "rg-quikapp-staging", "westeurope");
    let aks = AksCluster::new("main", "aks-quikapp-staging", &group)
        .size(AksSize::ProdLike)
        .user_nodes(Replicas::fixed(3))
        .kubernetes_version("1.33");

    // Azure: data stores. "Dedicated MySQL" (no Multi-AZ below Production), Redis and Kafka "Cluster".
    let mysql = MySqlFlexibleServer::new("main", "mysql-quikapp-staging", &group)
        .sku(MySqlTier::GeneralPurpose, "Standard_D4ads_v5")
        .storage_gb(256)
        .high_availability(HighAvailability::Disabled)
        .backup_retention_days(14)
        .administrator("quikapp_admin", Secret::from_env("QUIKAPP_STAGING_MYSQL_PASSWORD"));
    let redis = ManagedRedis::new("main", "redis-quikapp-staging", &group).preset(RedisPreset::Cluster);
    let kafka = KafkaNamespace::new("main", "evh-quikapp-staging", &group)
        .preset(KafkaPreset::Cluster)
        .topic("media-events", 12, 72)
        .topic("chat-messages", 24, 72);

    // AWS: media storage and delivery.
    let key = KmsKey::new("media").alias("alias/quikapp-media-staging").rotation(true);
    let bucket = S3Bucket::new("media", "quikapp-media-staging")
        .versioning(true)
        .transition(30, StorageClass::StandardIa)
        .transition(90, StorageClass::Glacier)
        .sse_kms(key.arn());
    let cdn = CloudFrontDistribution::new("media", bucket.regional_domain_name())
        .enabled(true)
        .price_class(PriceClass::Class100)
        .viewer_protocol_policy(ViewerProtocolPolicy::RedirectToHttps);

    let outputs = [("media_bucket_arn", bucket.arn()), ("cdn_domain", cdn.domain_name())];
    let mut env = Environment::new("staging")
        .tier("pre-production")
        .domain("staging.quikapp.com")
        .data_class("prod-clone")
        .deployment("on-release")
        .access("all-teams")
        .with(group)
        .with(aks)
        .with(mysql)
        .with(redis)
        .with(kafka)
        .with(key)
        .with(bucket)
        .with(cdn);
    for (name, value) in outputs {
        env.output(name, value);
    }
    env
}
