import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * How hcm keeps webhook signing secrets. Unlike an API key's, a signing secret cannot be kept as a hash: hcm needs it
 * to sign every delivery (Stripe and Svix likewise keep theirs, and can reveal them). So it is encrypted with
 * AES-256-GCM under WEBHOOK_SECRET_KEY, which lives in the environment, not the database: a leaked database dump or
 * backup does not let anyone forge deliveries. Without a key (the embedded default) secrets are stored as they are,
 * marked `plain:`; setting the key later encrypts secrets from their next rotation on.
 */
export interface SecretBox {
  seal(secret: string): string;
  open(sealed: string): string;
}

const plain = 'plain:';
const encrypted = 'aes256gcm:';

/** WEBHOOK_SECRET_KEY: 32 bytes, as 64 hex digits or base64. */
function keyOf(raw: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== 32) throw new Error('WEBHOOK_SECRET_KEY must be 32 bytes, as 64 hex digits or base64');
  return key;
}

export function secretBox(rawKey: string | undefined): SecretBox {
  const key = rawKey ? keyOf(rawKey) : undefined;
  return {
    seal(secret) {
      if (!key) return plain + secret;
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      return encrypted + Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64url');
    },
    open(sealed) {
      if (sealed.startsWith(plain)) return sealed.slice(plain.length);
      if (!sealed.startsWith(encrypted)) throw new Error('not a sealed webhook secret');
      if (!key) throw new Error('a webhook secret is encrypted but WEBHOOK_SECRET_KEY is not set');
      const bytes = Buffer.from(sealed.slice(encrypted.length), 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
      decipher.setAuthTag(bytes.subarray(12, 28));
      return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}

/** A new signing secret as the administrator copies it: `whsec_` and 32 random bytes. */
export const newWebhookSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;
