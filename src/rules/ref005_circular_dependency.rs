//! REF005 `circular-dependency`: resources of one template refer to each other in a cycle. See
//! rules/REF005-circular-dependency.md.

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use crate::deployment::{Deployment, EdgeKind, GraphNode};
use crate::source::Location;

declare_rule!(CircularDependency, "REF005", "circular-dependency", Error);

impl Rule for CircularDependency {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        let deployment = input.deployment;
        let graph = resource_graph(deployment);
        for component in tarjan_scc(&graph) {
            let Some(&first) = component.first() else {
                continue;
            };
            let self_loop = graph.contains_edge(first, first);
            if component.len() == 1 && !self_loop {
                continue;
            }
            // SAM splits serverless resources when it transforms them: only plain cycles are real.
            if component.len() > 1
                && component
                    .iter()
                    .any(|n| is_serverless(deployment, graph.node_weight(*n)))
            {
                continue;
            }
            report(deployment, &graph, &component, cx);
        }
    }
}

/// Resource → resource edges of every stack, with the location of each reference.
fn resource_graph(deployment: &Deployment) -> DiGraph<GraphNode, Location> {
    let mut graph = DiGraph::new();
    let mut index = std::collections::HashMap::new();
    for edge in deployment.graph.edge_references() {
        let (Some(from), Some(to)) = (
            deployment.graph.node_weight(edge.source()),
            deployment.graph.node_weight(edge.target()),
        ) else {
            continue;
        };
        if !matches!(
            (from, to),
            (GraphNode::Resource { .. }, GraphNode::Resource { .. })
        ) || !matches!(edge.weight().kind, EdgeKind::Reference(_))
        {
            continue;
        }
        let mut node = |n: &GraphNode| {
            *index
                .entry(n.clone())
                .or_insert_with(|| graph.add_node(n.clone()))
        };
        let (a, b) = (node(from), node(to));
        graph.add_edge(a, b, edge.weight().location);
    }
    graph
}

fn is_serverless(deployment: &Deployment, node: Option<&GraphNode>) -> bool {
    let Some(GraphNode::Resource { stack, logical_id }) = node else {
        return false;
    };
    deployment
        .template(*stack)
        .and_then(|t| t.resource(logical_id))
        .is_some_and(|r| r.is_serverless())
}

fn report(
    deployment: &Deployment,
    graph: &DiGraph<GraphNode, Location>,
    component: &[NodeIndex],
    cx: &mut RuleContext,
) {
    let mut edges: Vec<(Location, &str, &str)> = graph
        .edge_references()
        .filter(|e| component.contains(&e.source()) && component.contains(&e.target()))
        .filter_map(|e| {
            let from = graph.node_weight(e.source())?.label();
            let to = graph.node_weight(e.target())?.label();
            Some((*e.weight(), from, to))
        })
        .collect();
    edges.sort();
    let Some(&(primary, from, _)) = edges.first() else {
        return;
    };
    let mut names: Vec<&str> = component
        .iter()
        .filter_map(|n| graph.node_weight(*n))
        .map(GraphNode::label)
        .collect();
    names.sort_unstable();
    let message = if names.len() == 1 {
        format!(
            "`{from}` refers to itself: CloudFormation rejects the template with \"Circular dependency between resources: [{from}]\""
        )
    } else {
        format!(
            "resources refer to each other in a cycle: CloudFormation rejects the template with \"Circular dependency between resources: [{}]\"",
            names.join(", ")
        )
    };
    let mut finding = cx.report(primary, message).resource(Some(from));
    for (location, from, to) in edges.iter().skip(1) {
        finding = finding.related(*location, format!("`{from}` refers to `{to}`"));
    }
    let help = if names.len() == 1 {
        format!(
            "a resource cannot use its own name or attributes while it is being created: write the value out (e.g. `!Sub ${{AWS::StackName}}-x` instead of `${{{from}}}`)"
        )
    } else {
        "remove one reference of the cycle: write one value out as a literal or `!Sub` of parameters, or move the dependent setting into a separate resource (e.g. an AWS::IAM::Policy instead of an inline policy)".to_string()
    };
    drop(finding.help(help));
    let _ = deployment;
}
