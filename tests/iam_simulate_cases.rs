//! Generator of the differential test of `iam::eval` against `@cloud-copilot/iam-simulate`
//! (`.ci/iam-simulate-diff`, node side in `tools/iam-simulate-diff/`).
//!
//! Deterministic pseudo-random requests (a seeded xorshift) within what iamlint models: Allow/Deny,
//! Action/NotAction, Resource/NotResource with `*` and `?` over execute-api and Lambda ARNs (alias
//! qualifiers included), permissions boundaries present or not, and resource policies whose
//! `Principal` is the caller's role ARN, another role, an account id, a root ARN, `*`, a service, or a
//! `NotPrincipal` of a third account, for same-account and cross-account callers. Every value is a
//! literal, so iamlint must answer `Allowed` or `Denied`: `Conditional` counts as a disagreement.
//!
//! Shapes left out because iam-simulate is wrong or AWS's behaviour is undocumented (see
//! `.ci/iam-simulate-diff`): a wildcard in the API-id part of an execute-api ARN (iam-simulate
//! requires the text before the first `/` to match literally); case differences in the region or
//! account fields (iam-simulate matches them case-insensitively, iamlint case-sensitively; AWS does not
//! say); `NotPrincipal` naming the caller's role or account (iamlint answers `Conditional`).
//!
//! `IAMLINT_DIFF_OUT=path IAMLINT_DIFF_CASES=n cargo test --test iam_simulate_cases` writes the cases
//! with iamlint's answers as JSON lines; without `IAMLINT_DIFF_OUT` the test only checks that no
//! concrete case is `Conditional`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::fmt::Write as _;

use iamlint::iam::eval::{
    Caller, Decision, DenialReason, PolicyOrigin, PolicySource, ResourcePolicy, evaluate_request,
};
use iamlint::iam::pattern::Target;
use iamlint::iam::policy::PolicyDocument;
use iamlint::resolve::SymStr;
use serde_json::{Value, json};

/// The resource owner's account.
const OWNER: &str = "111111111111";
/// The other account callers may come from.
const OTHER: &str = "222222222222";
/// An account no caller is in.
const THIRD: &str = "333333333333";

const SEED: u64 = 0x1a2b_3c4d_5e6f_7081;

/// xorshift64*: tiny, deterministic, good enough to spread choices.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// One generated request and its policies.
struct Case {
    action: String,
    resource: String,
    caller_account: String,
    role: String,
    identity: Vec<Value>,
    boundary: Option<Vec<Value>>,
    resource_policy: Option<Value>,
}

impl Case {
    fn role_arn(&self) -> String {
        format!("arn:aws:iam::{}:role/{}", self.caller_account, self.role)
    }

    fn session_arn(&self) -> String {
        format!(
            "arn:aws:sts::{}:assumed-role/{}/session",
            self.caller_account, self.role
        )
    }
}

const ACTIONS: [&str; 2] = ["execute-api:Invoke", "lambda:InvokeFunction"];
const ROLES: [&str; 2] = ["app", "admin"];

fn request_resource(rng: &mut Rng, action: &str) -> String {
    if action.starts_with("lambda") {
        let function = rng.pick(&["orders", "orders-v2", "admin"]);
        let qualifier = rng.pick(&["", "", ":live", ":3"]);
        format!("arn:aws:lambda:us-east-1:{OWNER}:function:{function}{qualifier}")
    } else {
        let api = rng.pick(&["abc123", "xyz789"]);
        let stage = rng.pick(&["prod", "dev"]);
        let verb = rng.pick(&["GET", "POST", "DELETE"]);
        let path = rng.pick(&["items", "items/42", "admin", "admin/users/7"]);
        format!("arn:aws:execute-api:us-east-1:{OWNER}:{api}/{stage}/{verb}/{path}")
    }
}

fn action_pattern(rng: &mut Rng, request: &str) -> String {
    if rng.chance(50) {
        return if request.starts_with("lambda") {
            rng.pick(&[
                "lambda:InvokeFunction",
                "lambda:*",
                "*",
                "lambda:Invoke*",
                "lambda:InvokeFunct?on",
            ])
        } else {
            rng.pick(&[
                "execute-api:Invoke",
                "execute-api:*",
                "*",
                "execute-api:Inv?ke",
                "EXECUTE-API:invoke",
            ])
        }
        .to_string();
    }
    rng.pick(&[
        "execute-api:Invoke",
        "lambda:InvokeFunction",
        "lambda:*",
        "execute-api:*",
        "*",
        "lambda:Invoke*",
        "execute-api:Inv?ke",
        "lambda:InvokeFunct?on",
        "Lambda:invokefunction",
        "s3:GetObject",
        "lambda:InvokeAsync",
        "lambda:Get*",
    ])
    .to_string()
}

/// Where wildcards may start in a pattern derived from `arn`: after the resource part's first token
/// (the `function:` of a Lambda ARN, the API id of an execute-api ARN). iam-simulate takes that token
/// for a resource type that must match literally (see `resource_pattern`); the IAM docs let `*` and
/// `?` stand in any segment after the service, so a wildcard there is a shape left out.
fn literal_head(arn: &str) -> usize {
    let resource_part = arn.match_indices(':').nth(4).map_or(0, |(i, _)| i + 1);
    arn[resource_part..]
        .find(['/', ':'])
        .map_or(arn.len(), |i| resource_part + i + 1)
}

/// A pattern made from the request's resource: itself, cut short and ended with `*`, one character
/// replaced by `?`, or with a qualifier wildcard.
fn derived_pattern(rng: &mut Rng, request: &str) -> String {
    let chars: Vec<char> = request.chars().collect();
    match rng.below(5) {
        0 => request.to_string(),
        1 => {
            let head = literal_head(request);
            let cut = head + rng.below(chars.len() - head + 1);
            format!("{}*", chars[..cut].iter().collect::<String>())
        }
        2 => {
            let head = literal_head(request);
            let at = head + rng.below(chars.len() - head);
            let mut c = chars.clone();
            c[at] = '?';
            c.into_iter().collect()
        }
        3 => format!("{request}:*"),
        _ => format!("{request}*"),
    }
}

fn resource_pattern(rng: &mut Rng, request: &str) -> String {
    if rng.chance(40) {
        return derived_pattern(rng, request);
    }
    let api = format!("arn:aws:execute-api:us-east-1:{OWNER}");
    let function = format!("arn:aws:lambda:us-east-1:{OWNER}:function");
    let patterns = [
        "*".to_string(),
        format!("{api}:abc123/*"),
        format!("{api}:abc123/prod/*"),
        format!("{api}:abc123/*/GET/*"),
        // Not `{api}:*/prod/POST/items` (a wildcard in the API id): iam-simulate takes the text before
        // the first `/` of the resource part for a resource type ("product") that must match
        // literally, so `...:*/prod/...` and even `...:*/*` match nothing there. For execute-api that
        // text is the API id, and IAM lets `*` and `?` stand anywhere after the service (User Guide,
        // "IAM JSON policy elements: Resource"): an iam-simulate bug, left out of generation.
        format!("{api}:abc123/*/POST/items"),
        format!("{api}:abc123/prod/get/items"),
        format!("{api}:abc123/prod/GET/items"),
        format!("{api}:abc123/prod/GET/item?"),
        format!("{api}:abc123/prod/???/items"),
        format!("{api}:xyz789/*/*/admin/*"),
        format!("{api}:abc123/dev/DELETE/items/*"),
        "arn:aws:execute-api:*:*:*".to_string(),
        "arn:aws:execute-api:us-east-1:*:abc123/prod/GET/items".to_string(),
        format!("arn:aws:execute-api:us-*-1:{OWNER}:*"),
        format!("arn:aws:execute-api:us-east-1:{OTHER}:abc123/*"),
        format!("{function}:orders"),
        format!("{function}:orders*"),
        format!("{function}:orders:*"),
        format!("{function}:orders:live"),
        format!("{function}:admin"),
        format!("{function}:orders-v?"),
        format!("arn:aws:lambda:us-east-1:{OWNER}:function:*"),
        format!("arn:aws:lambda:*:{OWNER}:function:*"),
        format!("arn:aws:lambda:us-*:{OWNER}:function:admin"),
        format!("arn:aws:lambda:us-east-1:{OTHER}:function:orders"),
        "arn:aws:s3:::bucket/*".to_string(),
    ];
    patterns[rng.below(patterns.len())].clone()
}

fn one_or_list(rng: &mut Rng, mut make: impl FnMut(&mut Rng) -> String) -> Value {
    if rng.chance(70) {
        Value::String(make(rng))
    } else {
        let n = 1 + rng.below(3);
        Value::Array((0..n).map(|_| Value::String(make(rng))).collect())
    }
}

fn statement(
    rng: &mut Rng,
    deny_percent: usize,
    request: (&str, &str),
) -> serde_json::Map<String, Value> {
    let (request_action, request_resource) = request;
    let mut s = serde_json::Map::new();
    let effect = if rng.chance(deny_percent) {
        "Deny"
    } else {
        "Allow"
    };
    s.insert("Effect".into(), json!(effect));
    let actions = one_or_list(rng, |rng| action_pattern(rng, request_action));
    let action_key = if rng.chance(15) {
        "NotAction"
    } else {
        "Action"
    };
    s.insert(action_key.into(), actions);
    let resources = one_or_list(rng, |rng| resource_pattern(rng, request_resource));
    let resource_key = if rng.chance(15) {
        "NotResource"
    } else {
        "Resource"
    };
    s.insert(resource_key.into(), resources);
    s
}

fn policy(statements: Vec<serde_json::Map<String, Value>>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn identity_policy(rng: &mut Rng, request: (&str, &str)) -> Value {
    let n = 1 + rng.below(3);
    policy((0..n).map(|_| statement(rng, 20, request)).collect())
}

fn principal(rng: &mut Rng, case_role: &str, caller_account: &str) -> Value {
    let entry = |rng: &mut Rng| -> String {
        match rng.below(8) {
            0 => format!("arn:aws:iam::{caller_account}:role/{case_role}"),
            1 => format!("arn:aws:iam::{OWNER}:role/{}", rng.pick(&ROLES)),
            2 => format!("arn:aws:iam::{OTHER}:role/{}", rng.pick(&ROLES)),
            3 => rng.pick(&[OWNER, OTHER]).to_string(),
            4 => format!("arn:aws:iam::{}:root", rng.pick(&[OWNER, OTHER])),
            5 => format!("arn:aws:iam::{THIRD}:root"),
            6 => format!("arn:aws:iam::{caller_account}:role/{case_role}"),
            _ => rng.pick(&[OWNER, OTHER]).to_string(),
        }
    };
    match rng.below(10) {
        0 => json!("*"),
        1 => json!({"AWS": "*"}),
        2 => json!({"Service": "apigateway.amazonaws.com"}),
        _ => json!({"AWS": one_or_list(rng, entry)}),
    }
}

fn resource_policy(
    rng: &mut Rng,
    role: &str,
    caller_account: &str,
    request: (&str, &str),
) -> Value {
    let n = 1 + rng.below(3);
    let statements = (0..n)
        .map(|_| {
            let mut s = statement(rng, 25, request);
            if rng.chance(5) {
                s.insert(
                    "NotPrincipal".into(),
                    json!({"AWS": format!("arn:aws:iam::{THIRD}:root")}),
                );
            } else {
                s.insert("Principal".into(), principal(rng, role, caller_account));
            }
            s
        })
        .collect();
    policy(statements)
}

fn generate(rng: &mut Rng) -> Case {
    let action = rng.pick(&ACTIONS).to_string();
    let resource = request_resource(rng, &action);
    let caller_account = if rng.chance(60) { OWNER } else { OTHER }.to_string();
    let role = rng.pick(&ROLES).to_string();
    let request = (action.as_str(), resource.as_str());
    let identity = (0..rng.below(3))
        .map(|_| identity_policy(rng, request))
        .collect();
    let boundary = rng.chance(40).then(|| {
        let n = 1 + rng.below(2);
        vec![policy(
            (0..n).map(|_| statement(rng, 15, request)).collect(),
        )]
    });
    let resource_policy = rng
        .chance(70)
        .then(|| resource_policy(rng, &role, &caller_account, request));
    Case {
        action,
        resource,
        caller_account,
        role,
        identity,
        boundary,
        resource_policy,
    }
}

fn document(policy: &Value) -> PolicyDocument {
    let text = policy.to_string();
    let document = PolicyDocument::from_json(&text).unwrap_or_else(|| panic!("bad JSON {text}"));
    assert!(
        document.skipped.is_empty(),
        "{text}: {:?}",
        document.skipped
    );
    document
}

fn sources<'a>(documents: &'a [PolicyDocument], label: &str) -> Vec<PolicySource<'a>> {
    documents
        .iter()
        .enumerate()
        .map(|(i, document)| PolicySource::Known {
            document,
            origin: PolicyOrigin::new(format!("{label} {i}"), None),
        })
        .collect()
}

/// iamlint's answer, in iam-simulate's words.
fn iamlint_answer(case: &Case) -> (String, Decision) {
    let identity_docs: Vec<PolicyDocument> = case.identity.iter().map(document).collect();
    let boundary_docs: Option<Vec<PolicyDocument>> = case
        .boundary
        .as_ref()
        .map(|b| b.iter().map(document).collect());
    // A resource without a policy still has an owner: an empty resource policy, so that a
    // cross-account request is denied (`None` would mean "judge by the caller's policies alone").
    let resource_docs: Vec<PolicyDocument> = case.resource_policy.iter().map(document).collect();
    let identity = sources(&identity_docs, "identity");
    let boundary = boundary_docs.as_deref().map(|d| sources(d, "boundary"));
    let resource_sources = sources(&resource_docs, "resource");
    let owner = SymStr::literal(OWNER);
    let resource = ResourcePolicy {
        sources: &resource_sources,
        account: &owner,
    };
    let arn = SymStr::literal(case.role_arn());
    let account = SymStr::literal(case.caller_account.clone());
    let caller = Caller {
        arn: &arn,
        account: &account,
    };
    let decision = evaluate_request(
        &identity,
        boundary.as_deref(),
        Some(&resource),
        &caller,
        &case.action,
        &Target::literal(&case.resource),
    );
    let answer = match &decision {
        Decision::Allowed { .. } => "Allowed",
        Decision::Denied {
            reason: DenialReason::ExplicitDeny,
            ..
        } => "ExplicitlyDenied",
        Decision::Denied { .. } => "ImplicitlyDenied",
        Decision::Conditional { .. } => "Conditional",
    };
    (answer.to_string(), decision)
}

fn case_json(id: usize, case: &Case, answer: &str) -> Value {
    let identity: Vec<Value> = case
        .identity
        .iter()
        .enumerate()
        .map(|(i, p)| json!({"name": format!("identity{i}"), "policy": p}))
        .collect();
    let boundary: Option<Vec<Value>> = case.boundary.as_ref().map(|b| {
        b.iter()
            .enumerate()
            .map(|(i, p)| json!({"name": format!("boundary{i}"), "policy": p}))
            .collect()
    });
    json!({
        "id": id,
        "action": case.action,
        "resource": case.resource,
        "resourceAccount": OWNER,
        "principal": case.session_arn(),
        "role": case.role_arn(),
        "sameAccount": case.caller_account == OWNER,
        "identityPolicies": identity,
        "permissionBoundaryPolicies": boundary,
        "resourcePolicy": case.resource_policy,
        "iamlint": answer,
    })
}

#[test]
fn generated_cases() {
    let out = std::env::var("IAMLINT_DIFF_OUT").ok();
    let count: usize = std::env::var("IAMLINT_DIFF_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(if out.is_some() { 10_000 } else { 2_000 });
    let mut rng = Rng(SEED);
    let mut lines = String::new();
    let mut conditional = Vec::new();
    for id in 0..count {
        let case = generate(&mut rng);
        let (answer, decision) = iamlint_answer(&case);
        let line = case_json(id, &case, &answer);
        if answer == "Conditional" {
            conditional.push(format!("{line}\n  {decision:?}"));
        }
        let _ = writeln!(lines, "{line}");
    }
    if let Some(path) = out {
        std::fs::write(&path, lines).unwrap_or_else(|e| panic!("writing {path}: {e}"));
    }
    assert!(
        conditional.is_empty(),
        "{} concrete case(s) are Conditional, e.g.\n{}",
        conditional.len(),
        conditional.first().map(String::as_str).unwrap_or("")
    );
}
