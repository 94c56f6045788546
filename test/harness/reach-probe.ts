// Action source that defines `reach(host, port)`: 'connected', 'timeout' or the error code of a
// TCP connect from inside an action container. Hostile-action tests prepend it to their code.

export const REACH_SOURCE = `const net = require('net');
function reach(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1500 });
    socket.once('connect', () => { socket.destroy(); resolve('connected'); });
    socket.once('timeout', () => { socket.destroy(); resolve('timeout'); });
    socket.once('error', (e) => resolve(e.code));
  });
}`;
