//! SAM `Globals`: merged into each resource exactly as the SAM translator does it.
//!
//! Dicts merge deeply, lists concatenate (global first), scalars and intrinsic functions are replaced
//! by the local value, and a type mismatch keeps the local value. `IgnoreGlobals: "*"` or a list of
//! property names turns globals off for a resource. Implicit APIs get `Globals.Api`/`Globals.HttpApi`.

use crate::load::{Entry, Node, NodeKind};
use crate::template::{Resource, Template};

/// The `Globals` section that applies to a resource type (`Function`, `Api`, `HttpApi`, ...).
pub fn section<'t>(template: &'t Template, resource_type: &str) -> Option<&'t Node> {
    let name = resource_type.strip_prefix("AWS::Serverless::")?;
    template.globals.as_ref()?.get(name).filter(|n| n.is_map())
}

/// The resource's `Properties` with its globals merged in.
pub fn merged_properties(template: &Template, resource: &Resource) -> Option<Node> {
    let local = resource.properties().cloned();
    let Some(global) = section(template, resource.type_name()) else {
        return local;
    };
    let global = without_ignored(global, resource.node.get("IgnoreGlobals"))?;
    match local {
        Some(local) => Some(merge(&global, &local)),
        None => Some(global),
    }
}

/// The global properties an implicit API gets (`Globals.Api` for `ServerlessRestApi`, ...).
pub fn implicit_properties(template: &Template, resource_type: &str) -> Option<Node> {
    section(template, resource_type).cloned()
}

fn without_ignored(global: &Node, ignore: Option<&Node>) -> Option<Node> {
    let Some(ignore) = ignore else {
        return Some(global.clone());
    };
    if ignore.as_str() == Some("*") {
        return None;
    }
    let ignored: Vec<&str> = ignore
        .as_seq()
        .unwrap_or(&[])
        .iter()
        .filter_map(Node::as_str)
        .collect();
    let entries = global
        .as_map()
        .unwrap_or(&[])
        .iter()
        .filter(|e| !ignored.contains(&e.key.text.as_str()))
        .cloned()
        .collect();
    Some(Node {
        kind: NodeKind::Map(entries),
        span: global.span,
    })
}

/// SAM's merge of a global value with a local one.
pub fn merge(global: &Node, local: &Node) -> Node {
    let is_dict = |n: &Node| n.is_map() && n.as_intrinsic().is_none();
    match (&global.kind, &local.kind) {
        (NodeKind::Map(g), NodeKind::Map(l)) if is_dict(global) && is_dict(local) => {
            let mut entries: Vec<Entry> = Vec::new();
            for entry in g {
                match l.iter().find(|e| e.key.text == entry.key.text) {
                    Some(local_entry) => entries.push(Entry {
                        key: local_entry.key.clone(),
                        value: merge(&entry.value, &local_entry.value),
                    }),
                    None => entries.push(entry.clone()),
                }
            }
            for entry in l {
                if !g.iter().any(|e| e.key.text == entry.key.text) {
                    entries.push(entry.clone());
                }
            }
            Node {
                kind: NodeKind::Map(entries),
                span: local.span,
            }
        }
        (NodeKind::Seq(g), NodeKind::Seq(l)) => Node {
            kind: NodeKind::Seq(g.iter().chain(l).cloned().collect()),
            span: local.span,
        },
        _ => local.clone(),
    }
}

/// The `Events` mapping of a SAM function's or state machine's properties (empty when absent).
pub fn events(properties: Option<&Node>) -> &[Entry] {
    properties
        .and_then(|p| p.get("Events"))
        .and_then(Node::as_map)
        .unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::parse_template;

    fn node(text: &str) -> Node {
        parse_template(text, false).unwrap()
    }

    #[test]
    fn dicts_merge_deeply_lists_concatenate_scalars_and_intrinsics_replace() {
        let global = node(
            "Auth: {DefaultAuthorizer: AWS_IAM, InvokeRole: NONE}\nLayers: [a]\nName: g\nCors: \"'*'\"\n",
        );
        let local = node(
            "Auth: {InvokeRole: CALLER_CREDENTIALS}\nLayers: [b]\nName: !Ref N\nCors: {AllowOrigin: \"'x'\"}\n",
        );
        let merged = merge(&global, &local);
        let auth = merged.get("Auth").unwrap();
        assert_eq!(
            auth.get("DefaultAuthorizer").unwrap().as_str(),
            Some("AWS_IAM")
        );
        assert_eq!(
            auth.get("InvokeRole").unwrap().as_str(),
            Some("CALLER_CREDENTIALS")
        );
        let layers: Vec<_> = merged
            .get("Layers")
            .unwrap()
            .as_seq()
            .unwrap()
            .iter()
            .filter_map(Node::as_str)
            .collect();
        assert_eq!(layers, ["a", "b"]);
        assert!(merged.get("Name").unwrap().as_intrinsic().is_some());
        assert!(merged.get("Cors").unwrap().is_map());
    }
}
