// Preloaded (`node --import`) into a tool that must run offline: any outgoing connection ends the process with 97.
import net from 'node:net';

net.Socket.prototype.connect = function refuse() {
  process.stderr.write('no-network: an outgoing connection was attempted\n');
  process.exit(97);
};
