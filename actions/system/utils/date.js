/**
 * The current date and time: `{date}` (a Date, which the runtime answers as its ISO string).
 */
function main() {
  const now = new Date();
  console.log('It is now ' + now);
  return { date: now };
}
