// Reads a JSON Lines file record by record (no whole-file string), up to `limit`.
'use strict';
const fs = require('fs');

function forEachLine(path, limit, fn) {
  const fd = fs.openSync(path, 'r');
  const buf = Buffer.alloc(1 << 20);
  let rest = '';
  let n = 0;
  for (;;) {
    const got = fs.readSync(fd, buf, 0, buf.length, null);
    if (got === 0) break;
    const text = rest + buf.toString('utf8', 0, got);
    const lines = text.split('\n');
    rest = lines.pop();
    for (const l of lines) {
      if (l.length === 0) continue;
      if (n >= limit) { fs.closeSync(fd); return n; }
      fn(l, n++);
    }
  }
  if (rest.length > 0 && n < limit) fn(rest, n++);
  fs.closeSync(fd);
  return n;
}

// Facts for the rule engines: the record's values, numbers scaled to integers by
// their declared places (so that sums and comparisons are exact), and a few
// derived values the engines cannot compute themselves.
function facts(rec) {
  const d = rec.data || {};
  const present = (v) => v !== undefined && v !== null && v !== '';
  const scaled = (v, places) => {
    if (!present(v)) return null;
    const s = String(v);
    if (!/^-?\d+(\.\d+)?$/.test(s)) return null;
    const neg = s[0] === '-';
    const [i, f = ''] = (neg ? s.slice(1) : s).split('.');
    const frac = (f + '0'.repeat(places)).slice(0, places);
    if (f.replace(/0+$/, '').length > places) return null;
    const n = Number(i + frac);
    return neg ? -n : n;
  };
  const uscc = typeof d.uscc === 'string' ? d.uscc : '';
  return {
    division: rec.division,
    period: rec.period,
    division_code: d.division_code,
    employees: scaled(d.employees, 0),
    revenue: scaled(d.revenue, 1),
    revenue_present: present(d.revenue),
    latitude: scaled(d.latitude, 6),
    longitude: scaled(d.longitude, 6),
    lat_present: present(d.latitude),
    lon_present: present(d.longitude),
    opened: typeof d.opened === 'string' && /^\d{4}-(0[1-9]|1[0-2])$/.test(d.opened) ? d.opened : null,
    unit_type: typeof d.unit_type === 'string' ? d.unit_type : null,
    operating_status: typeof d.operating_status === 'string' ? d.operating_status : null,
    registrar: uscc.length === 18 ? uscc[0] : null,
    uscc_region: uscc.length === 18 ? uscc.slice(2, 4) : null,
  };
}

module.exports = { forEachLine, facts };
