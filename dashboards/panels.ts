// What every rmwatch dashboard shares: links people click, the template variables of the session filters,
// and the shape of the dashboards themselves (Tokyo time, tags, uids other dashboards link to).
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type { ResolvedConfig } from '../infra/config.ts';
import type { Datasource } from './datasources.ts';

export const DASHBOARD_UIDS = {
  overview: 'rmwatch-overview',
  explorer: 'rmwatch-sessions',
  vendors: 'rmwatch-vendors',
  health: 'rmwatch-pipeline',
} as const;

export type Links = ResolvedConfig['links'];

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/** The session explorer showing one session; `${__value.raw}` is the clicked cell (a session id). */
export function sessionExplorerUrl(links: Links): string {
  return `${trimSlash(links.grafana)}/d/${DASHBOARD_UIDS.explorer}/?var-session=\${__value.raw}&\${__url_time_range}`;
}

export function auditApiSessionUrl(links: Links): string {
  return `${trimSlash(links.auditApi)}/sessions/\${__value.raw}`;
}

/** Field overrides that make a session-id column link to the explorer and to the audit API. */
export function sessionLinks(links: Links, field: string): dashboard.DynamicConfigValue[] {
  return [
    {
      id: 'links',
      value: [
        { title: 'セッションを開く / open in session explorer', url: sessionExplorerUrl(links) },
        { title: '監査API / audit API', url: auditApiSessionUrl(links), targetBlank: true },
      ],
    },
    { id: 'custom.width', value: field === 'id' ? 180 : 200 },
  ];
}

/** A multi-value filter over one keyword field of `ds`; "All" matches any value of the field. */
export function filterVariable(
  name: string,
  label: string,
  ds: Datasource,
  field: string,
): dashboard.QueryVariableBuilder {
  return (
    new dashboard.QueryVariableBuilder(name)
      .label(label)
      .datasource({ type: 'elasticsearch', uid: ds.uid })
      .query(JSON.stringify({ find: 'terms', field }))
      .definition(JSON.stringify({ find: 'terms', field }))
      .multi(true)
      .includeAll(true)
      // `field:*` (the field exists): without it, "All" would expand to a query naming every value.
      .allValue('*')
      .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
      .sort(dashboard.VariableSort.AlphabeticalAsc)
      .current({ text: 'All', value: '$__all', selected: true })
  );
}

export function baseDashboard(uid: string, title: string, description: string): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['rmwatch'])
    .timezone('Asia/Tokyo')
    .editable()
    .refresh('1m')
    .time({ from: 'now-7d', to: 'now' })
    .link(
      new dashboard.DashboardLinkBuilder('rmwatch')
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags(['rmwatch'])
        .asDropdown(true)
        .keepTime(true),
    );
}

/** Table columns in this order, with these headers; other fields are hidden. */
export function columns(fields: readonly (readonly [string, string])[]): dashboard.DataTransformerConfig {
  const all = fields.map(([f]) => f);
  return {
    id: 'organize',
    options: {
      indexByName: Object.fromEntries(all.map((f, i) => [f, i])),
      renameByName: Object.fromEntries(fields.map(([f, header]) => [f, header])),
      excludeByName: {},
      includeByName: Object.fromEntries(all.map((f) => [f, true])),
    },
  };
}

/**
 * `field` is one of the values of `$variable`; under "All" (allValue `*`) also a session that lacks the field.
 * A plain `field:*` would hide exactly the sessions to worry about (no approval, unknown vendor); `id:…`
 * matches every session under All and none for a chosen value, since no session id is a vendor or account.
 */
export function matchesFilter(field: string, variable: string): string {
  return `(${field}:$${variable} OR (id:$${variable} AND NOT _exists_:${field}))`;
}
