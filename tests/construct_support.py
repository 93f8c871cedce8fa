"""Helpers for per-construct tests: a minimal stack with a resource group, synthesized to a dict."""

from __future__ import annotations

import json

from foundry_constructs.cdk import TerraformStack
from foundry_constructs.cdk import Testing as CdktfTesting

from foundry_constructs.azurerm import resource_group


def new_stack():
    stack = TerraformStack(CdktfTesting.app(), "t")
    rg = resource_group.ResourceGroup(stack, "rg", name="rg-t", location="eastus")
    return stack, rg


def synth(stack) -> dict:
    return json.loads(CdktfTesting.synth(stack))


def only(doc: dict, rtype: str) -> dict:
    (res,) = doc["resource"][rtype].values()
    return res
