// Container health probe for the LORO API (the slim runtime image has no curl/wget).
//
//   node /app/deploy/docker/healthcheck.mjs [/healthz|/readyz]
//
// Exits 0 on a 2xx answer from the API on 127.0.0.1:$PORT, 1 otherwise. When the
// API serves HTTPS itself (TLS_CERT_FILE and TLS_KEY_FILE set), the probe uses
// HTTPS and does not verify the certificate (it was issued for the public name).
import http from 'node:http';
import https from 'node:https';

const path = process.argv[2] || '/healthz';
const port = Number(process.env.PORT || 8080);
const useTls = Boolean(process.env.TLS_CERT_FILE && process.env.TLS_KEY_FILE);
const client = useTls ? https : http;

const req = client.request(
  { host: '127.0.0.1', port, path, method: 'GET', timeout: 4000, rejectUnauthorized: false },
  (res) => {
    res.resume();
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    if (!ok) console.error(`healthcheck ${path}: HTTP ${res.statusCode}`);
    process.exit(ok ? 0 : 1);
  },
);
req.on('timeout', () => req.destroy(new Error('timed out')));
req.on('error', (err) => {
  console.error(`healthcheck ${path}: ${err.message}`);
  process.exit(1);
});
req.end();
