// Drives the npm package lumberjack-client (installed by scripts/install-peers.sh into
// .peers/npm) for tests/integration/beats_test.cc. The package never reads acks, so this
// script reads them from its socket.
//
//   node lumberjack_send.js PORT PREFIX TOTAL QUEUED [CA CERT KEY]
//
// QUEUED events are logged before the connection is up (the package sends them as one
// window of QUEUED events), the rest one by one once connected (one-event windows, sent
// without waiting for acks: pipelined). Prints "acked W windows E events K keepalives" once
// every window is acked, exit 0; exit 1 after 30 s.
//
// LJ_PACE_MS=N: the events after QUEUED go out one per N ms (a steady stream, one-event
// windows). Then the connection must stay up (the package would reconnect silently and drop
// what it had in flight: exit 1 at once) and, once every window is acked, LJ_LINGER_MS (default
// 500) more pass without another ack (one more would be a duplicate: exit 1).
'use strict'
const fs = require('fs')
const path = require('path')
const LumberjackClient = require(path.join(process.env.LUMBERJACK_CLIENT_DIR, 'lumberjack-client'))

const [port, prefix, total, queued, ca, cert, key] = process.argv.slice(2)
const nTotal = Number(total)
const nQueued = Math.min(Number(queued), nTotal)
const config = { host: '127.0.0.1', port: Number(port) }
const tls = Boolean(ca)
if (tls) {
  Object.assign(config, { ca: [fs.readFileSync(ca)], servername: 'localhost' })
  if (cert) Object.assign(config, { cert: fs.readFileSync(cert), key: fs.readFileSync(key) })
}
const client = new LumberjackClient(config, tls)

const event = (i) => ({
  '@timestamp': new Date().toISOString(),
  '@metadata': { beat: 'filebeat', type: 'kube-logs' },
  message: `${prefix} ${i}`,
  beat: { name: 'node-test', hostname: 'node-test', version: '5.6.3' },
  source: '/var/log/containers/web-1_default_nginx-0123.log',
  offset: i,
})

const paceMs = Number(process.env.LJ_PACE_MS || 0)
const windows = nTotal - nQueued + (nQueued > 0 ? 1 : 0)
let acked = 0
let ackedEvents = 0
let keepalives = 0
let buffer = Buffer.alloc(0)
const expectedSeq = []  // the last seq of each window, in the order they were sent
if (nQueued > 0) expectedSeq.push(nQueued)
for (let i = nQueued; i < nTotal; i++) expectedSeq.push(1)

client.socket.on('data', (data) => {
  buffer = Buffer.concat([buffer, data])
  while (buffer.length >= 6) {
    if (buffer[1] !== 0x41) {
      console.log('not an ack frame')
      process.exit(1)
    }
    const seq = buffer.readUInt32BE(2)
    buffer = buffer.subarray(6)
    if (seq === 0) {
      keepalives++
      continue
    }
    if (seq !== expectedSeq[acked]) {
      console.log(`ack ${seq} but expected ${expectedSeq[acked]} for window ${acked}`)
      process.exit(1)
    }
    if (acked === windows) {
      console.log(`extra ack ${seq} after all ${windows} windows were acked`)
      process.exit(1)
    }
    acked++
    ackedEvents += seq
    if (acked === windows) {
      const done = () => {
        console.log(`acked ${acked} windows ${ackedEvents} events ${keepalives} keepalives`)
        process.exit(0)
      }
      if (paceMs > 0) setTimeout(done, Number(process.env.LJ_LINGER_MS || 500))
      else done()
    }
  }
})

for (let i = 0; i < nQueued; i++) client.log(event(i))
let next = nQueued
const paced = () => {
  if (next >= nTotal) return
  client.log(event(next++))
  setTimeout(paced, paceMs)
}
const rest = () => {
  if (!client.connected) return setTimeout(rest, 5)
  if (paceMs > 0) {
    client.socket.on('close', () => {
      console.log(`connection closed by the server after ${acked} of ${windows} acks (${next} events sent)`)
      process.exit(1)
    })
    return paced()
  }
  for (let i = nQueued; i < nTotal; i++) client.log(event(i))
}
rest()
setTimeout(() => {
  console.log(`timeout: acked ${acked} of ${windows} windows, ${keepalives} keepalives`)
  process.exit(1)
}, Number(process.env.LJ_TIMEOUT_MS || 30000))
