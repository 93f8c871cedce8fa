"""The shared stack: the geo-replicated registry and the training data, in the primary region.

Example::

    shared = SharedStack(app, cfg)   # stack name "fraud-prod-shared"
    shared.platform.registry         # handed to every region stack

Its home is the primary region. While that region is down its resources keep
serving (replicas, the GRS copy) but cannot be reconfigured, so no region stack
ever needs to change anything here to be applied.
"""

from __future__ import annotations

from cdktf import TerraformOutput
from constructs import Construct

from app.config import PlatformConfig
from app.regions import region
from foundry_constructs.azurerm import data_azurerm_client_config
from foundry_constructs.patterns import CmkSpec, SharedPlatform, SharedPlatformProps, TrainingDataSpec
from foundry_constructs.registry import Replica
from foundry_constructs.storage import Immutability
from stacks.common import PlatformStack


class SharedStack(PlatformStack):
    def __init__(self, scope: Construct, cfg: PlatformConfig):
        super().__init__(scope, cfg.namer.stack("shared"), cfg)
        home = cfg.regions.primary
        td = cfg.training_data
        n = cfg.namer
        cmk = None
        if cfg.encryption.customer_managed_keys:
            client = data_azurerm_client_config.DataAzurermClientConfig(self, "client")
            cmk = CmkSpec(
                vault_name=n.key_vault_shared("cmk"),
                identity_name=n.user_assigned_identity("cmk", home),
                tenant_id=client.tenant_id,
                operator_principal_id=client.object_id,
                rotation_days=cfg.encryption.key_rotation_days,
            )
        self.platform = SharedPlatform(
            self,
            "platform",
            SharedPlatformProps(
                location=home,
                resource_group_name=cfg.namer.resource_group(home, purpose="shared"),
                registry_name=cfg.registry_name,
                registry_zone_redundant=cfg.replica_zone_redundant(home),
                replicas=tuple(
                    Replica(location=r, zone_redundant=cfg.replica_zone_redundant(r)) for r in cfg.secondary_regions
                ),
                untagged_retention_days=cfg.registry.untagged_retention_days,
                training_data=TrainingDataSpec(
                    name=cfg.data_account_name,
                    replication=td.redundancy.value,
                    container=td.container_name,
                    blob_soft_delete_days=td.blob_soft_delete_days,
                    container_soft_delete_days=td.container_soft_delete_days,
                    point_in_time_restore_days=td.point_in_time_restore_days,
                    immutability=Immutability(days=td.immutability_days, locked=td.immutability_locked)
                    if td.immutability_days
                    else None,
                ),
                public_network_access=not cfg.network.private,
                cmk=cmk,
            ),
        )
        registry = self.platform.registry.registry
        data = self.platform.training_data.account
        TerraformOutput(self, "registry_id", value=registry.id)
        TerraformOutput(self, "registry_login_server", value=registry.login_server)
        TerraformOutput(self, "registry_replica_regions", value=sorted(cfg.secondary_regions))
        TerraformOutput(self, "training_data_account_id", value=data.id)
        TerraformOutput(self, "training_data_blob_endpoint", value=data.primary_blob_endpoint)
        TerraformOutput(self, "training_data_secondary_region", value=region(home).pair or "")
