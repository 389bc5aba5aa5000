//! Snapshot tests of the renderers, on plans and states built by hand.
//!
//! Every rendering is checked to hold no trailing space and, unless colour was asked for, no
//! escape code; rendering never changes what it renders, which `render_twice` checks too.

use std::collections::BTreeMap;

use crate::addr::Address;
use crate::plan::{
    Action, AttrChange, Drift, DriftKind, ForcedBy, PLAN_FORMAT_VERSION, Plan, PlanMode, Reason, ResourceChange,
};
use crate::resource::Lifecycle;
use crate::state::{DeposedObject, ResourceState, State, StateVersion};
use crate::value::{Attrs, SecretSpec, Value};

use super::*;

const PLAIN: TextOptions = TextOptions { color: false };
const COLOR: TextOptions = TextOptions { color: true };

fn addr(s: &str) -> Address {
    s.parse().unwrap()
}

fn s(v: &str) -> Value {
    Value::from(v)
}

fn n(v: i64) -> Value {
    Value::from(v)
}

fn reference(s: &str) -> Value {
    Value::Ref(Box::new(s.parse().unwrap()))
}

fn map(pairs: &[(&str, Value)]) -> Value {
    Value::Map(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
}

fn attrs(pairs: &[(&str, Value)]) -> Attrs {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

fn plan(mode: PlanMode, resource_changes: Vec<ResourceChange>, drift: Vec<Drift>) -> Plan {
    Plan {
        format_version: PLAN_FORMAT_VERSION.to_string(),
        quikinfra_version: "0.1.0".to_string(),
        environment: "staging".to_string(),
        mode,
        prior_state: Some(StateVersion { lineage: "5f0c7a52-lineage".to_string(), serial: 7 }),
        owners_state: Default::default(),
        resource_changes,
        drift,
        outputs: BTreeMap::new(),
        refreshed: true,
    }
}

fn change(address: &str, action: Action) -> ResourceChange {
    ResourceChange {
        address: addr(address),
        provider: address.split('_').next().unwrap().to_string(),
        action,
        reason: None,
        id: None,
        deposed: false,
        before: None,
        after: None,
        changes: Vec::new(),
        dependencies: Vec::new(),
        lifecycle: Lifecycle::default(),
    }
}

fn attr(name: &str, before: Option<Value>, after: Option<Value>) -> AttrChange {
    AttrChange { name: name.to_string(), before, after, forces_replacement: false, sensitive: false }
}

/// Renders as text without colour, checking the output is clean and the plan untouched.
fn text(plan: &Plan) -> String {
    let copy = plan.clone();
    let out = plan_text(plan, &PLAIN);
    assert_eq!(*plan, copy, "rendering changed the plan");
    assert_eq!(out, plan_text(plan, &PLAIN), "rendering is not deterministic");
    check_clean(&out);
    out
}

fn check_clean(out: &str) {
    assert!(!out.contains('\x1b'), "escape code in plain output:\n{out}");
    assert!(out.ends_with('\n'), "no trailing newline:\n{out}");
    for line in out.lines() {
        assert_eq!(line, line.trim_end(), "trailing space in {line:?}");
    }
}

/// A bucket created with a nested map and list, an unknown, a reference and a secret.
fn create_plan() -> Plan {
    let mut bucket = change("aws_s3_bucket.media", Action::Create);
    bucket.after = Some(attrs(&[
        ("arn", Value::Unknown),
        ("bucket", s("quikapp-media-staging")),
        ("kms_key_arn", reference("aws_kms_key.media.arn")),
        ("lifecycle_rules", Value::List(vec![map(&[("days", n(30)), ("prefix", s("tmp/"))]), s("keep")])),
        ("cors_origins", Value::List(vec![])),
        ("notes", Value::Null),
        ("tags", map(&[("environment", s("staging")), ("team", s("media")), ("empty", map(&[]))])),
        ("versioning", true.into()),
    ]));
    let mut db = change("aws_db_instance.main", Action::Create);
    db.after = Some(attrs(&[
        ("engine", s("postgres")),
        ("password", Value::Secret(Box::new(SecretSpec { env: "DB_PASSWORD".into(), fingerprint: None }))),
        ("port", n(5432)),
        ("username", s("admin")),
    ]));
    db.changes = vec![AttrChange { sensitive: true, ..attr("username", None, Some(s("admin"))) }];
    plan(PlanMode::Normal, vec![db, bucket], vec![])
}

fn update_plan() -> Plan {
    let mut key = change("aws_kms_key.media", Action::Update);
    key.id = Some("media-1".into());
    key.before = Some(attrs(&[
        ("description", s("media key")),
        ("id", s("media-1")),
        ("rotation", false.into()),
        ("deletion_window", n(30)),
        ("tags", map(&[("environment", s("staging")), ("owner", s("ops")), ("team", s("media"))])),
        ("aliases", Value::List(vec![s("a"), s("b"), s("c"), s("d")])),
        ("policy", s("{}")),
    ]));
    key.after = Some(attrs(&[
        ("description", s("media key")),
        ("id", s("media-1")),
        ("rotation", true.into()),
        ("deletion_window", n(30)),
        ("tags", map(&[("environment", s("production")), ("team", s("media")), ("cost", s("42"))])),
        ("aliases", Value::List(vec![s("a"), s("x"), s("c"), s("d"), s("e")])),
        ("policy", Value::Sensitive("sha256:11".into())),
    ]));
    key.changes = vec![
        attr("rotation", Some(false.into()), Some(true.into())),
        attr(
            "tags",
            Some(map(&[("environment", s("staging")), ("owner", s("ops")), ("team", s("media"))])),
            Some(map(&[("environment", s("production")), ("team", s("media")), ("cost", s("42"))])),
        ),
        attr(
            "aliases",
            Some(Value::List(vec![s("a"), s("b"), s("c"), s("d")])),
            Some(Value::List(vec![s("a"), s("x"), s("c"), s("d"), s("e")])),
        ),
        AttrChange { sensitive: true, ..attr("policy", Some(s("{}")), Some(Value::Sensitive("sha256:11".into()))) },
        attr("arn", Some(s("arn:aws:kms:1")), Some(Value::Unknown)),
        attr("description", Some(s("media key")), None),
    ];
    plan(PlanMode::Normal, vec![key], vec![])
}

fn replace_change(create_before_destroy: bool) -> ResourceChange {
    let mut aks = change("azure_aks_cluster.main", Action::Replace);
    aks.id = Some("aks-1".into());
    aks.lifecycle.create_before_destroy = create_before_destroy;
    aks.before = Some(attrs(&[("location", s("westeurope")), ("node_count", n(3)), ("vm_size", s("D4"))]));
    aks.after = Some(attrs(&[("location", s("westeurope")), ("node_count", n(3)), ("vm_size", s("D8"))]));
    aks.changes = vec![AttrChange {
        forces_replacement: true,
        ..attr("vm_size", Some(s("Standard_D4s_v5")), Some(s("Standard_D8s_v5")))
    }];
    aks.reason = Some(Reason::ReplaceBecause {
        attributes: vec![
            ForcedBy { attribute: "vm_size".into(), because: "a node pool's VM size is fixed at creation".into() },
            ForcedBy { attribute: "zones".into(), because: String::new() },
        ],
    });
    aks
}

#[test]
fn create_with_nested_unknown_reference_and_sensitive() {
    insta::assert_snapshot!("create", text(&create_plan()));
}

#[test]
fn update_in_place_with_hidden_count() {
    insta::assert_snapshot!("update", text(&update_plan()));
}

#[test]
fn replace_destroy_first_and_create_first() {
    let mut requested = change("aws_s3_bucket.logs", Action::Replace);
    requested.id = Some("logs".into());
    requested.reason = Some(Reason::ReplaceRequested);
    requested.before = Some(attrs(&[("bucket", s("logs"))]));
    requested.after = Some(attrs(&[("bucket", s("logs"))]));
    let plan = plan(PlanMode::Normal, vec![requested, replace_change(false), replace_change(true)], vec![]);
    let out = text(&plan);
    assert!(out.contains("-/+ resource \"azure_aks_cluster\""));
    assert!(out.contains("+/- resource \"azure_aks_cluster\""));
    insta::assert_snapshot!("replace", out);
}

#[test]
fn delete_not_in_definition_and_destroy_requested() {
    let mut old = change("aws_s3_bucket.old", Action::Delete);
    old.id = Some("x".into());
    old.reason = Some(Reason::NotInDefinition);
    old.before = Some(attrs(&[
        ("bucket", s("x")),
        ("tags", map(&[("environment", s("staging"))])),
        ("cors_origins", Value::List(vec![s("https://a.example")])),
        ("password", Value::Sensitive("sha256:22".into())),
        ("unset", Value::Null),
    ]));
    let mut key = change("aws_kms_key.media", Action::Delete);
    key.reason = Some(Reason::DestroyRequested);
    key.id = Some("media-1".into());
    key.before = Some(attrs(&[("id", s("media-1")), ("rotation", true.into())]));
    // Planned without refreshing: only the id is known.
    let mut role = change("aws_iam_role.ci", Action::Delete);
    role.reason = Some(Reason::DestroyRequested);
    role.id = Some("ci".into());
    let plan = plan(PlanMode::Destroy, vec![role, key, old], vec![]);
    insta::assert_snapshot!("delete", text(&plan));
}

#[test]
fn deposed_object_is_destroyed() {
    let mut current = change("aws_kms_key.media", Action::NoOp);
    current.id = Some("media-2".into());
    let mut deposed = change("aws_kms_key.media", Action::Delete);
    deposed.deposed = true;
    deposed.reason = Some(Reason::Deposed);
    deposed.id = Some("media-1".into());
    deposed.before = Some(attrs(&[("rotation", false.into())]));
    let plan = plan(PlanMode::Normal, vec![current, deposed], vec![]);
    let out = text(&plan);
    assert!(out.contains("# aws_kms_key.media (deposed object media-1) will be destroyed"));
    insta::assert_snapshot!("deposed", out);
}

fn drift() -> Vec<Drift> {
    vec![
        Drift { address: addr("aws_kms_key.media"), kind: DriftKind::Deleted, changes: vec![] },
        Drift {
            address: addr("aws_s3_bucket.media"),
            kind: DriftKind::Changed,
            changes: vec![
                attr("versioning", Some(true.into()), Some(false.into())),
                attr("tags", Some(map(&[("environment", s("staging"))])), Some(map(&[("environment", s("dev"))]))),
            ],
        },
    ]
}

#[test]
fn drift_then_actions() {
    let mut key = change("aws_kms_key.media", Action::Create);
    key.reason = Some(Reason::DeletedOutside);
    key.after = Some(attrs(&[("arn", Value::Unknown), ("rotation", true.into())]));
    let mut bucket = change("aws_s3_bucket.media", Action::Update);
    bucket.id = Some("quikapp-media-staging".into());
    bucket.before = Some(attrs(&[("bucket", s("quikapp-media-staging")), ("versioning", false.into())]));
    bucket.after = Some(attrs(&[("bucket", s("quikapp-media-staging")), ("versioning", true.into())]));
    bucket.changes = vec![attr("versioning", Some(false.into()), Some(true.into()))];
    let plan = plan(PlanMode::Normal, vec![key, bucket], drift());
    let out = text(&plan);
    assert!(out.starts_with("Note: Objects have changed outside of quikinfra\n"));
    assert!(out.contains("# (because it was deleted outside quikinfra)"));
    insta::assert_snapshot!("drift_then_actions", out);
}

#[test]
fn destroy_with_an_object_already_gone_says_so_once() {
    let mut key = change("aws_kms_key.media", Action::Read);
    key.reason = Some(Reason::DeletedOutside);
    key.id = Some("media-1".into());
    key.before = Some(attrs(&[("rotation", true.into())]));
    let mut bucket = change("aws_s3_bucket.media", Action::Delete);
    bucket.reason = Some(Reason::DestroyRequested);
    bucket.id = Some("quikapp-media-staging".into());
    bucket.before = Some(attrs(&[("bucket", s("quikapp-media-staging"))]));
    let gone = vec![drift().remove(0)];
    let plan = plan(PlanMode::Destroy, vec![key, bucket], gone);
    let out = text(&plan);
    assert_eq!(out.matches("aws_kms_key.media").count(), 1, "{out}");
    assert!(out.contains("Plan: 0 to add, 0 to change, 1 to destroy."), "{out}");
    insta::assert_snapshot!("destroy_with_gone", out);
}

#[test]
fn no_changes() {
    let mut same = change("aws_s3_bucket.media", Action::NoOp);
    same.id = Some("quikapp-media-staging".into());
    let plan = plan(PlanMode::Normal, vec![same], vec![]);
    let out = text(&plan);
    assert_eq!(out, "No changes. Your infrastructure matches the definition.\n");
    insta::assert_snapshot!("no_changes", out);
}

#[test]
fn no_changes_with_drift() {
    let drift = vec![drift().remove(1)];
    let plan = plan(PlanMode::Normal, vec![change("aws_s3_bucket.media", Action::NoOp)], drift);
    let out = text(&plan);
    assert!(out.contains("No changes. Your infrastructure matches the definition."));
    insta::assert_snapshot!("no_changes_with_drift", out);
}

#[test]
fn refresh_only_with_drift() {
    let mut read = change("aws_s3_bucket.media", Action::Read);
    read.id = Some("quikapp-media-staging".into());
    read.before = Some(attrs(&[("bucket", s("quikapp-media-staging")), ("versioning", true.into())]));
    read.after = Some(attrs(&[("bucket", s("quikapp-media-staging")), ("versioning", false.into())]));
    read.changes = vec![attr("versioning", Some(true.into()), Some(false.into()))];
    let plan = plan(PlanMode::RefreshOnly, vec![read], drift());
    let out = text(&plan);
    assert!(out.contains(" <= resource \"aws_s3_bucket\" \"media\" {"));
    assert!(out.ends_with("Apply this refresh-only plan to update state to match live objects.\n"));
    insta::assert_snapshot!("refresh_only", out);
}

#[test]
fn refresh_only_without_drift() {
    let plan = plan(PlanMode::RefreshOnly, vec![], vec![]);
    assert_eq!(text(&plan), "No changes. Live objects match the state.\n");
}

#[test]
fn colour_only_when_asked() {
    let mut plan = update_plan();
    plan.resource_changes.push(replace_change(false));
    plan.drift = drift();
    let plain = text(&plan);
    let coloured = plan_text(&plan, &COLOR);
    assert!(coloured.contains("\x1b[32m+\x1b[0m"), "green +");
    assert!(coloured.contains("\x1b[33m~\x1b[0m"), "yellow ~");
    assert!(coloured.contains("\x1b[31m-\x1b[0m"), "red -");
    assert!(coloured.contains("\x1b[1m# aws_kms_key.media\x1b[0m will be updated in-place"), "bold heading");
    assert!(coloured.contains("\x1b[31m# forces replacement\x1b[0m"));
    for line in coloured.lines() {
        assert_eq!(line, line.trim_end(), "trailing space in {line:?}");
    }
    // Without the escape codes, the coloured text is the plain text.
    assert_eq!(strip_ansi(&coloured), plain);
    insta::assert_snapshot!("colour", coloured.replace('\x1b', "␛"));
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn values_as_plans_show_them() {
    assert_eq!(value_text(&Value::Null), "null");
    assert_eq!(value_text(&s("a \"quoted\"\nline")), r#""a \"quoted\"\nline""#);
    assert_eq!(value_text(&Value::Number(serde_json::Number::from_f64(1.5).unwrap())), "1.5");
    assert_eq!(value_text(&Value::Unknown), "(known after apply)");
    assert_eq!(value_text(&reference("aws_kms_key.media.arn")), "(known after apply)");
    assert_eq!(value_text(&Value::Sensitive("sha256:ab".into())), "(sensitive value)");
    assert_eq!(
        value_text(&Value::Secret(Box::new(SecretSpec { env: "PW".into(), fingerprint: None }))),
        "(sensitive value)"
    );
    assert_eq!(value_text(&map(&[])), "{}");
    assert_eq!(value_text(&Value::List(vec![])), "[]");
    let nested = map(&[("a", n(1)), ("long_key", Value::List(vec![s("x"), map(&[("k", true.into())])]))]);
    assert_eq!(
        value_text(&nested),
        "{\n    \"a\"        = 1\n    \"long_key\" = [\n        \"x\",\n        {\n            \"k\" = true\n        },\n    ]\n}"
    );
}

fn state() -> State {
    let mut state = State::new("staging", "5f0c7a52-lineage");
    state.version.serial = 7;
    state.resources.insert(
        addr("aws_kms_key.media"),
        ResourceState {
            provider: "aws".into(),
            id: "media-2".into(),
            attributes: attrs(&[
                ("arn", s("arn:aws:kms:eu-west-1:1:key/media-2")),
                ("rotation", true.into()),
                ("description", Value::Null),
            ]),
            dependencies: vec![],
            lifecycle: Lifecycle::default(),
            deposed: vec![DeposedObject { id: "media-1".into(), attributes: attrs(&[("rotation", false.into())]) }],
        },
    );
    state.resources.insert(
        addr("aws_s3_bucket.media"),
        ResourceState {
            provider: "aws".into(),
            id: "quikapp-media-staging".into(),
            attributes: attrs(&[
                ("bucket", s("quikapp-media-staging")),
                ("cors_origins", Value::List(vec![])),
                ("kms_key_arn", s("arn:aws:kms:eu-west-1:1:key/media-2")),
                ("password", Value::Sensitive("sha256:33".into())),
                ("tags", map(&[("environment", s("staging")), ("team", s("media"))])),
            ]),
            dependencies: vec![addr("aws_kms_key.media")],
            lifecycle: Lifecycle::default(),
            deposed: vec![],
        },
    );
    state.outputs.insert("bucket".into(), s("quikapp-media-staging"));
    state.outputs.insert("key_arns".into(), Value::List(vec![s("arn:aws:kms:eu-west-1:1:key/media-2")]));
    state
}

#[test]
fn state_shows_every_resource_and_output() {
    let state = state();
    let out = state_text(&state, &PLAIN);
    check_clean(&out);
    insta::assert_snapshot!("state", out);
    assert_eq!(state_text(&State::new("staging", "l"), &PLAIN), "The state is empty.\n");
    assert!(state_text(&state, &COLOR).contains("\x1b[1m# aws_s3_bucket.media:\x1b[0m"));
}

#[test]
fn resource_shows_one_resource_with_its_deposed_objects() {
    let state = state();
    let address = addr("aws_kms_key.media");
    let out = resource_text(&address, &state.resources[&address], &PLAIN);
    check_clean(&out);
    insta::assert_snapshot!("resource", out);
}

#[test]
fn json_is_the_versioned_plan_with_summary() {
    let mut plan = update_plan();
    // The bucket of the create plan (its database has a sensitive flag on a plain value, which
    // only hand-built plans have).
    plan.resource_changes.push(create_plan().resource_changes.remove(1));
    plan.resource_changes.push(replace_change(true));
    plan.drift = drift();
    plan.outputs.insert("bucket_arn".into(), reference("aws_s3_bucket.media.arn"));
    let out = plan_json(&plan);
    assert!(out.starts_with("{\n  \"format_version\": \"1.0\",\n"));
    assert!(out.ends_with("}\n") && !out.ends_with("\n\n"));
    assert_eq!(out, plan_json(&plan.clone()), "deterministic");

    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["summary"], serde_json::json!({"add": 2, "change": 1, "destroy": 1}));
    assert_eq!(json["has_changes"], serde_json::json!(true));
    // The document is the plan plus two fields: it reads back as the same plan.
    let back: Plan = serde_json::from_value(json).unwrap();
    assert_eq!(back, plan);
    insta::assert_snapshot!("json", out);
}

#[test]
fn json_of_an_empty_plan_has_no_changes() {
    let json: serde_json::Value = serde_json::from_str(&plan_json(&plan(PlanMode::Normal, vec![], vec![]))).unwrap();
    assert_eq!(json["has_changes"], serde_json::json!(false));
    assert_eq!(json["summary"], serde_json::json!({"add": 0, "change": 0, "destroy": 0}));
}

#[test]
fn multi_line_strings_render_as_heredocs_and_diff_line_by_line() {
    use crate::render::style::Painter;
    use crate::render::value::{diff, rhs};
    let p = Painter::new(false);
    let before = "services:\n  app:\n    image: app:1\n  redis:\n    image: redis:7\n  kafka:\n    image: kafka:3\n  s3:\n    image: localstack\n";
    let after = before.replace("app:1", "app:2");
    let created = rhs(&crate::value::Value::from(before), 6, None, &p).join("\n");
    insta::assert_snapshot!(created, @r"
    <<-EOT
              services:
                app:
                  image: app:1
                redis:
                  image: redis:7
                kafka:
                  image: kafka:3
                s3:
                  image: localstack
          EOT
    ");
    let (_, changed) =
        diff(Some(&crate::value::Value::from(before)), Some(&crate::value::Value::from(after.as_str())), false, 6, &p);
    insta::assert_snapshot!(changed.join("\n"), @r"
    <<-EOT
              services:
                app:
            -     image: app:1
            +     image: app:2
                redis:
                  image: redis:7
              # (4 unchanged lines hidden)
          EOT
    ");
}

fn endpoint(name: &str, status: &str, weight: i64) -> Value {
    map(&[
        ("name", s(name)),
        ("status", s(status)),
        ("target", s(&format!("origin-{name}.example.com"))),
        ("weight", n(weight)),
    ])
}

#[test]
fn list_elements_named_by_a_name_key_change_in_place() {
    let before = Value::List(vec![
        endpoint("blue", "Enabled", 1),
        endpoint("green", "Disabled", 1),
        endpoint("old", "Enabled", 1),
    ]);
    let after = Value::List(vec![
        endpoint("blue", "Disabled", 1),
        endpoint("green", "Enabled", 1),
        endpoint("new", "Enabled", 5),
    ]);
    let mut edge = change("azure_traffic_manager_profile.edge", Action::Update);
    edge.id = Some("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/trafficManagerProfiles/tm".into());
    edge.before = Some(attrs(&[("endpoints", before.clone()), ("ttl", n(30))]));
    edge.after = Some(attrs(&[("endpoints", after.clone()), ("ttl", n(30))]));
    edge.changes = vec![attr("endpoints", Some(before), Some(after))];
    let out = text(&plan(PlanMode::Normal, vec![edge], vec![]));
    insta::assert_snapshot!("named_list_elements", out);
    assert_eq!(out.matches("\"name\"   = \"blue\"").count(), 1, "{out}");

    // Without a distinct name per element, elements are compared whole.
    use crate::render::style::Painter;
    use crate::render::value::diff;
    let p = Painter::new(false);
    let twice = |status: &str| Value::List(vec![endpoint("a", status, 1), endpoint("a", "Enabled", 2)]);
    let (_, lines) = diff(Some(&twice("Enabled")), Some(&twice("Disabled")), false, 6, &p);
    insta::assert_snapshot!(lines.join("\n"), @r#"
    [
            - {
                - "name"   = "a"
                - "status" = "Enabled"
                - "target" = "origin-a.example.com"
                - "weight" = 1
              },
            + {
                + "name"   = "a"
                + "status" = "Disabled"
                + "target" = "origin-a.example.com"
                + "weight" = 1
              },
              # (1 unchanged element hidden)
          ]
    "#);
    let unnamed = |w: i64| Value::List(vec![map(&[("weight", n(w))])]);
    let (_, lines) = diff(Some(&unnamed(1)), Some(&unnamed(2)), false, 6, &p);
    insta::assert_snapshot!(lines.join("\n"), @r#"
    [
            - {
                - "weight" = 1
              },
            + {
                + "weight" = 2
              },
          ]
    "#);
}

#[test]
fn a_repair_says_which_attribute_showed_the_failure() {
    let mut aks = change("azure_aks_cluster.main", Action::Update);
    aks.reason = Some(Reason::Repair { attribute: "provisioning_state".into(), value: "Failed".into() });
    aks.id = Some("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks".into());
    aks.before = Some(attrs(&[("provisioning_state", s("Failed")), ("sku_tier", s("Standard"))]));
    aks.after = Some(attrs(&[("provisioning_state", Value::Unknown), ("sku_tier", s("Standard"))]));
    aks.changes = vec![attr("provisioning_state", Some(s("Failed")), Some(Value::Unknown))];
    let drift = Drift {
        address: addr("azure_aks_cluster.main"),
        kind: DriftKind::Changed,
        changes: vec![attr("provisioning_state", Some(s("Succeeded")), Some(s("Failed")))],
    };
    let plan = plan(PlanMode::Normal, vec![aks], vec![drift]);
    insta::assert_snapshot!("repair", text(&plan));
    let json: serde_json::Value = serde_json::from_str(&plan_json(&plan)).unwrap();
    assert_eq!(
        json["resource_changes"][0]["reason"],
        serde_json::json!({"kind": "repair", "attribute": "provisioning_state", "value": "Failed"})
    );
    assert_eq!(serde_json::from_value::<Plan>(json).unwrap(), plan, "reads back");
}
