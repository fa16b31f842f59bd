//! Machine formats of `iamlint check` on the seed: SARIF as GitHub code scanning reads it (percent-encoded
//! URIs, security-severity, related locations linked from the message), `concise`, `junit`, `gitlab`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;

use common::{check_json, iamlint, root};
use serde_json::{Value, json};

fn check(format: &str, path: &str) -> common::Run {
    let run = iamlint(&["check", "--format", format, path]);
    assert!(run.code == 0 || run.code == 1, "stderr: {}", run.stderr);
    run
}

fn sarif(path: &str) -> Value {
    let run = check("sarif", path);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.stdout))
}

/// The run's rules that its results use (without their long `help`), and its results; `%SRCROOT%`
/// written as `file:///ROOT/` (the checkout's folder differs between machines).
fn sarif_for_snapshot(log: &Value) -> Value {
    let run = &log["runs"][0];
    let results = run["results"].as_array().unwrap();
    let used: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    let rules: Vec<Value> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| used.contains(&r["id"].as_str().unwrap()))
        .map(|r| {
            let mut r = r.clone();
            r.as_object_mut().unwrap().remove("help");
            r
        })
        .collect();
    json!({
        "originalUriBaseIds": {"%SRCROOT%": {"uri": "file:///ROOT/"}},
        "automationDetails": run["automationDetails"],
        "driver": {
            "name": run["tool"]["driver"]["name"],
            "informationUri": run["tool"]["driver"]["informationUri"],
        },
        "rules": rules,
        "results": results,
    })
}

/// `%SRCROOT%` is the current folder as a percent-encoded `file://` URI with a trailing slash.
#[test]
fn sarif_srcroot_is_the_current_folder() {
    let log = sarif("fixtures/seed");
    let base = log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    let expected = url::Url::from_directory_path(root().canonicalize().unwrap()).unwrap();
    assert_eq!(base, expected.as_str());
    assert!(base.starts_with("file:///") && base.ends_with('/'));
    let driver = &log["runs"][0]["tool"]["driver"];
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        driver["informationUri"],
        "https://github.com/iamlint/iamlint"
    );
    assert_eq!(log["runs"][0]["automationDetails"]["id"], "iamlint/");
}

/// Rules: `security` only on IAM/CORS/EDGE rules, with a security-severity; every rule has a helpUri to
/// its doc in the repository, which exists.
#[test]
fn sarif_rules_say_what_github_ranks_by() {
    let log = sarif("fixtures/seed");
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for rule in rules {
        let code = rule["id"].as_str().unwrap();
        let tags: Vec<&str> = rule["properties"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        let security = ["IAM", "CORS", "EDGE"].iter().any(|f| code.starts_with(f));
        assert_eq!(tags.contains(&"security"), security, "{code}: {tags:?}");
        let severity = rule["properties"]["security-severity"].as_str();
        assert_eq!(severity.is_some(), security, "{code}");
        if let Some(severity) = severity {
            let value: f64 = severity.parse().unwrap();
            assert!((0.1..=10.0).contains(&value), "{code}: {severity}");
        }
        assert!(rule["properties"]["precision"].is_string());
        let help_uri = rule["helpUri"].as_str().unwrap();
        let doc = help_uri
            .strip_prefix("https://github.com/iamlint/iamlint/blob/main/")
            .unwrap();
        assert!(root().join(doc).is_file(), "{help_uri}");
        assert!(rule["fullDescription"]["text"].as_str().unwrap().len() > 20);
    }
}

/// The seed's SARIF: security-severity on the rules, CORS001's and REF004's related locations linked
/// from their messages as `[text](id)`.
#[test]
fn sarif_seed_snapshot() {
    let log = sarif("fixtures/seed");
    let results = log["runs"][0]["results"].as_array().unwrap();
    for result in results {
        let text = result["message"]["text"].as_str().unwrap();
        for related in result["relatedLocations"].as_array().unwrap() {
            let link = format!("]({})", related["id"]);
            assert!(text.contains(&link), "{link} missing from {text}");
        }
    }
    insta::assert_json_snapshot!("formats_seed_sarif", sarif_for_snapshot(&log));
}

/// A folder whose path holds spaces and `é`: its URI is percent-encoded and relative to `%SRCROOT%`.
#[test]
fn sarif_uris_are_percent_encoded() {
    let log = sarif("fixtures/sarif/dir with spaces é");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for result in results {
        let artifact = &result["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(
            artifact["uri"],
            "fixtures/sarif/dir%20with%20spaces%20%C3%A9/template.yaml"
        );
        assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
    }
}

/// A file outside the current folder gets an absolute `file://` URI.
#[test]
fn sarif_file_outside_the_current_folder_is_absolute() {
    let run = common::iamlint_in(
        "fixtures/seed",
        &["check", "--format", "sarif", "../REF004/bad"],
    );
    let log: Value = serde_json::from_str(&run.stdout).unwrap();
    let uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"]
        .as_str()
        .unwrap();
    assert!(
        uri.starts_with("file:///") && uri.contains("/fixtures/REF004/bad/"),
        "{uri}"
    );
}

/// `concise`: one line per finding, `path:line:col: CODE [severity] message`.
#[test]
fn concise_seed_is_one_line_per_finding() {
    let run = check("concise", "fixtures/seed");
    assert_eq!(run.code, 1);
    let (json, _) = check_json(&["fixtures/seed"]);
    let findings = json["findings"].as_array().unwrap();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), findings.len());
    for (line, finding) in lines.iter().zip(findings) {
        let prefix = format!(
            "{}:{}:{}: {} [{}] ",
            finding["file"].as_str().unwrap(),
            finding["line"],
            finding["column"],
            finding["rule"].as_str().unwrap(),
            finding["severity"].as_str().unwrap()
        );
        assert!(
            line.starts_with(&prefix),
            "{line} does not start with {prefix}"
        );
    }
    insta::assert_snapshot!("formats_seed_concise", run.stdout);
    assert_eq!(check("concise", "fixtures/IAM001/good").stdout, "");
}

/// `junit`: a test suite per rule, a failing test case per finding, everything escaped.
#[test]
fn junit_seed() {
    let run = check("junit", "fixtures/seed");
    assert_eq!(run.code, 1);
    let (json, _) = check_json(&["fixtures/seed"]);
    let findings = json["findings"].as_array().unwrap().len();
    assert!(
        run.stdout
            .starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites ")
    );
    assert_eq!(run.stdout.matches("<testcase ").count(), findings);
    assert_eq!(run.stdout.matches("<failure ").count(), findings);
    assert_eq!(run.stdout.matches("</failure>").count(), findings);
    insta::assert_snapshot!("formats_seed_junit", run.stdout);
    let clean = check("junit", "fixtures/IAM001/good");
    assert!(clean.stdout.contains("<testcase name=\"no findings\""));
}

fn gitlab_fingerprints(path: &str) -> Vec<String> {
    let report: Value = serde_json::from_str(&check("gitlab", path).stdout).unwrap();
    report
        .as_array()
        .unwrap()
        .iter()
        .map(|issue| issue["fingerprint"].as_str().unwrap().to_string())
        .collect()
}

/// `gitlab`: Code Quality issues with unique fingerprints that survive a line added above.
#[test]
fn gitlab_seed() {
    let run = check("gitlab", "fixtures/seed");
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let issues = report.as_array().unwrap();
    let (json, _) = check_json(&["fixtures/seed"]);
    assert_eq!(issues.len(), json["findings"].as_array().unwrap().len());
    for issue in issues {
        let severity = issue["severity"].as_str().unwrap();
        assert!(["info", "minor", "major", "critical", "blocker"].contains(&severity));
        assert!(issue["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
    }
    insta::assert_snapshot!("formats_seed_gitlab", run.stdout);

    let mut before = gitlab_fingerprints("fixtures/seed");
    let unique: std::collections::BTreeSet<&String> = before.iter().collect();
    assert_eq!(unique.len(), before.len(), "fingerprints are unique");
    // The same templates with a line added above, under the same relative path.
    let dir = std::env::temp_dir().join(format!("iamlint-gitlab-{}", std::process::id()));
    let copy = dir.join("fixtures/seed");
    std::fs::create_dir_all(&copy).unwrap();
    for name in ["sam.yaml", "cfn.yaml"] {
        let text = std::fs::read_to_string(root().join("fixtures/seed").join(name)).unwrap();
        std::fs::write(copy.join(name), format!("# an unrelated edit\n{text}")).unwrap();
    }
    let output = assert_cmd::Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(["check", "--format", "gitlab", "fixtures/seed"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let shifted: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut after: Vec<String> = shifted
        .as_array()
        .unwrap()
        .iter()
        .map(|issue| issue["fingerprint"].as_str().unwrap().to_string())
        .collect();
    before.sort();
    after.sort();
    assert_eq!(before, after);
    std::fs::remove_dir_all(&dir).ok();
}
