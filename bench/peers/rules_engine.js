// json-rules-engine: the same rule subset in its condition format (asynchronous
// engine). Prints {records, failing, seconds}.
'use strict';
const { Engine } = require('json-rules-engine');
const { forEachLine, facts } = require('./lines');

const F = (fact, operator, value) => ({ fact, operator, value });
const Fv = (fact, operator, other) => ({ fact, operator, value: { fact: other } });
const rules = [
  ['BU-E03', { any: [Fv('division_code', 'notEqual', 'division')] }],
  ['BU-E05', { any: [{ all: [F('employees', 'notEqual', null), F('employees', 'lessThan', 0)] },
                     { all: [F('revenue', 'notEqual', null), F('revenue', 'lessThan', 0)] }] }],
  ['BU-E06', { all: [F('opened', 'notEqual', null), { any: [F('opened', 'lessThanString', '1900-01'), Fv('opened', 'greaterThanString', 'period')] }] }],
  ['BU-E07', { any: [Fv('lat_present', 'notEqual', 'lon_present'),
                     { all: [F('latitude', 'notEqual', null), { any: [F('latitude', 'lessThan', 20500000), F('latitude', 'greaterThan', 26600000)] }] },
                     { all: [F('longitude', 'notEqual', null), { any: [F('longitude', 'lessThan', 104300000), F('longitude', 'greaterThan', 112100000)] }] }] }],
  ['BU-W01', { all: [F('registrar', 'notEqual', null), { any: [
    { all: [F('unit_type', 'in', ['10', '55']), F('registrar', 'notEqual', '9')] },
    { all: [F('unit_type', 'in', ['20', '30']), F('registrar', 'notEqual', '1')] },
    { all: [F('unit_type', 'in', ['40', '51', '52']), F('registrar', 'notEqual', '5')] },
    { all: [F('unit_type', 'equal', '56'), F('registrar', 'notEqual', 'N')] }] }] }],
  ['BU-W02', { all: [F('employees', 'equal', 0), F('revenue', 'notEqual', null), F('revenue', 'greaterThan', 100000)] }],
  ['BU-W03', { all: [F('employees', 'notEqual', null), F('employees', 'greaterThan', 5000)] }],
  ['BU-W04', { all: [F('employees', 'notEqual', null), F('operating_status', 'in', ['4', '5', '6', '7']), F('employees', 'greaterThan', 0)] }],
  ['BU-W05', { all: [F('uscc_region', 'notEqual', null), F('uscc_region', 'notEqual', '45')] }],
];

async function main() {
  const [, , file, limitArg] = process.argv;
  const limit = Number(limitArg || Infinity);
  const engine = new Engine([], { allowUndefinedFacts: true });
  engine.addOperator('lessThanString', (a, b) => typeof a === 'string' && a < b);
  engine.addOperator('greaterThanString', (a, b) => typeof a === 'string' && a > b);
  for (const [code, conditions] of rules) engine.addRule({ conditions, event: { type: code } });
  const lines = [];
  forEachLine(file, limit, (l) => lines.push(l));
  let failing = 0;
  const t0 = process.hrtime.bigint();
  for (const l of lines) {
    const { events } = await engine.run(facts(JSON.parse(l)));
    if (events.length > 0) failing++;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(JSON.stringify({ peer: 'json-rules-engine', records: lines.length, failing, seconds }));
}
main();
