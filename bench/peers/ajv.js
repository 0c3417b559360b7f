// ajv 8: the field-level constraints of basic_unit as one compiled JSON Schema
// (allErrors), JSON.parse included. Prints {records, failing, seconds}.
'use strict';
const Ajv = require('ajv');
const { forEachLine } = require('./lines');

const str = (extra) => Object.assign({ type: 'string', minLength: 1 }, extra);
const opt = (pattern) => ({ type: ['string', 'null'], pattern: `^(|${pattern})$` });
const schema = {
  type: 'object',
  required: ['id', 'survey', 'period', 'division', 'data'],
  properties: {
    id: str(),
    survey: { const: 'basic_unit' },
    period: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$' },
    division: { type: 'string', pattern: '^\\d{12}$' },
    data: {
      type: 'object',
      additionalProperties: false,
      required: ['uscc', 'name', 'legal_rep', 'division_code', 'address', 'unit_type', 'industry_code',
                 'main_activity', 'operating_status', 'opened', 'employees'],
      properties: {
        uscc: { type: 'string', minLength: 18, maxLength: 18 },
        name: { type: 'string', minLength: 2, maxLength: 100 },
        legal_rep: str(),
        division_code: { type: 'string', pattern: '^\\d{12}$' },
        address: str(),
        phone: opt('[0-9-]{7,20}'),
        unit_type: { enum: ['10', '20', '30', '40', '51', '52', '53', '54', '55', '56', '90'] },
        industry_code: { type: 'string', pattern: '^[0-9]{4}$' },
        main_activity: str(),
        operating_status: { enum: ['1', '2', '3', '4', '5', '6', '7', '9'] },
        opened: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$' },
        employees: { type: ['integer', 'string'], pattern: '^-?\\d+(\\.0+)?$' },
        revenue: { type: ['string', 'number', 'null'], pattern: '^(|-?\\d+(\\.\\d0*)?)$' },
        latitude: { type: ['string', 'number', 'null'], pattern: '^(|-?\\d+(\\.\\d{1,6}0*)?)$' },
        longitude: { type: ['string', 'number', 'null'], pattern: '^(|-?\\d+(\\.\\d{1,6}0*)?)$' },
      },
    },
  },
};

const [, , file, limitArg] = process.argv;
const limit = Number(limitArg || Infinity);
const validate = new Ajv({ allErrors: true }).compile(schema);
let failing = 0;
const t0 = process.hrtime.bigint();
const records = forEachLine(file, limit, (line) => {
  let rec;
  try { rec = JSON.parse(line); } catch (e) { failing++; return; }
  if (!validate(rec)) failing++;
});
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ peer: 'ajv', records, failing, seconds }));
