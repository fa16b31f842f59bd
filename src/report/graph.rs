//! `iamlint graph`: the deployment's reference graph as DOT, Mermaid or JSON.
//!
//! Each stack is a cluster of its resources, parameters and outputs; exports sit between stacks, so
//! the cross-stack links (`Fn::ImportValue` → export → defining output) are visible at a glance.

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use serde::Serialize;

use super::Position;
use crate::deployment::{Deployment, EdgeKind, GraphEdge, GraphNode};
use crate::resolve::StackId;

/// The graph's nodes grouped by stack (in stack order), then the nodes outside any stack (exports):
/// one pass over the nodes, each put in its stack's bucket (linear in nodes + stacks).
fn nodes_by_stack(deployment: &Deployment) -> (Vec<(StackId, Vec<NodeIndex>)>, Vec<NodeIndex>) {
    let graph = &deployment.graph;
    let mut stacks: Vec<(StackId, Vec<NodeIndex>)> = (0..deployment.templates.len())
        .map(|stack| (stack, Vec::new()))
        .collect();
    let mut outside = Vec::new();
    for index in graph.node_indices() {
        let bucket = graph
            .node_weight(index)
            .and_then(GraphNode::stack)
            .and_then(|stack| stacks.get_mut(stack));
        match bucket {
            Some((_, nodes)) => nodes.push(index),
            None => outside.push(index),
        }
    }
    (stacks, outside)
}

/// Graphviz DOT.
pub fn dot(deployment: &Deployment) -> String {
    let mut out = String::from(
        "digraph iamlint {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n",
    );
    let (stacks, outside) = nodes_by_stack(deployment);
    for (stack, nodes) in stacks {
        out.push_str(&format!(
            "  subgraph cluster_{stack} {{\n    label=\"{}\";\n    style=rounded;\n",
            escape(&deployment.stack_name(stack))
        ));
        for index in nodes {
            out.push_str(&format!("    {};\n", dot_node(deployment, index)));
        }
        out.push_str("  }\n");
    }
    for index in outside {
        out.push_str(&format!("  {};\n", dot_node(deployment, index)));
    }
    for edge in deployment.graph.edge_references() {
        out.push_str(&format!(
            "  n{} -> n{} [label=\"{}\"];\n",
            edge.source().index(),
            edge.target().index(),
            escape(&edge_label(deployment, edge.weight()))
        ));
    }
    out.push_str("}\n");
    out
}

fn dot_node(deployment: &Deployment, index: NodeIndex) -> String {
    let Some(node) = deployment.graph.node_weight(index) else {
        return format!("n{}", index.index());
    };
    let (label, shape) = match node {
        GraphNode::Resource { .. } => (
            format!(
                "{}\\n{}",
                escape(node.label()),
                escape(&resource_type(deployment, node))
            ),
            "box",
        ),
        GraphNode::Parameter { name, .. } => (format!("Parameter {}", escape(name)), "note"),
        GraphNode::Output { name, .. } => (format!("Output {}", escape(name)), "cds"),
        GraphNode::Export { name } => (format!("export {}", escape(name)), "hexagon"),
    };
    format!("n{} [label=\"{label}\", shape={shape}]", index.index())
}

/// Mermaid flowchart.
pub fn mermaid(deployment: &Deployment) -> String {
    let mut out = String::from("flowchart LR\n");
    let (stacks, outside) = nodes_by_stack(deployment);
    for (stack, nodes) in stacks {
        out.push_str(&format!(
            "  subgraph stack{stack}[\"{}\"]\n",
            mermaid_text(&deployment.stack_name(stack))
        ));
        for index in nodes {
            out.push_str(&format!("    {}\n", mermaid_node(deployment, index)));
        }
        out.push_str("  end\n");
    }
    for index in outside {
        out.push_str(&format!("  {}\n", mermaid_node(deployment, index)));
    }
    for edge in deployment.graph.edge_references() {
        out.push_str(&format!(
            "  n{} -->|\"{}\"| n{}\n",
            edge.source().index(),
            mermaid_text(&edge_kind_label(edge.weight())),
            edge.target().index()
        ));
    }
    out
}

fn mermaid_node(deployment: &Deployment, index: NodeIndex) -> String {
    let id = index.index();
    match deployment.graph.node_weight(index) {
        Some(node @ GraphNode::Resource { .. }) => format!(
            "n{id}[\"{}<br/>{}\"]",
            mermaid_text(node.label()),
            mermaid_text(&resource_type(deployment, node))
        ),
        Some(GraphNode::Parameter { name, .. }) => {
            format!("n{id}[/\"Parameter {}\"/]", mermaid_text(name))
        }
        Some(GraphNode::Output { name, .. }) => {
            format!("n{id}([\"Output {}\"])", mermaid_text(name))
        }
        Some(GraphNode::Export { name }) => {
            format!("n{id}{{{{\"export {}\"}}}}", mermaid_text(name))
        }
        None => format!("n{id}"),
    }
}

#[derive(Serialize)]
struct JsonGraph {
    schema: &'static str,
    stacks: Vec<JsonStack>,
    nodes: Vec<JsonNode>,
    edges: Vec<JsonEdge>,
}

#[derive(Serialize)]
struct JsonStack {
    id: usize,
    file: String,
}

#[derive(Serialize)]
struct JsonNode {
    id: usize,
    kind: &'static str,
    stack: Option<usize>,
    name: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    resource_type: Option<String>,
}

#[derive(Serialize)]
struct JsonEdge {
    from: usize,
    to: usize,
    kind: String,
    file: String,
    line: usize,
    column: usize,
}

/// JSON, schema `iamlint-graph/1`.
pub fn json(deployment: &Deployment) -> String {
    let graph = &deployment.graph;
    let report = JsonGraph {
        schema: "iamlint-graph/1",
        stacks: (0..deployment.templates.len())
            .map(|id| JsonStack {
                id,
                file: deployment.stack_name(id),
            })
            .collect(),
        nodes: graph
            .node_indices()
            .filter_map(|i| {
                let node = graph.node_weight(i)?;
                let kind = match node {
                    GraphNode::Resource { .. } => "resource",
                    GraphNode::Parameter { .. } => "parameter",
                    GraphNode::Output { .. } => "output",
                    GraphNode::Export { .. } => "export",
                };
                let resource_type = matches!(node, GraphNode::Resource { .. })
                    .then(|| resource_type(deployment, node));
                Some(JsonNode {
                    id: i.index(),
                    kind,
                    stack: node.stack(),
                    name: node.label().to_string(),
                    resource_type,
                })
            })
            .collect(),
        edges: graph
            .edge_references()
            .map(|e| {
                let at = Position::of(&deployment.sources, e.weight().location);
                JsonEdge {
                    from: e.source().index(),
                    to: e.target().index(),
                    kind: edge_kind_label(e.weight()),
                    file: at.file,
                    line: at.line,
                    column: at.column,
                }
            })
            .collect(),
    };
    serde_json::to_string_pretty(&report).unwrap_or_default()
}

fn resource_type(deployment: &Deployment, node: &GraphNode) -> String {
    match node {
        GraphNode::Resource { stack, logical_id } => deployment
            .template(*stack)
            .and_then(|t| t.resource(logical_id))
            .map(|r| r.type_name().to_string())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

fn edge_kind_label(edge: &GraphEdge) -> String {
    match edge.kind {
        EdgeKind::Reference(kind) => kind.label().to_string(),
        EdgeKind::DefinedBy => "Export".to_string(),
    }
}

/// `Fn::ImportValue (cfn.yaml:70)`.
fn edge_label(deployment: &Deployment, edge: &GraphEdge) -> String {
    let at = Position::of(&deployment.sources, edge.location);
    let file = at.file.rsplit('/').next().unwrap_or(&at.file).to_string();
    format!("{} ({file}:{})", edge_kind_label(edge), at.line)
}

/// A DOT label's text from input, on one line and quoted ([`crate::sanitize::dot_label`]).
fn escape(text: &str) -> String {
    crate::sanitize::dot_label(text)
}

/// A Mermaid label's text from input, on one line and quoted ([`crate::sanitize::mermaid_label`]).
fn mermaid_text(text: &str) -> String {
    crate::sanitize::mermaid_label(text)
}
