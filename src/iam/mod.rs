//! IAM: policy documents, the AWS managed policies that matter, action and resource matching, and the
//! three-valued evaluator that decides whether a principal may call an action on a target.
//!
//! - [`pattern`]: IAM globs against symbolic request ARNs (holes for path parameters and `ANY`).
//! - [`policy`]: policy documents read from template nodes through the resolver.
//! - [`managed`]: the embedded table of AWS managed policies.
//! - [`eval`]: identity policies ∩ permissions boundary → `Allowed`, `Denied` or `Conditional`.
//!
//! Every public item here is documented (`missing_docs` is on for this module).

#![warn(missing_docs)]

pub mod eval;
pub mod managed;
pub mod pattern;
pub mod policy;
