/**
 * Returns its parameters unchanged (the catalog's `utils/echo`).
 */
function main(params) {
  return params || {};
}
