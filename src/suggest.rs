//! "Did you mean": the known name closest to a misspelt one (REF001, PAR001, rule selectors,
//! samconfig environments, intrinsic function names), with bounded work.
//!
//! Bounds: a name or candidate longer than [`MAX_NAME_CHARS`] characters is never compared (no
//! suggestion for it), so one comparison costs at most 64 × 64 cells of the edit-distance table;
//! and a [`Budget`] shared by a whole run caps the cells and candidates compared over all callers
//! ([`RUN_BUDGET`]). Past the budget there is no suggestion: the finding is the same, only its
//! "did you mean" is missing.

use std::sync::atomic::{AtomicU64, Ordering};

/// Longest name (in characters) compared for a suggestion.
pub const MAX_NAME_CHARS: usize = 64;

/// Edit-distance cells (plus one per candidate looked at) one run may spend on suggestions.
pub const RUN_BUDGET: u64 = 20_000_000;

/// What is left of the work a run may spend on suggestions; shared by every caller of the run.
#[derive(Debug)]
pub struct Budget {
    left: AtomicU64,
}

impl Default for Budget {
    fn default() -> Self {
        Self::new(RUN_BUDGET)
    }
}

impl Budget {
    /// A budget of `cells`.
    pub fn new(cells: u64) -> Self {
        Self {
            left: AtomicU64::new(cells),
        }
    }

    /// Takes `cost` from the budget; `false` (and nothing left) when it does not cover it.
    fn spend(&self, cost: u64) -> bool {
        let spent = self
            .left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(cost)
            });
        if spent.is_err() {
            self.left.store(0, Ordering::Relaxed);
        }
        spent.is_ok()
    }

    /// Whether the budget is spent.
    pub fn is_spent(&self) -> bool {
        self.left.load(Ordering::Relaxed) == 0
    }
}

/// The candidate closest to `name` (case-insensitive) within `max_edits` edits, when exactly one is
/// closest. `None` when no candidate is close enough, when two are equally close, when `name` is
/// longer than [`MAX_NAME_CHARS`], or when `budget` runs out during the search.
pub fn closest<'c>(
    name: &str,
    candidates: impl IntoIterator<Item = &'c str>,
    max_edits: usize,
    budget: &Budget,
) -> Option<&'c str> {
    let target = folded(name)?;
    let mut best: Option<(usize, &str)> = None;
    let mut tied = false;
    let mut other = Vec::with_capacity(MAX_NAME_CHARS);
    for candidate in candidates {
        if !budget.spend(1) {
            return None;
        }
        let Some(length) = fold_into(candidate, &mut other) else {
            continue;
        };
        if length.abs_diff(target.len()) > max_edits {
            continue;
        }
        // The cells of the band (see `bounded_distance`).
        let band = 2 * max_edits.min(MAX_NAME_CHARS) + 1;
        let cost = u64::try_from(target.len().saturating_mul(band)).unwrap_or(u64::MAX);
        if !budget.spend(cost) {
            return None;
        }
        let Some(distance) = bounded_distance(&target, &other, max_edits) else {
            continue;
        };
        match best {
            Some((d, _)) if d < distance => {}
            Some((d, b)) if d == distance => tied |= b != candidate,
            _ => {
                best = Some((distance, candidate));
                tied = false;
            }
        }
    }
    best.filter(|_| !tied).map(|(_, c)| c)
}

/// The lowercased characters of `name`; `None` when it is longer than [`MAX_NAME_CHARS`].
fn folded(name: &str) -> Option<Vec<char>> {
    let mut chars = Vec::with_capacity(MAX_NAME_CHARS);
    fold_into(name, &mut chars)?;
    Some(chars)
}

/// Fills `into` with the lowercased characters of `name`, returning their count; `None` (and
/// `into` unspecified) when `name` has more than [`MAX_NAME_CHARS`] characters.
fn fold_into(name: &str, into: &mut Vec<char>) -> Option<usize> {
    into.clear();
    for c in name.chars() {
        if into.len() >= MAX_NAME_CHARS {
            return None;
        }
        into.push(c.to_lowercase().next().unwrap_or(c));
    }
    Some(into.len())
}

/// The Levenshtein distance of `a` and `b` when at most `limit`, else `None`. Only the band of
/// cells within `limit` of the diagonal is computed (a cell outside it exceeds the limit), and the
/// search stops as soon as a whole row of the band exceeds it: `O(len × limit)`.
fn bounded_distance(a: &[char], b: &[char], limit: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let over = limit + 1;
    // previous[j] = distance(a[..i], b[..j]) capped at `over`, for j in row i's band; the cell just
    // past the band is `over` too (the next row reads it).
    let mut previous: Vec<usize> = (0..=b.len()).map(|j| j.min(over)).collect();
    let mut current = vec![over; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        let row = i + 1;
        let low = row.saturating_sub(limit);
        let high = (row + limit).min(b.len());
        let mut row_min = over;
        if low == 0 {
            if let Some(first) = current.first_mut() {
                *first = row.min(over);
                row_min = *first;
            }
        } else if let Some(before) = current.get_mut(low - 1) {
            *before = over;
        }
        for j in low.max(1)..=high {
            let cb = b.get(j - 1);
            let substitution =
                previous.get(j - 1).copied().unwrap_or(over) + usize::from(cb != Some(ca));
            let deletion = previous.get(j).copied().unwrap_or(over) + 1;
            let insertion = current.get(j - 1).copied().unwrap_or(over) + 1;
            let value = substitution.min(deletion).min(insertion).min(over);
            if let Some(cell) = current.get_mut(j) {
                *cell = value;
            }
            row_min = row_min.min(value);
        }
        if let Some(after) = current.get_mut(high + 1) {
            *after = over;
        }
        if row_min > limit {
            return None;
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous.last().copied().filter(|&d| d <= limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distance(a: &str, b: &str) -> Option<usize> {
        bounded_distance(&folded(a)?, &folded(b)?, 10)
    }

    /// The full table, to compare the band with.
    fn full_distance(a: &[char], b: &[char]) -> usize {
        let mut previous: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.iter().enumerate() {
            let mut current = vec![i + 1];
            for (j, cb) in b.iter().enumerate() {
                let value = (previous[j] + usize::from(ca != cb))
                    .min(previous[j + 1] + 1)
                    .min(current[j] + 1);
                current.push(value);
            }
            previous = current;
        }
        previous[b.len()]
    }

    #[test]
    fn the_band_agrees_with_the_full_table() {
        let words = [
            "", "a", "ab", "ba", "abc", "kitten", "sitting", "Envv", "Env", "flaw", "lawn", "aaaa",
            "aaab", "baaa",
        ];
        for a in words {
            for b in words {
                let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
                let full = full_distance(&a, &b);
                for limit in 0..5 {
                    let expected = (full <= limit).then_some(full);
                    assert_eq!(
                        bounded_distance(&a, &b, limit),
                        expected,
                        "{a:?} {b:?} {limit}"
                    );
                }
            }
        }
    }

    #[test]
    fn distances_are_levenshtein() {
        assert_eq!(distance("Envv", "Env"), Some(1));
        assert_eq!(distance("kitten", "sitting"), Some(3));
        assert_eq!(distance("", "abc"), Some(3));
        assert_eq!(distance("ENV", "env"), Some(0));
        assert_eq!(bounded_distance(&['a'; 20], &['b'; 20], 3), None);
    }

    #[test]
    fn suggests_the_one_closest_name() {
        let budget = Budget::default();
        assert_eq!(closest("Envv", ["Env", "Stage"], 1, &budget), Some("Env"));
        assert_eq!(closest("env", ["Env"], 1, &budget), Some("Env"));
        assert_eq!(closest("Zzz", ["Env", "Stage"], 1, &budget), None);
        assert_eq!(closest("prd", ["prod", "dev"], 1, &budget), Some("prod"));
        assert_eq!(closest("ab", ["aa", "bb"], 1, &budget), None, "a tie");
        assert_eq!(closest("ab", ["ac", "ac"], 1, &budget), Some("ac"));
    }

    #[test]
    fn long_names_get_no_suggestion() {
        let budget = Budget::default();
        let long = "a".repeat(MAX_NAME_CHARS + 1);
        let near = "a".repeat(MAX_NAME_CHARS);
        assert_eq!(closest(&long, [near.as_str()], 3, &budget), None);
        assert_eq!(closest(&near, [long.as_str()], 3, &budget), None);
        assert_eq!(
            closest(&near[1..], [near.as_str()], 3, &budget),
            Some(near.as_str())
        );
    }

    #[test]
    fn past_the_budget_there_is_no_suggestion() {
        let budget = Budget::new(30);
        assert_eq!(closest("Envv", ["Env"], 1, &budget), Some("Env"));
        assert_eq!(closest("Envv", ["Env"], 1, &budget), Some("Env"));
        assert_eq!(closest("Envv", ["Env"], 1, &budget), None);
        assert!(budget.is_spent());
        assert_eq!(closest("Envv", ["Env"], 1, &budget), None);
    }
}
