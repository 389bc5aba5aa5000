//! The CloudFormation engine: deploys a synthesized template as a stack through change sets.
//!
//! [`StackEngine::plan`] creates a change set (type `CREATE` for a new stack, `UPDATE` for an
//! existing one), waits for CloudFormation to compute it and returns it as a [`ChangeSetPlan`],
//! rendered like quikinfra's own plans; a change set without changes is deleted and reported
//! as "No changes". [`StackEngine::execute`] executes it and waits for the stack to settle,
//! reporting every status it passes through; [`StackEngine::delete`] deletes the stack and waits.
//!
//! The client makes one attempt per call: emulators answer the odd 500 that a retried
//! `ExecuteChangeSet` would turn into a silent no-op, and a failed deployment should stop and
//! say so rather than be repeated blindly.

use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_sdk_cloudformation::types::{ChangeSetStatus, ChangeSetType, StackStatus};
use aws_smithy_types::retry::RetryConfig;
use quikinfra_core::provider::ProviderError;

use super::synth::Template;
use crate::provider::error::{self, is_code};

/// How long to wait for a change set or a stack to settle, unless told otherwise.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(60 * 60);

/// What went wrong deploying a stack.
#[derive(Debug, thiserror::Error)]
pub enum StackError {
    /// A CloudFormation call failed.
    #[error("{0}")]
    Call(#[from] ProviderError),
    /// CloudFormation could not compute the change set.
    #[error("change set for stack `{stack}` failed: {reason}")]
    ChangeSetFailed {
        /// The stack.
        stack: String,
        /// CloudFormation's reason.
        reason: String,
    },
    /// The stack ended in a failed or rolled-back state.
    #[error("stack `{stack}` ended in {status}: {reason}")]
    Deployment {
        /// The stack.
        stack: String,
        /// The final status.
        status: String,
        /// CloudFormation's reason.
        reason: String,
    },
    /// Waiting took too long.
    #[error("stack `{0}` did not settle within {1:?}")]
    Timeout(String, Duration),
}

/// One resource change of a change set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackChange {
    /// `Add`, `Modify`, `Remove`, `Import`, `Dynamic`.
    pub action: String,
    /// The resource's logical id.
    pub logical_id: String,
    /// Its CloudFormation type.
    pub resource_type: String,
    /// For a `Modify`: `True`, `False` or `Conditional`.
    pub replacement: Option<String>,
}

/// A computed change set, ready to execute.
#[derive(Clone, Debug)]
pub struct ChangeSetPlan {
    /// The stack.
    pub stack: String,
    /// The change set's id (`None` when there was nothing to change).
    pub change_set_id: Option<String>,
    /// Whether executing creates the stack.
    pub creates_stack: bool,
    /// The changes, in CloudFormation's order.
    pub changes: Vec<StackChange>,
}

impl ChangeSetPlan {
    /// Whether executing would change anything.
    pub fn has_changes(&self) -> bool {
        self.change_set_id.is_some()
    }

    /// The change set as a plan: one line per resource, then a summary.
    pub fn render(&self) -> String {
        if !self.has_changes() {
            return format!("No changes. Stack `{}` matches the template.\n", self.stack);
        }
        let verb = if self.creates_stack { "create" } else { "update" };
        let mut out = format!("Change set to {verb} stack `{}`:\n\n", self.stack);
        let (mut add, mut modify, mut remove) = (0, 0, 0);
        for c in &self.changes {
            let symbol = match c.action.as_str() {
                "Add" => {
                    add += 1;
                    "+"
                }
                "Remove" => {
                    remove += 1;
                    "-"
                }
                _ => {
                    modify += 1;
                    if c.replacement.as_deref() == Some("True") { "-/+" } else { "~" }
                }
            };
            let replacement = match c.replacement.as_deref() {
                Some("True") => " (replacement)",
                Some("Conditional") => " (may be replaced)",
                _ => "",
            };
            out.push_str(&format!("  {symbol} {} ({}){replacement}\n", c.logical_id, c.resource_type));
        }
        out.push_str(&format!("\nChange set: {add} to add, {modify} to change, {remove} to remove.\n"));
        out
    }
}

/// Deploys templates as stacks through change sets.
pub struct StackEngine {
    client: aws_sdk_cloudformation::Client,
    poll: Duration,
    timeout: Duration,
}

impl StackEngine {
    /// An engine over `config` (over [`crate::provider::https_client`] unless it names its
    /// own HTTP client), one attempt per call.
    pub fn new(config: &SdkConfig) -> Self {
        let http = config.http_client().unwrap_or_else(crate::provider::https_client);
        let conf = aws_sdk_cloudformation::config::Builder::from(config)
            .http_client(http)
            .retry_config(RetryConfig::standard().with_max_attempts(1))
            .build();
        Self {
            client: aws_sdk_cloudformation::Client::from_conf(conf),
            poll: Duration::from_secs(5),
            timeout: SETTLE_TIMEOUT,
        }
    }

    /// Polls every `interval` instead of every five seconds (tests against an emulator).
    pub fn poll_every(mut self, interval: Duration) -> Self {
        self.poll = interval;
        self
    }

    /// Gives up waiting for a change set or a stack after `limit` instead of an hour.
    pub fn timeout(mut self, limit: Duration) -> Self {
        self.timeout = limit;
        self
    }

    /// The stack's status, `None` when there is no such stack.
    async fn status(&self, stack: &str) -> Result<Option<(StackStatus, String)>, StackError> {
        match self.client.describe_stacks().stack_name(stack).send().await {
            Ok(out) => Ok(out.stacks().first().and_then(|s| {
                s.stack_status().map(|st| (st.clone(), s.stack_status_reason().unwrap_or_default().to_string()))
            })),
            Err(e) if is_code(&e, "ValidationError") => Ok(None),
            Err(e) => Err(error::sdk("cloudformation:DescribeStacks", e).into()),
        }
    }

    /// Computes the change set that brings `stack` to `template`.
    pub async fn plan(&self, stack: &str, template: &Template) -> Result<ChangeSetPlan, StackError> {
        let creates_stack = match self.status(stack).await? {
            None | Some((StackStatus::ReviewInProgress, _)) => true,
            Some((StackStatus::DeleteComplete, _)) => true,
            Some(_) => false,
        };
        let kind = if creates_stack { ChangeSetType::Create } else { ChangeSetType::Update };
        let name = format!("quikinfra-{}", uuid::Uuid::new_v4().simple());
        let created = self
            .client
            .create_change_set()
            .stack_name(stack)
            .change_set_name(&name)
            .change_set_type(kind)
            .template_body(template.to_json())
            .send()
            .await
            .map_err(|e| error::sdk("cloudformation:CreateChangeSet", e))?;
        let id = created.id().unwrap_or(&name).to_string();
        let started = Instant::now();
        loop {
            let out = self
                .client
                .describe_change_set()
                .stack_name(stack)
                .change_set_name(&id)
                .send()
                .await
                .map_err(|e| error::sdk("cloudformation:DescribeChangeSet", e))?;
            match out.status() {
                Some(ChangeSetStatus::CreateComplete) => {
                    let changes = out
                        .changes()
                        .iter()
                        .filter_map(|c| c.resource_change())
                        .map(|r| StackChange {
                            action: r.action().map(|a| a.as_str().to_string()).unwrap_or_default(),
                            logical_id: r.logical_resource_id().unwrap_or_default().to_string(),
                            resource_type: r.resource_type().unwrap_or_default().to_string(),
                            replacement: r.replacement().map(|x| x.as_str().to_string()),
                        })
                        .collect();
                    return Ok(ChangeSetPlan {
                        stack: stack.to_string(),
                        change_set_id: Some(id),
                        creates_stack,
                        changes,
                    });
                }
                Some(ChangeSetStatus::Failed) => {
                    let reason = out.status_reason().unwrap_or_default().to_string();
                    let empty = reason.contains("didn't contain changes") || reason.contains("No updates");
                    // A failed change set is of no use to anyone; removing it is best effort.
                    let _ = self.client.delete_change_set().stack_name(stack).change_set_name(&id).send().await;
                    if empty {
                        return Ok(ChangeSetPlan {
                            stack: stack.to_string(),
                            change_set_id: None,
                            creates_stack,
                            changes: Vec::new(),
                        });
                    }
                    return Err(StackError::ChangeSetFailed { stack: stack.to_string(), reason });
                }
                _ if started.elapsed() > self.timeout => {
                    return Err(StackError::Timeout(stack.to_string(), self.timeout));
                }
                _ => tokio::time::sleep(self.poll).await,
            }
        }
    }

    /// Deletes a change set that will not be executed (and the empty stack a `CREATE` change
    /// set made).
    pub async fn discard(&self, plan: &ChangeSetPlan) -> Result<(), StackError> {
        let Some(id) = &plan.change_set_id else { return Ok(()) };
        self.client
            .delete_change_set()
            .stack_name(&plan.stack)
            .change_set_name(id)
            .send()
            .await
            .map_err(|e| error::sdk("cloudformation:DeleteChangeSet", e))?;
        if plan.creates_stack {
            self.client
                .delete_stack()
                .stack_name(&plan.stack)
                .send()
                .await
                .map_err(|e| error::sdk("cloudformation:DeleteStack", e))?;
        }
        Ok(())
    }

    /// Executes the change set and waits for the stack to settle, calling `progress` with
    /// every status the stack passes through.
    pub async fn execute(
        &self,
        plan: &ChangeSetPlan,
        progress: &mut (dyn FnMut(&str) + Send),
    ) -> Result<(), StackError> {
        let Some(id) = &plan.change_set_id else { return Ok(()) };
        self.client
            .execute_change_set()
            .stack_name(&plan.stack)
            .change_set_name(id)
            .send()
            .await
            .map_err(|e| error::sdk("cloudformation:ExecuteChangeSet", e))?;
        self.settle(&plan.stack, progress, false).await
    }

    /// Deletes the stack and waits until it is gone.
    pub async fn delete(&self, stack: &str, progress: &mut (dyn FnMut(&str) + Send)) -> Result<(), StackError> {
        self.client
            .delete_stack()
            .stack_name(stack)
            .send()
            .await
            .map_err(|e| error::sdk("cloudformation:DeleteStack", e))?;
        self.settle(stack, progress, true).await
    }

    async fn settle(
        &self,
        stack: &str,
        progress: &mut (dyn FnMut(&str) + Send),
        deleting: bool,
    ) -> Result<(), StackError> {
        let started = Instant::now();
        let mut last = String::new();
        loop {
            let Some((status, reason)) = self.status(stack).await? else {
                return if deleting {
                    Ok(())
                } else {
                    Err(StackError::Deployment { stack: stack.into(), status: "gone".into(), reason: String::new() })
                };
            };
            let text = status.as_str().to_string();
            if text != last {
                progress(&text);
                last = text.clone();
            }
            let done_ok = matches!(
                (deleting, &status),
                (false, StackStatus::CreateComplete | StackStatus::UpdateComplete)
                    | (true, StackStatus::DeleteComplete)
            );
            if done_ok {
                return Ok(());
            }
            if !text.ends_with("_IN_PROGRESS") {
                return Err(StackError::Deployment { stack: stack.into(), status: text, reason });
            }
            if started.elapsed() > self.timeout {
                return Err(StackError::Timeout(stack.into(), self.timeout));
            }
            tokio::time::sleep(self.poll).await;
        }
    }
}
