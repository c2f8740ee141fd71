// The finer kinds of web-attack findings (web.attack.kind, written by src/web in English) in
// Chinese. A kind not in the table shows as it is: a new check never hides its finding.
import { i18n } from '../i18n'

const zh: Record<string, string> = {
  // SQL injection
  'union select': 'UNION 联合查询', 'union probe': 'UNION 探测', tautology: '恒真条件', 'tautology (typographic quotes)': '恒真条件（全角引号）',
  'boolean chain': '布尔条件串联', 'boolean function test': '布尔函数探测', 'boolean sub-select': '布尔子查询', 'boolean arithmetic': '布尔运算探测',
  'stacked statement': '堆叠语句', statement: 'SQL 语句', 'select statement': 'SELECT 语句', 'statement after quote': '闭合引号后的语句',
  'statement terminated': '语句截断', 'comment cuts the query': '注释截断查询', 'time based': '基于时间的盲注', 'time or error based': '时间或报错注入',
  'expression injection': '表达式注入', 'clause injection': '子句注入', 'file write': '写文件', 'sub-select': '子查询', 'catalog access': '访问系统表',
  'server variable': '读取服务器变量', 'conditional (blind)': '条件盲注', 'conditional statement': '条件语句', 'dynamic statement': '动态语句执行',
  'variable declaration': '变量声明', 'system procedure': '系统存储过程', 'log evasion': '规避日志', 'hex-encoded statement': '十六进制编码的语句',
  'blind function probe': '盲注函数探测', 'conditional probe': '条件函数探测', 'implicit conversion': '隐式类型转换注入', 'quoted expression': '引号内表达式注入', 'backup to a share': '备份到共享目录', 'copy to program': 'COPY 执行程序', 'mysql executable comment': 'MySQL 可执行注释',
  'ldap filter injection': 'LDAP 过滤器注入', 'nosql operator': 'NoSQL 操作符', 'nosql statement': 'NoSQL 语句', 'nosql javascript': 'NoSQL 服务器端 JavaScript',
  'nosql javascript (time based)': 'NoSQL JavaScript（基于时间）', 'nosql injection': 'NoSQL 注入',
  // XSS
  'script-capable element': '可执行脚本的元素', 'event handler': '事件处理属性', 'event handler after attribute break': '闭合属性后的事件处理',
  'javascript url': 'JavaScript 伪协议链接', 'script sink call': '调用脚本执行函数', 'sink assignment': '写入危险属性', 'computed call on a global': '全局对象动态调用',
  'constructor call': '构造函数调用', 'document access': '访问 document', 'keyword split by fake tags': '伪标签拆分关键字', 'template expression': '模板表达式',
  'style expression': '样式表达式', 'meta refresh': 'meta 跳转', 'link element': 'link 元素', 'remote resource injection': '注入外部资源',
  'download link injection': '注入下载链接', 'xml data island': 'XML 数据岛', 'svg animation of a link': 'SVG 动画改写链接', 'utf-7 markup': 'UTF-7 编码标记',
  'behavior import': 'IE behavior 导入',
  // commands and code
  'shell command': 'Shell 命令', 'shell command line': '完整命令行', 'command substitution': '命令替换', 'obfuscated shell command': '混淆的命令',
  'shell glob': '通配符指代系统文件', 'windows command': 'Windows 命令', 'windows command loop': 'Windows FOR 循环命令', shellshock: 'Shellshock',
  'code call': '代码执行函数', 'php code': 'PHP 代码', 'php object injection': 'PHP 对象注入', 'java code': 'Java 代码', 'jsp code': 'JSP 代码',
  'asp code': 'ASP 代码', '.net code': '.NET 代码', 'node.js code': 'Node.js 代码', 'perl code': 'Perl 代码', 'python code': 'Python 代码',
  'ruby code': 'Ruby 代码', 'python pickle': 'Python pickle 反序列化', 'ruby deserialization': 'Ruby 反序列化', '.net deserialization': '.NET 反序列化',
  'java serialized object': 'Java 序列化对象', deserialization: '反序列化', 'yaml deserialization': 'YAML 反序列化', 'xml decoder': 'XMLDecoder 反序列化',
  'jndi lookup': 'JNDI 注入（Log4Shell）', ognl: 'OGNL 表达式', spel: 'SpEL 表达式', 'spring class loader': 'Spring 类加载器利用',
  'expression language code': '表达式语言执行代码', 'expression language probe': '表达式语言探测', 'template injection': '服务端模板注入',
  'server side include': '服务端包含（SSI）', 'xslt php functions': 'XSLT 调用 PHP 函数', 'prototype pollution': '原型链污染',
  'executable file upload': '上传可执行文件',
  // paths, inclusion, SSRF
  'dot-dot-slash': '../ 目录穿越', 'path parameter traversal': '路径参数穿越', 'evasive path': '变形编码的路径穿越', 'system file': '系统文件',
  'system path': '系统路径', 'protected file': '受保护文件', 'stream wrapper': '流包装器', 'remote file inclusion': '远程文件包含',
  'remote file inclusion (unc)': '远程文件包含（UNC）', 'unc administrative share': 'UNC 管理共享', 'null byte truncation': '空字节截断',
  xxe: 'XML 外部实体（XXE）', 'xml entity declaration': 'XML 实体声明', 'xml external schema': 'XML 外部 Schema',
  'loopback or metadata address': '回环或云元数据地址', 'internal service': '内网服务', 'internal protocol': '内网协议（gopher/dict）',
  // scanners, CSRF, cookies, protocol
  'attack tool user agent': '攻击工具 User-Agent', 'scanner header': '扫描器请求头', 'probe of a sensitive file': '探测敏感文件',
  'out-of-band callback domain': '带外回连域名', 'foreign origin': '跨站 Origin', 'foreign referer': '跨站 Referer', 'opaque origin': '不透明 Origin',
  'no origin or referer': '缺少 Origin 与 Referer', 'no anti-csrf token': '缺少防 CSRF 令牌', 'jwt alg none': 'JWT 算法为 none',
  'jwt unexpected algorithm': 'JWT 算法不符', 'jwt signature mismatch': 'JWT 签名不符', 'jwt expired': 'JWT 已过期', 'jwt malformed': 'JWT 格式错误',
  'cookie signature mismatch': 'Cookie 签名不符', 'signed cookie without signature': '签名 Cookie 缺少签名',
  'cookie structure changed within the session': '会话内 Cookie 结构被改', 'crlf injection': 'CRLF 注入', 'unicode crlf injection': 'Unicode CRLF 注入',
  'mail command injection': '邮件命令注入', 'nul byte in target': '请求目标含空字节', 'content-length with transfer-encoding (smuggling)': '请求走私（CL 与 TE 并存）',
  'duplicate content-length (smuggling)': '请求走私（重复 Content-Length）', 'obfuscated transfer-encoding (smuggling)': '请求走私（混淆 Transfer-Encoding）',
  'invalid header name': '非法请求头名', 'obsolete header folding': '过时的请求头折行', 'oversized headers': '请求头过大', 'oversized header': '单个请求头过大',
  'broken chunked framing': '分块编码格式错误', 'too many headers': '请求头过多', 'unknown method': '未知请求方法', 'trace method': 'TRACE 方法',
  'unusual http version': '异常 HTTP 版本',
}

// What the SQL check says it read the value as, appended to any kind: "union select (comments
// removed)".
const zhReadings: Record<string, string> = { ' (typographic quotes)': '（全角引号）', ' (comments removed)': '（去除注释后）' }

// The kind in the console's language.
export function kindLabel(kind: string): string {
  if (i18n.global.locale.value !== 'zh-CN') return kind
  if (zh[kind]) return zh[kind]
  for (const [suffix, label] of Object.entries(zhReadings))
    if (kind.endsWith(suffix) && zh[kind.slice(0, -suffix.length)]) return zh[kind.slice(0, -suffix.length)] + label
  return kind
}

// For the test: every key of the table.
export const zhKinds = zh
