/**
 * Splits `payload` by `separator` (a string; default: line breaks): `{lines, payload}`.
 */
function main(params) {
  const separator = params.separator || /\r?\n/;
  const lines = params.payload.toString().split(separator);
  const result = { lines, payload: params.payload };
  console.log('split: returning ' + JSON.stringify(result));
  return result;
}
