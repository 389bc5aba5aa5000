//! The dependency graph of an environment's resources.
//!
//! Nodes are resources in address order; an edge runs from a resource to each resource it
//! depends on (references and `depends_on`). The graph gives a deterministic topological order,
//! every cycle spelled out as a path, dependency and dependent closures for `--target` and
//! `--exclude`, and Graphviz DOT for `graph`.

use std::collections::{BTreeSet, HashMap};

use rustc_hash::FxHashMap;
use std::fmt::Write as _;

use crate::addr::Address;

/// A dependency graph over addresses.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    nodes: Vec<Address>,
    index: FxHashMap<Address, usize>,
    deps: Vec<Vec<usize>>,
    dependents: Vec<Vec<usize>>,
}

impl Graph {
    /// Builds a graph from `(address, dependencies)` pairs; dependencies on unknown
    /// addresses are dropped (validation reports them).
    pub fn new<'a>(entries: impl IntoIterator<Item = (&'a Address, Vec<Address>)>) -> Self {
        let mut entries: Vec<(&Address, Vec<Address>)> = entries.into_iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        entries.dedup_by(|a, b| a.0 == b.0);
        let nodes: Vec<Address> = entries.iter().map(|(a, _)| (*a).clone()).collect();
        let index: FxHashMap<Address, usize> = nodes.iter().enumerate().map(|(i, a)| (a.clone(), i)).collect();
        let mut deps = vec![Vec::new(); nodes.len()];
        let mut dependents = vec![Vec::new(); nodes.len()];
        for (i, (_, ds)) in entries.iter().enumerate() {
            let mut set: Vec<usize> = ds.iter().filter_map(|d| index.get(d).copied()).collect();
            set.sort_unstable();
            set.dedup();
            for &d in &set {
                dependents[d].push(i);
            }
            deps[i] = set;
        }
        Self { nodes, index, deps, dependents }
    }

    /// How many nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether there are no nodes.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The address of node `i`.
    pub fn address(&self, i: usize) -> &Address {
        &self.nodes[i]
    }

    /// The node index of `address`.
    pub fn index_of(&self, address: &Address) -> Option<usize> {
        self.index.get(address).copied()
    }

    /// The nodes `i` depends on.
    pub fn deps(&self, i: usize) -> &[usize] {
        &self.deps[i]
    }

    /// The nodes depending on `i`.
    pub fn dependents(&self, i: usize) -> &[usize] {
        &self.dependents[i]
    }

    /// A topological order (dependencies first, ties by address), or every cycle found.
    pub fn topo_order(&self) -> Result<Vec<usize>, Vec<Vec<Address>>> {
        let n = self.nodes.len();
        let mut indegree: Vec<usize> = self.deps.iter().map(Vec::len).collect();
        let mut ready: BTreeSet<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
        let mut order = Vec::with_capacity(n);
        while let Some(i) = ready.pop_first() {
            order.push(i);
            for &d in &self.dependents[i] {
                indegree[d] -= 1;
                if indegree[d] == 0 {
                    ready.insert(d);
                }
            }
        }
        if order.len() == n {
            return Ok(order);
        }
        let remaining: Vec<bool> = indegree.iter().map(|&d| d > 0).collect();
        Err(self.cycles(&remaining))
    }

    /// Spells out the cycles among `remaining` nodes (those Kahn's algorithm could not order):
    /// each walk follows the smallest remaining dependency until it repeats a node.
    fn cycles(&self, remaining: &[bool]) -> Vec<Vec<Address>> {
        let mut seen = vec![false; self.nodes.len()];
        let mut cycles = Vec::new();
        for start in (0..self.nodes.len()).filter(|&i| remaining[i]) {
            if seen[start] {
                continue;
            }
            let mut path = Vec::new();
            let mut position = HashMap::new();
            let mut at = start;
            loop {
                if let Some(&p) = position.get(&at) {
                    let cycle: Vec<usize> = path[p..].to_vec();
                    cycles.push(self.rotate_to_smallest(&cycle));
                    break;
                }
                if seen[at] {
                    break;
                }
                seen[at] = true;
                position.insert(at, path.len());
                path.push(at);
                at = *self.deps[at].iter().find(|&&d| remaining[d]).expect("remaining nodes have remaining deps");
            }
        }
        cycles.sort();
        cycles
    }

    fn rotate_to_smallest(&self, cycle: &[usize]) -> Vec<Address> {
        let min = (0..cycle.len()).min_by_key(|&k| cycle[k]).unwrap_or(0);
        let mut out: Vec<Address> = cycle[min..].iter().chain(&cycle[..min]).map(|&i| self.nodes[i].clone()).collect();
        out.push(out[0].clone());
        out
    }

    /// `seeds` and everything they depend on, transitively.
    pub fn with_dependencies(&self, seeds: impl IntoIterator<Item = usize>) -> BTreeSet<usize> {
        self.closure(seeds, &self.deps)
    }

    /// `seeds` and everything depending on them, transitively.
    pub fn with_dependents(&self, seeds: impl IntoIterator<Item = usize>) -> BTreeSet<usize> {
        self.closure(seeds, &self.dependents)
    }

    fn closure(&self, seeds: impl IntoIterator<Item = usize>, edges: &[Vec<usize>]) -> BTreeSet<usize> {
        let mut out = BTreeSet::new();
        let mut stack: Vec<usize> = seeds.into_iter().collect();
        while let Some(i) = stack.pop() {
            if out.insert(i) {
                stack.extend(edges[i].iter().copied());
            }
        }
        out
    }

    /// Graphviz DOT, nodes and edges in address order.
    pub fn to_dot(&self, name: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "digraph \"{}\" {{", name.replace('"', "'"));
        out.push_str("  rankdir = \"RL\";\n  node [shape = box];\n");
        for a in &self.nodes {
            let _ = writeln!(out, "  \"{a}\";");
        }
        for (i, ds) in self.deps.iter().enumerate() {
            for &d in ds {
                let _ = writeln!(out, "  \"{}\" -> \"{}\";", self.nodes[i], self.nodes[d]);
            }
        }
        out.push_str("}\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> Address {
        s.parse().unwrap()
    }

    fn graph(edges: &[(&str, &[&str])]) -> (Graph, Vec<Address>) {
        let addrs: Vec<Address> = edges.iter().map(|(n, _)| a(n)).collect();
        let g = Graph::new(addrs.iter().zip(edges).map(|(ad, (_, ds))| (ad, ds.iter().map(|d| a(d)).collect())));
        (g, addrs)
    }

    #[test]
    fn orders_dependencies_first_ties_by_address() {
        let (g, _) = graph(&[("t.c", &["t.a"]), ("t.b", &[]), ("t.a", &[])]);
        let order: Vec<String> = g.topo_order().unwrap().iter().map(|&i| g.address(i).to_string()).collect();
        assert_eq!(order, ["t.a", "t.b", "t.c"]);
    }

    #[test]
    fn spells_out_each_cycle_once() {
        let (g, _) =
            graph(&[("t.a", &["t.b"]), ("t.b", &["t.c"]), ("t.c", &["t.a"]), ("t.d", &["t.a"]), ("t.e", &["t.e"])]);
        let cycles: Vec<String> = g
            .topo_order()
            .unwrap_err()
            .iter()
            .map(|c| c.iter().map(ToString::to_string).collect::<Vec<_>>().join(" -> "))
            .collect();
        assert_eq!(cycles, ["t.a -> t.b -> t.c -> t.a", "t.e -> t.e"]);
    }

    #[test]
    fn closures_follow_edges_both_ways() {
        let (g, _) = graph(&[("t.a", &[]), ("t.b", &["t.a"]), ("t.c", &["t.b"]), ("t.d", &[])]);
        let b = g.index_of(&a("t.b")).unwrap();
        let deps: Vec<String> = g.with_dependencies([b]).iter().map(|&i| g.address(i).to_string()).collect();
        assert_eq!(deps, ["t.a", "t.b"]);
        let dependents: Vec<String> = g.with_dependents([b]).iter().map(|&i| g.address(i).to_string()).collect();
        assert_eq!(dependents, ["t.b", "t.c"]);
    }

    #[test]
    fn dot_lists_nodes_and_edges() {
        let (g, _) = graph(&[("t.a", &[]), ("t.b", &["t.a"])]);
        insta::assert_snapshot!(g.to_dot("staging"), @r#"
        digraph "staging" {
          rankdir = "RL";
          node [shape = box];
          "t.a";
          "t.b";
          "t.b" -> "t.a";
        }
        "#);
    }
}
