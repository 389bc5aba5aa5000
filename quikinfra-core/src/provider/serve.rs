//! Dispatch by type: a provider serves each resource type through an impl of [`Serves`] for
//! that type, and a [`Served`] table routes every call to it by the type's name.
//!
//! ```ignore
//! impl Serves<S3Bucket> for Clients { async fn read(&self, req: ReadRequest<'_>) … }
//!
//! static TYPES: LazyLock<Served<Clients>> =
//!     LazyLock::new(|| Served::new("aws").with::<S3Bucket>().with::<KmsKey>());
//! ```
//!
//! A provider that needs nothing before a call ([`Dispatch`]) is a `Provider` by its table
//! alone (and its call and retry counts, when it keeps them); one that does (clients to build,
//! per-service limits) calls the table itself.
//!
//! The table is the one list of what the provider serves: a call for another type fails
//! without reaching any code of the provider's, and the provider's plugin declares
//! [`Served::types`], so the served types and the dispatch cannot disagree. Registering a type
//! of another family, or one type twice, panics when the table is built (a provider's unit
//! tests build it).

use std::collections::BTreeMap;
use std::marker::PhantomData;

use async_trait::async_trait;

use super::{
    CreateRequest, Created, DeleteRequest, DiscoverRequest, Discovered, Provider, ProviderError, ReadRequest,
    UpdateRequest,
};
use crate::resource::Resource;
use crate::value::Attrs;

/// The provider context `Self` (a provider, its clients) serves resources of type `R`.
///
/// The operations mean what [`Provider`](super::Provider)'s do; requests only ever carry
/// resources of type `R`, so their attributes are read through `R`'s typed keys
/// (`S3Bucket::BUCKET.require(req.config)?`).
#[async_trait]
pub trait Serves<R: Resource>: Send + Sync {
    /// Reads the live object; `None` when it no longer exists.
    async fn read(&self, req: ReadRequest<'_>) -> Result<Option<Attrs>, ProviderError>;

    /// Creates the object.
    async fn create(&self, req: CreateRequest<'_>) -> Result<Created, ProviderError>;

    /// Updates the object in place, returning its attributes afterwards.
    async fn update(&self, req: UpdateRequest<'_>) -> Result<Attrs, ProviderError>;

    /// Deletes the object; deleting what is already gone succeeds.
    async fn delete(&self, req: DeleteRequest<'_>) -> Result<(), ProviderError>;

    /// Finds what an interrupted create of `req` left behind (see
    /// [`Provider::find`](super::Provider::find)); by default it cannot tell.
    async fn find(&self, req: CreateRequest<'_>) -> Result<Option<Created>, ProviderError> {
        Err(ProviderError::permanent(format!(
            "provider `{}` cannot look up what an interrupted create of {} left behind",
            R::schema().provider,
            req.address
        )))
    }

    /// Lists the type's objects (see [`Provider::discover`](super::Provider::discover)); by
    /// default it cannot.
    async fn discover(&self, req: DiscoverRequest<'_>) -> Result<Vec<Discovered>, ProviderError> {
        Err(super::cannot_discover(R::schema().provider, req.type_name))
    }
}

/// One served type's operations, erased.
#[async_trait]
trait Operations<C>: Send + Sync {
    async fn read(&self, c: &C, req: ReadRequest<'_>) -> Result<Option<Attrs>, ProviderError>;
    async fn create(&self, c: &C, req: CreateRequest<'_>) -> Result<Created, ProviderError>;
    async fn update(&self, c: &C, req: UpdateRequest<'_>) -> Result<Attrs, ProviderError>;
    async fn delete(&self, c: &C, req: DeleteRequest<'_>) -> Result<(), ProviderError>;
    async fn find(&self, c: &C, req: CreateRequest<'_>) -> Result<Option<Created>, ProviderError>;
    async fn discover(&self, c: &C, req: DiscoverRequest<'_>) -> Result<Vec<Discovered>, ProviderError>;
}

/// `R`'s operations on a `C`.
struct Typed<R>(PhantomData<fn() -> R>);

#[async_trait]
impl<C: Serves<R>, R: Resource> Operations<C> for Typed<R> {
    async fn read(&self, c: &C, req: ReadRequest<'_>) -> Result<Option<Attrs>, ProviderError> {
        Serves::<R>::read(c, req).await
    }
    async fn create(&self, c: &C, req: CreateRequest<'_>) -> Result<Created, ProviderError> {
        Serves::<R>::create(c, req).await
    }
    async fn update(&self, c: &C, req: UpdateRequest<'_>) -> Result<Attrs, ProviderError> {
        Serves::<R>::update(c, req).await
    }
    async fn delete(&self, c: &C, req: DeleteRequest<'_>) -> Result<(), ProviderError> {
        Serves::<R>::delete(c, req).await
    }
    async fn find(&self, c: &C, req: CreateRequest<'_>) -> Result<Option<Created>, ProviderError> {
        Serves::<R>::find(c, req).await
    }
    async fn discover(&self, c: &C, req: DiscoverRequest<'_>) -> Result<Vec<Discovered>, ProviderError> {
        Serves::<R>::discover(c, req).await
    }
}

/// The resource types a provider serves, each with its operations, keyed by the type.
pub struct Served<C> {
    family: &'static str,
    /// In registration order: what the plugin declares.
    types: Vec<&'static str>,
    operations: BTreeMap<&'static str, Box<dyn Operations<C>>>,
}

impl<C: Send + Sync + 'static> Served<C> {
    /// No type yet, for the provider family `family` (`aws`).
    pub fn new(family: &'static str) -> Self {
        Self { family, types: Vec::new(), operations: BTreeMap::new() }
    }

    /// Serves `R` through `C`'s impl of [`Serves<R>`].
    ///
    /// # Panics
    ///
    /// When `R` belongs to another family, or is registered twice.
    pub fn with<R: Resource>(mut self) -> Self
    where
        C: Serves<R>,
    {
        let schema = R::schema();
        assert_eq!(
            schema.provider,
            self.family,
            "`{}` belongs to the `{}` family, not to `{}`",
            R::TYPE,
            schema.provider,
            self.family
        );
        let typed: Box<dyn Operations<C>> = Box::new(Typed::<R>(PhantomData));
        assert!(self.operations.insert(R::TYPE, typed).is_none(), "`{}` is registered twice", R::TYPE);
        self.types.push(R::TYPE);
        self
    }

    /// The family served.
    pub fn family(&self) -> &'static str {
        self.family
    }

    /// Every type served, in registration order.
    pub fn types(&self) -> &[&'static str] {
        &self.types
    }

    fn operations(&self, type_name: &str) -> Result<&dyn Operations<C>, ProviderError> {
        self.operations.get(type_name).map(|o| o.as_ref()).ok_or_else(|| {
            ProviderError::permanent(format!("the {} provider does not serve `{type_name}` resources", self.family))
        })
    }

    /// Reads through the type's [`Serves::read`].
    pub async fn read(&self, c: &C, req: ReadRequest<'_>) -> Result<Option<Attrs>, ProviderError> {
        self.operations(req.address.type_name())?.read(c, req).await
    }

    /// Creates through the type's [`Serves::create`].
    pub async fn create(&self, c: &C, req: CreateRequest<'_>) -> Result<Created, ProviderError> {
        self.operations(req.address.type_name())?.create(c, req).await
    }

    /// Updates through the type's [`Serves::update`].
    pub async fn update(&self, c: &C, req: UpdateRequest<'_>) -> Result<Attrs, ProviderError> {
        self.operations(req.address.type_name())?.update(c, req).await
    }

    /// Deletes through the type's [`Serves::delete`].
    pub async fn delete(&self, c: &C, req: DeleteRequest<'_>) -> Result<(), ProviderError> {
        self.operations(req.address.type_name())?.delete(c, req).await
    }

    /// Finds through the type's [`Serves::find`].
    pub async fn find(&self, c: &C, req: CreateRequest<'_>) -> Result<Option<Created>, ProviderError> {
        self.operations(req.address.type_name())?.find(c, req).await
    }

    /// Lists through the type's [`Serves::discover`].
    pub async fn discover(&self, c: &C, req: DiscoverRequest<'_>) -> Result<Vec<Discovered>, ProviderError> {
        self.operations(req.type_name)?.discover(c, req).await
    }
}

/// A provider that is its own context: every call goes through [`Dispatch::table`] to the
/// type's [`Serves`] impl on the provider, which makes it a [`Provider`] named after the
/// table's family.
pub trait Dispatch: Sized + Send + Sync + 'static {
    /// The types served, each with its operations on `Self`.
    fn table() -> &'static Served<Self>;

    /// What [`Provider::api_calls`] reports: the cloud API calls made so far, by name; none
    /// by default.
    fn api_call_counts(&self) -> BTreeMap<String, u64> {
        BTreeMap::new()
    }

    /// What [`Provider::retries`] reports: the requests the provider's own client sent again
    /// so far; none by default.
    fn client_retries(&self) -> u64 {
        0
    }
}

#[async_trait]
impl<P: Dispatch> Provider for P {
    fn name(&self) -> &str {
        P::table().family()
    }

    async fn read(&self, req: ReadRequest<'_>) -> Result<Option<Attrs>, ProviderError> {
        P::table().read(self, req).await
    }

    async fn create(&self, req: CreateRequest<'_>) -> Result<Created, ProviderError> {
        P::table().create(self, req).await
    }

    async fn update(&self, req: UpdateRequest<'_>) -> Result<Attrs, ProviderError> {
        P::table().update(self, req).await
    }

    async fn delete(&self, req: DeleteRequest<'_>) -> Result<(), ProviderError> {
        P::table().delete(self, req).await
    }

    async fn find(&self, req: CreateRequest<'_>) -> Result<Option<Created>, ProviderError> {
        P::table().find(self, req).await
    }

    async fn discover(&self, req: DiscoverRequest<'_>) -> Result<Vec<Discovered>, ProviderError> {
        P::table().discover(self, req).await
    }

    fn api_calls(&self) -> BTreeMap<String, u64> {
        self.api_call_counts()
    }

    fn retries(&self) -> u64 {
        self.client_retries()
    }
}
