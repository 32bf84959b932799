// The Node peer: Tencent's official @wecom/crypto and AI-bot SDK (@wecom/aibot-node-sdk, for
// its decryptFile), one JSON request per line on stdin, one JSON answer per line on stdout.
// Errors are answered as {"error": "..."}.
'use strict';
const crypto = require('crypto');
const readline = require('readline');
const wecom = require('@wecom/crypto');
const aibot = require('@wecom/aibot-node-sdk');

const rl = readline.createInterface({ input: process.stdin, terminal: false });
rl.on('line', (line) => {
  let answer;
  try {
    const r = JSON.parse(line);
    switch (r.op) {
      case 'encrypt': {
        const random = Buffer.from(r.random);
        const encrypt = wecom.encrypt(r.key, r.reply, r.receive_id, random);
        answer = { encrypt, msg_signature: wecom.getSignature(r.token, r.timestamp, r.nonce, encrypt) };
        break;
      }
      case 'decrypt': {
        const sig = wecom.getSignature(r.token, r.timestamp, r.nonce, r.encrypt);
        if (sig !== r.msg_signature) {
          answer = { error: 'signature' };
        } else {
          const { message, id } = wecom.decrypt(r.key, r.encrypt);
          answer = { message, id };
        }
        break;
      }
      // The official bot SDK's media decryption: {key, data_base64} -> {ok: base64}.
      case 'decrypt_file': {
        answer = { ok: aibot.decryptFile(Buffer.from(r.data_base64, 'base64'), r.key).toString('base64') };
        break;
      }
      // Media encryption with Node's own crypto (the SDK has none): AES-256-CBC, IV = the key's
      // first 16 bytes, auto padding off, PKCS#7 to 32 added here; with `raw`, the data is
      // encrypted as given (whole blocks), so that a test can spoil the padding.
      case 'encrypt_file': {
        const key = Buffer.from(r.key, 'base64');
        let data = Buffer.from(r.data_base64, 'base64');
        if (!r.raw) {
          const pad = 32 - (data.length % 32);
          data = Buffer.concat([data, Buffer.alloc(pad, pad)]);
        }
        const cipher = crypto.createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
        cipher.setAutoPadding(false);
        answer = { ok: Buffer.concat([cipher.update(data), cipher.final()]).toString('base64') };
        break;
      }
      default:
        answer = { error: `unknown op ${r.op}` };
    }
  } catch (e) {
    answer = { error: String(e && e.message) };
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
});
