//! `azure_resource_group`: the resource group every other Azure resource of an environment
//! lives in.
//!
//! The other types take `&ResourceGroup` in their constructors: they copy its (known) region
//! and refer to its name, so they are created after it and destroyed before it.

use std::collections::BTreeMap;

use quikinfra_core::diag::FieldProblems;
use quikinfra_core::resource::{Meta, Resource};
use quikinfra_core::value::Computed;
use serde::Serialize;

use crate::check;

/// An Azure resource group.
///
/// ```ignore
/// let rg = ResourceGroup::new("main", "rg-quikapp-staging", "westeurope");
/// ```
#[derive(Clone, Debug, Serialize, Resource)]
#[resource(type = "azure_resource_group", provider = "azure", refs(id, name), validate = Self::check)]
pub struct ResourceGroup {
    #[serde(skip)]
    meta: Meta,
    /// The group's ARM id, `/subscriptions/…/resourceGroups/<name>`.
    #[serde(skip)]
    #[resource(computed)]
    id: Computed<String>,
    /// A reference to the group's name: resources given it are created after the group.
    #[resource(identity, force_new = "a resource group cannot be renamed")]
    name: String,
    #[resource(force_new = "a resource group's region is fixed at creation")]
    location: String,
    /// Puts the group (and every resource built from it) in subscription `id` (a GUID);
    /// unset, the provider's default subscription (`AZURE_SUBSCRIPTION_ID`) is used.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[resource(
        optional_computed,
        setter = "subscription",
        force_new = "a resource group cannot move to another subscription"
    )]
    subscription_id: Option<String>,
    /// Adds a tag.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[resource(insert = "tag")]
    tags: BTreeMap<String, String>,
}

impl ResourceGroup {
    /// The group called `name` in region `location` (short name: `westeurope`), addressed as
    /// `azure_resource_group.<local>`.
    pub fn new(local: &str, name: impl Into<String>, location: impl Into<String>) -> Self {
        Self {
            meta: Meta::named(local),
            id: Computed::new(),
            name: name.into(),
            location: location.into(),
            subscription_id: None,
            tags: BTreeMap::new(),
        }
    }

    /// The subscription named by the definition, if any.
    pub fn subscription_id(&self) -> Option<&str> {
        self.subscription_id.as_deref()
    }

    /// The group's region, known when the definition is written.
    pub fn location(&self) -> &str {
        &self.location
    }
}

impl ResourceGroup {
    fn check(&self, p: &mut FieldProblems<'_>) {
        for message in check::resource_group_problems(&self.name) {
            p.field("name", message);
        }
        check::location(p, &self.location);
        check::subscription(p, self.subscription_id.as_deref());
        check::tags(p, &self.tags);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::testing::{assert_problem, attrs, problems};

    #[test]
    fn a_group_serializes_to_its_attributes() {
        let rg = ResourceGroup::new("main", "rg-quikapp-staging", "westeurope").tag("cost-centre", "media");
        assert_eq!(
            attrs(&rg),
            json!({"name": "rg-quikapp-staging", "location": "westeurope", "tags": {"cost-centre": "media"}})
        );
        assert!(problems(rg).is_empty());
    }

    #[test]
    fn accessors_and_schema() {
        let rg = ResourceGroup::new("main", "rg-quikapp-staging", "westeurope");
        assert_eq!(serde_json::to_value(rg.id()).unwrap(), json!({"$ref": "azure_resource_group.main.id"}));
        assert_eq!(serde_json::to_value(rg.name()).unwrap(), json!({"$ref": "azure_resource_group.main.name"}));
        assert_eq!(rg.location(), "westeurope");
        let schema = ResourceGroup::schema();
        assert!(schema.has_tags());
        assert!(schema.attr("name").unwrap().force_new);
        assert!(!schema.attr("location").unwrap().replace_reason.is_empty());
    }

    #[test]
    fn names_regions_and_tags_are_checked() {
        let rg = ResourceGroup::new("main", "rg quikapp.", "West Europe").tag("azure-owner", "x").tag("a/b", "y");
        let found = problems(rg);
        assert_problem(&found, "name", "may only hold");
        assert_problem(&found, "name", "must not end with a dot");
        assert_problem(&found, "location", "short name");
        assert_problem(&found, "tags.azure-owner", "reserved");
        assert_problem(&found, "tags.a/b", "must not contain");
        assert_problem(&problems(ResourceGroup::new("main", "", "westeurope")), "name", "1 to 90");
    }

    #[test]
    fn a_named_subscription_reaches_the_groups_resources() {
        let sub = "6f2c1c1e-3b7a-4c55-9a3e-2f1d0c9b8a7e";
        let rg = ResourceGroup::new("main", "rg", "westeurope").subscription(sub);
        assert_eq!(attrs(&rg)["subscription_id"], sub);
        let aks = crate::AksCluster::new("main", "aks", &rg);
        assert_eq!(attrs(&aks)["subscription_id"], sub);
        assert!(
            attrs(&crate::AksCluster::new("main", "aks", &ResourceGroup::new("main", "rg", "westeurope")))
                .get("subscription_id")
                .is_none()
        );
        assert!(ResourceGroup::schema().attr("subscription_id").unwrap().force_new);
        assert_problem(&problems(rg.clone().subscription("prod")), "subscription_id", "not a subscription id");
        assert!(problems(rg).is_empty());
    }

    #[test]
    fn tag_counts_and_values_are_bounded() {
        let rg = (0..51).fold(ResourceGroup::new("main", "rg", "westeurope"), |rg, i| rg.tag(format!("k{i}"), "v"));
        assert_problem(&problems(rg), "tags", "at most 50 tags");
        let long = ResourceGroup::new("main", "rg", "westeurope").tag("note", "v".repeat(257)).tag("", "v");
        let found = problems(long);
        assert_problem(&found, "tags.note", "256");
        assert_problem(&found, "tags.", "1 to 512");
    }
}
