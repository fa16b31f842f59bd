//! Packaged copies: the output of `sam package` / `aws cloudformation package` kept beside its source.
//!
//! Such a file is the same stack as its source, so reading both doubles every finding and makes each
//! export defined twice. It is recognised by content, not by name: a template in the same folder as
//! another that is the same tree (the same resources with the same properties, outputs, parameters;
//! scalars compared by text or as YAML 1.1 booleans, so quoting and short or long intrinsic forms do not matter; resources'
//! `Metadata`, which `sam build` adds to, left out) except that its code and definition locations
//! (`CodeUri`, `ContentUri`, `DefinitionUri`, `Location`, `TemplateURL`, `Code`, `Content`,
//! `BodyS3Location`, ..., at any depth, so an `AWS::Include` too) are S3 URIs, S3 URLs or bucket/key
//! mappings where the source has local paths, at least one of them, and none is local in the copy. A
//! source always has a local path, so it is never taken for a copy.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use crate::load::{Entry, Node, NodeKind, Scalar};

/// Properties that `package` rewrites from a local path to an S3 location.
const LOCATION_PROPERTIES: [&str; 14] = [
    "CodeUri",
    "ContentUri",
    "DefinitionUri",
    "Location",
    "TemplateURL",
    "SchemaUri",
    "Code",
    "Content",
    "BodyS3Location",
    "DefinitionS3Location",
    "SourceBundle",
    "RequestMappingTemplateS3Location",
    "ResponseMappingTemplateS3Location",
    "CodeS3Location",
];

/// Where a location property points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// A relative or absolute path on disk.
    Local,
    /// An `s3://` URI, an S3 `https://` URL or a bucket/key mapping.
    S3,
    /// Anything else (inline code, an intrinsic function, a serverless-repo application id).
    Other,
}

/// A discovered file not read because it is a packaged copy of `source`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub copy: PathBuf,
    pub source: PathBuf,
    /// The template is SAM's (`sam package` wrote it) rather than plain CloudFormation's.
    pub sam: bool,
}

/// A parsed template of the run, as the copy search sees it.
pub struct Loaded<'a> {
    pub path: &'a Path,
    /// Named on the command line: never taken for a copy.
    pub explicit: bool,
    pub root: &'a Node,
}

/// The discovered templates (not those named on the command line) among `templates` that are
/// packaged copies of another one in their folder: their indexes, and what to say of each. Works on
/// the trees the loader parsed, so no file is parsed twice.
pub fn find_copies(templates: &[Loaded<'_>]) -> (HashSet<usize>, Vec<Skipped>) {
    let mut folders: BTreeMap<&Path, Vec<usize>> = BTreeMap::new();
    for (index, template) in templates.iter().enumerate() {
        let folder = template.path.parent().unwrap_or(Path::new(""));
        folders.entry(folder).or_default().push(index);
    }
    let mut skipped = Vec::new();
    let mut drop = HashSet::new();
    for members in folders.values() {
        let discovered = members
            .iter()
            .any(|&i| templates.get(i).is_some_and(|t| !t.explicit));
        if members.len() < 2 || !discovered {
            continue;
        }
        let views: Vec<Parsed<'_>> = members
            .iter()
            .filter_map(|&i| templates.get(i))
            .map(|t| Parsed { root: t.root })
            .collect();
        for (copy, source) in copies(&views) {
            let (Some(&copy_index), Some(&source_index)) = (members.get(copy), members.get(source))
            else {
                continue;
            };
            let (Some(copy), Some(source)) =
                (templates.get(copy_index), templates.get(source_index))
            else {
                continue;
            };
            if copy.explicit {
                continue;
            }
            drop.insert(copy_index);
            skipped.push(Skipped {
                copy: copy.path.to_path_buf(),
                source: source.path.to_path_buf(),
                sam: is_sam(copy.root),
            });
        }
    }
    (drop, skipped)
}

/// The one stderr line of a run that skipped packaged copies.
pub fn note(skipped: &[Skipped]) -> Option<String> {
    match skipped {
        [] => None,
        [one] => Some(format!(
            "skipped {}: a packaged copy of {} ({} output); name it on the command line to check it",
            one.copy.display(),
            one.source.display(),
            if one.sam {
                "sam package"
            } else {
                "aws cloudformation package"
            }
        )),
        many => Some(format!(
            "skipped {} packaged copies (sam package / aws cloudformation package output): {}; name one on the command line to check it",
            many.len(),
            many.iter()
                .map(|s| format!("{} (of {})", s.copy.display(), s.source.display()))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Whether the template names SAM's transform.
fn is_sam(root: &Node) -> bool {
    let names = |node: &Node| {
        node.as_str()
            .is_some_and(|t| t.starts_with("AWS::Serverless"))
    };
    root.get("Transform")
        .is_some_and(|t| names(t) || t.as_seq().is_some_and(|s| s.iter().any(names)))
}

/// One template to compare: its parsed root.
pub struct Parsed<'a> {
    pub root: &'a Node,
}

/// `(copy, source)` index pairs among `templates` (all from one folder): each copy is a packaged copy
/// of its source. A copy is paired with the first source it copies.
///
/// Linear in the folder's templates in practice: only templates with the same [`Shape`] (the tree
/// with location values left out) can be copy and source, a copy has no local location and at least
/// one in S3, a source at least one local; at most [`MAX_COMPARED`] sources are compared per copy.
pub fn copies(templates: &[Parsed<'_>]) -> Vec<(usize, usize)> {
    let shapes: Vec<Shape> = templates.iter().map(|t| Shape::of(t.root)).collect();
    let mut sources_by_hash: HashMap<u64, Vec<usize>> = HashMap::new();
    for (index, shape) in shapes.iter().enumerate() {
        if shape.local > 0 {
            sources_by_hash.entry(shape.hash).or_default().push(index);
        }
    }
    let mut pairs = Vec::new();
    for (copy, copy_template) in templates.iter().enumerate() {
        let Some(shape) = shapes.get(copy).filter(|s| s.local == 0 && s.s3 > 0) else {
            continue;
        };
        let candidates = sources_by_hash
            .get(&shape.hash)
            .map_or(&[][..], Vec::as_slice);
        let source = candidates
            .iter()
            .take(MAX_COMPARED)
            .copied()
            .find(|&source| {
                source != copy
                    && templates
                        .get(source)
                        .is_some_and(|s| is_packaged_copy(copy_template.root, s.root))
            });
        if let Some(source) = source {
            pairs.push((copy, source));
        }
    }
    pairs
}

/// Most sources of one shape a copy is compared with.
const MAX_COMPARED: usize = 16;

/// A template's tree as copy detection sees it: a hash of everything but the values of location
/// properties (and resources' `Metadata`), with scalars as [`same_scalar`] compares them, and how
/// many locations are local and in S3.
struct Shape {
    hash: u64,
    local: usize,
    s3: usize,
}

impl Shape {
    fn of(root: &Node) -> Shape {
        let mut shape = Shape {
            hash: 0,
            local: 0,
            s3: 0,
        };
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        shape.walk(root, 0, &mut hasher);
        shape.hash = hasher.finish();
        shape
    }

    fn walk(&mut self, node: &Node, depth: usize, hasher: &mut impl Hasher) {
        if depth > MAX_DEPTH {
            return;
        }
        match &node.kind {
            NodeKind::Scalar(scalar) => match (scalar.as_bool(), scalar.is_null()) {
                (Some(b), _) => b.hash(hasher),
                (None, true) => "null".hash(hasher),
                (None, false) => scalar.value.hash(hasher),
            },
            NodeKind::Seq(items) => {
                items.len().hash(hasher);
                for item in items {
                    self.walk(item, depth + 1, hasher);
                }
            }
            NodeKind::Map(entries) => {
                let mut entries = compared_entries(entries, depth);
                entries.sort_by(|a, b| a.key.text.cmp(&b.key.text));
                entries.len().hash(hasher);
                for entry in entries {
                    let key = entry.key.text.as_str();
                    key.hash(hasher);
                    if key == "Fn::GetAtt" {
                        get_att_text(&entry.value).hash(hasher);
                    } else if LOCATION_PROPERTIES.contains(&key) {
                        match place(&entry.value) {
                            Place::Local => self.local += 1,
                            Place::S3 => self.s3 += 1,
                            Place::Other => self.walk(&entry.value, depth + 1, hasher),
                        }
                    } else {
                        self.walk(&entry.value, depth + 1, hasher);
                    }
                }
            }
        }
    }
}

/// Deepest nesting compared; deeper templates are never taken for copies.
const MAX_DEPTH: usize = 64;

/// Whether `copy` is `source` with its local locations uploaded: the same tree (scalars compared by
/// text, resources' `Metadata` left out, which `sam build` adds to), except for location properties,
/// at least one of which is local in `source` and S3 in `copy`, and none of which is local in `copy`.
fn is_packaged_copy(copy: &Node, source: &Node) -> bool {
    let has_resources = |root: &Node| {
        root.get("Resources")
            .and_then(Node::as_map)
            .is_some_and(|r| !r.is_empty())
    };
    if !has_resources(copy) || !has_resources(source) {
        return false;
    }
    let mut uploaded = 0;
    same_except_locations(copy, source, 0, &mut uploaded) && uploaded > 0
}

/// Compares two trees; counts in `uploaded` the locations that are local in `source`, S3 in `copy`.
fn same_except_locations(copy: &Node, source: &Node, depth: usize, uploaded: &mut usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match (&copy.kind, &source.kind) {
        (NodeKind::Scalar(a), NodeKind::Scalar(b)) => same_scalar(a, b),
        (NodeKind::Seq(a), NodeKind::Seq(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|(a, b)| same_except_locations(a, b, depth + 1, uploaded))
        }
        (NodeKind::Map(a), NodeKind::Map(b)) => {
            // A resource (depth 2, under `Resources`): its `Metadata` is not compared.
            let (a, b) = (compared_entries(a, depth), compared_entries(b, depth));
            let by_key: HashMap<&str, &Node> =
                b.iter().map(|e| (e.key.text.as_str(), &e.value)).collect();
            a.len() == b.len()
                && a.iter().all(|entry| {
                    by_key.get(entry.key.text.as_str()).is_some_and(|other| {
                        same_entry(&entry.key.text, &entry.value, other, depth, uploaded)
                    })
                })
        }
        _ => false,
    }
}

/// The same text, or the same YAML 1.1 boolean or null (SAM CLI writes `True` back as `true`).
fn same_scalar(a: &Scalar, b: &Scalar) -> bool {
    a.value == b.value
        || a.as_bool().is_some_and(|x| b.as_bool() == Some(x))
        || (a.is_null() && b.is_null())
}

fn compared_entries(entries: &[Entry], depth: usize) -> Vec<&Entry> {
    entries
        .iter()
        .filter(|e| !(depth == 2 && e.key.text == "Metadata"))
        .collect()
}

fn same_entry(key: &str, copy: &Node, source: &Node, depth: usize, uploaded: &mut usize) -> bool {
    // SAM CLI writes `!GetAtt A.B` as `Fn::GetAtt: [A, B]`.
    if key == "Fn::GetAtt"
        && let (Some(a), Some(b)) = (get_att_text(copy), get_att_text(source))
    {
        return a == b;
    }
    if !LOCATION_PROPERTIES.contains(&key) {
        return same_except_locations(copy, source, depth + 1, uploaded);
    }
    match (place(copy), place(source)) {
        (Place::S3, Place::Local) => {
            *uploaded += 1;
            true
        }
        (Place::S3, Place::S3) => true,
        (Place::Other, Place::Other) => same_except_locations(copy, source, depth + 1, uploaded),
        _ => false,
    }
}

/// `A.B` for `Fn::GetAtt`'s `A.B` and `[A, B]` forms.
fn get_att_text(node: &Node) -> Option<String> {
    match &node.kind {
        NodeKind::Scalar(scalar) => Some(scalar.value.clone()),
        NodeKind::Seq(items) => items
            .iter()
            .map(|item| item.as_scalar().map(|s| s.value.as_str()))
            .collect::<Option<Vec<_>>>()
            .map(|parts| parts.join(".")),
        NodeKind::Map(_) => None,
    }
}

fn place(node: &Node) -> Place {
    if let Some(text) = node.as_scalar().map(|s| s.value.as_str()) {
        return text_place(text);
    }
    let has = |key: &str| node.get(key).is_some();
    if (has("Bucket") && has("Key")) || (has("S3Bucket") && has("S3Key")) {
        Place::S3
    } else {
        Place::Other
    }
}

fn text_place(text: &str) -> Place {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("s3://") {
        Place::S3
    } else if lower.starts_with("https://") || lower.starts_with("http://") {
        if lower.contains(".amazonaws.com") {
            Place::S3
        } else {
            Place::Other
        }
    } else if text.is_empty() || lower.contains("://") {
        Place::Other
    } else {
        Place::Local
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Node {
        crate::load::read_template(text, false)
            .map(|l| l.root)
            .unwrap_or_else(|e| Node::scalar(e.message, crate::load::ScalarStyle::Plain, e.span))
    }

    fn pairs(texts: &[&str]) -> Vec<(usize, usize)> {
        let roots: Vec<Node> = texts.iter().map(|t| root(t)).collect();
        let parsed: Vec<Parsed<'_>> = roots.iter().map(|root| Parsed { root }).collect();
        copies(&parsed)
    }

    const SOURCE: &str = "Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src/, Handler: app.handler, Runtime: python3.12}
  Api:
    Type: AWS::Serverless::Api
    Properties: {StageName: prod, DefinitionUri: openapi.yaml}
";

    const PACKAGED: &str = "Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Metadata: {SamResourceId: Fn}
    Properties: {CodeUri: s3://bucket/0123abcd, Handler: app.handler, Runtime: python3.12}
  Api:
    Type: AWS::Serverless::Api
    Properties: {StageName: prod, DefinitionUri: {Bucket: bucket, Key: 4567ef}}
";

    #[test]
    fn a_packaged_copy_is_recognised_whatever_the_order() {
        assert_eq!(pairs(&[SOURCE, PACKAGED]), [(1, 0)]);
        assert_eq!(pairs(&[PACKAGED, SOURCE]), [(0, 1)]);
    }

    #[test]
    fn a_source_is_never_a_copy_and_two_sources_are_two_stacks() {
        assert!(pairs(&[SOURCE, SOURCE]).is_empty());
        assert!(pairs(&[PACKAGED]).is_empty());
        assert!(pairs(&[PACKAGED, PACKAGED]).is_empty());
    }

    #[test]
    fn other_resources_make_another_stack() {
        let more = PACKAGED.replace("  Api:\n", "  Other:\n");
        assert!(pairs(&[SOURCE, &more]).is_empty());
        let other_type = PACKAGED.replace("AWS::Serverless::Api", "AWS::Serverless::HttpApi");
        assert!(pairs(&[SOURCE, &other_type]).is_empty());
    }

    #[test]
    fn same_resources_with_other_properties_are_another_template() {
        // Test suites keep many one-resource templates side by side: S3 here, a local path there,
        // but another handler is another template, not a packaged copy.
        let other = PACKAGED.replace("Handler: app.handler", "Handler: other.handler");
        assert!(pairs(&[SOURCE, &other]).is_empty());
        let more = PACKAGED.replace("StageName: prod", "StageName: prod, TracingEnabled: true");
        assert!(pairs(&[SOURCE, &more]).is_empty());
    }

    #[test]
    fn a_copy_with_a_local_path_left_is_not_packaged() {
        let half = PACKAGED.replace("{Bucket: bucket, Key: 4567ef}", "openapi.yaml");
        assert!(pairs(&[SOURCE, &half]).is_empty());
    }

    #[test]
    fn cloudformation_package_output_with_lambda_code_and_nested_stacks() {
        let source = "Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Code: ./src, Handler: a.h, Runtime: python3.12, Role: arn}
  Child:
    Type: AWS::CloudFormation::Stack
    Properties: {TemplateURL: child.yaml}
";
        let packaged = "Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Code: {S3Bucket: b, S3Key: k}, Handler: a.h, Runtime: python3.12, Role: arn}
  Child:
    Type: AWS::CloudFormation::Stack
    Properties: {TemplateURL: 'https://s3.eu-west-1.amazonaws.com/b/k.template'}
";
        assert_eq!(pairs(&[source, packaged]), [(1, 0)]);
    }

    #[test]
    fn globals_code_uri_counts() {
        let source = "Globals: {Function: {CodeUri: src/}}
Resources:
  Fn: {Type: AWS::Serverless::Function, Properties: {Handler: a.h}}
";
        let packaged = "Globals: {Function: {CodeUri: s3://b/k}}
Resources:
  Fn: {Type: AWS::Serverless::Function, Properties: {Handler: a.h}}
";
        assert_eq!(pairs(&[source, packaged]), [(1, 0)]);
    }

    #[test]
    fn get_att_in_either_form_is_the_same() {
        let source = SOURCE.replace(
            "Runtime: python3.12}",
            "Runtime: python3.12, Role: !GetAtt R.Arn}",
        );
        let packaged = PACKAGED.replace(
            "Runtime: python3.12}",
            "Runtime: python3.12, Role: {Fn::GetAtt: [R, Arn]}}",
        );
        assert_eq!(pairs(&[&source, &packaged]), [(1, 0)]);
        let other = packaged.replace("[R, Arn]", "[R, RoleId]");
        let tracing = |t: &str, v: &str| {
            t.replace(
                "StageName: prod",
                &format!("StageName: prod, TracingEnabled: {v}"),
            )
        };
        assert_eq!(
            pairs(&[&tracing(&source, "True"), &tracing(&packaged, "true")]),
            [(1, 0)]
        );
        assert!(pairs(&[&tracing(&source, "True"), &tracing(&packaged, "false")]).is_empty());
        assert!(pairs(&[&source, &other]).is_empty());
    }

    #[test]
    fn an_included_definition_uploaded_counts() {
        let source = "Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      DefinitionBody: {Fn::Transform: {Name: AWS::Include, Parameters: {Location: ./api.yaml}}}
";
        let packaged = source.replace("./api.yaml", "s3://b/api-0123.yaml");
        assert_eq!(pairs(&[source, &packaged]), [(1, 0)]);
    }

    #[test]
    fn inline_code_and_intrinsics_are_neither_local_nor_s3() {
        assert_eq!(text_place("s3://b/k"), Place::S3);
        assert_eq!(text_place("./src"), Place::Local);
        assert_eq!(text_place("https://example.com/x"), Place::Other);
        assert_eq!(place(&root("{Fn::Sub: x}")), Place::Other);
        assert_eq!(place(&root("{ZipFile: x}")), Place::Other);
    }
}
