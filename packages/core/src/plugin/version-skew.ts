import semver from 'semver';

/**
 * A warning when a plugin package declares another @kd/core range than the running core satisfies, judged by npm's
 * own `semver` (every range syntax npm accepts). A range semver cannot parse is itself worth a warning: the plugin's
 * package.json is wrong.
 */
export function skewWarning(packageName: string, peerRange: string | undefined, coreVersion: string): string | undefined {
  if (!peerRange) return undefined;
  if (semver.validRange(peerRange) === null)
    return `${packageName} declares an @kd/core range npm cannot read (${JSON.stringify(peerRange)}): fix its package.json peerDependencies`;
  if (semver.satisfies(coreVersion, peerRange, { includePrerelease: true })) return undefined;
  return `${packageName} expects @kd/core ${peerRange}, but @kd/core ${coreVersion} is running: install matching versions (npm ls @kd/core)`;
}
