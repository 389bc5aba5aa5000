//! The QuikApp estate's blueprint: every environment of the user's deployment overview
//! (`docs/seed/deployment-overview.md`) as one row of a typed table, stated once, and the one
//! function, [`build`], that turns a row into an [`Environment`].
//!
//! Each example (`local`, `dev`, `qa`, `uat1`, `uat2`, `uat3`, `staging`, `production`, `live`)
//! includes this module and calls `blueprint::run("<name>")`. The table [`ESTATE`] holds every
//! cell of the seed's three tables (Environment Summary, Compute & Database, AWS Media
//! Infrastructure); [`SHARED`] names the one owner of each resource several environments use;
//! [`flow::FLOW`] is the promotion order; [`sizes`] holds the AKS, Redis and Kafka presets the
//! rows name. [`matrix`] prints the seed's tables back from the built definitions, and a test
//! compares them with the seed cell by cell.
//!
//! Where the seed is ambiguous the choice is written next to the value it decides, and
//! listed in the README ("The QuikApp estate").

// Each example compiles the whole blueprint and uses part of it.
#![allow(dead_code)]

pub mod build;
pub mod compose;
pub mod flow;
pub mod matrix;
pub mod policy;
pub mod sizes;
pub mod traffic;

use quikinfra::azure::Replicas;
use quikinfra::cli::InEstate;

pub use build::{build, build_with};
pub use sizes::{AksSize, KafkaPreset, RedisPreset};

/// Declares a closed vocabulary of the seed: each variant with the slug used in tags and the
/// seed's own spelling.
macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => ($tag:literal, $label:literal)),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
        }

        impl $name {
            /// Every value, in the seed's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The slug used in tags and state (`sanitized-prod`).
            pub fn tag(self) -> &'static str {
                match self { $($name::$variant => $tag,)* }
            }

            /// The seed's own spelling (`Sanitized prod`).
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)* }
            }

            /// The value whose slug is `tag`.
            pub fn from_tag(tag: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.tag() == tag)
            }
        }
    };
}

vocabulary! {
    /// A tier of the seed's environment hierarchy, lowest first.
    Tier {
        /// Local and Dev.
        Development => ("development", "Development"),
        /// QA.
        Testing => ("testing", "Testing"),
        /// UAT1-3.
        Uat => ("uat", "UAT"),
        /// Staging.
        PreProduction => ("pre-production", "Pre-production"),
        /// Production and Live.
        Production => ("production", "Production"),
    }
}

vocabulary! {
    /// What data an environment holds (the Environment Summary's Data column).
    DataClass {
        /// Local.
        MockSeed => ("mock-seed", "Mock/Seed"),
        /// Dev.
        Synthetic => ("synthetic", "Synthetic"),
        /// QA.
        TestData => ("test-data", "Test data"),
        /// UAT1-3.
        SanitizedProd => ("sanitized-prod", "Sanitized prod"),
        /// Staging.
        ProdClone => ("prod-clone", "Prod clone"),
        /// Production and Live: the only class policies allow from the Production tier on.
        RealData => ("real-data", "Real data"),
    }
}

vocabulary! {
    /// What deploys to an environment (the Environment Summary's Deployment column).
    Trigger {
        /// A person runs it.
        Manual => ("manual", "Manual"),
        /// Every commit to the main branch.
        OnCommit => ("on-commit", "On commit"),
        /// Every merged pull request.
        OnPrMerge => ("on-pr-merge", "On PR merge"),
        /// On a schedule (nightly regression).
        Scheduled => ("scheduled", "Scheduled"),
        /// Every release branch.
        OnRelease => ("on-release", "On release"),
        /// Operations approve each release; traffic reaches it through the canary split.
        Controlled => ("controlled", "Controlled"),
        /// A blue/green switch at the edge (`cargo run --example live switch green`).
        BlueGreen => ("blue-green", "Blue/Green"),
    }
}

vocabulary! {
    /// Who uses an environment (the Environment Summary's Access column).
    Access {
        /// Local.
        DeveloperOnly => ("developer-only", "Developer only"),
        /// Dev.
        DevelopmentTeam => ("development-team", "Development team"),
        /// QA.
        QaTeam => ("qa-team", "QA team"),
        /// UAT1 and UAT2.
        BusinessUsers => ("business-users", "Business users"),
        /// UAT3.
        QaAndBusiness => ("qa-and-business", "QA + Business"),
        /// Staging.
        AllTeams => ("all-teams", "All teams"),
        /// Production.
        Operations => ("operations", "Operations"),
        /// Live.
        EndUsers => ("end-users", "End users"),
    }
}

vocabulary! {
    /// The Entra ID groups that administer clusters (AKS RBAC cluster admins).
    EntraGroup {
        /// The development team.
        Developers => ("quikapp-developers", "QuikApp developers"),
        /// The QA team.
        Qa => ("quikapp-qa", "QuikApp QA"),
        /// Operations, who run every hosted environment.
        Operations => ("quikapp-operations", "QuikApp operations"),
    }
}

/// Each Entra group's object id.
///
/// Decision: AKS takes admin groups as Entra object ids (GUIDs), which the seed does not give.
/// These are placeholders, recognisable by their `00000000-0000-4000-8000-` prefix: replace
/// each with the group's object id (`az ad group show --group <name> --query id`) before
/// targeting the real cloud. The simulator accepts them as they are.
pub const ENTRA_GROUP_IDS: &[(EntraGroup, &str)] = &[
    (EntraGroup::Developers, "00000000-0000-4000-8000-000000000001"),
    (EntraGroup::Qa, "00000000-0000-4000-8000-000000000002"),
    (EntraGroup::Operations, "00000000-0000-4000-8000-000000000003"),
];

impl EntraGroup {
    /// The group's object id (a placeholder until filled in, see [`ENTRA_GROUP_IDS`]).
    pub fn object_id(self) -> &'static str {
        ENTRA_GROUP_IDS.iter().find(|(g, _)| *g == self).map(|(_, id)| *id).unwrap_or_default()
    }
}

impl Access {
    /// The Entra groups made AKS cluster admins.
    ///
    /// Decision: the Access column says who *uses* an environment; cluster admin is given to
    /// the engineering groups among them, and Operations administer every hosted cluster.
    /// Business users and end users reach the application, never the cluster, so they appear
    /// in the `access` tag only.
    pub fn cluster_admins(self) -> &'static [EntraGroup] {
        use EntraGroup::{Developers, Operations, Qa};
        match self {
            Access::DeveloperOnly => &[],
            Access::DevelopmentTeam => &[Developers, Operations],
            Access::QaTeam | Access::QaAndBusiness => &[Qa, Operations],
            Access::BusinessUsers | Access::Operations | Access::EndUsers => &[Operations],
            Access::AllTeams => &[Developers, Qa, Operations],
        }
    }
}

/// Where the application runs (the Kubernetes column).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kubernetes {
    /// `docker-compose.yml` on the developer's machine.
    DockerCompose,
    /// An AKS cluster of this preset (two, blue and green, for a blue/green environment).
    Aks(AksSize),
}

impl Kubernetes {
    /// The seed's spelling: `AKS (prod-like)`.
    pub fn label(self) -> &'static str {
        match self {
            Kubernetes::DockerCompose => "Docker Compose",
            Kubernetes::Aks(size) => size.label(),
        }
    }
}

vocabulary! {
    /// The application's database (the Database column).
    ///
    /// "Shared" and "Dedicated" say whether an environment has a server of its own, not how one
    /// is built; "Multi-AZ" is a flexible server with `HighAvailability::ZoneRedundant`.
    Database {
        /// Embedded in the application container, on a volume (Local).
        SqliteH2 => ("sqlite-h2", "SQLite/H2"),
        /// One MySQL server shared by every service of the environment owning it (Dev).
        SharedMySql => ("shared-mysql", "Shared MySQL"),
        /// A MySQL server of the environment's own.
        DedicatedMySql => ("dedicated-mysql", "Dedicated MySQL"),
        /// A MySQL server with a zone-redundant standby.
        MultiAzMySql => ("multi-az-mysql", "Multi-AZ MySQL"),
    }
}

vocabulary! {
    /// The Redis cache (the Redis column).
    Redis {
        /// One container (Local).
        Single => ("single", "Single"),
        /// The cache of the environment owning it, used by all its services (Dev).
        Shared => ("shared", "Shared"),
        /// A cache of the environment's own.
        Dedicated => ("dedicated", "Dedicated"),
        /// Replicated, cluster protocol.
        Cluster => ("cluster", "Cluster"),
    }
}

vocabulary! {
    /// The Kafka cluster (the Kafka column).
    Kafka {
        /// One broker (Local).
        Single => ("single", "Single"),
        /// One namespace for the test environments, owned by Dev (see [`SHARED`]).
        Shared => ("shared", "Shared"),
        /// Premium, dedicated capacity.
        Cluster => ("cluster", "Cluster"),
    }
}

/// Where media is stored (the S3 Bucket column).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bucket {
    /// A LocalStack container with an S3 bucket, part of the Local compose file.
    LocalStack,
    /// An S3 bucket of this name. A name used by several rows is shared (see [`SHARED`]).
    S3(&'static str),
}

vocabulary! {
    /// Media delivery (the CloudFront column).
    Cdn {
        /// No distribution.
        None => ("none", "None"),
        /// A distribution that exists, disabled: its configuration is deployed and tested,
        /// media is served from S3 directly.
        Disabled => ("disabled", "Disabled"),
        /// Decision: a distribution created enabled whose on/off state is left to the team
        /// (`ignore_changes = ["enabled"]`): QA may switch it off to test direct S3 delivery
        /// and quikinfra does not switch it back.
        Optional => ("optional", "Optional"),
        /// An enabled distribution.
        Enabled => ("enabled", "Enabled"),
        /// An enabled distribution behind a WAF web ACL.
        EnabledWaf => ("enabled-waf", "Enabled + WAF"),
        /// An enabled distribution behind a WAF web ACL, protected by Shield Advanced.
        EnabledWafShield => ("enabled-waf-shield", "Enabled + WAF + Shield"),
    }
}

/// What happens to media objects as they age (the S3 Lifecycle column).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaLifecycle {
    /// Deleted `days` after upload.
    Delete {
        /// Days after upload.
        days: u32,
    },
    /// Moved to Standard-IA `days` after upload.
    ToIa {
        /// Days after upload.
        days: u32,
    },
    /// Moved to Standard-IA, then to Glacier Flexible Retrieval.
    IaThenGlacier {
        /// Days after upload to Standard-IA.
        ia: u32,
        /// Days after upload to Glacier.
        glacier: u32,
    },
}

vocabulary! {
    /// Default encryption of media objects (the Encryption column).
    ///
    /// Local's "AES-256" and the hosted rows' "SSE-S3" are one and the same S3 setting: SSE-S3
    /// encrypts every object with AES-256 under keys S3 manages (the API spells it `AES256`),
    /// so both cells are written `.sse_s3()`; LocalStack and moto accept the same call.
    MediaEncryption {
        /// AES-256 with S3-managed keys, as the Local row writes it (LocalStack).
        Aes256 => ("aes-256", "AES-256"),
        /// The same setting (`AES256`), as the hosted rows write it.
        SseS3 => ("sse-s3", "SSE-S3"),
        /// A KMS key of the environment owning the bucket.
        SseKms => ("sse-kms", "SSE-KMS"),
    }
}

/// A blue/green colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Colour {
    /// The blue cluster.
    Blue,
    /// The green cluster.
    Green,
}

impl Colour {
    /// Both colours.
    pub const ALL: [Colour; 2] = [Colour::Blue, Colour::Green];

    /// `blue` or `green`: the cluster's and the endpoint's local name.
    pub fn name(self) -> &'static str {
        match self {
            Colour::Blue => "blue",
            Colour::Green => "green",
        }
    }

    /// The colour called `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// How traffic reaches the environment (the seed's Deployment Flow: canary, blue/green).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Traffic {
    /// Straight to its one cluster.
    Direct,
    /// A weighted split at the edge between the stable release and the canary.
    Canary {
        /// The canary's share of requests, in percent.
        percent: u32,
    },
    /// Two clusters, one taking all traffic; `switch` moves it to the other.
    BlueGreen {
        /// The colour taking traffic when nothing is in state yet.
        initial: Colour,
    },
}

/// One environment: its row of each of the seed's three tables, plus how traffic reaches it.
#[derive(Clone, Copy, Debug)]
pub struct Row {
    /// The environment's name: its example, its state, its resources' names.
    pub name: &'static str,
    /// The seed's spelling (`UAT1`).
    pub label: &'static str,
    /// Its tier in the seed's hierarchy.
    pub tier: Tier,
    /// Environment Summary: Purpose.
    pub purpose: &'static str,
    /// Environment Summary: Data.
    pub data: DataClass,
    /// Environment Summary: Deployment.
    pub trigger: Trigger,
    /// Environment Summary: Access (also the AKS admin groups, see [`Access::cluster_admins`]).
    pub access: Access,
    /// The public domain, from the seed's hierarchy diagram.
    ///
    /// Decision: the seed writes `staging.QuikApp.com`; DNS names are case-insensitive and
    /// stored lowercase, so every domain is written in lowercase.
    pub domain: &'static str,
    /// Compute & Database: Kubernetes.
    pub kubernetes: Kubernetes,
    /// Compute & Database: Database.
    pub database: Database,
    /// Compute & Database: Redis.
    pub redis: Redis,
    /// Compute & Database: Kafka.
    pub kafka: Kafka,
    /// Compute & Database: Replicas, the AKS user pool's autoscaler range (a range in the seed)
    /// or fixed count; the app's container count for Docker Compose.
    pub replicas: Replicas,
    /// AWS Media Infrastructure: S3 Bucket.
    pub bucket: Bucket,
    /// AWS Media Infrastructure: CloudFront.
    pub cdn: Cdn,
    /// AWS Media Infrastructure: S3 Lifecycle.
    pub lifecycle: MediaLifecycle,
    /// AWS Media Infrastructure: Encryption.
    pub encryption: MediaEncryption,
    /// How traffic reaches it: the Deployment Flow's canary and blue/green steps.
    pub traffic: Traffic,
}

/// The estate, in the seed's order: one row per environment.
pub static ESTATE: &[Row] = &[
    Row {
        name: "local",
        label: "Local",
        tier: Tier::Development,
        purpose: "Developer testing",
        data: DataClass::MockSeed,
        trigger: Trigger::Manual,
        access: Access::DeveloperOnly,
        domain: "localhost:3000",
        kubernetes: Kubernetes::DockerCompose,
        database: Database::SqliteH2,
        redis: Redis::Single,
        kafka: Kafka::Single,
        replicas: Replicas::fixed(1),
        // Decision: "LocalStack S3" is a LocalStack container in the compose file and the
        // environment's `aws_s3_bucket` `quikapp-media-local`, which quikinfra creates in it
        // (the environment serves `aws` at LocalStack's port, whatever the run's target).
        bucket: Bucket::LocalStack,
        cdn: Cdn::None,
        lifecycle: MediaLifecycle::Delete { days: 1 },
        encryption: MediaEncryption::Aes256,
        traffic: Traffic::Direct,
    },
    Row {
        name: "dev",
        label: "Dev",
        tier: Tier::Development,
        purpose: "Integration testing",
        data: DataClass::Synthetic,
        trigger: Trigger::OnCommit,
        access: Access::DevelopmentTeam,
        domain: "dev.quikapp.com",
        kubernetes: Kubernetes::Aks(AksSize::Small),
        database: Database::SharedMySql,
        redis: Redis::Shared,
        kafka: Kafka::Shared,
        replicas: Replicas::range(1, 2),
        bucket: Bucket::S3("quikapp-media-dev"),
        cdn: Cdn::Disabled,
        lifecycle: MediaLifecycle::Delete { days: 7 },
        encryption: MediaEncryption::SseS3,
        traffic: Traffic::Direct,
    },
    Row {
        name: "qa",
        label: "QA",
        tier: Tier::Testing,
        purpose: "Quality assurance",
        data: DataClass::TestData,
        trigger: Trigger::OnPrMerge,
        access: Access::QaTeam,
        domain: "qa.quikapp.com",
        kubernetes: Kubernetes::Aks(AksSize::Small),
        database: Database::DedicatedMySql,
        redis: Redis::Dedicated,
        kafka: Kafka::Shared,
        replicas: Replicas::fixed(2),
        bucket: Bucket::S3("quikapp-media-qa"),
        cdn: Cdn::Optional,
        lifecycle: MediaLifecycle::Delete { days: 14 },
        encryption: MediaEncryption::SseS3,
        traffic: Traffic::Direct,
    },
    Row {
        name: "uat1",
        label: "UAT1",
        tier: Tier::Uat,
        purpose: "Feature testing",
        data: DataClass::SanitizedProd,
        trigger: Trigger::Manual,
        access: Access::BusinessUsers,
        domain: "uat1.quikapp.com",
        kubernetes: Kubernetes::Aks(AksSize::Medium),
        database: Database::DedicatedMySql,
        redis: Redis::Dedicated,
        kafka: Kafka::Shared,
        replicas: Replicas::fixed(2),
        bucket: Bucket::S3("quikapp-media-uat"),
        cdn: Cdn::Enabled,
        lifecycle: MediaLifecycle::ToIa { days: 30 },
        encryption: MediaEncryption::SseKms,
        traffic: Traffic::Direct,
    },
    Row {
        name: "uat2",
        label: "UAT2",
        tier: Tier::Uat,
        purpose: "Feature testing",
        data: DataClass::SanitizedProd,
        trigger: Trigger::Manual,
        access: Access::BusinessUsers,
        domain: "uat2.quikapp.com",
        kubernetes: Kubernetes::Aks(AksSize::Medium),
        database: Database::DedicatedMySql,
        redis: Redis::Dedicated,
        kafka: Kafka::Shared,
        replicas: Replicas::fixed(2),
        bucket: Bucket::S3("quikapp-media-uat"),
        cdn: Cdn::Enabled,
        lifecycle: MediaLifecycle::ToIa { days: 30 },
        encryption: MediaEncryption::SseKms,
        traffic: Traffic::Direct,
    },
    Row {
        name: "uat3",
        label: "UAT3",
        tier: Tier::Uat,
        purpose: "Regression testing",
        data: DataClass::SanitizedProd,
        trigger: Trigger::Scheduled,
        access: Access::QaAndBusiness,
        domain: "uat3.quikapp.com",
        kubernetes: Kubernetes::Aks(AksSize::Medium),
        database: Database::DedicatedMySql,
        redis: Redis::Dedicated,
        kafka: Kafka::Shared,
        replicas: Replicas::fixed(2),
        bucket: Bucket::S3("quikapp-media-uat"),
        cdn: Cdn::Enabled,
        lifecycle: MediaLifecycle::ToIa { days: 30 },
        encryption: MediaEncryption::SseKms,
        traffic: Traffic::Direct,
    },
    Row {
        name: "staging",
        label: "Staging",
        tier: Tier::PreProduction,
        purpose: "Pre-production validation",
        data: DataClass::ProdClone,
        trigger: Trigger::OnRelease,
        access: Access::AllTeams,
        domain: "staging.quikapp.com",
        kubernetes: Kubernetes::Aks(AksSize::ProdLike),
        database: Database::DedicatedMySql,
        redis: Redis::Cluster,
        kafka: Kafka::Cluster,
        replicas: Replicas::fixed(3),
        bucket: Bucket::S3("quikapp-media-staging"),
        cdn: Cdn::Enabled,
        lifecycle: MediaLifecycle::IaThenGlacier { ia: 30, glacier: 90 },
        encryption: MediaEncryption::SseKms,
        traffic: Traffic::Direct,
    },
    Row {
        name: "production",
        label: "Production",
        tier: Tier::Production,
        purpose: "Release candidate",
        data: DataClass::RealData,
        trigger: Trigger::Controlled,
        access: Access::Operations,
        domain: "prod.quikapp.com",
        kubernetes: Kubernetes::Aks(AksSize::Full),
        database: Database::MultiAzMySql,
        redis: Redis::Cluster,
        kafka: Kafka::Cluster,
        replicas: Replicas::range(3, 5),
        bucket: Bucket::S3("quikapp-media-prod"),
        cdn: Cdn::EnabledWaf,
        lifecycle: MediaLifecycle::IaThenGlacier { ia: 30, glacier: 90 },
        encryption: MediaEncryption::SseKms,
        // The flow's "Canary Deploy": 10 % of requests reach the canary release.
        traffic: Traffic::Canary { percent: 10 },
    },
    Row {
        name: "live",
        label: "Live",
        tier: Tier::Production,
        purpose: "Active production",
        data: DataClass::RealData,
        trigger: Trigger::BlueGreen,
        access: Access::EndUsers,
        domain: "live.quikapp.com",
        kubernetes: Kubernetes::Aks(AksSize::Full),
        database: Database::MultiAzMySql,
        redis: Redis::Cluster,
        kafka: Kafka::Cluster,
        replicas: Replicas::range(5, 10),
        bucket: Bucket::S3("quikapp-media-prod"),
        cdn: Cdn::EnabledWafShield,
        lifecycle: MediaLifecycle::IaThenGlacier { ia: 30, glacier: 90 },
        encryption: MediaEncryption::SseKms,
        traffic: Traffic::BlueGreen { initial: Colour::Blue },
    },
];

/// The row of the environment called `name`.
pub fn row(name: &str) -> Option<&'static Row> {
    ESTATE.iter().find(|r| r.name == name)
}

/// A data store more than one environment uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SharedStore {
    /// The Shared MySQL server.
    MySql,
    /// The Shared Redis cache.
    Redis,
    /// The Shared Kafka namespace.
    Kafka,
    /// The S3 media bucket of this name, with its KMS key when encrypted with SSE-KMS.
    Media(&'static str),
    /// The `quikapp.com` hosted zone every hosted environment's names are recorded in.
    Zone,
}

/// Who manages a shared store and who only reads it.
#[derive(Clone, Copy, Debug)]
pub struct Ownership {
    /// The store.
    pub store: SharedStore,
    /// The one environment that creates, changes and destroys it.
    pub owner: &'static str,
    /// The environments that reference it read-only: destroying one never deletes it.
    pub readers: &'static [&'static str],
}

/// The AWS account every environment is deployed to: the media bucket and key policies name it
/// (the key's root principal, and the `AWS:SourceAccount` a distribution must be in). This is
/// moto's default account; set your own account id here before applying to AWS.
pub const AWS_ACCOUNT_ID: &str = "123456789012";

/// Every shared store and its one owner.
///
/// Decisions: the seed's "Shared" MySQL and Redis appear in the Dev row only: Dev owns one
/// server and one cache shared by all its services, and nothing else reads them (QA and the
/// UATs have dedicated ones). Kafka is "Shared" in the Dev, QA and UAT rows: Dev owns the
/// namespace (with a topic set per environment) and QA and UAT1-3 read it. `quikapp-media-uat`
/// (UAT1-3) is owned by UAT1, the first UAT; `quikapp-media-prod` is owned by Production,
/// which comes before Live in the flow. Each reader has a CloudFront distribution of its own
/// in front of the shared bucket.
///
/// The `quikapp.com` hosted zone is Production's, read by every other hosted environment, which
/// record their own names in it: it is what every domain (Live's included) resolves through and
/// what the registrar delegates to, so it belongs with the environment Operations run under
/// controlled deployments, whose tier protects what it manages from destruction — not with Dev,
/// deployed on every commit, nor with Live, which switches colours. Production reads nothing from
/// any other environment, so it can be applied first; `estate apply` does.
pub static SHARED: &[Ownership] = &[
    Ownership { store: SharedStore::MySql, owner: "dev", readers: &[] },
    Ownership { store: SharedStore::Redis, owner: "dev", readers: &[] },
    Ownership { store: SharedStore::Kafka, owner: "dev", readers: &["qa", "uat1", "uat2", "uat3"] },
    Ownership { store: SharedStore::Media("quikapp-media-uat"), owner: "uat1", readers: &["uat2", "uat3"] },
    Ownership { store: SharedStore::Media("quikapp-media-prod"), owner: "production", readers: &["live"] },
    Ownership {
        store: SharedStore::Zone,
        owner: "production",
        readers: &["dev", "qa", "uat1", "uat2", "uat3", "staging", "live"],
    },
];

/// The environment owning `store` when `reader` only reads it; `None` when `reader` manages
/// it itself (as its owner, or because it is not shared).
pub fn owner_of(store: SharedStore, reader: &str) -> Option<&'static Row> {
    SHARED.iter().find(|o| o.store == store && o.readers.contains(&reader)).and_then(|o| row(o.owner))
}

/// The whole estate, in the seed's order: what `cargo run --example estate` runs.
pub fn estate() -> quikinfra::cli::estate::Estate {
    let mut estate = quikinfra::cli::estate::Estate::new();
    for row in ESTATE {
        estate = match traffic::BlueGreen::new(row) {
            Some(program) => estate.member(program),
            None => estate.member(build(row)),
        };
    }
    estate
}

/// Runs `row`'s command line with `args` and `ctx` (tests), returning the exit code: a
/// blue/green environment gets its `switch` command.
pub fn run_with(row: &'static Row, args: Vec<String>, ctx: quikinfra::cli::Context) -> i32 {
    match traffic::BlueGreen::new(row) {
        Some(program) => quikinfra::cli::run_with(InEstate::new(program, estate()), args, ctx),
        None => quikinfra::cli::run_with(InEstate::new(build(row), estate()), args, ctx),
    }
}

/// Runs the command line for the environment called `name` and exits: what each example's
/// `main` calls.
pub fn run(name: &str) -> ! {
    let Some(row) = row(name) else {
        eprintln!("Error: no environment called `{name}` in the blueprint");
        std::process::exit(1)
    };
    match traffic::BlueGreen::new(row) {
        Some(program) => quikinfra::cli::run_program(InEstate::new(program, estate())),
        None => quikinfra::cli::run_program(InEstate::new(build(row), estate())),
    }
}
