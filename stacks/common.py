"""What every stack of the platform has: provider, backend, tags.

Example::

    class SharedStack(PlatformStack):
        def __init__(self, scope, cfg):
            super().__init__(scope, cfg.namer.stack("shared"), cfg)
"""

from __future__ import annotations

from cdktf import Aspects, LocalBackend, TerraformStack
from constructs import Construct

from app.config import PlatformConfig
from foundry_constructs.azurerm import provider
from foundry_constructs.tagging import TagDefaults

# Relative to the stack's working directory (cdktf.out/stacks/<stack>/), so the
# state lands in ./state/ at the repository root and the JSON carries no
# absolute path.
STATE_DIR = "../../../state"


class PlatformStack(TerraformStack):
    """A TerraformStack with the azurerm provider, an explicit backend and the platform's tags."""

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
                )
            ],
        )
        LocalBackend(self, path=f"{STATE_DIR}/{name}.tfstate")
        Aspects.of(self).add(TagDefaults(cfg.resource_tags))
