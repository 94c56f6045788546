// The page's only way to put API values on screen: as text nodes and attribute values, never as
// markup, so a name or a log line that looks like HTML stays text.

const SVG = 'http://www.w3.org/2000/svg';

/** An element with attributes and children; strings become text nodes. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  for (const child of children) node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  return node;
}

export function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

export const text = (id, value) => {
  document.getElementById(id).textContent = String(value);
};

/** Replaces a table's body with one row per item. */
export function fillTable(id, rows) {
  const body = document.querySelector(`#${id} tbody`);
  body.replaceChildren(...rows);
}

export function row(cells, attrs = {}) {
  return el('tr', attrs, ...cells.map((cell) => (cell instanceof HTMLTableCellElement ? cell : el('td', {}, cell instanceof Node ? cell : String(cell ?? '')))));
}
