/**
 * The operations of the public API (/public/v1) and the third-party API (/open/v1), as the routers mount them:
 * node/portal/api-routes.ts, node/disputes/public-routes.ts, node/publicity/report/report-routes.ts,
 * node/open/routes.ts and this folder's routes.ts. Bodies name files of schemas/api/ by their stem.
 */

export interface ParameterSpec {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  description: string;
  schema: Record<string, unknown>;
}

export interface OperationSpec {
  method: 'get' | 'post';
  /** OpenAPI form: /public/v1/subjects/{code}. */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description: string;
  parameters?: ParameterSpec[];
  /** schemas/api stems of the JSON body and, where accepted, of the multipart form. */
  body?: { json: string; form?: string; description: string };
  /** The success answer: status, schemas/api stem (absent: the OpenAPI document itself), description. */
  ok: { status: number; schema?: string; description: string };
  /** Public JSON with an ETag: 304 to a matching If-None-Match. */
  cached?: boolean;
  /** Error statuses, each with what it means here (all answer the house error body, schemas/api/error). */
  errors: Array<[number, string]>;
  /** Needs a third-party access token. */
  bearer?: boolean;
}

export const TAGS = [
  { name: '公共信用信息', description: '向社会公开的信用信息：主体查询、公示记录、统计、站点信息和文章（信用网站及 APP 使用）。' },
  { name: '异议、投诉与信用修复', description: '公众提交异议、投诉和信用修复申请，并按受理编号查询办理进度。' },
  { name: '信用报告查验', description: '查验本平台出具的公共信用信息报告的真伪。' },
  { name: '第三方接入', description: '登记的信用服务机构和评级机构在授权的数据集和字段范围内使用数据（有条件开放）：短期令牌、按主体查询、变更订阅。每次调用都计量并记入审计日志。' },
  { name: '接口说明', description: '本文档。' },
] as const;

const PUBLIC = '公共信用信息';
const TICKETS = '异议、投诉与信用修复';
const REPORTS = '信用报告查验';
const OPEN = '第三方接入';

const RATE = '请求过于频繁（RATE_LIMITED），每个地址每分钟的次数上限由节点配置，请稍后再试';
const BAD = '参数或请求内容不符合要求（BAD_REQUEST），details 逐项列出字段和原因';
const pageParam: ParameterSpec = { name: 'page', in: 'query', description: '页码，从 1 开始。', schema: { type: 'integer', minimum: 1, default: 1 } };
const ticketParam: ParameterSpec = { name: 'ticket', in: 'path', required: true, description: '受理编号：2 个字母加 16 位数字（YY 异议、TS 投诉、XF 信用修复）。', schema: { type: 'string', pattern: '^[A-Za-z]{2}\\d{16}$' } };

const lookup = (path: string, operationId: string, summary: string, what: string): OperationSpec => ({
  method: 'get', path, operationId, tag: TICKETS, summary,
  description: `按受理编号查询${what}的办理进度：状态、办理期限、办理经过和结果。从不显示申请人及其联系方式。刚在其他节点提交的申请可能需要几分钟才能同步到本平台。`,
  parameters: [ticketParam],
  ok: { status: 200, schema: 'ticket', description: '办理进度' },
  errors: [[400, '受理编号格式不正确'], [404, `未找到该受理编号的${what}`]],
});

const datasetsParam: ParameterSpec = { name: 'datasets', in: 'query', description: '只要这些数据集（信息类别，逗号分隔），须在本机构的授权范围内；省略为全部授权数据集。', schema: { type: 'string', maxLength: 400 } };
const fieldsParam: ParameterSpec = { name: 'fields', in: 'query', description: '只要这些字段（“类别.字段”，逗号分隔），须在授权字段内；省略为全部授权字段。', schema: { type: 'string', maxLength: 2000 } };

const CLIENT_401 = '缺少令牌、令牌无效或已过期（CLIENT_TOKEN_INVALID），请重新申请令牌';
const CLIENT_403 = '机构已暂停（CLIENT_SUSPENDED）、已撤销（CLIENT_REVOKED）或已过期（CLIENT_EXPIRED）；超出授权数据集（OUT_OF_SCOPE）；查询自然人未出示有效的本人授权（AUTHORISATION_REQUIRED）';
const CLIENT_429 = '超过每分钟请求上限（CLIENT_RATE_LIMITED）或本月调用配额（QUOTA_EXCEEDED）';

export const OPERATIONS: readonly OperationSpec[] = [
  {
    method: 'get', path: '/public/v1/subjects', operationId: 'searchSubjects', tag: PUBLIC, summary: '查询企业和组织',
    description: '按名称的任意部分或统一社会信用代码查询企业和组织（从不返回自然人），分页，每项给出当日社会公开的记录数。市级站点默认只查本市，scope=province 时查全省。',
    parameters: [
      { name: 'q', in: 'query', required: true, description: '查询词：名称的任意部分，或统一社会信用代码（完整或前 6 位以上）。', schema: { type: 'string', minLength: 1, maxLength: 400 } },
      pageParam,
      { name: 'scope', in: 'query', description: 'province：查全省（市级站点默认只查本市）。', schema: { type: 'string', enum: ['province'] } },
    ],
    ok: { status: 200, schema: 'subject-search', description: '查询结果' },
    cached: true,
    errors: [[400, '未填写查询词 q，或参数重复、过长'], [429, RATE]],
  },
  {
    method: 'get', path: '/public/v1/subjects/{code}', operationId: 'getSubject', tag: PUBLIC, summary: '主体的公开信用信息',
    description: '一个企业或组织在公示期内的社会公开信用记录，按信用报告的栏目分组；异议处理中的记录标注 disputed。开展信用评价的节点还给出 evaluation。自然人和未知的代码一律答 404，不回显所查代码。',
    parameters: [{ name: 'code', in: 'path', required: true, description: '统一社会信用代码（18 位）。', schema: { type: 'string', maxLength: 40 } }],
    ok: { status: 200, schema: 'subject-page', description: '主体及其公开记录' },
    cached: true,
    errors: [[404, '未找到该主体'], [429, RATE]],
  },
  {
    method: 'get', path: '/public/v1/articles', operationId: 'listArticles', tag: PUBLIC, summary: '信用动态和政策法规列表',
    description: '已发布的文章，最新的在前，分页；市级站点只列全省和本市的文章。',
    parameters: [
      { name: 'kind', in: 'query', description: 'news 信用动态；policy 政策法规；省略为全部。', schema: { type: 'string', enum: ['news', 'policy'] } },
      pageParam,
      { name: 'limit', in: 'query', description: '每页条数，1 到 50，默认 20。', schema: { type: 'integer', minimum: 1, maximum: 50, default: 20 } },
    ],
    ok: { status: 200, schema: 'article-list', description: '文章列表' },
    cached: true,
    errors: [[400, BAD], [429, RATE]],
  },
  {
    method: 'get', path: '/public/v1/articles/{id}', operationId: 'getArticle', tag: PUBLIC, summary: '文章全文',
    description: '一篇已发布的文章及其正文。',
    parameters: [{ name: 'id', in: 'path', required: true, description: '文章编号。', schema: { type: 'integer', minimum: 1 } }],
    ok: { status: 200, schema: 'article', description: '文章' },
    cached: true,
    errors: [[404, '未找到该文章'], [429, RATE]],
  },
  {
    method: 'get', path: '/public/v1/statistics', operationId: 'getStatistics', tag: PUBLIC, summary: '公开信息统计',
    description: '当日公示期内的社会公开记录数，按信息类别和地区统计（省级站点按市，市级站点按区县）。',
    ok: { status: 200, schema: 'statistics', description: '统计' },
    cached: true,
    errors: [[429, RATE]],
  },
  {
    method: 'get', path: '/public/v1/site', operationId: 'getSite', tag: PUBLIC, summary: '站点信息',
    description: '本节点信用网站的名称、运营平台、地区和默认查询范围。',
    ok: { status: 200, schema: 'site', description: '站点信息' },
    cached: true,
    errors: [[429, RATE]],
  },
  {
    method: 'get', path: '/public/v1/reports/{number}', operationId: 'verifyReport', tag: REPORTS, summary: '查验信用报告',
    description: '报告编号和验证码是否对应本平台出具的公共信用信息报告；同时给出报告文件的 SHA-256 数字摘要时，核对文件是否被改动（matches）。查不到时也答 200，valid 为 false，不区分编号错误和验证码错误。',
    parameters: [
      { name: 'number', in: 'path', required: true, description: '报告编号。', schema: { type: 'string', maxLength: 100 } },
      { name: 'code', in: 'query', required: true, description: '报告上的验证码。', schema: { type: 'string', minLength: 1, maxLength: 100 } },
      { name: 'digest', in: 'query', description: '收到的报告文件的 SHA-256 数字摘要（十六进制），可选。', schema: { type: 'string', maxLength: 100 } },
    ],
    ok: { status: 200, schema: 'report-verification', description: '查验结果' },
    errors: [[400, '未提供验证码 code'], [429, RATE]],
  },
  {
    method: 'post', path: '/public/v1/objections', operationId: 'fileObjection', tag: TICKETS, summary: '提出异议',
    description: '对一条社会公开的信用记录提出异议（理由见 reason）。受理后该记录立即标注“异议处理中”，申请转交信息来源单位所在节点，按工作日计算办理期限。同一记录已有正在办理的异议时答 409。证明材料可以 base64 放在 evidenceFiles 中，也可以用 multipart/form-data 上传。',
    body: { json: 'objection-request', form: 'objection-form', description: '异议申请' },
    ok: { status: 201, schema: 'ticket', description: '已受理：受理编号、状态和办理期限' },
    errors: [[400, `${BAD}；或记录未公示、主体代码与记录不一致、证明材料不符合要求`], [404, '未找到该信用记录'], [409, '该记录已有正在办理的异议'], [413, '请求或证明材料过大'], [429, '提交过于频繁（RATE_LIMITED）']],
  },
  {
    method: 'post', path: '/public/v1/complaints', operationId: 'fileComplaint', tag: TICKETS, summary: '投诉',
    description: '投诉本平台登记的企业或组织，按投诉领域和主体所在地区转交主管部门所在节点办理。证明材料可以 base64 放在 evidenceFiles 中，也可以用 multipart/form-data 上传。',
    body: { json: 'complaint-request', form: 'complaint-form', description: '投诉' },
    ok: { status: 201, schema: 'ticket', description: '已受理：受理编号、状态和办理期限' },
    errors: [[400, `${BAD}；或统一社会信用代码不正确、证明材料不符合要求`], [404, '本平台没有该主体'], [413, '请求或证明材料过大'], [429, '提交过于频繁（RATE_LIMITED）']],
  },
  {
    method: 'post', path: '/public/v1/repairs', operationId: 'fileRepair', tag: TICKETS, summary: '申请信用修复',
    description: '对一条已满最短公示期的失信信息申请信用修复，附信用承诺和已履行处罚义务的说明；由信息来源单位所在节点决定，准予修复后该记录停止公示。',
    body: { json: 'repair-request', description: '信用修复申请' },
    ok: { status: 201, schema: 'ticket', description: '已受理：受理编号、状态和办理期限' },
    errors: [[400, `${BAD}；或该类信息不适用信用修复、最短公示期未满`], [404, '未找到该信用记录'], [409, '该记录已有正在办理的信用修复申请'], [413, '请求过大'], [429, '提交过于频繁（RATE_LIMITED）']],
  },
  lookup('/public/v1/objections/{ticket}', 'getObjection', '查询异议办理进度', '异议'),
  lookup('/public/v1/complaints/{ticket}', 'getComplaint', '查询投诉办理进度', '投诉'),
  lookup('/public/v1/repairs/{ticket}', 'getRepair', '查询信用修复办理进度', '信用修复申请'),
  lookup('/public/v1/tickets/{ticket}', 'getTicket', '按受理编号查询任一申请', '申请（异议、投诉或信用修复）'),
  {
    method: 'post', path: '/open/v1/token', operationId: 'openToken', tag: OPEN, summary: '申请访问令牌',
    description: '以登记时发给机构的机构编号和密钥换取短期访问令牌（有效期由节点配置，默认 10 分钟）。密钥只在登记时显示一次。',
    body: { json: 'open-token-request', description: '机构凭证' },
    ok: { status: 200, schema: 'open-token', description: '访问令牌' },
    errors: [[400, BAD], [401, '机构编号或密钥不正确（CLIENT_CREDENTIALS_INVALID）'], [403, '机构已暂停（CLIENT_SUSPENDED）、已撤销（CLIENT_REVOKED）或已过期（CLIENT_EXPIRED）'], [429, '请求过于频繁']],
  },
  {
    method: 'get', path: '/open/v1/subjects/{code}', operationId: 'openSubject', tag: OPEN, summary: '查询主体的信用信息',
    description: '一个主体在本机构授权数据集内的信用记录，data 只含授权字段；开展信用评价的节点还给出 evaluation。查询自然人须在 X-Authorisation 请求头中出示本人授权记录的编号（授权范围和有效期内）。每次调用计入配额并记入审计日志。',
    bearer: true,
    parameters: [
      { name: 'code', in: 'path', required: true, description: '统一社会信用代码或身份证号码。', schema: { type: 'string', maxLength: 40 } },
      { name: 'X-Authorisation', in: 'header', description: '查询自然人和授权查询（restricted）的信息时必填：信息主体授权记录的编号。', schema: { type: 'string', maxLength: 200 } },
      datasetsParam,
      fieldsParam,
    ],
    ok: { status: 200, schema: 'open-subject', description: '主体及其授权范围内的记录' },
    errors: [[400, BAD], [401, CLIENT_401], [403, CLIENT_403], [404, '未找到该主体'], [429, CLIENT_429]],
  },
  {
    method: 'get', path: '/open/v1/changes', operationId: 'openChanges', tag: OPEN, summary: '变更订阅',
    description: '自游标 since 之后、在本机构授权数据集内的记录变更（新增或更新为 upsert，移出授权范围为 remove），按发生顺序分页。以上一页的 next 作为下一次的 since，即可从中断处准确续传，保持本地副本最新而无需重新扫描；hasMore 为 true 时立即继续读取。首次同步省略 since。公示期届满不产生变更：副本应在记录的 publishUntil 之后自行删除它。',
    bearer: true,
    parameters: [
      { name: 'since', in: 'query', description: '上一页返回的 next；省略时从头开始。', schema: { type: 'string', maxLength: 200 } },
      { name: 'limit', in: 'query', description: '每页最多条数（上限由节点配置，默认 1000）。', schema: { type: 'integer', minimum: 1 } },
      datasetsParam,
      fieldsParam,
    ],
    ok: { status: 200, schema: 'open-changes', description: '一页变更' },
    errors: [[400, '游标或参数不正确'], [401, CLIENT_401], [403, CLIENT_403], [429, CLIENT_429]],
  },
  {
    method: 'get', path: '/openapi.json', operationId: 'getOpenApi', tag: '接口说明', summary: '接口说明文档',
    description: '本文档（OpenAPI 3.1，JSON）。',
    ok: { status: 200, description: 'OpenAPI 3.1 文档' },
    cached: true,
    errors: [],
  },
  {
    method: 'get', path: '/public/v1/openapi.json', operationId: 'getPublicOpenApi', tag: '接口说明', summary: '接口说明文档（公共接口路径下）',
    description: '与 /openapi.json 相同的文档，放在公共接口的路径下，便于只开放 /public/v1 的网关转发。',
    ok: { status: 200, description: 'OpenAPI 3.1 文档' },
    cached: true,
    errors: [],
  },
];
