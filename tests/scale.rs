//! Issue 8: deployments of many SAM/CloudFormation pairs (generator: `tests/common/scale.rs`), each role
//! granted `execute-api:Invoke` on its own pair's API only. IAM001 must report the roles that lack
//! `lambda:InvokeFunction` (every tenth pair) on their own API's routes, and nothing across APIs.
//! `fixtures/multi/two-pairs/` is the 2-pair deployment, written by the generator.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;

use std::collections::BTreeMap;

use common::scale::{self, ROUTES_PER_API, lacks_lambda_grant};
use common::{mesh, root};
use iamlint::deployment_from_texts;
use iamlint::resolve::ResolveConfig;
use iamlint::rules::run_all;

const TWO_PAIRS: &str = "fixtures/multi/two-pairs";

/// `(file of the finding, its resource, file of the route, severity)` → how many IAM001 findings.
type Breakdown = BTreeMap<(String, String, String, String), usize>;

/// The IAM001 findings of a deployment, counted by where they point.
fn iam001(files: &[(String, String)]) -> Breakdown {
    let texts: Vec<(&str, &str)> = files
        .iter()
        .map(|(path, text)| (path.as_str(), text.as_str()))
        .collect();
    let (deployment, load_errors) = deployment_from_texts(&texts, &ResolveConfig::default());
    assert!(load_errors.is_empty(), "the generated templates load");
    let path = |location: &iamlint::source::Location| {
        deployment
            .sources
            .get(location.file)
            .map(|f| f.display_path())
            .unwrap_or_default()
    };
    let mut breakdown = Breakdown::new();
    for finding in run_all(&deployment, &load_errors, &[]) {
        if finding.rule.code != "IAM001" {
            continue;
        }
        let route = finding
            .related
            .first()
            .map(|label| path(&label.location))
            .unwrap_or_default();
        let key = (
            path(&finding.primary.location),
            finding.resource.clone().unwrap_or_default(),
            route,
            finding.severity.to_string(),
        );
        *breakdown.entry(key).or_default() += 1;
    }
    breakdown
}

/// The right IAM001 findings for `pairs` pairs under `dir`: one error per route of each pair whose role
/// lacks the Lambda grant, on that pair's role.
fn expected(pairs: usize, dir: &str) -> Breakdown {
    (0..pairs)
        .filter(|i| lacks_lambda_grant(*i))
        .map(|i| {
            let key = (
                format!("{dir}cfn-{i}.yaml"),
                "CallerRole".to_string(),
                format!("{dir}sam-{i}.yaml"),
                "error".to_string(),
            );
            (key, ROUTES_PER_API)
        })
        .collect()
}

#[test]
fn two_pairs_fixture_is_the_generator_output() {
    let dir = root().join(TWO_PAIRS);
    let generated = scale::deployment(2);
    if std::env::var_os("IAMLINT_BLESS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in &generated {
            std::fs::write(dir.join(name), text).unwrap();
        }
    }
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut names: Vec<String> = generated.iter().map(|(name, _)| name.clone()).collect();
    names.sort();
    assert_eq!(on_disk, names, "{TWO_PAIRS}: files");
    for (name, text) in &generated {
        let file = std::fs::read_to_string(dir.join(name)).unwrap();
        assert!(
            file == *text,
            "{TWO_PAIRS}/{name} differs from tests/common/scale.rs; regenerate it with `IAMLINT_BLESS=1 cargo test --test scale`"
        );
    }
}

/// The 2-pair deployment: pair 0's role lacks the Lambda grant, so exactly its 10 routes.
#[test]

fn two_pairs_give_ten_iam001_on_pair_0() {
    let files: Vec<(String, String)> = scale::deployment(2)
        .into_iter()
        .map(|(name, _)| {
            let path = format!("{TWO_PAIRS}/{name}");
            let text = std::fs::read_to_string(root().join(&path)).unwrap();
            (path, text)
        })
        .collect();
    let found = iam001(&files);
    assert_eq!(found, expected(2, &format!("{TWO_PAIRS}/")));
    assert_eq!(found.values().sum::<usize>(), 10);
}

/// 500 pairs: the 50 roles without the Lambda grant × their 10 routes.
#[test]

fn five_hundred_pairs_give_five_hundred_iam001() {
    let found = iam001(&scale::deployment(500));
    assert_eq!(found, expected(500, ""));
    assert_eq!(found.values().sum::<usize>(), 500);
}

/// The mesh of 200 stacks of `tests/common/mesh.rs`, loaded (with the wrap-around import: a cycle).
fn mesh_deployment(
    cyclic: bool,
) -> (
    iamlint::deployment::Deployment,
    Vec<(iamlint::source::FileId, iamlint::load::LoadError)>,
) {
    let files = mesh::mesh(200, cyclic);
    let texts: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let loaded = deployment_from_texts(&texts, &ResolveConfig::default());
    assert!(loaded.1.is_empty(), "the generated templates load");
    loaded
}

/// Issue 14: 200 stacks that import from one another in one big cycle (generator:
/// `tests/common/mesh.rs`): REF004 reports that one cycle with all 600 imports, and `graph` puts each
/// stack's nodes in its own cluster and links every import to its export.
#[test]
fn a_mesh_of_two_hundred_stacks_is_one_import_cycle() {
    let (deployment, load_errors) = mesh_deployment(true);
    let cycles: Vec<_> = run_all(&deployment, &load_errors, &[])
        .into_iter()
        .filter(|f| f.rule.code == "REF004")
        .collect();
    assert_eq!(cycles.len(), 1, "one cycle through every stack");
    // The first import is the primary location; the other 599 imports and the 600 exports are related.
    assert_eq!(cycles[0].related.len(), 599 + 600);

    let graph: serde_json::Value =
        serde_json::from_str(&iamlint::report::graph::json(&deployment)).unwrap();
    let kind_count = |key: &str, kind: &str| {
        graph[key]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["kind"] == kind)
            .count()
    };
    assert_eq!(kind_count("nodes", "resource"), 200 * 4);
    assert_eq!(kind_count("nodes", "export"), 200);
    assert_eq!(kind_count("edges", "Fn::ImportValue"), 600);
    assert_eq!(kind_count("edges", "Export"), 200);

    let dot = iamlint::report::graph::dot(&deployment);
    assert_eq!(dot.matches("subgraph cluster_").count(), 200);
    let cluster_7 = dot.split("subgraph cluster_7 {").nth(1).unwrap();
    let cluster_7 = cluster_7.split("  }\n").next().unwrap();
    assert!(cluster_7.contains("label=\"stack-7.yaml\""));
    assert_eq!(cluster_7.matches("shape=box").count(), 4, "{cluster_7}");
}

/// The same mesh without the wrap-around: every import reaches back to an earlier stack, so no cycle.
#[test]
fn an_acyclic_mesh_has_no_import_cycle() {
    let (deployment, load_errors) = mesh_deployment(false);
    let findings = run_all(&deployment, &load_errors, &[]);
    assert!(
        findings.iter().all(|f| f.rule.code != "REF004"),
        "{:?}",
        findings.iter().map(|f| f.rule.code).collect::<Vec<_>>()
    );
    let imports: usize = (0..200)
        .map(|i| mesh::imported_stacks(i, 200, false).len())
        .sum();
    assert_eq!(deployment.stack_dependencies().len(), imports);
}
