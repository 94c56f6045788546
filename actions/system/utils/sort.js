/**
 * Sorts `lines` (string order, as Array.prototype.sort does): `{length, lines}`.
 */
function main(params) {
  const lines = params.lines || [];
  console.log('sort before: ' + lines);
  lines.sort();
  console.log('sort after: ' + lines);
  return { lines, length: lines.length };
}
