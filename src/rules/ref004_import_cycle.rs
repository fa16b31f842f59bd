//! REF004 `import-cycle`: stacks import from each other in a cycle. See rules/REF004-import-cycle.md.

use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graph::DiGraph;

use super::{Rule, RuleContext, RuleInput, RuleMeta};
use crate::deployment::{Deployment, StackDependency};
use crate::references::{Owner, RefKind};
use crate::resolve::StackId;

declare_rule!(ImportCycle, "REF004", "import-cycle", Warning);

impl Rule for ImportCycle {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, input: &RuleInput<'_>, cx: &mut RuleContext) {
        let deployment = input.deployment;
        let dependencies = deployment.stack_dependencies();
        for cycle in cycles(deployment.templates.len(), &dependencies) {
            report(deployment, &cycle, cx);
        }
    }
}

/// The dependencies inside each strongly connected group of stacks that forms a cycle: each stack is
/// numbered with its group, and a dependency whose two ends share a group goes into that group's
/// bucket (linear in stacks + dependencies).
fn cycles(stacks: usize, dependencies: &[StackDependency]) -> Vec<Vec<&StackDependency>> {
    let mut graph: DiGraph<StackId, ()> = DiGraph::new();
    let nodes: Vec<_> = (0..stacks).map(|s| graph.add_node(s)).collect();
    for d in dependencies {
        if let (Some(&from), Some(&to)) = (nodes.get(d.importer), nodes.get(d.exporter)) {
            graph.add_edge(from, to, ());
        }
    }
    let components = tarjan_scc(&graph);
    let mut component_of: Vec<Option<usize>> = vec![None; stacks];
    for (component, members) in components.iter().enumerate() {
        for node in members {
            if let Some(slot) = graph
                .node_weight(*node)
                .and_then(|stack| component_of.get_mut(*stack))
            {
                *slot = Some(component);
            }
        }
    }
    let mut inside: Vec<Vec<&StackDependency>> = vec![Vec::new(); components.len()];
    for d in dependencies {
        let importer = component_of.get(d.importer).copied().flatten();
        let exporter = component_of.get(d.exporter).copied().flatten();
        if let (Some(a), Some(b)) = (importer, exporter)
            && a == b
            && let Some(bucket) = inside.get_mut(a)
        {
            bucket.push(d);
        }
    }
    let mut cycles: Vec<Vec<&StackDependency>> = inside
        .into_iter()
        .filter(|group| !group.is_empty())
        .map(|mut group| {
            group.sort_by_key(|d| (d.importer, d.import));
            group
        })
        .collect();
    cycles.sort_by_key(|c| c.first().map(|d| (d.importer, d.import)));
    cycles
}

fn report(deployment: &Deployment, cycle: &[&StackDependency], cx: &mut RuleContext) {
    let Some(first) = cycle.first() else { return };
    let stack = |s: StackId| deployment.stack_name(s);
    let steps: Vec<String> = cycle
        .iter()
        .map(|d| {
            if d.importer == d.exporter {
                format!(
                    "{} imports its own export `{}`",
                    stack(d.importer),
                    d.export
                )
            } else {
                format!(
                    "{} imports `{}` from {}",
                    stack(d.importer),
                    d.export,
                    stack(d.exporter)
                )
            }
        })
        .collect();
    let Some(import) = deployment.imports.get(first.import) else {
        return;
    };
    let Some(primary) = deployment.location(import.stack, import.span) else {
        return;
    };
    let mut finding = cx
        .report(
            primary,
            format!(
                "stacks import from each other in a cycle ({}): no deploy order creates them from scratch, and neither export can change while the other stack imports it",
                steps.join("; ")
            ),
        )
        .label(format!("imports `{}` from {}", first.export, stack(first.exporter)))
        .resource(import.owner.resource());
    for d in cycle.iter().skip(1) {
        if let Some(location) = deployment
            .imports
            .get(d.import)
            .and_then(|i| deployment.location(i.stack, i.span))
        {
            finding = finding.related(
                location,
                format!("imports `{}` from {}", d.export, stack(d.exporter)),
            );
        }
    }
    for d in cycle {
        if let Some(location) = deployment
            .export_defs
            .get(d.export_def)
            .and_then(|e| deployment.location(e.stack, e.span))
        {
            finding = finding.related(location, format!("`{}` is exported here", d.export));
        }
    }
    drop(finding.help(break_advice(deployment, cycle)));
}

/// Which import to cut and how: move the resource behind the export that the fewest other resources
/// of its stack depend on.
fn break_advice(deployment: &Deployment, cycle: &[&StackDependency]) -> String {
    let candidate = cycle
        .iter()
        .filter(|d| d.importer != d.exporter)
        .filter_map(|d| {
            backing_resource(deployment, d).map(|(resource, dependents)| (dependents, *d, resource))
        })
        .min_by_key(|(dependents, d, _)| (*dependents, d.importer, d.import));
    let Some((_, d, resource)) = candidate else {
        return "break the cycle at one import: move the resource behind one export into the importing stack (or into a third stack deployed first), or pass its value as a parameter".to_string();
    };
    let (importer, exporter) = (
        deployment.stack_name(d.importer),
        deployment.stack_name(d.exporter),
    );
    let order = deploy_order(cycle, d)
        .into_iter()
        .map(|s| deployment.stack_name(s))
        .collect::<Vec<_>>()
        .join(", then ");
    format!(
        "break the cycle at `!ImportValue {export}` in {importer}: move `{resource}` (exported as `{export}`) from {exporter} into {importer}, or into a third stack deployed before both; then {importer} no longer imports from {exporter}, and the stacks deploy in order: {order}",
        export = d.export,
    )
}

/// The order the cycle's stacks deploy in once the import `cut` is gone: exporters before importers.
fn deploy_order(cycle: &[&StackDependency], cut: &StackDependency) -> Vec<StackId> {
    let mut graph: DiGraph<StackId, ()> = DiGraph::new();
    let mut index = std::collections::BTreeMap::new();
    for d in cycle {
        for stack in [d.importer, d.exporter] {
            index.entry(stack).or_insert_with(|| graph.add_node(stack));
        }
    }
    for d in cycle.iter().filter(|d| d.import != cut.import) {
        if let (Some(&from), Some(&to)) = (index.get(&d.exporter), index.get(&d.importer)) {
            graph.add_edge(from, to, ());
        }
    }
    toposort(&graph, None)
        .map(|order| {
            order
                .into_iter()
                .filter_map(|n| graph.node_weight(n).copied())
                .collect()
        })
        .unwrap_or_default()
}

/// The resource an export's output refers to, and how many other resources of that stack use it.
fn backing_resource(deployment: &Deployment, d: &StackDependency) -> Option<(String, usize)> {
    let template = deployment.template(d.exporter)?;
    let def = deployment.export_defs.get(d.export_def)?;
    let output = template.outputs.get(def.output)?;
    let resource = deployment
        .references(d.exporter)
        .iter()
        .filter(|r| r.owner == Owner::Output(output.name.clone()))
        .filter(|r| matches!(r.kind, RefKind::Ref | RefKind::GetAtt | RefKind::Sub))
        .find(|r| template.resource(&r.target).is_some())?
        .target
        .clone();
    let dependents = deployment
        .references(d.exporter)
        .iter()
        .filter(|r| r.target == resource && matches!(r.owner, Owner::Resource(_)))
        .count();
    Some((resource, dependents))
}
