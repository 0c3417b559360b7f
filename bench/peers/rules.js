// The rule-engine subset of the basic_unit catalogue (BU-E03, E05, E06, E07,
// W01-W05), written once as JsonLogic; json-rules-engine gets the same rules in
// its own condition format (rules_engine.js).
'use strict';

const v = (name) => ({ var: name });
const known = (name) => ({ '!==': [v(name), null] });

const jsonLogicRules = {
  'BU-E03': { '!==': [v('division_code'), v('division')] },
  'BU-E05': { or: [{ and: [known('employees'), { '<': [v('employees'), 0] }] },
                   { and: [known('revenue'), { '<': [v('revenue'), 0] }] }] },
  'BU-E06': { and: [known('opened'), { or: [{ '<': [v('opened'), '1900-01'] }, { '>': [v('opened'), v('period')] }] }] },
  'BU-E07': { or: [{ '!==': [v('lat_present'), v('lon_present')] },
                   { and: [known('latitude'), { or: [{ '<': [v('latitude'), 20500000] }, { '>': [v('latitude'), 26600000] }] }] },
                   { and: [known('longitude'), { or: [{ '<': [v('longitude'), 104300000] }, { '>': [v('longitude'), 112100000] }] }] }] },
  'BU-W01': { and: [known('registrar'), { or: [
    { and: [{ in: [v('unit_type'), ['10', '55']] }, { '!==': [v('registrar'), '9'] }] },
    { and: [{ in: [v('unit_type'), ['20', '30']] }, { '!==': [v('registrar'), '1'] }] },
    { and: [{ in: [v('unit_type'), ['40', '51', '52']] }, { '!==': [v('registrar'), '5'] }] },
    { and: [{ '===': [v('unit_type'), '56'] }, { '!==': [v('registrar'), 'N'] }] }] }] },
  'BU-W02': { and: [known('employees'), known('revenue'), { '===': [v('employees'), 0] }, { '>': [v('revenue'), 100000] }] },
  'BU-W03': { and: [known('employees'), { '>': [v('employees'), 5000] }] },
  'BU-W04': { and: [known('employees'), { in: [v('operating_status'), ['4', '5', '6', '7']] }, { '>': [v('employees'), 0] }] },
  'BU-W05': { and: [known('uscc_region'), { '!==': [v('uscc_region'), '45'] }] },
};

module.exports = { jsonLogicRules };
