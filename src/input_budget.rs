//! The total input budget of a run: bytes and nodes over all templates it analyses, on top of the
//! per-file limits (16 MiB per file, 2,000,000 nodes per document; see `load`). Many files each just
//! under the per-file limits would otherwise add up without bound (8 templates of 16 MiB took 1.4 GB).
//!
//! Files are admitted in the order the run reads them; the first one that would take the total past
//! [`MAX_TOTAL_BYTES`] or [`MAX_TOTAL_NODES`], and every file after it, is not analysed (not even
//! read, when the bytes tell). [`InputBudget::note`] is the one line that names them.

use std::path::{Path, PathBuf};

use crate::load::{MAX_DEPTH, Node, NodeKind};

/// Most bytes of templates one run analyses.
pub const MAX_TOTAL_BYTES: usize = 64 * 1024 * 1024;
/// Most nodes (YAML aliases expanded; JSON values and keys) over all templates of one run.
pub const MAX_TOTAL_NODES: usize = 4_000_000;

/// Most files named in the note (the rest are counted).
const NAMED_IN_NOTE: usize = 5;

/// What the run has admitted so far, and the files it refused.
#[derive(Debug, Default)]
pub struct InputBudget {
    bytes: usize,
    nodes: usize,
    /// A file was refused by its bytes: every later one is (the files are read in order).
    bytes_spent: bool,
    /// A document was refused by its nodes: every later one is (parsed in order, after reading).
    nodes_spent: bool,
    refused: Vec<PathBuf>,
}

impl InputBudget {
    /// Whether a file of `bytes` fits (then counted); else it is refused, with every later file.
    pub fn admit_bytes(&mut self, path: &Path, bytes: usize) -> bool {
        let total = self.bytes.saturating_add(bytes);
        if self.bytes_spent || total > MAX_TOTAL_BYTES {
            self.bytes_spent = true;
            self.refused.push(path.to_path_buf());
            return false;
        }
        self.bytes = total;
        true
    }

    /// Whether a parsed document fits (then its nodes are counted); else it is refused, with every
    /// later file.
    pub fn admit_nodes(&mut self, path: &Path, root: &Node) -> bool {
        if self.nodes_spent {
            self.refused.push(path.to_path_buf());
            return false;
        }
        let total = self.nodes.saturating_add(count_nodes(root));
        if total > MAX_TOTAL_NODES {
            self.nodes_spent = true;
            self.refused.push(path.to_path_buf());
            return false;
        }
        self.nodes = total;
        true
    }

    /// Whether the byte budget is spent: every further file is refused (so need not be read).
    pub fn is_spent(&self) -> bool {
        self.bytes_spent
    }

    /// Whether the node budget is spent: every further document is refused (so need not be parsed).
    pub fn nodes_spent(&self) -> bool {
        self.nodes_spent
    }

    /// The files refused so far, in the order they were met.
    pub fn refused(&self) -> &[PathBuf] {
        &self.refused
    }

    /// Refuses `path` without looking at it (the budget is spent).
    pub fn refuse(&mut self, path: &Path) {
        self.refused.push(path.to_path_buf());
    }

    /// The one line that says which files were not analysed, when any.
    pub fn note(&self) -> Option<String> {
        let count = self.refused.len();
        if count == 0 {
            return None;
        }
        let mut refused: Vec<&PathBuf> = self.refused.iter().collect();
        refused.sort();
        let mut named: Vec<String> = refused
            .into_iter()
            .take(NAMED_IN_NOTE)
            .map(|p| p.display().to_string())
            .collect();
        if count > NAMED_IN_NOTE {
            named.push(format!("and {} more", count - NAMED_IN_NOTE));
        }
        Some(format!(
            "not analysed: {count} file{} past iamlint's total input budget for one run ({} MiB and {MAX_TOTAL_NODES} nodes over all templates): {}; check them in another run",
            if count == 1 { "" } else { "s" },
            MAX_TOTAL_BYTES / (1024 * 1024),
            named.join(", ")
        ))
    }
}

/// Why a file a template names (a nested stack, an include) is not read: the run's total input
/// budget is spent.
pub fn past_budget(shown: &str) -> String {
    format!(
        "`{shown}` is past iamlint's total input budget for one run ({} MiB and {} nodes over all templates and the files they name), not read",
        MAX_TOTAL_BYTES / (1024 * 1024),
        MAX_TOTAL_NODES
    )
}

/// The nodes of a document: values and mapping keys, as the per-document limit counts them (a walk
/// bounded by the loader's depth limit).
pub fn count_nodes(root: &Node) -> usize {
    let mut count = 0usize;
    let mut stack: Vec<(&Node, usize)> = vec![(root, 0)];
    while let Some((node, depth)) = stack.pop() {
        count = count.saturating_add(1);
        if depth > MAX_DEPTH {
            continue;
        }
        match &node.kind {
            NodeKind::Scalar(_) => {}
            NodeKind::Seq(items) => stack.extend(items.iter().map(|n| (n, depth + 1))),
            NodeKind::Map(entries) => {
                count = count.saturating_add(entries.len());
                stack.extend(entries.iter().map(|e| (&e.value, depth + 1)));
            }
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_bytes_every_later_file_is_refused() {
        let mut budget = InputBudget::default();
        assert!(budget.admit_bytes(Path::new("a.yaml"), MAX_TOTAL_BYTES - 10));
        assert!(!budget.admit_bytes(Path::new("b.yaml"), 11));
        assert!(!budget.admit_bytes(Path::new("c.yaml"), 1), "sticky");
        assert!(budget.is_spent());
        let note = budget.note().unwrap_or_default();
        assert!(note.starts_with("not analysed: 2 files past"), "{note}");
        assert!(note.contains("b.yaml, c.yaml"), "{note}");
    }

    #[test]
    fn nodes_count_values_and_keys() {
        let loaded = crate::load::read_template("a: [1, 2]\nb: {c: 3}\n", false);
        let root = loaded.map(|l| l.root);
        // The root, keys a and b, the list and its 2 items, the map, its key c and 3.
        assert_eq!(root.map(|r| count_nodes(&r)).ok(), Some(9));
    }

    #[test]
    fn no_note_when_all_fit() {
        let mut budget = InputBudget::default();
        assert!(budget.admit_bytes(Path::new("a.yaml"), 100));
        assert_eq!(budget.note(), None);
    }
}
