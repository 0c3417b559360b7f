// json-logic-js: the rule subset, synchronous. Prints {records, failing, seconds}.
'use strict';
const jsonLogic = require('json-logic-js');
const { forEachLine, facts } = require('./lines');
const { jsonLogicRules } = require('./rules');

const [, , file, limitArg] = process.argv;
const limit = Number(limitArg || Infinity);
const rules = Object.values(jsonLogicRules);
let failing = 0;
const t0 = process.hrtime.bigint();
const records = forEachLine(file, limit, (line) => {
  const f = facts(JSON.parse(line));
  for (const r of rules) if (jsonLogic.apply(r, f)) { failing++; break; }
});
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ peer: 'json-logic-js', records, failing, seconds }));
