//! A create's attempt number, and what a create does on finding its object already there.
//!
//! A create that finds the object it would make already there must not take it over: another
//! environment's state (or nobody's) tracks it, and two states owning one object means
//! destroying either deletes the other's. Such a create fails with a conflict naming the
//! `import` command that would bring the object under this environment instead
//! ([`CreateRequest::already_there`]).
//!
//! The one exception is the boundary's own retry: after a transient failure (a reply lost
//! after the object was made), [`Providers`](super::Providers) calls the create again with the
//! next attempt number, and the object that attempt finds is the one the earlier attempt of
//! this very create made, so it is adopted as the result. Attempt [`FIRST`] is a fresh create.
//!
//! Crash recovery and the executor's look-up after a failed create go through
//! [`Provider::find`](super::Provider::find), which is not subject to this rule: it only
//! answers for creates this environment's own journal shows it started.

use super::{CreateRequest, ErrorKind, ProviderError};

/// The number of a create's first call; the boundary's retries count on from it.
pub const FIRST: u32 = 1;

impl CreateRequest<'_> {
    /// Whether this call retries an earlier attempt of the same create (which may have made the
    /// object before its reply was lost).
    pub fn is_retry(&self) -> bool {
        self.attempt > FIRST
    }

    /// What a create does on finding `what` with provider id `id` already there: on a retry,
    /// `Ok(())` (the object is this create's own, to be adopted as the result); on a fresh
    /// create, a conflict naming the `import` that would track it here.
    pub fn already_there(&self, what: &str, id: &str) -> Result<(), ProviderError> {
        if self.is_retry() { Ok(()) } else { Err(conflict(self, what, id)) }
    }
}

/// The conflict of a fresh create finding `what` (id `id`) already there.
pub fn conflict(req: &CreateRequest<'_>, what: &str, id: &str) -> ProviderError {
    ProviderError {
        kind: ErrorKind::Conflict,
        message: format!(
            "{what} already exists and is not tracked by this environment's state (another environment's, \
             or made outside quikinfra); nothing was changed. To manage it from here, run `import {} {id}`; \
             otherwise give this resource another name",
            req.address
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::Address;
    use crate::testing::Thing;
    use crate::value::Attrs;

    fn request<'a>(address: &'a Address, config: &'a Attrs, attempt: u32) -> CreateRequest<'a> {
        CreateRequest { attempt, ..CreateRequest::new(address, <Thing as crate::resource::Resource>::schema(), config) }
    }

    #[test]
    fn a_fresh_create_finding_its_object_conflicts_naming_the_import() {
        let address = Address::new("test_thing", "media");
        let config = Attrs::new();
        let req = request(&address, &config, FIRST);
        assert!(!req.is_retry());
        let e = req.already_there("bucket `media-1`", "media-1").expect_err("a fresh create conflicts");
        assert_eq!(e.kind, ErrorKind::Conflict);
        assert!(e.message.contains("`import test_thing.media media-1`"), "{}", e.message);
        assert!(e.message.starts_with("bucket `media-1` already exists"), "{}", e.message);
    }

    #[test]
    fn a_retry_adopts_what_its_earlier_attempt_made() {
        let address = Address::new("test_thing", "media");
        for attempt in [FIRST + 1, FIRST + 7] {
            let config = Attrs::new();
            let req = request(&address, &config, attempt);
            assert!(req.is_retry());
            assert!(req.already_there("bucket `media-1`", "media-1").is_ok());
        }
    }

    #[test]
    fn new_requests_are_first_attempts() {
        let address = Address::new("test_thing", "media");
        let config = Attrs::new();
        let req = CreateRequest::new(&address, <Thing as crate::resource::Resource>::schema(), &config);
        assert_eq!(req.attempt, FIRST);
    }

    /// Fails the first `transient` creates with a transient error, then succeeds; records the
    /// attempt number of every create and find it is asked.
    struct Flaky {
        transient: u32,
        seen: std::sync::Mutex<Vec<(&'static str, u32)>>,
    }

    #[async_trait::async_trait]
    impl super::super::Provider for Flaky {
        fn name(&self) -> &str {
            "flaky"
        }
        async fn read(&self, _: super::super::ReadRequest<'_>) -> Result<Option<Attrs>, ProviderError> {
            Ok(None)
        }
        async fn create(&self, req: CreateRequest<'_>) -> Result<super::super::Created, ProviderError> {
            self.seen.lock().expect("lock").push(("create", req.attempt));
            if req.attempt <= self.transient {
                return Err(ProviderError::transient("the reply was lost"));
            }
            req.already_there("thing `t-1`", "t-1")?;
            Ok(super::super::Created { id: "t-1".into(), attrs: Attrs::new() })
        }
        async fn update(&self, _: super::super::UpdateRequest<'_>) -> Result<Attrs, ProviderError> {
            Ok(Attrs::new())
        }
        async fn delete(&self, _: super::super::DeleteRequest<'_>) -> Result<(), ProviderError> {
            Ok(())
        }
        async fn find(&self, req: CreateRequest<'_>) -> Result<Option<super::super::Created>, ProviderError> {
            self.seen.lock().expect("lock").push(("find", req.attempt));
            Err(ProviderError::transient("busy"))
        }
    }

    fn providers(flaky: std::sync::Arc<Flaky>) -> super::super::Providers {
        let retry = super::super::RetryPolicy {
            max_attempts: 4,
            base_delay: std::time::Duration::ZERO,
            max_delay: std::time::Duration::ZERO,
        };
        super::super::Providers::new().register("test", flaky, 1).with_retry(retry)
    }

    #[tokio::test]
    async fn the_boundary_numbers_each_retry_of_a_create_and_the_retry_adopts() {
        let flaky = std::sync::Arc::new(Flaky { transient: 2, seen: Default::default() });
        let providers = providers(flaky.clone());
        let (address, config) = (Address::new("test_thing", "t"), Attrs::new());
        let schema = <Thing as crate::resource::Resource>::schema();
        let created = providers.create("test", CreateRequest::new(&address, schema, &config)).await;
        assert_eq!(created.expect("the third attempt adopts").id, "t-1");
        assert_eq!(*flaky.seen.lock().expect("lock"), [("create", 1), ("create", 2), ("create", 3)]);
    }

    #[tokio::test]
    async fn a_create_that_got_through_first_time_conflicts_and_is_not_retried() {
        let flaky = std::sync::Arc::new(Flaky { transient: 0, seen: Default::default() });
        let providers = providers(flaky.clone());
        let (address, config) = (Address::new("test_thing", "t"), Attrs::new());
        let schema = <Thing as crate::resource::Resource>::schema();
        let e = providers.create("test", CreateRequest::new(&address, schema, &config)).await.expect_err("conflict");
        assert_eq!(e.kind, ErrorKind::Conflict);
        assert_eq!(*flaky.seen.lock().expect("lock"), [("create", 1)]);
    }

    #[tokio::test]
    async fn find_keeps_the_attempt_it_was_given_through_retries() {
        let flaky = std::sync::Arc::new(Flaky { transient: 0, seen: Default::default() });
        let providers = providers(flaky.clone());
        let (address, config) = (Address::new("test_thing", "t"), Attrs::new());
        let schema = <Thing as crate::resource::Resource>::schema();
        let found = providers.find("test", CreateRequest::new(&address, schema, &config)).await;
        assert!(found.is_err());
        assert_eq!(*flaky.seen.lock().expect("lock"), [("find", 1); 4]);
    }
}
