// A local stand-in of the GitHub REST API (the parts the action uses), on 127.0.0.1 with an
// ephemeral port. Records every request. Serves issue comments with real `Link` pagination,
// creates and updates them (with GitHub's 65,536-character limit), lists the pull requests of a
// commit, keeps issues (list with state and label filters, create, get, close) and labels, and can be
// told to answer 403 / 404 / 422 or to drop connections.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface ApiRequest {
  method: string;
  /** Path without the query, e.g. /repos/o/r/issues/12/comments */
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: unknown;
  /** What the stand-in answered: a status, or 'dropped'. */
  answer: number | 'dropped';
}

export interface ApiComment {
  id: number;
  node_id: string;
  url: string;
  html_url: string;
  issue_url: string;
  body: string;
  user: { login: string; id: number; type: string };
  created_at: string;
  updated_at: string;
  author_association: string;
}

export interface ApiIssue {
  id: number;
  number: number;
  html_url: string;
  title: string;
  body: string;
  state: 'open' | 'closed';
  state_reason: string | null;
  labels: Array<{ name: string }>;
  user: { login: string; id: number; type: string };
  created_at: string;
  updated_at: string;
}

export interface ApiLabel {
  name: string;
  color: string;
  description: string | null;
}

export interface PullSummary {
  number: number;
  state: 'open' | 'closed';
  headSha: string;
}

export interface FailureRule {
  method?: string;
  /** Matches the request path. */
  path?: RegExp;
  /** An HTTP status with GitHub's error body, or 'drop' to destroy the connection without answering. */
  status: 403 | 404 | 422 | 500 | 502 | 'drop';
  message?: string;
  /** How many matching requests fail (default: all). */
  times?: number;
}

export interface FakeGitHub {
  /** e.g. http://127.0.0.1:40123 (GITHUB_API_URL) */
  url: string;
  serverUrl: string;
  requests: ApiRequest[];
  /** Comments on an issue/PR, in creation order. */
  comments(owner: string, repo: string, issue: number): ApiComment[];
  /** Adds comments (by other people) to an issue/PR. */
  seed(owner: string, repo: string, issue: number, bodies: string[], user?: string): ApiComment[];
  setPullsForCommit(owner: string, repo: string, sha: string, pulls: PullSummary[]): void;
  /** Issues of a repository (not pull requests), in creation order. */
  issues(owner: string, repo: string): ApiIssue[];
  /** Adds an issue (by another identity, by default). */
  seedIssue(owner: string, repo: string, issue: { title: string; body: string; labels?: string[]; user?: string; state?: 'open' | 'closed' }): ApiIssue;
  labels(owner: string, repo: string): ApiLabel[];
  fail(rule: FailureRule): void;
  /** The requests that would change something (everything but GET). */
  writes(): ApiRequest[];
  reset(): void;
  close(): Promise<void>;
}

const MAX_BODY = 65_536;

/**
 * `login`: the token is a user's (a personal token): GET /user answers it and comments are written
 * as it. Without it the token is an installation token (GITHUB_TOKEN): GET /user is 403 and
 * comments are by github-actions[bot].
 */
export async function startFakeGitHub(opts: { serverUrl?: string; token?: string; login?: string } = {}): Promise<FakeGitHub> {
  const serverUrl = opts.serverUrl ?? 'https://github.example';
  let nextId = 1000;
  const issues = new Map<string, ApiComment[]>();
  const byId = new Map<number, { key: string; comment: ApiComment }>();
  const pulls = new Map<string, PullSummary[]>();
  let rules: Array<FailureRule & { left: number }> = [];
  const requests: ApiRequest[] = [];
  const sockets = new Set<Socket>();
  // Issues and labels per "owner/repo"; issue numbers start at 100 (pull requests in the tests are lower).
  const repoIssues = new Map<string, ApiIssue[]>();
  const repoLabels = new Map<string, ApiLabel[]>();
  let nextIssue = 100;
  let base = '';

  const key = (o: string, r: string, n: number): string => `${o}/${r}#${n}`;
  const list = (k: string): ApiComment[] => {
    let l = issues.get(k);
    if (!l) issues.set(k, (l = []));
    return l;
  };
  const now = (): string => new Date().toISOString();

  function makeComment(o: string, r: string, n: number, body: string, user: string): ApiComment {
    const id = nextId++;
    const c: ApiComment = {
      id,
      node_id: `IC_${id}`,
      url: `${base}/repos/${o}/${r}/issues/comments/${id}`,
      html_url: `${serverUrl}/${o}/${r}/${repoIssues.get(`${o}/${r}`)?.some((i) => i.number === n) ? 'issues' : 'pull'}/${n}#issuecomment-${id}`,
      issue_url: `${base}/repos/${o}/${r}/issues/${n}`,
      body,
      user: { login: user, id: user === 'github-actions[bot]' ? 41898282 : 1, type: user.endsWith('[bot]') ? 'Bot' : 'User' },
      created_at: now(),
      updated_at: now(),
      author_association: user.endsWith('[bot]') ? 'NONE' : 'MEMBER',
    };
    list(key(o, r, n)).push(c);
    byId.set(id, { key: key(o, r, n), comment: c });
    return c;
  }

  function send(res: ServerResponse, status: number, data: unknown, headers: Record<string, string> = {}): number {
    const text = data === undefined ? '' : JSON.stringify(data);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-github-media-type': 'github.v3; format=json', ...headers });
    res.end(text);
    return status;
  }

  function error(res: ServerResponse, status: number, message: string, extra: Record<string, unknown> = {}): number {
    return send(res, status, { message, documentation_url: 'https://docs.github.com/rest', status: String(status), ...extra });
  }

  const repoIds = new Map<string, string>();

  function listPage(res: ServerResponse, k: string, n: string, query: Record<string, string>): number {
    const perPage = Math.min(100, Math.max(1, Number(query.per_page ?? 30) || 30));
    const page = Math.max(1, Number(query.page ?? 1) || 1);
    const all = issues.get(k) ?? [];
    const last = Math.max(1, Math.ceil(all.length / perPage));
    const pageUrl = (p: number): string => `${base}/repositories/123456/issues/${n}/comments?per_page=${perPage}&page=${p}`;
    const links: string[] = [];
    if (page > 1) links.push(`<${pageUrl(page - 1)}>; rel="prev"`);
    if (page < last) links.push(`<${pageUrl(page + 1)}>; rel="next"`, `<${pageUrl(last)}>; rel="last"`);
    if (page > 1) links.push(`<${pageUrl(1)}>; rel="first"`);
    return send(res, 200, all.slice((page - 1) * perPage, page * perPage), links.length ? { link: links.join(', ') } : {});
  }

  function makeIssue(o: string, r: string, fields: { title: string; body: string; labels: string[]; user: string; state?: 'open' | 'closed' }): ApiIssue {
    const number = nextIssue++;
    const issue: ApiIssue = {
      id: 7_000_000 + number,
      number,
      html_url: `${serverUrl}/${o}/${r}/issues/${number}`,
      title: fields.title,
      body: fields.body,
      state: fields.state ?? 'open',
      state_reason: null,
      labels: fields.labels.map((name) => ({ name })),
      user: { login: fields.user, id: fields.user === 'github-actions[bot]' ? 41898282 : 1, type: fields.user.endsWith('[bot]') ? 'Bot' : 'User' },
      created_at: now(),
      updated_at: now(),
    };
    const list = repoIssues.get(`${o}/${r}`) ?? [];
    list.push(issue);
    repoIssues.set(`${o}/${r}`, list);
    repoIds.set(String(number), key(o, r, number));
    return issue;
  }

  /** GET/POST /repos/{o}/{r}/issues, GET/PATCH /repos/{o}/{r}/issues/{n}, GET/POST labels. Null when the path is none of them. */
  function handleIssues(res: ServerResponse, rec: ApiRequest, body: unknown): number | null {
    const b = (body ?? {}) as {
      title?: unknown;
      body?: unknown;
      labels?: unknown;
      state?: unknown;
      state_reason?: unknown;
      name?: unknown;
      color?: unknown;
      description?: unknown;
    };
    let m = /^\/repos\/([^/]+)\/([^/]+)\/issues$/.exec(rec.path);
    if (m) {
      const [, o, r] = m as unknown as [string, string, string];
      if (rec.method === 'GET') {
        const state = rec.query.state ?? 'open';
        const wanted = (rec.query.labels ?? '').split(',').filter(Boolean);
        const all = (repoIssues.get(`${o}/${r}`) ?? []).filter((i) => (state === 'all' || i.state === state) && wanted.every((w) => i.labels.some((l) => l.name === w)));
        const perPage = Math.min(100, Math.max(1, Number(rec.query.per_page ?? 30) || 30));
        const page = Math.max(1, Number(rec.query.page ?? 1) || 1);
        const last = Math.max(1, Math.ceil(all.length / perPage));
        const next: Record<string, string> =
          page < last ? { link: `<${base}/repos/${o}/${r}/issues?state=${state}&labels=${wanted.join(',')}&per_page=${perPage}&page=${page + 1}>; rel="next"` } : {};
        return send(res, 200, all.slice((page - 1) * perPage, page * perPage), next);
      }
      if (rec.method === 'POST') {
        if (typeof b.title !== 'string' || !b.title) return error(res, 422, 'Validation Failed', { errors: [{ resource: 'Issue', code: 'missing_field', field: 'title' }] });
        if (b.title.length > 256)
          return error(res, 422, 'Validation Failed', {
            errors: [{ resource: 'Issue', code: 'custom', field: 'title', message: 'title is too long (maximum is 256 characters)' }],
          });
        const text = typeof b.body === 'string' ? b.body : '';
        if (text.length > MAX_BODY)
          return error(res, 422, 'Validation Failed', {
            errors: [{ resource: 'Issue', code: 'custom', field: 'body', message: `Body is too long (maximum is ${MAX_BODY} characters)` }],
          });
        const labels = Array.isArray(b.labels) ? b.labels.filter((l): l is string => typeof l === 'string') : [];
        return send(res, 201, makeIssue(o, r, { title: b.title, body: text, labels, user: opts.login ?? 'github-actions[bot]' }));
      }
    }
    m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)$/.exec(rec.path);
    if (m) {
      const [, o, r, n] = m as unknown as [string, string, string, string];
      const issue = (repoIssues.get(`${o}/${r}`) ?? []).find((i) => i.number === Number(n));
      if (!issue) return error(res, 404, 'Not Found');
      if (rec.method === 'GET') return send(res, 200, issue);
      if (rec.method === 'PATCH') {
        if (b.state === 'open' || b.state === 'closed') issue.state = b.state;
        if (typeof b.state_reason === 'string') issue.state_reason = b.state_reason;
        if (typeof b.title === 'string') issue.title = b.title;
        if (typeof b.body === 'string') issue.body = b.body;
        issue.updated_at = now();
        return send(res, 200, issue);
      }
    }
    m = /^\/repos\/([^/]+)\/([^/]+)\/labels(?:\/([^/]+))?$/.exec(rec.path);
    if (m) {
      const [, o, r, name] = m as unknown as [string, string, string, string | undefined];
      const list = repoLabels.get(`${o}/${r}`) ?? [];
      repoLabels.set(`${o}/${r}`, list);
      if (name !== undefined && rec.method === 'GET') {
        const label = list.find((l) => l.name.toLowerCase() === decodeURIComponent(name).toLowerCase());
        return label ? send(res, 200, label) : error(res, 404, 'Not Found');
      }
      if (name === undefined && rec.method === 'POST') {
        if (typeof b.name !== 'string' || !b.name) return error(res, 422, 'Validation Failed');
        if (list.some((l) => l.name.toLowerCase() === (b.name as string).toLowerCase())) {
          return error(res, 422, 'Validation Failed', { errors: [{ resource: 'Label', code: 'already_exists', field: 'name' }] });
        }
        const label: ApiLabel = { name: b.name, color: typeof b.color === 'string' ? b.color : 'ededed', description: typeof b.description === 'string' ? b.description : null };
        list.push(label);
        return send(res, 201, label);
      }
    }
    return null;
  }

  function tooLong(body: unknown): string | null {
    if (typeof body !== 'string' || body.length === 0) return 'body is missing';
    if (body.length > MAX_BODY) return `Body is too long (maximum is ${MAX_BODY} characters)`;
    return null;
  }

  function handle(req: IncomingMessage, res: ServerResponse, body: unknown, rec: ApiRequest): number | 'dropped' {
    const path = rec.path;
    for (const rule of rules) {
      if (rule.left <= 0) continue;
      if (rule.method && rule.method !== rec.method) continue;
      if (rule.path && !rule.path.test(path)) continue;
      rule.left--;
      if (rule.status === 'drop') {
        req.socket.destroy();
        return 'dropped';
      }
      const message =
        rule.message ??
        ({ 403: 'Resource not accessible by integration', 404: 'Not Found', 422: 'Validation Failed', 500: 'Server Error', 502: 'Bad Gateway' } as const)[rule.status];
      return error(res, rule.status, message, rule.status === 422 ? { errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message: 'body is invalid' }] } : {});
    }

    if (opts.token !== undefined && req.headers.authorization !== `token ${opts.token}`) return error(res, 401, 'Bad credentials');
    const answered = handleIssues(res, rec, body);
    if (answered !== null) return answered;

    let m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(path);
    if (m) {
      const [, o, r, n] = m as unknown as [string, string, string, string];
      const k = key(o, r, Number(n));
      repoIds.set(n, k);
      if (rec.method === 'GET') return listPage(res, k, n, rec.query);
      if (rec.method === 'POST') {
        const text = (body as { body?: unknown } | null)?.body;
        const bad = tooLong(text);
        if (bad) return error(res, 422, 'Validation Failed', { errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message: bad }] });
        return send(res, 201, makeComment(o, r, Number(n), text as string, opts.login ?? 'github-actions[bot]'));
      }
    }
    // Pagination links point at /repositories/{id}/issues/{n}/comments, as GitHub's do.
    m = /^\/repositories\/\d+\/issues\/(\d+)\/comments$/.exec(path);
    if (m && rec.method === 'GET') {
      const k = repoIds.get(m[1]!);
      if (k) return listPage(res, k, m[1]!, rec.query);
    }
    m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(path);
    if (m && rec.method === 'DELETE') {
      const found = byId.get(Number(m[3]));
      if (!found) return error(res, 404, 'Not Found');
      const list = issues.get(found.key) ?? [];
      list.splice(list.indexOf(found.comment), 1);
      byId.delete(Number(m[3]));
      res.writeHead(204).end();
      return 204;
    }
    if (m && rec.method === 'PATCH') {
      const found = byId.get(Number(m[3]));
      if (!found) return error(res, 404, 'Not Found');
      const text = (body as { body?: unknown } | null)?.body;
      const bad = tooLong(text);
      if (bad) return error(res, 422, 'Validation Failed', { errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message: bad }] });
      found.comment.body = text as string;
      found.comment.updated_at = now();
      return send(res, 200, found.comment);
    }
    if (path === '/user' && rec.method === 'GET') {
      return opts.login ? send(res, 200, { login: opts.login, id: 5150, type: 'User' }) : error(res, 403, 'Resource not accessible by integration');
    }
    m = /^\/repos\/([^/]+)\/([^/]+)\/commits\/([0-9a-f]+)\/pulls$/.exec(path);
    if (m && rec.method === 'GET') {
      const [, o, r, sha] = m as unknown as [string, string, string, string];
      const list = pulls.get(`${o}/${r}@${sha}`) ?? [];
      return send(
        res,
        200,
        list.map((p) => ({
          id: p.number * 10,
          number: p.number,
          state: p.state,
          title: `PR ${p.number}`,
          html_url: `${serverUrl}/${o}/${r}/pull/${p.number}`,
          head: { sha: p.headSha, ref: `branch-${p.number}`, repo: { full_name: `${o}/${r}` } },
          base: { sha: '0'.repeat(40), ref: 'main', repo: { full_name: `${o}/${r}` } },
        })),
      );
    }
    return error(res, 404, 'Not Found');
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = null;
      if (text) {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      const rec: ApiRequest = {
        method: req.method ?? 'GET',
        path: u.pathname,
        query: Object.fromEntries(u.searchParams),
        headers: req.headers,
        body,
        answer: 0,
      };
      requests.push(rec);
      rec.answer = handle(req, res, body, rec);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('fake GitHub: no address');
  base = `http://127.0.0.1:${addr.port}`;

  return {
    url: base,
    serverUrl,
    requests,
    comments: (o, r, n) => [...(issues.get(key(o, r, n)) ?? [])],
    seed: (o, r, n, bodies, user = 'octocat') => {
      repoIds.set(String(n), key(o, r, n));
      return bodies.map((b) => makeComment(o, r, n, b, user));
    },
    setPullsForCommit: (o, r, sha, list) => void pulls.set(`${o}/${r}@${sha}`, list),
    issues: (o, r) => [...(repoIssues.get(`${o}/${r}`) ?? [])],
    seedIssue: (o, r, i) => makeIssue(o, r, { title: i.title, body: i.body, labels: i.labels ?? [], user: i.user ?? 'octocat', ...(i.state ? { state: i.state } : {}) }),
    labels: (o, r) => [...(repoLabels.get(`${o}/${r}`) ?? [])],
    fail: (rule) => void rules.push({ ...rule, left: rule.times ?? Infinity }),
    writes: () => requests.filter((r) => r.method !== 'GET'),
    reset: () => {
      requests.length = 0;
      issues.clear();
      byId.clear();
      pulls.clear();
      repoIds.clear();
      repoIssues.clear();
      repoLabels.clear();
      nextIssue = 100;
      rules = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
