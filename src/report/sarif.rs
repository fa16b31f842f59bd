//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.
//!
//! Every rule is described (summary, full doc as help Markdown, `helpUri` to its doc, default level,
//! `security-severity`, `precision`, tags); results carry real regions, related locations in the other
//! files of a cross-stack finding (linked from the message as `[text](id)`, so GitHub shows them),
//! percent-encoded URIs relative to `%SRCROOT%` (the current folder, given in `originalUriBaseIds`), and a
//! fingerprint that ignores line numbers, so it survives unrelated edits.
//!
//! `security-severity` (GitHub ranks alerts by it: 9.0 and above critical, 7.0 high, 4.0 medium, below
//! low) is given to security rules only (IAM*, CORS*, EDGE*; GitHub ignores it on other rules). It comes
//! from the rule's default severity and its impact ([`Impact`]):
//!
//! | impact | error | warning | note |
//! | --- | --- | --- | --- |
//! | exposure (more access than meant: IAM006, IAM007, IAM008, CORS001, CORS002) | 9.1 | 7.0 | 3.5 |
//! | breakage (legitimate calls denied, a route that cannot work: the others) | 7.5 | 5.0 | 2.0 |

use std::path::{Component, Path, PathBuf};

use serde_json::{Value, json};
use url::Url;

use super::Position;
use crate::finding::{Finding, Severity};
use crate::rules::{ALL_RULES, RuleMeta};
use crate::source::{Location, SourceMap};
use crate::suppress::{Audit, Suppressed, SuppressedBy};

/// The project's repository: `informationUri`, and the base of every rule's `helpUri`.
pub const REPOSITORY: &str = "https://github.com/iamlint/iamlint";

/// The `uriBaseId` of every relative artifact URI.
const SRCROOT: &str = "%SRCROOT%";

/// Names the run's `automationDetails.id` category (`iamlint/<category>/`); set but empty: no
/// `automationDetails`. Unset: `iamlint/`.
pub const CATEGORY_VARIABLE: &str = "IAMLINT_SARIF_CATEGORY";

/// The SARIF log as pretty-printed JSON, relative to the current folder, with the automation id that
/// [`CATEGORY_VARIABLE`] gives.
pub fn render(sources: &SourceMap, findings: &[Finding], audited: Audited<'_>) -> String {
    let root = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let automation_id = automation_id(std::env::var(CATEGORY_VARIABLE).ok().as_deref());
    render_log(sources, findings, audited, &root, automation_id.as_deref())
}

/// What the configuration silenced, for the log's invocation and its suppressed results.
#[derive(Debug, Clone, Copy)]
pub struct Audited<'a> {
    pub suppressed: &'a [Suppressed],
    pub audit: &'a Audit,
}

/// `iamlint/` (no category given), `iamlint/<category>/`, or none (an empty category).
pub fn automation_id(category: Option<&str>) -> Option<String> {
    match category.map(|c| c.trim().trim_matches('/')) {
        None => Some("iamlint/".to_string()),
        Some("") => None,
        Some(category) => Some(format!("iamlint/{category}/")),
    }
}

/// The SARIF log for a run in folder `root` (the `%SRCROOT%`).
pub fn render_log(
    sources: &SourceMap,
    findings: &[Finding],
    audited: Audited<'_>,
    root: &Path,
    automation_id: Option<&str>,
) -> String {
    let base = Url::from_directory_path(normalize(root)).ok();
    let artifacts = Artifacts { root, base };
    let rules: Vec<Value> = ALL_RULES.iter().map(|r| rule(r.meta())).collect();
    let mut results: Vec<Value> = findings
        .iter()
        .map(|f| result(sources, &artifacts, f))
        .collect();
    results.extend(
        audited
            .suppressed
            .iter()
            .map(|s| suppressed_result(sources, &artifacts, s)),
    );
    let base_uri = artifacts
        .base
        .as_ref()
        .map(Url::to_string)
        .unwrap_or_else(|| "file:///".to_string());
    // The large arrays are moved in, not passed to `json!`, which would copy each (`to_value`).
    let mut driver = json!({
        "name": "iamlint",
        "fullName": format!("iamlint {}", env!("CARGO_PKG_VERSION")),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "version": env!("CARGO_PKG_VERSION"),
        "informationUri": REPOSITORY,
    });
    if let Some(object) = driver.as_object_mut() {
        object.insert("rules".to_string(), Value::Array(rules));
    }
    let mut run = json!({
        "originalUriBaseIds": {SRCROOT: {"uri": base_uri}},
        "invocations": [invocation(&artifacts, audited.audit)],
    });
    if let Some(object) = run.as_object_mut() {
        object.insert("tool".to_string(), json!({}));
        if let Some(tool) = object.get_mut("tool").and_then(Value::as_object_mut) {
            tool.insert("driver".to_string(), driver);
        }
        object.insert("results".to_string(), Value::Array(results));
        if let Some(id) = automation_id {
            object.insert("automationDetails".to_string(), json!({"id": id}));
        }
    }
    let mut log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
    });
    if let Some(object) = log.as_object_mut() {
        object.insert("runs".to_string(), Value::Array(vec![run]));
    }
    serde_json::to_string_pretty(&log).unwrap_or_default() + "\n"
}

/// A finding a suppression silenced: a result with `suppressions` (`inSource` for a comment or
/// Metadata, `external` for a config), so code scanning shows it as suppressed, not as fixed.
fn suppressed_result(sources: &SourceMap, artifacts: &Artifacts, suppressed: &Suppressed) -> Value {
    let mut value = result(sources, artifacts, &suppressed.finding);
    let (kind, justification) = match &suppressed.by {
        SuppressedBy::Source => (
            "inSource",
            suppressed
                .reason
                .clone()
                .unwrap_or_else(|| "suppressed in the template".to_string()),
        ),
        SuppressedBy::Config(path) => ("external", format!("turned off by {}", path.display())),
    };
    if let Some(object) = value.as_object_mut() {
        object.insert(
            "suppressions".to_string(),
            json!([{"kind": kind, "status": "accepted", "justification": justification}]),
        );
    }
    value
}

/// The run's invocation: the config files used (as `userSpecifiedConfiguration`-style locations) and
/// how many findings they and the templates' suppressions silenced, also as a notification a
/// reader sees.
fn invocation(artifacts: &Artifacts, audit: &Audit) -> Value {
    let configs: Vec<Value> = audit
        .configs
        .iter()
        .map(|p| json!({"artifactLocation": artifacts.location(&p.display().to_string())}))
        .collect();
    let mut invocation = json!({
        "executionSuccessful": true,
        "properties": {
            "configFiles": audit.configs.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
            "suppressedByConfig": audit.off_by_config,
            "severityLoweredByConfig": audit.lowered_by_config,
            "suppressedInSource": audit.in_source,
            "refusedInSource": audit.refused_in_source.iter().map(|r| json!({
                "file": r.path, "line": r.line, "rule": r.rule,
            })).collect::<Vec<_>>(),
        },
    });
    if let (Some(sentence), Some(object)) = (audit.sentence(), invocation.as_object_mut()) {
        let mut notification =
            json!({"message": {"text": escape_brackets(&sentence)}, "level": "note"});
        if let (Some(first), Some(n)) = (configs.first(), notification.as_object_mut()) {
            n.insert(
                "locations".to_string(),
                json!([{"physicalLocation": first}]),
            );
        }
        object.insert(
            "toolConfigurationNotifications".to_string(),
            json!([notification]),
        );
    }
    let skipped: Vec<Value> = audit
        .skipped
        .iter()
        .map(|s| skipped_notification(artifacts, s))
        .collect();
    if let (false, Some(object)) = (skipped.is_empty(), invocation.as_object_mut()) {
        object.insert(
            "toolExecutionNotifications".to_string(),
            Value::Array(skipped),
        );
    }
    invocation
}

/// A template discovery found and did not read (a config's `exclude`, an ignore rule, a link), as
/// a tool execution notification at the template's path.
fn skipped_notification(artifacts: &Artifacts, skipped: &crate::discover::Skipped) -> Value {
    let path = skipped.display_path();
    json!({
        "descriptor": {"id": "skipped-template"},
        "level": "note",
        "message": {"text": escape_brackets(&format!("skipped {path}: {}", skipped.reason))},
        "locations": [{"physicalLocation": {"artifactLocation": artifacts.location(&path)}}],
    })
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// Ends a sentence with a period, as SARIF viewers expect.
fn sentence(text: &str) -> String {
    let text = text.trim();
    if text.ends_with(['.', '!', '?']) {
        text.to_string()
    } else {
        format!("{text}.")
    }
}

/// What a security rule's finding means for the deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Impact {
    /// More access than meant: unauthenticated or any-origin credentialed callers, overbroad grants.
    Exposure,
    /// Legitimate calls are denied or a route cannot work as written.
    Breakage,
}

/// Rules whose findings grant more access than the template means to.
const EXPOSURE_RULES: &[&str] = &["IAM006", "IAM007", "IAM008", "CORS001", "CORS002"];

/// Security rules: the IAM, CORS and edge (CloudFront) rules. Template, reference, coverage,
/// suppression and parameter rules are about correctness, not security.
pub fn is_security_rule(code: &str) -> bool {
    ["IAM", "CORS", "EDGE"]
        .iter()
        .any(|family| code.starts_with(family))
}

pub fn impact(code: &str) -> Impact {
    if EXPOSURE_RULES.contains(&code) {
        Impact::Exposure
    } else {
        Impact::Breakage
    }
}

/// GitHub's `security-severity` of a security rule (see the module doc's table).
pub fn security_severity(severity: Severity, impact: Impact) -> &'static str {
    match (impact, severity) {
        (Impact::Exposure, Severity::Error) => "9.1",
        (Impact::Exposure, Severity::Warning) => "7.0",
        (Impact::Exposure, Severity::Note) => "3.5",
        (Impact::Breakage, Severity::Error) => "7.5",
        (Impact::Breakage, Severity::Warning) => "5.0",
        (Impact::Breakage, Severity::Note) => "2.0",
    }
}

/// How often a rule's findings are right: errors are reported only when definite; warnings are
/// definite but may be intended; notes include what iamlint could not decide.
fn precision(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "very-high",
        Severity::Warning => "high",
        Severity::Note => "medium",
    }
}

/// The rule family's tag apart from `security`.
fn family_tag(code: &str) -> &'static str {
    match code.get(..3) {
        Some("IAM") => "iam",
        Some("COR") => "cors",
        Some("EDG") => "cloudfront",
        Some("COV") => "coverage",
        Some("SUP") => "maintainability",
        _ => "correctness",
    }
}

/// The rule doc's address in the repository.
pub fn help_uri(meta: &RuleMeta) -> String {
    format!(
        "{REPOSITORY}/blob/main/rules/{}-{}.md",
        meta.code, meta.name
    )
}

/// The doc's `## What it does` section, up to the next heading.
fn what_it_does(meta: &RuleMeta) -> Vec<&'static str> {
    let doc: &'static str = meta.doc;
    doc.lines()
        .skip_while(|line| line.trim() != "## What it does")
        .skip(1)
        .take_while(|line| !line.starts_with('#'))
        .collect()
}

/// `fullDescription`: as text, the summary and the first paragraph of `## What it does` (unless that
/// paragraph introduces a list); as Markdown, the summary and the whole section.
fn full_description(meta: &RuleMeta) -> Value {
    let summary = sentence(meta.summary());
    let section = what_it_does(meta);
    let first: Vec<&str> = section
        .iter()
        .map(|line| line.trim())
        .skip_while(|line| line.is_empty())
        .take_while(|line| !line.is_empty())
        .collect();
    let first = first.join(" ");
    let text = if first.is_empty() || first.ends_with(':') {
        summary.clone()
    } else {
        format!("{summary} {}", sentence(&first))
    };
    let markdown = format!("{summary}\n\n{}", section.join("\n").trim());
    json!({"text": text, "markdown": markdown.trim_end()})
}

fn rule(meta: &'static RuleMeta) -> Value {
    let security = is_security_rule(meta.code);
    let mut tags = vec![family_tag(meta.code)];
    if security {
        tags.insert(0, "security");
    }
    let mut properties = json!({
        "tags": tags,
        "precision": precision(meta.severity),
        "iamlint-name": meta.name,
    });
    if security && let Some(object) = properties.as_object_mut() {
        object.insert(
            "security-severity".to_string(),
            json!(security_severity(meta.severity, impact(meta.code))),
        );
    }
    json!({
        "id": meta.code,
        "name": pascal(meta.name),
        "shortDescription": {"text": sentence(meta.summary())},
        "fullDescription": full_description(meta),
        "help": {"text": meta.doc, "markdown": meta.doc},
        "helpUri": help_uri(meta),
        "defaultConfiguration": {"level": level(meta.severity)},
        "properties": properties,
    })
}

/// `caller-missing-lambda-invoke` → `CallerMissingLambdaInvoke` (SARIF's convention for rule names).
fn pascal(name: &str) -> String {
    name.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Turns report paths into artifact locations.
struct Artifacts<'a> {
    /// The folder paths are relative to.
    root: &'a Path,
    /// `root` as a `file://` URI with a trailing slash (none when `root` is not absolute).
    base: Option<Url>,
}

impl Artifacts<'_> {
    /// A percent-encoded URI relative to `%SRCROOT%` for a file below the root; an absolute `file://`
    /// URI for one outside it (code scanning cannot place it in the repository otherwise).
    fn location(&self, path: &str) -> Value {
        let full = normalize(&self.root.join(path));
        let Ok(file) = Url::from_file_path(&full) else {
            return json!({"uri": percent_encode_path(path)});
        };
        if let Some(base) = &self.base
            && file.as_str().starts_with(base.as_str())
            && let Some(relative) = base.make_relative(&file)
        {
            return json!({"uri": no_scheme_in_first_segment(relative), "uriBaseId": SRCROOT});
        }
        json!({"uri": file.to_string()})
    }
}

/// A relative reference whose first segment holds a `:` (`c:d.yaml`) reads as a URI with scheme
/// `c` (RFC 3986, 4.2): that colon is percent-encoded.
fn no_scheme_in_first_segment(relative: String) -> String {
    let first = relative.split('/').next().unwrap_or("");
    if first.contains(':') {
        let encoded = first.replace(':', "%3A");
        format!("{encoded}{}", relative.get(first.len()..).unwrap_or(""))
    } else {
        relative
    }
}

/// A path that is no file path (not absolute after joining): its segments percent-encoded.
fn percent_encode_path(path: &str) -> String {
    let mut url = match Url::parse("file:///") {
        Ok(url) => url,
        Err(_) => return String::new(),
    };
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.clear().extend(path.split('/'));
    }
    url.path().trim_start_matches('/').to_string()
}

/// Removes `.` and `dir/..` components without touching the file system (`/a/v1/../v1/x` →
/// `/a/v1/x`).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(component);
                }
            }
            other => out.push(other),
        }
    }
    out
}

fn physical(sources: &SourceMap, artifacts: &Artifacts, location: Location) -> Value {
    let at = Position::of(sources, location);
    json!({
        "artifactLocation": artifacts.location(&at.file),
        "region": {
            "startLine": at.line,
            "startColumn": at.column,
            "endLine": at.end_line,
            "endColumn": at.end_column.max(if at.end_line == at.line { at.column + 1 } else { 1 }),
        },
    })
}

/// Escapes the brackets of message text that holds embedded links (SARIF §3.11.6).
fn escape_brackets(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('[', "\\[")
        .replace(']', "\\]")
}

/// The result message: the finding, links to its related locations (`[text](id)`, ids 1..n), the fix.
/// Every `[`, `]` and `\\` of the text (which may come from the templates) is escaped, related
/// locations or not, so only iamlint's own `[label](N)` links are links (SARIF §3.11.6).
fn message(finding: &Finding) -> String {
    let mut message = escape_brackets(&sentence(&finding.message));
    if !finding.related.is_empty() {
        let links: Vec<String> = finding
            .related
            .iter()
            .enumerate()
            .map(|(i, label)| {
                let text = label.message.trim().trim_end_matches('.');
                let text = if text.is_empty() { "related" } else { text };
                format!("[{}]({})", escape_brackets(text), i + 1)
            })
            .collect();
        message.push_str(&format!(" See {}.", links.join(", ")));
    }
    if let Some(help) = &finding.help {
        message.push_str("\n\nFix: ");
        message.push_str(&escape_brackets(&sentence(help)));
    }
    message
}

fn result(sources: &SourceMap, artifacts: &Artifacts, finding: &Finding) -> Value {
    let rule_index = ALL_RULES
        .iter()
        .position(|r| r.meta().code == finding.rule.code)
        .unwrap_or(0);
    let related: Vec<Value> = finding
        .related
        .iter()
        .enumerate()
        .map(|(i, label)| {
            json!({
                "id": i + 1,
                "physicalLocation": physical(sources, artifacts, label.location),
                "message": {"text": escape_brackets(&sentence(&label.message))},
            })
        })
        .collect();
    json!({
        "ruleId": finding.rule.code,
        "ruleIndex": rule_index,
        "level": level(finding.severity),
        "message": {"text": message(finding)},
        "locations": [{"physicalLocation": physical(sources, artifacts, finding.primary.location)}],
        "relatedLocations": related,
        "partialFingerprints": {"iamlintFinding/v1": fingerprint(sources, finding)},
        // Certainty apart from severity: an undecided finding ranks low and says so.
        "rank": if finding.certainty.is_definite() { 100.0 } else { 10.0 },
        "properties": {"certain": finding.certainty.is_definite()},
    })
}

/// Most bytes of the primary span's text a fingerprint reads (with the span's length): thousands of
/// findings inside one 70,000-character string would otherwise each hash all of it.
const FINGERPRINT_SNIPPET_BYTES: usize = 256;

/// FNV-1a over what identifies a finding but not where it sits: rule, resource, message and the text
/// under the primary span (no line numbers; the file is the result's own location): its first
/// [`FINGERPRINT_SNIPPET_BYTES`] and its length.
fn fingerprint(sources: &SourceMap, finding: &Finding) -> String {
    let file = sources.get(finding.primary.location.file);
    let text = file
        .map(|f| f.slice(finding.primary.location.span).trim())
        .unwrap_or_default();
    let mut end = text.len().min(FINGERPRINT_SNIPPET_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let snippet = match text.get(..end) {
        Some(head) if end < text.len() => format!("{head}\u{0}{}", text.len()),
        _ => text.to_string(),
    };
    let resource = finding.resource.as_deref().unwrap_or("");
    let key = format!(
        "{}\u{0}{resource}\u{0}{}\u{0}{snippet}",
        finding.rule.code, finding.message
    );
    format!("{:016x}", super::fnv1a64(key.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_below_the_root_are_relative_and_percent_encoded() {
        let artifacts = Artifacts {
            root: Path::new("/work/repo"),
            base: Url::from_directory_path("/work/repo").ok(),
        };
        assert_eq!(
            artifacts.location("fixtures/dir with spaces é/template.yaml"),
            json!({"uri": "fixtures/dir%20with%20spaces%20%C3%A9/template.yaml", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(
            artifacts.location("v1/../v1/a.yaml"),
            json!({"uri": "v1/a.yaml", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(
            artifacts.location("../other/a b.yaml"),
            json!({"uri": "file:///work/other/a%20b.yaml"})
        );
        assert_eq!(
            artifacts.location("/work/repository/x.yaml"),
            json!({"uri": "file:///work/repository/x.yaml"}),
            "a sibling folder whose name starts like the root's is outside it"
        );
    }

    #[test]
    fn security_severity_follows_severity_and_impact() {
        assert!(is_security_rule("IAM001") && is_security_rule("CORS004"));
        assert!(!is_security_rule("TPL001") && !is_security_rule("REF004"));
        assert_eq!(impact("CORS001"), Impact::Exposure);
        assert_eq!(security_severity(Severity::Error, impact("IAM001")), "7.5");
    }

    #[test]
    fn automation_ids() {
        assert_eq!(automation_id(None).as_deref(), Some("iamlint/"));
        assert_eq!(
            automation_id(Some("infra")).as_deref(),
            Some("iamlint/infra/")
        );
        assert_eq!(automation_id(Some("")), None);
    }
}
