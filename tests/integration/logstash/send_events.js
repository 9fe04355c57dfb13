// Sends the events of a JSON-lines file through the npm package lumberjack-client (installed by
// scripts/install-peers.sh into .peers/npm) as one Lumberjack v2 window, the way Filebeat sends
// a batch, and waits for the server's ACK of the last event. The package never reads acks, so
// this script reads them from its socket.
//
//   node send_events.js PORT FILE
//
// Prints "acked N events" and exits 0 once acked; exits 1 after LJ_TIMEOUT_MS (30 s).
'use strict'
const fs = require('fs')
const path = require('path')
const LumberjackClient = require(path.join(process.env.LUMBERJACK_CLIENT_DIR, 'lumberjack-client'))

const [port, file] = process.argv.slice(2)
const events = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l))
const client = new LumberjackClient({ host: '127.0.0.1', port: Number(port) }, false)

let buffer = Buffer.alloc(0)
client.socket.on('data', (data) => {
  buffer = Buffer.concat([buffer, data])
  while (buffer.length >= 6) {
    const seq = buffer.readUInt32BE(2)
    buffer = buffer.subarray(6)
    if (seq === events.length) {
      console.log(`acked ${seq} events`)
      process.exit(0)
    }
  }
})
// Logged before the connection is up, the events go out as one window.
for (const e of events) client.log(e)
setTimeout(() => {
  console.log('timeout waiting for the ack')
  process.exit(1)
}, Number(process.env.LJ_TIMEOUT_MS || 30000))
