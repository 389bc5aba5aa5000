//! Rust source that declares live objects: what `import ADDRESS ID --generate` prints.
//!
//! A resource type that can write itself implements [`Generate`]: from a live object's
//! attributes it builds a [`Declaration`], one builder chain over the type's public API
//! (`S3Bucket::new("media", "quikapp-media").versioning(true)`), and its cloud library lists it
//! in a [`Generators`] table its plugin hands out. This module knows no type: it writes
//! literals ([`string`], [`number`], [`strings`]), chains ([`Chain`]), the shared pieces of
//! every type's code (tags left to the environment's standard tags: [`tags`]; the calls of the
//! builders the derive wrote: [`plain_builders`]), and the file around the declarations
//! ([`render`]). Output is deterministic: the same live object gives
//! the same bytes.

mod generate;
mod plain;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

pub use generate::{Generate, GenerateContext, GenerateError, Generator, Generators};
pub use plain::{attributes, literal, plain_builders};

use crate::addr::Address;
use crate::value::Value;

/// A Rust string literal holding `s` exactly: quotes, backslashes and control characters
/// escaped, other characters (unicode included) as they are.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An array literal of string literals: `["1", "2"]`.
pub fn strings<S: AsRef<str>>(items: &[S]) -> String {
    let items: Vec<String> = items.iter().map(|s| string(s.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

/// A number as Rust writes it (`30`, `2.5`); `None` for a value that is no number.
pub fn number(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A valid, readable address name for an object called `object_name`: lowercase, every run of
/// other characters one `_`, starting with a letter (`Media.Bucket-2` → `media_bucket-2`).
pub fn address_name(object_name: &str) -> String {
    let mut out = String::new();
    for c in object_name.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_' {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_').to_string();
    if out.starts_with(|c: char| c.is_ascii_lowercase()) { out } else { format!("r_{out}") }
}

/// Address names for objects called `names`, in order, each [`address_name`] made unique by a
/// suffix (`_2`, `_3`…) where two would meet.
pub fn unique_address_names<S: AsRef<str>>(names: &[S]) -> Vec<String> {
    let mut taken = BTreeSet::new();
    names
        .iter()
        .map(|name| {
            let base = address_name(name.as_ref());
            let mut candidate = base.clone();
            let mut n = 2;
            while !taken.insert(candidate.clone()) {
                candidate = format!("{base}_{n}");
                n += 1;
            }
            candidate
        })
        .collect()
}

/// A builder chain: a constructor call and the method calls after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    head: String,
    calls: Vec<String>,
}

impl Chain {
    /// `constructor(args…)`, with each argument already written as Rust.
    pub fn new<I: IntoIterator<Item = String>>(constructor: &str, args: I) -> Self {
        Self { head: call(constructor, args), calls: Vec::new() }
    }

    /// Adds `.method(args…)`.
    pub fn call<I: IntoIterator<Item = String>>(mut self, method: &str, args: I) -> Self {
        self.calls.push(call(method, args));
        self
    }

    /// Adds `.method(args…)` when `wanted`.
    pub fn call_if<I: IntoIterator<Item = String>>(self, wanted: bool, method: &str, args: I) -> Self {
        if wanted { self.call(method, args) } else { self }
    }

    /// The chain on one line, as an argument of another call.
    pub fn inline(&self) -> String {
        let mut out = self.head.clone();
        for c in &self.calls {
            out.push('.');
            out.push_str(c);
        }
        out
    }

    /// The chain one call a line, the first at `indent` spaces and the calls four further in.
    fn lines(&self, indent: usize) -> String {
        let pad = " ".repeat(indent);
        let mut out = format!("{pad}{}", self.head);
        for c in &self.calls {
            let _ = write!(out, "\n{pad}    .{c}");
        }
        out
    }
}

fn call<I: IntoIterator<Item = String>>(function: &str, args: I) -> String {
    let args: Vec<String> = args.into_iter().collect();
    format!("{function}({})", args.join(", "))
}

/// The code declaring one live object: `env.add(chain);` with the paths it uses and the notes
/// written as comments above it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declaration {
    /// The address the code declares.
    pub address: Address,
    /// The items it names, by path (`quikinfra::aws::S3Bucket`).
    pub uses: BTreeSet<String>,
    /// What a reader must know, one comment line each.
    pub notes: Vec<String>,
    /// The resource's builder chain.
    pub chain: Chain,
}

impl Declaration {
    /// The declaration of `address` by `chain`, naming `uses`.
    pub fn new<I: IntoIterator<Item = &'static str>>(address: Address, uses: I, chain: Chain) -> Self {
        Self { address, uses: uses.into_iter().map(str::to_string).collect(), notes: Vec::new(), chain }
    }

    /// Adds a note.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// The statement, indented `indent` spaces, notes first.
    pub fn statement(&self, indent: usize) -> String {
        let pad = " ".repeat(indent);
        let mut out = String::new();
        for note in &self.notes {
            let _ = writeln!(out, "{pad}// {note}");
        }
        let _ = write!(out, "{pad}env.add(\n{},\n{pad});\n", self.chain.lines(indent + 4));
        out
    }
}

/// Adds `.tag(key, value)` for each tag of `live` the environment's standard tags do not
/// already set to that value (the environment adds those itself), and notes the standard
/// tags the object lacks or holds otherwise, which the first apply after import writes.
pub fn tags(mut declaration: Declaration, live: &BTreeMap<String, String>, ctx: &GenerateContext<'_>) -> Declaration {
    for (key, value) in live {
        if ctx.standard_tags.get(key) != Some(value) {
            declaration.chain = declaration.chain.call("tag", [string(key), string(value)]);
        }
    }
    let differ: Vec<String> =
        ctx.standard_tags.iter().filter(|(k, v)| live.get(*k) != Some(*v)).map(|(k, v)| format!("{k}={v}")).collect();
    if !differ.is_empty() {
        declaration = declaration.note(format!(
            "The environment tags every resource with {}, which the object does not carry: the first apply after import sets them.",
            differ.join(", ")
        ));
    }
    declaration
}

/// A whole file: `header` comment lines, the `use` lines every declaration needs, and
/// `pub fn declare(env: &mut Environment)` adding them all, in the order given.
pub fn render(header: &[String], declarations: &[Declaration]) -> String {
    let mut out = String::new();
    for line in header {
        if line.is_empty() {
            out.push_str("//\n");
        } else {
            let _ = writeln!(out, "// {line}");
        }
    }
    if !header.is_empty() {
        out.push('\n');
    }
    let mut uses: BTreeSet<&str> = declarations.iter().flat_map(|d| d.uses.iter().map(String::as_str)).collect();
    uses.insert("quikinfra::prelude::*");
    for path in uses {
        let _ = writeln!(out, "use {path};");
    }
    out.push_str("\n/// Declares the imported objects.\npub fn declare(env: &mut Environment) {\n");
    for (i, declaration) in declarations.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&declaration.statement(4));
    }
    out.push_str("}\n");
    out
}
