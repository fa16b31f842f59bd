//! The typed view of one template: Parameters, Mappings, Conditions, Resources, Outputs, Globals,
//! Transform; plus every reference and every malformed intrinsic found in it.
//!
//! Sections that have the wrong shape are read as far as they go; the template is never rejected here.

use std::collections::HashMap;

use crate::load::{Entry, Node, NodeKind};
use crate::source::{FileId, Span};

/// The SAM transform name.
pub const SAM_TRANSFORM: &str = "AWS::Serverless-2016-10-31";

/// A name with the span of where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Named {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Template {
    pub file: FileId,
    pub root: Node,
    pub transforms: Vec<Named>,
    pub parameters: Vec<Parameter>,
    pub mappings: Option<Node>,
    pub conditions: Vec<Condition>,
    pub resources: Vec<Resource>,
    pub outputs: Vec<Output>,
    pub globals: Option<Node>,
    /// Positions in `resources` and `parameters` by name (the first of duplicates).
    resource_index: HashMap<String, usize>,
    parameter_index: HashMap<String, usize>,
    /// The distinct lengths (bytes) of the resources' logical ids, ascending: a generated id is
    /// looked up by its prefixes of these lengths, not by a scan of every resource.
    id_lengths: Vec<usize>,
    /// SAM transforms this template (see [`Template::is_sam`]).
    sam: bool,
    /// Logical-id patterns of `Fn::ForEach` resources (`Topic${Name}` → prefix `Topic`, suffix ``).
    for_each_names: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct Parameter {
    pub name: String,
    pub span: Span,
    pub kind: Option<String>,
    pub default: Option<Node>,
    pub allowed_values: Vec<Node>,
    /// `AllowedPattern`: a regular expression the whole value must match.
    pub allowed_pattern: Option<Node>,
}

impl Parameter {
    /// `List<...>` and `CommaDelimitedList` parameters resolve to lists.
    pub fn is_list(&self) -> bool {
        self.kind
            .as_deref()
            .is_some_and(|k| k == "CommaDelimitedList" || k.starts_with("List<"))
    }
}

#[derive(Debug, Clone)]
pub struct Condition {
    pub name: String,
    pub span: Span,
    pub body: Node,
}

#[derive(Debug, Clone)]
pub struct Resource {
    pub logical_id: String,
    /// The span of the logical id key.
    pub span: Span,
    pub kind: Option<Named>,
    pub condition: Option<Named>,
    pub depends_on: Vec<Named>,
    /// The whole resource mapping (the template's only copy of it).
    pub node: Node,
}

impl Resource {
    pub fn type_name(&self) -> &str {
        self.kind.as_ref().map_or("", |k| k.name.as_str())
    }

    /// The `Properties` mapping.
    pub fn properties(&self) -> Option<&Node> {
        self.node.get("Properties")
    }

    /// The `Metadata` mapping.
    pub fn metadata(&self) -> Option<&Node> {
        self.node.get("Metadata")
    }

    pub fn property(&self, name: &str) -> Option<&Node> {
        self.properties()?.get(name)
    }

    pub fn is_serverless(&self) -> bool {
        self.type_name().starts_with("AWS::Serverless::")
    }
}

#[derive(Debug, Clone)]
pub struct Output {
    pub name: String,
    pub span: Span,
    pub value: Option<Node>,
    /// `Export.Name`, unresolved.
    pub export_name: Option<Node>,
    pub condition: Option<Named>,
}

impl Template {
    /// Builds the typed view of a loaded template mapping.
    pub fn new(file: FileId, mut root: Node) -> Template {
        let for_each = for_each_names(&root);
        // The resources move out of the tree: each is kept once, in its `Resource`.
        let resources: Vec<Resource> = take_section(&mut root, "Resources")
            .into_iter()
            .map(read_resource)
            .collect();
        let mut template = Template {
            file,
            transforms: read_transforms(root.get("Transform")),
            parameters: entries(&root, "Parameters").map(read_parameter).collect(),
            mappings: root.get("Mappings").cloned(),
            conditions: entries(&root, "Conditions")
                .filter(|(name, _, _)| !name.starts_with("Fn::ForEach"))
                .map(|(name, span, body)| Condition {
                    name,
                    span,
                    body: body.clone(),
                })
                .collect(),
            resources,
            outputs: entries(&root, "Outputs")
                .filter(|(name, _, _)| !name.starts_with("Fn::ForEach"))
                .map(read_output)
                .collect(),
            globals: root.get("Globals").cloned(),
            resource_index: HashMap::new(),
            parameter_index: HashMap::new(),
            id_lengths: Vec::new(),
            sam: false,
            for_each_names: for_each,
            root,
        };
        template.sam = template.transforms.iter().any(|t| t.name == SAM_TRANSFORM)
            || template.resources.iter().any(Resource::is_serverless);
        for (i, r) in template.resources.iter().enumerate().rev() {
            template.resource_index.insert(r.logical_id.clone(), i);
        }
        let lengths: std::collections::BTreeSet<usize> = template
            .resources
            .iter()
            .map(|r| r.logical_id.len())
            .collect();
        template.id_lengths = lengths.into_iter().collect();
        for (i, p) in template.parameters.iter().enumerate().rev() {
            template.parameter_index.insert(p.name.clone(), i);
        }
        template
    }

    /// Whether SAM transforms this template: it declares the transform or has `AWS::Serverless::*`
    /// resources (SAM's own test templates often omit the `Transform` line).
    pub fn is_sam(&self) -> bool {
        self.sam
    }

    pub fn resource(&self, logical_id: &str) -> Option<&Resource> {
        self.resources.get(*self.resource_index.get(logical_id)?)
    }

    /// The resources of one type, in file order.
    pub fn resources_of_type<'t>(
        &'t self,
        type_name: &'t str,
    ) -> impl Iterator<Item = &'t Resource> + 't {
        self.resources
            .iter()
            .filter(move |r| r.type_name() == type_name)
    }

    pub fn parameter(&self, name: &str) -> Option<&Parameter> {
        self.parameters.get(*self.parameter_index.get(name)?)
    }

    pub fn condition(&self, name: &str) -> Option<&Condition> {
        self.conditions.iter().find(|c| c.name == name)
    }

    pub fn mapping(&self, name: &str) -> Option<&Node> {
        self.mappings.as_ref()?.get(name)
    }

    /// Whether `logical_id` names a resource generated at deploy time from this template: by AWS SAM
    /// (`ServerlessRestApi`, `<Function>Role`, `<Function>Alias<name>`, `<Function><Event>Permission`,
    /// `<Api><Stage>Stage`, the `MyFunction.Alias` shorthand, ...) or by a CloudFormation module
    /// (`<Module><Resource>`).
    pub fn is_generated(&self, logical_id: &str) -> bool {
        let sam = self.is_sam();
        if sam
            && (logical_id.starts_with("ServerlessRestApi")
                || logical_id.starts_with("ServerlessHttpApi"))
        {
            return true;
        }
        if sam
            && SAM_GLOBAL_RESOURCES
                .iter()
                .any(|prefix| logical_id.starts_with(prefix))
        {
            return true;
        }
        let from_for_each = self.for_each_names.iter().any(|(prefix, suffix)| {
            logical_id.len() > prefix.len() + suffix.len()
                && logical_id.starts_with(prefix.as_str())
                && logical_id.ends_with(suffix.as_str())
        });
        if from_for_each {
            return true;
        }
        // The resources whose logical id is a proper prefix of `logical_id`, by index lookups.
        self.id_lengths
            .iter()
            .take_while(|length| **length < logical_id.len())
            .filter_map(|length| {
                let prefix = logical_id.get(..*length)?;
                let rest = logical_id.get(*length..)?;
                Some((self.resource(prefix)?, rest))
            })
            .any(|(r, rest)| {
                if r.type_name().ends_with("::MODULE") {
                    return true;
                }
                sam && r.is_serverless() && sam_generates(r, rest)
            })
    }
}

/// What SAM appends to a serverless resource's logical id for the resources it generates from it.
const SAM_SUFFIXES: [&str; 17] = [
    ".",
    "Role",
    "Alias",
    "Version",
    "Permission",
    "EventInvokeConfig",
    "Url",
    "Deployment",
    "Stage",
    "ApiGatewayDefaultStage",
    "UsagePlan",
    "ApiKey",
    "DomainName",
    "BasePathMapping",
    "RecordSetGroup",
    "Policy",
    "CodeDeploy",
];

/// Resources SAM generates once per template (deployment preferences, usage plans, custom domains).
const SAM_GLOBAL_RESOURCES: [&str; 6] = [
    "ServerlessDeploymentApplication",
    "CodeDeployServiceRole",
    "ServerlessUsagePlan",
    "ServerlessApiKey",
    "ApiGatewayDomainName",
    "RecordSetGroup",
];

/// What SAM appends after an authorizer, data source, route or path name of a resource.
const SAM_GENERATED_ENDINGS: [&str; 12] = [
    "Stage",
    "Permission",
    "ApiMapping",
    "Route",
    "Integration",
    "Schema",
    "Role",
    "DataSource",
    "Policy",
    "Resolver",
    "Function",
    "ApiKey",
];

/// Whether SAM generates `<resource.logical_id><rest>` from `resource`: a known suffix, an event
/// of the resource (`<Function><Event>...`), a stage (`<Api><StageName>Stage`), or a layer version hash.
fn sam_generates(resource: &Resource, rest: &str) -> bool {
    if SAM_SUFFIXES.iter().any(|suffix| rest.starts_with(suffix))
        || SAM_GENERATED_ENDINGS
            .iter()
            .any(|ending| rest.ends_with(ending))
    {
        return true;
    }
    let events = resource
        .property("Events")
        .and_then(Node::as_map)
        .unwrap_or(&[]);
    if events.iter().any(|e| rest.starts_with(e.key.text.as_str())) {
        return true;
    }
    resource.type_name() == "AWS::Serverless::LayerVersion"
        && rest.len() == 10
        && rest.chars().all(|c| c.is_ascii_alphanumeric())
}

/// The logical-id templates of `Fn::ForEach::X: [Identifier, Collection, {"Name${Identifier}": ...}]`
/// entries of `Resources`, as (literal prefix, literal suffix).
fn for_each_names(root: &Node) -> Vec<(String, String)> {
    root.get("Resources")
        .and_then(Node::as_map)
        .unwrap_or(&[])
        .iter()
        .filter(|e| e.key.text.starts_with("Fn::ForEach"))
        .filter_map(|e| e.value.as_seq()?.get(2)?.as_map())
        .flatten()
        .filter_map(|output| {
            let (prefix, rest) = output.key.text.split_once("${")?;
            let (_, suffix) = rest.rsplit_once('}')?;
            Some((prefix.to_string(), suffix.to_string()))
        })
        .collect()
}

/// The entries of a top-level section that is a mapping: (name, key span, value).
fn entries<'n>(root: &'n Node, section: &str) -> impl Iterator<Item = (String, Span, &'n Node)> {
    root.get(section)
        .and_then(Node::as_map)
        .unwrap_or(&[])
        .iter()
        .map(|e| (e.key.text.clone(), e.key.span, &e.value))
}

fn named(node: &Node) -> Option<Named> {
    node.as_str().map(|name| Named {
        name: name.to_string(),
        span: node.span,
    })
}

fn read_transforms(node: Option<&Node>) -> Vec<Named> {
    match node {
        Some(n) if n.as_seq().is_some() => {
            n.as_seq().unwrap_or(&[]).iter().filter_map(named).collect()
        }
        Some(n) => named(n).into_iter().collect(),
        None => Vec::new(),
    }
}

fn read_parameter((name, span, node): (String, Span, &Node)) -> Parameter {
    Parameter {
        name,
        span,
        kind: node.get("Type").and_then(Node::as_str).map(str::to_string),
        default: node.get("Default").cloned(),
        allowed_values: node
            .get("AllowedValues")
            .and_then(Node::as_seq)
            .map(<[Node]>::to_vec)
            .unwrap_or_default(),
        allowed_pattern: node.get("AllowedPattern").cloned(),
    }
}

/// Removes a top-level section that is a mapping from the tree and returns its entries.
fn take_section(root: &mut Node, section: &str) -> Vec<Entry> {
    let NodeKind::Map(entries) = &mut root.kind else {
        return Vec::new();
    };
    let Some(value) = entries
        .iter_mut()
        .find(|e| e.key.text == section)
        .map(|e| &mut e.value)
    else {
        return Vec::new();
    };
    if !value.is_map() {
        return Vec::new();
    }
    match std::mem::replace(&mut value.kind, NodeKind::Map(Vec::new())) {
        NodeKind::Map(items) => items,
        _ => Vec::new(),
    }
}

fn read_resource(entry: Entry) -> Resource {
    let Entry { key, value: node } = entry;
    let (logical_id, span) = (key.text, key.span);
    let depends_on = match node.get("DependsOn") {
        Some(n) if n.as_seq().is_some() => {
            n.as_seq().unwrap_or(&[]).iter().filter_map(named).collect()
        }
        Some(n) => named(n).into_iter().collect(),
        None => Vec::new(),
    };
    Resource {
        logical_id,
        span,
        kind: node.get("Type").and_then(named),
        condition: node.get("Condition").and_then(named),
        depends_on,
        node,
    }
}

fn read_output((name, span, node): (String, Span, &Node)) -> Output {
    Output {
        name,
        span,
        value: node.get("Value").cloned(),
        export_name: node.get("Export").and_then(|e| e.get("Name")).cloned(),
        condition: node.get("Condition").and_then(named),
    }
}
