//! Local API definitions (`AWS::Include`, SAM `DefinitionUri`) and what is not analysed (`COV001`):
//! routes come from the included file with locations in it, suppressions reach it, and a run never
//! says "No problems found" over a part it skipped. Each case has a control that removes the one thing
//! that matters.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;

use common::{check_json, iamlint, locations};
use iamlint::load::file::MemoryFiles;
use iamlint::model::Model;
use iamlint::resolve::ResolveConfig;
use iamlint::{Input, build_deployment_with};

fn model_of(template: &str, files: &[(&str, &str)]) -> Model {
    let inputs = vec![Input {
        path: "app/template.yaml".into(),
        bytes: template.as_bytes().to_vec(),
        explicit: true,
    }];
    let (deployment, errors) =
        build_deployment_with(inputs, &ResolveConfig::default(), &MemoryFiles::new(files));
    assert!(errors.is_empty(), "{errors:?}");
    Model::build(&deployment)
}

const INCLUDE: &str = "Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: prod\n      DefinitionBody:\n        Fn::Transform:\n          Name: AWS::Include\n          Parameters:\n            Location: ./api.yaml\n";
const API: &str = "openapi: 3.0.1\npaths:\n  /items:\n    get:\n      x-amazon-apigateway-integration: {type: mock}\n";

#[test]
fn an_included_document_gives_routes_and_its_absence_a_note() {
    let model = model_of(INCLUDE, &[("app/api.yaml", API)]);
    assert_eq!(model.routes.len(), 1);
    let route = &model.routes[0];
    assert_eq!(
        (route.method.as_str(), route.path.as_str()),
        ("GET", "/items")
    );
    assert!(route.definition_file.is_some());
    assert!(model.not_analysed.is_empty());
    // Control: without the file, no route, and the gap is recorded.
    let model = model_of(INCLUDE, &[]);
    assert!(model.routes.is_empty());
    assert_eq!(model.not_analysed.len(), 1);
    assert_eq!(model.not_analysed[0].gap.as_str(), "missing-file");
}

#[test]
fn a_finding_on_an_included_route_points_into_the_included_file() {
    let (json, code) = check_json(&["fixtures/IAM005/bad-include"]);
    assert_eq!(code, 1);
    assert_eq!(
        locations(&json),
        vec![(
            "IAM005".to_string(),
            "fixtures/IAM005/bad-include/api.yaml".to_string(),
            8,
            5
        )]
    );
    // The summary counts the included file.
    assert_eq!(json["summary"]["files"], 2);
}

#[test]
fn a_comment_in_the_included_file_suppresses_its_finding() {
    let (json, code) = check_json(&["fixtures/IAM005/good-include-suppressed"]);
    assert_eq!(code, 0);
    assert_eq!(json["findings"].as_array().unwrap().len(), 0, "{json:#}");
    // Control: the same deployment without the comment reports IAM005 (fixtures/IAM005/bad-include).
}

#[test]
fn template_metadata_suppressions_cover_the_included_file() {
    let dir = std::env::temp_dir().join(format!("iamlint-include-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let template = std::fs::read_to_string("fixtures/IAM005/bad-include/template.yaml").unwrap();
    let api = std::fs::read_to_string("fixtures/IAM005/bad-include/api.yaml").unwrap();
    std::fs::write(dir.join("api.yaml"), api).unwrap();
    let suppressed = template.replace(
        "  ListOrders:\n    Type: AWS::Serverless::Function\n",
        "  ListOrders:\n    Type: AWS::Serverless::Function\n    Metadata:\n      iamlint:\n        ignore: [IAM005]\n",
    );
    assert_ne!(suppressed, template);
    std::fs::write(dir.join("template.yaml"), &suppressed).unwrap();
    let (json, code) = check_json(&[dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["findings"].as_array().unwrap().len(), 0, "{json:#}");
    // Control: without the Metadata, IAM005.
    std::fs::write(dir.join("template.yaml"), &template).unwrap();
    let (json, _) = check_json(&[dir.to_str().unwrap()]);
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["IAM005"]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn routes_of_included_documents() {
    let run = iamlint(&["routes", "--format", "json", "fixtures/COV001/good"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("routes_included_json", run.stdout);
}

#[test]
fn parts_not_analysed_are_never_no_problems_found() {
    let run = iamlint(&["check", "fixtures/COV001/bad.yaml"]);
    assert_eq!(run.code, 0, "notes do not fail a run");
    assert!(
        run.stdout
            .ends_with("3 parts not analysed (COV001); nothing else found in 1 file.\n"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("No problems found"));
    // Control: everything read, so no COV001 and the usual summary.
    let run = iamlint(&["check", "fixtures/COV001/good"]);
    assert_eq!(run.stdout, "No problems found in 3 files.\n");
}

#[test]
fn a_folder_a_fifo_or_a_huge_file_as_location_is_a_note_not_a_hang() {
    let dir = std::env::temp_dir().join(format!("iamlint-include-odd-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("folder")).unwrap();
    std::fs::write(
        dir.join("huge.yaml"),
        vec![b'#'; (iamlint::load::file::MAX_FILE_BYTES + 1) as usize],
    )
    .unwrap();
    let mut locations = vec!["./folder", "huge.yaml"];
    #[cfg(unix)]
    {
        let made = std::process::Command::new("mkfifo")
            .arg(dir.join("fifo.yaml"))
            .status();
        if made.is_ok_and(|s| s.success()) {
            locations.push("fifo.yaml");
        }
    }
    for location in locations {
        std::fs::write(
            dir.join("template.yaml"),
            INCLUDE.replace("./api.yaml", location),
        )
        .unwrap();
        let (json, code) = check_json(&[dir.join("template.yaml").to_str().unwrap()]);
        assert_eq!(code, 0, "{location}: {json:#}");
        let findings = json["findings"].as_array().unwrap();
        assert_eq!(findings.len(), 1, "{location}: {json:#}");
        assert_eq!(findings[0]["rule"], "COV001");
        let message = findings[0]["message"].as_str().unwrap();
        assert!(
            message.contains("folder")
                || message.contains("larger than")
                || message.contains("not a regular file"),
            "{location}: {message}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
