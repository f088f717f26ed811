// Snare-format Windows events carried in syslog (Snare agents, NXLog's `to_syslog_snare()`, many SIEM
// forwarders): `MSWinEventLog<TAB>criticality<TAB>channel<TAB>counter<TAB>local time<TAB>event id<TAB>provider
// <TAB>user<TAB>SID type<TAB>audit type<TAB>computer<TAB>category<TAB>data<TAB>message<TAB>counter`.
// There is no EventData: the fields are in the rendered message ("Subject: Account Name: x  Network
// Information: Source Network Address: y …", its tabs and line ends flattened to spaces), so they are read
// back from the message's labels into the EventData names the XML carries, and mapped like any other event.
import { auditOutcomeNamed, WindowsEventError, type WindowsEvent } from './event.ts';
import { localMatchToUtc } from '../time.ts';

export const SNARE_MARK = 'MSWinEventLog\t';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Headings of the message's parts; the labels after one belong to it ("New Logon" / "Account Name"). */
const SECTIONS = new Set([
  'Subject',
  'New Logon',
  'Logon Information',
  'Network Information',
  'Account For Which Logon Failed',
  'Account Whose Credentials Were Used',
  'Failure Information',
  'Process Information',
  'Detailed Authentication Information',
  'Target Server',
  'Session',
  'Additional Information',
  'Share Information',
  'Access Request Information',
  'Object',
]);

/**
 * Japanese Windows renders the same messages with Japanese headings and labels (and municipal servers run
 * Japanese Windows): each is read as its English counterpart.
 */
const JAPANESE: Record<string, string> = {
  サブジェクト: 'Subject',
  新しいログオン: 'New Logon',
  ログオン情報: 'Logon Information',
  ネットワーク情報: 'Network Information',
  ログオンに失敗したアカウント: 'Account For Which Logon Failed',
  資格情報が使用されたアカウント: 'Account Whose Credentials Were Used',
  エラー情報: 'Failure Information',
  プロセス情報: 'Process Information',
  'ターゲット サーバー': 'Target Server',
  セッション: 'Session',
  追加情報: 'Additional Information',
  共有情報: 'Share Information',
  アクセス要求情報: 'Access Request Information',
  オブジェクト: 'Object',
  'セキュリティ ID': 'Security ID',
  アカウント名: 'Account Name',
  'アカウント ドメイン': 'Account Domain',
  'ログオン ID': 'Logon ID',
  'ログオン タイプ': 'Logon Type',
  ワークステーション名: 'Workstation Name',
  'ソース ネットワーク アドレス': 'Source Network Address',
  'ソース アドレス': 'Source Address',
  'ソース ポート': 'Source Port',
  'ネットワーク アドレス': 'Network Address',
  ポート: 'Port',
  'ターゲット サーバー名': 'Target Server Name',
  セッション名: 'Session Name',
  クライアント名: 'Client Name',
  'クライアント アドレス': 'Client Address',
  共有名: 'Share Name',
  共有パス: 'Share Path',
  相対ターゲット名: 'Relative Target Name',
  オブジェクト名: 'Object Name',
  ユーザー: 'User',
  ドメイン: 'Domain',
  'セッション ID': 'Session ID',
};

/** `Section/Label` (or a bare label anywhere) → the EventData name the event's XML gives it. */
const COMMON: Record<string, string> = {
  'Subject/Security ID': 'SubjectUserSid',
  'Subject/Account Name': 'SubjectUserName',
  'Subject/Account Domain': 'SubjectDomainName',
  'Subject/Logon ID': 'SubjectLogonId',
  'New Logon/Security ID': 'TargetUserSid',
  'New Logon/Account Name': 'TargetUserName',
  'New Logon/Account Domain': 'TargetDomainName',
  'New Logon/Logon ID': 'TargetLogonId',
  'Account For Which Logon Failed/Account Name': 'TargetUserName',
  'Account For Which Logon Failed/Account Domain': 'TargetDomainName',
  'Account Whose Credentials Were Used/Account Name': 'TargetUserName',
  'Account Whose Credentials Were Used/Account Domain': 'TargetDomainName',
  'Target Server/Target Server Name': 'TargetServerName',
  'Logon Type': 'LogonType',
  'Workstation Name': 'WorkstationName',
  'Source Network Address': 'IpAddress',
  'Source Address': 'IpAddress',
  'Network Address': 'IpAddress',
  'Source Port': 'IpPort',
  Port: 'IpPort',
  'Session Name': 'SessionName',
  'Client Name': 'ClientName',
  'Client Address': 'ClientAddress',
  'Share Name': 'ShareName',
  'Share Path': 'ShareLocalPath',
  'Relative Target Name': 'RelativeTargetName',
  'Object/Object Name': 'ObjectName',
  'Failure Reason': 'FailureReason',
  'Sub Status': 'SubStatus',
  Status: 'Status',
};

/** Events whose message calls the account "Subject" where the XML calls it the target or plain account. */
const SUBJECT_AS: Record<number, Record<string, string>> = {
  4634: {
    'Account Name': 'TargetUserName',
    'Account Domain': 'TargetDomainName',
    'Logon ID': 'TargetLogonId',
  },
  4647: {
    'Account Name': 'TargetUserName',
    'Account Domain': 'TargetDomainName',
    'Logon ID': 'TargetLogonId',
  },
  4778: { 'Account Name': 'AccountName', 'Account Domain': 'AccountDomain', 'Logon ID': 'LogonID' },
  4779: { 'Account Name': 'AccountName', 'Account Domain': 'AccountDomain', 'Logon ID': 'LogonID' },
  4825: {
    'Account Name': 'AccountName',
    'User Name': 'AccountName',
    'Account Domain': 'AccountDomain',
    Domain: 'AccountDomain',
    'Logon ID': 'LogonID',
  },
};

/**
 * The Snare record in a syslog message: right at its start (Snare agents, NXLog), or after a tag that a
 * relaying syslog daemon or `logger` put in front (`snare: MSWinEventLog…`).
 */
export function snareRecord(message: string): string | undefined {
  const at = message.indexOf(SNARE_MARK);
  if (at === -1 || at > 64) return undefined;
  return /^(?:[^\s:]+: ?)?$/.test(message.slice(0, at)) ? message.slice(at) : undefined;
}

/**
 * @param fallbackTime the syslog header's time (UTC), used when the Snare time carries no year
 * @param timezone the sender's zone: Snare writes the host's local time
 */
export function fromSnare(message: string, fallbackTime: string | undefined, timezone: string): WindowsEvent {
  const f = message.split('\t');
  if (f.length < 14)
    throw new WindowsEventError(`Snare event with ${f.length} of its 14 or more tab-separated fields`);
  const eventId = Number(f[5]);
  if (!Number.isInteger(eventId) || f[5]?.trim() === '')
    throw new WindowsEventError(`Snare event without a numeric event id: ${JSON.stringify(f[5])}`);
  const channel = (f[2] ?? '').trim();
  const timeCreated = snareTime(f[4] ?? '', timezone) ?? fallbackTime;
  if (!timeCreated)
    throw new WindowsEventError(`Snare event with an unreadable time ${JSON.stringify(f[4])}`);
  const text = (f[13] ?? '').trim();
  const data =
    channel.toLowerCase() === 'security' ? securityFields(eventId, text) : namedFields(channel, text);
  return {
    provider: (f[6] ?? '').trim(),
    eventId,
    channel,
    computer: (f[10] ?? '').trim(),
    timeCreated,
    data,
    auditFailure: auditOutcomeNamed(f[9]),
  };
}

/** `Thu Sep 18 13:03:42 2025`, local time of the Windows host. */
function snareTime(field: string, timezone: string): string | undefined {
  const m = /^\w{3} (\w{3}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/.exec(field.trim());
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[1] ?? '') + 1;
  if (month === 0) return undefined;
  const pad = (s: string | number) => String(s).padStart(2, '0');
  const iso = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(
    `${m[6]}-${pad(month)}-${pad(m[2] ?? '')}T${m[3]}:${m[4]}:${m[5]}`,
  );
  return iso ? localMatchToUtc(iso, timezone) : undefined;
}

interface Labelled {
  section: string | undefined;
  label: string;
  value: string;
}

/**
 * The message's `Label: value` pairs in order, each with the heading (one of `sections`) it stands under.
 * Fields are separated by runs of two or more spaces (the flattened tabs and line ends); inside one run, a
 * label may carry its value after a single space (`Source Network Address: 10.0.0.1`).
 */
export function labelledFields(text: string, sections: ReadonlySet<string> = SECTIONS): Labelled[] {
  const out: Labelled[] = [];
  let section: string | undefined;
  let pending: string | undefined;
  const settle = (value: string) => {
    if (pending !== undefined) out.push({ section, label: pending, value });
    pending = undefined;
  };
  for (const segment of text.split(/\s{2,}/)) {
    const bare = /^(\p{L}[\p{L}\p{N} ()/.'-]*):$/u.exec(segment);
    const inline = bare ? null : /^(\p{L}[\p{L}\p{N} ()/.'-]*): (.*)$/u.exec(segment);
    if (bare) {
      settle('');
      const label = english(bare[1] ?? '');
      if (sections.has(label)) section = label;
      else pending = label;
    } else if (inline) {
      settle('');
      out.push({ section, label: english(inline[1] ?? ''), value: (inline[2] ?? '').trim() });
    } else settle(segment);
  }
  settle('');
  return out;
}

const english = (label: string) => JAPANESE[label] ?? label;

function securityFields(eventId: number, text: string): Record<string, string> {
  const data: Record<string, string> = {};
  const subjectAs = SUBJECT_AS[eventId];
  for (const { section, label, value } of labelledFields(text)) {
    const name =
      (section === 'Subject' ? subjectAs?.[label] : undefined) ??
      COMMON[`${section}/${label}`] ??
      COMMON[label];
    if (name !== undefined && data[name] === undefined) data[name] = value === '-' ? '' : value;
  }
  return data;
}

/**
 * TerminalServices and RD Gateway messages: LocalSessionManager's `User: … Session ID: … Source Network
 * Address: …`, RemoteConnectionManager 1149's `User: … Domain: … Source Network Address: …`, and the gateway's
 * sentences with quoted user, client address and resource.
 */
function namedFields(channel: string, text: string): Record<string, string> {
  const data: Record<string, string> = {};
  const c = channel.toLowerCase();
  if (c.includes('terminalservices-gateway')) {
    const quoted = /user "([^"]*)", on client computer "([^"]*)"/i.exec(text);
    if (quoted) {
      data.Username = quoted[1] ?? '';
      data.IpAddress = quoted[2] ?? '';
    }
    const resource = /resource:? "([^"]*)"/i.exec(text);
    if (resource) data.Resource = resource[1] ?? '';
    // What the client transferred, the gateway received: the sentence fills in BytesReceived first.
    const bytes = /transferred (\d+) bytes and received (\d+) bytes/i.exec(text);
    if (bytes) {
      data.BytesReceived = bytes[1] ?? '';
      data.BytesTransfered = bytes[2] ?? '';
    }
    const duration = /duration was (\d+) seconds/i.exec(text);
    if (duration) data.SessionDuration = duration[1] ?? '';
    const error = /error code:? "?(\d+)"?/i.exec(text);
    if (error) data.ErrorCode = error[1] ?? '';
    return data;
  }
  const rcm = c.includes('remoteconnectionmanager');
  for (const { label, value } of labelledFields(text, new Set())) {
    if (label === 'User') data[rcm ? 'Param1' : 'User'] = value;
    else if (label === 'Domain' && rcm) data.Param2 = value;
    else if (label === 'Session ID') data.SessionID = value;
    else if (label === 'Source Network Address') data[rcm ? 'Param3' : 'Address'] = value;
  }
  return data;
}
