//! Parameters as deployed (issue 12): `--config-env` reads samconfig, `--parameter-file` reads
//! CloudFormation and CodePipeline files, `.iamlint.yaml` gives per-stack values; the precedence
//! command line > parameter file > samconfig > config > Default; PAR001 and PAR002 at the place a
//! value is written.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;

use common::{check_json, iamlint, locations, root};
use iamlint::parameters::{Inputs, Source};

const PROJECT: &str = "fixtures/params/sam-project";

fn rules_of(json: &serde_json::Value) -> Vec<String> {
    locations(json).into_iter().map(|(rule, ..)| rule).collect()
}

/// The two config-envs of one samconfig.toml flip an IAM001: `dev` grants the function the route
/// calls, `prod` another one.
#[test]
fn config_envs_flip_iam001() {
    let (defaults, code) = check_json(&[PROJECT]);
    assert_eq!((rules_of(&defaults), code), (vec![], 0));
    let (dev, code) = check_json(&["--config-env", "dev", PROJECT]);
    assert_eq!((rules_of(&dev), code), (vec![], 0));
    let (prod, code) = check_json(&["--config-env", "prod", PROJECT]);
    assert_eq!((rules_of(&prod), code), (vec!["IAM001".to_string()], 1));
    let run = iamlint(&["check", "--config-env", "prod", PROJECT]);
    insta::assert_snapshot!("params_config_env_prod_human", run.stdout);
}

/// A CloudFormation parameter file and a CodePipeline one, located findings in the file.
#[test]
fn parameter_files() {
    let file = format!("{PROJECT}/params-prod.json");
    let (json, code) = check_json(&["--parameter-file", &file, PROJECT]);
    assert_eq!((rules_of(&json), code), (vec!["IAM001".to_string()], 1));
    let pipeline = format!("{PROJECT}/params-codepipeline.json");
    let (json, code) = check_json(&["--parameter-file", &pipeline, PROJECT]);
    assert_eq!(code, 1);
    assert_eq!(
        locations(&json),
        [(
            "PAR002".to_string(),
            format!("{PROJECT}/params-codepipeline.json"),
            3,
            12
        )]
    );
    insta::assert_snapshot!(
        "params_codepipeline_file_json",
        iamlint(&[
            "check",
            "--format",
            "json",
            "--parameter-file",
            &pipeline,
            PROJECT
        ])
        .stdout
    );
}

/// `--param Envv=prd`: a warning that names `Env`, at its declaration (there is no file to point at).
#[test]
fn typo_on_the_command_line_suggests_the_declared_name() {
    let run = iamlint(&["check", "--param", "Envv=prd", PROJECT]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("did you mean `Env`?"), "{}", run.stdout);
    insta::assert_snapshot!("params_typo_param_human", run.stdout);
}

/// A typo'd name and a value outside AllowedValues in samconfig, each at its place on the line.
#[test]
fn samconfig_typo_and_allowed_values() {
    let (json, code) = check_json(&["--config-env", "typo", PROJECT]);
    assert_eq!(code, 1);
    let samconfig = format!("{PROJECT}/samconfig.toml");
    assert_eq!(
        locations(&json),
        [
            ("PAR001".to_string(), samconfig.clone(), 17, 24),
            ("PAR002".to_string(), samconfig, 17, 34),
        ]
    );
    insta::assert_snapshot!(
        "params_samconfig_typo_human",
        iamlint(&["check", "--config-env", "typo", PROJECT]).stdout
    );
}

/// An AllowedPattern violation on the command line, located at the declaration (no file to point at).
#[test]
fn allowed_pattern_on_the_command_line() {
    let (json, code) = check_json(&["--param", "InvokedFunction=Bad_Name", PROJECT]);
    assert_eq!(code, 1);
    let template = format!("{PROJECT}/template.yaml");
    assert_eq!(
        locations(&json),
        [
            ("PAR002".to_string(), template.clone(), 9, 3),
            // The value is still what is checked: it names another function.
            ("IAM001".to_string(), template, 49, 17),
        ]
    );
    let message = json["findings"][0]["message"].as_str().unwrap();
    assert!(message.contains("on the command line"), "{message}");
}

/// An environment samconfig lacks: exit 2, the environments listed, a suggestion.
#[test]
fn unknown_config_env_is_a_usage_error() {
    let run = iamlint(&["check", "--config-env", "prd", PROJECT]);
    assert_eq!(run.code, 2);
    insta::assert_snapshot!("params_unknown_config_env", run.stderr);
    let none = iamlint(&["check", "--config-env", "prod", "fixtures/seed"]);
    assert_eq!(none.code, 2);
    assert!(none.stderr.contains("no samconfig.toml"), "{}", none.stderr);
}

#[test]
fn unreadable_parameter_file_is_a_usage_error() {
    let run = iamlint(&[
        "check",
        "--parameter-file",
        "fixtures/params/sam-project/template.yaml",
        PROJECT,
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("template.yaml:1:1:"),
        "a parse error with its place: {}",
        run.stderr
    );
    let missing = iamlint(&["check", "--parameter-file", "no-such.json", PROJECT]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("no-such.json"),
        "{}",
        missing.stderr
    );
}

/// Which input wins, per parameter: command line > parameter file > samconfig > config (`stacks:`
/// over `parameters`) > Default.
#[test]
fn precedence() {
    let folder = "fixtures/PAR002/good";
    let config = iamlint::config::load(&root().join(folder).join(".iamlint.yaml")).unwrap();
    let source_of = |inputs: Inputs, name: &str| {
        let settings = iamlint::Settings {
            paths: vec![root().join(folder).join("template.yaml")],
            config: Some(config.clone()),
            parameters: inputs,
            ..iamlint::Settings::default()
        };
        let (deployment, _, errors) = iamlint::load_deployment(&settings);
        assert!(errors.is_empty(), "{errors:?}");
        let supplied = deployment.config.stack_parameters[0].get(name).cloned();
        supplied.map(|s| (s.source, s.value))
    };
    // Config only: the `stacks:` entry over the top-level value.
    let config_only = Inputs::default();
    assert_eq!(
        source_of(config_only, "Team"),
        Some((Source::Samconfig, "shop".to_string())),
        "the config names sam-config-env: samconfig over config"
    );
    let file = root().join(PROJECT).join("params-codepipeline.json");
    let with_file = Inputs {
        parameter_files: vec![file.clone()],
        ..Inputs::default()
    };
    assert_eq!(
        source_of(with_file, "Env"),
        Some((Source::ParameterFile, "staging".to_string()))
    );
    let with_param = Inputs {
        parameter_files: vec![file],
        command_line: vec![("Env".to_string(), "prod".to_string())],
        ..Inputs::default()
    };
    assert_eq!(
        source_of(with_param, "Env"),
        Some((Source::CommandLine, "prod".to_string()))
    );
    // Without the samconfig env, the `stacks:` entry (Env: dev) over the top-level value.
    let mut no_env = config.clone();
    no_env.sam_config_env = None;
    no_env
        .parameters
        .insert("Env".to_string(), "prod".to_string());
    let settings = iamlint::Settings {
        paths: vec![root().join(folder).join("template.yaml")],
        config: Some(no_env),
        ..iamlint::Settings::default()
    };
    let (deployment, _, _) = iamlint::load_deployment(&settings);
    let env = deployment.config.stack_parameters[0].get("Env").unwrap();
    assert_eq!((env.source, env.value.as_str()), (Source::Config, "dev"));
}

/// A fresh folder holding the PAR002 `good/` template and `samconfig.toml` with `samconfig`.
fn project_with_samconfig(name: &str, samconfig: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("iamlint-params-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let template =
        std::fs::read_to_string(root().join("fixtures/PAR002/good/template.yaml")).unwrap();
    std::fs::write(dir.join("template.yaml"), template).unwrap();
    std::fs::write(dir.join("samconfig.toml"), samconfig).unwrap();
    dir
}

/// A broken samconfig is a usage error at its line; `template_file` naming another template leaves
/// this one without samconfig values; escapes in a TOML string still split like a shell.
#[test]
fn samconfig_edge_cases() {
    let broken = project_with_samconfig("broken", "[prod.deploy.parameters\nx = 1\n");
    let run = iamlint(&["check", "--config-env", "prod", broken.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("samconfig.toml:1:"), "{}", run.stderr);
    let other = project_with_samconfig(
        "other",
        "[prod.deploy.parameters]\ntemplate_file = \"infra/other.yaml\"\nparameter_overrides = \"Env=prd\"\n",
    );
    let (json, code) = check_json(&["--config-env", "prod", other.to_str().unwrap()]);
    assert_eq!((rules_of(&json), code), (vec![], 0));
    let named = project_with_samconfig(
        "named",
        "[prod.deploy.parameters]\ntemplate_file = \"./template.yaml\"\nparameter_overrides = \"Team=\\\"a b\\\" Env=prd\"\n",
    );
    let (json, _) = check_json(&["--config-env", "prod", named.to_str().unwrap()]);
    let messages: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("`a b`")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("`prd`")), "{messages:?}");
    for dir in [broken, other, named] {
        std::fs::remove_dir_all(dir).ok();
    }
}
