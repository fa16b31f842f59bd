//! Nested stacks: a child template named by a local path becomes a stack of the deployment.
//!
//! - `AWS::CloudFormation::Stack` with `TemplateURL` a relative local path (`./child.yaml`,
//!   `child/template.yaml`): what `aws cloudformation package` and `sam deploy` upload and rewrite.
//! - `AWS::Serverless::Application` with `Location` a local path string: SAM copies `Location` into
//!   `TemplateUrl` (samtranslator `plugins/application/serverless_app_plugin.py:292-294`) and makes an
//!   `AWS::CloudFormation::Stack` with `TemplateURL` = that value and the same `Parameters`
//!   (`model/sam_resources.py:2095` and `:2100`, `SamApplication._construct_nested_stack`), so both
//!   types are read alike. A `{ApplicationId, SemanticVersion}` `Location` is the Serverless
//!   Application Repository: not fetched.
//!
//! The child is read through [`FileSource`] (regular files, bounded size) relative to its parent's
//! folder (`../` allowed when it names a real file inside the repository: a path that resolves
//! outside the checked root, an absolute `/etc/passwd` or a committed link included, is never
//! opened, [`NotReadKind::Outside`]), parsed as a template and appended to the
//! deployment's templates, so every rule sees it and its findings are located in its own file. A child
//! that discovery found too (both files under the checked folder) is one stack, not two: templates
//! are matched by canonical path, and the child keeps its parent link. A loop (A nests B nests A) and a
//! chain deeper than [`MAX_NESTING_DEPTH`] are refused. What is not read (an S3 or https URL, a URL
//! built with an intrinsic, an application of the Serverless Application Repository, a missing or
//! invalid file) is recorded in [`Nesting::unread`]: the model reports it as `COV001`, at the
//! `TemplateURL`/`Location`. A child that does not parse never has its text shown: the note says
//! where the error is, not what the file holds, and the file is not added to the source map.
//!
//! [`Nesting`] records, per child stack, its parent stack and resource: the resolver reads the
//! parent's `Parameters` for the child's `Ref`s and the child's `Outputs` for the parent's
//! `!GetAtt Child.Outputs.Name`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::definitions::{NotReadKind, Unread};
use crate::load::file::{FileError, FileSource, LocalText, normalize, read_local};
use crate::load::{self, LoadError, Node};
use crate::source::{FileId, Location, SourceFile, SourceMap, Span};
use crate::template::{Resource, Template};
use crate::value::StackId;

/// Deepest chain of stacks nesting the next one (the root stack is depth 0).
pub const MAX_NESTING_DEPTH: usize = 8;

/// A child stack's place in its parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentLink {
    pub parent: StackId,
    /// The parent's `AWS::CloudFormation::Stack` / `AWS::Serverless::Application` logical id.
    pub resource: String,
    /// Where the child is named (the `TemplateURL` / `Location` value).
    pub location: Location,
}

/// Which stacks nest which, and the nested stacks that are not read.
#[derive(Debug, Clone, Default)]
pub struct Nesting {
    /// By child stack.
    parents: HashMap<StackId, ParentLink>,
    /// By (parent stack, resource logical id).
    children: HashMap<(StackId, String), StackId>,
    pub unread: Vec<Unread>,
}

impl Nesting {
    /// The parent of a nested stack (`None` for a stack deployed on its own).
    pub fn parent(&self, stack: StackId) -> Option<&ParentLink> {
        self.parents.get(&stack)
    }

    /// The stack that resource `resource` of stack `stack` nests, when it was read.
    pub fn child(&self, stack: StackId, resource: &str) -> Option<StackId> {
        self.children.get(&(stack, resource.to_string())).copied()
    }

    /// How many stacks are above `stack` (0 for a root stack). Links never form a loop.
    pub fn depth(&self, stack: StackId) -> usize {
        let mut depth = 0;
        let mut current = stack;
        while let Some(link) = self.parents.get(&current) {
            depth += 1;
            current = link.parent;
            if depth > self.parents.len() {
                break;
            }
        }
        depth
    }

    /// Whether `ancestor` is `stack` or a stack above it.
    fn is_ancestor(&self, ancestor: StackId, stack: StackId) -> bool {
        let mut current = stack;
        for _ in 0..=self.parents.len() {
            if current == ancestor {
                return true;
            }
            match self.parents.get(&current) {
                Some(link) => current = link.parent,
                None => return false,
            }
        }
        false
    }
}

/// The property naming a nested stack's template, for the resource types that nest one.
pub fn template_property(type_name: &str) -> Option<&'static str> {
    match type_name {
        "AWS::CloudFormation::Stack" => Some("TemplateURL"),
        "AWS::Serverless::Application" => Some("Location"),
        _ => None,
    }
}

/// Reads the local child templates of `templates` (and theirs), appending them. `canonical` holds the
/// canonical path of each template given, when known; it is extended with the children read. Parse
/// errors of a child are added to `load_errors`.
pub fn load(
    sources: &mut SourceMap,
    templates: &mut Vec<Template>,
    canonical: Vec<Option<PathBuf>>,
    files: &dyn FileSource,
    load_errors: &mut Vec<(FileId, LoadError)>,
    budget: &mut crate::input_budget::InputBudget,
) -> Nesting {
    let mut by_path = HashMap::new();
    for (stack, path) in canonical.into_iter().enumerate() {
        if let Some(path) = path {
            // The first template of a path (a file named twice is two stacks, as before).
            by_path.entry(path).or_insert(stack);
        }
    }
    let mut loader = Loader {
        sources,
        files,
        by_path,
        failed: HashMap::new(),
        load_errors,
        nesting: Nesting::default(),
        budget,
    };
    let mut stack = 0;
    // Children are appended while the loop runs: each template is visited once.
    while let Some(template) = templates.get(stack) {
        let sites: Vec<(String, &'static str, Node)> = template
            .resources
            .iter()
            .filter_map(|r| nested_site(r).map(|(p, v)| (r.logical_id.clone(), p, v.clone())))
            .collect();
        let file = template.file;
        for (resource, property, value) in sites {
            let site = Site {
                stack,
                file,
                resource: &resource,
                property,
            };
            if let Some(child) = loader.site(&site, &value, templates.len()) {
                templates.push(child);
            }
        }
        stack += 1;
    }
    loader.nesting
}

/// A resource that nests a stack, with the property and its value.
fn nested_site(resource: &Resource) -> Option<(&'static str, &Node)> {
    let property = template_property(resource.type_name())?;
    let value = resource.property(property)?;
    (!value.is_null()).then_some((property, value))
}

/// Where a nested stack is named.
struct Site<'s> {
    stack: StackId,
    file: FileId,
    resource: &'s str,
    property: &'static str,
}

impl Site<'_> {
    fn what(&self) -> String {
        format!("the nested stack {} (`{}`)", self.resource, self.property)
    }
}

/// Why a child template is not read, and the parse error when there is one.
type ReadFailure = (NotReadKind, String, Option<Location>);

struct Loader<'l> {
    sources: &'l mut SourceMap,
    files: &'l dyn FileSource,
    /// The stack of each canonical path known.
    by_path: HashMap<PathBuf, StackId>,
    /// Child templates that could not be read, by canonical path: each is read (and reported) once.
    failed: HashMap<PathBuf, ReadFailure>,
    load_errors: &'l mut Vec<(FileId, LoadError)>,
    nesting: Nesting,
    /// The run's total input budget: nested templates count against it too.
    budget: &'l mut crate::input_budget::InputBudget,
}

impl Loader<'_> {
    /// Handles one nested stack; returns the child template when it is read for the first time (it
    /// becomes stack `next`).
    fn site(&mut self, site: &Site<'_>, value: &Node, next: StackId) -> Option<Template> {
        let location = Location {
            file: site.file,
            span: value.span,
        };
        let text = match self.local_path(site, value) {
            Ok(text) => text,
            Err((kind, why)) => {
                self.unread(site, value.span, kind, why, None);
                return None;
            }
        };
        let base = self
            .sources
            .get(site.file)
            .and_then(|f| f.path().parent().map(Path::to_path_buf))
            .unwrap_or_default();
        let path = normalize(&base.join(text));
        let canonical = match self.files.canonical(&path) {
            Ok(canonical) => canonical,
            Err(e) => {
                let (kind, why) = not_read(&path, &e);
                self.unread(site, value.span, kind, why, None);
                return None;
            }
        };
        if let Some(child) = self.by_path.get(&canonical).copied() {
            self.link_known(site, child, location, &path);
            return None;
        }
        if let Err(why) = self.check_depth(site.stack) {
            self.unread(site, value.span, NotReadKind::IncludeLoop, why, None);
            return None;
        }
        let read = match self.failed.get(&canonical) {
            Some(failure) => Err(failure.clone()),
            None => self.read(&path),
        };
        let template = match read {
            Ok(template) => template,
            Err(failure) => {
                self.failed.insert(canonical, failure.clone());
                let (kind, why, related) = failure;
                self.unread(site, value.span, kind, why, related);
                return None;
            }
        };
        self.by_path.insert(canonical, next);
        self.link(site, next, location);
        Some(template)
    }

    /// The literal local path a nested stack names, or why it is not read.
    fn local_path<'v>(
        &self,
        site: &Site<'_>,
        value: &'v Node,
    ) -> Result<&'v str, (NotReadKind, String)> {
        if let Some(text) = value.as_str() {
            if text.contains("{{resolve:") {
                return Err((
                    NotReadKind::Unreadable,
                    format!(
                        "its template location `{text}` is a dynamic reference, resolved only at deploy time"
                    ),
                ));
            }
            if is_remote(text) {
                return Err((
                    NotReadKind::Remote,
                    format!(
                        "its template is read from `{text}`, and iamlint reads local files only (it does not fetch S3 objects or URLs)"
                    ),
                ));
            }
            return Ok(text);
        }
        if let Some((key, _)) = value.as_intrinsic() {
            return Err((
                NotReadKind::Unreadable,
                format!(
                    "its template location is written with `{}`, and iamlint reads only a literal local path",
                    key.text
                ),
            ));
        }
        let sar = site.property == "Location" && value.get("ApplicationId").is_some();
        if sar {
            return Err((
                NotReadKind::Remote,
                "it is an application of the AWS Serverless Application Repository, which iamlint does not fetch".to_string(),
            ));
        }
        Err((
            NotReadKind::Unreadable,
            format!(
                "its template location is {}, not a local path",
                value.kind_name()
            ),
        ))
    }

    /// A child that is already a stack (found by discovery, or nested by another resource).
    fn link_known(&mut self, site: &Site<'_>, child: StackId, location: Location, path: &Path) {
        if self.nesting.is_ancestor(child, site.stack) {
            let why = format!(
                "`{}` nests the stack that nests it (a nesting loop)",
                path.display()
            );
            self.unread(site, location.span, NotReadKind::IncludeLoop, why, None);
            return;
        }
        if let Some(first) = self.nesting.parent(child) {
            // Nested twice: one stack per file, analysed with the parameters of its first parent; its
            // outputs still answer this resource's `!GetAtt`.
            let why = format!(
                "`{}` is analysed once, as the nested stack {} with the parameters it passes, not with the parameters passed here",
                path.display(),
                first.resource
            );
            self.nesting
                .children
                .insert((site.stack, site.resource.to_string()), child);
            self.unread(site, location.span, NotReadKind::AlreadyNested, why, None);
            return;
        }
        if let Err(why) = self.check_depth(site.stack) {
            self.unread(site, location.span, NotReadKind::IncludeLoop, why, None);
            return;
        }
        self.link(site, child, location);
    }

    fn check_depth(&self, parent: StackId) -> Result<(), String> {
        if self.nesting.depth(parent) + 1 > MAX_NESTING_DEPTH {
            return Err(format!(
                "more than {MAX_NESTING_DEPTH} stacks nest one another, iamlint's limit"
            ));
        }
        Ok(())
    }

    fn link(&mut self, site: &Site<'_>, child: StackId, location: Location) {
        self.nesting.parents.insert(
            child,
            ParentLink {
                parent: site.stack,
                resource: site.resource.to_string(),
                location,
            },
        );
        self.nesting
            .children
            .insert((site.stack, site.resource.to_string()), child);
    }

    /// Reads and parses a child template; its duplicate keys go to the load errors.
    fn read(&mut self, path: &Path) -> Result<Template, ReadFailure> {
        let shown = path.display().to_string();
        let LocalText {
            text,
            is_json,
            encoding_error,
        } = read_local(self.files, path).map_err(|e| {
            let (kind, why) = not_read(path, &e);
            (kind, why, None)
        })?;
        if !self.budget.admit_bytes(path, text.len()) {
            return Err((
                NotReadKind::MissingFile,
                crate::input_budget::past_budget(&shown),
                None,
            ));
        }
        let parsed = match &encoding_error {
            Some(error) => Err(error.clone()),
            None => load::read_template(&text, is_json),
        };
        match parsed {
            Ok(loaded) if !self.budget.admit_nodes(path, &loaded.root) => Err((
                NotReadKind::MissingFile,
                crate::input_budget::past_budget(&shown),
                None,
            )),
            Ok(loaded) => {
                let file = self.sources.add(SourceFile::new(path, text));
                self.load_errors
                    .extend(loaded.errors.into_iter().map(|error| (file, error)));
                Ok(Template::new(file, loaded.root))
            }
            Err(error) => {
                // Not a template the user named or discovery found: its text (and the parser's
                // message, which may quote it) is never shown; the note is at the reference.
                let local = LocalText {
                    text,
                    is_json,
                    encoding_error,
                };
                let why = format!(
                    "`{shown}` is not a readable template ({})",
                    local.parse_failure(&error)
                );
                Err((NotReadKind::InvalidFile, why, None))
            }
        }
    }

    fn unread(
        &mut self,
        site: &Site<'_>,
        span: Span,
        kind: NotReadKind,
        why: String,
        related: Option<Location>,
    ) {
        self.nesting.unread.push(Unread {
            stack: site.stack,
            resource: site.resource.to_string(),
            what: site.what(),
            location: Location {
                file: site.file,
                span,
            },
            kind,
            why,
            related,
        });
    }
}

/// Why a child named `path` is not read: outside the repository, or unreadable.
fn not_read(path: &Path, error: &FileError) -> (NotReadKind, String) {
    if error.is_outside() {
        let why = format!("`{}` is outside the repository, not read", path.display());
        return (NotReadKind::Outside, why);
    }
    let why = format!("`{}` cannot be read ({error})", path.display());
    (NotReadKind::MissingFile, why)
}

/// `s3://bucket/key`, `https://...`: never fetched.
fn is_remote(text: &str) -> bool {
    let lower = text.trim_start().to_ascii_lowercase();
    ["s3://", "https://", "http://"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::file::MemoryFiles;

    fn nest(parent: &str, files: &[(&str, &str)]) -> (Nesting, Vec<Template>, SourceMap) {
        nest_within(parent, files, crate::input_budget::InputBudget::default())
    }

    fn nest_within(
        parent: &str,
        files: &[(&str, &str)],
        mut budget: crate::input_budget::InputBudget,
    ) -> (Nesting, Vec<Template>, SourceMap) {
        let mut sources = SourceMap::default();
        let root = load::parse_template(parent, false).unwrap();
        let file = sources.add(SourceFile::new("app/template.yaml", parent.to_string()));
        let mut templates = vec![Template::new(file, root)];
        let mut errors = Vec::new();
        let files = MemoryFiles::new(files);
        let canonical = vec![files.canonical(Path::new("app/template.yaml")).ok()];
        let nesting = load(
            &mut sources,
            &mut templates,
            canonical,
            &files,
            &mut errors,
            &mut budget,
        );
        (nesting, templates, sources)
    }

    fn stack(url: &str) -> String {
        format!(
            "Resources:\n  Child:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: {url}\n"
        )
    }

    const LEAF: &str = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n";

    #[test]
    fn a_local_child_is_a_stack_linked_to_its_parent() {
        let (nesting, templates, sources) =
            nest(&stack("./child.yaml"), &[("app/child.yaml", LEAF)]);
        assert!(nesting.unread.is_empty(), "{:?}", nesting.unread);
        assert_eq!(templates.len(), 2);
        assert_eq!(nesting.child(0, "Child"), Some(1));
        assert_eq!(nesting.parent(1).unwrap().parent, 0);
        assert_eq!(
            sources.get(templates[1].file).unwrap().display_path(),
            "app/child.yaml"
        );
    }

    /// Nested templates count against the run's total input budget: past it, a child is not read
    /// (a note at the reference), so many nested stacks cannot add up without bound.
    #[test]
    fn past_the_input_budget_a_child_is_not_read() {
        let mut budget = crate::input_budget::InputBudget::default();
        assert!(budget.admit_bytes(
            Path::new("earlier.yaml"),
            crate::input_budget::MAX_TOTAL_BYTES
        ));
        let (nesting, templates, _) = nest_within(
            &stack("child.yaml"),
            &[(
                "app/child.yaml",
                "Resources: {T: {Type: AWS::SNS::Topic}}\n",
            )],
            budget,
        );
        assert_eq!(templates.len(), 1, "the child is not read");
        let unread = nesting.unread.first().expect("a note");
        assert_eq!(unread.kind, NotReadKind::MissingFile);
        assert!(
            unread.why.contains("past iamlint's total input budget"),
            "{}",
            unread.why
        );
    }

    #[test]
    fn upward_paths_and_sam_applications_are_read() {
        let app = "Resources:\n  App:\n    Type: AWS::Serverless::Application\n    Properties:\n      Location: ../shared/child.yaml\n";
        let (nesting, templates, _) = nest(app, &[("shared/child.yaml", LEAF)]);
        assert!(nesting.unread.is_empty(), "{:?}", nesting.unread);
        assert_eq!(templates.len(), 2);
        assert_eq!(nesting.child(0, "App"), Some(1));
    }

    #[test]
    fn remote_intrinsic_and_repository_locations_are_not_read() {
        for url in [
            "https://s3.amazonaws.com/bucket/child.yaml",
            "s3://bucket/child.yaml",
        ] {
            let (nesting, templates, _) = nest(&stack(url), &[]);
            assert_eq!(templates.len(), 1);
            assert_eq!(nesting.unread[0].kind, NotReadKind::Remote);
        }
        let (nesting, _, _) = nest(&stack("!Sub 'https://${Bucket}/child.yaml'"), &[]);
        assert_eq!(nesting.unread[0].kind, NotReadKind::Unreadable);
        let sar = "Resources:\n  App:\n    Type: AWS::Serverless::Application\n    Properties:\n      Location: {ApplicationId: arn:aws:serverlessrepo:us-east-1:1:applications/x, SemanticVersion: 1.0.0}\n";
        let (nesting, _, _) = nest(sar, &[]);
        assert_eq!(nesting.unread[0].kind, NotReadKind::Remote);
        assert!(
            nesting.unread[0]
                .why
                .contains("Serverless Application Repository")
        );
        let (nesting, _, _) = nest(&stack("./missing.yaml"), &[]);
        assert_eq!(nesting.unread[0].kind, NotReadKind::MissingFile);
        let (nesting, _, _) = nest(&stack("'{{resolve:ssm:/app/template-url}}'"), &[]);
        assert_eq!(nesting.unread[0].kind, NotReadKind::Unreadable);
        assert!(nesting.unread[0].why.contains("dynamic reference"));
        let (nesting, templates, _) =
            nest(&stack("./broken.yaml"), &[("app/broken.yaml", "a: [\n")]);
        assert_eq!(templates.len(), 1);
        assert_eq!(nesting.unread[0].kind, NotReadKind::InvalidFile);
        // Not a template the user named: the error's place, never its text or a snippet of it.
        assert!(nesting.unread[0].related.is_none());
        assert!(
            nesting.unread[0]
                .why
                .ends_with("is not a readable template (not valid YAML (line 2, column 1: did not find expected node content))"),
            "{}",
            nesting.unread[0].why
        );
        // Named twice, read once, noted at both places; the broken file is not a source.
        let twice = "Resources:\n  A:\n    Type: AWS::CloudFormation::Stack\n    Properties: {TemplateURL: broken.yaml}\n  B:\n    Type: AWS::CloudFormation::Stack\n    Properties: {TemplateURL: ./broken.yaml}\n";
        let mut sources = SourceMap::default();
        let file = sources.add(SourceFile::new("app/template.yaml", twice.to_string()));
        let mut templates = vec![Template::new(
            file,
            load::parse_template(twice, false).unwrap(),
        )];
        let mut errors = Vec::new();
        let files = MemoryFiles::new(&[("app/broken.yaml", "a: [\n")]);
        let nesting = load(
            &mut sources,
            &mut templates,
            vec![None],
            &files,
            &mut errors,
            &mut crate::input_budget::InputBudget::default(),
        );
        assert_eq!(
            (nesting.unread.len(), errors.len(), sources.len()),
            (2, 0, 1)
        );
    }

    #[test]
    fn a_template_nested_twice_is_one_stack_and_the_second_says_so() {
        let twice = "Resources:\n  A:\n    Type: AWS::CloudFormation::Stack\n    Properties: {TemplateURL: ./child.yaml}\n  B:\n    Type: AWS::CloudFormation::Stack\n    Properties: {TemplateURL: child.yaml}\n";
        let (nesting, templates, _) = nest(twice, &[("app/child.yaml", LEAF)]);
        assert_eq!(templates.len(), 2);
        assert_eq!(
            (nesting.child(0, "A"), nesting.child(0, "B")),
            (Some(1), Some(1))
        );
        assert_eq!(nesting.parent(1).unwrap().resource, "A");
        assert_eq!(nesting.unread.len(), 1);
        assert_eq!(nesting.unread[0].kind, NotReadKind::AlreadyNested);
        assert_eq!(nesting.unread[0].resource, "B");
    }

    #[test]
    fn loops_and_deep_chains_are_refused() {
        let back = stack("./template.yaml");
        let (nesting, templates, _) = nest(
            &stack("./child.yaml"),
            &[("app/template.yaml", ""), ("app/child.yaml", &back)],
        );
        assert_eq!(templates.len(), 2);
        assert_eq!(nesting.unread.len(), 1);
        assert_eq!(nesting.unread[0].kind, NotReadKind::IncludeLoop);
        assert_eq!(nesting.unread[0].stack, 1);
        // A chain of 10 files: the 9th nesting is refused.
        let names: Vec<String> = (0..10).map(|i| format!("app/c{i}.yaml")).collect();
        let bodies: Vec<String> = (0..10)
            .map(|i| stack(&format!("./c{}.yaml", i + 1)))
            .collect();
        let files: Vec<(&str, &str)> = names
            .iter()
            .zip(&bodies)
            .map(|(n, b)| (n.as_str(), b.as_str()))
            .collect();
        let (nesting, templates, _) = nest(&stack("./c0.yaml"), &files);
        assert_eq!(templates.len(), MAX_NESTING_DEPTH + 1);
        assert_eq!(nesting.unread.len(), 1);
        assert!(nesting.unread[0].why.contains("nest one another"));
    }
}
