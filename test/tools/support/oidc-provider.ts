/**
 * A small OpenID Connect provider for the sign-in proxy tests: discovery, keys, an
 * authorization endpoint that signs in whoever the test says (no login form), and a token
 * endpoint that checks the client secret and the PKCE verifier and returns an RS256 ID
 * token with the user's groups. It stands for the user's identity provider (Keycloak,
 * Dex, Okta...), which this package does not ship; the proxy under test is the real one.
 */
import { createHash, createSign, generateKeyPairSync, KeyObject, randomBytes } from 'crypto';
import * as http from 'http';
import { close, listen } from './alert-harness';

export interface TestUser {
  readonly email: string;
  readonly groups: string[];
}

interface PendingCode {
  readonly user: TestUser;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly nonce?: string;
  readonly codeChallenge?: string;
}

const b64url = (data: Buffer | string): string =>
  (typeof data === 'string' ? Buffer.from(data, 'utf8') : data).toString('base64url');

export class TestOidcProvider {
  /** Who the next authorization request signs in. */
  public user: TestUser | undefined;
  /** Token requests answered, with the checks they passed. */
  public readonly tokenRequests: { clientId: string; pkce: boolean }[] = [];
  private readonly server: http.Server;
  private readonly privateKey: KeyObject;
  private readonly publicJwk: Record<string, unknown>;
  private readonly codes = new Map<string, PendingCode>();
  private readonly accessTokens = new Map<string, TestUser>();
  private port = 0;

  constructor(
    private readonly clientId: string,
    private readonly clientSecret: string,
  ) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.publicJwk = {
      ...publicKey.export({ format: 'jwk' }),
      kid: 'test-key',
      alg: 'RS256',
      use: 'sig',
    };
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((e) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e));
      });
    });
  }

  public get issuer(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  public async start(): Promise<void> {
    this.port = await listen(this.server);
  }

  public stop(): Promise<void> {
    return close(this.server);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.issuer);
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    switch (url.pathname) {
      case '/.well-known/openid-configuration':
        return json(200, {
          issuer: this.issuer,
          authorization_endpoint: `${this.issuer}/authorize`,
          token_endpoint: `${this.issuer}/token`,
          jwks_uri: `${this.issuer}/jwks`,
          userinfo_endpoint: `${this.issuer}/userinfo`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['S256'],
          scopes_supported: ['openid', 'email', 'profile', 'groups'],
          claims_supported: ['sub', 'email', 'email_verified', 'preferred_username', 'groups'],
        });
      case '/jwks':
        return json(200, { keys: [this.publicJwk] });
      case '/authorize': {
        const q = url.searchParams;
        if (
          q.get('client_id') !== this.clientId ||
          q.get('response_type') !== 'code' ||
          !this.user
        ) {
          return json(400, {
            error: 'invalid_request',
            client_id: q.get('client_id'),
            user: this.user ?? null,
          });
        }
        const code = randomBytes(16).toString('hex');
        this.codes.set(code, {
          user: this.user,
          clientId: this.clientId,
          redirectUri: q.get('redirect_uri') ?? '',
          nonce: q.get('nonce') ?? undefined,
          codeChallenge: q.get('code_challenge') ?? undefined,
        });
        const back = new URL(q.get('redirect_uri') ?? '');
        back.searchParams.set('code', code);
        back.searchParams.set('state', q.get('state') ?? '');
        res.writeHead(302, { location: back.toString() }).end();
        return;
      }
      case '/token': {
        const form = new URLSearchParams(await readBody(req));
        const [basicId, basicSecret] = basicAuth(req.headers.authorization);
        const clientId = basicId ?? form.get('client_id');
        const secret = basicSecret ?? form.get('client_secret');
        if (clientId !== this.clientId || secret !== this.clientSecret)
          return json(401, { error: 'invalid_client' });
        const pending = this.codes.get(form.get('code') ?? '');
        this.codes.delete(form.get('code') ?? '');
        if (!pending || pending.redirectUri !== form.get('redirect_uri'))
          return json(400, { error: 'invalid_grant' });
        if (pending.codeChallenge) {
          const verifier = form.get('code_verifier') ?? '';
          if (b64url(createHash('sha256').update(verifier).digest()) !== pending.codeChallenge)
            return json(400, { error: 'invalid_grant', reason: 'PKCE' });
        }
        this.tokenRequests.push({ clientId, pkce: pending.codeChallenge !== undefined });
        const now = Math.floor(Date.now() / 1000);
        const idToken = this.sign({
          iss: this.issuer,
          sub: pending.user.email,
          aud: pending.clientId,
          iat: now,
          exp: now + 3600,
          nonce: pending.nonce,
          ...this.profile(pending.user),
        });
        const accessToken = randomBytes(16).toString('hex');
        this.accessTokens.set(accessToken, pending.user);
        return json(200, {
          access_token: accessToken,
          token_type: 'Bearer',
          expires_in: 3600,
          id_token: idToken,
        });
      }
      case '/userinfo': {
        const user = this.accessTokens.get(
          (req.headers.authorization ?? '').replace(/^Bearer /, ''),
        );
        return user
          ? json(200, { sub: user.email, ...this.profile(user) })
          : json(401, { error: 'invalid_token' });
      }
      default:
        return json(404, { error: 'not found' });
    }
  }

  /** The claims of the `email`, `profile` and `groups` scopes. */
  private profile(user: TestUser): Record<string, unknown> {
    return {
      email: user.email,
      email_verified: true,
      preferred_username: user.email.split('@')[0],
      groups: user.groups,
    };
  }

  private sign(claims: Record<string, unknown>): string {
    const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'test-key' }));
    const payload = b64url(JSON.stringify(claims));
    const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(this.privateKey);
    return `${header}.${payload}.${b64url(signature)}`;
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function basicAuth(header: string | undefined): [string | undefined, string | undefined] {
  if (!header?.startsWith('Basic ')) return [undefined, undefined];
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return [
    decodeURIComponent(decoded.slice(0, colon)),
    decodeURIComponent(decoded.slice(colon + 1)),
  ];
}
