// The Node peer: Tencent's official @wecom/crypto, one JSON request per line on stdin, one
// JSON answer per line on stdout. Errors are answered as {"error": "..."}.
'use strict';
const readline = require('readline');
const wecom = require('@wecom/crypto');

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
      default:
        answer = { error: `unknown op ${r.op}` };
    }
  } catch (e) {
    answer = { error: String(e && e.message) };
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
});
