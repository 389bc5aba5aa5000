//! The provider interface: how the engine reads, creates, updates and deletes real things.
//!
//! The engine knows nothing of AWS or Azure: it calls [`Provider`]s, and only through
//! [`Providers`](boundary::Providers), the one boundary where retries, concurrency limits and
//! API-call counting live. A provider serves one family of resource types (`aws`, `azure`,
//! `local`); the embedded simulator serves them all. Within a provider, calls reach each
//! type's own operations through a [`Served`] table ([`serve`]), the provider's one list of
//! the types it serves.

pub mod attempts;
pub mod boundary;
pub mod progress;
pub mod serve;
pub mod tags;

use std::collections::BTreeMap;

use async_trait::async_trait;

use crate::addr::Address;
use crate::schema::{MissingAttr, Schema};
use crate::value::Attrs;

pub use boundary::{CallStats, Providers, RetryPolicy};
pub use serve::{Dispatch, Served, Serves};
pub use tags::{TagChanges, foreign_owner};

/// How a provider call failed, which decides whether the boundary retries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Throttling, 5xx, timeouts: worth retrying.
    Transient,
    /// The object does not exist.
    NotFound,
    /// Someone else changed it, or it already exists.
    Conflict,
    /// Anything else: retrying will not help.
    Permanent,
}

/// A failed provider call, with the provider's own message.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{message}")]
pub struct ProviderError {
    /// What kind of failure this is.
    pub kind: ErrorKind,
    /// The provider's message, as the cloud gave it.
    pub message: String,
}

impl ProviderError {
    /// A failure worth retrying.
    pub fn transient(message: impl Into<String>) -> Self {
        Self { kind: ErrorKind::Transient, message: message.into() }
    }

    /// A failure retrying cannot fix.
    pub fn permanent(message: impl Into<String>) -> Self {
        Self { kind: ErrorKind::Permanent, message: message.into() }
    }

    /// The object is already there, or changed underneath.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self { kind: ErrorKind::Conflict, message: message.into() }
    }

    /// The object is not there.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self { kind: ErrorKind::NotFound, message: message.into() }
    }
}

/// An attribute a provider needs is missing: the spec and the provider disagree, which no
/// retry fixes.
impl From<MissingAttr> for ProviderError {
    fn from(e: MissingAttr) -> Self {
        Self::permanent(e.to_string())
    }
}

/// The answer of a provider that cannot list objects of `type_name`.
pub fn cannot_discover(provider: &str, type_name: &str) -> ProviderError {
    ProviderError::permanent(format!("provider `{provider}` cannot discover `{type_name}` objects"))
}

/// Read one live object.
#[derive(Clone, Copy, Debug)]
pub struct ReadRequest<'a> {
    /// The resource being read.
    pub address: &'a Address,
    /// Its provider id.
    pub id: &'a str,
    /// What state last recorded (empty on import).
    pub prior: &'a Attrs,
}

/// Create one object.
#[derive(Clone, Copy, Debug)]
pub struct CreateRequest<'a> {
    /// The resource being created.
    pub address: &'a Address,
    /// Its type's schema.
    pub schema: &'static Schema,
    /// The desired attributes, references and secrets resolved.
    pub config: &'a Attrs,
    /// Which call of this create this is: [`attempts::FIRST`] for a fresh create, counted on by
    /// the boundary's retries; a create finding its object already there adopts it only on a
    /// retry (see [`attempts`]).
    pub attempt: u32,
}

impl<'a> CreateRequest<'a> {
    /// The first attempt of creating `address` with `config`.
    pub fn new(address: &'a Address, schema: &'static Schema, config: &'a Attrs) -> Self {
        Self { address, schema, config, attempt: attempts::FIRST }
    }
}

/// Update one object in place.
#[derive(Clone, Copy, Debug)]
pub struct UpdateRequest<'a> {
    /// The resource being updated.
    pub address: &'a Address,
    /// Its type's schema.
    pub schema: &'static Schema,
    /// Its provider id.
    pub id: &'a str,
    /// What state last recorded.
    pub prior: &'a Attrs,
    /// The desired attributes, references and secrets resolved.
    pub config: &'a Attrs,
    /// The attributes that differ.
    pub changed: &'a [String],
}

/// Delete one object.
#[derive(Clone, Copy, Debug)]
pub struct DeleteRequest<'a> {
    /// The resource being deleted.
    pub address: &'a Address,
    /// Its provider id.
    pub id: &'a str,
    /// What state last recorded.
    pub prior: &'a Attrs,
}

/// List the objects of one type (`import --generate --discover`).
#[derive(Clone, Copy, Debug)]
pub struct DiscoverRequest<'a> {
    /// The resource type (`aws_s3_bucket`).
    pub type_name: &'a str,
    /// Its schema.
    pub schema: &'static Schema,
    /// Only objects carrying every one of these tags with these values.
    pub tags: &'a BTreeMap<String, String>,
    /// Only objects in this resource group, for the clouds that have them (ARM).
    pub resource_group: Option<&'a str>,
}

/// An object found by [`Provider::discover`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Discovered {
    /// Its provider id, for a read.
    pub id: String,
    /// Its own name (a bucket's, a cluster's), which an address is made from.
    pub name: String,
}

/// A created object: its id and every attribute, computed ones included.
#[derive(Clone, Debug)]
pub struct Created {
    /// The provider id, used for every later call.
    pub id: String,
    /// The object's attributes as the cloud now reports them.
    pub attrs: Attrs,
}

/// One family of resource types, served over some API.
#[async_trait]
pub trait Provider: Send + Sync {
    /// The provider's name in messages and call counts (`sim`, `aws`, `azure`).
    fn name(&self) -> &str;

    /// Reads the live object; `None` when it no longer exists.
    async fn read(&self, req: ReadRequest<'_>) -> Result<Option<Attrs>, ProviderError>;

    /// Creates the object.
    async fn create(&self, req: CreateRequest<'_>) -> Result<Created, ProviderError>;

    /// Updates the object in place, returning its attributes afterwards.
    async fn update(&self, req: UpdateRequest<'_>) -> Result<Attrs, ProviderError>;

    /// Deletes the object; deleting what is already gone succeeds.
    async fn delete(&self, req: DeleteRequest<'_>) -> Result<(), ProviderError>;

    /// Finds the object an interrupted or failed create of `req` may have made, by the identity
    /// its configuration gives it (a bucket name, a resource path), creating nothing. `Ok(None)`:
    /// there is none, or the one there carries another environment's ownership tags. The
    /// conflict rule of creates ([`attempts`]) does not apply: the engine only asks for creates
    /// this environment's journal shows it started. The default cannot tell and says so;
    /// recovery then asks the user to check.
    async fn find(&self, req: CreateRequest<'_>) -> Result<Option<Created>, ProviderError> {
        Err(ProviderError::permanent(format!(
            "provider `{}` cannot look up what an interrupted create of {} left behind",
            self.name(),
            req.address
        )))
    }

    /// The objects of `req.type_name` in the account (or the resource group) carrying
    /// `req.tags`, sorted by id. The default cannot list and says so.
    async fn discover(&self, req: DiscoverRequest<'_>) -> Result<Vec<Discovered>, ProviderError> {
        Err(cannot_discover(self.name(), req.type_name))
    }

    /// The cloud API calls made so far, by name (`s3:GetBucketTagging`), for `-v`; empty for a
    /// provider that does not count them (one provider operation may make several API calls).
    fn api_calls(&self) -> BTreeMap<String, u64> {
        BTreeMap::new()
    }

    /// Requests the provider's own retry layer sent again so far (an API client retrying a
    /// 429 or 5xx), for `-v`; the boundary's retries of whole operations are counted apart.
    fn retries(&self) -> u64 {
        0
    }
}
