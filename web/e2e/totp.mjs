// RFC 6238 codes for the e2e scripts' logins, as the authenticator app on the administrator's phone
// computes them.
import crypto from 'node:crypto'

function base32(s) {
  const a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = 0
  let v = 0
  const out = []
  for (const c of s.replace(/[\s=-]/g, '').toUpperCase()) {
    v = (v << 5) | a.indexOf(c)
    bits += 5
    if (bits >= 8) {
      out.push((v >>> (bits - 8)) & 255)
      bits -= 8
    }
  }
  return Buffer.from(out)
}

// RFC 6238, as the authenticator app on the administrator's phone computes it.
export function totp(secret, offset = 0) {
  const step = Math.floor(Date.now() / 1000 / 30) + offset
  const msg = Buffer.alloc(8)
  msg.writeBigUInt64BE(BigInt(step))
  const mac = crypto.createHmac('sha1', base32(secret)).update(msg).digest()
  const off = mac[mac.length - 1] & 15
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1000000).padStart(6, '0')
}
