"""An aspect that puts the platform's tags on every taggable resource.

Example::

    from cdktf import Aspects
    from foundry_constructs.tagging import TagDefaults

    Aspects.of(stack).add(TagDefaults({"owner": "ai-platform@contoso.com"}))

A tag a construct set itself is never overwritten: defaults fill in, they do
not override. Only resources whose schema has ``tags`` are touched. Aspects set
defaults or check policy; they never create resources.
"""

from __future__ import annotations

from typing import Mapping

import jsii
from cdktf import IAspect, TerraformResource
from constructs import IConstruct


@jsii.implements(IAspect)
class TagDefaults:
    """Merge ``tags`` under the tags each taggable resource already has."""

    def __init__(self, tags: Mapping[str, str]):
        self._tags = dict(tags)

    def visit(self, node: IConstruct) -> None:
        if not isinstance(node, TerraformResource) or not hasattr(type(node), "tags_input"):
            return
        own = node.tags_input or {}
        node.tags = {**self._tags, **own}
