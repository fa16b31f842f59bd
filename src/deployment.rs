//! A deployment: every template of a run, linked through exports and imports.
//!
//! Each template is a stack. The deployment indexes the exports (by their resolved name), the imports,
//! and builds one petgraph graph over stacks' resources, parameters, outputs and exports, with the
//! location of every reference on its edge: the graph that `iamlint graph` prints and that the
//! reference rules (`REF004` import cycles, `REF005` circular dependencies) walk. It also holds the API
//! definitions the templates include from other files ([`crate::definitions`]), read once, and which
//! stacks nest which ([`crate::nested`]): a child's parameters and its parent's `Outputs` lookups
//! resolve through it.

use std::collections::HashMap;

use petgraph::graph::{DiGraph, NodeIndex};

use crate::definitions::Definitions;
use crate::nested::Nesting;
use crate::references::{IntrinsicProblem, Owner, RefKind, Reference};
use crate::resolve::{ExportSite, ResolveConfig, Resolver, StackId, Value};
use crate::source::{Location, SourceMap, Span};
use crate::template::Template;

/// An output that exports a name.
#[derive(Debug, Clone)]
pub struct ExportDef {
    /// The resolved export name: literal text, or symbolic when it uses `${AWS::StackName}` etc.
    pub name: Value,
    pub stack: StackId,
    pub output: usize,
    /// The `Export.Name` value.
    pub span: Span,
}

impl ExportDef {
    pub fn literal_name(&self) -> Option<&str> {
        self.name.as_literal()
    }
}

/// One `Fn::ImportValue`.
#[derive(Debug, Clone)]
pub struct Import {
    pub stack: StackId,
    pub name: Value,
    pub span: Span,
    pub owner: Owner,
}

impl Import {
    pub fn literal_name(&self) -> Option<&str> {
        self.name.as_literal()
    }
}

/// Stack `importer` needs stack `exporter` to exist first, because of one import.
#[derive(Debug, Clone)]
pub struct StackDependency {
    pub importer: StackId,
    pub exporter: StackId,
    pub export: String,
    pub import: usize,
    pub export_def: usize,
}

/// A node of the reference graph.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GraphNode {
    Resource { stack: StackId, logical_id: String },
    Parameter { stack: StackId, name: String },
    Output { stack: StackId, name: String },
    Export { name: String },
}

impl GraphNode {
    pub fn stack(&self) -> Option<StackId> {
        match self {
            GraphNode::Resource { stack, .. }
            | GraphNode::Parameter { stack, .. }
            | GraphNode::Output { stack, .. } => Some(*stack),
            GraphNode::Export { .. } => None,
        }
    }

    pub fn label(&self) -> &str {
        match self {
            GraphNode::Resource { logical_id, .. } => logical_id,
            GraphNode::Parameter { name, .. }
            | GraphNode::Output { name, .. }
            | GraphNode::Export { name } => name,
        }
    }
}

/// How one node refers to another: the reference's kind (`Export` for an output defining an export).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKind {
    Reference(RefKind),
    /// Export → the output that defines it.
    DefinedBy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GraphEdge {
    pub kind: EdgeKind,
    pub location: Location,
}

/// What the reference walk found in one template.
#[derive(Debug, Clone, Default)]
pub struct StackReferences {
    pub references: Vec<Reference>,
    pub problems: Vec<IntrinsicProblem>,
}

pub struct Deployment {
    pub sources: SourceMap,
    pub templates: Vec<Template>,
    /// API definitions read from other files (`AWS::Include`, `DefinitionUri`), and those not read.
    pub definitions: Definitions,
    /// Which stacks nest which (local `TemplateURL`/`Location`), and the nested stacks not read.
    pub nesting: Nesting,
    pub config: ResolveConfig,
    symbolic_config: ResolveConfig,
    /// Every export definition, duplicates included, in file order.
    pub export_defs: Vec<ExportDef>,
    /// The first definition of each literal export name.
    pub exports: HashMap<String, ExportSite>,
    pub imports: Vec<Import>,
    /// Per stack: its references and intrinsic problems (the reference walk of each template).
    pub references: Vec<StackReferences>,
    /// Per stack: its name in messages (see [`Deployment::stack_name`]), computed once.
    stack_names: Vec<String>,
    pub graph: DiGraph<GraphNode, GraphEdge>,
    nodes: HashMap<GraphNode, NodeIndex>,
}

impl Deployment {
    pub fn new(
        sources: SourceMap,
        templates: Vec<Template>,
        definitions: Definitions,
        nesting: Nesting,
        config: ResolveConfig,
    ) -> Deployment {
        let export_defs = collect_exports(&templates, &nesting, &config);
        let mut exports = HashMap::new();
        for def in &export_defs {
            if let Some(name) = def.literal_name() {
                exports.entry(name.to_string()).or_insert(ExportSite {
                    stack: def.stack,
                    output: def.output,
                });
            }
        }
        let symbolic_config = ResolveConfig {
            use_defaults: false,
            ..config.clone()
        };
        let references = templates
            .iter()
            .map(|template| {
                let text = sources.get(template.file).map_or("", |f| &*f.text);
                let (references, problems) = crate::references::collect(template, text);
                StackReferences {
                    references,
                    problems,
                }
            })
            .collect();
        let stack_names = stack_names(&sources, &templates);
        let mut deployment = Deployment {
            references,
            stack_names,
            sources,
            templates,
            definitions,
            nesting,
            config,
            symbolic_config,
            export_defs,
            exports,
            imports: Vec::new(),
            graph: DiGraph::new(),
            nodes: HashMap::new(),
        };
        deployment.imports = deployment.collect_imports();
        deployment.build_graph();
        deployment
    }

    pub fn resolver(&self) -> Resolver<'_> {
        Resolver::new(&self.templates, &self.exports, &self.config).with_nesting(&self.nesting)
    }

    /// A resolver that leaves parameters without a given value symbolic (`${Env}`), for showing
    /// values in help texts the way a user writes them.
    pub fn symbolic_resolver(&self) -> Resolver<'_> {
        Resolver::new(&self.templates, &self.exports, &self.symbolic_config)
            .with_nesting(&self.nesting)
    }

    /// The references of a stack's template.
    pub fn references(&self, stack: StackId) -> &[Reference] {
        self.references
            .get(stack)
            .map_or(&[], |r| r.references.as_slice())
    }

    /// The intrinsic-function problems of a stack's template.
    pub fn problems(&self, stack: StackId) -> &[IntrinsicProblem] {
        self.references
            .get(stack)
            .map_or(&[], |r| r.problems.as_slice())
    }

    pub fn template(&self, stack: StackId) -> Option<&Template> {
        self.templates.get(stack)
    }

    /// The location of a span in a stack's file.
    pub fn location(&self, stack: StackId, span: Span) -> Option<Location> {
        self.template(stack)
            .map(|t| Location { file: t.file, span })
    }

    /// A short name for a stack in messages: its file name, or its path when two templates share the name.
    pub fn stack_name(&self, stack: StackId) -> String {
        self.stack_names
            .get(stack)
            .cloned()
            .unwrap_or_else(|| format!("stack {stack}"))
    }

    /// Which stacks must exist before which, because of imports of exports defined in the deployment
    /// (a stack importing its own export depends on itself).
    pub fn stack_dependencies(&self) -> Vec<StackDependency> {
        let first_defs = self.first_export_defs();
        let mut dependencies = Vec::new();
        for (index, import) in self.imports.iter().enumerate() {
            let Some(name) = import.literal_name() else {
                continue;
            };
            let Some(&def_index) = first_defs.get(name) else {
                continue;
            };
            let Some(def) = self.export_defs.get(def_index) else {
                continue;
            };
            dependencies.push(StackDependency {
                importer: import.stack,
                exporter: def.stack,
                export: name.to_string(),
                import: index,
                export_def: def_index,
            });
        }
        dependencies
    }

    /// The index in `export_defs` of the first definition of each literal export name (one pass,
    /// so matching every import against it stays linear).
    fn first_export_defs(&self) -> HashMap<&str, usize> {
        let mut first = HashMap::new();
        for (index, def) in self.export_defs.iter().enumerate() {
            if let Some(name) = def.literal_name() {
                first.entry(name).or_insert(index);
            }
        }
        first
    }

    fn collect_imports(&self) -> Vec<Import> {
        let resolver = self.resolver();
        let mut imports = Vec::new();
        for stack in 0..self.templates.len() {
            for reference in self
                .references(stack)
                .iter()
                .filter(|r| r.kind == RefKind::ImportValue)
            {
                let name = match &reference.import_name {
                    Some(node) => resolver.resolve(stack, node),
                    None => Value::unknown("no export name"),
                };
                imports.push(Import {
                    stack,
                    name,
                    span: reference.span,
                    owner: reference.owner.clone(),
                });
            }
        }
        imports
    }

    fn node(&mut self, node: GraphNode) -> NodeIndex {
        if let Some(index) = self.nodes.get(&node) {
            return *index;
        }
        let index = self.graph.add_node(node.clone());
        self.nodes.insert(node, index);
        index
    }

    pub fn node_index(&self, node: &GraphNode) -> Option<NodeIndex> {
        self.nodes.get(node).copied()
    }

    fn build_graph(&mut self) {
        let mut edges = Vec::new();
        for (stack, template) in self.templates.iter().enumerate() {
            let file = template.file;
            for resource in &template.resources {
                edges.push((
                    GraphNode::Resource {
                        stack,
                        logical_id: resource.logical_id.clone(),
                    },
                    None,
                ));
            }
            for reference in self.references(stack) {
                let from = match &reference.owner {
                    Owner::Resource(id) => GraphNode::Resource {
                        stack,
                        logical_id: id.clone(),
                    },
                    Owner::Output(name) => GraphNode::Output {
                        stack,
                        name: name.clone(),
                    },
                    Owner::Condition(_) | Owner::Globals => continue,
                };
                let to = match reference.kind {
                    RefKind::Ref | RefKind::Sub | RefKind::GetAtt | RefKind::DependsOn => {
                        if template.parameter(&reference.target).is_some() {
                            GraphNode::Parameter {
                                stack,
                                name: reference.target.clone(),
                            }
                        } else if template.resource(&reference.target).is_some() {
                            GraphNode::Resource {
                                stack,
                                logical_id: reference.target.clone(),
                            }
                        } else {
                            continue;
                        }
                    }
                    RefKind::Condition | RefKind::Mapping | RefKind::ImportValue => continue,
                };
                let edge = GraphEdge {
                    kind: EdgeKind::Reference(reference.kind),
                    location: Location {
                        file,
                        span: reference.span,
                    },
                };
                edges.push((from, Some((to, edge))));
            }
        }
        for import in &self.imports {
            let Some(name) = import.literal_name() else {
                continue;
            };
            let Some(location) = self.location(import.stack, import.span) else {
                continue;
            };
            let from = match &import.owner {
                Owner::Resource(id) => GraphNode::Resource {
                    stack: import.stack,
                    logical_id: id.clone(),
                },
                Owner::Output(name) => GraphNode::Output {
                    stack: import.stack,
                    name: name.clone(),
                },
                Owner::Condition(_) | Owner::Globals => continue,
            };
            let to = GraphNode::Export {
                name: name.to_string(),
            };
            let edge = GraphEdge {
                kind: EdgeKind::Reference(RefKind::ImportValue),
                location,
            };
            edges.push((from, Some((to, edge))));
        }
        for def in &self.export_defs {
            let Some(name) = def.literal_name() else {
                continue;
            };
            let Some(template) = self.template(def.stack) else {
                continue;
            };
            let Some(output) = template.outputs.get(def.output) else {
                continue;
            };
            let from = GraphNode::Export {
                name: name.to_string(),
            };
            let to = GraphNode::Output {
                stack: def.stack,
                name: output.name.clone(),
            };
            let edge = GraphEdge {
                kind: EdgeKind::DefinedBy,
                location: Location {
                    file: template.file,
                    span: def.span,
                },
            };
            edges.push((from, Some((to, edge))));
        }
        for (from, to) in edges {
            let from = self.node(from);
            if let Some((to, edge)) = to {
                let to = self.node(to);
                self.graph.add_edge(from, to, edge);
            }
        }
    }
}

fn collect_exports(
    templates: &[Template],
    nesting: &Nesting,
    config: &ResolveConfig,
) -> Vec<ExportDef> {
    let no_exports = HashMap::new();
    let resolver = Resolver::new(templates, &no_exports, config).with_nesting(nesting);
    let mut defs = Vec::new();
    for (stack, template) in templates.iter().enumerate() {
        for (index, output) in template.outputs.iter().enumerate() {
            let Some(node) = &output.export_name else {
                continue;
            };
            defs.push(ExportDef {
                name: resolver.resolve(stack, node),
                stack,
                output: index,
                span: node.span,
            });
        }
    }
    defs
}

/// Each stack's name in messages: its file name, or its path when two templates share the name.
fn stack_names(sources: &SourceMap, templates: &[Template]) -> Vec<String> {
    let paths: Vec<String> = templates
        .iter()
        .enumerate()
        .map(|(stack, t)| {
            sources
                .get(t.file)
                .map_or_else(|| format!("stack {stack}"), |f| f.display_path())
        })
        .collect();
    let short = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for path in &paths {
        *counts.entry(short(path)).or_default() += 1;
    }
    paths
        .into_iter()
        .map(|path| {
            let name = short(&path);
            if counts.get(&name).is_some_and(|n| *n > 1) {
                path
            } else {
                name
            }
        })
        .collect()
}
