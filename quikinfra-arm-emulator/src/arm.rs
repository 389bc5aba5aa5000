//! ARM's contract, as the emulator keeps it: routing by resource id, `api-version` and bearer
//! checks, reads, writes and long-running operations, ETags, conflicts, faults, and the
//! `/_emulator/` control API.
//!
//! Per type (see the examples in the repository's `testdata/arm-examples`):
//!
//! | type | PUT create / update | PATCH | DELETE |
//! |---|---|---|---|
//! | resource group | 201 / 200, synchronous | 200 | 202 + `Location` |
//! | AKS cluster | 201 / 200 + body + `Azure-AsyncOperation` | 200 + body + `Azure-AsyncOperation` | 202 + `Azure-AsyncOperation` + `Location` |
//! | MySQL flexible server | 202, empty, + `Azure-AsyncOperation` + `Location` | same | same |
//! | Redis cluster / database | 201 / 200 + body + `Azure-AsyncOperation` | 202 + both | 202 + `Location` |
//! | Event Hubs namespace | 201 / 200 + body + `Azure-AsyncOperation` | 200 + body + `Azure-AsyncOperation` | 202 + `Azure-AsyncOperation` |
//! | event hub | 200, synchronous | 200 | 200 (204 when absent) |
//! | Traffic Manager profile | 201 / 200 + body, synchronous | 200 + body | 200 + `{}` (204 when absent) |
//! | Traffic Manager endpoint (`…/externalEndpoints/{name}`, `azureEndpoints`, `nestedEndpoints`) | 201 / 200 + body, kept in the profile's `endpoints` | 200 + body | 200 + `{}` (204 when absent) |
//!
//! A long-running operation finishes after [`Config::polls`] polls of its status URL
//! (`…/operationStatuses/{id}`: 200 with `{"status": "InProgress" | "Succeeded" | "Failed"}`)
//! or its result URL (`…/operationResults/{id}`: 202 until done, then 200 / 204, or 400 with
//! the error). GETs of the resource while it runs count as polls too, so a client resuming by
//! polling the resource's `provisioningState` sees it finish.
//!
//! Control API (JSON): `POST /_emulator/faults` (a [`Fault`]), `GET /_emulator/requests`,
//! `GET /_emulator/resources`, `PATCH /_emulator/resources/<id>` with `{"merge": {…}}` (a JSON
//! merge patch) and/or `{"set": {"/json/pointer": value}}`, `DELETE /_emulator/resources/<id>`,
//! `POST /_emulator/reset`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::kinds::{self, Ctx, EndpointType, Invalid, Kind, Phase, Verb};
use crate::{Config, Fault, RequestRecord};

/// Whether `req` has the method and a path containing the text a fault asks for (each when
/// given; the path case-insensitively).
fn matches(req: &Req, method: &Option<String>, contains: &Option<String>) -> bool {
    method.as_ref().is_none_or(|m| m.eq_ignore_ascii_case(&req.method))
        && contains.as_ref().is_none_or(|c| req.path.to_ascii_lowercase().contains(&c.to_ascii_lowercase()))
}

/// One request, as the store sees it.
pub(crate) struct Req {
    pub method: String,
    pub path: String,
    pub query: BTreeMap<String, String>,
    /// Lowercase names.
    pub headers: BTreeMap<String, String>,
    pub body: Option<Value>,
}

/// One answer.
pub(crate) struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
}

impl Resp {
    fn json(status: u16, body: Value) -> Self {
        Self { status, headers: Vec::new(), body: Some(body) }
    }

    fn empty(status: u16) -> Self {
        Self { status, headers: Vec::new(), body: None }
    }

    /// ARM's error shape: `{"error": {"code", "message", "target"?}}`.
    pub(crate) fn error(status: u16, code: &str, message: &str, target: Option<&str>) -> Self {
        let mut error = json!({"code": code, "message": message});
        if let Some(t) = target {
            error["target"] = t.into();
        }
        Self::json(status, json!({ "error": error }))
    }

    fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    fn retry_after(self, ms: u64) -> Self {
        self.header("Retry-After", ms.div_ceil(1000).to_string()).header("retry-after-ms", ms.to_string())
    }
}

impl From<Invalid> for Resp {
    fn from(e: Invalid) -> Self {
        Resp::error(e.status, e.code, &e.message, e.target.as_deref())
    }
}

struct Stored {
    id: String,
    kind: Kind,
    body: Value,
    etag: String,
    /// The operation running on it.
    busy: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    Succeeded,
    Failed { code: String, message: String },
}

struct Operation {
    key: String,
    kind: Kind,
    verb: Verb,
    path: String,
    polls_left: u32,
    failure: Option<(String, String)>,
    outcome: Option<Outcome>,
    started: String,
    ended: Option<String>,
}

/// A parsed collection path: `…/resourceGroups/RG/providers/NS/TYPE` or
/// `/subscriptions/S/providers/NS/TYPE`.
struct Collection {
    kind: Kind,
    subscription: String,
    resource_group: Option<String>,
}

/// A parsed resource path.
struct Target {
    kind: Kind,
    subscription: String,
    resource_group: String,
    /// Names from the top-level resource down (empty for a resource group).
    names: Vec<String>,
}

impl Target {
    fn rg_id(&self) -> String {
        format!("/subscriptions/{}/resourceGroups/{}", self.subscription, self.resource_group)
    }

    fn id(&self) -> String {
        if self.kind == Kind::ResourceGroup {
            return self.rg_id();
        }
        let top = match self.kind {
            Kind::RedisDatabase => Kind::RedisCluster,
            Kind::EventHub => Kind::EventHubNamespace,
            Kind::TrafficManagerEndpoint(_) => Kind::TrafficManagerProfile,
            k => k,
        };
        let mut id = format!("{}/providers/{}/{}/{}", self.rg_id(), top.namespace(), top.segment(), self.names[0]);
        if self.kind.is_child() {
            id.push_str(&format!("/{}/{}", self.kind.segment(), self.names[1]));
        }
        id
    }

    fn parent_id(&self) -> Option<String> {
        if !self.kind.is_child() {
            return None;
        }
        let id = self.id();
        let cut = id.rmatch_indices('/').nth(1).map(|(i, _)| i)?;
        Some(id[..cut].to_string())
    }
}

/// Where a request goes.
enum Route {
    Resource(Target),
    Children(Target),
    /// A top-level type's collection in a resource group (or, with none, the subscription).
    Collection(Collection),
    OperationStatus(String),
    OperationResult(String),
}

/// The emulated world.
pub(crate) struct Store {
    config: Config,
    base: String,
    resources: BTreeMap<String, Stored>,
    operations: BTreeMap<String, Operation>,
    faults: Vec<Fault>,
    log: Vec<RequestRecord>,
    counter: u64,
}

fn key(id: &str) -> String {
    id.to_ascii_lowercase()
}

impl Store {
    pub(crate) fn new(config: Config, base: String) -> Self {
        Self {
            config,
            base,
            resources: BTreeMap::new(),
            operations: BTreeMap::new(),
            faults: Vec::new(),
            log: Vec::new(),
            counter: 0,
        }
    }

    fn next(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    fn new_etag(&mut self) -> String {
        let n = self.next();
        format!("{:08x}-{n:04x}", n.wrapping_mul(0x9e37_79b9) as u32)
    }

    pub(crate) fn inject(&mut self, fault: Fault) {
        self.faults.push(fault);
    }

    pub(crate) fn get_body(&self, id: &str) -> Option<Value> {
        self.resources.get(&key(id)).map(|s| s.body.clone())
    }

    pub(crate) fn ids(&self) -> Vec<String> {
        self.resources.values().map(|s| s.id.clone()).collect()
    }

    pub(crate) fn edit(&mut self, id: &str, edit: impl FnOnce(&mut Value)) -> bool {
        let etag = self.new_etag();
        match self.resources.get_mut(&key(id)) {
            Some(stored) => {
                edit(&mut stored.body);
                stored.etag = etag.clone();
                kinds::stamp_etag(stored.kind, &mut stored.body, &etag);
                true
            }
            None => false,
        }
    }

    pub(crate) fn remove(&mut self, id: &str) -> bool {
        let k = key(id);
        let existed = self.resources.remove(&k).is_some();
        let prefix = format!("{k}/");
        self.resources.retain(|key, _| !key.starts_with(&prefix));
        existed
    }

    pub(crate) fn requests(&self) -> &[RequestRecord] {
        &self.log
    }

    pub(crate) fn reset(&mut self) {
        self.resources.clear();
        self.operations.clear();
        self.faults.clear();
        self.log.clear();
    }

    /// Answers one request.
    pub(crate) fn handle(&mut self, req: Req) -> Resp {
        if req.path.starts_with("/_emulator/") || req.path == "/_emulator" {
            return self.control(&req);
        }
        let lost = self.lost_reply(&req);
        let mut resp = self.serve(&req);
        if let Some(index) = lost.filter(|_| resp.status < 400) {
            self.consume(index);
            resp = Resp::error(
                504,
                "GatewayTimeout",
                "The gateway did not receive a response from the service in time.",
                None,
            );
        }
        self.log.push(RequestRecord {
            method: req.method.clone(),
            path: req.path.clone(),
            api_version: req.query.get("api-version").cloned(),
            status: resp.status,
        });
        resp
    }

    fn serve(&mut self, req: &Req) -> Resp {
        let token = req.headers.get("authorization").and_then(|h| h.strip_prefix("Bearer ")).unwrap_or("").trim();
        if token.is_empty() {
            return Resp::error(
                401,
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is missing.",
                None,
            );
        }
        if let Some(resp) = self.fault(req) {
            return resp;
        }
        let route = match route(&req.path) {
            Ok(r) => r,
            Err(resp) => return resp,
        };
        match route {
            Route::OperationStatus(id) => self.operation_status(&id),
            Route::OperationResult(id) => self.operation_result(&id),
            Route::Resource(t) | Route::Children(t) if !self.api_version_ok(req, t.kind) => {
                api_version_error(req, t.kind)
            }
            Route::Collection(c) if !self.api_version_ok(req, c.kind) => api_version_error(req, c.kind),
            Route::Children(t) => self.list(req, &t),
            Route::Collection(c) => self.list_collection(req, &c),
            Route::Resource(t) => self.resource(req, &t),
        }
    }

    /// The resources of a top-level type in a resource group or a subscription, by id, in
    /// ARM's list shape (`{"value": [...]}`, one page).
    fn list_collection(&mut self, req: &Req, c: &Collection) -> Resp {
        if req.method != "GET" {
            return Resp::error(405, "MethodNotAllowed", "Only GET lists a collection.", None);
        }
        let scope = match &c.resource_group {
            Some(group) => {
                let rg_id = format!("/subscriptions/{}/resourceGroups/{group}", c.subscription);
                if !self.resources.contains_key(&key(&rg_id)) {
                    return Resp::error(
                        404,
                        "ResourceGroupNotFound",
                        &format!("Resource group '{group}' could not be found."),
                        None,
                    );
                }
                format!("{}/", key(&rg_id))
            }
            None => format!("{}/", key(&format!("/subscriptions/{}", c.subscription))),
        };
        let value: Vec<Value> = self
            .resources
            .iter()
            .filter(|(k, s)| k.starts_with(&scope) && s.kind == c.kind)
            .map(|(_, s)| s.body.clone())
            .collect();
        Resp::json(200, json!({ "value": value }))
    }

    fn api_version_ok(&self, req: &Req, kind: Kind) -> bool {
        req.query.get("api-version").map(String::as_str) == Some(kind.api_version())
    }

    /// The index of a `LoseReply` fault matching `req`, left in place until the call succeeds.
    fn lost_reply(&self, req: &Req) -> Option<usize> {
        self.faults.iter().position(|f| match f {
            Fault::LoseReply { count, method, path_contains } => *count > 0 && matches(req, method, path_contains),
            _ => false,
        })
    }

    /// Counts one use of the fault at `index`, dropping it once used up.
    fn consume(&mut self, index: usize) {
        if let Fault::LoseReply { count, .. } = &mut self.faults[index] {
            *count -= 1;
            if *count == 0 {
                self.faults.remove(index);
            }
        }
    }

    fn fault(&mut self, req: &Req) -> Option<Resp> {
        let matches = |method: &Option<String>, contains: &Option<String>| matches(req, method, contains);
        let index = self.faults.iter().position(|f| match f {
            Fault::Throttle { count, method, path_contains, .. } => *count > 0 && matches(method, path_contains),
            Fault::ServerError { count, method, path_contains, .. } => *count > 0 && matches(method, path_contains),
            Fault::FailOperation { .. } | Fault::LoseReply { .. } => false,
        })?;
        let resp = match &mut self.faults[index] {
            Fault::Throttle { count, retry_after_ms, .. } => {
                *count -= 1;
                Resp::error(
                    429,
                    "TooManyRequests",
                    "The request is being throttled as the limit has been reached for operation type - Write_ObservationWindow_1h.",
                    None,
                )
                .retry_after(*retry_after_ms)
            }
            Fault::ServerError { count, status, .. } => {
                *count -= 1;
                Resp::error(
                    *status,
                    "InternalServerError",
                    "The server encountered an internal error. Please retry the request.",
                    None,
                )
            }
            Fault::FailOperation { .. } | Fault::LoseReply { .. } => unreachable!("filtered above"),
        };
        self.faults.retain(|f| match f {
            Fault::Throttle { count, .. }
            | Fault::ServerError { count, .. }
            | Fault::FailOperation { count, .. }
            | Fault::LoseReply { count, .. } => *count > 0,
        });
        Some(resp)
    }

    /// A failure injected for the next operation on `id`, consumed.
    fn take_failure(&mut self, id: &str) -> Option<(String, String)> {
        let lower = id.to_ascii_lowercase();
        let index = self.faults.iter().position(|f| match f {
            Fault::FailOperation { count, path_contains, .. } => {
                *count > 0 && path_contains.as_ref().is_none_or(|c| lower.contains(&c.to_ascii_lowercase()))
            }
            _ => false,
        })?;
        let Fault::FailOperation { count, code, message, .. } = &mut self.faults[index] else { return None };
        *count -= 1;
        let failure = (code.clone(), message.clone());
        if *count == 0 {
            self.faults.remove(index);
        }
        Some(failure)
    }

    fn resource(&mut self, req: &Req, t: &Target) -> Resp {
        let id = t.id();
        let k = key(&id);
        if t.kind != Kind::ResourceGroup && !self.resources.contains_key(&key(&t.rg_id())) {
            if req.method == "DELETE" {
                return Resp::empty(204);
            }
            return Resp::error(
                404,
                "ResourceGroupNotFound",
                &format!("Resource group '{}' could not be found.", t.resource_group),
                None,
            );
        }
        if let Some(parent) = t.parent_id()
            && !self.resources.contains_key(&key(&parent))
        {
            if req.method == "DELETE" {
                return Resp::empty(204);
            }
            return Resp::error(
                404,
                "ParentResourceNotFound",
                &format!(
                    "Can not perform requested operation on nested resource. Parent resource '{}' not found.",
                    t.names[0]
                ),
                None,
            );
        }
        if let Kind::TrafficManagerEndpoint(ty) = t.kind {
            return self.endpoint(req, t, ty);
        }
        // Reading a resource while an operation runs on it moves the operation along.
        if let Some(op) = self.resources.get(&k).and_then(|s| s.busy.clone()) {
            self.tick(&op);
        }
        let exists = self.resources.contains_key(&k);
        let current_etag = self.resources.get(&k).map(|s| s.etag.clone());
        if let Some(resp) = precondition(req, current_etag.as_deref()) {
            return resp;
        }
        match req.method.as_str() {
            "GET" => match self.resources.get(&k) {
                Some(s) => Resp::json(200, s.body.clone()).header("ETag", format!("\"{}\"", s.etag)),
                None => not_found(t),
            },
            "PUT" | "PATCH" => {
                if req.method == "PATCH" && !exists {
                    return not_found(t);
                }
                if let Some(resp) = self.busy(&k) {
                    return resp;
                }
                let Some(body) = req.body.clone() else {
                    return Resp::error(400, "InvalidRequestContent", "The request content was empty.", None);
                };
                let verb = match (req.method.as_str(), exists) {
                    ("PATCH", _) => Verb::Patch,
                    (_, true) => Verb::Update,
                    (_, false) => Verb::Create,
                };
                self.write(t, &id, verb, body)
            }
            "DELETE" => {
                if !exists {
                    return Resp::empty(204);
                }
                if let Some(resp) = self.busy(&k) {
                    return resp;
                }
                self.delete(t, &id)
            }
            other => Resp::error(405, "MethodNotAllowed", &format!("The method '{other}' is not allowed."), None),
        }
    }

    fn busy(&self, k: &str) -> Option<Resp> {
        let stored = self.resources.get(k)?;
        let op = self.operations.get(stored.busy.as_ref()?)?;
        let what = match op.verb {
            Verb::Create => "create",
            Verb::Delete => "delete",
            _ => "update",
        };
        Some(Resp::error(
            409,
            stored.kind.busy_code(),
            &format!(
                "Operation is not allowed because there's an in progress {what} operation on the resource. Please wait for it to complete."
            ),
            None,
        ))
    }

    fn now(&mut self) -> String {
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        rfc3339(secs)
    }

    fn write(&mut self, t: &Target, id: &str, verb: Verb, body: Value) -> Resp {
        let k = key(id);
        let prior = self.resources.get(&k).map(|s| s.body.clone());
        let parent = t.parent_id().and_then(|p| self.resources.get(&key(&p))).map(|s| s.body.clone());
        let merged = match (&verb, &prior) {
            (Verb::Patch, Some(p)) => {
                let mut m = p.clone();
                kinds::merge_patch(&mut m, &body);
                // ARM replaces the whole tag set on PATCH.
                if let (Some(tags), Some(obj)) = (body.get("tags"), m.as_object_mut()) {
                    obj.insert("tags".into(), tags.clone());
                }
                m
            }
            _ => body,
        };
        let now = self.now();
        let name = t.names.last().cloned().unwrap_or_else(|| t.resource_group.clone());
        let ctx = Ctx {
            id,
            subscription: &t.subscription,
            resource_group: &t.resource_group,
            name: &name,
            parent: parent.as_ref(),
            now: &now,
        };
        let mut filled = match kinds::fill(t.kind, &ctx, prior.as_ref(), merged) {
            Ok(b) => b,
            Err(e) => return e.into(),
        };
        let etag = self.new_etag();
        kinds::stamp_etag(t.kind, &mut filled, &etag);
        let style = t.kind.style(verb);
        let mut busy = None;
        if style.lro {
            let phase = if verb == Verb::Create { Phase::Creating } else { Phase::Updating };
            kinds::set_phase(t.kind, &mut filled, phase);
            busy = Some(self.start_operation(t, id, verb, &now));
        } else {
            kinds::set_phase(t.kind, &mut filled, Phase::Succeeded);
        }
        self.resources.insert(
            k,
            Stored { id: id.to_string(), kind: t.kind, body: filled.clone(), etag: etag.clone(), busy: busy.clone() },
        );
        let mut resp = if style.body { Resp::json(style.status, filled) } else { Resp::empty(style.status) };
        resp = resp.header("ETag", format!("\"{etag}\""));
        if let Some(op) = busy {
            resp = self.operation_headers(resp, &op, style);
        }
        resp
    }

    fn delete(&mut self, t: &Target, id: &str) -> Resp {
        let style = t.kind.style(Verb::Delete);
        if !style.lro {
            self.remove(id);
            return match t.kind.delete_body() {
                Some(body) => Resp::json(style.status, body),
                None => Resp::empty(style.status),
            };
        }
        let now = self.now();
        let op = self.start_operation(t, id, Verb::Delete, &now);
        if let Some(stored) = self.resources.get_mut(&key(id)) {
            kinds::set_phase(t.kind, &mut stored.body, Phase::Deleting);
            stored.busy = Some(op.clone());
        }
        self.operation_headers(Resp::empty(style.status), &op, style)
    }

    /// A Traffic Manager endpoint: read and written in its profile's `endpoints`, the profile
    /// filled again (and given a new ETag) after each write, as ARM keeps them.
    fn endpoint(&mut self, req: &Req, t: &Target, ty: EndpointType) -> Resp {
        let parent_id = t.parent_id().expect("an endpoint has a profile");
        let parent_key = key(&parent_id);
        let Some(profile) = self.resources.get(&parent_key).map(|s| s.body.clone()) else { return not_found(t) };
        let name = t.names[1].clone();
        let mut list: Vec<Value> =
            profile.pointer("/properties/endpoints").and_then(Value::as_array).cloned().unwrap_or_default();
        let found = list.iter().position(|e| {
            e.get("name").and_then(Value::as_str).is_some_and(|n| n.eq_ignore_ascii_case(&name))
                && e.get("type").and_then(Value::as_str).and_then(EndpointType::parse) == Some(ty)
        });
        let status = match (req.method.as_str(), found) {
            ("GET", Some(i)) => return Resp::json(200, list[i].clone()),
            ("GET" | "PATCH", None) => return not_found(t),
            ("DELETE", None) => return Resp::empty(204),
            ("DELETE", Some(i)) => {
                list.remove(i);
                200
            }
            ("PUT" | "PATCH", _) => {
                let Some(body) = req.body.clone() else {
                    return Resp::error(400, "InvalidRequestContent", "The request content was empty.", None);
                };
                let mut endpoint = match (req.method.as_str(), found) {
                    ("PATCH", Some(i)) => {
                        let mut e = list[i].clone();
                        kinds::merge_patch(&mut e, &body);
                        e
                    }
                    _ => body,
                };
                if let Some(obj) = endpoint.as_object_mut() {
                    obj.insert("name".into(), name.clone().into());
                    obj.insert("type".into(), ty.arm_type().into());
                }
                match found {
                    Some(i) => list[i] = endpoint,
                    None => list.push(endpoint),
                }
                if found.is_some() { 200 } else { 201 }
            }
            (other, _) => {
                return Resp::error(405, "MethodNotAllowed", &format!("The method '{other}' is not allowed."), None);
            }
        };
        let mut body = profile.clone();
        body["properties"]["endpoints"] = Value::Array(list);
        let now = self.now();
        let ctx = Ctx {
            id: &parent_id,
            subscription: &t.subscription,
            resource_group: &t.resource_group,
            name: &t.names[0],
            parent: None,
            now: &now,
        };
        let filled = match kinds::fill(Kind::TrafficManagerProfile, &ctx, Some(&profile), body) {
            Ok(b) => b,
            Err(e) => return e.into(),
        };
        let etag = self.new_etag();
        let answer = filled
            .pointer("/properties/endpoints")
            .and_then(Value::as_array)
            .and_then(|l| l.iter().find(|e| e.get("name").and_then(Value::as_str) == Some(name.as_str())))
            .cloned();
        if let Some(stored) = self.resources.get_mut(&parent_key) {
            stored.body = filled;
            stored.etag = etag;
        }
        match (req.method.as_str(), answer) {
            ("DELETE", _) => Resp::json(200, json!({})),
            (_, Some(endpoint)) => Resp::json(status, endpoint),
            (_, None) => not_found(t),
        }
    }

    fn start_operation(&mut self, t: &Target, id: &str, verb: Verb, now: &str) -> String {
        let n = self.next();
        let op_id = format!("{n:08x}-0000-4000-8000-{:012x}", n.wrapping_mul(2_654_435_761));
        let location = self
            .resources
            .get(&key(&t.rg_id()))
            .and_then(|rg| rg.body.get("location").and_then(Value::as_str))
            .unwrap_or("westeurope")
            .to_ascii_lowercase()
            .replace(' ', "");
        let path = format!("/subscriptions/{}/providers/{}/locations/{location}", t.subscription, t.kind.namespace());
        let failure = self.take_failure(id);
        self.operations.insert(
            op_id.clone(),
            Operation {
                key: key(id),
                kind: t.kind,
                verb,
                path,
                polls_left: self.config.polls.max(1),
                failure,
                outcome: None,
                started: now.to_string(),
                ended: None,
            },
        );
        op_id
    }

    fn operation_headers(&self, mut resp: Resp, op_id: &str, style: kinds::Style) -> Resp {
        let Some(op) = self.operations.get(op_id) else { return resp };
        let api = op.kind.api_version();
        if style.async_op {
            resp = resp.header(
                "Azure-AsyncOperation",
                format!("{}{}/operationStatuses/{op_id}?api-version={api}", self.base, op.path),
            );
        }
        if style.location {
            resp =
                resp.header("Location", format!("{}{}/operationResults/{op_id}?api-version={api}", self.base, op.path));
        }
        resp.retry_after(self.config.retry_after_ms)
    }

    /// One poll of an operation: it finishes when its polls run out.
    fn tick(&mut self, op_id: &str) {
        let Some(op) = self.operations.get_mut(op_id) else { return };
        if op.outcome.is_some() {
            return;
        }
        op.polls_left = op.polls_left.saturating_sub(1);
        if op.polls_left > 0 {
            return;
        }
        let outcome = match op.failure.take() {
            Some((code, message)) => Outcome::Failed { code, message },
            None => Outcome::Succeeded,
        };
        op.outcome = Some(outcome.clone());
        let (k, kind, verb) = (op.key.clone(), op.kind, op.verb);
        let now = self.now();
        if let Some(op) = self.operations.get_mut(op_id) {
            op.ended = Some(now);
        }
        match (verb, &outcome) {
            (Verb::Delete, Outcome::Succeeded) => {
                if let Some(id) = self.resources.get(&k).map(|s| s.id.clone()) {
                    self.remove(&id);
                }
            }
            (_, outcome) => {
                if let Some(stored) = self.resources.get_mut(&k) {
                    let phase = if *outcome == Outcome::Succeeded { Phase::Succeeded } else { Phase::Failed };
                    kinds::set_phase(kind, &mut stored.body, phase);
                    stored.busy = None;
                }
            }
        }
    }

    fn operation_status(&mut self, op_id: &str) -> Resp {
        if !self.operations.contains_key(op_id) {
            return Resp::error(404, "OperationNotFound", &format!("The operation '{op_id}' was not found."), None);
        }
        self.tick(op_id);
        let op = &self.operations[op_id];
        let mut body = json!({
            "id": format!("{}/operationStatuses/{op_id}", op.path),
            "name": op_id,
            "startTime": op.started,
        });
        match &op.outcome {
            None => {
                body["status"] = "InProgress".into();
                Resp::json(200, body).retry_after(self.config.retry_after_ms)
            }
            Some(Outcome::Succeeded) => {
                body["status"] = "Succeeded".into();
                body["endTime"] = op.ended.clone().into();
                Resp::json(200, body)
            }
            Some(Outcome::Failed { code, message }) => {
                body["status"] = "Failed".into();
                body["endTime"] = op.ended.clone().into();
                body["error"] = json!({"code": code, "message": message});
                Resp::json(200, body)
            }
        }
    }

    fn operation_result(&mut self, op_id: &str) -> Resp {
        if !self.operations.contains_key(op_id) {
            return Resp::error(404, "OperationNotFound", &format!("The operation '{op_id}' was not found."), None);
        }
        self.tick(op_id);
        let op = &self.operations[op_id];
        match &op.outcome {
            None => {
                let url =
                    format!("{}{}/operationResults/{op_id}?api-version={}", self.base, op.path, op.kind.api_version());
                Resp::empty(202).header("Location", url).retry_after(self.config.retry_after_ms)
            }
            Some(Outcome::Succeeded) => match (op.verb, self.resources.get(&op.key)) {
                (Verb::Delete, _) | (_, None) => Resp::empty(204),
                (_, Some(stored)) => Resp::json(200, stored.body.clone()),
            },
            Some(Outcome::Failed { code, message }) => Resp::error(400, code, message, None),
        }
    }

    fn list(&mut self, req: &Req, t: &Target) -> Resp {
        if req.method != "GET" {
            return Resp::error(405, "MethodNotAllowed", "Only GET lists a collection.", None);
        }
        let Some(parent_id) = t.parent_id() else {
            return Resp::error(400, "InvalidResourceType", "Not a collection.", None);
        };
        if !self.resources.contains_key(&key(&parent_id)) {
            return Resp::error(
                404,
                "ParentResourceNotFound",
                &format!(
                    "Can not perform requested operation on nested resource. Parent resource '{}' not found.",
                    t.names[0]
                ),
                None,
            );
        }
        let prefix = format!("{}/{}/", key(&parent_id), t.kind.segment().to_ascii_lowercase());
        let value: Vec<Value> = self
            .resources
            .iter()
            .filter(|(k, s)| k.starts_with(&prefix) && s.kind == t.kind && !k[prefix.len()..].contains('/'))
            .map(|(_, s)| s.body.clone())
            .collect();
        Resp::json(200, json!({ "value": value }))
    }

    fn control(&mut self, req: &Req) -> Resp {
        let rest = req.path.trim_start_matches("/_emulator").trim_start_matches('/');
        match (req.method.as_str(), rest) {
            ("POST", "faults") => match req.body.clone().map(serde_json::from_value::<Fault>) {
                Some(Ok(fault)) => {
                    self.inject(fault);
                    Resp::empty(204)
                }
                Some(Err(e)) => Resp::error(400, "InvalidFault", &e.to_string(), None),
                None => Resp::error(400, "InvalidFault", "a fault is required", None),
            },
            ("GET", "requests") => Resp::json(200, serde_json::to_value(&self.log).unwrap_or_default()),
            ("POST", "reset") => {
                self.reset();
                Resp::empty(204)
            }
            ("GET", "resources") => Resp::json(200, json!(self.ids())),
            (method, path) if path.starts_with("resources/") => {
                // `resources/<id>` and `resources//subscriptions/…` (an id pasted with its slash) alike.
                let id = &format!("/{}", path["resources".len()..].trim_start_matches('/'));
                match method {
                    "GET" => match self.get_body(id) {
                        Some(b) => Resp::json(200, b),
                        None => Resp::error(404, "ResourceNotFound", "no such resource", None),
                    },
                    "DELETE" => {
                        if self.remove(id) {
                            Resp::empty(204)
                        } else {
                            Resp::error(404, "ResourceNotFound", "no such resource", None)
                        }
                    }
                    "PATCH" => {
                        let edit = req.body.clone().unwrap_or(Value::Null);
                        let found = self.edit(id, |body| {
                            if let Some(merge) = edit.get("merge") {
                                kinds::merge_patch(body, merge);
                            }
                            if let Some(Value::Object(sets)) = edit.get("set") {
                                for (pointer, value) in sets {
                                    if let Some(slot) = body.pointer_mut(pointer) {
                                        *slot = value.clone();
                                    }
                                }
                            }
                        });
                        match self.get_body(id) {
                            Some(b) if found => Resp::json(200, b),
                            _ => Resp::error(404, "ResourceNotFound", "no such resource", None),
                        }
                    }
                    _ => Resp::error(405, "MethodNotAllowed", "GET, PATCH or DELETE", None),
                }
            }
            _ => Resp::error(404, "NotFound", &format!("no control endpoint `{} {}`", req.method, req.path), None),
        }
    }
}

fn not_found(t: &Target) -> Resp {
    if t.kind == Kind::ResourceGroup {
        return Resp::error(
            404,
            "ResourceGroupNotFound",
            &format!("Resource group '{}' could not be found.", t.resource_group),
            None,
        );
    }
    let name = t.names.join("/");
    Resp::error(
        404,
        "ResourceNotFound",
        &format!(
            "The Resource '{}/{name}' under resource group '{}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
            t.kind.arm_type(),
            t.resource_group
        ),
        None,
    )
}

fn api_version_error(req: &Req, kind: Kind) -> Resp {
    match req.query.get("api-version") {
        None => Resp::error(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
            None,
        ),
        Some(v) => Resp::error(
            400,
            "NoRegisteredProviderFound",
            &format!(
                "No registered resource provider found for API version '{v}' and type '{}'. The supported api-versions are '{}'.",
                kind.arm_type(),
                kind.api_version()
            ),
            None,
        ),
    }
}

/// `If-Match` / `If-None-Match` against the stored ETag; `Some` when the request must stop.
fn precondition(req: &Req, etag: Option<&str>) -> Option<Resp> {
    let clean = |v: &str| v.trim().trim_start_matches("W/").trim_matches('"').to_string();
    let failed = || {
        Resp::error(
            412,
            "PreconditionFailed",
            "Operation failed as the resource has been modified since it was read: the ETag does not match.",
            None,
        )
    };
    if let Some(want) = req.headers.get("if-match") {
        let ok = match etag {
            None => false,
            Some(_) if want.trim() == "*" => true,
            Some(have) => want.split(',').any(|w| clean(w) == have),
        };
        if !ok {
            return Some(failed());
        }
    }
    if let Some(want) = req.headers.get("if-none-match")
        && let Some(have) = etag
        && (want.trim() == "*" || want.split(',').any(|w| clean(w) == have))
    {
        return Some(failed());
    }
    None
}

fn route(path: &str) -> Result<Route, Resp> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let is = |i: usize, s: &str| segs.get(i).is_some_and(|x| x.eq_ignore_ascii_case(s));
    let bad = || {
        Resp::error(400, "InvalidResourceType", &format!("The path '{path}' names no resource type served here."), None)
    };
    if !is(0, "subscriptions") || segs.len() < 4 {
        return Err(bad());
    }
    let subscription = segs[1].to_string();
    if is(2, "providers") && is(4, "locations") && segs.len() == 8 {
        if is(6, "operationStatuses") || is(6, "azureAsyncOperation") {
            return Ok(Route::OperationStatus(segs[7].to_string()));
        }
        if is(6, "operationResults") {
            return Ok(Route::OperationResult(segs[7].to_string()));
        }
        return Err(bad());
    }
    if is(2, "providers") && segs.len() == 5 {
        let kind = Kind::lookup(segs[3], segs[4], None).ok_or_else(bad)?;
        return Ok(Route::Collection(Collection { kind, subscription, resource_group: None }));
    }
    if !is(2, "resourceGroups") {
        return Err(bad());
    }
    let resource_group = segs[3].to_string();
    if is(4, "providers") && segs.len() == 7 {
        let kind = Kind::lookup(segs[5], segs[6], None).ok_or_else(bad)?;
        return Ok(Route::Collection(Collection { kind, subscription, resource_group: Some(resource_group) }));
    }
    if segs.len() == 4 {
        return Ok(Route::Resource(Target { kind: Kind::ResourceGroup, subscription, resource_group, names: vec![] }));
    }
    if !is(4, "providers") || segs.len() < 8 {
        return Err(bad());
    }
    let child = segs.get(8).copied();
    let kind = Kind::lookup(segs[5], segs[6], child).ok_or_else(bad)?;
    let mut names = vec![segs[7].to_string()];
    match segs.len() {
        8 => {}
        9 => {
            return Ok(Route::Children(Target {
                kind,
                subscription,
                resource_group,
                names: vec![segs[7].to_string(), String::new()],
            }));
        }
        10 => names.push(segs[9].to_string()),
        _ => return Err(bad()),
    }
    Ok(Route::Resource(Target { kind, subscription, resource_group, names }))
}

/// Seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ`.
fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_format_as_rfc_3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_910_400), "2026-11-29T00:00:00Z");
    }

    fn req(method: &str, path: &str, body: Option<Value>) -> Req {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let query =
            query.split('&').filter_map(|p| p.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let headers = [("authorization".to_string(), "Bearer t".to_string())].into_iter().collect();
        Req { method: method.into(), path: path.into(), query, headers, body }
    }

    fn store() -> Store {
        Store::new(Config { polls: 2, ..Config::default() }, "http://127.0.0.1:1".into())
    }

    const RG: &str = "/subscriptions/s/resourceGroups/rg";

    #[test]
    fn calls_need_a_token_and_the_api_version() {
        let mut s = store();
        let mut anonymous = req("GET", &format!("{RG}?api-version=2024-03-01"), None);
        anonymous.headers.clear();
        let r = s.handle(anonymous);
        assert_eq!((r.status, r.body.unwrap()["error"]["code"].clone()), (401, json!("AuthenticationFailed")));
        let r = s.handle(req("GET", RG, None));
        assert_eq!((r.status, r.body.unwrap()["error"]["code"].clone()), (400, json!("MissingApiVersionParameter")));
        let r = s.handle(req("GET", &format!("{RG}?api-version=2024-03-01"), None));
        assert_eq!((r.status, r.body.unwrap()["error"]["code"].clone()), (404, json!("ResourceGroupNotFound")));
    }

    #[test]
    fn a_running_operation_makes_writes_conflict() {
        let mut s = store();
        assert_eq!(
            s.handle(req("PUT", &format!("{RG}?api-version=2024-03-01"), Some(json!({"location": "westeurope"}))))
                .status,
            201
        );
        let ns = format!("{RG}/providers/Microsoft.EventHub/namespaces/ns1?api-version=2024-01-01");
        let body = json!({"location": "westeurope", "sku": {"name": "Standard"}});
        let first = s.handle(req("PUT", &ns, Some(body.clone())));
        assert_eq!(first.status, 201);
        assert!(first.headers.iter().any(|(k, _)| k == "Azure-AsyncOperation"));
        let busy = s.handle(req("PUT", &ns, Some(body.clone())));
        assert_eq!((busy.status, busy.body.unwrap()["error"]["code"].clone()), (409, json!("Conflict")));
        // Two reads of the resource finish the operation; then writes go through again.
        for _ in 0..2 {
            s.handle(req("GET", &ns, None));
        }
        assert_eq!(s.handle(req("PUT", &ns, Some(body))).status, 200);
    }

    #[test]
    fn a_lost_reply_still_applies_the_write_and_the_retry_updates_it() {
        let mut s = store();
        let fault = json!({"kind": "lose_reply", "count": 1, "method": "PUT", "path_contains": "/resourceGroups/"});
        assert_eq!(s.handle(req("POST", "/_emulator/faults", Some(fault))).status, 204);
        assert_eq!(s.handle(req("GET", &format!("{RG}?api-version=2024-03-01"), None)).status, 404, "GETs pass");
        let put = || req("PUT", &format!("{RG}?api-version=2024-03-01"), Some(json!({"location": "westeurope"})));
        let lost = s.handle(put());
        assert_eq!((lost.status, lost.body.unwrap()["error"]["code"].clone()), (504, json!("GatewayTimeout")));
        assert_eq!(s.handle(req("GET", &format!("{RG}?api-version=2024-03-01"), None)).status, 200, "applied");
        assert_eq!(s.handle(put()).status, 200, "the retry updates what the lost call made");
        assert_eq!(s.handle(put()).status, 200, "one reply lost, no more");
    }

    #[test]
    fn the_control_api_injects_faults_and_edits() {
        let mut s = store();
        let fault = json!({"kind": "throttle", "count": 1, "retry_after_ms": 1500});
        assert_eq!(s.handle(req("POST", "/_emulator/faults", Some(fault))).status, 204);
        let throttled = s.handle(req("GET", &format!("{RG}?api-version=2024-03-01"), None));
        assert_eq!(throttled.status, 429);
        let header = |name: &str| throttled.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        assert_eq!((header("Retry-After"), header("retry-after-ms")), (Some("2".into()), Some("1500".into())));
        s.handle(req("PUT", &format!("{RG}?api-version=2024-03-01"), Some(json!({"location": "westeurope"}))));
        let edit = json!({"merge": {"tags": {"owner": "x"}}, "set": {"/location": "northeurope"}});
        let edited = s.handle(req("PATCH", &format!("/_emulator/resources/{RG}"), Some(edit)));
        assert_eq!(edited.body.unwrap()["tags"]["owner"], "x");
        assert_eq!(s.get_body(RG).unwrap()["location"], "northeurope");
        let log = s.handle(req("GET", "/_emulator/requests", None)).body.unwrap();
        assert_eq!(log.as_array().unwrap().len(), 2, "control calls are not logged: {log}");
        assert_eq!(s.handle(req("DELETE", &format!("/_emulator/resources{RG}"), None)).status, 204);
        assert!(s.ids().is_empty());
    }

    #[test]
    fn traffic_manager_profiles_and_their_endpoints_are_synchronous() {
        let mut s = store();
        s.handle(req("PUT", &format!("{RG}?api-version=2024-03-01"), Some(json!({"location": "westeurope"}))));
        let tm = format!("{RG}/providers/Microsoft.Network/trafficmanagerprofiles/tm1?api-version=2022-04-01");
        let body = |relative: &str| {
            json!({"location": "global", "properties": {
                "trafficRoutingMethod": "Priority",
                "dnsConfig": {"relativeName": relative, "ttl": 30},
                "monitorConfig": {"protocol": "HTTPS", "port": 443, "path": "/healthz", "intervalInSeconds": 10},
                "endpoints": [
                    {"name": "blue", "type": "Microsoft.Network/TrafficManagerProfiles/ExternalEndpoints",
                     "properties": {"target": "blue.example.com", "endpointStatus": "Enabled"}},
                    {"name": "green", "type": "Microsoft.Network/trafficManagerProfiles/externalEndpoints",
                     "properties": {"target": "green.example.com", "endpointStatus": "Disabled"}}]}})
        };
        let created = s.handle(req("PUT", &tm, Some(body("tm-one"))));
        assert_eq!(created.status, 201);
        assert!(!created.headers.iter().any(|(k, _)| k == "Azure-AsyncOperation" || k == "Location"));
        let b = created.body.unwrap();
        assert_eq!(b["id"], format!("{RG}/providers/Microsoft.Network/trafficManagerProfiles/tm1"));
        assert_eq!(b["properties"]["dnsConfig"]["fqdn"], "tm-one.trafficmanager.net");
        assert_eq!(b["properties"]["monitorConfig"]["timeoutInSeconds"], 9, "the default at a 10 s interval");
        assert!(b["properties"].get("provisioningState").is_none());
        let endpoints = &b["properties"]["endpoints"];
        assert_eq!(endpoints[0]["type"], "Microsoft.Network/trafficManagerProfiles/externalEndpoints");
        assert_eq!(
            endpoints[1]["id"],
            format!("{RG}/providers/Microsoft.Network/trafficManagerProfiles/tm1/externalEndpoints/green")
        );
        assert_eq!(
            (endpoints[0]["properties"]["priority"].clone(), endpoints[1]["properties"]["priority"].clone()),
            (json!(1), json!(2))
        );
        assert_eq!(endpoints[1]["properties"]["endpointMonitorStatus"], "Disabled");
        assert_eq!(s.handle(req("PUT", &tm, Some(body("tm-one")))).status, 200);
        let renamed = s.handle(req("PUT", &tm, Some(body("tm-two"))));
        assert_eq!(
            (renamed.status, renamed.body.unwrap()["error"]["code"].clone()),
            (400, json!("PropertyChangeNotAllowed"))
        );
        let mut regional = body("tm-one");
        regional["location"] = "westeurope".into();
        let refused = s.handle(req("PUT", &tm.replace("tm1", "tm2"), Some(regional)));
        assert_eq!(refused.body.unwrap()["error"]["code"], "LocationNotAvailableForResourceType");

        // An endpoint's own API edits the profile.
        let green = format!(
            "{RG}/providers/Microsoft.Network/trafficManagerProfiles/tm1/externalEndpoints/green?api-version=2022-04-01"
        );
        let etag =
            s.resources[&key(&format!("{RG}/providers/Microsoft.Network/trafficManagerProfiles/tm1"))].etag.clone();
        let patched = s.handle(req("PATCH", &green, Some(json!({"properties": {"endpointStatus": "Enabled"}}))));
        assert_eq!(patched.status, 200);
        assert_eq!(patched.body.unwrap()["properties"]["endpointMonitorStatus"], "CheckingEndpoint");
        let profile = s.handle(req("GET", &tm, None));
        assert_ne!(profile.headers.iter().find(|(k, _)| k == "ETag").unwrap().1, format!("\"{etag}\""));
        assert_eq!(profile.body.unwrap()["properties"]["endpoints"][1]["properties"]["endpointStatus"], "Enabled");
        let azure = format!(
            "{RG}/providers/Microsoft.Network/trafficManagerProfiles/tm1/azureEndpoints/green?api-version=2022-04-01"
        );
        assert_eq!(s.handle(req("GET", &azure, None)).status, 404, "an endpoint is found by name and type");
        let deleted = s.handle(req("DELETE", &green, None));
        assert_eq!((deleted.status, deleted.body), (200, Some(json!({}))));
        assert_eq!(s.handle(req("DELETE", &green, None)).status, 204);
        let gone = s.handle(req("DELETE", &tm, None));
        assert_eq!((gone.status, gone.body), (200, Some(json!({}))));
        assert_eq!(s.handle(req("DELETE", &tm, None)).status, 204);
    }

    #[test]
    fn paths_route_to_kinds() {
        let Ok(Route::Resource(t)) =
            route("/subscriptions/s/resourcegroups/rg/providers/Microsoft.Cache/redisEnterprise/c/databases/default")
        else {
            panic!("a redis database")
        };
        assert_eq!(t.kind, Kind::RedisDatabase);
        assert_eq!(
            t.id(),
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Cache/redisEnterprise/c/databases/default"
        );
        assert_eq!(
            t.parent_id().unwrap(),
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Cache/redisEnterprise/c"
        );
        assert!(matches!(
            route("/subscriptions/s/providers/Microsoft.Cache/locations/x/operationResults/1"),
            Ok(Route::OperationResult(_))
        ));
        assert!(route("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/x").is_err());
    }
}
