"""HCP Terraform through plain ``hashicorp/tfe`` JSON: another workspace's outputs; workspaces and their settings.

Example::

    shared = WorkspaceOutputs(region_stack, "shared", organization="contoso", workspace="ai-fraud-prod-shared")
    registry = shared.ref("registry_id")        # .id = ${data.tfe_outputs.shared.nonsensitive_values.registry_id}

    HcpWorkspace(stack, "fraud-prod-shared", HcpWorkspaceProps(
        name="ai-fraud-prod-shared", organization="contoso", hostname="app.terraform.io", description="...",
        terraform_version="1.9.8", execution_mode="local"))   # its state shared with no other workspace

``tfe_outputs`` reads the current outputs of a workspace through HCP Terraform's
outputs API, never its state file; ``nonsensitive_values`` holds the outputs not
marked sensitive, ``values`` all of them as one sensitive attribute
(hashicorp/terraform-provider-tfe ``internal/provider/data_source_outputs.go``).
Only ``nonsensitive_values`` is read here: ids, which plans then show.

``tfe_workspace`` holds the name, project, Terraform version and ``auto_apply``
(false); ``tfe_workspace_settings`` the execution mode, agent pool and remote
state sharing, off (the provider's docs: manage a property on one of the two
only). Remote state sharing governs ``terraform_remote_state`` in runs, which
nothing here uses; ``tfe_outputs`` is governed by its token's permissions.
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
from foundry_constructs.cdk import TerraformStack
from constructs import Construct

from foundry_constructs import plain
from foundry_constructs.plain import PlainProviderSpec, plain_element

VERSION = "0.71.0"  # exact: every plan, lock file and mirror resolves the same provider
PROVIDER = PlainProviderSpec(name="tfe", source="hashicorp/tfe", version=VERSION)
EXECUTION_MODES = ("local", "agent", "remote")


@dataclass(frozen=True)
class OutputRef:
    """Something another stack created, known here by its id only (an output of that stack's workspace)."""

    id: str


def ensure_provider(scope: Construct, hostname: str) -> None:
    """``provider "tfe" { hostname = ... }`` in ``scope``'s stack, once; its token comes from the environment
    (``TFE_TOKEN``, or the credentials of ``terraform login``), never from here."""
    stack = TerraformStack.of(scope)
    if stack.node.try_find_child(PROVIDER.name) is None:
        plain.ensure_provider(stack, PROVIDER)
        stack.node.find_child(PROVIDER.name).add_override("hostname", hostname)


class WorkspaceOutputs(Construct):
    """``.data``: one ``data "tfe_outputs"`` for ``workspace``; :meth:`ref` reads one non-sensitive output."""

    def __init__(self, scope: Construct, id: str, *, hostname: str, organization: str, workspace: str):
        super().__init__(scope, id)
        ensure_provider(self, hostname)
        self.data = plain_element(self, "outputs", kind="data", provider="tfe", rtype="tfe_outputs",
                                  arguments={"organization": organization, "workspace": workspace})

    def ref(self, output: str) -> OutputRef:
        if not output.isidentifier():
            raise ValueError(f"output name {output!r}: letters, digits and underscores")
        return OutputRef(self.data.get_string_attribute(f"nonsensitive_values.{output}"))


@dataclass(frozen=True, kw_only=True)
class HcpWorkspaceProps:
    name: str
    organization: str
    hostname: str  # of HCP Terraform or your Terraform Enterprise
    description: str
    terraform_version: str  # exact: the version the pipeline plans and applies with
    execution_mode: str  # local | agent | remote
    project_id: str | None = None  # unset: the organization's default project
    agent_pool_id: str | None = None  # with execution_mode agent only


class HcpWorkspace(Construct):
    """``.workspace`` (``tfe_workspace``) and ``.settings`` (``tfe_workspace_settings``)."""

    def __init__(self, scope: Construct, id: str, props: HcpWorkspaceProps):
        if props.execution_mode not in EXECUTION_MODES:
            raise ValueError(f"execution_mode {props.execution_mode!r}: one of {', '.join(EXECUTION_MODES)}")
        if (props.execution_mode == "agent") != (props.agent_pool_id is not None):
            raise ValueError("agent_pool_id goes with execution_mode agent, and only there")
        super().__init__(scope, id)
        ensure_provider(self, props.hostname)
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
        settings = {
            "workspace_id": self.id,
            "execution_mode": props.execution_mode,
            "global_remote_state": False,  # no workspace reads another's state file
            "remote_state_consumer_ids": [],
        }
        if props.agent_pool_id is not None:
            settings["agent_pool_id"] = props.agent_pool_id
        self.settings = plain_element(self, "settings", kind="resource", provider="tfe",
                                      rtype="tfe_workspace_settings", arguments=settings)

    @property
    def id(self) -> str:
        return self.workspace.get_string_attribute("id")
