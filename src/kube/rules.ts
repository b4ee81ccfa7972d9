/**
 * Sums up a SelfSubjectRulesReview for people: drops the rules every authenticated user has (creating the
 * self-reviews), merges rules with the same verbs, and names resources as kubectl does (`deployments.apps`).
 */

export interface ResourceRule {
  readonly verbs: readonly string[];
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly resourceNames: readonly string[];
}

/** system:basic-user: granted to everyone signed in, so it says nothing about this user. */
const BASIC: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['authorization.k8s.io', new Set(['selfsubjectaccessreviews', 'selfsubjectrulesreviews'])],
  ['authentication.k8s.io', new Set(['selfsubjectreviews'])],
]);

/** True when a rule only lets its holder ask about themselves. */
export function isBasicRule(rule: ResourceRule): boolean {
  if (rule.verbs.length === 0 || rule.verbs.some((v) => v !== 'create')) return false;
  if (rule.apiGroups.length === 0 || rule.resources.length === 0) return false;
  return rule.apiGroups.every((g) => {
    const allowed = BASIC.get(g);
    return allowed !== undefined && rule.resources.every((r) => allowed.has(r));
  });
}

/** One line per distinct verb set, e.g. "get, list, watch: pods, deployments.apps". */
export function summariseRules(rules: readonly ResourceRule[]): string[] {
  const byVerbs = new Map<string, string[]>();
  for (const rule of rules) {
    if (isBasicRule(rule)) continue;
    const verbs = rule.verbs.includes('*') ? 'every verb' : [...rule.verbs].sort().join(', ');
    const names = rule.resourceNames.length > 0 ? ` (only ${rule.resourceNames.join(', ')})` : '';
    const list = byVerbs.get(verbs) ?? [];
    for (const group of rule.apiGroups.length > 0 ? rule.apiGroups : ['']) {
      for (const resource of rule.resources) list.push(`${resourceName(resource, group)}${names}`);
    }
    byVerbs.set(verbs, list);
  }
  return [...byVerbs].map(([verbs, resources]) => `${verbs}: ${[...new Set(resources)].join(', ')}`);
}

function resourceName(resource: string, group: string): string {
  if (group === '*') return resource === '*' ? 'every resource' : `${resource} (any API group)`;
  if (resource === '*') return group === '' ? 'every core resource' : `every resource in ${group}`;
  return group === '' ? resource : `${resource}.${group}`;
}
