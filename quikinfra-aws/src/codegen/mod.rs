//! The AWS types that write the code declaring a live object (`import --generate`): one
//! module per type implementing [`Generate`](quikinfra_core::codegen::Generate), and the
//! table of them the `aws` plugin hands out ([`generators`]).

mod s3_bucket;

use quikinfra_core::codegen::Generators;

use crate::S3Bucket;

/// Every AWS type with a generator.
pub fn generators() -> Generators {
    Generators::new().with::<S3Bucket>()
}
