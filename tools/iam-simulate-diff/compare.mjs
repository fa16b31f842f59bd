// Differential test of iamlint's IAM evaluator against @cloud-copilot/iam-simulate.
//
// Reads the JSON lines written by `tests/iam_simulate_cases.rs` (one generated request each, with
// iamlint's answer), simulates each request with iam-simulate (Strict mode; no SCPs; the implicit
// RCPFullAWSAccess is the only RCP, so neither interferes), and reports every case where the answers
// differ: Allowed / ExplicitlyDenied / ImplicitlyDenied must be equal, and iamlint's `Conditional` on
// a concrete request is always a disagreement. Exits 1 on any disagreement or simulator error.
//
// The request principal is the caller's role *session* (`arn:aws:sts::ACCT:assumed-role/ROLE/session`):
// iamlint's callers are assumed-role sessions whose role ARN is known, which is what makes a
// resource-policy grant to the role ARN limited by the permissions boundary and a grant to `*` not.
//
// Usage: node compare.mjs cases.jsonl

import { readFileSync } from 'node:fs'
import { runSimulation } from '@cloud-copilot/iam-simulate'

const path = process.argv[2]
if (!path) {
  console.error('usage: node compare.mjs cases.jsonl')
  process.exit(2)
}

const cases = readFileSync(path, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line))

const disagreements = []
const errors = []
const tally = {}

for (const c of cases) {
  const simulation = {
    request: {
      principal: c.principal,
      action: c.action,
      resource: { resource: c.resource, accountId: c.resourceAccount },
      contextVariables: {}
    },
    identityPolicies: c.identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: c.resourcePolicy ?? undefined,
    permissionBoundaryPolicies: c.permissionBoundaryPolicies ?? undefined
  }
  let result
  try {
    result = await runSimulation(simulation, { simulationMode: 'Strict' })
  } catch (e) {
    errors.push({ id: c.id, error: String(e) })
    continue
  }
  if (result.resultType === 'error') {
    errors.push({ id: c.id, error: result.errors })
    continue
  }
  const simulated = result.overallResult
  tally[simulated] = (tally[simulated] ?? 0) + 1
  if (simulated !== c.iamlint) {
    disagreements.push({ case: c, simulated })
  }
}

const show = (items, limit) => {
  for (const item of items.slice(0, limit)) {
    console.log(JSON.stringify(item, null, 1))
  }
  if (items.length > limit) console.log(`... and ${items.length - limit} more`)
}

if (errors.length > 0) {
  console.log(`iam-simulate rejected ${errors.length} case(s):`)
  show(errors, 5)
}
if (disagreements.length > 0) {
  const shapes = {}
  for (const d of disagreements) {
    const c = d.case
    const key = [
      `iamlint=${c.iamlint}`,
      `iam-simulate=${d.simulated}`,
      c.sameAccount ? 'same-account' : 'cross-account',
      c.permissionBoundaryPolicies ? 'boundary' : 'no-boundary',
      c.resourcePolicy ? 'resource-policy' : 'no-resource-policy'
    ].join(' ')
    shapes[key] = (shapes[key] ?? 0) + 1
  }
  console.log('disagreements by shape:')
  for (const [key, n] of Object.entries(shapes).sort((a, b) => b[1] - a[1])) {
    console.log(`  ${n}  ${key}`)
  }
  console.log('disagreements (iamlint vs iam-simulate):')
  show(
    disagreements.map((d) => ({ iamlint: d.case.iamlint, iamSimulate: d.simulated, ...d.case })),
    10
  )
}
const coverage = {}
for (const c of cases) {
  const key = [
    c.sameAccount ? 'same-account' : 'cross-account',
    c.permissionBoundaryPolicies ? 'boundary' : 'no-boundary',
    c.resourcePolicy ? 'resource-policy' : 'no-resource-policy',
    c.iamlint
  ].join(' ')
  coverage[key] = (coverage[key] ?? 0) + 1
}
if (process.env.IAM_SIMULATE_DIFF_VERBOSE) {
  console.log('cases by shape and answer:')
  for (const [key, n] of Object.entries(coverage).sort()) console.log(`  ${n}  ${key}`)
}
const outcomes = Object.entries(tally)
  .map(([k, v]) => `${k} ${v}`)
  .join(', ')
console.log(
  `iam-simulate differential: ${cases.length} cases, ${disagreements.length} disagreements` +
    (errors.length > 0 ? `, ${errors.length} simulator errors` : '') +
    ` (${outcomes})`
)
process.exit(disagreements.length > 0 || errors.length > 0 || cases.length === 0 ? 1 : 0)
