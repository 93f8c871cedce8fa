"""HCP Terraform workspaces as plain ``hashicorp/tfe`` JSON: one workspace, its settings, whom its state is shared with.

Example::

    shared = HcpWorkspace(stack, "fraud-prod-shared", HcpWorkspaceProps(
        name="ai-fraud-prod-shared", organization="contoso", description="...",
        terraform_version="1.9.8", execution_mode="local"))
    east = HcpWorkspace(stack, "fraud-prod-eastus", ...)
    shared.share_state_with([east])      # tfe_workspace_settings: global_remote_state false, consumers [east]
    east.share_state_with([])            # nobody reads it

``tfe_workspace`` holds the name, project, Terraform version and ``auto_apply``
(false); ``tfe_workspace_settings`` the execution mode, agent pool and remote
state sharing (the provider's docs: manage a property on one of the two only).
Workspaces are ``prevent_destroy``: deleting one deletes its state. Arguments are
written verbatim: pass config strings only as the literal copy
(``PlatformConfig.literal()``), references as tokens.

Facts (checked 2026-12-02): the tfe provider 0.71.0 is what cdktf-cdktf-provider-tfe 12.5.1 (PyPI, the last
cdktf binding) was generated from; its ``tfe_workspace_settings`` has ``execution_mode``, ``agent_pool_id``,
``global_remote_state`` and ``remote_state_consumer_ids`` (the binding's ``workspace_settings`` module;
hashicorp/terraform-provider-tfe ``website/docs/r/workspace_settings.markdown``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from constructs import Construct

from foundry_constructs import plain
from foundry_constructs.plain import PlainProviderSpec, plain_element

VERSION = "0.71.0"  # exact: every plan, lock file and mirror resolves the same provider
PROVIDER = PlainProviderSpec(name="tfe", source="hashicorp/tfe", version=VERSION)
EXECUTION_MODES = ("local", "agent", "remote")


@dataclass(frozen=True, kw_only=True)
class HcpWorkspaceProps:
    name: str
    organization: str
    description: str
    terraform_version: str  # exact: the version the pipeline plans and applies with
    execution_mode: str  # local | agent | remote
    project_id: str | None = None  # unset: the organization's default project
    agent_pool_id: str | None = None  # with execution_mode agent only


class HcpWorkspace(Construct):
    """``.workspace`` (``tfe_workspace``) and, after :meth:`share_state_with`, ``.settings``."""

    def __init__(self, scope: Construct, id: str, props: HcpWorkspaceProps):
        if props.execution_mode not in EXECUTION_MODES:
            raise ValueError(f"execution_mode {props.execution_mode!r}: one of {', '.join(EXECUTION_MODES)}")
        if (props.execution_mode == "agent") != (props.agent_pool_id is not None):
            raise ValueError("agent_pool_id goes with execution_mode agent, and only there")
        super().__init__(scope, id)
        plain.ensure_provider(self, PROVIDER)
        self.props = props
        arguments = {
            "name": props.name,
            "organization": props.organization,
            "description": props.description,
            "terraform_version": props.terraform_version,
            "auto_apply": False,  # a run waits for its reviewed apply
            "lifecycle": {"prevent_destroy": True},  # the workspace holds the stack's state
        }
        if props.project_id is not None:
            arguments["project_id"] = props.project_id
        self.workspace = plain_element(self, "workspace", kind="resource", provider="tfe", rtype="tfe_workspace",
                                       arguments=arguments)
        self.settings = None

    @property
    def id(self) -> str:
        return self.workspace.get_string_attribute("id")

    def share_state_with(self, consumers: Sequence["HcpWorkspace"]) -> None:
        """The workspace's settings: its execution mode, and its state readable by ``consumers`` only."""
        if self.settings is not None:
            raise ValueError(f"{self.props.name}: remote state sharing is already set")
        arguments = {
            "workspace_id": self.id,
            "execution_mode": self.props.execution_mode,
            "global_remote_state": False,
            "remote_state_consumer_ids": [c.id for c in consumers],
        }
        if self.props.agent_pool_id is not None:
            arguments["agent_pool_id"] = self.props.agent_pool_id
        self.settings = plain_element(self, "settings", kind="resource", provider="tfe",
                                      rtype="tfe_workspace_settings", arguments=arguments)
