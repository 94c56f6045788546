/**
 * Joins `lines` with newlines, like the unix command: `{lines, payload}`; other fields are dropped.
 */
function main(params) {
  const lines = params.lines || [];
  const result = { lines, payload: lines.join('\n') };
  console.log('cat: returning ' + JSON.stringify(result));
  return result;
}
