//! The parameters of each stack as the PAR rules check them: what each template declares (with
//! `AllowedValues` and `AllowedPattern` as text) and the values supplied to it, with where each
//! was supplied ([`crate::parameters`]).

use crate::deployment::Deployment;
use crate::resolve::StackId;
use crate::source::Location;

pub use crate::parameters::{Source, SuppliedValue, closest};

/// One declared parameter.
#[derive(Debug, Clone)]
pub struct DeclaredParameter {
    pub name: String,
    /// The declaration (its key in `Parameters`).
    pub location: Location,
    /// `AllowedValues` as text; `None` when absent or when one of them is not a plain value.
    pub allowed_values: Option<Vec<String>>,
    /// `AllowedPattern`, when it is text.
    pub allowed_pattern: Option<String>,
    /// `CommaDelimitedList` or `List<…>`: each item is checked.
    pub is_list: bool,
}

/// One stack's declared parameters and supplied values.
#[derive(Debug, Clone)]
pub struct StackParameters {
    pub stack: StackId,
    pub declared: Vec<DeclaredParameter>,
    /// Every value supplied to the stack (the winning one per name), declared or not.
    pub supplied: Vec<(String, SuppliedValue)>,
}

impl StackParameters {
    pub fn declared(&self, name: &str) -> Option<&DeclaredParameter> {
        self.declared.iter().find(|p| p.name == name)
    }
}

/// Builds each stack's [`StackParameters`]. When no per-stack values were computed (the library
/// API), the values of `ResolveConfig.parameters` count as given on the command line.
pub fn stack_parameters(deployment: &Deployment) -> Vec<StackParameters> {
    deployment
        .templates
        .iter()
        .enumerate()
        .map(|(stack, template)| {
            let declared = template
                .parameters
                .iter()
                .map(|p| DeclaredParameter {
                    name: p.name.clone(),
                    location: Location {
                        file: template.file,
                        span: p.span,
                    },
                    allowed_values: p
                        .allowed_values
                        .iter()
                        .map(|v| v.as_scalar().map(|s| s.value.clone()))
                        .collect::<Option<Vec<_>>>()
                        .filter(|v| !v.is_empty()),
                    allowed_pattern: p
                        .allowed_pattern
                        .as_ref()
                        .and_then(|n| n.as_scalar())
                        .map(|s| s.value.clone()),
                    is_list: p.is_list(),
                })
                .collect();
            let computed = &deployment.config.stack_parameters;
            let supplied = match computed.get(stack) {
                Some(values) => values.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                // A stack added after the values were computed (a nested stack's child) gets what
                // its parent passes, not the deployment's inputs.
                None if !computed.is_empty() => Vec::new(),
                None => deployment
                    .config
                    .parameters
                    .iter()
                    .map(|(name, value)| {
                        let given = SuppliedValue {
                            value: value.clone(),
                            source: Source::CommandLine,
                            location: None,
                        };
                        (name.clone(), given)
                    })
                    .collect(),
            };
            StackParameters {
                stack,
                declared,
                supplied,
            }
        })
        .collect()
}
