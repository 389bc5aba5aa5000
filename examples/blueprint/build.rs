//! From a row of the estate table to an [`Environment`]: the one place resources are built.
//!
//! Every environment gets its facts (tier, domain, data class, trigger, access, purpose) as
//! standard tags, the resources its row asks for, the resources it shares read from their
//! owner (same address as in the owner's definition), and its tier's policy rules.

use quikinfra::aws::{
    AcmCertificate, AcmCertificateValidation, AliasTarget, CloudFrontDistribution, KmsKey, PolicyDocument, PriceClass,
    Route53Record, Route53Zone, S3Bucket, S3BucketPolicy, ShieldProtection, Statement, StorageClass, WafWebAcl,
};
use quikinfra::azure::{
    AksCluster, Endpoint, HighAvailability, KafkaNamespace, ManagedRedis, MySqlFlexibleServer, MySqlTier, PublicIp,
    ResourceGroup, RoutingMethod, TrafficManagerProfile,
};
use quikinfra::engine::local::LocalFile;
use quikinfra::prelude::*;

use super::{
    AWS_ACCOUNT_ID, AksSize, Bucket, Cdn, Colour, Database, Kafka, KafkaPreset, Kubernetes, MediaEncryption,
    MediaLifecycle, Redis, RedisPreset, Row, SHARED, SharedStore, Tier, Traffic, compose, owner_of, policy,
};

/// The Azure region of every environment.
pub const REGION: &str = "westeurope";

/// The Kubernetes version every cluster runs.
pub const KUBERNETES_VERSION: &str = "1.33";

/// The public DNS zone every hosted environment's domain is in.
pub const ZONE: &str = "quikapp.com";

/// The environment called `name`, as its row defines it.
pub fn environment(name: &str) -> Option<Environment> {
    super::row(name).map(build)
}

/// The environment of `row`; a blue/green environment with its initial colour active.
pub fn build(row: &Row) -> Environment {
    build_with(row, None)
}

/// The environment of `row`, with `active` taking the traffic of a blue/green environment
/// (the row's initial colour when `None`; ignored for other environments).
pub fn build_with(row: &Row, active: Option<Colour>) -> Environment {
    // QuikApp's vocabulary, recorded as facts: standard tags on every resource, read back by
    // the policies and the matrix.
    let mut env = Environment::new(row.name)
        .fact("tier", row.tier.tag())
        .domain(row.domain)
        .fact("data-class", row.data.tag())
        .fact("deployment", row.trigger.tag())
        .fact("access", row.access.tag())
        .tag("purpose", row.purpose);
    match row.kubernetes {
        Kubernetes::DockerCompose => {
            if row.bucket == Bucket::LocalStack {
                env = env.provider_endpoint("aws", compose::LOCALSTACK_URL, compose::start_hint());
            }
            on_the_developers_machine(&mut env, row);
        }
        Kubernetes::Aks(size) => hosted(&mut env, row, size, active),
    }
    policy::attach(&mut env, row);
    env
}

/// The compose file, and the media bucket inside the LocalStack it starts: the file first, the
/// bucket once LocalStack answers (the environment serves `aws` at [`compose::LOCALSTACK_URL`],
/// so a run whose containers are not up writes the file and says to start them).
fn on_the_developers_machine(env: &mut Environment, row: &Row) {
    let file = LocalFile::new("compose", compose::PATH, compose::render(row));
    if row.bucket == Bucket::LocalStack {
        let (_, bucket) = media_store(row, compose::LOCAL_BUCKET);
        env.add(bucket.depends_on(&file));
    }
    env.add(file);
}

/// The name of the resource group of the environment called `name`.
fn group_name(name: &str) -> String {
    format!("rg-quikapp-{name}")
}

/// The resource group of the environment called `name`.
fn group(name: &str) -> ResourceGroup {
    ResourceGroup::new("main", group_name(name), REGION)
}

/// Whether the row's data stores are protected from destruction: from the Production tier on.
fn protected(row: &Row) -> bool {
    row.tier == Tier::Production
}

fn protect<R: Resource>(row: &Row, spec: R) -> R {
    if protected(row) { spec.prevent_destroy() } else { spec }
}

fn hosted(env: &mut Environment, row: &Row, size: AksSize, active: Option<Colour>) {
    let rg = group(row.name);
    env.add(rg.clone());

    // Compute: one cluster, or blue and green; each ingress on a public IP of its own.
    let colours: Vec<Option<Colour>> = match row.traffic {
        Traffic::BlueGreen { .. } => Colour::ALL.into_iter().map(Some).collect(),
        Traffic::Direct | Traffic::Canary { .. } => vec![None],
    };
    let mut ingress = Vec::new();
    for colour in colours {
        let (local, name) = match colour {
            Some(c) => (c.name().to_string(), format!("aks-quikapp-{}-{}", row.name, c.name())),
            None => ("main".to_string(), format!("aks-quikapp-{}", row.name)),
        };
        let mut aks = size
            .apply(AksCluster::new(&local, name, &rg))
            .user_nodes(row.replicas)
            .kubernetes_version(KUBERNETES_VERSION)
            .tag("aks-size", size.tag());
        for group in row.access.cluster_admins() {
            aks = aks.admin_group(group.object_id());
        }
        for track in tracks(row, colour) {
            let ip = ingress_ip(row, &rg, &aks, &track);
            ingress.push((track, ip.clone()));
            env.add(ip);
        }
        env.add(aks);
    }

    // Data stores: owned here, or read from their owner. A reader's view names the owner's
    // resource group by name, so it never points into the reader's own group.
    if let Some(owner) = owner_of(SharedStore::MySql, row.name) {
        env.add_shared(owner.name, mysql(owner, &group(owner.name)).resource_group(group_name(owner.name)));
    } else {
        let server = mysql(row, &rg);
        env.output("mysql_host", server.fqdn());
        env.add(server);
    }
    if let Some(owner) = owner_of(SharedStore::Redis, row.name) {
        env.add_shared(owner.name, redis(owner, &group(owner.name)).resource_group(group_name(owner.name)));
    } else {
        env.add(redis(row, &rg));
    }
    if let Some(owner) = owner_of(SharedStore::Kafka, row.name) {
        env.add_shared(owner.name, kafka(owner, &group(owner.name)).resource_group(group_name(owner.name)));
    } else {
        let ns = kafka(row, &rg);
        env.output("kafka_endpoint", ns.kafka_endpoint());
        env.add(ns);
    }

    let zone = zone(env, row);
    media(env, row, &zone);
    let edge = edge(env, row, &rg, active, &ingress);
    entry(env, row, &zone, edge.as_ref(), &ingress);
}

/// The release tracks a cluster's ingress serves, each on a public IP of its own: `main`; a
/// blue/green environment's `blue` or `green`; Production's `stable` and `canary`, which the
/// edge weighs against each other, so they need two addresses on the one cluster.
fn tracks(row: &Row, colour: Option<Colour>) -> Vec<String> {
    match (row.traffic, colour) {
        (_, Some(c)) => vec![c.name().to_string()],
        (Traffic::Canary { .. }, None) => vec!["stable".to_string(), "canary".to_string()],
        _ => vec!["main".to_string()],
    }
}

/// The public IP of one ingress: Standard, static, in the cluster's zones, with a DNS label
/// (`quikapp-<environment>[-<track>]`) so the edge can target it as an Azure endpoint.
///
/// Decision: the address lives in the environment's resource group, not the cluster's node
/// group: it outlives a cluster rebuild (a blue/green colour recreated keeps its address), and
/// the ingress's `LoadBalancer` service names it with the
/// `service.beta.kubernetes.io/azure-load-balancer-resource-group` annotation (the cluster's
/// identity needs Network Contributor on the group).
fn ingress_ip(row: &Row, rg: &ResourceGroup, aks: &AksCluster, track: &str) -> PublicIp {
    let suffix = if track == "main" { String::new() } else { format!("-{track}") };
    PublicIp::new(track, format!("pip-quikapp-{}{suffix}", row.name), rg)
        .zones(aks.availability_zones().to_vec())
        .dns_label(format!("quikapp-{}{suffix}", row.name))
        .tag("ingress", track)
}

/// The `quikapp.com` hosted zone: Production's, read by every other hosted environment.
fn zone(env: &mut Environment, row: &Row) -> Route53Zone {
    let zone = Route53Zone::new("main", ZONE).comment("QuikApp's public names, managed by quikinfra");
    match owner_of(SharedStore::Zone, row.name) {
        Some(owner) => {
            // The owner's definition, protected as there.
            env.add_shared(owner.name, protect(owner, zone.clone()));
        }
        None => {
            env.output("name_servers", zone.name_servers());
            env.add(protect(row, zone.clone()));
        }
    }
    zone
}

/// The environment's own name: an A record of its ingress's address, or a CNAME of its edge
/// profile's name where Traffic Manager picks the cluster (Production's canary, Live's colours).
fn entry(
    env: &mut Environment,
    row: &Row,
    zone: &Route53Zone,
    edge: Option<&TrafficManagerProfile>,
    ingress: &[(String, PublicIp)],
) {
    let record = match edge {
        Some(profile) => Route53Record::cname("entry", zone, row.domain, profile.fqdn()),
        None => Route53Record::a("entry", zone, row.domain, ingress.iter().map(|(_, ip)| ip.ip_address())),
    };
    env.add(record);
}

/// The row's MySQL server.
///
/// Decision: the seed gives no sizes. Shared (Dev) is Burstable `Standard_B2s`; a dedicated
/// server follows its cluster: Burstable `Standard_B1ms` next to small and medium clusters,
/// General Purpose `Standard_D4ads_v5` next to prod-like ones (Staging mirrors Production
/// without the standby); Multi-AZ is `Standard_D4ads_v5` with a zone-redundant standby.
fn mysql(row: &Row, rg: &ResourceGroup) -> MySqlFlexibleServer {
    let (local, name) = match row.database {
        Database::SharedMySql => ("shared", format!("mysql-quikapp-{}-shared", row.name)),
        _ => ("main", format!("mysql-quikapp-{}", row.name)),
    };
    let production_sized = matches!(row.kubernetes, Kubernetes::Aks(AksSize::ProdLike | AksSize::Full));
    let server = MySqlFlexibleServer::new(local, name, rg).administrator(
        "quikapp_admin",
        Secret::from_env(format!("QUIKAPP_{}_MYSQL_PASSWORD", row.name.to_uppercase())),
    );
    let server = match row.database {
        Database::MultiAzMySql => server
            .sku(MySqlTier::GeneralPurpose, "Standard_D4ads_v5")
            .storage_gb(512)
            .high_availability(HighAvailability::ZoneRedundant)
            .backup_retention_days(35),
        Database::DedicatedMySql if production_sized => server
            .sku(MySqlTier::GeneralPurpose, "Standard_D4ads_v5")
            .storage_gb(256)
            .high_availability(HighAvailability::Disabled)
            .backup_retention_days(14),
        Database::SharedMySql => server.sku(MySqlTier::Burstable, "Standard_B2s").storage_gb(64),
        Database::DedicatedMySql | Database::SqliteH2 => {
            server.sku(MySqlTier::Burstable, "Standard_B1ms").storage_gb(32)
        }
    };
    protect(row, server)
}

/// The row's Redis cache: the Shared one (Dev's) has the Dedicated shape, under the `shared`
/// name.
fn redis(row: &Row, rg: &ResourceGroup) -> ManagedRedis {
    let (local, name, preset) = match row.redis {
        Redis::Shared => ("shared", format!("redis-quikapp-{}-shared", row.name), RedisPreset::Dedicated),
        Redis::Single => ("main", format!("redis-quikapp-{}", row.name), RedisPreset::Single),
        Redis::Dedicated => ("main", format!("redis-quikapp-{}", row.name), RedisPreset::Dedicated),
        Redis::Cluster => ("main", format!("redis-quikapp-{}", row.name), RedisPreset::Cluster),
    };
    protect(row, preset.apply(ManagedRedis::new(local, name, rg)))
}

/// The topics every environment's services use: (name, partitions on a cluster, retention hours).
const TOPICS: &[(&str, u32, u32)] = &[("media-events", 12, 72), ("chat-messages", 24, 72)];

/// The row's Kafka namespace.
///
/// The Shared namespace holds one set of topics per environment using it, prefixed with the
/// environment's name (`qa.media-events`), 4 partitions each: five environments use all ten
/// event hubs a Standard namespace allows.
fn kafka(row: &Row, rg: &ResourceGroup) -> KafkaNamespace {
    let (local, preset) = match row.kafka {
        Kafka::Shared => ("shared", KafkaPreset::Shared),
        Kafka::Single => ("main", KafkaPreset::Single),
        Kafka::Cluster => ("main", KafkaPreset::Cluster),
    };
    let name = if row.kafka == Kafka::Shared {
        format!("evh-quikapp-{}-shared", row.name)
    } else {
        format!("evh-quikapp-{}", row.name)
    };
    let mut ns = preset.apply(KafkaNamespace::new(local, name, rg));
    if row.kafka == Kafka::Shared {
        let users = SHARED
            .iter()
            .filter(|o| o.store == SharedStore::Kafka && o.owner == row.name)
            .flat_map(|o| std::iter::once(o.owner).chain(o.readers.iter().copied()));
        for env in users {
            for (topic, _, hours) in TOPICS {
                ns = ns.topic(format!("{env}.{topic}"), 4, *hours);
            }
        }
    } else {
        for (topic, partitions, hours) in TOPICS {
            ns = ns.topic(*topic, *partitions, *hours);
        }
    }
    protect(row, ns)
}

/// The row's media key (when encrypted with SSE-KMS) and bucket.
fn media_store(row: &Row, bucket_name: &str) -> (Option<KmsKey>, S3Bucket) {
    let bucket = S3Bucket::new("media", bucket_name).versioning(row.tier >= Tier::PreProduction);
    let bucket = match row.lifecycle {
        MediaLifecycle::Delete { days } => bucket.expire_after_days(days),
        MediaLifecycle::ToIa { days } => bucket.transition(days, StorageClass::StandardIa),
        MediaLifecycle::IaThenGlacier { ia, glacier } => {
            bucket.transition(ia, StorageClass::StandardIa).transition(glacier, StorageClass::Glacier)
        }
    };
    match row.encryption {
        MediaEncryption::SseKms => {
            let key = KmsKey::new("media")
                .alias(format!("alias/{bucket_name}"))
                .description(format!("Media objects of {bucket_name}"))
                .policy(media_key_policy());
            let bucket = bucket.sse_kms(key.arn());
            (Some(protect(row, key)), protect(row, bucket))
        }
        MediaEncryption::SseS3 | MediaEncryption::Aes256 => (None, protect(row, bucket.sse_s3())),
    }
}

/// Any CloudFront distribution of the estate's account, as an `AWS:SourceArn` pattern.
fn any_distribution_of_the_account() -> String {
    format!("arn:aws:cloudfront::{AWS_ACCOUNT_ID}:distribution/*")
}

/// The media key's policy: the account root keeps full access (without it nobody could manage
/// the key any more), and CloudFront may decrypt for the distributions of the account.
///
/// Decision: the key names no exact distribution. The key exists before the bucket it seals and
/// the bucket before the distribution fronting it, so naming `cdn.arn()` here would be a
/// dependency cycle; the readers' distributions of a shared key live in other environments,
/// applied after the owner. `ArnLike AWS:SourceArn arn:aws:cloudfront::<account>:distribution/*`
/// with `AWS:SourceAccount` limits decryption to CloudFront acting for this account; which
/// distribution may read which objects is the bucket policy's to say.
fn media_key_policy() -> PolicyDocument {
    PolicyDocument::new()
        .statement(
            Statement::allow()
                .sid("AccountRootManagesTheKey")
                .aws(format!("arn:aws:iam::{AWS_ACCOUNT_ID}:root"))
                .action("kms:*")
                .resource("*"),
        )
        .statement(
            Statement::allow()
                .sid("CloudFrontDecryptsMedia")
                .service("cloudfront.amazonaws.com")
                .action("kms:Decrypt")
                .resource("*")
                .condition("ArnLike", "AWS:SourceArn", any_distribution_of_the_account())
                .condition("StringEquals", "AWS:SourceAccount", AWS_ACCOUNT_ID),
        )
}

/// The policy of a media bucket the row owns: its own distribution (`cdn`) may read the objects,
/// named exactly; so may the distributions of the environments reading the bucket.
///
/// Decision: readers are granted by `ArnLike AWS:SourceArn
/// arn:aws:cloudfront::<account>:distribution/*` with `AWS:SourceAccount`, not by their exact
/// ARNs: their distributions live in their own states and are created after the owner is applied
/// (owners apply first), so the owner cannot name them, and a reader must never have to change
/// the owner's policy. The statement exists only for a bucket that has readers.
fn media_bucket_policy(
    row: &Row,
    bucket_name: &'static str,
    bucket: &S3Bucket,
    cdn: Option<&CloudFrontDistribution>,
) -> Option<S3BucketPolicy> {
    let objects = format!("arn:aws:s3:::{bucket_name}/*");
    let reads =
        || Statement::allow().service("cloudfront.amazonaws.com").action("s3:GetObject").resource(objects.as_str());
    let mut document = PolicyDocument::new();
    if let Some(cdn) = cdn {
        document = document.statement(reads().sid("OwnDistributionReadsMedia").condition(
            "StringEquals",
            "AWS:SourceArn",
            cdn.arn(),
        ));
    }
    let has_readers = SHARED
        .iter()
        .any(|o| o.store == SharedStore::Media(bucket_name) && o.owner == row.name && !o.readers.is_empty());
    if has_readers {
        document = document.statement(
            reads()
                .sid("ReadersDistributionsReadMedia")
                .condition("ArnLike", "AWS:SourceArn", any_distribution_of_the_account())
                .condition("StringEquals", "AWS:SourceAccount", AWS_ACCOUNT_ID),
        );
    }
    if document.statements().is_empty() {
        return None;
    }
    Some(protect(row, S3BucketPolicy::new("media", bucket.id(), document)))
}

/// `media.<domain>`: the name the row's distribution answers for.
pub fn media_domain(row: &Row) -> String {
    format!("media.{}", row.domain)
}

fn media(env: &mut Environment, row: &Row, zone: &Route53Zone) {
    let Bucket::S3(name) = row.bucket else { return };
    let (bucket_name, owns) = (name, owner_of(SharedStore::Media(name), row.name).is_none());
    let (key, bucket) = match owner_of(SharedStore::Media(name), row.name) {
        Some(owner) => media_store(owner, name),
        None => media_store(row, name),
    };
    match owner_of(SharedStore::Media(name), row.name) {
        Some(owner) => {
            if let Some(key) = key {
                env.add_shared(owner.name, key);
            }
            env.add_shared(owner.name, bucket.clone());
        }
        None => {
            if let Some(key) = key {
                env.add(key);
            }
            env.output("media_bucket_arn", bucket.arn());
            env.add(bucket.clone());
        }
    }

    let cdn = CloudFrontDistribution::new("media", bucket.regional_domain_name())
        .price_class(if row.tier == Tier::Production { PriceClass::All } else { PriceClass::Class100 });
    let cdn = match row.cdn {
        Cdn::None => {
            if let Some(policy) = media_bucket_policy(row, name, &bucket, None).filter(|_| owns) {
                env.add(policy);
            }
            return;
        }
        Cdn::Disabled => cdn.enabled(false),
        Cdn::Optional => cdn.enabled(true).ignore_changes(["enabled"]),
        Cdn::Enabled => cdn,
        Cdn::EnabledWaf | Cdn::EnabledWafShield => {
            let acl = WafWebAcl::new("edge", format!("quikapp-{}-edge", row.name))
                .managed_rule_group("AWSManagedRulesCommonRuleSet")
                .managed_rule_group("AWSManagedRulesKnownBadInputsRuleSet")
                .rate_limit(2_000);
            let cdn = cdn.web_acl(acl.arn());
            env.add(acl);
            cdn
        }
    };
    // Its own name and certificate: DNS-validated in the zone, issued before the distribution
    // takes it, served to SNI clients with TLS 1.2 or newer.
    //
    // Decision: Dev's disabled distribution gets them too, so its configuration stays the one
    // every other environment deploys; `media.dev.quikapp.com` answers CloudFront's 403 until the
    // distribution is enabled (Dev's services use the bucket directly).
    let name = media_domain(row);
    let cert = AcmCertificate::new("media", &name);
    let proof = Route53Record::validation("media_validation", zone, &cert);
    let issued = AcmCertificateValidation::new("media", &cert).record(&proof);
    let cdn = cdn.alias(&name).certificate(issued.certificate_arn());
    env.add(cert);
    env.add(proof);
    env.add(issued);
    if row.cdn == Cdn::EnabledWafShield {
        env.add(ShieldProtection::new("edge", format!("quikapp-{}-cdn", row.name), cdn.arn()));
    }
    env.add(Route53Record::alias("media", zone, &name, AliasTarget::cloudfront(cdn.domain_name())));
    env.output("cdn_domain", cdn.domain_name());
    if owns && let Some(policy) = media_bucket_policy(row, bucket_name, &bucket, Some(&cdn)) {
        env.add(policy);
    }
    env.add(cdn);
}

/// The edge: a Traffic Manager profile for canary and blue/green environments.
///
/// Decision: the canary is weighted routing (the stable track and the canary both enabled,
/// weighted by the row's percentage); blue/green is priority routing, blue first (1) and green
/// second (2), with only the active colour's endpoint enabled: traffic never splits between
/// colours, not even while a switch is applied, and a switch is the two endpoints' statuses.
///
/// Each endpoint is an Azure endpoint targeting its track's ingress address (`ip.id()`), which
/// Traffic Manager answers with through the address's DNS name.
fn edge(
    env: &mut Environment,
    row: &Row,
    rg: &ResourceGroup,
    active: Option<Colour>,
    ingress: &[(String, PublicIp)],
) -> Option<TrafficManagerProfile> {
    let target = |track: &str| {
        let ip = ingress.iter().find(|(t, _)| t == track).map(|(_, ip)| ip).expect("every track has its address");
        Endpoint::azure(track, ip.id())
    };
    let profile = TrafficManagerProfile::new("edge", format!("tm-quikapp-{}", row.name), rg);
    let profile = match row.traffic {
        Traffic::Direct => return None,
        Traffic::Canary { percent } => {
            profile.endpoint(target("stable").weight(100 - percent)).endpoint(target("canary").weight(percent))
        }
        Traffic::BlueGreen { initial } => {
            let active = active.unwrap_or(initial);
            Colour::ALL.into_iter().zip(1..).fold(profile.routing(RoutingMethod::Priority), |p, (c, priority)| {
                p.endpoint(target(c.name()).priority(priority).enabled(c == active))
            })
        }
    };
    env.output("edge_fqdn", profile.fqdn());
    env.add(profile.clone());
    Some(profile)
}
