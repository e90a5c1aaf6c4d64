"""`pnpm-workspace.yaml`: the folders of a pnpm workspace.

It names no dependency. Its ``packages`` list (folder globs, ``!`` excluding) goes to `members`, so that
each member's ``package.json`` joins the root's project even before ``pnpm-lock.yaml`` exists (the
lockfile's ``importers`` say the same once it does). Catalogs, overrides and the rest are pnpm's own
settings; the lockfile records their effect. Only the top-level ``packages`` key is read: nothing else in
the file is converted, so anchors elsewhere in it are harmless.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from chainwarden.collect._locate import compose_yaml
from chainwarden.collect.interface import (
    CollectContext,
    CollectError,
    Collector,
    CollectResult,
    read_text,
)
from chainwarden.model import Ecosystem


def matches(filename: str) -> bool:
    return filename in ("pnpm-workspace.yaml", "pnpm-workspace.yml")


def collect(path: Path, ctx: CollectContext) -> CollectResult:
    result = CollectResult(ecosystem=Ecosystem.NPM)
    text = read_text(path, ctx)
    result.files.append(ctx.display(path))
    node = compose_yaml(path, text, ctx, "pnpm-workspace.yaml")
    if node is None:
        return result
    if not isinstance(node, yaml.MappingNode):
        raise CollectError(ctx.location(path, node.start_mark.line + 1), "expected a mapping (packages: [...]) in pnpm-workspace.yaml")
    for key, value in node.value:
        if not (isinstance(key, yaml.ScalarNode) and key.value == "packages"):
            continue
        if isinstance(value, yaml.ScalarNode) and value.tag.endswith(":null"):
            break
        if not isinstance(value, yaml.SequenceNode):
            result.skip(ctx.location(path, key.start_mark.line + 1), "expected a list of folder patterns for packages")
            break
        for item in value.value:
            if isinstance(item, yaml.ScalarNode) and not item.tag.endswith(":null"):
                result.members.append(str(item.value))
            else:
                result.skip(ctx.location(path, item.start_mark.line + 1), "expected a folder pattern string in packages")
        break
    return result


COLLECTOR = Collector(format="pnpm-workspace", ecosystem=Ecosystem.NPM, is_lockfile=False, matches=matches, collect=collect)
