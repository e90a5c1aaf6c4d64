"""npm inputs: `package.json` manifests and the lockfiles of npm, yarn and pnpm.

One module per format, each with a `COLLECTOR`: `package_json`, `package_lock`
(also `npm-shrinkwrap.json`), `yarn_lock` (classic v1 and berry) and
`pnpm_lock`. The spec classification, sibling-manifest reading and scope
propagation they share live in `package_json`.
"""
