// A RAGFlow server speaking its exact wire format (as api/apps/conversation_app.py and
// api/apps/sdk/session.py write it):
//   POST /v1/user/login                 {"email", "password": base64(RSA-PKCS#1-v1.5(base64(password)))}
//                                       → 200 {"code": 0, …} + `Authorization: <token>` header,
//                                         or 200 {"code": 109, "message": "Email and password do not match!"}
//   POST /v1/conversation/completion    web API: `Authorization: <token>` (no Bearer);
//                                       {"conversation_id", "messages": [{"role", "content", "id"}]}
//   POST /api/v1/chats/{id}/completions public API: `Authorization: Bearer <api key>`; {"question", "session_id", "stream"}
//   GET  /v1/system/healthz             503 for the first `unhealthyChecks` checks, then 200
// Streams are `data:{json}\n\n` (no space after the colon, Python json.dumps separators): first an
// event with an empty answer, then answers (delta or cumulative), then {"code": 0, "message": "", "data": true}.
// The question / last message picks the behaviour: "explode" → code 500 with "**ERROR**: …" answer;
// "error-answer" → an "**ERROR**:" answer under code 0. A conversation id not starting with "conv-"
// → 200 {"code": 102, "message": "Conversation not found!"} (plain JSON, not a stream).
import { constants, privateDecrypt, randomBytes, type KeyObject } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { json, listen, pyDumps, writeTimed, type TestServer } from './http.js';

export interface RagflowServerOptions {
  privateKey: KeyObject;
  email: string;
  password: string;
  apiKey: string;
  mode?: 'delta' | 'cumulative';
  firstDelayMs?: number;
  answerDelayMs?: number;
  intervalMs?: number;
  unhealthyChecks?: number;
}

export interface RagflowServer extends TestServer {
  /** Tokens handed out by the login. */
  tokens: string[];
}

const ANSWER = ['RAGFlow', ' is', ' an', ' open-source', ' RAG', ' engine.'];

/** RSA PKCS#1 v1.5 decryption done by hand (node refuses RSA_PKCS1_PADDING for private decryption). */
function decryptPkcs1(key: KeyObject, b64: string): string {
  const em = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, Buffer.from(b64, 'base64'));
  // EM = 0x00 || 0x02 || PS (at least 8 non-zero bytes) || 0x00 || M
  if (em[0] !== 0 || em[1] !== 2) throw new Error('not PKCS#1 v1.5 encryption padding');
  const sep = em.indexOf(0, 2);
  if (sep < 10) throw new Error('bad PKCS#1 v1.5 padding');
  return em.subarray(sep + 1).toString('utf8');
}

export async function startRagflowServer(opts: RagflowServerOptions): Promise<RagflowServer> {
  const tokens: string[] = [];
  const first = opts.firstDelayMs ?? 50;
  const answerDelay = opts.answerDelayMs ?? 200;
  const interval = opts.intervalMs ?? 10;
  let checks = 0;
  const sse = (obj: unknown): string => `data:${pyDumps(obj)}\n\n`;

  const stream = async (res: ServerResponse, question: string, ids: Record<string, unknown>): Promise<void> => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    const ev = (answer: string, extra: Record<string, unknown> = {}): string =>
      sse({ code: 0, message: '', data: { answer, reference: {}, audio_binary: null, ...ids, ...extra } });
    const parts: Array<[number, string]> = [[first, ev('')]];
    if (question === 'explode') {
      parts.push([
        answerDelay - first,
        sse({ code: 500, message: "LLM(qwen-plus) isn't authorized", data: { answer: "**ERROR**: LLM(qwen-plus) isn't authorized", reference: [] } }),
      ]);
    } else if (question === 'error-answer') {
      parts.push([answerDelay - first, ev('**ERROR**: Tenant not found!')]);
    } else {
      let acc = '';
      ANSWER.forEach((w, i) => {
        acc += w;
        parts.push([i === 0 ? answerDelay - first : interval, ev(opts.mode === 'cumulative' ? acc : w)]);
      });
      parts.push([interval, ev(opts.mode === 'cumulative' ? acc : '', { reference: { chunks: [{ id: 'c1', content: 'RAGFlow is…' }], doc_aggs: [] } })]);
    }
    parts.push([interval, sse({ code: 0, message: '', data: true })]);
    await writeTimed(res, parts);
    if (!res.destroyed && !res.writableEnded) res.end();
  };

  const server = await listen(async (req, res) => {
    const path = req.path.split('?')[0] ?? '';
    if (req.method === 'GET' && path === '/v1/system/healthz') {
      checks++;
      if (checks <= (opts.unhealthyChecks ?? 0))
        return json(res, 503, { db: 'nok', redis: 'ok', doc_engine: 'nok', storage: 'ok', status: 'nok', _meta: { doc_engine: { error: 'starting' } } });
      return json(res, 200, { db: 'ok', redis: 'ok', doc_engine: 'ok', storage: 'ok', status: 'ok' });
    }
    if (req.method === 'POST' && path === '/v1/user/login') {
      const body = JSON.parse(req.body) as { email?: string; password?: string };
      if (body.email !== opts.email) return json(res, 200, { code: 109, data: false, message: `Email: ${body.email ?? ''} is not registered!` });
      let decrypted: string;
      try {
        decrypted = decryptPkcs1(opts.privateKey, body.password ?? '');
      } catch {
        return json(res, 200, { code: 500, data: false, message: 'Fail to crypt password' });
      }
      if (decrypted !== Buffer.from(opts.password, 'utf8').toString('base64')) {
        return json(res, 200, { code: 109, data: false, message: 'Email and password do not match!' });
      }
      const token = `${randomBytes(8).toString('base64url')}.${randomBytes(4).toString('base64url')}.${randomBytes(20).toString('base64url')}`;
      tokens.push(token);
      return json(
        res,
        200,
        { code: 0, data: { email: opts.email, nickname: 'ci', access_token: randomBytes(16).toString('hex') }, message: 'Welcome back!' },
        {
          Authorization: token,
          'Access-Control-Expose-Headers': 'Authorization',
        },
      );
    }
    if (req.method === 'POST' && path === '/v1/conversation/completion') {
      if (!tokens.includes(req.headers.authorization ?? '')) return json(res, 200, { code: 401, data: null, message: "<Unauthorized '401: Unauthorized'>" });
      const body = JSON.parse(req.body) as { conversation_id: string; messages: Array<{ role: string; content: string; id: string }> };
      if (!body.conversation_id.startsWith('conv-')) return json(res, 200, { code: 102, data: false, message: 'Conversation not found!' });
      const last = body.messages[body.messages.length - 1]!;
      return stream(res, last.content, { id: last.id, session_id: body.conversation_id });
    }
    const m = /^\/api\/v1\/chats\/([^/]+)\/completions$/.exec(path);
    if (req.method === 'POST' && m) {
      if (req.headers.authorization !== `Bearer ${opts.apiKey}`) return json(res, 200, { code: 109, data: false, message: 'Authentication error: API key is invalid!' });
      const body = JSON.parse(req.body) as { question: string; session_id?: string; stream?: boolean };
      return stream(res, body.question, { id: `msg-${server.requests.length}`, session_id: body.session_id ?? 'new-session' });
    }
    return json(res, 404, { code: 404, message: 'Not Found' });
  });
  return Object.assign(server, { tokens });
}
