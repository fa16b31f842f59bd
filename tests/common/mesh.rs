//! Deployments of many small CloudFormation stacks linked by exports (issue 14: `graph` and REF004 must
//! stay linear in stacks), for `tests/scale.rs` and `benches/graph.rs`.
//!
//! `mesh(n, cyclic)`: `stack-{i}.yaml` for `i` in `0..n`, each with three SNS topics whose names are
//! imported from the stacks `i - 1`, `i - 7` and `i - 31`, a queue referring to the first topic, and an
//! output exporting the queue's ARN as `out-{i}`. Cyclic: the offsets wrap around (modulo `n`), so every
//! stack is in one import cycle; acyclic: an offset that would fall below 0 is left out (stack 0
//! imports nothing). Pure: the same arguments always give the same files, in stack order.

/// How far back each stack's imports reach.
pub const IMPORT_OFFSETS: [usize; 3] = [1, 7, 31];

/// The `(path, YAML text)` of every stack.
pub fn mesh(stacks: usize, cyclic: bool) -> Vec<(String, String)> {
    (0..stacks)
        .map(|i| (format!("stack-{i}.yaml"), stack(i, stacks, cyclic)))
        .collect()
}

/// The stacks stack `i` imports from, one per offset that applies.
pub fn imported_stacks(i: usize, stacks: usize, cyclic: bool) -> Vec<usize> {
    IMPORT_OFFSETS
        .iter()
        .filter_map(|d| {
            if cyclic {
                Some((i + stacks - d % stacks) % stacks)
            } else {
                i.checked_sub(*d)
            }
        })
        .collect()
}

fn stack(i: usize, stacks: usize, cyclic: bool) -> String {
    let mut text = String::from("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n");
    let imports = imported_stacks(i, stacks, cyclic);
    for (k, j) in imports.iter().enumerate() {
        text.push_str(&format!(
            "  Topic{k}:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !ImportValue out-{j}\n"
        ));
    }
    let queue_name = if imports.is_empty() {
        format!("queue-{i}")
    } else {
        "!Ref Topic0".to_string()
    };
    text.push_str(&format!(
        "  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: {queue_name}\nOutputs:\n  Out:\n    Value: !GetAtt Queue.Arn\n    Export:\n      Name: out-{i}\n"
    ));
    text
}
