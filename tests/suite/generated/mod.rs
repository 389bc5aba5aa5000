//! Code `import --generate` wrote from live objects, committed as written: the suite compiles
//! it, a test checks generation still writes these exact bytes, and another declares it,
//! imports the objects and plans "No changes".

// Kept exactly as generated: not reformatted.
#[rustfmt::skip]
pub mod aks_cluster;
#[rustfmt::skip]
pub mod distribution;
#[rustfmt::skip]
pub mod kafka_namespace;
#[rustfmt::skip]
pub mod media_bucket;
#[rustfmt::skip]
pub mod kms_key;
#[rustfmt::skip]
pub mod mysql_server;
#[rustfmt::skip]
pub mod web_acl;
