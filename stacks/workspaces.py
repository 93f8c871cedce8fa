"""The HCP Terraform workspaces of the other stacks, as code: only with ``backend.type: cloud`` and ``backend.workspaces``.

Example::

    # backend: {type: cloud, organization: contoso, workspace_prefix: ai, workspaces: {execution_mode: local}}
    WorkspacesStack(app, cfg, [shared, east, west, routing])   # stack "fraud-prod-workspaces"

One workspace per stack, named as the stacks' ``cloud`` blocks name them
(``<prefix>-<stack>``), in ``backend.project``, pinned to the Terraform version
the release workflow uses, ``auto_apply`` off, remote state sharing off: the
regions read the shared stack's outputs through ``tfe_outputs`` (stacks.region),
which needs no state sharing. The stack keeps its own state in the workspace
``<prefix>-<workload>-<env>-workspaces``, which ``terraform init`` creates
(docs/terraform-teams.md, "Workspaces as code").
"""

from __future__ import annotations

from typing import Sequence

from foundry_constructs.cdk import TerraformStack
from constructs import Construct

from app import config as config_model
from app.config import PlatformConfig
from foundry_constructs.hcp_workspaces import HcpWorkspace, HcpWorkspaceProps, ensure_provider
from foundry_constructs.plain import plain_element
from stacks.common import TERRAFORM_VERSION, TERRAFORM_VERSIONS, add_backend, workspace_name


class WorkspacesStack(TerraformStack):
    def __init__(self, scope: Construct, cfg: PlatformConfig, stacks: Sequence[TerraformStack]):
        name = cfg.namer.stack("workspaces")
        super().__init__(scope, name)
        backend = cfg.backend
        if not isinstance(backend, config_model.CloudBackend) or backend.workspaces is None:
            raise ValueError("the workspaces stack needs backend.type cloud with backend.workspaces")
        add_backend(self, name, backend)
        ensure_provider(self, backend.hostname)
        spaces = backend.workspaces
        project_id = agent_pool_id = None
        if backend.project is not None:
            project_id = plain_element(self, "project", kind="data", provider="tfe", rtype="tfe_project",
                                       arguments={"name": backend.project, "organization": backend.organization}
                                       ).get_string_attribute("id")
        if spaces.agent_pool is not None:
            agent_pool_id = plain_element(self, "agent-pool", kind="data", provider="tfe", rtype="tfe_agent_pool",
                                          arguments={"name": spaces.agent_pool, "organization": backend.organization}
                                          ).get_string_attribute("id")
        self.workspaces: dict[str, HcpWorkspace] = {}
        for stack in stacks:
            stack_name = stack.node.id
            self.workspaces[stack_name] = HcpWorkspace(self, stack_name, HcpWorkspaceProps(
                name=workspace_name(backend, stack_name),
                organization=backend.organization,
                hostname=backend.hostname,
                description=f"State of the {stack_name} stack (cdktf.out/stacks/{stack_name}), managed by {name}",
                terraform_version=TERRAFORM_VERSION,
                execution_mode=spaces.execution_mode,
                project_id=project_id,
                agent_pool_id=agent_pool_id,
            ))
        self.add_override("terraform.required_version", TERRAFORM_VERSIONS)
