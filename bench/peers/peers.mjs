// The measured rule in three peer engines, on the same records as carecoord:
//   node peers.mjs RECORDS.ndjson SINCE_DATE AS_OF_DATE
// Prints one line per engine: name, matches, microseconds per evaluation (records already
// parsed), microseconds per record including JSON.parse. An engine that is not installed
// is skipped with a note.
import { readFileSync } from 'node:fs';

const [,, file, sinceDate, asOfDate] = process.argv;
// Dates as numbers (YYYYMMDD) in the normalized records: every peer compares the same way.
const since = Number(sinceDate.replaceAll('-', ''));
const asOf = Number(asOfDate.replaceAll('-', ''));
const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim());
const records = lines.map((l) => JSON.parse(l));
const categories = [['E10', 'E11'], ['I10', 'I11', 'I12'], ['I50'], ['N18'], ['J44'], ['J45'], ['F32', 'F33'], ['I48']];
const ACTIVE = ['active', 'recurrence', 'relapse'];

// `evaluate` takes a normalized record. The eval-only figure runs on records normalized
// beforehand (as carecoord's runs on decoded patients); the per-record figure includes
// JSON.parse and the normalization (as carecoord's includes decoding).
function time(evaluate) {
  const prepared = records.map(normalize);
  let matches = 0;
  for (const r of prepared) if (evaluate(r)) matches++;  // warm-up and the answer
  const rounds = Math.max(1, Math.floor(200000 / records.length));
  let t0 = process.hrtime.bigint();
  for (let k = 0; k < rounds; k++) for (const r of prepared) evaluate(r);
  const evalUs = Number(process.hrtime.bigint() - t0) / 1e3 / (rounds * records.length);
  t0 = process.hrtime.bigint();
  for (let k = 0; k < rounds; k++) for (const l of lines) evaluate(normalize(JSON.parse(l)));
  const parseUs = Number(process.hrtime.bigint() - t0) / 1e3 / (rounds * lines.length);
  return { matches, evalUs, parseUs };
}

// Missing fields are normalized the same way for every engine: absent lists are empty,
// absent booleans false, an absent abatement null. `alive` is false for a death dated on or
// before the as-of date: carecoord gives the deceased the lowest tier whatever the rule says
// (docs/patient-schema.md, deceased), so every peer's rule is `alive and (...)` too.
function normalize(r) {
  return {
    conditions: (r.conditions || []).map((c) => ({ code: c.code, status: c.status || 'active', abated: c.abatement != null })),
    encounters: (r.encounters || []).map((e) => ({ class: e.class, admit: e.admit ? Number(e.admit.slice(0, 10).replaceAll('-', '')) : 0 })),
    housing: !!(r.social && r.social.housing_instability),
    food: !!(r.social && r.social.food_insecurity),
    alive: !(r.deceased && Number(r.deceased.slice(0, 10).replaceAll('-', '')) <= asOf),
  };
}

const engines = {
  async 'json-logic-engine (compiled)'() {
    const { LogicEngine } = await import('json-logic-engine');
    const active = { and: [{ in: [{ var: 'status' }, ACTIVE] }, { '!': { var: 'abated' } }] };
    const cat = (prefixes) => ({ if: [{ some: [{ var: 'conditions' }, { and: [active, { in: [{ substr: [{ var: 'code' }, 0, 3] }, prefixes] }] }] }, 1, 0] });
    const logic = { and: [{ var: 'alive' }, { or: [
      { '>=': [{ '+': categories.map(cat) }, 4] },
      { '>=': [{ reduce: [{ filter: [{ var: 'encounters' }, { and: [{ '==': [{ var: 'class' }, 'inpatient'] }, { '>=': [{ var: 'admit' }, since] }] }] }, { '+': [{ var: 'accumulator' }, 1] }, 0] }, 2] },
      { var: 'housing' }, { var: 'food' } ] }] };
    const f = new LogicEngine().build(logic);
    return (r) => !!f(r);
  },
  async '@marcbachmann/cel-js'() {
    const { parse } = await import('@marcbachmann/cel-js');
    const active = "x.status in ['active', 'recurrence', 'relapse'] && !x.abated";
    const cat = (ps) => `(conditions.exists(x, ${active} && (${ps.map((p) => `x.code.startsWith('${p}')`).join(' || ')})) ? 1 : 0)`;
    const src = `alive && ((${categories.map(cat).join(' + ')}) >= 4 || size(encounters.filter(e, e.class == 'inpatient' && e.admit >= ${since})) >= 2 || housing || food)`;
    const f = parse(src);
    return (r) => !!f(r);
  },
  async '@gorules/zen-engine (expression)'() {
    const { evaluateExpressionSync } = await import('@gorules/zen-engine');
    const active = "(#.status == 'active' or #.status == 'recurrence' or #.status == 'relapse') and not #.abated";
    const cat = (ps) => `(some(conditions, ${active} and (${ps.map((p) => `startsWith(#.code, '${p}')`).join(' or ')})) ? 1 : 0)`;
    const src = `alive and ((${categories.map(cat).join(' + ')}) >= 4 or count(encounters, #.class == 'inpatient' and #.admit >= ${since}) >= 2 or housing or food)`;
    return (r) => !!evaluateExpressionSync(src, r);
  },
};

for (const [name, make] of Object.entries(engines)) {
  let evaluate;
  try {
    evaluate = await make();
  } catch (e) {
    console.log(`${name}\tskipped: ${String(e.message || e).split('\n')[0]}`);
    continue;
  }
  let r;
  try {
    r = time(evaluate);
  } catch (e) {
    console.log(`${name}\tskipped: ${String(e.message || e).split('\n')[0]}`);
    continue;
  }
  console.log(`${name}\t${r.matches}\t${r.evalUs.toFixed(3)}\t${r.parseUs.toFixed(3)}`);
}
