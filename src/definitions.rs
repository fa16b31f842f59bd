//! API definitions a template names outside its own text, read once for the whole deployment.
//!
//! - `DefinitionBody` (SAM `Api`/`HttpApi`) or `Body` (`AWS::ApiGateway::RestApi`,
//!   `AWS::ApiGatewayV2::Api`) written as `Fn::Transform: {Name: AWS::Include, Parameters:
//!   {Location: ./api.yaml}}`: CloudFormation inserts the file before SAM runs (nested macros are
//!   evaluated first), so the document is the API's inline body.
//! - SAM `DefinitionUri: ./openapi.yaml`: a local file that `sam deploy` uploads.
//!
//! A local location is relative to the including template's folder; it may climb out of it (`../`)
//! when it names a real file inside the repository: a path that resolves (after `..` and links)
//! outside the checked root is never opened ([`NotReadKind::Outside`]). The file is read through
//! [`FileSource`] (regular files only, bounded size), parsed by the same loader as templates, and
//! added to the source map, so its nodes keep spans in it. A file that does not parse is not added
//! and its text is never shown: the note, at the reference, says where the error is, not what. An included document that is itself an include is followed (a loop or a chain deeper than
//! [`MAX_INCLUDE_CHAIN`] is refused). What cannot be read (an S3 location, an intrinsic, a missing or
//! invalid file, a `Fn::Transform` inside a definition) is recorded in [`Definitions::unread`] with
//! why: the model reports it as `COV001`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::load::file::{FileError, FileSource, LocalText, normalize, read_local};
use crate::load::{self, Node};
use crate::resolve::StackId;
use crate::source::{FileId, Location, SourceFile, SourceMap, Span};
use crate::template::Template;

/// Why a local file named `path` is not read: outside the repository, or unreadable.
fn not_read(path: &Path, error: &FileError) -> Failure {
    if error.is_outside() {
        return Failure::new(
            NotReadKind::Outside,
            format!("`{}` is outside the repository, not read", path.display()),
        );
    }
    Failure::new(
        NotReadKind::MissingFile,
        format!("`{}` cannot be read ({error})", path.display()),
    )
}

/// Longest chain of documents that include the next one.
pub const MAX_INCLUDE_CHAIN: usize = 8;

/// An OpenAPI document read from a local file.
#[derive(Debug, Clone)]
pub struct IncludedDocument {
    pub file: FileId,
    /// The document's top-level mapping; its spans are in `file`.
    pub root: Arc<Node>,
}

/// Why a definition is not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotReadKind {
    /// In S3 (or behind a URL): never fetched.
    Remote,
    /// Written with an intrinsic function or macro iamlint does not expand, or not a mapping.
    Unreadable,
    /// A local file that cannot be read: missing, not a regular file, too large.
    MissingFile,
    /// A local path that resolves (after `..` and links) outside the checked root: never opened.
    Outside,
    /// A local file that is not valid YAML or JSON, or holds no mapping.
    InvalidFile,
    /// Includes that include each other, or a chain too long.
    IncludeLoop,
    /// A `Fn::Transform` inside a definition that is read.
    NestedTransform,
    /// A nested stack whose template another nested stack already reads (nested stacks only).
    AlreadyNested,
}

impl NotReadKind {
    /// A short name for reports and measurements.
    pub fn as_str(self) -> &'static str {
        match self {
            NotReadKind::Remote => "remote-definition",
            NotReadKind::Unreadable => "unreadable-definition",
            NotReadKind::MissingFile => "missing-file",
            NotReadKind::Outside => "outside-repository",
            NotReadKind::InvalidFile => "invalid-file",
            NotReadKind::IncludeLoop => "include-loop",
            NotReadKind::NestedTransform => "nested-transform",
            NotReadKind::AlreadyNested => "already-nested",
        }
    }
}

/// An API definition (or a part of one) that is not read.
#[derive(Debug, Clone)]
pub struct Unread {
    pub stack: StackId,
    /// The API's logical id (`Globals` for a Globals section).
    pub resource: String,
    /// What is not read, as a phrase: "the API definition of MyApi (`DefinitionBody`)".
    pub what: String,
    pub location: Location,
    pub kind: NotReadKind,
    pub why: String,
    /// Another place that explains it (the parse error in the included file).
    pub related: Option<Location>,
}

/// A file read as an included document, and the templates that include it.
#[derive(Debug, Clone)]
pub struct IncludedFile {
    pub file: FileId,
    pub included_by: Vec<FileId>,
}

/// Every definition of the deployment that lives outside its template, read or not.
#[derive(Debug, Clone, Default)]
pub struct Definitions {
    /// By (stack, span of the `DefinitionBody`/`Body`/`DefinitionUri` value).
    included: HashMap<(StackId, Span), IncludedDocument>,
    pub unread: Vec<Unread>,
    pub files: Vec<IncludedFile>,
}

impl Definitions {
    /// The document a `DefinitionBody`/`Body`/`DefinitionUri` value of stack `stack` includes.
    pub fn included(&self, stack: StackId, value: &Node) -> Option<&IncludedDocument> {
        self.included.get(&(stack, value.span))
    }

    /// The template files that include `file` (empty for a template).
    pub fn included_by(&self, file: FileId) -> &[FileId] {
        self.files
            .iter()
            .find(|f| f.file == file)
            .map_or(&[], |f| f.included_by.as_slice())
    }
}

/// Which property holds a definition, and how it is written.
#[derive(Debug, Clone, Copy)]
enum Property {
    /// An inline document or an `AWS::Include`: `DefinitionBody`, `Body`.
    Body(&'static str),
    /// A path or an S3 location: SAM's `DefinitionUri`.
    Uri,
    /// `BodyS3Location`: always in S3.
    S3Location,
}

impl Property {
    fn name(self) -> &'static str {
        match self {
            Property::Body(name) => name,
            Property::Uri => "DefinitionUri",
            Property::S3Location => "BodyS3Location",
        }
    }
}

/// The definition properties of a resource type.
fn properties_of(type_name: &str) -> &'static [Property] {
    match type_name {
        "AWS::Serverless::Api" | "AWS::Serverless::HttpApi" => {
            &[Property::Body("DefinitionBody"), Property::Uri]
        }
        "AWS::ApiGateway::RestApi" | "AWS::ApiGatewayV2::Api" => {
            &[Property::Body("Body"), Property::S3Location]
        }
        _ => &[],
    }
}

/// Reads every definition of `templates` that names a file, adding the files to `sources`.
pub fn load(
    sources: &mut SourceMap,
    templates: &[Template],
    files: &dyn FileSource,
    budget: &mut crate::input_budget::InputBudget,
) -> Definitions {
    let mut loader = Loader {
        sources,
        files,
        budget,
        cache: HashMap::new(),
        definitions: Definitions::default(),
    };
    for (stack, template) in templates.iter().enumerate() {
        let Some(base) = loader.folder_of(template.file) else {
            continue;
        };
        for resource in &template.resources {
            if is_websocket(resource) {
                continue;
            }
            for property in properties_of(resource.type_name()) {
                if let Some(value) = resource.property(property.name()) {
                    let site = Site {
                        stack,
                        template: template.file,
                        base: &base,
                        resource: &resource.logical_id,
                        property: *property,
                    };
                    loader.site(&site, value);
                }
            }
        }
        for section in ["Api", "HttpApi"] {
            let Some(globals) = template.globals.as_ref().and_then(|g| g.get(section)) else {
                continue;
            };
            for property in [Property::Body("DefinitionBody"), Property::Uri] {
                if let Some(value) = globals.get(property.name()) {
                    let site = Site {
                        stack,
                        template: template.file,
                        base: &base,
                        resource: "Globals",
                        property,
                    };
                    loader.site(&site, value);
                }
            }
        }
    }
    loader.definitions
}

/// A WebSocket `AWS::ApiGatewayV2::Api` (its `Body` is no HTTP API definition).
fn is_websocket(resource: &crate::template::Resource) -> bool {
    resource.type_name() == "AWS::ApiGatewayV2::Api"
        && resource
            .property("ProtocolType")
            .and_then(Node::as_str)
            .is_some_and(|p| p.eq_ignore_ascii_case("WEBSOCKET"))
}

/// Where a definition property is written.
struct Site<'s> {
    stack: StackId,
    template: FileId,
    /// The template's folder: local locations are relative to it.
    base: &'s Path,
    resource: &'s str,
    property: Property,
}

impl Site<'_> {
    fn what(&self) -> String {
        format!(
            "the API definition of {} (`{}`)",
            self.resource,
            self.property.name()
        )
    }
}

/// Why a file was not read, before it is tied to the site that names it.
#[derive(Debug, Clone)]
struct Failure {
    kind: NotReadKind,
    why: String,
    related: Option<Location>,
}

impl Failure {
    fn new(kind: NotReadKind, why: impl Into<String>) -> Failure {
        Failure {
            kind,
            why: why.into(),
            related: None,
        }
    }
}

struct Loader<'l> {
    sources: &'l mut SourceMap,
    files: &'l dyn FileSource,
    /// The run's total input budget: included files count against it too.
    budget: &'l mut crate::input_budget::InputBudget,
    /// Each file read once, by canonical path.
    cache: HashMap<PathBuf, Result<IncludedDocument, Failure>>,
    definitions: Definitions,
}

impl Loader<'_> {
    fn folder_of(&self, file: FileId) -> Option<PathBuf> {
        let path = self.sources.get(file)?.path();
        Some(path.parent().map(Path::to_path_buf).unwrap_or_default())
    }

    fn site(&mut self, site: &Site<'_>, value: &Node) {
        if value.is_null() {
            return;
        }
        let outcome = match site.property {
            Property::S3Location => Err((
                value.span,
                Failure::new(
                    NotReadKind::Remote,
                    "it is in S3 (`BodyS3Location`), and iamlint does not fetch S3 objects",
                ),
            )),
            Property::Body(_) => self.body(site, value),
            Property::Uri => self.uri(site, value),
        };
        match outcome {
            Ok(Some(document)) => {
                self.definitions
                    .included
                    .insert((site.stack, value.span), document);
            }
            Ok(None) => {}
            Err((span, failure)) => self.unread(site, span, failure),
        }
    }

    fn unread(&mut self, site: &Site<'_>, span: Span, failure: Failure) {
        self.definitions.unread.push(Unread {
            stack: site.stack,
            resource: site.resource.to_string(),
            what: site.what(),
            location: Location {
                file: site.template,
                span,
            },
            kind: failure.kind,
            why: failure.why,
            related: failure.related,
        });
    }

    /// A `DefinitionBody`/`Body`: inline (its nested transforms noted), or an include.
    fn body(
        &mut self,
        site: &Site<'_>,
        value: &Node,
    ) -> Result<Option<IncludedDocument>, (Span, Failure)> {
        match value.as_intrinsic() {
            None if value.is_map() => {
                let nested = nested_transforms(value, site.template);
                for location in nested {
                    self.nested(site.stack, site.resource, location);
                }
                Ok(None)
            }
            None => Err((
                value.span,
                Failure::new(
                    NotReadKind::Unreadable,
                    format!("it is {}, not an OpenAPI mapping", value.kind_name()),
                ),
            )),
            Some((key, arg)) if key.text == "Fn::Transform" => {
                let (span, location) = include_location(arg).map_err(|f| (value.span, f))?;
                self.location(
                    site.base,
                    site.template,
                    site.stack,
                    site.resource,
                    location,
                )
                .map(Some)
                .map_err(|f| (span, f))
            }
            Some((key, _)) => Err((
                value.span,
                Failure::new(
                    NotReadKind::Unreadable,
                    format!(
                        "it is written with `{}`, and iamlint reads only an inline document or a local `AWS::Include`",
                        key.text
                    ),
                ),
            )),
        }
    }

    /// A SAM `DefinitionUri`: a local path or an S3 location.
    fn uri(
        &mut self,
        site: &Site<'_>,
        value: &Node,
    ) -> Result<Option<IncludedDocument>, (Span, Failure)> {
        if let Some(text) = value.as_str() {
            return self
                .location(site.base, site.template, site.stack, site.resource, text)
                .map(Some)
                .map_err(|f| (value.span, f));
        }
        let failure = match value.as_intrinsic() {
            Some((key, _)) => Failure::new(
                NotReadKind::Unreadable,
                format!(
                    "it is written with `{}`, and iamlint reads only a literal local path",
                    key.text
                ),
            ),
            None => Failure::new(
                NotReadKind::Remote,
                "it is in S3 (`Bucket`/`Key`), and iamlint does not fetch S3 objects",
            ),
        };
        Err((value.span, failure))
    }

    /// A location as written: remote, or a local file relative to `base`.
    fn location(
        &mut self,
        base: &Path,
        home: FileId,
        stack: StackId,
        resource: &str,
        text: &str,
    ) -> Result<IncludedDocument, Failure> {
        if is_remote(text) {
            return Err(Failure::new(
                NotReadKind::Remote,
                format!("it is read from `{text}`, and iamlint does not fetch S3 objects or URLs"),
            ));
        }
        let mut chain = Vec::new();
        let target = LocalFile {
            base,
            text,
            home,
            stack,
            resource,
        };
        self.local(&target, &mut chain)
    }

    /// Reads a local file once (by canonical path), following an include at its top.
    fn local(
        &mut self,
        target: &LocalFile<'_>,
        chain: &mut Vec<PathBuf>,
    ) -> Result<IncludedDocument, Failure> {
        let path = normalize(&target.base.join(target.text));
        let canonical = self
            .files
            .canonical(&path)
            .map_err(|e| not_read(&path, &e))?;
        if chain.contains(&canonical) {
            return Err(Failure::new(
                NotReadKind::IncludeLoop,
                format!("`{}` includes itself (an include loop)", path.display()),
            ));
        }
        if chain.len() >= MAX_INCLUDE_CHAIN {
            return Err(Failure::new(
                NotReadKind::IncludeLoop,
                format!("more than {MAX_INCLUDE_CHAIN} files include one another"),
            ));
        }
        if let Some(cached) = self.cache.get(&canonical).cloned() {
            if let Ok(document) = &cached {
                self.include_by(document.file, target.home);
            }
            return cached;
        }
        chain.push(canonical.clone());
        let result = self.read_new(target, &path, chain);
        chain.pop();
        self.cache.insert(canonical, result.clone());
        result
    }

    fn read_new(
        &mut self,
        target: &LocalFile<'_>,
        path: &Path,
        chain: &mut Vec<PathBuf>,
    ) -> Result<IncludedDocument, Failure> {
        let shown = path.display().to_string();
        let LocalText {
            text,
            is_json,
            encoding_error,
        } = read_local(self.files, path).map_err(|e| not_read(path, &e))?;
        if !self.budget.admit_bytes(path, text.len()) {
            return Err(Failure::new(
                NotReadKind::MissingFile,
                crate::input_budget::past_budget(&shown),
            ));
        }
        let parsed = match &encoding_error {
            Some(error) => Err(error.clone()),
            None => load::parse_included(&text, is_json),
        };
        let root = match parsed {
            Ok(Some(root)) if !self.budget.admit_nodes(path, &root) => {
                return Err(Failure::new(
                    NotReadKind::MissingFile,
                    crate::input_budget::past_budget(&shown),
                ));
            }
            Ok(Some(root)) => root,
            Ok(None) => {
                return Err(Failure::new(
                    NotReadKind::InvalidFile,
                    format!("`{shown}` is empty"),
                ));
            }
            Err(error) => {
                // Not a template: its text (and the parser's message, which may quote it) is
                // never shown, and it does not join the source map.
                let local = LocalText {
                    text,
                    is_json,
                    encoding_error,
                };
                return Err(Failure::new(
                    NotReadKind::InvalidFile,
                    format!("`{shown}` is {}", local.parse_failure(&error)),
                ));
            }
        };
        let file = self.sources.add(SourceFile::new(path, text));
        self.include_by(file, target.home);
        if let Some((key, arg)) = root.as_intrinsic()
            && key.text == "Fn::Transform"
        {
            let (_, location) = include_location(arg)?;
            let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
            let next = LocalFile {
                base: &base,
                text: location,
                ..*target
            };
            return self.local(&next, chain);
        }
        if !root.is_map() || root.as_intrinsic().is_some() {
            return Err(Failure::new(
                NotReadKind::InvalidFile,
                format!(
                    "`{shown}` holds {}, not an OpenAPI mapping",
                    root.kind_name()
                ),
            ));
        }
        for location in nested_transforms(&root, file) {
            self.nested(target.stack, target.resource, location);
        }
        Ok(IncludedDocument {
            file,
            root: Arc::new(root),
        })
    }

    fn include_by(&mut self, file: FileId, home: FileId) {
        match self.definitions.files.iter_mut().find(|f| f.file == file) {
            Some(entry) if !entry.included_by.contains(&home) => entry.included_by.push(home),
            Some(_) => {}
            None => self.definitions.files.push(IncludedFile {
                file,
                included_by: vec![home],
            }),
        }
    }

    fn nested(&mut self, stack: StackId, resource: &str, location: Location) {
        self.definitions.unread.push(Unread {
            stack,
            resource: resource.to_string(),
            what: format!("a part of the API definition of {resource}"),
            location,
            kind: NotReadKind::NestedTransform,
            why: "it is a `Fn::Transform` inside the definition, which iamlint does not expand, so the routes it may add are not checked".to_string(),
            related: None,
        });
    }
}

/// A local location and the site it is read for.
#[derive(Clone, Copy)]
struct LocalFile<'a> {
    base: &'a Path,
    text: &'a str,
    home: FileId,
    stack: StackId,
    resource: &'a str,
}

/// `s3://bucket/key`, `https://...`: never fetched.
fn is_remote(text: &str) -> bool {
    let lower = text.trim_start().to_ascii_lowercase();
    ["s3://", "https://", "http://"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
}

/// The `Location` of `Fn::Transform: {Name: AWS::Include, Parameters: {Location: ...}}`, with its span.
fn include_location(arg: &Node) -> Result<(Span, &str), Failure> {
    let name = arg.get("Name").and_then(Node::as_str);
    if name != Some("AWS::Include") {
        let why = match name {
            Some(name) => format!("the macro `{name}` writes it, and iamlint does not run macros"),
            None => "it is a `Fn::Transform` iamlint cannot read".to_string(),
        };
        return Err(Failure::new(NotReadKind::Unreadable, why));
    }
    let Some(location) = arg.get("Parameters").and_then(|p| p.get("Location")) else {
        return Err(Failure::new(
            NotReadKind::Unreadable,
            "the `AWS::Include` has no `Location`",
        ));
    };
    match location.as_str() {
        Some(text) => Ok((location.span, text)),
        None => Err(Failure::new(
            NotReadKind::Unreadable,
            "the `AWS::Include` `Location` is not a literal path",
        )),
    }
}

/// Every `Fn::Transform` key inside a definition (not below another one), as locations in `file`.
fn nested_transforms(root: &Node, file: FileId) -> Vec<Location> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if let Some(items) = node.as_seq() {
            stack.extend(items.iter().rev());
        }
        for entry in node.as_map().unwrap_or(&[]).iter().rev() {
            if entry.key.text == "Fn::Transform" {
                out.push(Location {
                    file,
                    span: entry.key.span,
                });
            } else {
                stack.push(&entry.value);
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::file::MemoryFiles;

    fn definitions(template: &str, files: &[(&str, &str)]) -> (Definitions, SourceMap) {
        let mut sources = SourceMap::default();
        let root = load::parse_template(template, false).unwrap();
        let file = sources.add(SourceFile::new("app/template.yaml", template.to_string()));
        let templates = vec![Template::new(file, root)];
        let defs = load(
            &mut sources,
            &templates,
            &MemoryFiles::new(files),
            &mut crate::input_budget::InputBudget::default(),
        );
        (defs, sources)
    }

    const INCLUDE: &str = "Resources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      DefinitionBody:\n        Fn::Transform:\n          Name: AWS::Include\n          Parameters:\n            Location: LOCATION\n";

    fn with_location(location: &str) -> String {
        INCLUDE.replace("LOCATION", location)
    }

    #[test]
    fn a_local_include_is_read_with_spans_in_its_file() {
        let api = "openapi: 3.0.1\npaths:\n  /items:\n    get: {}\n";
        let (defs, sources) = definitions(&with_location("./api.yaml"), &[("app/api.yaml", api)]);
        assert!(defs.unread.is_empty(), "{:?}", defs.unread);
        let (_, document) = defs.included.iter().next().unwrap();
        let file = sources.get(document.file).unwrap();
        assert_eq!(file.display_path(), "app/api.yaml");
        let paths = document.root.get("paths").unwrap();
        assert_eq!(file.slice(paths.as_map().unwrap()[0].key.span), "/items");
        assert_eq!(defs.files.len(), 1);
    }

    #[test]
    fn upward_paths_resolve_only_to_real_files() {
        let api = "paths: {}\n";
        let (defs, _) = definitions(
            &with_location("../shared/api.yaml"),
            &[("shared/api.yaml", api)],
        );
        assert!(defs.unread.is_empty());
        let (defs, _) = definitions(&with_location("../../nowhere.yaml"), &[]);
        assert_eq!(defs.unread[0].kind, NotReadKind::MissingFile);
    }

    #[test]
    fn s3_locations_and_intrinsics_are_not_read() {
        let (defs, _) = definitions(&with_location("s3://bucket/api.yaml"), &[]);
        assert_eq!(defs.unread[0].kind, NotReadKind::Remote);
        let sub = with_location("!Sub '${Dir}/api.yaml'");
        let (defs, _) = definitions(&sub, &[]);
        assert_eq!(defs.unread[0].kind, NotReadKind::Unreadable);
        let uri = "Resources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      DefinitionUri: {Bucket: b, Key: k}\n";
        let (defs, _) = definitions(uri, &[]);
        assert_eq!(defs.unread[0].kind, NotReadKind::Remote);
    }

    #[test]
    fn include_loops_are_refused() {
        let a = "Fn::Transform: {Name: AWS::Include, Parameters: {Location: b.yaml}}\n";
        let b = "Fn::Transform: {Name: AWS::Include, Parameters: {Location: a.yaml}}\n";
        let (defs, _) = definitions(
            &with_location("a.yaml"),
            &[("app/a.yaml", a), ("app/b.yaml", b)],
        );
        assert_eq!(defs.unread.len(), 1);
        assert_eq!(defs.unread[0].kind, NotReadKind::IncludeLoop);
    }

    #[test]
    fn a_chained_include_is_followed() {
        let a = "Fn::Transform: {Name: AWS::Include, Parameters: {Location: sub/b.yaml}}\n";
        let b = "{\"paths\": {}}";
        let (defs, sources) = definitions(
            &with_location("a.yaml"),
            &[("app/a.yaml", a), ("app/sub/b.yaml", b)],
        );
        assert!(defs.unread.is_empty(), "{:?}", defs.unread);
        let (_, document) = defs.included.iter().next().unwrap();
        assert_eq!(
            sources.get(document.file).unwrap().display_path(),
            "app/sub/b.yaml"
        );
    }

    #[test]
    fn invalid_files_say_where_without_their_text_and_nested_transforms_are_noted() {
        let (defs, _) = definitions(&with_location("api.yaml"), &[("app/api.yaml", "a: [\n")]);
        assert_eq!(defs.unread[0].kind, NotReadKind::InvalidFile);
        // Not a template: the error's place in words, no snippet of the file.
        assert!(defs.unread[0].related.is_none());
        assert!(
            defs.unread[0]
                .why
                .contains("not valid YAML (line 2, column 1: did not find expected node content)"),
            "{}",
            defs.unread[0].why
        );
        let nested =
            "paths:\n  Fn::Transform: {Name: AWS::Include, Parameters: {Location: p.yaml}}\n";
        let (defs, _) = definitions(&with_location("api.yaml"), &[("app/api.yaml", nested)]);
        assert_eq!(defs.unread.len(), 1);
        assert_eq!(defs.unread[0].kind, NotReadKind::NestedTransform);
    }
}
