//! `azure_resource_group` as code: `ResourceGroup::new` with the name and region; the tags
//! through the derived builders, the subscription as a note.

use quikinfra_core::addr::Address;
use quikinfra_core::codegen::{self, Chain, Declaration, Generate, GenerateContext, GenerateError};
use quikinfra_core::value::Attrs;

use super::{Draft, text};
use crate::ResourceGroup;

impl Generate for ResourceGroup {
    fn generate(address: &Address, live: &Attrs, ctx: &GenerateContext<'_>) -> Result<Declaration, GenerateError> {
        let (name, location) = (text(address, live, "name")?, text(address, live, "location")?);
        let base = ResourceGroup::new(address.name(), name, location);
        let chain = Chain::new("ResourceGroup::new", [address.name(), name, location].map(codegen::string));
        Draft::new(address, live, &base, "quikinfra::azure::ResourceGroup", chain).finish(&base, ctx)
    }
}
