//! The Azure types that write the code declaring a live object (`import --generate`): one
//! module per type implementing [`Generate`](quikinfra_core::codegen::Generate), and the
//! table of them the `azure` plugin hands out ([`generators`]).

mod aks_cluster;

use quikinfra_core::codegen::Generators;

use crate::AksCluster;

/// Every Azure type with a generator.
pub fn generators() -> Generators {
    Generators::new().with::<AksCluster>()
}
